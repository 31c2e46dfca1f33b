"""`serve`'s HTTP server: the chat page (Gradio) mounted at / of the API's FastAPI app, run by one uvicorn
server in a thread, so the page, Gradio's `/ask` and the HTTP API share one port."""

from __future__ import annotations

import ipaddress
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

from ..settings import Settings
from .app import create_app

if TYPE_CHECKING:  # loaded behind the page (assistant.loading)
    from ..loading import Loading
    from ..pipeline import Assistant


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(settings: Settings) -> str:
    """One line for `serve` when the API is reachable from other machines without a key ("" otherwise)."""
    if settings.web.api_key or is_loopback(settings.web.host):
        return ""
    return (f"警告：服务监听 {settings.web.host}，其他机器也能访问，而 HTTP API（/api、/v1）没有设置密钥："
            f"请设置环境变量 POLICY_API_KEY，或用 --host 127.0.0.1 只监听本机")


class HttpServer:
    """`start()` returns the URL once the port is bound and the page's queue is up; `close()` stops it."""

    def __init__(self, page, assistant: Assistant | Loading, settings: Settings) -> None:
        from ..web import mount  # noqa: PLC0415 - gradio loads only for `serve`

        self.settings = settings
        self.app = mount(page, create_app(assistant), settings, compress=not is_loopback(settings.web.host))
        self._gradio = page.app  # the served one (mount)
        config = uvicorn.Config(self.app, host=settings.web.host, port=settings.web.port, log_level="warning",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="http-server", daemon=True)

    def start(self, timeout: float = 30.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._server.should_exit = True
                raise OSError(f"cannot serve on {self.settings.web.host}:{self.settings.web.port}")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        host = self.settings.web.host
        shown = "localhost" if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
        return f"http://{shown}:{port}/"

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive() and not self._server.should_exit

    def close(self) -> None:
        self._gradio.stop_event.set()  # ends the page's heartbeat streams at once, as Blocks.close does
        self._server.should_exit = True
        self._thread.join(timeout=5)
