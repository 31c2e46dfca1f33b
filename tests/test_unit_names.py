"""How users name a department: short forms made from the printed name, and a second name in brackets."""

from __future__ import annotations

import pytest

from assistant.units_lookup import name_keys


@pytest.mark.parametrize("name, short", [("市市场监管局", "市监局"), ("市教育体育局", "教体局"), ("市发展改革委", "发改委"),
                                         ("市文化广电和旅游局", "文旅局"), ("市中级人民法院", "中院")])
def test_short_forms(name, short):
    assert short in name_keys(name)


@pytest.mark.parametrize("question, unit", [("郑州市新闻出版局负责哪些措施？", "市委宣传部"), ("信阳市监局负责哪些？", "市市场监管局")])
def test_a_second_name_or_a_short_form_finds_the_unit(keyword_assistant, question, unit):
    q = keyword_assistant.understand(question)
    assert [u.unit for u in q.units] == [unit] and q.intent.value == "department"
