"""A real HTTP server on loopback that speaks the OpenAI chat-completions protocol.

Standard library only (http.server + threading), bound to 127.0.0.1 on a free
port. It answers

- POST /v1/chat/completions with `stream: false` (one JSON object) or
  `stream: true` (SSE: `data: {chunk}\\n\\n` … `data: [DONE]\\n\\n`, chunked
  transfer encoding, so a cut connection is detectable as such);
- GET /v1/models.

Replies are scripted: `server.enqueue(Reply(text=…))`, one per chat request, in
order (`server.default_reply` answers when the queue is empty; by default a
500). Every request is recorded in `server.requests` (method, path, headers,
parsed JSON body), so tests can assert what the prompt contained.

    with OpenAIStub() as server:
        server.enqueue(Reply(text="答案[1]"))
        cfg = LLMConfig(base_url=server.base_url, model="stub")

As a pytest fixture: `openai_stub` (function scope) yields a started server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

__all__ = ["OpenAIStub", "RecordedRequest", "Reply", "closed_port", "openai_stub"]


@dataclass(frozen=True)
class Reply:
    """One scripted reply.

    text: the assistant message (split into `chunks` for streaming; by default
        pieces of `chunk_size` characters).
    delay_s: wait before sending anything (status line included).
    chunk_delay_s: wait before each streamed chunk (a slow trickle).
    status: HTTP status; non-200 sends an OpenAI-style error JSON body.
    broken: False; True or "cut": stream half the chunks, then drop the
        connection without finishing the chunked body; "garbage": stream half
        the chunks, then a `data:` line that is not JSON; "no_done": stream all
        content but stop without finish_reason or [DONE] (clean end of body).
    finish_reason: sent in the last chunk ("stop", "length", …).
    """

    text: str = ""
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    status: int = 200
    broken: bool | Literal["cut", "garbage", "no_done"] = False
    finish_reason: str = "stop"
    chunks: tuple[str, ...] | None = None
    chunk_size: int = 4


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, or the raw text when it is not JSON, or None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", [])) if isinstance(self.body, dict) else []

    def content_of(self, role: str) -> list[str]:
        """The contents of the messages with this role, in order."""
        return [m.get("content", "") for m in self.messages if m.get("role") == role]


@dataclass
class _State:
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)
    default_reply: Reply | None = None
    model: str = "stub-model"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    # -- plumbing

    def _record(self, body: Any) -> None:
        st = self.server.state
        with st.lock:
            st.requests.append(
                RecordedRequest(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )

    def _sleep(self, seconds: float) -> bool:
        """Sleep, waking early when the server closes. False if it is closing."""
        if seconds > 0:
            self.server.state.closing.wait(seconds)
        return not self.server.state.closing.is_set()

    def _send_json(self, status: int, obj: Any) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    # -- routes

    def do_GET(self) -> None:  # noqa: N802
        self._record(None)
        if self.path.rstrip("/") == "/v1/models":
            m = self.server.state.model
            self._send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "stub"}
            ]})
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self._record(body)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})
            return
        st = self.server.state
        with st.lock:
            reply = st.replies.popleft() if st.replies else st.default_reply
        if reply is None:
            reply = Reply(status=500, text="stub: no reply enqueued")
        try:
            if not self._sleep(reply.delay_s):
                return
            if reply.status != 200:
                self._send_json(reply.status, {"error": {
                    "message": reply.text or f"stub error {reply.status}",
                    "type": "server_error", "param": None, "code": None,
                }})
                return
            stream = isinstance(body, dict) and bool(body.get("stream"))
            if stream:
                self._stream(reply)
            else:
                self._complete(reply)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True  # the client went away: fine

    def _complete(self, reply: Reply) -> None:
        self._send_json(200, {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.server.state.model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    def _stream(self, reply: Reply) -> None:
        model = self.server.state.model
        created = int(time.time())

        def event(delta: dict[str, Any], finish: str | None) -> bytes:
            obj = {
                "id": "chatcmpl-stub",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }
            return b"data: " + json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n\n"

        pieces = list(reply.chunks) if reply.chunks is not None else [
            reply.text[i : i + reply.chunk_size] for i in range(0, len(reply.text), reply.chunk_size)
        ]
        broken = "cut" if reply.broken is True else reply.broken
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunk(event({"role": "assistant", "content": ""}, None))
        stop_at = len(pieces) // 2 if broken in ("cut", "garbage") else len(pieces)
        for piece in pieces[:stop_at]:
            if not self._sleep(reply.chunk_delay_s):
                return
            self._chunk(event({"content": piece}, None))
        if broken == "cut":
            # Drop the connection without the terminating zero-length chunk.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if broken == "garbage":
            self._chunk(b"data: {this is not json\n\n")
            self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if broken == "no_done":
            self.wfile.write(b"0\r\n\r\n")
            return
        self._chunk(event({}, reply.finish_reason))
        self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, cut streams) are expected: stay quiet."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


class OpenAIStub:
    """The scripted server. Start with `start()` or a `with` block."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, model: str = "stub-model") -> None:
        self._state = _State(model=model)
        self._httpd = _Server((host, port), _Handler)
        self._httpd.state = self._state
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> OpenAIStub:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                name="openai-stub", daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        self._state.closing.set()  # wakes handlers sleeping in delays
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- addresses
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, with /v1 (what LLMConfig.base_url takes)."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- script and record
    def enqueue(self, *replies: Reply) -> None:
        with self._state.lock:
            self._state.replies.extend(replies)

    @property
    def default_reply(self) -> Reply | None:
        return self._state.default_reply

    @default_reply.setter
    def default_reply(self, reply: Reply | None) -> None:
        self._state.default_reply = reply

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.rstrip("/").endswith("/chat/completions")]


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def openai_stub() -> Any:
    """A started OpenAIStub, closed after the test."""
    with OpenAIStub() as server:
        yield server
