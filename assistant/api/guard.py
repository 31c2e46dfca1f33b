"""The gate in front of `/api` and `/v1` (pure ASGI, before any body is read or parsed):

1. the API key, when one is set: `Authorization: Bearer <key>`, else 401;
2. the body cap: a declared `Content-Length` over it is refused at once, a chunked body as soon as it
   passes it (413);
3. the last word on failures: an unexpected error is a JSON 500 and one log line, never a traceback.

The page (Gradio, mounted at /) and the OpenAPI docs are not behind it.
"""

from __future__ import annotations

import logging
import secrets

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PolicyError, os_error_line
from .errors import ApiError, error_body

log = logging.getLogger("assistant.api")

GUARDED = ("/api", "/v1")


class BodyTooLarge(HTTPException):
    """Raised from `receive` while a handler reads the body; the app's handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


def too_large(limit: int) -> str:
    return f"请求体过大：最多 {limit} 字节（设置 api_max_body_bytes）；批量问答请分成几次提交"


def guarded(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in GUARDED)


def key_problem(authorization: str | None, key: str) -> str:
    """Why the Authorization header does not carry the key ("" when it does)."""
    if not authorization:
        return "缺少 API 密钥：请在请求头加上 Authorization: Bearer <密钥>（密钥即服务端的 POLICY_API_KEY）"
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), key.encode()):
        return "API 密钥不正确：请求头应为 Authorization: Bearer <密钥>（密钥即服务端的 POLICY_API_KEY）"
    return ""


class Guard:
    def __init__(self, app: ASGIApp, *, api_key: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.api_key = api_key or None
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = Headers(scope=scope)
        if self.api_key and (problem := key_problem(headers.get("authorization"), self.api_key)):
            await _reply(scope, receive, send, ApiError(401, problem, code="invalid_api_key"),
                         {"WWW-Authenticate": "Bearer"})
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await _reply(scope, receive, send, ApiError(413, too_large(self.limit), code="request_too_large"),
                         {"Connection": "close"})
            return
        seen = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, tracked_send)
        except Exception as exc:  # noqa: BLE001 - the API answers in JSON, the log gets one line
            log.error("HTTP API 出错：%s %s：%s: %s", scope.get("method"), path, type(exc).__name__, exc)
            if not started:
                await _reply(scope, receive, send, internal_error(exc))


def internal_error(exc: BaseException) -> ApiError:
    # Domain errors (index, store, embedder: the one base) carry user-facing messages, as on the command line.
    if isinstance(exc, PolicyError):
        return ApiError(503, str(exc))
    if isinstance(exc, OSError):
        return ApiError(503, os_error_line(exc))
    return ApiError(500, f"服务器内部错误（{type(exc).__name__}）：请稍后再试，或查看服务日志")


async def _reply(scope: Scope, receive: Receive, send: Send, err: ApiError, headers: dict | None = None) -> None:
    await JSONResponse(error_body(scope["path"], err), status_code=err.status, headers=headers)(scope, receive, send)
