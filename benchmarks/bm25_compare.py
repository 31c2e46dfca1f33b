"""bm25s (index/keyword.py now) against the project's own BM25 as it was (index/keyword.py at --rev).

The old module is read from git (`git show REV:index/keyword.py`), not copied. For each corpus (the
seeds, then synthetic corpora from benchmarks/synth.py): build time, query time over real questions,
whether the two rank the same (top 30 ids per question, and the score ratio), and save/load time
(bm25s's own files vs a scipy .npz of the old matrix). Tokenising is timed apart: both take the same
tokens.

    python benchmarks/bm25_compare.py --sizes 0,10000,100000     # 0 = the seed corpus

Prints a Markdown table; docs/benchmarks/bm25.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import types
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import questions  # noqa: E402
from benchmarks.synth import SEEDS, build_pool, generate, load_corpus  # noqa: E402

DEPTH = 30


def old_keyword(rev: str) -> types.ModuleType:
    """index/keyword.py as it was at `rev`, imported as a module of the `index` package."""
    src = subprocess.run(["git", "show", f"{rev}:index/keyword.py"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    mod = types.ModuleType("index._keyword_old")
    mod.__package__ = "index"
    mod.__file__ = str(ROOT / "index" / "keyword.py")
    sys.modules[mod.__name__] = mod  # dataclasses look their module up
    exec(compile(src, f"{rev}:index/keyword.py", "exec"), mod.__dict__)  # noqa: S102 - the project's own code
    return mod


def corpus_of(n: int):
    seeds = load_corpus(SEEDS)
    return seeds.clauses if n == 0 else generate(n, 0, build_pool(seeds)).clauses


def seconds(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def run(n: int, qs: list[str], old) -> dict:
    from scipy import sparse

    from assistant.query import named_things
    from assistant.retrieve import passage_text
    from index.keyword import BM25Index, Tokenizer

    clauses = corpus_of(n)
    terms = {c.title for c in clauses if c.title} | {u for c in clauses for u in c.units}
    terms |= named_things((c.text for c in clauses), pieces=False)
    tok = Tokenizer(extra_terms=terms)
    tok("知识产权")  # jieba's dictionary loads here, not in the timing
    ids = [c.clause_id for c in clauses]
    row: dict = {"clauses": len(clauses)}
    row["tokenize_s"], docs = seconds(lambda: [tok(passage_text(c)) for c in clauses])
    row["own_build_s"], own = seconds(lambda: old.BM25Index.build(ids, iter(docs)))
    row["bm25s_build_s"], ref = seconds(lambda: BM25Index.build(ids, iter(docs)))
    qtok = [tok(q) for q in qs]

    def own_q():
        return [own.top(t, DEPTH) for t in qtok]

    def ref_q():
        return [ref.top(t, DEPTH) for t in qtok]

    reps = max(1, 200 // len(qs))
    t_own, a = seconds(lambda: [own_q() for _ in range(reps)])
    t_ref, b = seconds(lambda: [ref_q() for _ in range(reps)])
    row["own_query_ms"] = t_own / reps / len(qs) * 1000
    row["bm25s_query_ms"] = t_ref / reps / len(qs) * 1000
    a, b = a[0], b[0]
    row["same_top30"] = sum([i for i, _ in x] == [i for i, _ in y] for x, y in zip(a, b))
    row["same_top1"] = sum([i for i, _ in x][:1] == [i for i, _ in y][:1] for x, y in zip(a, b))
    ratios = [sx / sy for x, y in zip(a, b) for (_, sx), (_, sy) in zip(x, y) if sy > 0]
    row["score_ratio_min_max"] = (min(ratios), max(ratios)) if ratios else (0, 0)
    row["questions"] = len(qs)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp)
        (p / "own").mkdir()
        row["own_save_s"], _ = seconds(lambda: (sparse.save_npz(p / "own" / "m.npz", own.matrix, compressed=False),
                                                (p / "own" / "vocab.json").write_text(json.dumps(own.vocab))))
        row["own_load_s"], _ = seconds(lambda: (sparse.load_npz(p / "own" / "m.npz").tocsc(),
                                                json.loads((p / "own" / "vocab.json").read_text())))
        row["own_mb"] = sum(f.stat().st_size for f in (p / "own").iterdir()) / 1e6
        row["bm25s_save_s"], _ = seconds(lambda: ref.save(p / "ref"))
        row["bm25s_load_s"], loaded = seconds(lambda: BM25Index.load(p / "ref", mmap=True))
        assert [loaded.top(t, DEPTH) for t in qtok] == b
        row["bm25s_mb"] = sum(f.stat().st_size for f in (p / "ref").iterdir()) / 1e6
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="0,10000,100000")
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--rev", default="2f915e3", help="commit whose index/keyword.py is the old BM25")
    args = ap.parse_args()
    qs = questions(args.questions)
    old = old_keyword(args.rev)
    rows = [run(int(s), qs, old) for s in args.sizes.split(",")]
    print(f"{len(qs)} real questions; 2 shared CPUs (load {os.getloadavg()[0]:.1f})\n")
    print("| clauses | tokenize (s) | build old / bm25s (s) | query old / bm25s (ms) | same top-30 / top-1 "
          "| save old .npz / bm25s (s) | load old .npz / bm25s mmap (s) | size old / bm25s (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['clauses']:,} | {r['tokenize_s']:.1f} | {r['own_build_s']:.2f} / {r['bm25s_build_s']:.2f} "
              f"| {r['own_query_ms']:.2f} / {r['bm25s_query_ms']:.2f} | {r['same_top30']}/{r['questions']} / "
              f"{r['same_top1']}/{r['questions']} | {r['own_save_s']:.2f} / {r['bm25s_save_s']:.2f} "
              f"| {r['own_load_s']:.3f} / {r['bm25s_load_s']:.3f} | {r['own_mb']:.0f} / {r['bm25s_mb']:.0f} |")
    print("\nscore ratio old / bm25s (1 where the two agree; the old build averaged document lengths over (doc, term) pairs): "
          + ", ".join(f"{r['clauses']:,}: {r['score_ratio_min_max'][0]:.4f}–{r['score_ratio_min_max'][1]:.4f}" for r in rows))
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
