"""`serve`: the chat page and its `/ask` API, on loopback unless told otherwise."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import signal
import socket
import sys
import threading
import time

from ..errors import UserError
from ..settings import Settings


# Seconds after the page is up to begin loading, unless a browser has drawn the page or a question came first.
LOAD_AFTER_S = 3.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="启动问答网页（默认只监听本机 127.0.0.1:7860），并提供 /ask 接口和 HTTP API（/api、/v1）")
    p.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1，仅本机可访问；env POLICY_HOST）")
    p.add_argument("--port", type=int, default=None, help="端口（默认 7860；env POLICY_PORT）")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    t0 = time.perf_counter()
    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.updated(**updates) if updates else settings
    # Importing gradio and building the page make ≈ 300,000 objects that live as long as the server, and
    # ≈ 450 collections scanning them (0.3–0.5 s of the start here); none until the page is up, then
    # those objects are frozen (never scanned again: no 0.2 s full collection while the browser loads
    # the page). The ≈ 7,000 objects of garbage the imports leave are kept with them (a few hundred kB).
    gc.disable()
    try:
        app, loading, url = _start(settings)
    finally:
        gc.freeze()
        gc.enable()
    loading.start_after(LOAD_AFTER_S)  # or at once when the page is drawn or asked (build_app)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill`: close cleanly too (temp downloads removed)
    try:
        print(f"问答网页已就绪（{time.perf_counter() - t0:.1f} 秒）：{url}", flush=True)
        print(f"API：gradio_client.Client(\"{url}\").predict(\"问题\", api_name=\"/ask\")；"
              f"HTTP 接口 {url}api/ask、OpenAI 兼容 {url}v1，说明见 {url}docs；按 Ctrl+C 停止。", file=sys.stderr, flush=True)
        from ..api import exposure_warning  # noqa: PLC0415 - loaded with the server

        if warning := exposure_warning(settings):
            print(warning, file=sys.stderr, flush=True)
        # --- end of the HTTP API's mounting point
        print("正在后台加载检索索引与模型…", file=sys.stderr, flush=True)
        while app.is_running and not loading.wait(0.2):
            pass
        if loading.error is not None:
            raise loading.error  # reported by the CLI in one line, exit non-zero
        print(f"检索索引与模型已加载（{time.perf_counter() - t0:.1f} 秒）。", file=sys.stderr, flush=True)
        while app.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("已停止。", file=sys.stderr)
    except BaseException:
        app.close()
        raise
    _stop(app)
    return 0


def _start(settings: Settings):
    """The page up, the assistant not loaded yet: (server, loading, url)."""
    _check_port(settings.web.host, settings.web.port)  # before seconds of loading, not after
    from index import load_corpus  # noqa: PLC0415

    from ..loading import Loading  # noqa: PLC0415

    # The page first (gradio is most of the wait), then what the first question needs (jieba, the keyword
    # index, the embedder, Chroma) in the background: a question asked meanwhile waits for it.
    loading = Loading.of(settings, load_corpus(settings.seeds_dir))  # a bad catalog fails here, before the page
    from ..web import build_app  # noqa: PLC0415 - gradio loads only for this command

    # --- the page mounted on the HTTP API (assistant/api), one server on one port
    from ..api import HttpServer  # noqa: PLC0415

    app = HttpServer(build_app(loading, settings), loading, settings)
    try:
        return app, loading, app.start()
    except OSError as exc:  # the port was taken meanwhile, or the address is not this machine's
        raise _port_error(settings.web.host, settings.web.port) from exc


def _stop(app, within: float = 1.0) -> None:
    """Close the server (open streams are cut after `within` seconds) and exit at once: after the exit
    handlers (temp downloads removed), the interpreter would spend ≈ 2 s more freeing the loaded corpus and
    models (measured: 3.3–3.6 s from SIGTERM to exit before), for a process that is ending anyway."""
    closer = threading.Thread(target=app.close, name="close", daemon=True)
    closer.start()
    closer.join(within)
    atexit._run_exitfuncs()  # what a normal exit would run (CPython's own hook for it)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(0)


def _port_error(host: str, port: int) -> UserError:
    return UserError(f"无法在 {host}:{port} 启动网页（端口已被占用或地址不可用）：请用 --port 换一个端口，"
                     f"或先停止占用该端口的程序")


def _check_port(host: str, port: int) -> None:
    if not port:
        return
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise _port_error(host, port) from exc


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
