"""`batch IN OUT`: one output line per input line, in order; bad lines get error records."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .answer import Answer
from .errors import UserError


@dataclass(frozen=True)
class BatchLine:
    number: int
    id: object = None
    question: str | None = None
    history: tuple[str, ...] = ()
    error: str = ""


def read_lines(raw: bytes) -> Iterator[BatchLine]:
    """Parse JSONL bytes line by line; every problem becomes an error line, none is skipped."""
    seen: set[str] = set()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the file
    for number, line in enumerate(lines, start=1):
        line = line.rstrip(b"\r")
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield BatchLine(number, error=f"第 {number} 行不是有效的 UTF-8（第 {exc.start} 字节）")
            continue
        if not text.strip():
            yield BatchLine(number, error=f"第 {number} 行为空")
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BatchLine(number, error=f"第 {number} 行不是有效的 JSON：{exc.msg}")
            continue
        if not isinstance(obj, dict):
            yield BatchLine(number, error=f"第 {number} 行应为 JSON 对象，实际为 {type(obj).__name__}")
            continue
        qid = obj.get("id")
        question = obj.get("question")
        if not isinstance(question, str) or not question.strip():
            yield BatchLine(number, id=qid, error=f"第 {number} 行缺少问题（question 字段为空或不是字符串）")
            continue
        key = json.dumps(qid, ensure_ascii=False)
        if qid is not None and key in seen:
            yield BatchLine(number, id=qid, error=f"第 {number} 行的 id {key} 与前面的行重复")
            continue
        seen.add(key)
        history = obj.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            history = []
        yield BatchLine(number, id=qid, question=question, history=tuple(history))


def answer_line(line: BatchLine, ask: Callable[[str, Sequence[str]], Answer]) -> dict:
    """The output record of one input line (the CLI's and the HTTP API's): its answer plus its id,
    or an error record."""
    if line.error:
        return {"id": line.id, "error": line.error}
    try:
        return {"id": line.id, **ask(line.question, line.history).to_json()}
    except UserError as exc:
        return {"id": line.id, "error": f"第 {line.number} 行：{exc}"}


def run_batch(input_path: str, output_path: str, assistant) -> int:
    try:
        raw = sys.stdin.buffer.read() if input_path == "-" else open(input_path, "rb").read()
    except OSError as exc:
        raise UserError(f"无法读取输入文件 {input_path}：{exc.strerror}", exit_code=2) from None
    try:
        out = sys.stdout if output_path == "-" else open(output_path, "w", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"无法写入输出文件 {output_path}：{exc.strerror}", exit_code=2) from None
    ok = failed = 0
    with out if out is not sys.stdout else contextlib.nullcontext(out):
        for line in read_lines(raw):
            record = answer_line(line, assistant.ask)
            failed += "error" in record
            ok += "error" not in record
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
    print(f"批量问答完成：{ok + failed} 行，成功 {ok}，失败 {failed}", file=sys.stderr)
    return 1 if failed else 0

