"""What a failed HTTP request is told: a status and one Chinese line with the fix, as JSON.

`/api` errors are `{"error": "…"}` (the shape of a batch error record); `/v1` errors are OpenAI's
`{"error": {"message", "type", "param", "code"}}`, so OpenAI clients raise them as they would any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import PolicyError

DOCS_HINT = "接口说明见 /docs"


class ApiError(Exception):
    """An HTTP error with a user-facing message; `code`/`param` fill OpenAI's error fields."""

    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param


def from_user_error(exc: PolicyError) -> ApiError:
    """Bad input (exit code 2 on the command line) is a 400; anything else is the server's set-up (503)."""
    return ApiError(400 if exc.exit_code == 2 else 503, str(exc))


def error_body(path: str, err: ApiError) -> dict:
    if not is_openai(path):
        return {"error": err.message}
    kind = "server_error" if err.status >= 500 else "invalid_request_error"
    return {"error": {"message": err.message, "type": kind, "param": err.param, "code": err.code}}


def is_openai(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first problem of a pydantic/FastAPI validation error list, in Chinese."""
    if not errors:
        return f"请求格式有误：{DOCS_HINT}"
    e = errors[0]
    loc = [p for p in e.get("loc", ()) if p != "body"]
    kind = e.get("type", "")
    if kind == "json_invalid":
        detail = (e.get("ctx") or {}).get("error", "")
        return f"请求体不是有效的 JSON（{detail}）：请发送一个 JSON 对象，{DOCS_HINT}"
    field = _field(loc)
    if not loc or isinstance(loc[0], int):
        if kind == "missing":
            return f"请求体为空：请发送一个 JSON 对象（Content-Type: application/json），{DOCS_HINT}"
        if isinstance(e.get("input"), bytes | str):
            return f"请求体应为 JSON 对象：请加上请求头 Content-Type: application/json，{DOCS_HINT}"
        return f"请求体应为 JSON 对象，而不是 {_json_type(e.get('input'))}：{DOCS_HINT}"
    if kind == "missing":
        return f"缺少字段 {field}：{DOCS_HINT}"
    if kind == "string_type":
        return f"字段 {field} 应为字符串，而不是 {_json_type(e.get('input'))}"
    if kind == "list_type":
        return f"字段 {field} 应为列表，而不是 {_json_type(e.get('input'))}"
    if kind in ("bool_type", "bool_parsing"):
        return f"字段 {field} 应为 true 或 false"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"字段 {field} 应为 JSON 对象，而不是 {_json_type(e.get('input'))}"
    if kind in ("enum", "literal_error"):
        expected = str((e.get("ctx") or {}).get("expected", ""))
        choices = "、".join(re.findall(r"'([^']*)'", expected)) or expected
        return f"字段 {field} 的取值无效：应为 {choices} 之一"
    if kind == "too_short":
        return f"字段 {field} 不能为空"
    return f"字段 {field} 无效（{e.get('msg', kind)}）：{DOCS_HINT}"


def _field(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, str | bytes):
        return "字符串"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__
