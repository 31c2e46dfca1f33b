"""Start-up at scale: from `Assistant(...)` to the first keyword answer, before and after the keyword
index is kept on disk.

Three starts on one synthetic corpus (benchmarks/synth.py), each in a fresh process: "before" is the
code before the change (`--rev`, checked out with `git worktree`), which builds the keyword index at
every start; "first" is this tree's first start (it builds the index and saves it beside the Chroma
builds); "again" is its next start (it loads it). Keyword retrieval only, so no model and no Chroma
enter the figures.

    python benchmarks/startup.py --sizes 100000           # ~10–20 min on 2 shared cores
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import proc_status_mb  # noqa: E402
from benchmarks.versions import checkouts, run_in, use_tree  # noqa: E402

QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"


def start(job: dict) -> dict:
    """One start, in its own process, with job["tree"]'s code."""
    use_tree(job["tree"])
    from assistant import Assistant, Settings
    from index import Corpus, ParsedDocument

    with open(job["corpus"], "rb") as f:
        docs, clauses = pickle.load(f)
    by_doc: dict = {}
    for c in clauses:
        by_doc.setdefault(c.doc_id, []).append(c)
    corpus = Corpus(documents=docs, parsed=[ParsedDocument(d, tuple(by_doc.get(d.doc_id, ())), "") for d in docs])
    settings = Settings(retrieval="keyword", data_dir=Path(job["data_dir"]), seeds_dir=Path(job["seeds"]))
    t0, c0 = time.perf_counter(), time.process_time()
    a = Assistant(settings, corpus=corpus)
    t1, c1 = time.perf_counter(), time.process_time()
    _ = a.retriever
    t2, c2 = time.perf_counter(), time.process_time()
    a.ask(QUESTION)
    t3, c3 = time.perf_counter(), time.process_time()
    opened = getattr(a, "keyword_index", None)
    return {"assistant_s": t1 - t0, "keyword_index_s": t2 - t1, "first_answer_s": t3 - t2, "total_s": t3 - t0,
            "keyword_index_cpu_s": c2 - c1, "total_cpu_s": c3 - c0,  # CPU time: less disturbed by other load
            "rss_mb": proc_status_mb(), "loaded": bool(opened and opened.loaded)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--rev", default="main", help="the code before the change")
    ap.add_argument("--start", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.start:
        print(json.dumps(start(json.loads(args.start.read_text(encoding="utf-8")))))
        return 0
    from benchmarks.synth import SEEDS, build_pool, generate, load_corpus

    rows = []
    with checkouts({"before": args.rev, "now": None}) as (trees, work):
        pool = build_pool(load_corpus(SEEDS))
        for n in (int(s) for s in args.sizes.split(",")):
            synth = generate(n, 0, pool)
            corpus = work / f"corpus-{n}.pickle"
            with open(corpus, "wb") as f:
                pickle.dump((list(synth.documents), list(synth.clauses)), f)
            job = {"corpus": str(corpus), "seeds": str(SEEDS)}
            row = {"n": n}
            for name, tree, data in (("before", trees["before"], "d-before"), ("first", trees["now"], "d-now"),
                                     ("again", trees["now"], "d-now")):
                row[name] = run_in(tree, __file__, "--start", {**job, "data_dir": str(work / f"{data}-{n}")}, work)
                print(f"{n:>7} {name}: {row[name]}", file=sys.stderr)
            rows.append(row)
    print("| clauses | start-up to the first keyword answer: before / first start (builds, saves) / next start (loads) "
          "| of which the keyword index | RSS after (MB) |")
    print("|---:|---:|---:|---:|")
    for r in rows:
        b, f, a = r["before"], r["first"], r["again"]
        print(f"| {r['n']:,} | {b['total_s']:.1f} / {f['total_s']:.1f} / {a['total_s']:.1f} s "
              f"| {b['keyword_index_s']:.1f} / {f['keyword_index_s']:.1f} / {a['keyword_index_s']:.2f} s "
              f"| {b['rss_mb']:.0f} / {f['rss_mb']:.0f} / {a['rss_mb']:.0f} |")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
