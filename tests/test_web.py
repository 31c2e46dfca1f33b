"""The chat page: its pure parts with literal data (fast), the real server driven by gradio_client (slow)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from assistant.answer import Answer, Citation, Intent
from assistant.units_lookup import UnitDirectory
from assistant.web import browse, explorer, render
from benchmarks.common import free_port
from index import Clause, Document

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------- literal data

DOC = Document(doc_id="demo-opinions", title="示范市 关于强化知识产权保护的实施意见", short_name="示范市实施意见",
               city="示范", province="河南", issuer="示范市人民政府办公室", source="demo.txt",
               number="示政办〔2021〕9号", date="2021-06-01")
BARE = Document(doc_id="bare-plan", title="另一市实施方案", short_name="另一市实施方案", city="另一",
                province="河南", issuer="另一市人民政府", source="bare.txt")


def clause(doc_id, chapter, measure, title, body, units=(), chapter_title="加强行政保护体系"):
    label_no = f"（{'一二三四五'[measure - 1]}）" if measure else ""
    units_txt = f"（责任单位：{'、'.join(units)}）" if units else ""
    return Clause(clause_id=f"{doc_id}#{chapter}.{measure}", doc_id=doc_id, chapter=chapter,
                  chapter_title=chapter_title, measure=measure, measure_label=label_no, title=title,
                  text=body + units_txt, span=(0, 0), units=tuple(units), label=f"示范市实施意见 二、{label_no}{title}",
                  body=body)


C1 = clause("demo-opinions", 2, 1, "加强行政执法", "加强行政执法。持续开展“铁拳”<专项>行动，严厉打击侵权。",
            ("市市场监管局", "市公安局", "示范海关"))
C2 = clause("demo-opinions", 2, 2, "强化司法保护", "强化司法保护。推进“三合一”审判。", ("市中级人民法院", "市市场监管局"))
C3 = clause("demo-opinions", 3, 3, "加强组织领导", "加强组织领导。各地要高度重视。", (), chapter_title="保障措施")
FRONT = Clause(clause_id="demo-opinions#0.0", doc_id="demo-opinions", chapter=0, chapter_title="", measure=0,
               measure_label="", title="", text="示范市人民政府办公室 关于…", span=(0, 0), label="示范市实施意见 文件头与前言")
B1 = clause("bare-plan", 1, 1, "指导思想", "坚持问题导向。")
CLAUSES = {c.clause_id: c for c in (FRONT, C1, C2, C3, B1)}
DOCS = {d.doc_id: d for d in (DOC, BARE)}


def answer(**kw) -> Answer:
    cite = Citation(n=1, clause_id=C1.clause_id, doc_id=C1.doc_id, label=C1.label, quote="持续开展“铁拳”<专项>行动",
                    units=list(C1.units))
    base = dict(question="示范市铁拳行动谁负责？", answer="责任单位为市市场监管局、市公安局、示范海关[1]。",
                abstained=False, citations=[cite], units=list(C1.units), intent=Intent.RESPONSIBILITY)
    return Answer(**{**base, **kw})


# ---------------------------------------------------------------------------- render


def test_quote_is_marked_and_the_rest_escaped():
    out = render.highlight_html(C1.body, "持续开展“铁拳”<专项>行动")
    assert out == "加强行政执法。<mark>持续开展“铁拳”&lt;专项&gt;行动</mark>，严厉打击侵权。"


def test_quote_found_across_white_space_and_missing_quote_marks_nothing():
    assert render.highlight_html("加强 行政\n执法。", "加强行政执法") == "<mark>加强 行政\n执法</mark>。"
    assert render.highlight_html("a<b", "不在文中") == "a&lt;b"
    assert render.highlight_html("a<b", "") == "a&lt;b"


def test_source_opens_to_the_full_clause_with_its_place_and_units():
    html = render.sources_html(answer(), CLAUSES, DOCS, key="k1")
    assert html.count("<details") == 1 and html.startswith('<div class="pa-sources">')
    assert "引用来源（1 条，点击条目查看原文）" in html
    assert '<details class="pa-source" id="pa-src-k1-1"><summary><span class="pa-n">[1]</span> 《示范市实施意见》二、（一）加强行政执法</summary>' in html
    assert "《示范市 关于强化知识产权保护的实施意见》" in html and "示政办〔2021〕9号" in html
    assert "二、加强行政保护体系" in html and "（一）加强行政执法" in html
    assert "demo-opinions" not in html  # ids stay in the API
    assert "市市场监管局、市公安局、示范海关" in html
    assert "<mark>持续开展“铁拳”&lt;专项&gt;行动</mark>" in html
    assert "（责任单位" not in html  # the clause body, units shown apart


def test_source_without_units_says_so():
    cite = Citation(n=1, clause_id=C3.clause_id, doc_id=C3.doc_id, label=C3.label, quote="各地要高度重视。")
    html = render.sources_html(answer(citations=[cite]), CLAUSES, DOCS)
    assert "本文件未列明该条的责任单位" in html and "<mark>各地要高度重视。</mark>" in html


def test_labels_and_a_heading_apart_from_its_text():
    assert render.clause_label(C1, DOC) == "《示范市实施意见》二、（一）加强行政执法"
    assert render.clause_label(FRONT, DOC) == "《示范市实施意见》文件头与前言"
    assert render.clause_text(C1) == "持续开展“铁拳”<专项>行动，严厉打击侵权。"
    assert render.clause_text(B1) == "坚持问题导向。"  # the title does not lead: text as it is
    run_on = clause("bare-plan", 1, 1, "指导思想", "指导思想以习近平新时代中国特色社会主义思想为指导。")
    assert render.clause_text(run_on) == "以习近平新时代中国特色社会主义思想为指导。"


def test_markers_link_to_their_sources_and_copy_is_plain_text():
    md = render.answer_markdown(answer(answer="见[1]与[2]。"), key="k1")
    assert md == '见<a href="#pa-src-k1-1" class="pa-ref">[1]</a>与[2]。'  # no source 2: left as printed
    text = render.plain_text(answer(), CLAUSES, DOCS)
    assert text == ("责任单位为市市场监管局、市公安局、示范海关[1]。\n\n引用来源：\n"
                    "[1] 《示范市实施意见》二、（一）加强行政执法：“持续开展“铁拳”<专项>行动”"
                    "（责任单位：市市场监管局、市公安局、示范海关）")


def test_abstention_reads_as_a_notice_and_follow_ups_say_how_they_were_read():
    md = render.answer_markdown(answer(abstained=True, citations=[], answer="这些文件没有涉及这个问题，我不作推测。"))
    assert md.startswith("> **⚠ 文件未涉及**") and "> 这些文件没有涉及这个问题" in md
    md = render.answer_markdown(answer(question="那示范市呢？", rewritten="示范市铁拳行动谁负责？", notice="已将“铁全”按“铁拳”理解。"))
    assert md.startswith("*按“示范市铁拳行动谁负责？”理解并检索*") and md.endswith("*注：已将“铁全”按“铁拳”理解。*")
    cut = render.answer_markdown(answer(abstained=True, citations=[], answer="没有涉及。", notice="覆盖 0.12 问题过长",
                                        input_notice="问题过长"))
    assert cut.endswith("*注：问题过长*") and "0.12" not in cut  # the judge's reason is not the user's business
    assert render.sources_title(answer()) == "引用来源（1 条，点击条目查看原文）"


def test_a_decline_under_a_filter_links_to_clearing_it():
    text = "在已选的“示范”范围内没有找到与这个问题相关的规定；清除筛选后再问，可在全部文件中查找。"
    md = render.answer_markdown(answer(abstained=True, citations=[], answer=text), scope="示范")
    assert md.startswith("*检索范围：示范（已筛选）*")
    assert '<a href="#" class="pa-clear-filter">清除筛选</a>后再问' in md


def test_a_long_paste_is_folded_in_the_chat():
    assert render.shown_question("短问题？", 500) == "短问题？"
    shown = render.shown_question("材" * 3000 + "请问谁负责？", 500)
    assert shown.startswith("材" * 60 + "……（共 3,006 字，已折叠）……") and shown.endswith("请问谁负责？")


def test_markdown_export_holds_the_answer_and_every_citation():
    md = render.export_markdown(answer(), CLAUSES, DOCS, scope="《示范市实施意见》", now=datetime(2024, 5, 1, 9, 30))
    assert md.startswith("# 知识产权保护政策问答\n\n- 问题：示范市铁拳行动谁负责？\n- 检索范围：《示范市实施意见》\n- 生成时间：2024-05-01 09:30")
    assert "## 回答\n\n责任单位为市市场监管局、市公安局、示范海关[1]。" in md
    assert "### [1] 《示范市实施意见》二、（一）加强行政执法" in md
    assert "- 责任单位：市市场监管局、市公安局、示范海关" in md and "demo-opinions" not in md
    assert "> 持续开展“铁拳”<专项>行动" in md and "条款原文：\n\n持续开展“铁拳”<专项>行动，严厉打击侵权。" in md


# ---------------------------------------------------------------------------- explorer


@pytest.fixture
def directory() -> UnitDirectory:
    return UnitDirectory(CLAUSES.values(), {"demo-opinions": "示范", "bare-plan": "另一"}, {})


def test_department_by_partial_name_with_counts_per_document(directory):
    matches = explorer.find_departments(directory, [DOC, BARE], "市场监管")
    assert [(m.place, m.unit, m.total, m.per_doc) for m in matches] == [
        ("示范", "市市场监管局", 2, (("demo-opinions", 2),))]
    assert matches[0].label == "示范 · 市市场监管局（2 项）"
    assert explorer.parse_value(matches[0].value) == ("示范", "市市场监管局")
    rows = explorer.department_rows(directory, CLAUSES, [DOC, BARE], "示范", "市市场监管局")
    assert rows == [["示范市实施意见", "二、（一）", "加强行政执法", "责任单位", "持续开展“铁拳”<专项>行动，严厉打击侵权。"],
                    ["示范市实施意见", "二、（二）", "强化司法保护", "责任单位", "推进“三合一”审判。"]]  # no internal ids
    assert explorer.department_summary(matches[0], [DOC, BARE]) == "**示范 · 市市场监管局** 共承担 **2** 项措施：《示范市实施意见》2 项。"
    assert explorer.department(directory, [DOC, BARE], "示范", "市市场监管局") == matches[0]
    assert explorer.department(directory, [DOC, BARE], "另一", "市市场监管局") is None
    assert explorer.find_departments(directory, [DOC, BARE], "  ") == []
    assert explorer.find_departments(directory, [DOC, BARE], "教育局") == []


def test_measure_to_departments_or_the_sentence_that_none_are_listed():
    assert "1. 市市场监管局\n2. 市公安局\n3. 示范海关" in explorer.measure_units_markdown(C1)
    assert explorer.measure_units_markdown(C3).endswith("本文件未列明该条的责任单位。")
    assert explorer.measure_choices([FRONT, C1, C3]) == [("二、（一）加强行政执法", C1.clause_id),
                                                         ("三、（三）加强组织领导", C3.clause_id)]


def test_matrix_and_its_csv():
    m = explorer.build_matrix("demo-opinions", CLAUSES.values())
    assert m.units == ("市市场监管局", "市公安局", "示范海关", "市中级人民法院")
    assert m.clause_ids == ("demo-opinions#2.1", "demo-opinions#2.2", "demo-opinions#3.3")
    assert m.cells == ((1, 1, 0), (1, 0, 0), (1, 0, 0), (0, 1, 0))
    assert explorer.matrix_csv(m).splitlines() == [
        "责任单位,合计,二、（一）加强行政执法,二、（二）强化司法保护,三、（三）加强组织领导",
        "市市场监管局,2,1,1,0", "市公安局,1,1,0,0", "示范海关,1,1,0,0", "市中级人民法院,1,0,1,0"]
    assert explorer.build_matrix("bare-plan", CLAUSES.values()) is None


def test_csv_file_opens_in_excel_as_utf8(tmp_path):
    m = explorer.build_matrix("demo-opinions", CLAUSES.values())
    path = explorer.write_csv(m, tmp_path, DOC.short_name)
    assert path.name == "示范市实施意见-责任分工矩阵.csv"  # the document's name, not its id
    assert path.read_bytes().startswith("\ufeff责任单位".encode())


def test_heatmap_falls_back_to_ascii_labels_without_a_chinese_font(tmp_path):
    m = explorer.build_matrix("demo-opinions", CLAUSES.values())
    assert explorer.heatmap_png(m, tmp_path / "ascii.png", font=None) is False
    assert (tmp_path / "ascii.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorer.unit_codes(m) == ["D01", "D02", "D03", "D04"]
    used_cjk = explorer.heatmap_png(m, tmp_path / "cjk.png")
    assert used_cjk is (explorer.cjk_font() is not None)
    assert (tmp_path / "cjk.png").stat().st_size > 1000


# ---------------------------------------------------------------------------- document browser


def test_document_metadata_and_contents_open_in_place():
    html = browse.document_html(DOC, [FRONT, C1, C2, C3])
    assert html.startswith('<div class="pa-doc"><h3 class="pa-doc-title">示范市 关于强化知识产权保护的实施意见</h3>')
    assert "<dt>文号</dt><dd>示政办〔2021〕9号</dd>" in html and "<dt>日期</dt><dd>2021-06-01</dd>" in html
    assert "<dt>地区</dt><dd>河南 · 示范</dd>" in html and "共 2 章、3 项措施，其中 2 项列明责任单位。" in html
    assert html.index("<h4>二、加强行政保护体系</h4>") < html.index("（一）</span>加强行政执法") < html.index("<h4>三、保障措施</h4>")
    assert ('<details class="pa-measure"><summary><span class="pa-label">（一）</span>加强行政执法'
            '<span class="pa-count">3 个责任单位</span></summary>') in html
    assert '<p class="pa-text">持续开展“铁拳”&lt;专项&gt;行动，严厉打击侵权。</p>' in html
    assert "<b>责任单位：</b>市市场监管局、市公安局、示范海关" in html
    assert "未列明责任单位" in html and "本文件未列明该条的责任单位" in html  # C3
    assert "demo-opinions" not in html and "2.1" not in html
    assert "<dt>文号</dt><dd>未标注</dd>" in browse.document_html(BARE, [B1])


def test_a_chapter_text_reads_under_its_heading():
    intro = Clause(clause_id="bare-plan#1.0", doc_id="bare-plan", chapter=1, chapter_title="工作要求", measure=0,
                   measure_label="", title="工作要求", text="工作要求各单位要高度重视。", span=(0, 0), body="工作要求各单位要高度重视。")
    html = browse.document_html(BARE, [intro])
    assert '<h4>一、工作要求</h4><div class="pa-chapter-text"><p class="pa-text">各单位要高度重视。</p></div>' in html


# ---------------------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


@pytest.mark.slow
def test_serves_on_loopback_with_only_the_two_api_endpoints(server, client):
    assert server.url.startswith("http://127.0.0.1:")
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {"/ask", "/chat"}


@pytest.mark.slow
def test_ask_endpoint_returns_the_contract_json(client):
    out = client.predict("郑州开展铁拳专项行动的责任单位有哪些？", api_name="/ask")
    assert {"question", "answer", "abstained", "citations", "units"} <= set(out)
    assert out["abstained"] is False and "[1]" in out["answer"]
    first = out["citations"][0]
    assert first["clause_id"] == "zhengzhou-opinions#2.4" and first["n"] == 1
    assert "金水海关" in first["units"] and "金水海关" in out["units"]
    assert "铁拳" in first["quote"]


@pytest.mark.slow
def test_blank_question_is_a_clean_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        client.predict("   ", api_name="/ask")
    assert "问题为空" in str(err.value) and "Traceback" not in str(err.value)


@pytest.mark.slow
def test_out_of_scope_question_abstains(client):
    out = client.predict("今天郑州天气怎么样？", api_name="/ask")
    assert out["abstained"] is True and out["citations"] == []


def _assistant_texts(chat: list) -> list[str]:
    return ["".join(part.get("text", "") for part in m["content"]) for m in chat if m["role"] == "assistant"]


@pytest.mark.slow
def test_chat_streams_then_adds_sources_and_the_markdown_download(client):
    job = client.submit(message="郑州开展铁拳专项行动的责任单位有哪些？", chat=[], doc_ids=[], api_name="/chat")
    job.result(timeout=60)
    outputs = job.outputs()
    final_chat, final_download = outputs[-1][1], outputs[-1][2]  # State outputs are not sent
    final_text = _assistant_texts(final_chat)[0]
    partial = [_assistant_texts(o[1])[-1] for o in outputs[1:-1] if isinstance(o[1], list)]
    assert len(partial) >= 3, "the answer arrives in pieces before the final message"
    assert all(re.sub(r"<[^>]+>", "", final_text).startswith(p) for p in partial[-3:])
    assert "引用来源（1 条" in final_text and "<mark>" in final_text and 'class="pa-ref"' in final_text
    assert "zhengzhou-opinions#" not in final_text  # ids stay in the API
    md = Path(final_download["value"]).read_text(encoding="utf-8")
    assert md.startswith("# 知识产权保护政策问答") and "《郑州市关于强化知识产权保护的实施意见》二、（四）加强行政保护" in md
    assert "金水海关" in md


@pytest.mark.slow
def test_chat_follow_up_keeps_context_and_filter_limits_documents(client):
    from gradio_client import Client

    c = Client(client.src, verbose=False)  # a fresh session: its own question history
    c.predict(message="郑州开展铁拳专项行动的责任单位有哪些？", chat=[], doc_ids=[], api_name="/chat")
    out = c.predict(message="那信阳呢？", chat=[], doc_ids=[], api_name="/chat")
    text = _assistant_texts(out[1])[0]
    assert "信阳" in text and "铁拳" in text  # read as 信阳开展铁拳专项行动的责任单位有哪些？
    out = c.predict(message="开展铁拳专项行动的责任单位有哪些？", chat=[], doc_ids=["xinyang-opinions"], api_name="/chat")
    text = _assistant_texts(out[1])[-1]
    assert "《信阳市关于强化知识产权保护工作的落实意见》" in text and "郑州市关于" not in text


@pytest.mark.slow
def test_blank_chat_message_is_not_searched(client):
    out = client.predict(message="   ", chat=[], doc_ids=[], api_name="/chat")
    assert out[0] == "" and not isinstance(out[1], list)  # the chat is left as it was: no question, no answer


@pytest.mark.slow
def test_serve_on_a_busy_port_is_one_clean_line(server):
    out = subprocess.run([sys.executable, "-m", "assistant", "serve", "--port", str(server.port)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"127.0.0.1:{server.port}" in out.stderr and "--port" in out.stderr


@pytest.mark.slow
def test_the_page_is_served_while_the_assistant_loads(keyword_assistant):
    """The first question asked before the assistant has loaded says so, then gets its answer."""
    from gradio_client import Client

    from assistant.loading import Loading
    from assistant.web import app as web

    release = threading.Event()

    def build():
        release.wait(30)
        return keyword_assistant

    loading = Loading(keyword_assistant.corpus, keyword_assistant.settings, build).start()
    settings = keyword_assistant.settings.model_copy(update={"port": free_port()})
    page = web.build_app(loading, settings)
    url = web.launch(page, settings)
    try:
        job = Client(url, verbose=False).submit(message="郑州开展铁拳专项行动的责任单位有哪些？", chat=[], doc_ids=[],
                                                api_name="/chat")
        deadline = time.monotonic() + 30
        while not any(isinstance(o[1], list) for o in job.outputs()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _assistant_texts(next(o[1] for o in job.outputs() if isinstance(o[1], list)))[-1] == web.LOADING
        assert not job.done()
        release.set()
        final = job.result(timeout=60)
        assert "金水海关" in _assistant_texts(final[1])[-1]
    finally:
        release.set()
        page.close()


def test_the_filter_is_named_as_it_was_picked():
    from assistant.scope import scope_label

    plan = Document(doc_id="demo-plan", title="示范市方案", short_name="示范市方案", city="示范", province="河南",
                    issuer="", source="p.txt")
    docs = [DOC, plan, BARE]
    assert scope_label(docs, ["demo-opinions", "demo-plan"]) == "示范"
    assert scope_label(docs, ["demo-plan", "bare-plan"]) == "《示范市方案》、另一"
    assert scope_label(docs, []) == ""


def test_a_decline_under_a_filter_says_the_filter_is_why(keyword_assistant):
    out = keyword_assistant.ask("郑州开展铁拳专项行动的责任单位有哪些？", doc_ids=["xinxiang-opinions"])
    assert out.abstained and out.citations == []
    assert out.answer == ("在已选的“新乡”范围内没有找到与这个问题相关的规定（问题问的是郑州，不在所选范围内）；"
                          "清除筛选后再问，可在全部文件中查找。")
    assert not keyword_assistant.ask("郑州开展铁拳专项行动的责任单位有哪些？").abstained
