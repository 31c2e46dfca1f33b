"""Answer composition: the answer first, short names, tight quotes, comparisons that compare,
English leads. Pure functions on literal strings; then the whole pipeline on keyword retrieval."""

from __future__ import annotations

import json

import pytest

from assistant import Intent
from assistant import compare as cmp
from assistant.answer import Answer, Citation
from assistant.cite import Source, check_answer, find_markers, verify_quote
from assistant.english import NOTE, english_lead
from assistant.lead import Names, actions, gist, lead_sentences, tighten
from index import Clause, Document
from tests.conftest import ROOT


def pairs(text: str) -> list[str]:
    """A stand-in tokenizer: every character pair."""
    return [text[i : i + 2] for i in range(len(text) - 1)]


def one(_token: str) -> float:
    return 1.0


def doc(doc_id: str, place: str, short: str, **kw) -> Document:
    return Document(doc_id=doc_id, title=short, short_name=short, city=place, province="河南", issuer="", source="",
                    **kw)


DOCS = {
    "zz": doc("zz", "郑州", "郑州市关于强化知识产权保护的实施意见", aliases=("Zhengzhou",)),
    "xx": doc("xx", "新乡", "新乡市关于强化知识产权保护的实施意见", aliases=("Xinxiang",)),
    "xy-a": doc("xy-a", "信阳", "信阳市关于强化知识产权保护工作的落实意见", aliases=("Xinyang",)),
    "xy-b": doc("xy-b", "信阳", "信阳市推动知识产权高质量发展实施方案", aliases=("Xinyang",)),
}


def clause(cid: str, doc_id: str, title: str, body: str, units: tuple[str, ...] = ()) -> Clause:
    return Clause(clause_id=cid, doc_id=doc_id, chapter=1, chapter_title="", measure=2, measure_label="（二）",
                  title=title, text=body, span=(0, 0), units=units, label=f"{DOCS[doc_id].short_name} 一、（二）{title}")


GOAL = ("总体目标。到2022年,侵权易发多发现象得到有效遏制。到2025年，知识产权“严保护、大保护、快保护、同保护”格局更加健全，"
        "知识产权保护社会满意度达到国内同类城市领先水平，知识产权制度激励创新的基本保障作用更加凸显。")


# ------------------------------------------------------------------ the answer first


def test_lead_says_the_date_and_the_target_in_the_clauses_words():
    tokens = pairs("郑州的目标是到哪一年知识产权保护社会满意度达到国内同类城市领先水平")
    g = gist(GOAL.split("。", 2)[2], tokens, pairs, one, want_values=True)
    c = clause("zz#1.2", "zz", "总体目标", GOAL)
    assert lead_sentences(Names(DOCS, ["zz"]), [c], [g]) == "郑州提出，到2025年，知识产权保护社会满意度达到国内同类城市领先水平[1]。"


def test_gist_keeps_a_scene_setting_phrase_with_its_verb():
    text = "面向重点关注市场,在电商平台、展会、专业市场、进出口等关键领域和环节,建立快速处理绿色通道,推动简易案件快速处理。"
    g = gist(text, pairs("电商平台展会"), pairs, one)
    assert g.text.endswith("建立快速处理绿色通道") and g.span in text


def test_gist_stays_in_one_sentence_and_passes_over_a_restated_title():
    text = "完善海外维权援助机制。组织开展我市企业知识产权保护调查和海外目标市场知识产权保护状况评估，及时发布风险预警。"
    g = gist(text, pairs("海外维权援助机制保护调查"), pairs, one)
    assert "。" not in g.text and g.text.startswith("组织开展")


def test_quote_is_tightened_to_the_phrases_that_answer_and_stays_verbatim():
    sentence = ("持续推进知识产权质押融资工作，推动各类知识产权质押融资支持政策落地，加大与银行的战略合作力度，深入开展知识产权质押融资"
                "“入园惠企”工作，力争 3 年知识产权质押融资额合计达到 3 亿元。")
    g = gist(sentence, pairs("3年内知识产权质押融资达到多少"), pairs, one, want_values=True)
    quote = tighten(sentence, g)
    assert quote == "力争 3 年知识产权质押融资额合计达到 3 亿元" and verify_quote(quote, sentence)
    assert tighten("加强行政保护。", g) == "加强行政保护。"  # short sentences are quoted whole


def test_names_full_once_then_short_with_the_place_where_two_share_the_short_form():
    names = Names(DOCS, ["zz", "xx", "zz"])
    assert names.doc("zz") == "《郑州市关于强化知识产权保护的实施意见》"
    assert names.doc("zz") == "郑州《实施意见》"  # 新乡's is an 实施意见 too
    alone = Names(DOCS, ["xy-a"])
    alone.doc("xy-a")
    assert alone.doc("xy-a") == "《落实意见》"
    assert alone.subject("xy-a") == "信阳《落实意见》" and alone.subject("zz") == "郑州"


def test_a_comma_inside_brackets_does_not_split():
    from assistant.lead import phrases

    assert phrases("印发。（此件正文公开发布，附件不公开）关于强化知识产权保护的实施意见，现印发。") == [
        "印发。", "（此件正文公开发布，附件不公开）关于强化知识产权保护的实施意见，", "现印发。"]


def test_actions_join_what_cannot_stand_alone():
    assert actions("在电商平台、展会等环节,建立绿色通道,推动快速处理。") == ["在电商平台、展会等环节,建立绿色通道", "推动快速处理"]


# ------------------------------------------------------------------ comparisons that compare

XY = clause("xy-a#4.13", "xy-a", "完善海外维权援助机制",
            "完善海外维权援助机制。组织开展我市企业知识产权保护调查和海外目标市场知识产权保护状况评估，及时发布风险预警。"
            "收集我市有海外业务的企业加入国家海外知识产权纠纷应对指导中心河南分中心企业库。",
            ("市商务局", "市市场监管局"))
ZZ = clause("zz#5.14", "zz", "强化涉外一体保护",
            "强化涉外一体保护。强化海外维权援助服务，推动设立国家海外知识产权纠纷应对指导中心郑州分中心。"
            "组织开展我市企业、外商投资企业知识产权保护调查和海外目标市场知识产权保护状况评估，及时发布风险预警。")
ASK = pairs("海外维权援助知识产权纠纷应对保护调查评估")


def sides():
    return [cmp.side(1, "信阳", XY, ASK, pairs, one), cmp.side(2, "郑州", ZZ, ASK, pairs, one)]


def test_similar_is_about_the_same_words():
    assert cmp.similar("加强电商平台治理", "加强电商平台治理") == 1.0
    assert cmp.similar("加强电商平台治理", "完善网络著作权行政执法及监管机制") < 0.2


def test_extras_are_the_words_one_side_adds():
    assert cmp.extras("推动电商平台快速处置实用新型和外观设计专利侵权投诉", "推动电商平台快速处置专利侵权投诉") == ["实用新型和外观设计"]


def test_comparison_says_what_is_shared_and_what_each_alone_has():
    s = sides()
    lead = cmp.lead(s)
    assert lead.startswith("信阳和郑州有相近的做法：信阳提出组织开展我市企业知识产权保护调查") or lead.startswith("信阳和郑州都提出")
    assert "郑州还提出" in lead and "[1]" in lead and "[2]" in lead
    text = cmp.same_and_different(s)
    assert "河南分中心企业库" in text.split("**不同**")[1] and "郑州分中心" in text.split("**不同**")[1]


def test_comparison_table_has_a_cited_cell_per_place():
    s = sides()
    table = cmp.table(Names(DOCS, ["xy-a", "zz"]), s)
    rows = table.splitlines()
    assert rows[0] == "|  | 信阳 | 郑州 |" and len(rows) == 7
    assert "国家海外知识产权纠纷应对指导中心郑州分中心[2]" in table
    assert "市商务局、市市场监管局（2 个）[1]" in table and "未列明" in rows[-1]


def test_comparison_passes_the_claim_checker():
    s = sides()
    text = "\n\n".join([cmp.lead(s), cmp.table(Names(DOCS, ["xy-a", "zz"]), s), cmp.same_and_different(s)])
    sources = [Source(1, XY.clause_id, XY.label, XY.text, XY.units), Source(2, ZZ.clause_id, ZZ.label, ZZ.text)]
    assert check_answer(text, sources).ok


# ------------------------------------------------------------------ English questions


def test_english_lead_templated_from_the_structured_answer():
    cites = [Citation(1, XY.clause_id, "xy-a", XY.label, "组织开展我市企业知识产权保护调查", list(XY.units))]
    who = Answer("Who is responsible?", "…", False, cites, units=list(XY.units), intent=Intent.RESPONSIBILITY)
    assert english_lead(who, DOCS, {XY.clause_id: XY}) == (
        "For measure （二）完善海外维权援助机制 in Xinyang's 《信阳市关于强化知识产权保护工作的落实意见》, "
        "the document lists 2 responsible units: 市商务局、市市场监管局 [1].")
    fact = Answer("What is the target?", "…", False,
                  [Citation(1, "zz#1.2", "zz", "", "到2025年，知识产权保护社会满意度达到国内同类城市领先水平")], intent=Intent.FACT)
    lead = english_lead(fact, DOCS, {"zz#1.2": clause("zz#1.2", "zz", "总体目标", GOAL)})
    assert lead.startswith("Zhengzhou's 《郑州市关于强化知识产权保护的实施意见》 addresses this") and "2025年 [1]" in lead


# ------------------------------------------------------------------ through the pipeline (keyword retrieval)


def test_fact_answer_opens_with_the_fact(keyword_assistant):
    ans = keyword_assistant.ask("郑州的目标是到哪一年知识产权保护社会满意度达到国内同类城市领先水平？")
    first = ans.answer.split("。")[0]
    assert first == "郑州提出，到2025年，知识产权保护社会满意度达到国内同类城市领先水平[1]"
    assert ans.citations[0].quote in keyword_assistant.corpus.clause(ans.citations[0].clause_id).text


def test_figure_question_quotes_the_sentence_not_the_clause(keyword_assistant):
    ans = keyword_assistant.ask("信阳计划3年内知识产权质押融资达到多少？")
    assert ans.answer.startswith("信阳《实施方案》提出，力争 3 年知识产权质押融资额合计达到 3 亿元[1]。")
    c = ans.citations[0]
    assert len(c.quote) < len(keyword_assistant.corpus.clause(c.clause_id).text) / 2


def test_cited_document_number_is_answered_not_the_documents_own(keyword_assistant):
    ans = keyword_assistant.ask("信阳落实意见依据的中办文件文号是多少？")
    assert "中办发〔2019〕56号" in ans.answer.split("。")[0] and "信知战联办" not in ans.answer


def test_the_pages_example_comparison_compares(keyword_assistant):
    ans = keyword_assistant.ask("信阳和郑州在海外维权援助方面有什么不同？")
    assert ans.intent is Intent.COMPARE
    assert "另提到" not in ans.answer and "|---|" in ans.answer and "**不同**" in ans.answer
    assert set(find_markers(ans.answer)) == {1, 2}


def test_english_question_gets_an_english_lead_and_chinese_quotes(keyword_assistant):
    ans = keyword_assistant.ask("What does Zhengzhou do about IP protection on e-commerce platforms?")
    head, note, rest = ans.answer.split("\n\n", 2)
    assert head.startswith("Zhengzhou's 《") and head.endswith("[1].") and note == NOTE
    assert "「" in rest and ans.citations[0].quote in rest


def test_extractive_answers_pass_the_claim_checker(keyword_assistant):
    """The answers built from the clauses meet the bar set for the model's (a checker that
    rejected them would reject faithful model answers too)."""
    failed = []
    for name in ("questions.jsonl", "holdout.jsonl"):
        for line in (ROOT / "evals" / name).read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if q["type"] == "english":
                continue  # an English lead is not held to Chinese sources
            ans = keyword_assistant.ask(q["question"], q.get("history", []))
            if ans.abstained:
                continue
            sources = [Source(c.n, c.clause_id, c.label, keyword_assistant.corpus.clause(c.clause_id).text,
                              tuple(c.units)) for c in ans.citations]
            if not check_answer(ans.answer, sources).ok:
                failed.append(q["id"])
    assert failed == []


@pytest.mark.parametrize("question", ["信阳对高校的专利转化有什么支持措施？", "瑶海区对企业的商业秘密是怎么保护的？"])
def test_lookup_names_the_document_in_full_once(keyword_assistant, question):
    ans = keyword_assistant.ask(question)
    full = keyword_assistant.ctx.documents[ans.citations[0].doc_id].short_name
    assert ans.answer.count(f"《{full}》") == 1
