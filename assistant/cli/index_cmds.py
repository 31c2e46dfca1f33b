"""`index build`: embed the clauses into Chroma (idempotent, atomic)."""

from __future__ import annotations

import argparse
import sys
import time

from index import load_corpus

from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="管理检索索引")
    isub = p.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    b = isub.add_parser("build", help="构建索引（语料和模型不变时跳过；先建在旁边再原子替换）")
    b.add_argument("--force", action="store_true", help="即使没有变化也重建")
    b.set_defaults(handler=cmd_build)
    s = isub.add_parser("status", help="显示当前索引的指纹、模型和条数，并检查数据是否完好")
    s.set_defaults(handler=cmd_status)


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from ..dense import build  # noqa: PLC0415
    from ..retrieve import passage_text  # noqa: PLC0415

    corpus = load_corpus(settings.seeds_dir)
    t0 = time.perf_counter()

    shown = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed" and total:
            print(f"\r嵌入 {done}/{total}", end="", file=sys.stderr, flush=True)
            shown.append(done)

    try:
        report = build(settings, corpus.clauses, corpus.documents, passage_text, force=args.force,
                       on_progress=progress)
    finally:
        if shown:
            print(file=sys.stderr)  # end the progress line
    if report.skipped:
        print(f"索引已是最新（{report.count} 段，{report.embedder_name}），跳过。用 --force 强制重建。")
        return 0
    if report.repaired:
        print(f"原索引已损坏（{report.repaired}），已重建。")
    print(f"索引已构建：{report.count} 段（{report.clauses} 条），维度 {report.dim}，模型 {report.embedder_name}，"
          f"用时 {time.perf_counter() - t0:.1f} 秒 → {report.location}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from index.store import BUILD_COMMAND, index_status  # noqa: PLC0415

    from ..dense import store_config  # noqa: PLC0415

    status = index_status(store_config(settings))
    if status.manifest is None:
        print(f"索引不存在：请运行 {BUILD_COMMAND}")
        return 1
    for key in ("fingerprint", "embedder_name", "count", "clauses", "dim", "built_at", "location"):
        if key in status.manifest:
            print(f"{key}: {status.manifest[key]}")
    if status.problem:
        print(f"status: {status.problem}")
        return 1
    print("status: 完好（条数、指纹与抽样检索均与清单一致）" + ("；数据目录不可写（只读或磁盘已满），从临时副本打开" if status.read_only else ""))
    return 0
