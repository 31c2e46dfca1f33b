"""What stands between the network and the handlers: request caps, no uploads, same-origin writes, and
errors shown as one Chinese message (never a traceback in the page or the server log).

`middleware(settings)` goes on the server's ASGI app (gradio's `launch(app_kwargs=...)`, or any FastAPI app
the page is mounted in); `catch_errors(blocks)` wraps every event handler of the page.
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import logging
import sys
import traceback
from urllib.parse import urlsplit

import gradio as gr
import gradio.utils
from starlette.middleware import Middleware

from ..errors import PolicyError, explain
from ..settings import Settings

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The HTTP API caps its own bodies (setting api_max_body_bytes, errors in its own JSON shapes): not again here.
BODY_CAPPED_ELSEWHERE = ("/api", "/v1")
NO_UPLOADS = "此网页不接受上传文件"
CROSS_ORIGIN = "跨站请求被拒绝：请直接在本网页上提问（或不带 Origin 头调用接口）"
INTERNAL = "内部错误，未能回答：请稍后再试；如一再出现，请把服务日志中的“错误”一行报告给维护者"


def middleware(settings: Settings) -> list[Middleware]:
    return [Middleware(RequestGuard, max_body=settings.max_input_bytes)]


def protect(app, settings: Settings) -> None:
    """The guard on a FastAPI app the page is mounted in (`serve`'s), outermost: before any route or body."""
    app.add_middleware(RequestGuard, max_body=settings.max_input_bytes)


class RequestGuard:
    """ASGI middleware. Refuses, before any handler runs: bodies over `max_body` bytes (413, whether or
    not a Content-Length is sent), uploads (403: the page takes none), and writes whose Origin is not
    the page's own host (403: a page elsewhere cannot post on a visitor's behalf)."""

    def __init__(self, app, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"].rstrip("/")
        if path.endswith("/upload") or path == "/upload":
            await _refuse(send, 403, NO_UPLOADS)
            return
        if not same_origin(headers):
            await _refuse(send, 403, CROSS_ORIGIN)
            return
        if any(path == p or path.startswith(p + "/") for p in BODY_CAPPED_ELSEWHERE):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await _refuse(send, 413, self._too_large(int(declared)))
            return
        if declared.isdigit():
            await self.app(scope, receive, send)  # the server reads no more than it declared
            return
        # chunked: read at most max_body bytes, then hand the body on
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body:
                await _refuse(send, 413, self._too_large(size, at_least=True))
                return
            if not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    def _too_large(self, size: int, at_least: bool = False) -> str:
        return (f"请求过大（{'超过 ' if at_least else ''}{size} 字节，上限 {self.max_body} 字节）："
                f"请缩短问题；在网页上可点“清空对话”后再问")


def same_origin(headers: dict[str, str]) -> bool:
    """A browser names the page a request comes from (Origin, Sec-Fetch-Site); other clients send neither."""
    origin = headers.get("origin")
    if origin is not None:
        netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
        hosts = {headers.get("host", "").lower(), headers.get("x-forwarded-host", "").lower()} - {""}
        return bool(netloc) and netloc in hosts
    return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "detail": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------- handlers


def catch_errors(blocks: gr.Blocks) -> None:
    """Wrap every event handler: a `PolicyError` shows its message, anything else a short notice and one
    line in the server log; gradio prints no traceback for either (print_exception=False). Errors raised
    outside the handlers (gradio's own input checks, the server) are logged in one line too."""
    for block_fn in blocks.fns.values():
        if block_fn.fn is not None and not getattr(block_fn.fn, "_guarded", False):
            block_fn.fn = guarded(block_fn.fn)
    one_line_server_errors()


def guarded(fn):
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the edge: shown, never a traceback
                raise shown(exc) from None
    elif inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise shown(exc) from None
    else:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise shown(exc) from None
    wrapper._guarded = True
    return wrapper


def shown(exc: Exception) -> gr.Error:
    """The error as the page shows it."""
    if isinstance(exc, gr.Error):
        exc.print_exception = False
        return exc
    if isinstance(exc, PolicyError):
        message = str(exc)
    else:
        line, _ = explain(exc)
        print(f"错误（网页请求）：{line}", file=sys.stderr, flush=True)
        message = line if isinstance(exc, OSError | MemoryError) else INTERNAL
    # gradio renders the message as HTML, and it may hold what the user typed
    return gr.Error(html.escape(message, quote=False), title="无法回答", print_exception=False)


# ---------------------------------------------------------------------------- the server log


class _OneLineTraceback:
    """Stands in for the `traceback` module inside gradio: gradio calls `traceback.print_exc()` for errors
    in its own input checks (a value not among a Dropdown's choices) and in the queue; say them in one line."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def print_exc(self, *args, **kwargs) -> None:
        exc = sys.exc_info()[1]
        if exc is not None:
            print(f"错误（网页请求）：{_line(exc)}", file=sys.stderr, flush=True)


class _OneLineRecords(logging.Filter):
    """uvicorn logs an exception in the app ("Exception in ASGI application", e.g. a stream cut at shutdown)
    with its traceback: keep the message and one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg, record.args = f"{record.getMessage().strip()}：{_line(record.exc_info[1])}", ()
            record.exc_info = record.exc_text = None
        return True


def _line(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, gr.Error | PolicyError) else explain(exc)[0]


def one_line_server_errors() -> None:
    import gradio.queueing  # noqa: PLC0415
    import gradio.route_utils  # noqa: PLC0415
    import gradio.routes  # noqa: PLC0415

    for module in (gradio.queueing, gradio.route_utils, gradio.routes, gradio.utils):
        if not isinstance(module.traceback, _OneLineTraceback):
            module.traceback = _OneLineTraceback(traceback)
    for name in ("uvicorn.error", "uvicorn.asgi"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _OneLineRecords) for f in log.filters):
            log.addFilter(_OneLineRecords())
