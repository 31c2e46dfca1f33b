"""`ask`, `batch` and `eval`: questions in, the contract's JSON out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..answer import Answer, Intent
from ..errors import UserError
from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="提一个问题（--json 输出合同规定的 JSON 对象）")
    p.add_argument("question", nargs="?", help="问题；省略则从标准输入读取")
    p.add_argument("--json", action="store_true", help="输出 JSON 对象")
    p.add_argument("--intent", choices=[i.value for i in Intent], help="指定问题类型，不自动识别")
    p.add_argument("--doc", action="append", default=[], metavar="DOC_ID", help="只在这份文件中查找（可重复）")
    p.add_argument("--history", action="append", default=[], metavar="QUESTION",
                   help="之前的问题（按顺序，可重复），用于理解“那郑州呢？”这类追问")
    p.set_defaults(handler=cmd_ask)
    b = sub.add_parser("batch", help="批量问答：IN.jsonl 每行 {id, question}，结果写入 OUT.jsonl")
    b.add_argument("input", help="输入 JSONL 文件（- 为标准输入）")
    b.add_argument("output", help="输出 JSONL 文件（- 为标准输出）")
    b.set_defaults(handler=cmd_batch)
    e = sub.add_parser("eval", help="运行评测：检索（关键词/向量/混合/基线）与回答质量，输出 Markdown 和 JSON")
    e.add_argument("--set", dest="qset", default=None, help="问题集 JSONL（默认 evals/questions.jsonl）")
    e.add_argument("--out", default="evals/results", help="结果目录")
    e.add_argument("--modes", default="keyword,dense,hybrid,baseline", help="比较的检索方式")
    e.set_defaults(handler=cmd_eval)


def _assistant(settings: Settings):
    from ..pipeline import Assistant  # noqa: PLC0415

    return Assistant(settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    # from stdin, no more than max_input_bytes characters: a pasted text with its question at the end is cut
    # to that question (caps.capped), so the end is read too
    question = args.question if args.question is not None else sys.stdin.read(settings.max_input_bytes)
    assistant = _assistant(settings)
    answer = assistant.ask(question, args.history, intent=Intent(args.intent) if args.intent else None,
                           doc_ids=_check_docs(assistant, args.doc))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(render_text(answer))
    return 0


def _check_docs(assistant, doc_ids: list[str]) -> list[str]:
    for d in doc_ids:
        if not assistant.corpus.document(d):
            known = "、".join(x.doc_id for x in assistant.corpus.documents)
            raise UserError(f"没有文件 {d}：可用的文件编号为 {known}", exit_code=2)
    return doc_ids


def render_text(answer: Answer) -> str:
    """The readable `ask`: the answer, then its numbered sources."""
    lines = [answer.answer]
    if answer.notice:
        lines += ["", f"（{answer.notice}）"]
    if answer.citations:
        lines += ["", "来源："]
        for c in answer.citations:
            units = f"\n    责任单位：{'、'.join(c.units)}" if c.units else ""
            lines.append(f"[{c.n}] {c.label}（{c.clause_id}）{units}")
    return "\n".join(lines)


def cmd_batch(args: argparse.Namespace, settings: Settings) -> int:
    from .. import batch  # noqa: PLC0415

    # both files opened before the models load: a bad path fails at once
    with batch.open_input(args.input) as src, batch.open_output(args.output, args.input) as out:
        return batch.run_batch(src, out, _assistant(settings), output_name=args.output,
                               max_line_bytes=settings.max_input_bytes)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals.harness import DEFAULT_SET, load_questions, run_eval, write_report  # noqa: PLC0415

    path = Path(args.qset) if args.qset else DEFAULT_SET
    questions = load_questions(path)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in ("keyword", "dense", "hybrid", "baseline")]
    if bad:
        raise UserError(f"未知的检索方式 {bad}：可选 keyword, dense, hybrid, baseline", exit_code=2)
    report = run_eval(_assistant(settings), questions, modes, set_name=path.name)
    md, js = write_report(report, Path(args.out), path.stem)
    print(report.to_markdown())
    print(f"结果已写入 {md} 和 {js}", file=sys.stderr)
    return 0
