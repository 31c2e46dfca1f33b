"""The CLI's edge: every failure becomes one Chinese line on stderr and an exit code, never a traceback,
from the main thread or any other."""

from __future__ import annotations

import os
import sys
import threading

from ..errors import STDOUT, explain


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
