"""Lead and cooperating units as data: every printed form parses (literal strings), a new
document of the family parses with no code change (every unit and role pinned), the five seeds
mark no roles, and the records, the JSON and the answers carry them."""

from __future__ import annotations

import json

import pytest

from assistant import Intent
from assistant.cite import verify_quote
from index import load_corpus
from index.units import Role, RolePhrases, find_units, role_phrases

# ---------------------------------------------------------------------------- every printed form


@pytest.mark.parametrize(("text", "names", "lead", "support"), [
    ("推进。（牵头单位：市司法局；配合单位：市市场监管局、市文化广电和旅游局）",
     ["市司法局", "市市场监管局", "市文化广电和旅游局"], ["市司法局"], ["市市场监管局", "市文化广电和旅游局"]),
    ("推进。（市市场监管局牵头，市公安局、各县（市、区）人民政府配合）",
     ["市市场监管局", "市公安局", "各县（市、区）人民政府"], ["市市场监管局"], ["市公安局", "各县（市、区）人民政府"]),
    ("推进。（市中级人民法院负责）", ["市中级人民法院"], ["市中级人民法院"], []),
    ("推进。（责任单位：市发改委（牵头）、市财政局、市委宣传部（市新闻出版局））",
     ["市发改委", "市财政局", "市委宣传部（市新闻出版局）"], ["市发改委"], ["市财政局", "市委宣传部（市新闻出版局）"]),
    ("推进。（主办单位：市委宣传部；协办单位：市教育局、市科技局）",
     ["市委宣传部", "市教育局", "市科技局"], ["市委宣传部"], ["市教育局", "市科技局"]),
    ("推进。（市发展改革委主办，人行开封市中心支行协办）", ["市发展改革委", "人行开封市中心支行"], ["市发展改革委"],
     ["人行开封市中心支行"]),
    ("推进。牵头单位：市市场监管局配合单位：市商务局、市工业和信息化局",  # on their own lines, joined
     ["市市场监管局", "市商务局", "市工业和信息化局"], ["市市场监管局"], ["市商务局", "市工业和信息化局"]),
    ("推进。（由市商务局牵头，市贸促会等配合）", ["市商务局", "市贸促会"], ["市商务局"], ["市贸促会"]),
    ("推进。（市财政局牵头，各县（市、区）人民政府按职责分工负责）", ["市财政局", "各县（市、区）人民政府"], ["市财政局"],
     ["各县（市、区）人民政府"]),
    ("推进。（责任单位：市委组织部、各县（市、区）人民政府）", ["市委组织部", "各县（市、区）人民政府"], [], []),
    ("推进。[(责任单位: 市公安局、市司法局)]", ["市公安局", "市司法局"], [], []),
    ("推进。（责任单位：市场监管局牵头，市公安局配合）", ["市场监管局", "市公安局"], ["市场监管局"], ["市公安局"]),
])
def test_every_printed_form(text, names, lead, support):
    found = find_units(text)
    assert (list(found.names), list(found.lead), list(found.support)) == (names, lead, support)
    assert text[: found.body_end] == "推进。"


@pytest.mark.parametrize("text", [
    "推进工作。",
    "推进工作（含各县（市、区））。",  # a remark in brackets, no role word ending a part
    "各责任单位：要落实到位，形成合力。",  # 责任单位： inside a sentence
    "加强协作（负责同志要亲自抓），确保落实。",
])
def test_no_group_where_none_is_printed(text):
    assert find_units(text) is None


def test_role_phrasings_are_data():
    """A phrasing the shipped table lacks is added as data, not code."""
    text = "推进。（牵头处室：法规处；协同处室：执法处、宣传处）"
    assert find_units(text) is None
    data = {"labels": {"lead": ["牵头处室"], "support": ["协同处室"], "none": ["责任单位"]},
            "suffixes": {"lead": ["牵头"], "support": ["配合"]}}
    found = find_units(text, RolePhrases.from_toml(data))
    assert (found.names, found.lead, found.support) == (("法规处", "执法处", "宣传处"), ("法规处",), ("执法处", "宣传处"))
    shipped = role_phrases()
    assert ("牵头单位", Role.LEAD) in shipped.labels and ("配合", Role.SUPPORT) in shipped.suffixes


# ---------------------------------------------------------------------------- a new document, no code change

KAIFENG = {  # measure: (units in printed order, lead, support) — as the fixture prints them
    "1.1": (["市司法局", "市市场监管局", "市文化广电和旅游局"], ["市司法局"], ["市市场监管局", "市文化广电和旅游局"]),
    "1.2": (["市市场监管局", "市公安局", "市文化广电和旅游局", "各县（市、区）人民政府"], ["市市场监管局"],
            ["市公安局", "市文化广电和旅游局", "各县（市、区）人民政府"]),  # a page break inside 市文化广电和|旅游局
    "1.3": (["市市场监管局", "市商务局", "市工业和信息化局"], ["市市场监管局"], ["市商务局", "市工业和信息化局"]),
    "1.4": (["市中级人民法院", "市人民检察院", "市公安局"], ["市中级人民法院"], ["市人民检察院", "市公安局"]),
    "2.5": (["市财政局", "各县（市、区）人民政府"], ["市财政局"], ["各县（市、区）人民政府"]),
    "2.6": (["市委宣传部", "市教育局", "市科技局"], ["市委宣传部"], ["市教育局", "市科技局"]),
    "2.7": (["市人力资源和社会保障局"], ["市人力资源和社会保障局"], []),
    "2.8": (["市商务局", "郑州海关驻开封办事处", "市贸促会"], ["市商务局"], ["郑州海关驻开封办事处", "市贸促会"]),
    "3.9": (["市委组织部", "市市场监管局"], [], []),
    "3.10": ([], [], []),
    "3.11": (["市发展改革委", "人行开封市中心支行"], ["市发展改革委"], ["人行开封市中心支行"]),
    "3.12": (["市大数据管理局", "市市场监管局", "市委网信办", "各县（市、区）人民政府"], ["市大数据管理局"],
             ["市市场监管局", "市委网信办", "各县（市、区）人民政府"]),  # split across a page: 市市场监管|— 3 —|局
}
LUOYANG = {
    "1.1": (["市市场监管局", "市公安局", "市文化广电和旅游局"], ["市市场监管局"], ["市公安局", "市文化广电和旅游局"]),
    "1.2": (["市中级人民法院"], ["市中级人民法院"], []),
    "2.3": (["市市场监管局", "市商务局", "市司法局"], ["市市场监管局"], ["市商务局", "市司法局"]),
    "2.4": ([], [], []),
}
ANYANG = {
    "1.1": ([], [], []),
    "1.2": (["市司法局", "市市场监管局"], ["市司法局", "市市场监管局"], []),  # （A、B负责）: both in charge
    "2.3": (["市市场监管局", "市公安局"], [], []),
    "2.4": ([], [], []),
}


@pytest.fixture(scope="module")
def family(family_seeds):
    return load_corpus(family_seeds)


@pytest.mark.parametrize(("doc_id", "pinned"), [("kaifeng-division", KAIFENG), ("luoyang-measures", LUOYANG),
                                                ("anyang-rules", ANYANG)])
def test_new_layouts_parse_with_every_unit_and_role(family, doc_id, pinned):
    measures = {c.clause_id.split("#")[1]: c for c in family.clauses_of(doc_id) if c.measure}
    assert set(measures) == set(pinned)
    for key, (units, lead, support) in pinned.items():
        c = measures[key]
        assert (list(c.units), list(c.lead_units), list(c.support_units)) == (units, lead, support), key
        assert not any(w in u for u in c.units for w in ("牵头", "配合", "单位：", "负责"))
        assert not any(ch.isspace() for u in c.units for ch in u)


def test_the_new_documents_text_and_closing_stay_apart(family):
    parsed = next(p for p in family.parsed if p.doc.doc_id == "kaifeng-division")
    assert parsed.closing == "开封市人民政府办公室\n2023年4月10日"  # not the broken list's tail
    last = family.clause("kaifeng-division#3.12")
    assert last.body.endswith("实现执法信息共享。") and last.text.endswith("各县（市、区）人民政府）")
    assert family.clause("kaifeng-division#1.3").body.endswith("开通维权援助热线。")


def test_the_five_seeds_mark_no_roles(family):
    """Read from the seeds: 牵头/配合/负责 occur only in running text (协调配合, 配合举办 …), never as
    a role in a unit list, so every seed clause has empty roles and its units as before."""
    seeds = [c for c in family.clauses if c.doc_id in
             ("xinyang-opinions", "xinyang-plan", "zhengzhou-opinions", "xinxiang-opinions", "yaohai-opinions")]
    assert len(seeds) == 111
    assert all(c.lead_units == () and c.support_units == () for c in seeds)
    with_units = [c for c in seeds if c.units]
    assert {c.doc_id for c in with_units} == {"xinyang-opinions", "zhengzhou-opinions"}
    assert len(with_units) == 18 + 18
    assert family.clause("zhengzhou-opinions#2.4").units == (
        "市市场监管局", "市商务局", "市农委", "市文化广电和旅游局", "市卫健委", "市林业局", "金水海关")


def test_clauses_json_carries_roles(family_seeds, capsys):
    from assistant.cli import main

    assert main(["--seeds-dir", str(family_seeds), "clauses", "--json", "kaifeng-division"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all({"clause_id", "doc_id", "label", "title", "text", "units", "lead_units", "support_units"} <= set(r)
               for r in records)
    r = next(r for r in records if r["clause_id"] == "kaifeng-division#1.1")
    assert (r["units"], r["lead_units"], r["support_units"]) == (*KAIFENG["1.1"],)
    assert main(["clauses", "--json", "zhengzhou-opinions"]) == 0
    seeds = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(r["lead_units"] == [] and r["support_units"] == [] for r in seeds)


# ---------------------------------------------------------------------------- answers that use them


def test_who_leads_gives_the_lead_units(family_assistant):
    ans = family_assistant.ask("开封加强行政执法由谁牵头？")
    assert ans.intent is Intent.RESPONSIBILITY
    assert [c.clause_id for c in ans.citations] == ["kaifeng-division#1.2"]
    assert ans.units == ["市市场监管局"]
    assert ans.answer.startswith("《开封市知识产权保护重点任务分工方案》一、（二）加强行政执法的牵头单位是市市场监管局[1]")
    j = ans.to_json()["citations"][0]
    assert j["lead_units"] == ["市市场监管局"] and j["support_units"] == KAIFENG["1.2"][2]


def test_which_units_gives_all_with_the_lead_marked(family_assistant):
    ans = family_assistant.ask("开封完善地方立法由哪些单位负责？")
    assert [c.clause_id for c in ans.citations] == ["kaifeng-division#1.1"]
    assert ans.units == KAIFENG["1.1"][0]
    assert "责任单位共 3 个：市司法局（牵头）、市市场监管局（配合）、市文化广电和旅游局（配合）[1]" in ans.answer
    # the quote says what the measure asks, not only its title sentence
    assert ans.citations[0].quote == "推动出台知识产权保护地方性法规，健全行政裁决制度。"
    assert "该项措施要求：「推动出台知识产权保护地方性法规" in ans.answer


def test_who_leads_where_no_role_is_printed_says_so(family_assistant):
    ans = family_assistant.ask("郑州加强行政保护谁牵头？")
    assert [c.clause_id for c in ans.citations] == ["zhengzhou-opinions#2.4"]
    assert "没有标明牵头单位" in ans.answer and ans.units == list(family_assistant.corpus.clause(
        "zhengzhou-opinions#2.4").units)


def test_a_measure_printing_no_units_is_answered_as_such(family_assistant):
    ans = family_assistant.ask("开封加强组织领导由哪些部门负责？")
    assert [c.clause_id for c in ans.citations] == ["kaifeng-division#3.10"]
    assert ans.units == [] and "没有列明责任单位" in ans.answer
    assert "成立工作专班" in ans.answer


def test_what_a_department_leads_then_supports_with_counts(family_assistant):
    ans = family_assistant.ask("开封市场监管局牵头了哪些工作？")
    assert ans.intent is Intent.DEPARTMENT and ans.units == ["市市场监管局"]
    assert [c.clause_id for c in ans.citations] == [
        "kaifeng-division#1.2", "kaifeng-division#1.3",  # leads
        "kaifeng-division#1.1", "kaifeng-division#3.12",  # supports
        "kaifeng-division#3.9"]  # named, no role
    assert "市市场监管局共承担 5 项措施：牵头 2 项，配合 2 项，列为责任单位（未标明角色）1 项。" in ans.answer
    assert "**牵头的措施（2 项）**\n1. 一、（二）加强行政执法：「开展“铁拳”“剑网”专项行动，每年查办侵权假冒案件不少于100件。」[1]" \
        in ans.answer
    assert "**配合的措施（2 项）**" in ans.answer and "**未标明角色的措施（1 项）**" in ans.answer
    for c in ans.citations:
        assert verify_quote(c.quote, family_assistant.corpus.clause(c.clause_id).text)
        assert 0 < len(c.quote) <= 60


def test_a_duty_list_gives_each_measure_with_what_it_asks(family_assistant):
    ans = family_assistant.ask("郑州金水海关负责什么？")
    lines = [ln for ln in ans.answer.splitlines() if ln[:1].isdigit()]
    assert len(lines) == len(ans.citations) == 6
    assert lines[2] == "3. 二、（六）加强新业态新领域保护：「建立知识产权执法部门与电商平台之间的工作联动机制,完善电商平台治理规则。」[3]"
    for c in ans.citations:
        clause = family_assistant.corpus.clause(c.clause_id)
        assert verify_quote(c.quote, clause.text) and not clause.body.startswith(c.quote)  # not the title sentence


def _responsibility_questions(corpus):
    """Every numbered measure of every document, asked who carries it, in two wordings."""
    for c in corpus.clauses:
        if not c.measure or len(c.title) < 4:
            continue
        place = corpus.document(c.doc_id).place
        yield c, f"{place}《{corpus.document(c.doc_id).short_name}》的“{c.title}”由哪些单位负责？"
        yield c, f"{place}{c.title}谁牵头？"


def test_no_answer_supplies_units_from_another_measure(family_assistant):
    """The units an answer gives are the units of the measure it cites, always; and the measure
    it cites is the one asked about (by its title) for nearly every measure."""
    corpus = family_assistant.corpus
    asked = same = 0
    for clause, question in _responsibility_questions(corpus):
        ans = family_assistant.ask(question)
        assert ans.intent is Intent.RESPONSIBILITY, question
        assert len(ans.citations) == 1, question
        cited = corpus.clause(ans.citations[0].clause_id)
        allowed = [list(cited.units), list(cited.lead_units), list(cited.support_units)]
        assert ans.units in allowed, question
        if not cited.units:
            assert ans.units == [] and "没有列明责任单位" in ans.answer, question
        asked += 1
        same += cited.clause_id == clause.clause_id
    assert asked > 200 and same / asked >= 0.95, (same, asked)


@pytest.mark.parametrize("question, unit", [("新乡市场监管局负责哪些措施？", "市场监管局"),
                                            ("瑶海区市场监管局要干哪些活？", "区市场监管局")])
def test_a_duty_question_where_no_units_are_listed_says_so(keyword_assistant, question, unit):
    ans = keyword_assistant.ask(question)
    assert not ans.abstained and "没有为各项措施列明责任单位" in ans.notice and unit in ans.notice


def test_an_english_duty_question_where_no_units_are_listed_says_so_in_english(real_assistant):
    ans = real_assistant.ask("Which measures does the Xinxiang market regulation bureau carry?")
    assert not ans.abstained and ans.citations[0].clause_id.startswith("xinxiang-")
    assert "assigns no responsible units" in ans.notice and "market regulation bureau" in ans.notice


@pytest.mark.parametrize("question, unit", [("郑州人设局有哪些任务", "市人社局"), ("信阳市检查院有哪些任务", "市检察院"),
                                            ("信阳中院在这个落实意见里都有啥任务", "市中级人民法院"),
                                            ("郑州市场监管局 所有责任条款", "市市场监管局"),
                                            ("Which measures list Xinyang Customs as a responsible unit?", "信阳海关")])
def test_duty_lists_for_misheard_abbreviated_and_english_names(keyword_assistant, question, unit):
    ans = keyword_assistant.ask(question)
    assert ans.intent is Intent.DEPARTMENT and unit in ans.units and len(ans.citations) >= 2
