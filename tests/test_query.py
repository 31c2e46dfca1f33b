"""Query understanding: places, documents, departments, clause references, intents, follow-ups."""

from __future__ import annotations

import pytest

from assistant import Intent
from assistant.followup import rewrite
from assistant.query import understand


@pytest.fixture(scope="module")
def view(keyword_assistant):
    return keyword_assistant.view


@pytest.mark.parametrize(
    "question, docs",
    [
        ("郑州有什么渠道维权？", ("zhengzhou-opinions",)),
        ("鄭州對電商平臺的知識產權保護有哪些規定？", ("zhengzhou-opinions",)),
        ("新乡那份意见怎么说", ("xinxiang-opinions",)),
        ("合肥瑶海区有维权援助吗", ("yaohai-opinions",)),
        ("信阳的实施方案里目标是什么", ("xinyang-plan",)),
        ("信阳落实意见第（十七）条", ("xinyang-opinions",)),
        ("信阳有哪些措施", ("xinyang-opinions", "xinyang-plan")),
        ("What does Zhengzhou do about e-commerce?", ("zhengzhou-opinions",)),
        ("知识产权质押融资", ()),
    ],
)
def test_documents_named(view, question, docs):
    assert understand(question, view).doc_ids == docs


@pytest.mark.parametrize(
    "question, refs",
    [
        ("信阳落实意见第（十七）条讲的是什么？", ["xinyang-opinions#6.17"]),
        ("瑶海区第3条", ["yaohai-opinions#2.3"]),
        ("郑州实施意见第十二项", ["zhengzhou-opinions#4.12"]),
        ("新乡意见(二十一)", ["xinxiang-opinions#6.21"]),
        ("信阳实施方案第二部分的第（一）条", ["xinyang-plan#2.1"]),
        ("瑶海区意见第一部分写了什么？", ["yaohai-opinions#1.0"]),
    ],
)
def test_clause_references(view, question, refs):
    q = understand(question, view)
    assert list(q.clause_refs) == refs and q.intent is Intent.CLAUSE_REF


@pytest.mark.parametrize(
    "question, intent",
    [
        ("郑州开展铁拳专项行动的责任单位有哪些？", Intent.RESPONSIBILITY),
        ("信阳市市场监管局负责哪些措施？", Intent.DEPARTMENT),
        ("信阳和郑州在海外维权援助方面有什么不同？", Intent.COMPARE),
        ("信阳计划3年知识产权质押融资达到多少？", Intent.FACT),
        ("我们的商标在网上被仿冒了，郑州有什么渠道维权？", Intent.LOOKUP),
        ("Who is responsible for overseas rights protection assistance in Xinyang?", Intent.RESPONSIBILITY),
        ("Which bureau takes the lead on fighting counterfeits in Zhengzhou?", Intent.RESPONSIBILITY),
        # what the question asks decides, not its story: 好几家 and 老字号 ask no figure, 卖不同了 compares nothing
        ("我们开了二十年的老字号面馆，最近街上冒出好几家招牌差一个字的店。郑州对这种仿冒有没有说法？", Intent.LOOKUP),
        ("我们的枣子被外地货冒牌，真货反而卖不同了。新郑的枣农该找谁管？", Intent.RESPONSIBILITY),
        ("信阳那份落实意见的文号和印发日期分别是什么？", Intent.FACT),
    ],
)
def test_intents(view, question, intent):
    assert understand(question, view).intent is intent


def test_department_by_partial_name_stays_in_its_city(view):
    q = understand("郑州的宣传部负责什么？", view)
    assert [(u.doc_id, u.unit) for u in q.units] == [("zhengzhou-opinions", "市委宣传部")]
    q = understand("市场监管局承担哪些任务？", view)
    assert {(u.doc_id, u.unit) for u in q.units} == {
        ("xinyang-opinions", "市市场监管局"), ("zhengzhou-opinions", "市市场监管局")}


def test_places_outside_the_corpus_are_noticed(view):
    assert understand("北京的知识产权保护中心在哪里？", view).foreign_places == ("北京",)
    assert understand("郑州的知识产权保护中心", view).foreign_places == ()


def test_invisible_characters_and_long_input(view):
    q = understand("郑\u200b州\u202e的\x07维权", view, max_chars=500)
    assert q.question == "郑州的维权" and q.doc_ids == ("zhengzhou-opinions",)
    q = understand("知" * 900, view, max_chars=500)
    assert q.truncated and len(q.question) == 500


@pytest.mark.parametrize(
    "history, question, expected",
    [
        (["信阳对商业秘密的行政执法有什么措施？"], "那郑州呢？", "郑州对商业秘密的行政执法有什么措施？"),
        (["郑州加强行政保护的责任单位有哪些？"], "新乡呢", "新乡加强行政保护的责任单位有哪些？"),
        (["郑州市商务局负责哪些措施？"], "那市司法局呢？", "郑州市司法局负责哪些措施？"),
        (["信阳对商业秘密的行政执法有什么措施？"], "郑州的知识产权法庭有什么规划？", "郑州的知识产权法庭有什么规划？"),
    ],
)
def test_follow_up_rewriting(view, history, question, expected):
    assert rewrite(question, history, view) == expected


@pytest.mark.parametrize(
    "history, question, expected",
    [
        (["瑶海区对电商平台专利侵权投诉怎么处理？"], "新乡也有这样的规定吗？", "新乡对电商平台专利侵权投诉怎么处理？"),
        (["郑州知识产权人才队伍建设有什么措施？"], "这条的责任单位是哪些？", "郑州知识产权人才队伍建设的责任单位是哪些？"),
        (["新乡实施意见第（十三）条讲什么？"], "下一条呢？", "新乡实施意见第（十四）条讲什么？"),
        (["新乡的知识产权人才培养有哪些措施？"], "瑶海区是怎么规定的？", "瑶海区的知识产权人才培养有哪些措施？"),
        (["郑州加强行政保护的责任单位有哪些？"], "那信阳对应的强化行政执法那条呢？", "信阳强化行政执法的责任单位有哪些？"),
        (["郑州对反复侵权的企业会拉黑名单吗？"], "会在哪些地方公示？", "郑州会在哪些地方公示？"),
        (["瑶海区有没有快速处理纠纷的办法？"], "具体怎么做？", "瑶海区快速处理纠纷怎么做？"),
        (["信阳有没有举报仿冒给奖励的做法？"], "这个谁来管？", "信阳举报仿冒给奖励谁来管？"),
        (["郑州市到2022年想达到什么效果？"], "2025年呢？", "郑州市到2025年想达到什么效果？"),
        (["郑州对反复侵权的企业会拉黑名单吗？"], "各地对展会有什么规定？", "各地对展会有什么规定？"),
        (["新乡哪些部门负责海外维权援助？"], "郑州那边是哪些部门？", "郑州哪些部门负责海外维权援助？"),
    ],
)
def test_follow_up_forms(view, history, question, expected):
    assert rewrite(question, history, view) == expected
