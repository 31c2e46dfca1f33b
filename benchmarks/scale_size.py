"""One corpus size of `benchmarks/scale.py`, start to end, in its own process (`scale.py --worker`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
import time

import numpy as np

from benchmarks.common import p50_p95, proc_status_mb


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

