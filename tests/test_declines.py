"""Declining on evidence, by kind: a unit of a city the corpus does not cover, a document it only cites,
an unprinted amount beside a printed one, results, another office's registration or exam, fees."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("question, why", [
    ("开封市的实施意见里市公安局负责哪些措施？", "开封"),  # a unit the corpus knows, of a city it does not cover
    ("合肥市委市政府那份意见对商标侵权怎么规定？", "合肥市"),  # the city's own document, not 瑶海区's
    ("豫办〔2020〕21号文件第五条讲的是什么？", "豫办"),  # cited by the corpus, not held by it
    ("郑州旁边的许昌有没有像郑州那样的实施意见？", "许昌"),  # 郑州 named only as the model
    ("《知识产权强国建设纲要》提出了哪些目标？", "纲要"),
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
    "瑶海区维权援助补助的申请几号截止？",
    "新乡的专利快速审查要多少个工作日？",
    "郑州的知识产权保护工作在全省排第几？",
    "在国家知识产权局办专利权转让要提交哪些材料？",
    "技术开发合同里的知识产权条款怎么写？",
    "商标被仿了，是直接起诉好还是先发律师函？",
    "离婚时商标怎么分割？",
    "郑州有没有靠谱的专利代理机构推荐？",
    "知识产权专员月薪一般多少？",
])
def test_what_the_documents_do_not_hold(real_assistant, question):
    assert real_assistant.ask(question).abstained


def test_who_carries_a_measure_about_a_cited_document_is_answered(real_assistant):
    ans = real_assistant.ask("修订《郑州市专利促进和保护条例》由哪些部门负责？")
    assert not ans.abstained and ans.citations[0].clause_id == "zhengzhou-opinions#7.18"


def test_what_a_cited_document_is_based_on_is_still_answered(real_assistant):
    ans = real_assistant.ask("郑州的实施意见依据的中办文件文号是什么？")
    assert not ans.abstained and "中办发〔2019〕56号" in ans.answer


@pytest.mark.parametrize("question, said", [("离婚时商标怎么分割？", "婚姻家庭"), ("我离婚了，前夫名下的商标怎么分？", "婚姻家庭"),
                                           ("郑州有没有靠谱的专利代理机构推荐？", "不推荐具体的机构"),
                                           ("我被起诉侵犯商业秘密，该怎么答辩？", "不对个案提供法律意见")])
def test_each_kind_of_matter_outside_policy_is_declined_in_its_own_words(real_assistant, question, said):
    ans = real_assistant.ask(question)
    assert ans.abstained and said in ans.answer
