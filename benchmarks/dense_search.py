"""What the dense side's search costs: vectors held in memory against Chroma's own query.

    python benchmarks/dense_search.py [-n 200] [--rounds 3]

Opens the index the app uses (embedded defaults, bundled model), embeds n questions of the own set once
(the query cache then serves them, so the figures are the search alone), and times `DenseIndex.search`
over the whole corpus and over one question's documents: with the index's vectors in memory (the
default below `IN_MEMORY_LIMIT` passages) and with them left in Chroma. Prints medians, p95 and the
ratio per round, and the resident memory the held vectors take.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from benchmarks.common import p50_p95, questions  # noqa: E402


def _time(search, texts, docs) -> list[float]:
    out = []
    for text, d in zip(texts, docs):
        t = time.perf_counter()
        search(text, 30, d)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    a = Assistant(Settings())
    a.warm_up()
    dense = a.dense_index
    held = dense.memory
    texts = [a.understand(t).norm for t in questions(args.n)]
    docs = [list(a.understand(t).doc_ids) or None for t in questions(args.n)]
    for t in texts:
        dense.embedder.embed_query(t)  # filled once: what follows times the search, not the model
    mb = held.matrix.nbytes / 2**20 if held is not None else 0.0
    print(f"{len(texts)} questions, {len(held.ids) if held else '?'} passages held in memory ({mb:.2f} MB of vectors)")
    for r in range(args.rounds):
        row = []
        for label, where in (("whole corpus", [None] * len(texts)), ("named documents", docs)):
            dense.memory = held
            mem = p50_p95(_time(dense.search, texts, where))
            dense.memory = None
            chroma = p50_p95(_time(dense.search, texts, where))
            dense.memory = held
            row.append(f"{label}: memory {mem[0]:.2f} / {mem[1]:.2f} ms, Chroma {chroma[0]:.2f} / {chroma[1]:.2f} ms "
                       f"(×{chroma[0] / max(mem[0], 1e-9):.0f})")
        print(f"round {r + 1}: " + "; ".join(row), flush=True)


if __name__ == "__main__":
    main()
