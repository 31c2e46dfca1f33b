"""`python -m evals` / `policy-eval`: run question sets through the assistant and report them side by side."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .harness import RETRIEVAL_MODES, QuestionSetError, load_questions, run_eval, write_report
from .sets import default_sets, gaps, is_blind, parse_sets, side_by_side

DESCRIPTION = ("运行评测：检索（关键词/向量/混合/基线）与回答质量，几个问题集并排（自有集、留出集，"
               "以及存在时的盲测集 evals/blind.jsonl：只计分，不列出题目），输出 Markdown 和 JSON。"
               "设置（数据目录、嵌入模型等）取自 POLICY_* 环境变量和 --set。")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policy-eval", description=DESCRIPTION)
    found = ", ".join(x.name for x in default_sets()) or "无"
    p.add_argument("--sets", default=None, metavar="FILE,FILE…",
                   help=f"问题集 JSONL，逗号分隔（默认：evals/ 下存在的全部问题集；现有 {found}）")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                   help="一项设置（同 policy-assistant --set，可重复），优先于 POLICY_* 环境变量")
    p.add_argument("--out", default="evals/results", help="结果目录（每个问题集一份 .md/.json，另有 sets.md 并排对照）")
    p.add_argument("--modes", default=",".join(RETRIEVAL_MODES), help="比较的检索方式")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    for key, value in (("GRADIO_ANALYTICS_ENABLED", "False"), ("HF_HUB_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False")):
        os.environ.setdefault(key, value)
    args = build_parser().parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in RETRIEVAL_MODES]
    if bad:
        print(f"错误：未知的检索方式 {bad}：可选 {', '.join(RETRIEVAL_MODES)}", file=sys.stderr)
        return 2
    paths = parse_sets(args.sets)
    if not paths:
        print("错误：没有找到问题集：请用 --sets 指定 JSONL 文件", file=sys.stderr)
        return 2
    try:
        sets = {p.stem: (p, load_questions(p)) for p in paths}
    except QuestionSetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2

    from assistant import Assistant, Settings  # noqa: PLC0415 - the corpus and models load only now
    from assistant.errors import UserError  # noqa: PLC0415
    from assistant.settings import parse_assignments  # noqa: PLC0415

    try:
        overrides = parse_assignments(args.assignments)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2

    out = Path(args.out)
    try:
        assistant = Assistant(Settings(**overrides))
        reports = {}
        for name, (path, questions) in sets.items():
            report = run_eval(assistant, questions, modes, set_name=path.name)
            if is_blind(path):  # counted, never listed: nobody tunes on the blind set
                report.misses_withheld, report.failures = len(report.failures), []
            reports[name] = report
            md, js = write_report(report, out, name)
            print(f"{path.name}: {len(questions)} 题 → {md}, {js}", file=sys.stderr)
    except (UserError, ValueError, RuntimeError, OSError) as exc:
        if isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in ("index", "assistant", "evals",
                                                                              "pydantic_core"):
            print(f"错误：{exc}", file=sys.stderr)
            return getattr(exc, "exit_code", 1)
        raise
    table = side_by_side(reports)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sets.md").write_text(table, encoding="utf-8")
    (out / "sets.json").write_text(json.dumps({
        "sets": {n: {"file": str(sets[n][0].name), "questions": r.n_questions, "retrieval": r.retrieval,
                     "summary": r.summary} for n, r in reports.items()},
        "hit@1_gap_from_own": gaps(reports),
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table)
    print(f"并排对照已写入 {out / 'sets.md'}", file=sys.stderr)
    return 0
