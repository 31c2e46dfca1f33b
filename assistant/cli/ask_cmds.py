"""`ask`, `batch` and `eval`: questions in, the contract's JSON out."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from ..answer import Answer, Intent
from ..errors import UserError
from ..settings import Settings, settings_env


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
    e = sub.add_parser("eval", help="运行评测（即 python -m evals / policy-eval，在子进程中运行）：几个问题集并排，"
                                    "检索（关键词/向量/混合/基线）与回答质量，输出 Markdown 和 JSON",
                       description="评测工具的别名：在子进程中运行 python -m evals（也可直接用 policy-eval），"
                                   "本命令的全局设置以 POLICY_* 环境变量传给它。")
    e.add_argument("--sets", "--set", dest="sets", default=None, metavar="FILE,FILE…",
                   help="问题集 JSONL，逗号分隔（默认：存在的 evals/questions、holdout、blind）")
    e.add_argument("--out", default=None, help="结果目录（默认 evals/results）")
    e.add_argument("--modes", default=None, help="比较的检索方式（默认 keyword,dense,hybrid,baseline）")
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
    """Run the harness in its own process: `evals` drives `assistant`, never the other way round."""
    argv = [sys.executable, "-m", "evals"]
    for flag, value in (("--sets", args.sets), ("--out", args.out), ("--modes", args.modes)):
        if value is not None:
            argv += [flag, value]
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(argv, env=env, check=False).returncode
