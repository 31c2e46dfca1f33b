"""`batch IN OUT`: one output line per input line, in order; a line that cannot be read or answered, for
any reason, gets an error record and the run goes on. The input is streamed: one line in memory at a time,
and a line longer than the cap is skipped over without being held."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, BinaryIO, TextIO

from .answer import Answer
from .caps import capped_history, json_type
from .errors import BROKEN_PIPE_EXIT, PolicyError, UserError, os_error_line
from .settings import Settings

MAX_LINE_BYTES = Settings.model_fields["max_input_bytes"].default
_SKIP_CHUNK = 1 << 20


@dataclass(frozen=True)
class BatchLine:
    number: int
    id: object = None
    question: str | None = None
    history: tuple[str, ...] = ()
    error: str = ""


def raw_lines(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, the line without its line break or None when longer than `max_bytes`, its length)."""
    number = 0
    while chunk := stream.readline(max_bytes + 1):
        number += 1
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            size = len(chunk)
            while chunk and not chunk.endswith(b"\n"):  # the rest of the line, a chunk at a time
                chunk = stream.readline(_SKIP_CHUNK)
                size += len(chunk)
            yield number, None, size - chunk.endswith(b"\n")
            continue
        line = chunk[:-1] if chunk.endswith(b"\n") else chunk
        yield number, line, len(line)


def read_lines(source: bytes | BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[BatchLine]:
    """Parse JSONL line by line; every problem becomes an error line, none is skipped."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    seen: set[str] = set()
    for number, line, size in raw_lines(stream, max_bytes):
        if line is None:
            yield BatchLine(number, error=f"第 {number} 行过长（{size} 字节，上限 {max_bytes} 字节）：请缩短这一行")
            continue
        try:
            yield parse_line(number, line, seen)
        except Exception as exc:  # noqa: BLE001 - whatever it is, this line gets a record and the run goes on
            yield BatchLine(number, error=f"第 {number} 行无法读取（{type(exc).__name__}）")


def parse_line(number: int, line: bytes, seen: set[str]) -> BatchLine:
    """One JSONL line → a question or an error; `seen` holds the ids met so far (a repeat is an error)."""
    line = line.rstrip(b"\r")
    if number == 1 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    if b"\x00" in line:
        return BatchLine(number, error=f"第 {number} 行含有 NUL 字节（第 {line.index(0)} 字节）：输入应为 UTF-8 文本的 JSONL")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BatchLine(number, error=f"第 {number} 行不是有效的 UTF-8（第 {exc.start} 字节）")
    if not text.strip():
        return BatchLine(number, error=f"第 {number} 行为空")
    try:
        obj = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        return BatchLine(number, error=f"第 {number} 行不是有效的 JSON：{exc.msg}")
    except RecursionError:
        return BatchLine(number, error=f"第 {number} 行嵌套过深，无法读取：每行应为一个简单的 JSON 对象")
    except ValueError as exc:  # NaN/Infinity, a number with more than 4300 digits
        return BatchLine(number, error=f"第 {number} 行含有无法读取的数字（{str(exc)[:80]}）")
    if not isinstance(obj, dict):
        return BatchLine(number, error=f"第 {number} 行应为 JSON 对象，实际为{json_type(obj)}")
    qid = obj.get("id")
    key = json.dumps(qid, ensure_ascii=False, sort_keys=True)
    question = obj.get("question")
    if "question" not in obj:
        return BatchLine(number, id=qid, error=f"第 {number} 行缺少问题（没有 question 字段）")
    if not isinstance(question, str):
        return BatchLine(number, id=qid, error=f"第 {number} 行缺少问题（question 应为字符串，实际为{json_type(question)}）")
    if not question.strip():
        return BatchLine(number, id=qid, error=f"第 {number} 行缺少问题（question 为空）")
    if qid is not None and key in seen:
        return BatchLine(number, id=qid, error=f"第 {number} 行的 id {key[:80]} 与前面的行重复")
    seen.add(key)
    try:
        history = capped_history(obj.get("history"), sys.maxsize)  # cut where every question is: Assistant.ask
    except UserError as exc:
        return BatchLine(number, id=qid, error=f"第 {number} 行的 {exc}")
    return BatchLine(number, id=qid, question=question, history=tuple(history))


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} 不是 JSON 数字")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} 超出数字范围")
    return value


# ---------------------------------------------------------------------------- I/O


def open_input(path: str) -> contextlib.AbstractContextManager[BinaryIO]:
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)  # not closed after the run
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller's `with`
    except OSError as exc:
        raise UserError(os_error_line(exc, "读取输入文件", path), exit_code=2) from None


def open_output(path: str, input_path: str) -> contextlib.AbstractContextManager[TextIO]:
    if path == "-":
        return contextlib.nullcontext(sys.stdout)
    if input_path != "-" and os.path.exists(path) and os.path.samefile(path, input_path):
        raise UserError(f"输出文件 {path} 就是输入文件：请换一个输出文件名（否则输入会被覆盖）", exit_code=2)
    try:
        fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by _closed
    except OSError as exc:
        raise UserError(os_error_line(exc, "写入输出文件", path), exit_code=2) from None
    return _closed(fh, path)


@contextlib.contextmanager
def _closed(fh: TextIO, path: str) -> Iterator[TextIO]:
    """Close the output; after a write error, quietly (closing retries the failed write, and the error
    already said what went wrong)."""
    try:
        yield fh
    except BaseException:
        with contextlib.suppress(OSError):
            fh.close()
        raise
    try:
        fh.close()
    except OSError as exc:
        raise PolicyError(os_error_line(exc, "写入输出文件", path)) from None


def run_batch(src: BinaryIO, out: IO[str], assistant, *, output_name: str = "-",
              max_line_bytes: int = MAX_LINE_BYTES) -> int:
    """Answer each line as it is read; each record is written and flushed before the next line is read."""
    ok = failed = 0
    lines = read_lines(src, max_line_bytes)
    while True:
        try:
            line = next(lines, None)
        except OSError as exc:  # a read error mid-file (a failing disk): what was read is answered
            raise PolicyError(os_error_line(exc, "读取输入文件", "") + f"（已写出 {ok + failed} 行）") from None
        if line is None:
            break
        record = answer_line(line, assistant.ask)
        failed += "error" in record
        ok += "error" not in record
        try:
            out.write(_dump(record) + "\n")
            out.flush()
        except OSError as exc:
            where = "写入标准输出" if output_name == "-" else f"写入输出文件 {output_name}"
            raise PolicyError(os_error_line(exc, where, "") + f"（已写出 {ok + failed - 1} 行）",
                              exit_code=BROKEN_PIPE_EXIT if isinstance(exc, BrokenPipeError) else 1) from None
    print(f"批量问答完成：{ok + failed} 行，成功 {ok}，失败 {failed}", file=sys.stderr)
    return 1 if failed else 0


def answer_line(line: BatchLine, ask: Callable[[str, Sequence[str]], Answer]) -> dict:
    """The output record of one input line (the CLI's and the HTTP API's): its answer plus its id, or an
    error record; never raises."""
    if line.error:
        return {"id": line.id, "error": line.error}
    try:
        return {"id": line.id, **ask(line.question, line.history).to_json()}
    except PolicyError as exc:
        return {"id": line.id, "error": f"第 {line.number} 行：{exc}"}
    except OSError as exc:
        return {"id": line.id, "error": f"第 {line.number} 行：{os_error_line(exc)}"}
    except Exception as exc:  # noqa: BLE001 - one bad line never stops the run
        return {"id": line.id, "error": f"第 {line.number} 行：内部错误（{type(exc).__name__}: {str(exc)[:200]}）"}


def _dump(record: dict) -> str:
    try:
        return json.dumps(record, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):  # an id too deep to write back
        return json.dumps({"id": None, "error": record.get("error") or "无法写出这一行的结果（id 无法序列化）"},
                          ensure_ascii=False)
