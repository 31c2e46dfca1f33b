"""The chat page: Gradio 6 wiring only. What is shown is computed in render, explorer and browse."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no telemetry

import shutil
import tempfile
import time
import uuid
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import gradio as gr

from ..answer import Answer
from ..caps import capped
from ..errors import PolicyError
from ..pipeline import Assistant
from ..settings import Settings
from . import browse, duties_tab, guard, render

# Answers at once; more wait in the bounded queue (settings.web.queue_size), beyond it users see the busy notice.
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
BUSY = "系统繁忙：排队等候的提问已满，请稍候片刻再试。"

CSS = """
.pa-header {padding: 14px 22px; border-radius: 10px; color: #fff;
  background: linear-gradient(90deg, #7f1d1d 0%, #b91c1c 55%, #c2410c 100%);}
.pa-header h1 {margin: 0 0 6px 0; font-size: 1.6rem; color: #fff; letter-spacing: .04em;}
.pa-header p {margin: 0; opacity: .92; font-size: .95rem; color: #fff;}
.pa-source {border: 1px solid #e5e7eb; border-radius: 8px; padding: 6px 10px; margin: 6px 0; background: #fafafa;}
.pa-source summary {cursor: pointer; font-weight: 600;}
.pa-source .pa-n {color: #b91c1c;}
.pa-source table.pa-meta {margin: 8px 0; font-size: .9em; border-collapse: collapse;}
.pa-source table.pa-meta th {text-align: left; white-space: nowrap; padding: 2px 10px 2px 0; color: #6b7280; font-weight: 500;}
.pa-source table.pa-meta td {padding: 2px 0;}
.pa-source .pa-clause {line-height: 1.75; margin: 6px 0 2px 0;}
.pa-source mark, .pa-chat mark {background: #fde68a; padding: 0 2px; border-radius: 2px;}
.pa-chat blockquote {border-left: 4px solid #d97706; background: #fffbeb; margin: 0; padding: 6px 12px; color: #78350f;}
.pa-hint {font-size: .85rem; color: #6b7280;}
.pa-clause-view {border-top: 1px solid #e5e7eb; padding-top: 8px; line-height: 1.8;}
.pa-examples button {text-align: left !important; justify-content: flex-start !important; white-space: normal !important;}
"""

# Gradio's own busy notice is fixed English text in its frontend (queue_full → "This application is
# currently busy"); show it in Chinese.
HEAD = """<script>
(() => {
  const zh = "%s";
  const fix = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeValue && n.nodeValue.includes("currently busy")) n.nodeValue = zh;
    }
  };
  new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((a) => fix(a.nodeType === 1 ? a : a.parentNode || document.body))))
    .observe(document.documentElement, {childList: true, subtree: true});
})();
</script>""" % BUSY


def theme() -> gr.themes.Base:
    return gr.themes.Default(
        primary_hue="red", neutral_hue="slate", radius_size="md",
        font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Sans Pro", "sans-serif"],
    )


class Downloads:
    """Files users download (answer Markdown, 任务分工表 XLSX/CSV, matrix CSV, heatmaps) live in one private temp folder;
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


def corpus_blurb(assistant: Assistant) -> str:
    """One line on what the corpus covers, from the catalog (not written for these five files)."""
    places = list(dict.fromkeys(d.place for d in assistant.corpus.documents))
    n = len(assistant.corpus.documents)
    return (f"依据{'、'.join(places)} {n} 份知识产权保护政策文件的原文作答：每句回答标注出处条款 [n]，"
            f"可展开核对原文与责任单位；文件未涉及的问题会明确说明，不作推测。")


def build_app(assistant: Assistant, settings: Settings | None = None) -> gr.Blocks:
    """The page and the `/ask` API. Launch with `launch(app, settings)` (theme, CSS and safety options)."""
    settings = settings or assistant.settings
    corpus = assistant.corpus
    clauses = {c.clause_id: c for c in corpus.clauses}
    documents = {d.doc_id: d for d in corpus.documents}
    doc_choices = browse.document_choices(corpus.documents)
    places = list(dict.fromkeys(d.place for d in corpus.documents))
    downloads = Downloads()
    max_chars = settings.retrieval.max_question_chars

    def scope_text(doc_ids: Sequence[str]) -> str:
        if not doc_ids:
            return "全部文件"
        return "、".join(f"《{documents[d].short_name}》" for d in doc_ids if d in documents)

    # ------------------------------------------------------------------ chat

    def respond(message: str, chat: list, questions: list, doc_ids: list) -> Iterator[tuple]:
        """Stream the answer into the chat, then add its sources and the Markdown download."""
        length = len(message) if isinstance(message, str) else 0
        message, cut = capped(message or "", max_chars)  # before any work, and never echoed whole
        message = message.strip()
        if not message:
            gr.Warning(EMPTY_QUESTION, title="提示")
            yield "", gr.skip(), gr.skip(), gr.skip()
            return
        if cut:
            gr.Warning(f"问题过长（{length} 字）：只按前 {max_chars} 个字检索，请尽量精简。", title="提示")
        chat = [*(chat or []), {"role": "user", "content": message},
                {"role": "assistant", "content": "正在检索相关条款…"}]
        yield "", chat, gr.skip(), gr.skip()
        answer: Answer | None = None
        try:
            for text, done in assistant.ask_stream(message, list(questions or []), doc_ids=list(doc_ids or [])):
                if done is None:
                    chat[-1] = {"role": "assistant", "content": text}
                    yield gr.skip(), chat, gr.skip(), gr.skip()
                answer = done
        except PolicyError as exc:
            chat[-1] = {"role": "assistant", "content": f"> {exc}"}
            yield gr.skip(), chat, gr.skip(), gr.skip()
            return
        chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer)}
        if answer.citations:
            chat.append({"role": "assistant", "content": render.sources_html(answer, clauses, documents),
                         "metadata": {"title": render.sources_title(answer)}})
        md = render.export_markdown(answer, clauses, documents, scope=scope_text(doc_ids or []))
        path = downloads.write(f"政策问答-{time.strftime('%Y%m%d-%H%M%S')}.md", md)
        yield gr.skip(), chat, [*(questions or []), message], gr.DownloadButton(value=str(path), interactive=True)

    def clear() -> tuple:
        return [], [], gr.DownloadButton(value=None, interactive=False), ""

    def scope_from_places(picked: list) -> list:
        return [d.doc_id for d in corpus.documents if d.place in (picked or [])]

    # ------------------------------------------------------------------ document browser

    def open_document(doc_id: str | None):
        if not doc_id or doc_id not in documents:
            return "", [], ""
        doc_clauses = corpus.clauses_of(doc_id)
        first = next((c for c in doc_clauses if c.measure), doc_clauses[0])
        return (browse.document_markdown(documents[doc_id], doc_clauses), browse.toc_rows(doc_clauses),
                browse.clause_markdown(first, documents[doc_id]))

    def open_clause(doc_id: str | None, evt: gr.SelectData):
        clause = browse.clause_for_row(doc_id or "", evt.row_value or [], corpus.clauses_of(doc_id or ""))
        return browse.clause_markdown(clause, documents.get(clause.doc_id)) if clause else gr.skip()

    # ------------------------------------------------------------------ API

    def ask(question: str) -> dict:
        """Ask the policy documents; returns the JSON object of `policy-assistant ask --json` (docs/CONTRACT.md)."""
        return assistant.ask(question).to_json()  # a non-string is a type error; errors shown by guard

    # ------------------------------------------------------------------ layout

    quiet = {"api_visibility": "private"}
    with gr.Blocks(title="知识产权保护政策问答助手", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        gr.HTML(f'<div class="pa-header"><h1>知识产权保护政策问答助手</h1><p>{corpus_blurb(assistant)}</p></div>')
        with gr.Tabs():
            with gr.Tab("智能问答", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="问答", elem_id="pa-chat", elem_classes=["pa-chat"], height=520,
                            buttons=["copy", "copy_all"], feedback_options=None, latex_delimiters=[],
                            placeholder="**您好！** 请输入关于知识产权保护政策的问题，或点选右侧的常见问题。\n\n"
                                        "回答中的 [1] [2] 对应下方“引用来源”，点击可展开条款原文。",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                label="问题", placeholder=f"输入问题，按回车发送（最多 {max_chars} 字）", show_label=False,
                                max_length=max_chars, lines=1, max_lines=4, scale=6, elem_id="pa-question", autofocus=True,
                            )
                            send = gr.Button("发送", variant="primary", scale=1, min_width=90, elem_id="pa-send")
                        with gr.Row():
                            clear_btn = gr.Button("清空对话", size="sm", variant="secondary", elem_id="pa-clear")
                            download = gr.DownloadButton("下载最近回答（Markdown）", value=None, size="sm",
                                                         interactive=False, elem_id="pa-download")
                        gr.Markdown("追问时会结合本次对话中之前的问题理解（如“那信阳呢？”）。回答仅依据所列文件原文。",
                                    elem_classes=["pa-hint"])
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

            with gr.Tab("责任分工", id="explorer"):
                duties_tab.build(assistant, downloads.folder, doc_choices)

            with gr.Tab("文件浏览", id="browse"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=320):
                        br_doc = gr.Dropdown(doc_choices, value=None, label="选择文件", elem_id="pa-br-doc")
                        br_toc = gr.Dataframe(headers=["编号", "章节 / 措施", "责任单位数"], type="array",
                                              interactive=False, wrap=True, label="目录（点击任一行查看全文）",
                                              column_widths=["14%", "66%", "20%"], max_height=640,
                                              elem_id="pa-br-toc")
                    with gr.Column(scale=3):
                        br_meta = gr.Markdown("请选择一份文件，查看它的文号、日期和目录。", elem_id="pa-br-meta")
                        br_clause = gr.Markdown(elem_id="pa-br-clause", elem_classes=["pa-clause-view"])

        # chat events: one public streaming endpoint (/chat) besides /ask
        chat_io = {"fn": respond, "inputs": [question, chatbot, questions, scope],
                   "outputs": [question, chatbot, questions, download], "concurrency_id": "assistant"}
        send.click(**chat_io, api_name="chat")
        question.submit(**chat_io, **quiet)
        for btn, q in [(b, q) for b, q in zip(ent_btns, ENTERPRISE_EXAMPLES, strict=True)] + \
                      [(b, q) for b, q in zip(off_btns, OFFICIAL_EXAMPLES, strict=True)]:
            btn.click(lambda q=q: q, None, question, queue=False, **quiet).then(**chat_io, **quiet)
        clear_btn.click(clear, None, [chatbot, questions, download, question], queue=False, **quiet)
        chatbot.clear(clear, None, [chatbot, questions, download, question], queue=False, **quiet)
        places_box.change(scope_from_places, places_box, scope, queue=False, **quiet)

        cheap = {"concurrency_limit": None, **quiet}
        br_doc.change(open_document, br_doc, [br_meta, br_toc, br_clause], **cheap)
        br_toc.select(open_clause, br_doc, br_clause, **cheap)

        gr.api(ask, api_name="ask", concurrency_id="assistant")
    guard.catch_errors(app)
    return app


def launch(app: gr.Blocks, settings: Settings, *, host: str | None = None, port: int | None = None) -> str:
    """Serve on loopback (unless told otherwise) with a bounded queue; no share link, no extra file
    serving, no analytics or monitoring. Returns the local URL at once; `app.block_thread()` waits."""
    app.queue(max_size=settings.web.queue_size, default_concurrency_limit=CONCURRENCY)
    _, url, _ = app.launch(
        server_name=host or settings.web.host,
        server_port=port if port is not None else settings.web.port,
        share=False,
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={"middleware": guard.middleware(settings)},
        state_session_capacity=settings.web.sessions_kept,  # gradio keeps each API call's inputs as a session
        **page_options(),
    )
    return url


def mount(app: gr.Blocks, parent, settings: Settings):
    """The page at / of the caller's FastAPI app (`serve`: the HTTP API's), with the options of `launch`;
    the caller runs the server."""
    app.queue(max_size=settings.web.queue_size, default_concurrency_limit=CONCURRENCY)
    app.state_session_capacity = settings.web.sessions_kept  # as launch's option (mount_gradio_app has none)
    guard.protect(parent, settings)
    return gr.mount_gradio_app(parent, app, "/", server_name=settings.web.host, server_port=settings.web.port,
                               **page_options())


def page_options() -> dict:
    """What `launch` and `mount` share: the safety options, theme, CSS and head."""
    return dict(
        show_error=False,
        allowed_paths=None,
        max_file_size="1mb",  # the page takes no uploads (guard refuses the route)
        footer_links=["api"],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        theme=theme(),
        css=CSS,
        head=HEAD,
    )
