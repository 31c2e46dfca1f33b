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
    s = isub.add_parser("status", help="显示当前索引的指纹、模型和条款数")
    s.set_defaults(handler=cmd_status)


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from ..dense import build  # noqa: PLC0415
    from ..retrieve import passage_text  # noqa: PLC0415

    corpus = load_corpus(settings.seeds_dir)
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed" and total:
            print(f"\r嵌入 {done}/{total}", end="", file=sys.stderr, flush=True)

    report = build(settings, corpus.clauses, corpus.documents, passage_text, force=args.force, on_progress=progress)
    print(file=sys.stderr)
    if report.skipped:
        print(f"索引已是最新（{report.count} 条，{report.embedder_name}），跳过。用 --force 强制重建。")
    else:
        print(f"索引已构建：{report.count} 条，维度 {report.dim}，模型 {report.embedder_name}，"
              f"用时 {time.perf_counter() - t0:.1f} 秒 → {report.location}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from index.store import active_manifest  # noqa: PLC0415

    from ..dense import store_config  # noqa: PLC0415

    manifest = active_manifest(store_config(settings))
    if not manifest:
        print("索引不存在：请运行 policy-assistant index build")
        return 1
    for key in ("fingerprint", "embedder_name", "count", "dim", "built_at", "location"):
        if key in manifest:
            print(f"{key}: {manifest[key]}")
    return 0
