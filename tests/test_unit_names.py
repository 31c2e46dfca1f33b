"""How users name a department: short forms made from the printed name, and a second name in brackets."""

from __future__ import annotations

import pytest

from assistant.units_lookup import name_keys


@pytest.mark.parametrize("name, short", [("市市场监管局", "市监局"), ("市教育体育局", "教体局"), ("市发展改革委", "发改委"),
                                         ("市文化广电和旅游局", "文旅局"), ("市中级人民法院", "中院")])
def test_short_forms(name, short):
    assert short in name_keys(name)


@pytest.mark.parametrize("question, unit", [("郑州市新闻出版局负责哪些措施？", "市委宣传部"), ("信阳市监局负责哪些？", "市市场监管局"),
                                            ("郑州人力资源和社会保障局负责什么？", "市人社局"), ("信阳人社局有哪些职责？", "市人力资源社会保障局"),
                                            ("信阳人民银行负责哪些？", "人行信阳中心支行"), ("郑州金融局负责什么？", "市金融工作局"),
                                            ("郑州仲裁委办公室要干哪些活？", "郑州仲裁委员会办公室")])
def test_a_second_name_or_a_short_form_finds_the_unit(keyword_assistant, question, unit):
    q = keyword_assistant.understand(question)
    assert [u.unit for u in q.units] == [unit] and q.intent.value == "department"


def test_units_named_together_are_all_found_in_the_order_named(keyword_assistant):
    q = keyword_assistant.understand("郑州市人大常委会和市政协在实施意见里负责哪些？")
    assert [u.unit for u in q.units] == ["市人民代表大会常务委员会", "政协郑州市委员会"]


def test_a_shorter_key_elsewhere_is_not_a_second_unit(keyword_assistant):
    q = keyword_assistant.understand("郑州市公安局在知识产权刑事司法方面负责哪些？")
    assert [u.unit for u in q.units] == ["市公安局"]


@pytest.mark.slow
def test_a_department_question_narrowed_to_a_topic_lists_those_measures_and_says_how_many_in_all(real_assistant):
    ans = real_assistant.ask("信阳海关在海外维权这一块负责哪些措施？")
    every = real_assistant.units.clauses_of("xinyang-opinions", "信阳海关")
    cited = [c.clause_id for c in ans.citations]
    assert cited and set(cited) < set(every) and "xinyang-opinions#4.13" in cited
    assert f"共 {len(every)} 项，其中与“海外维权”有关的 {len(cited)} 项" in ans.answer


@pytest.mark.slow
@pytest.mark.parametrize("question", ["信阳海关在《信阳市关于强化知识产权保护工作的落实意见》里负责哪些措施？",
                                      "信阳海关在强化知识产权保护方面负责哪些措施？"])
def test_a_title_or_the_whole_field_is_no_topic(real_assistant, question):
    every = real_assistant.units.clauses_of("xinyang-opinions", "信阳海关")
    assert [c.clause_id for c in real_assistant.ask(question).citations] == list(every)
