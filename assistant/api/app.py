"""The HTTP API (FastAPI): REST JSON under /api, OpenAI-compatible chat completions under /v1, OpenAPI
docs at /docs. HTTP wiring only: the answers come from `Service`, the protocol shapes from `openai_compat`.
`serve` mounts the chat page on this app (`assistant.api.server`), so both share one port."""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from ..batch import answer_line, read_lines
from ..errors import PolicyError
from . import openai_compat as oai
from .errors import DOCS_HINT, ApiError, error_body, from_user_error, validation_message
from .guard import Guard, internal_error
from .schemas import AskRequest, ChatRequest
from .service import Service

if TYPE_CHECKING:  # loaded behind the page (assistant.loading)
    from ..loading import Loading
    from ..pipeline import Assistant

log = logging.getLogger("assistant.api")
T = TypeVar("T")

# Questions answered at once (the page's queue has its own limit); more wait for a worker.
WORKERS = 4

DESCRIPTION = """知识产权保护政策问答助手的 HTTP 接口（与问答网页同一端口）。

- `/api/…`：JSON 接口；`POST /api/ask` 返回与 `policy-assistant ask --json` 相同的对象。
- `/v1/…`：OpenAI 兼容的 chat completions；引用在回复的扩展字段 `citations`（与 `policy_answer`）中。
- 设置了 `POLICY_API_KEY` 时，两者都需要请求头 `Authorization: Bearer <密钥>`。
- 出错时返回 JSON：`/api` 为 `{"error": "…"}`，`/v1` 为 OpenAI 的 `{"error": {"message": …}}`。
"""

ANSWER_EXAMPLE = {
    "question": "郑州开展铁拳专项行动的责任单位有哪些？", "answer": "…[1]…", "abstained": False,
    "citations": [{"n": 1, "clause_id": "zhengzhou-opinions#2.4", "doc_id": "zhengzhou-opinions",
                   "label": "郑州市关于强化知识产权保护的实施意见 二、（四）加强行政保护",
                   "quote": "持续开展“铁拳”等多个知识产权执法专项行动", "units": ["市市场监管局", "…"], "score": 0.05}],
    "units": ["市市场监管局", "…"],
}
ERRORS = {status: {"description": what, "content": {"application/json": {"example": {"error": "…"}}}}
          for status, what in ((400, "问题为空、文件编号未知等"), (401, "缺少或错误的 API 密钥"), (404, "没有这个条款、文件或部门"),
                               (413, "请求体过大"), (422, "请求体不是 JSON、缺少字段或类型不对"))}


def create_app(assistant: Assistant | Loading) -> FastAPI:
    settings = assistant.settings
    service = Service(assistant)
    limiter = anyio.CapacityLimiter(WORKERS)
    started = int(time.time())

    async def work(fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kw), limiter=limiter)

    app = FastAPI(title="policy-assistant HTTP API", version="1", description=DESCRIPTION, docs_url="/docs",
                  redoc_url=None, openapi_url="/openapi.json", strict_content_type=False)
    app.add_middleware(Guard, api_key=settings.web.api_key, max_body_bytes=settings.web.api_max_body_bytes)
    _handle_errors(app)
    # documents the key in /docs ("Authorize"); the check itself is the Guard's, before any body is read
    key = [Depends(HTTPBearer(auto_error=False, description="设置了 POLICY_API_KEY 时必填"))]
    api = APIRouter(prefix="/api", tags=["api"], dependencies=key, responses=ERRORS)
    v1 = APIRouter(prefix="/v1", tags=["openai"], dependencies=key)

    # ------------------------------------------------------------------ /api

    @api.post("/ask", summary="提一个问题", responses={200: {"content": {"application/json": {"example": ANSWER_EXAMPLE}}}})
    async def ask(req: AskRequest) -> JSONResponse:
        """返回 `policy-assistant ask --json` 的对象（docs/CONTRACT.md）。"""
        answer = await work(service.ask, req.question, req.history, doc_ids=req.doc_ids, intent=req.intent)
        return JSONResponse(answer.to_json())

    @api.post("/batch", summary="批量问答（JSON Lines）", openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-ndjson": {"schema": {"type": "string"},
                                 "example": '{"id": 1, "question": "郑州开展铁拳专项行动的责任单位有哪些？"}\n'}}}},
        responses={200: {"content": {"application/x-ndjson": {}}, "description": "每个输入行一个输出行，按顺序逐行返回"}})
    async def batch(request: Request) -> StreamingResponse:
        """请求体每行一个 `{"id", "question"}`；每行返回 `ask --json` 的对象加上 `id`，按输入顺序逐行流式返回。
        读不了的行得到 `{"id": …, "error": "…"}`（与 `policy-assistant batch` 相同），其余行照常回答。"""
        lines = read_lines(await request.body())

        async def records() -> AsyncIterator[str]:
            for line in lines:
                try:
                    record = await work(answer_line, line, service.ask)
                except Exception as exc:  # noqa: BLE001 - one bad line never ends the run
                    log.error("批量问答第 %s 行出错：%s: %s", line.number, type(exc).__name__, exc)
                    record = {"id": line.id, "error": f"第 {line.number} 行：{internal_error(exc).message}"}
                yield json.dumps(record, ensure_ascii=False) + "\n"

        return StreamingResponse(records(), media_type="application/x-ndjson")

    @api.get("/clauses", summary="列出条款")
    async def clauses(doc_id: Annotated[str | None, Query(description="只列这一份文件的条款")] = None) -> JSONResponse:
        """`policy-assistant clauses --json [DOC_ID]` 的对象，按文件顺序组成的列表。"""
        return JSONResponse(service.clauses(doc_id))

    @api.get("/clauses/{clause_id}", summary="一个条款")
    async def clause(clause_id: str) -> JSONResponse:
        """`policy-assistant show --json` 的对象。条款编号中的 # 在网址中写作 %23：`/api/clauses/xinyang-opinions%236.17`。"""
        return JSONResponse(service.clause(clause_id))

    @api.get("/documents", summary="列出文件")
    async def documents() -> JSONResponse:
        """`policy-assistant docs --json` 的对象组成的列表。"""
        return JSONResponse(service.documents())

    @api.get("/departments/{name}", summary="一个部门承担的全部措施")
    async def department(name: str) -> JSONResponse:
        """部门问答（“X 负责哪些措施”）的 `ask --json` 对象：`citations` 为该部门作为责任单位的全部措施，完整不截断。"""
        answer = await work(service.department, name)
        return JSONResponse(answer.to_json())

    @api.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def no_such_api(request: Request, rest: str) -> None:
        raise no_route([*api.routes, *v1.routes], request)

    # ------------------------------------------------------------------ /v1 (OpenAI)

    @v1.get("/models", summary="可用的模型")
    async def models() -> JSONResponse:
        return JSONResponse(oai.model_list(settings.llm.enabled, started))

    @v1.post("/chat/completions", summary="OpenAI 兼容的对话接口", response_model=None)
    async def chat(req: ChatRequest) -> JSONResponse | StreamingResponse:
        """最后一条用户消息是问题，之前的用户消息是追问的上下文；回复内容是带 [n] 标记的回答，
        `citations`（与完整的 `policy_answer`）是回复对象的扩展字段；`stream: true` 时在 `data: [DONE]` 之前的最后一块中。"""
        mode = oai.available(settings.llm.enabled).get(req.model)
        if mode is None:
            raise ApiError(404, oai.unknown_model(req.model, settings.llm.enabled), code="model_not_found",
                           param="model")
        asked = oai.conversation(req.messages)
        if asked is None:
            raise ApiError(422, "messages 中没有用户消息（role 为 user）：最后一条用户消息是要问的问题", param="messages")
        question, history = asked
        answer = await work(service.ask, question, history, doc_ids=req.doc_ids, llm=mode is oai.AnswerMode.LLM)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not req.stream:
            return JSONResponse(oai.completion(answer.to_json(), req.model, cid, created))
        events = [oai.sse(c) for c in oai.chunks(answer.to_json(), req.model, cid, created)] + [oai.DONE]
        return StreamingResponse(iter(events), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @v1.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def no_such_v1(request: Request, rest: str) -> None:
        raise no_route([*api.routes, *v1.routes], request)

    app.include_router(api)
    app.include_router(v1)
    return app


def no_route(routes: Sequence[BaseRoute], request: Request) -> ApiError:
    """404 for an unknown path, 405 for a known one asked with the wrong method."""
    path = request.url.path
    allowed = sorted({m for r in routes if isinstance(r, APIRoute) and "{rest" not in r.path
                      and r.path_regex.match(path) for m in r.methods} - {"HEAD"})
    if allowed:
        return ApiError(405, f"{path} 只接受 {'、'.join(allowed)} 请求（{DOCS_HINT}）")
    return ApiError(404, f"没有这个接口：{request.method} {path[:100]}（{DOCS_HINT}）")


def _handle_errors(app: FastAPI) -> None:
    def reply(request: Request, err: ApiError, headers: dict | None = None) -> JSONResponse:
        return JSONResponse(error_body(request.url.path, err), status_code=err.status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return reply(request, exc)

    @app.exception_handler(PolicyError)  # the one error base: bad input, and the index's own errors
    async def user_error(request: Request, exc: PolicyError) -> JSONResponse:
        return reply(request, from_user_error(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        param = ".".join(str(p) for p in errors[0]["loc"][1:]) if errors and len(errors[0]["loc"]) > 1 else None
        return reply(request, ApiError(422, validation_message(errors), code="invalid_request", param=param))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if exc.status_code == 413 else f"请求无效（HTTP {exc.status_code}：{exc.detail}）：{DOCS_HINT}"
        return reply(request, ApiError(exc.status_code, message), getattr(exc, "headers", None))
