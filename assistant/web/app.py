"""The chat page: Gradio 6 wiring only. What is shown is computed in render, explorer and browse."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no telemetry

import contextlib
import importlib.abc
import importlib.machinery
import inspect
import json
import shutil
import sys
import tempfile
import threading
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
from gradio.brotli_middleware import BrotliMiddleware  # noqa: E402
from gradio.routes import App  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from ..answer import Answer  # noqa: E402
from ..caps import capped  # noqa: E402
from ..errors import PolicyError  # noqa: E402
from ..loading import Loading  # noqa: E402
from ..scope import scope_label  # noqa: E402
from ..settings import Settings  # noqa: E402
from . import browse, duties_tab, guard, render  # noqa: E402

if TYPE_CHECKING:
    from ..pipeline import Assistant  # loaded behind the page (assistant.loading)

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


_BUILDING = threading.Lock()


@contextlib.contextmanager
def served_app_only() -> Iterator[None]:
    """Gradio builds a whole FastAPI app (≈ 80 routes; 0.1–0.25 s each here) in `Blocks.__init__`, in
    `Blocks.__exit__` and in `queue()`, each replacing the last, then `launch()` or `mount_gradio_app()`
    builds the one that serves (gradio/blocks.py, gradio/routes.py). Within this block those three are
    not built (`Blocks.app` stays unset until `launch`/`mount` set it): a third of a second off the start."""
    with _BUILDING:
        original = inspect.getattr_static(App, "create_app")
        App.create_app = staticmethod(lambda blocks, *args, **kwargs: None)
        try:
            yield
        finally:
            App.create_app = original


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
    max_chars = settings.retrieval.max_question_chars

    def scope_text(doc_ids: Sequence[str]) -> str:
        return scope_label(corpus.documents, doc_ids) if doc_ids else "全部文件"

    # ------------------------------------------------------------------ chat

    def respond(message: str, chat: list, questions: list, doc_ids: list, transcript: list) -> Iterator[tuple]:
        """Stream the answer into the chat, then its sources under it, the copy texts and the Markdown download.
        Outputs: question, chat, questions, download, status, last answer as text, conversation as text."""
        asked = message if isinstance(message, str) else ""
        kept = capped(asked, max_chars)[0].strip()  # the question part of a long paste (the pipeline cuts the same)
        if not kept:
            yield "", gr.skip(), gr.skip(), gr.skip(), EMPTY_QUESTION, gr.skip(), gr.skip(), gr.skip()
            return
        message = asked.strip()
        scope = scope_label(corpus.documents, doc_ids) if doc_ids else ""
        waiting = SEARCHING if loading.ready else LOADING
        chat = [*(chat or []), {"role": "user", "content": render.shown_question(message, max_chars)},  # never whole
                {"role": "assistant", "content": waiting}]
        yield "", chat, gr.skip(), gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
        answer: Answer | None = None
        try:
            for text, done in loading.get().ask_stream(message, list(questions or []), doc_ids=list(doc_ids or [])):
                if done is None:
                    chat[-1] = {"role": "assistant", "content": text}
                    yield gr.skip(), chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                answer = done
        except PolicyError as exc:
            chat[-1] = {"role": "assistant", "content": f"> {exc}"}
            yield gr.skip(), chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        key = uuid.uuid4().hex[:8]  # ties each [n] to its source in this answer
        content = render.answer_markdown(answer, key=key, scope=scope)
        if answer.citations:
            content += "\n\n" + render.sources_html(answer, clauses, documents, key=key)
        chat[-1] = {"role": "assistant", "content": content}
        plain = render.plain_text(answer, clauses, documents)
        transcript = [*(transcript or []), f"问：{kept}\n\n答：{plain}"]
        md = render.export_markdown(answer, clauses, documents, scope=scope_text(doc_ids or []))
        path = downloads.write(f"政策问答-{time.strftime('%Y%m%d-%H%M%S')}.md", md)
        yield (gr.skip(), chat, [*(questions or []), kept], gr.DownloadButton(value=str(path), interactive=True),
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
        """Ask the policy documents; returns the JSON object of `policy-assistant ask --json` (docs/CONTRACT.md)."""
        return loading.get().ask(question).to_json()  # a non-string is a type error; errors shown by guard

    # ------------------------------------------------------------------ layout

    quiet = {"api_visibility": "private"}
    with served_app_only(), \
            gr.Blocks(title="知识产权保护政策问答助手", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
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
                duties_tab.build(loading, downloads.folder, doc_choices)

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
        br_doc.change(open_document, br_doc, br_view, **cheap)

        gr.api(ask, api_name="ask", concurrency_id="assistant")
        app.load(page_drawn, None, None, queue=False, **quiet)
    guard.catch_errors(app)
    return app


def launch(app: gr.Blocks, settings: Settings, *, host: str | None = None, port: int | None = None) -> str:
    """Serve on loopback (unless told otherwise) with a bounded queue; no share link, no extra file
    serving, no analytics or monitoring. Returns the local URL at once; `app.block_thread()` waits."""
    with served_app_only():  # launch builds the served app
        app.queue(max_size=settings.web.queue_size, default_concurrency_limit=CONCURRENCY)
    _, url, _ = app.launch(
        server_name=host or settings.web.host,
        server_port=port if port is not None else settings.web.port,
        share=False,
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={"middleware": guard.middleware(settings)},
        state_session_capacity=settings.web.sessions_kept,  # gradio keeps each API call's inputs as a session
        **page_options(settings),
    )
    return url


def mount(app: gr.Blocks, parent, settings: Settings, *, compress: bool = True):
    """The page at / of the caller's FastAPI app (`serve`: the HTTP API's), with the options of `launch`;
    the caller runs the server. `compress=False` sends the page's files as they are: gradio brotli-compresses
    every response as it goes, its ≈ 80 script and style files 0.64 s of the server's time at a first visit
    here against 0.23 s uncompressed; worth it over a slow network, pure cost on this machine (loopback)."""
    with served_app_only():  # mount_gradio_app builds the served app
        app.queue(max_size=settings.web.queue_size, default_concurrency_limit=CONCURRENCY)
    app.state_session_capacity = settings.web.sessions_kept  # as launch's option (mount_gradio_app has none)
    guard.protect(parent, settings)
    parent = gr.mount_gradio_app(parent, app, "/", server_name=settings.web.host, server_port=settings.web.port,
                                 **page_options(settings))
    served = next(r.app for r in parent.routes if isinstance(r, Mount) and isinstance(r.app, App))
    app.app = served  # as launch sets it
    if not compress:  # before the first request builds the middleware stack
        served.user_middleware = [m for m in served.user_middleware if m.cls is not BrotliMiddleware]
    return parent


def page_options(settings: Settings) -> dict:
    """What `launch` and `mount` share: the safety options, theme, CSS and head."""
    return dict(
        show_error=False,
        allowed_paths=None,
        max_file_size="1mb",  # the page takes no uploads (guard refuses the route)
        footer_links=[],  # the footer is English ("Use via API"); the API is in the README
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        theme=theme(),
        css=(HERE / "page.css").read_text(encoding="utf-8"),
        head=head(settings.retrieval.max_question_chars),
    )
