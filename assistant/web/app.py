"""The chat page: Gradio 6 wiring only. What is shown is computed in render, explorer and browse."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no telemetry

import importlib.abc
import importlib.machinery
import json
import shutil
import sys
import tempfile
import time
import uuid
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING


class _NoStubWriting(importlib.abc.MetaPathFinder):
    """Gradio regenerates its components' type stubs (.pyi, in site-packages) each time it is imported: half of
    `import gradio` (≈ 3 of 6 s here). The stubs are for type checkers, built for the wheel upstream
    (gradio-app/gradio#13799, #10121); the page never reads them, so skip the rewrite."""

    def find_spec(self, name, path, target=None):
        if name != "gradio.component_meta":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.create_or_modify_pyi = lambda *args, **kwargs: None

        spec.loader.exec_module = exec_module
        return spec


if "gradio" not in sys.modules:
    sys.meta_path.insert(0, _NoStubWriting())

import gradio as gr  # noqa: E402

from ..answer import Answer  # noqa: E402
from ..errors import UserError  # noqa: E402
from ..loading import Loading  # noqa: E402
from ..scope import scope_label  # noqa: E402
from ..settings import Settings  # noqa: E402
from . import browse, explorer, render  # noqa: E402

if TYPE_CHECKING:
    from ..pipeline import Assistant  # loaded behind the page (assistant.loading)

# Answers at once; more wait in the bounded queue (settings.queue_size), beyond it users see the busy notice.
CONCURRENCY = 4

ENTERPRISE_EXAMPLES = (
    "我们的商标在网上被仿冒了，郑州有什么渠道维权？",
    "新乡对电商平台上的专利侵权投诉有什么快速处理办法？",
)
OFFICIAL_EXAMPLES = (
    "郑州开展铁拳专项行动的责任单位有哪些？",
    "信阳市市场监管局负责哪些措施？",
    "信阳和郑州在海外维权援助方面有什么不同？",
)
EMPTY_QUESTION = "请先输入一个问题，例如“郑州开展铁拳专项行动的责任单位有哪些？”"
BROWSE_HINT = '<p class="pa-hint">请选择一份文件，查看它的文号、日期和目录；点击措施即可展开原文。</p>'
BUSY = "系统繁忙：排队等候的提问已满，请稍候片刻再试。"
SEARCHING = "正在检索相关条款…"
LOADING = "正在加载检索索引与模型（服务刚启动，首次提问需稍候几秒）…"
HERE = Path(__file__).parent


def head(max_chars: int) -> str:
    """page.js with its settings (the busy notice in Chinese, the question cap for the counter), and the
    styles for what lies outside gradio's scoped box."""
    config = json.dumps({"busy": BUSY, "max": max_chars}, ensure_ascii=False)
    return (f"<style>\n{(HERE / 'page-outside.css').read_text(encoding='utf-8')}</style>\n"
            f"<script>window.PA = {config};</script>\n"
            f"<script>\n{(HERE / 'page.js').read_text(encoding='utf-8')}</script>")


def theme() -> gr.themes.Base:
    return gr.themes.Default(
        primary_hue="red", neutral_hue="slate", radius_size="md",
        font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Sans Pro", "sans-serif"],
    )


class Downloads:
    """Files users download (answer Markdown, matrix CSV, heatmaps) live in one private temp folder;
    Gradio copies each into its own cache to serve it. Files older than an hour are removed."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="policy-assistant-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.root, True)

    def folder(self) -> Path:
        """A fresh folder per download, so that names can stay readable (政策问答-….md)."""
        cutoff = time.time() - 3600
        self.root.mkdir(parents=True, exist_ok=True)  # a temp cleaner may have removed it
        for old in self.root.iterdir():
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        folder = self.root / uuid.uuid4().hex[:12]
        folder.mkdir()
        return folder

    def path(self, name: str) -> Path:
        return self.folder() / name

    def write(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        p = self.path(name)
        p.write_text(text, encoding=encoding)
        return p


def corpus_blurb(corpus) -> str:
    """One line on what the corpus covers, from the catalog (not written for these five files)."""
    places = list(dict.fromkeys(d.place for d in corpus.documents))
    n = len(corpus.documents)
    return (f"依据{'、'.join(places)} {n} 份知识产权保护政策文件的原文作答：每句回答标注出处条款 [n]，"
            f"可展开核对原文与责任单位；文件未涉及的问题会明确说明，不作推测。")


def build_app(assistant: Assistant | Loading, settings: Settings | None = None) -> gr.Blocks:
    """The page and the `/ask` API over an `Assistant`, or a `Loading` one (the page is drawn from the corpus;
    questions wait for the assistant). Launch with `launch(app, settings)` (theme, CSS and safety options)."""
    loading = assistant if isinstance(assistant, Loading) else Loading.ready_made(assistant)
    settings = settings or loading.settings
    corpus = loading.corpus
    clauses = {c.clause_id: c for c in corpus.clauses}
    documents = {d.doc_id: d for d in corpus.documents}
    doc_choices = browse.document_choices(corpus.documents)
    places = list(dict.fromkeys(d.place for d in corpus.documents))
    downloads = Downloads()
    max_chars = settings.max_question_chars

    def scope_text(doc_ids: Sequence[str]) -> str:
        return scope_label(corpus.documents, doc_ids) if doc_ids else "全部文件"

    # ------------------------------------------------------------------ chat

    def respond(message: str, chat: list, questions: list, doc_ids: list, transcript: list) -> Iterator[tuple]:
        """Stream the answer into the chat, then its sources under it, the copy texts and the Markdown download.
        Outputs: question, chat, questions, download, status, last answer as text, conversation as text."""
        message = (message or "").strip()
        if not message:
            yield "", gr.skip(), gr.skip(), gr.skip(), EMPTY_QUESTION, gr.skip(), gr.skip(), gr.skip()
            return
        scope = scope_label(corpus.documents, doc_ids) if doc_ids else ""
        waiting = SEARCHING if loading.ready else LOADING
        chat = [*(chat or []), {"role": "user", "content": render.shown_question(message, max_chars)},
                {"role": "assistant", "content": waiting}]
        yield "", chat, gr.skip(), gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
        answer: Answer | None = None
        try:
            for text, done in loading.get().ask_stream(message, list(questions or []), doc_ids=list(doc_ids or [])):
                if done is None:
                    chat[-1] = {"role": "assistant", "content": text}
                    yield gr.skip(), chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                answer = done
        except UserError as exc:
            chat[-1] = {"role": "assistant", "content": f"> {exc}"}
            yield gr.skip(), chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        key = uuid.uuid4().hex[:8]  # ties each [n] to its source in this answer
        content = render.answer_markdown(answer, key=key, scope=scope)
        if answer.citations:
            content += "\n\n" + render.sources_html(answer, clauses, documents, key=key)
        chat[-1] = {"role": "assistant", "content": content}
        plain = render.plain_text(answer, clauses, documents)
        transcript = [*(transcript or []), f"问：{message}\n\n答：{plain}"]
        md = render.export_markdown(answer, clauses, documents, scope=scope_text(doc_ids or []))
        path = downloads.write(f"政策问答-{time.strftime('%Y%m%d-%H%M%S')}.md", md)
        yield (gr.skip(), chat, [*(questions or []), message], gr.DownloadButton(value=str(path), interactive=True),
               gr.skip(), plain, "\n\n————\n\n".join(transcript), transcript)

    def clear() -> tuple:
        return [], [], gr.DownloadButton(value=None, interactive=False), "", "", "", "", []

    def scope_from_places(picked: list) -> list:
        return [d.doc_id for d in corpus.documents if d.place in (picked or [])]

    def show_filter(doc_ids: list) -> tuple:
        if not doc_ids:
            return gr.Row(visible=False), ""
        n = len(doc_ids)
        return gr.Row(visible=True), f"当前检索范围：**{scope_label(corpus.documents, doc_ids)}**（已筛选 {n} 份文件，其余文件不参与检索）"

    # ------------------------------------------------------------------ explorer

    def find_departments(partial: str):
        partial = (partial or "").strip()
        if not partial:
            return gr.Radio(choices=[], value=None, visible=False), "请输入部门名称（可只输入一部分，如“市场监管局”“海关”）。", [], ""
        matches = explorer.find_departments(loading.get().units, corpus.documents, partial)
        if not matches:
            return (gr.Radio(choices=[], value=None, visible=False),
                    f"没有找到名称包含“{partial}”的责任单位。可试试“市场监管局”“公安局”“海关”。", [], "")
        note = f"找到 {len(matches)} 个部门，点选一个查看它承担的全部措施："
        return gr.Radio(choices=[(m.label, m.value) for m in matches], value=None, visible=True), note, [], ""

    def department_measures(value: str | None):
        if not value:
            return [], ""
        place, unit = explorer.parse_value(value)
        match = explorer.department(loading.get().units, corpus.documents, place, unit)
        rows = explorer.department_rows(loading.get().units, clauses, corpus.documents, place, unit)
        summary = explorer.department_summary(match, corpus.documents) if match else ""
        return rows, summary

    def document_matrix(doc_id: str | None):
        if not doc_id:
            return (gr.Dropdown(choices=[], value=None), gr.Image(value=None, visible=False),
                    gr.DownloadButton(value=None, interactive=False, visible=False), "", "")
        doc_clauses = corpus.clauses_of(doc_id)
        measures = gr.Dropdown(choices=explorer.measure_choices(doc_clauses), value=None)
        m = explorer.build_matrix(doc_id, doc_clauses)
        if m is None:
            return (measures, gr.Image(value=None, visible=False), gr.DownloadButton(value=None, visible=False),
                    f"**{explorer.DOC_NO_UNITS}**：《{documents[doc_id].short_name}》的措施没有印出“责任单位”。", "")
        png = downloads.path(f"{doc_id}-matrix.png")
        cjk = explorer.heatmap_png(m, png)
        csv_path = explorer.write_csv(m, downloads.folder())
        note = (f"《{documents[doc_id].short_name}》：{len(m.units)} 个责任单位 × {len(m.clause_ids)} 项措施，"
                f"深色格表示该单位是该措施的责任单位；括号内为承担措施数。")
        if not cjk:
            note += "\n\n" + "；".join(f"{c} = {u}" for c, u in zip(explorer.unit_codes(m), m.units, strict=True))
        return (measures, gr.Image(value=str(png), visible=True),
                gr.DownloadButton(value=str(csv_path), interactive=True, visible=True), note, "")

    def measure_units(clause_id: str | None) -> str:
        clause = clauses.get(clause_id or "")
        return explorer.measure_units_markdown(clause) if clause else ""

    # ------------------------------------------------------------------ document browser

    def open_document(doc_id: str | None) -> str:
        if not doc_id or doc_id not in documents:
            return BROWSE_HINT
        return browse.document_html(documents[doc_id], corpus.clauses_of(doc_id))

    def page_drawn() -> None:
        """A browser has drawn the page: now load what its first question needs (not before: one process,
        one GIL, and the page's own requests would wait on the loading)."""
        loading.start()

    # ------------------------------------------------------------------ API

    def ask(question: str) -> dict:
        """Ask the policy documents; returns the JSON object of `policy-assistant ask --json` (CONTRACT.md)."""
        try:
            return loading.get().ask(question or "").to_json()
        except UserError as exc:
            raise gr.Error(str(exc), title="无法回答") from exc

    # ------------------------------------------------------------------ layout

    quiet = {"api_visibility": "private"}
    with gr.Blocks(title="知识产权保护政策问答助手", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        gr.HTML(f'<div class="pa-header"><h1>知识产权保护政策问答助手</h1><p>{corpus_blurb(corpus)}</p></div>')
        with gr.Tabs():
            with gr.Tab("智能问答", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="问答", show_label=False, elem_id="pa-chat", elem_classes=["pa-chat"], height=520, layout="panel",
                            buttons=[], autoscroll=False, feedback_options=None, latex_delimiters=[],
                            placeholder="**您好！** 请输入关于知识产权保护政策的问题，或点选"
                                        '<span class="pa-wide">右侧</span><span class="pa-narrow">下方</span>的常见问题。\n\n'
                                        "回答中的 [1] [2] 可以点击，对应回答下方的“引用来源”，展开即见条款原文。",
                        )
                        with gr.Row(visible=False, elem_id="pa-filter-bar") as filter_bar:
                            filter_note = gr.Markdown(elem_id="pa-filter")
                            clear_filter = gr.Button("清除筛选", size="sm", variant="secondary", scale=0, min_width=90,
                                                     elem_id="pa-clear-filter")
                        with gr.Row():
                            question = gr.Textbox(
                                label="问题", placeholder="输入问题，按回车发送", show_label=False,
                                lines=1, max_lines=4, scale=6, elem_id="pa-question",
                            )
                            send = gr.Button("发送", variant="primary", scale=1, min_width=90, elem_id="pa-send")
                        gr.HTML(f'<div id="pa-counter">0 / {max_chars} 字</div>', padding=False)
                        status = gr.Markdown(elem_id="pa-status")
                        with gr.Row():
                            clear_btn = gr.Button("清空对话", size="sm", variant="secondary", min_width=130, elem_id="pa-clear")
                            copy_btn = gr.Button("复制最近回答", size="sm", variant="secondary", min_width=130, elem_id="pa-copy")
                            copy_all_btn = gr.Button("复制全部对话", size="sm", variant="secondary", min_width=130, elem_id="pa-copy-all")
                            download = gr.DownloadButton("下载最近回答（Markdown）", value=None, size="sm",
                                                         interactive=False, min_width=130, elem_id="pa-download")
                        gr.Markdown("追问时会结合本次对话中之前的问题理解（如“那信阳呢？”）。回答仅依据所列文件原文。",
                                    elem_classes=["pa-hint"])
                        last_text = gr.Textbox(visible="hidden", elem_id="pa-last-text")
                        all_text = gr.Textbox(visible="hidden", elem_id="pa-all-text")
                    with gr.Column(scale=2, min_width=280):
                        places_box = gr.CheckboxGroup(places, label="按地区检索（不选即全部）", elem_id="pa-places")
                        scope = gr.Dropdown(doc_choices, value=[], multiselect=True, label="按文件检索（可多选）",
                                            elem_id="pa-scope")
                        gr.Markdown("**企业常问**")
                        with gr.Column(elem_classes=["pa-examples"]):
                            ent_btns = [gr.Button(q, size="sm") for q in ENTERPRISE_EXAMPLES]
                        gr.Markdown("**机关工作人员常问**")
                        with gr.Column(elem_classes=["pa-examples"]):
                            off_btns = [gr.Button(q, size="sm") for q in OFFICIAL_EXAMPLES]
                questions = gr.State([])
                transcript = gr.State([])

            with gr.Tab("责任分工", id="explorer"):
                gr.Markdown("按部门查看它承担的措施，按措施查看它的责任单位，或查看一份文件的部门 × 措施分工矩阵。")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=300):
                        dept_query = gr.Textbox(label="查找部门（可输入部分名称）", placeholder="如：市场监管局、公安局、海关",
                                                elem_id="pa-dept-query")
                        dept_find = gr.Button("查找", variant="primary", elem_id="pa-dept-find")
                        dept_note = gr.Markdown(elem_id="pa-dept-note")
                        dept_pick = gr.Radio(choices=[], label="部门（括号内为承担措施数）", visible=False, elem_id="pa-dept-pick")
                    with gr.Column(scale=3):
                        dept_summary = gr.Markdown(elem_id="pa-dept-summary")
                        dept_table = gr.Dataframe(headers=["文件", "条款编号", "措施", "标题"], type="array",
                                                  interactive=False, wrap=True, label="该部门承担的措施",
                                                  column_widths=["32%", "26%", "12%", "30%"], elem_id="pa-dept-table")
                gr.Markdown("---")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=300):
                        mx_doc = gr.Dropdown(doc_choices, value=None, label="选择文件", elem_id="pa-mx-doc")
                        mx_measure = gr.Dropdown([], value=None, label="选择措施，查看其责任单位", elem_id="pa-mx-measure")
                        mx_units = gr.Markdown(elem_id="pa-mx-units")
                    with gr.Column(scale=3):
                        mx_note = gr.Markdown("选择一份文件，查看它的部门 × 措施分工矩阵（可导出 CSV）。", elem_id="pa-mx-note")
                        mx_image = gr.Image(type="filepath", label="部门 × 措施分工矩阵", interactive=False,
                                            buttons=["download", "fullscreen"], visible=False, elem_id="pa-mx-image")
                        mx_csv = gr.DownloadButton("导出矩阵（CSV）", value=None, interactive=False, size="sm",
                                                   visible=False, elem_id="pa-mx-csv")

            with gr.Tab("文件浏览", id="browse"):
                br_doc = gr.Dropdown(doc_choices, value=None, label="选择文件", elem_id="pa-br-doc")
                br_view = gr.HTML(BROWSE_HINT, elem_id="pa-br-view", padding=False)

        # chat events: one public streaming endpoint (/chat) besides /ask
        chat_io = {"fn": respond, "inputs": [question, chatbot, questions, scope, transcript],
                   "outputs": [question, chatbot, questions, download, status, last_text, all_text, transcript],
                   "concurrency_id": "assistant"}
        send.click(**chat_io, api_name="chat")
        question.submit(**chat_io, **quiet)
        for btn, q in [(b, q) for b, q in zip(ent_btns, ENTERPRISE_EXAMPLES, strict=True)] + \
                      [(b, q) for b, q in zip(off_btns, OFFICIAL_EXAMPLES, strict=True)]:
            btn.click(lambda q=q: q, None, question, queue=False, **quiet).then(**chat_io, **quiet)
        clear_btn.click(clear, None, [chatbot, questions, download, question, status, last_text, all_text, transcript],
                        queue=False, **quiet)
        copy_btn.click(None, last_text, None, js="(t) => window.paCopy(t, '已复制最近回答（含引用来源）')", **quiet)
        copy_all_btn.click(None, all_text, None, js="(t) => window.paCopy(t, '已复制全部对话')", **quiet)
        places_box.change(scope_from_places, places_box, scope, queue=False, **quiet)
        scope.change(show_filter, scope, [filter_bar, filter_note], queue=False, **quiet)
        clear_filter.click(lambda: ([], []), None, [places_box, scope], queue=False, **quiet)

        cheap = {"concurrency_limit": None, **quiet}
        dept_find.click(find_departments, dept_query, [dept_pick, dept_note, dept_table, dept_summary], **cheap)
        dept_query.submit(find_departments, dept_query, [dept_pick, dept_note, dept_table, dept_summary], **cheap)
        dept_pick.change(department_measures, dept_pick, [dept_table, dept_summary], **cheap)
        mx_doc.change(document_matrix, mx_doc, [mx_measure, mx_image, mx_csv, mx_note, mx_units], **cheap)
        mx_measure.change(measure_units, mx_measure, mx_units, **cheap)
        br_doc.change(open_document, br_doc, br_view, **cheap)

        gr.api(ask, api_name="ask", concurrency_id="assistant")
        app.load(page_drawn, None, None, queue=False, **quiet)
    return app


def launch(app: gr.Blocks, settings: Settings, *, host: str | None = None, port: int | None = None) -> str:
    """Serve on loopback (unless told otherwise) with a bounded queue; no share link, no extra file
    serving, no analytics or monitoring. Returns the local URL at once; `app.block_thread()` waits."""
    app.queue(max_size=settings.queue_size, default_concurrency_limit=CONCURRENCY)
    _, url, _ = app.launch(
        server_name=host or settings.host,
        server_port=port if port is not None else settings.port,
        share=False,
        prevent_thread_lock=True,
        quiet=True,
        **page_options(settings),
    )
    return url


def mount(app: gr.Blocks, parent, settings: Settings):
    """The page at / of the caller's FastAPI app (`serve`: the HTTP API's), with the options of `launch`;
    the caller runs the server."""
    app.queue(max_size=settings.queue_size, default_concurrency_limit=CONCURRENCY)
    return gr.mount_gradio_app(parent, app, "/", server_name=settings.host, server_port=settings.port,
                               **page_options(settings))


def page_options(settings: Settings) -> dict:
    """What `launch` and `mount` share: the safety options, theme, CSS and head."""
    return dict(
        show_error=False,
        allowed_paths=None,
        max_file_size="1mb",  # the page takes no uploads
        footer_links=[],  # the footer is English ("Use via API"); the API is in the README
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        theme=theme(),
        css=(HERE / "page.css").read_text(encoding="utf-8"),
        head=head(settings.max_question_chars),
    )
