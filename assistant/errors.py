"""Errors a user can act on: one clean line, a fix in the message, a non-zero exit.

`PolicyError` (from `index.errors`) is the one base: index-side errors (catalog, parse, store, embedder) and
`UserError` derive from it, and the CLI and every web handler catch it.
"""

from __future__ import annotations

import os
import tempfile
import traceback

from pydantic import ValidationError

from index.errors import PolicyError, os_error_line

__all__ = ["BROKEN_PIPE_EXIT", "STDOUT", "PolicyError", "UserError", "explain", "os_error_line"]

BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away
STDOUT = "<stdout>"  # the file name the CLI gives standard output's write errors


class UserError(PolicyError):
    """Bad input or set-up; `exit_code` 2 for bad input, 1 for everything else."""


def explain(exc: BaseException) -> tuple[str, int]:
    """(the line to print, the exit code) for any exception that reached the edge."""
    if isinstance(exc, PolicyError):
        return str(exc), exc.exit_code
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"设置 {where}{_env_hint(where)} 无效：{first['msg']}", 2
    if isinstance(exc, BrokenPipeError):
        return os_error_line(exc, "写入标准输出", ""), BROKEN_PIPE_EXIT
    if isinstance(exc, OSError):
        return (os_error_line(exc, "写入标准输出", "") if exc.filename == STDOUT else os_error_line(exc)), 1
    if isinstance(exc, MemoryError):
        return "内存不足：请关闭其他程序，或缩小输入后重试", 1
    if isinstance(exc, RecursionError):
        return "输入嵌套过深，无法处理：请检查输入的格式", 1
    return f"内部错误（{_one_line(exc)}）{_saved(exc)}：请把这行和详情报告给维护者", 1


def _env_hint(where: str) -> str:
    from .settings import ENV_PREFIX, fields  # noqa: PLC0415 - only when a setting was refused

    info = dict(fields()).get(where)
    return f"（环境变量 {ENV_PREFIX}{info.json_schema_extra['env']}）" if info is not None else ""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _saved(exc: BaseException) -> str:
    """The traceback goes to a file, not to the terminal; say where."""
    try:
        fd, path = tempfile.mkstemp(prefix="policy-assistant-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return ""
    return f"，详情已写入 {path}"
