"""Each question type through the real pipeline: bundled model, Chroma on disk, hybrid."""

from __future__ import annotations

import pytest

from assistant import Intent
from assistant.cite import find_markers, verify_quote

pytestmark = pytest.mark.slow


def _check_contract(a, answer):
    j = answer.to_json()
    assert set(j) >= {"question", "answer", "abstained", "citations", "units"}
    markers = set(find_markers(answer.answer))
    for c in answer.citations:
        assert verify_quote(c.quote, a.corpus.clause(c.clause_id).text), c.quote
        assert c.label == a.corpus.clause(c.clause_id).label
    assert markers <= {c.n for c in answer.citations}
    return j


def test_lookup_enterprise_question(real_assistant):
    ans = real_assistant.ask("我们的商标在网上被仿冒了，郑州有什么渠道维权？")
    _check_contract(real_assistant, ans)
    assert not ans.abstained and ans.intent is Intent.LOOKUP
    assert all(c.doc_id == "zhengzhou-opinions" for c in ans.citations)
    assert "[1]" in ans.answer


def test_who_is_responsible_lists_units_exactly(real_assistant):
    ans = real_assistant.ask("郑州开展铁拳专项行动的责任单位有哪些？")
    _check_contract(real_assistant, ans)
    assert ans.citations[0].clause_id == "zhengzhou-opinions#2.4"
    assert ans.units == ["市市场监管局", "市商务局", "市农委", "市文化广电和旅游局", "市卫健委", "市林业局", "金水海关"]


def test_no_units_printed_is_said_plainly(real_assistant):
    ans = real_assistant.ask("信阳加强组织领导这项工作由哪些部门负责？")
    assert ans.citations[0].clause_id == "xinyang-opinions#6.17"
    assert ans.units == [] and "没有列明责任单位" in ans.answer


def test_every_measure_of_a_department_complete(real_assistant):
    ans = real_assistant.ask("郑州市场监管局承担了哪些任务？")
    expected = [c.clause_id for c in real_assistant.corpus.clauses_of("zhengzhou-opinions") if "市市场监管局" in c.units]
    assert [c.clause_id for c in ans.citations] == expected and len(expected) == 16
    assert ans.units == ["市市场监管局"] and "共 16 项" in ans.answer


def test_compare_lines_up_one_clause_per_city(real_assistant):
    ans = real_assistant.ask("信阳和郑州在海外维权援助方面的措施有什么不同？")
    _check_contract(real_assistant, ans)
    assert [c.clause_id for c in ans.citations] == ["xinyang-opinions#4.13", "zhengzhou-opinions#5.14"]
    assert "**不同**" in ans.answer and "|---|" in ans.answer


def test_fact_quoted_exactly(real_assistant):
    ans = real_assistant.ask("信阳计划3年知识产权质押融资达到多少？")
    _check_contract(real_assistant, ans)
    assert "3 亿元" in ans.answer
    ans = real_assistant.ask("瑶海区的实施意见文号是多少？")
    assert "瑶办发〔2021〕23号" in ans.answer and ans.citations[0].clause_id == "yaohai-opinions#0.0"


def test_clause_reference(real_assistant):
    ans = real_assistant.ask("信阳落实意见第（十七）条讲的是什么？")
    assert [c.clause_id for c in ans.citations] == ["xinyang-opinions#6.17"]
    assert ans.intent is Intent.CLAUSE_REF


@pytest.mark.parametrize("question", ["北京的知识产权保护中心在哪里？", "郑州专利资助每件补贴多少钱？", "今天天气怎么样？"])
def test_out_of_scope_declines(real_assistant, question):
    ans = real_assistant.ask(question)
    assert ans.abstained and ans.citations == [] and "没有" in ans.answer


@pytest.mark.parametrize("question, what", [("新乡的人才公寓怎么申请？", "人才公寓"),
                                            ("高新技术企业的税收优惠去哪申请？", "税收优惠")])
def test_applying_for_what_no_document_names_is_declined_naming_it(real_assistant, question, what):
    ans = real_assistant.ask(question)
    assert ans.abstained and what in ans.answer


@pytest.mark.parametrize("question", ["我们的手游被人山寨了，郑州怎么申请维权？", "瑶海区企业怎么申请专利快速预审？"])
def test_applying_for_what_the_documents_name_is_answered(real_assistant, question):
    assert not real_assistant.ask(question).abstained


@pytest.mark.parametrize("question", ["我被前公司起诉侵犯商业秘密，该怎么答辩？会不会坐牢？", "这个专利官司能不能打赢？"])
def test_advice_on_ones_own_case_is_declined(real_assistant, question):
    ans = real_assistant.ask(question)
    assert ans.abstained and "法律意见" in ans.answer


def test_a_city_named_alone_is_answered_from_its_district_document_saying_so(real_assistant):
    ans = real_assistant.ask("合肥有什么知识产权保护政策？")
    assert not ans.abstained and all(c.doc_id == "yaohai-opinions" for c in ans.citations)
    assert "合肥只有合肥瑶海区的文件" in ans.notice
    ans = real_assistant.ask("合肥市本级的知识产权保护意见有哪些内容？")
    assert ans.abstained and "合肥市本级" in ans.answer


def test_a_follow_up_asking_for_the_same_rule_elsewhere_carries_the_topic(real_assistant):
    ans = real_assistant.ask("瑶海区有一样的规定吗？", history=["新乡对电商平台上的专利侵权投诉怎么处理？"])
    assert not ans.abstained and ans.citations[0].doc_id == "yaohai-opinions"


@pytest.mark.parametrize("question", ["我们设计的衣服款式被别人照着做了，信阳有规定吗？",
                                      "别人用了我们店的名字开了家一样的店，郑州管不管？"])
def test_an_infringement_told_without_its_word_is_answered(real_assistant, question):
    assert not real_assistant.ask(question).abstained


@pytest.mark.parametrize("question", ["新乡的文件是哪个部门发的？", "信阳那个文件什么时候发的？"])
def test_questions_about_the_document_are_answered_from_its_header(real_assistant, question):
    ans = real_assistant.ask(question)
    assert not ans.abstained and ans.citations[0].clause_id.endswith("#0.0") and not ans.notice


@pytest.mark.parametrize("question", ["我的自行车被偷了，郑州管吗？", "新乡哪里的烩面好吃？"])
def test_off_topic_questions_naming_a_covered_city_are_declined(real_assistant, question):
    assert real_assistant.ask(question).abstained


@pytest.mark.parametrize("question, declined", [
    ("Someone is selling fake versions of our brand in Xinxiang. What can we do?", False),
    ("Does Yaohai reward people who report fakes?", False),
    ("What's the weather like in Xinyang?", True),
    ("Tell me about pizza recipes.", True),
])
def test_english_questions_are_declined_only_when_nothing_speaks_of_ip(real_assistant, question, declined):
    assert real_assistant.ask(question).abstained is declined


@pytest.mark.parametrize("question", ["老板拖欠了我三个月工资，新乡哪里可以投诉？", "新乡小区物业乱收停车费，哪里可以投诉？",
                                      "郑州的公司想招一个外国员工，工作许可怎么办？"])
def test_everyday_complaints_outside_ip_are_declined(real_assistant, question):
    assert real_assistant.ask(question).abstained


@pytest.mark.parametrize("question, history", [
    ("那光山县呢？", ["新乡有人在网上卖仿我们的货，平台处理太慢，有没有快一点的通道？"]),
    ("2025年呢？", ["郑州市到2022年想达到什么效果？"]),
    ("还有别的行业吗？", ["长垣的起重机企业，新技术能不能加快审查？"]),
])
def test_short_follow_ups_with_a_county_or_a_year_are_answered(real_assistant, question, history):
    ans = real_assistant.ask(question, history=history)
    assert not ans.abstained and ans.rewritten


@pytest.mark.parametrize("question, first", [("瑶海区那份文件打算到哪一年、做到什么水平？", "yaohai-opinions#1.0"),
                                             ("郑州市到2025年想达到什么效果？", "zhengzhou-opinions#1.2"),
                                             ("信阳非诉讼机构覆盖面要达到多少？", "xinyang-plan#3.6")])
def test_target_questions_cite_the_targets_unless_they_name_a_subject(real_assistant, question, first):
    assert real_assistant.ask(question).citations[0].clause_id == first


def test_follow_up_keeps_the_conversation(real_assistant):
    first = real_assistant.ask("信阳对商业秘密的行政执法有什么措施？")
    assert first.citations[0].doc_id == "xinyang-opinions"
    ans = real_assistant.ask("那郑州呢？", history=["信阳对商业秘密的行政执法有什么措施？"])
    assert ans.rewritten == "郑州对商业秘密的行政执法有什么措施？"
    assert ans.citations[0].doc_id == "zhengzhou-opinions"


def test_traditional_and_full_width_find_the_same_clauses(real_assistant):
    simp = real_assistant.ask("郑州对电商平台的知识产权保护有哪些规定？")
    trad = real_assistant.ask("鄭州對電商平臺的知識產權保護有哪些規定？")
    full = real_assistant.ask("郑州对电商平台的知识产权保护有哪些规定？".replace("？", "？ＡＢＣ"))
    assert [c.clause_id for c in trad.citations][:3] == [c.clause_id for c in simp.citations][:3]
    assert full.citations[0].clause_id == simp.citations[0].clause_id


def test_english_question_uses_the_dense_side(real_assistant):
    ans = real_assistant.ask("Which departments are responsible for the 'Iron Fist' enforcement campaign in Zhengzhou?")
    assert not ans.abstained and ans.citations[0].clause_id == "zhengzhou-opinions#2.4"
