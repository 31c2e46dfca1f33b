"""Declining on evidence, by kind: a unit of a city the corpus does not cover, a document it only cites,
an unprinted amount beside a printed one, results, another office's registration or exam, fees."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("question, why", [
    ("开封市的实施意见里市公安局负责哪些措施？", "开封"),  # a unit the corpus knows, of a city it does not cover
    ("合肥市委市政府那份意见对商标侵权怎么规定？", "合肥市"),  # the city's own document, not 瑶海区's
    ("豫办〔2020〕21号文件第五条讲的是什么？", "豫办"),  # cited by the corpus, not held by it
])
def test_outside_the_corpus(real_assistant, question, why):
    ans = real_assistant.ask(question)
    assert ans.abstained and why in ans.notice


@pytest.mark.parametrize("question", [
    "信阳知识产权服务机构每家能拿多少补助？",  # an amount is printed (3 亿元 of pledge financing), not this one
    "郑州知识产权保护满意度调查结果是多少分？",
    "专利代理师资格考试在哪报名？",
    "郑州的商标代理服务费一般多少？",
    "What are the patent application procedures and official fees?",
])
def test_what_the_documents_do_not_hold(real_assistant, question):
    assert real_assistant.ask(question).abstained


def test_what_a_cited_document_is_based_on_is_still_answered(real_assistant):
    ans = real_assistant.ask("郑州的实施意见依据的中办文件文号是什么？")
    assert not ans.abstained and "中办发〔2019〕56号" in ans.answer
