"""The CLI's edge: every failure becomes one Chinese line on stderr and an exit code, never a traceback,
from the main thread or any other."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import traceback

from pydantic import ValidationError

from ..errors import BROKEN_PIPE_EXIT, PolicyError, os_error_line

STDOUT = "<stdout>"


def explain(exc: BaseException) -> tuple[str, int]:
    """(the line to print, the exit code) for any exception that reached the edge."""
    if isinstance(exc, PolicyError):
        return str(exc), exc.exit_code
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"设置 {where} 无效：{first['msg']}", 2
    if isinstance(exc, BrokenPipeError):
        return os_error_line(exc, "写入标准输出", ""), BROKEN_PIPE_EXIT
    if isinstance(exc, OSError):
        return (os_error_line(exc, "写入标准输出", "") if exc.filename == STDOUT else os_error_line(exc)), 1
    if isinstance(exc, MemoryError):
        return "内存不足：请关闭其他程序，或缩小输入后重试", 1
    if isinstance(exc, RecursionError):
        return "输入嵌套过深，无法处理：请检查输入的格式", 1
    return f"内部错误（{_one_line(exc)}）{_saved(exc)}：请把这行和详情报告给维护者", 1


def report(exc: BaseException, where: str = "") -> int:
    """Print `错误：…` for `exc` and return its exit code."""
    line, code = explain(exc)
    quiet_stdout()
    try:
        print(f"错误{where}：{line}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr gone too: the exit code is all that is left
        pass
    return code


def quiet_stdout() -> None:
    """Flush stdout now; if it cannot be written (full device, closed pipe), point it at /dev/null so that
    the flush at exit does not print "Exception ignored …"."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass


class _NamedStdout:
    """sys.stdout whose write errors name it: an OSError from print() carries no file name, and "disk full"
    alone does not say which file."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            exc.filename = exc.filename or STDOUT
            raise

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            exc.filename = exc.filename or STDOUT
            raise


def install_hooks() -> None:
    """Exceptions outside `main`'s try (other threads, the interpreter's own hook) print one line too;
    stdout's errors name it."""
    if sys.stdout is not None and not isinstance(sys.stdout, _NamedStdout):
        sys.stdout = _NamedStdout(sys.stdout)
    sys.excepthook = lambda tp, exc, tb: report(exc)
    threading.excepthook = _thread_hook


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    report(args.exc_value, where=f"（后台线程 {name}）")


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
