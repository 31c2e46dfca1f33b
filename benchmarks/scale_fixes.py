"""Before/after figures for the fixes proposed to the costs that grow badly with the corpus.

`benchmarks/scale.py` shows which costs grow; this script times each one as the code has it
("before") and as the proposed patch would have it ("after", implemented here, the same
inputs), and checks that both give the same result. The patches themselves are written out
in docs/benchmarks/scale.md (notes); the files they touch belong to others, so nothing in
`index/` or `assistant/` is changed here.

    python benchmarks/scale_fixes.py                  # 1k, 10k, 100k (≈ 5 min)
    python benchmarks/scale_fixes.py --sizes 1000,10000

Writes docs/benchmarks/scale_fixes.md and scale_fixes.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.scale import questions  # noqa: E402
from benchmarks.synth import SEEDS, build_pool, generate, load_corpus  # noqa: E402
from index.normalize import normalise  # noqa: E402

OUT_DIR = ROOT / "docs" / "benchmarks"


# --------------------------------------------------------------------------- the patched versions


class TitleIndex:
    """Retriever.title_matches without the scan over every clause title: the question's own
    substrings (one pass per distinct title length) looked up in a dict of titles."""

    def __init__(self, clauses):
        self.by_title: dict[str, list[tuple[int, str, str]]] = {}
        for pos, c in enumerate(clauses):
            if len(c.title) >= 4:
                self.by_title.setdefault(normalise(c.title), []).append((pos, c.clause_id, c.doc_id))
        self.lengths = sorted({len(t) for t in self.by_title}, reverse=True)

    def matches(self, text: str, doc_ids: Sequence[str] = ()) -> list[str]:
        norm = normalise(text)
        out: list[str] = []
        for n in self.lengths:
            hits: list[tuple[int, str]] = []
            for t in {norm[i:i + n] for i in range(len(norm) - n + 1)} & self.by_title.keys():
                hits += [(pos, cid) for pos, cid, doc in self.by_title[t] if not doc_ids or doc in doc_ids]
            out += [cid for _, cid in sorted(hits)]
        return out


def bm25_scores_sliced(index, query_tokens: Sequence[str]) -> np.ndarray:
    """BM25Index.scores reading each query term's column straight from the CSC arrays
    (indptr/indices/data) instead of building a one-column matrix with getcol."""
    counts = Counter(t for t in query_tokens if t in index.vocab)
    out = np.zeros(len(index.ids), dtype=np.float32)
    m = index.matrix
    for term, count in counts.items():
        j = index.vocab[term]
        s, e = m.indptr[j], m.indptr[j + 1]
        out[m.indices[s:e]] += count * m.data[s:e]
    return out


class DocRows:
    """Retriever's document filter as precomputed row lists, instead of np.isin on a string array."""

    def __init__(self, doc_of: np.ndarray):
        self.n = len(doc_of)
        self.rows: dict[str, list[int]] = {}
        for i, d in enumerate(doc_of.tolist()):
            self.rows.setdefault(d, []).append(i)
        self.rows_np = {d: np.array(r, dtype=np.int64) for d, r in self.rows.items()}

    def mask(self, doc_ids: Sequence[str]) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        for d in doc_ids:
            r = self.rows_np.get(d)
            if r is not None:
                m[r] = True
        return m


class UnitKeys:
    """UnitDirectory.find without the scan over every (key, document, unit): keys in a dict,
    looked up by the text's substrings, longest length first; (key, document) in a second dict
    for look-ups limited to a few documents; duplicates dropped with a set (the scan's
    `any(...)` over the results so far is quadratic when a name is in thousands of documents)."""

    def __init__(self, keys: Sequence[tuple[str, str, str]]):
        self.by_key: dict[str, list[tuple[int, str, str]]] = {}
        self.by_key_doc: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        for pos, (key, doc_id, unit) in enumerate(keys):
            self.by_key.setdefault(key, []).append((pos, doc_id, unit))
            self.by_key_doc.setdefault((key, doc_id), []).append((pos, doc_id, unit))
        self.lengths = sorted({len(k) for k in self.by_key}, reverse=True)

    def find(self, text: str, doc_ids: Iterable[str] = ()):
        from assistant.units_lookup import UnitMatch

        allowed = set(doc_ids)
        text = text.lower()
        for n in self.lengths:
            hits = []
            for k in {text[i:i + n] for i in range(len(text) - n + 1)} & self.by_key.keys():
                if allowed and len(allowed) < len(self.by_key[k]):
                    for d in allowed:
                        hits += [(pos, doc, unit, k) for pos, doc, unit in self.by_key_doc.get((k, d), ())]
                else:
                    hits += [(pos, doc, unit, k) for pos, doc, unit in self.by_key[k] if not allowed or doc in allowed]
            if hits:
                out: list[UnitMatch] = []
                seen: set[tuple[str, str]] = set()
                for _, doc, unit, k in sorted(hits):
                    if (doc, unit) not in seen:
                        seen.add((doc, unit))
                        out.append(UnitMatch(doc, unit, k))
                return out
        return []


def unit_search(units, keys: UnitKeys, partial: str) -> list[tuple[str, str, int]]:
    """UnitDirectory.search (the explorer's department finder) with one look-up per document
    instead of one full `find` per (document, unit)."""
    partial = partial.strip().lower()
    out = []
    for doc_id, by_unit in units.by_doc.items():
        named = None
        for unit, ids in by_unit.items():
            if not partial or partial in unit.lower():
                out.append((doc_id, unit, len(ids)))
                continue
            if named is None:
                named = {m.unit for m in keys.find(partial, [doc_id])}
            if unit in named:
                out.append((doc_id, unit, len(ids)))
    return sorted(out, key=lambda t: (t[0], -t[2]))


class CorpusText:
    """`word in corpus_text` with a bigram pre-check: a word with a two-character piece that the
    corpus never has cannot be in it, and is rejected without scanning the whole text (misses —
    typos, foreign words — are exactly what query understanding asks about)."""

    def __init__(self, text: str):
        self.text = text
        self.bigrams = {text[i:i + 2] for i in range(len(text) - 1)}

    def __contains__(self, word: str) -> bool:
        if len(word) >= 2 and any(word[i:i + 2] not in self.bigrams for i in range(len(word) - 1)):
            return False
        return word in self.text


def distinctive_grouped(documents, tokenizer) -> dict[str, set[str]]:
    """query._distinctive_title_terms with siblings found by place (a dict), not by a scan of
    every document for every document."""
    import re

    by_place: dict[str, list] = {}
    for d in documents:
        by_place.setdefault(d.place, []).append(d)
    out: dict[str, set[str]] = {}
    for d in documents:
        siblings = [s for s in by_place[d.place] if s.doc_id != d.doc_id]
        if not siblings:
            continue
        mine = {t for t in tokenizer(d.title) if not t.startswith("#") and len(t) <= 8}
        theirs = "|".join(normalise(s.title) for s in siblings)
        tail = re.findall(r"[\u4e00-\u9fff]{2}$", re.sub(r"[（(].*?[)）]", "", normalise(d.title)))
        out[d.doc_id] = {t for t in mine if len(t) >= 3 and t not in theirs} | {t for t in tail if t not in theirs}
    return out


def bm25_build_lean(ids: Sequence[str], docs_tokens: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75):
    """BM25Index.build holding one document's tokens at a time (fed by a generator) and the
    (row, term, tf) triples in numpy arrays instead of three Python lists of ints."""
    from scipy import sparse

    from index.keyword import BM25Index, bm25_weights

    vocab: dict[str, int] = {}
    cols_parts, tf_parts = [], []
    doc_len = np.zeros(len(ids), dtype=np.float32)
    for row, tokens in enumerate(docs_tokens):
        doc_len[row] = len(tokens)
        counts = Counter(tokens)
        cols_parts.append(np.fromiter((vocab.setdefault(t, len(vocab)) for t in counts), np.int64, len(counts)))
        tf_parts.append(np.fromiter(counts.values(), np.float32, len(counts)))
    rows_a = np.repeat(np.arange(len(ids), dtype=np.int64), [len(p) for p in cols_parts])
    cols_a = np.concatenate(cols_parts) if cols_parts else np.zeros(0, np.int64)
    tf = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.float32)
    del cols_parts, tf_parts
    df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
    weights = bm25_weights(tf, df[cols_a], doc_len[rows_a], len(ids), k1, b)
    matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(len(ids), len(vocab)), dtype=np.float32)
    idf = np.log(1.0 + (len(ids) - df + 0.5) / (df + 0.5)).astype(np.float32)
    return BM25Index(ids=list(ids), vocab=vocab, matrix=matrix, idf=idf)


def speller_words(bodies: Iterable[str], posseg: bool) -> set[str]:
    """The CorpusView word list: jieba.posseg words (as now) or jieba.lcut words (proposed)."""
    import jieba

    from assistant.query import _posseg

    if posseg:
        return {w for b in bodies for w, _ in _posseg(normalise(b))}
    return {w for b in bodies for w in jieba.lcut(normalise(b))}


def speller_check(qs_all: Sequence[str]) -> dict:
    """On the real corpus: do the speller's corrections change when its word list comes from
    jieba.lcut instead of jieba.posseg? (Every question of the eval and holdout sets.)"""
    from assistant import Assistant, Settings
    from assistant.query import _fix_typos, is_common_word
    from assistant.spelling import Speller

    a = Assistant(Settings(retrieval="keyword", data_dir=Path(tempfile.gettempdir()) / "policy-fixes-kw"))
    view = a.view
    bodies = [c.body for c in a.corpus.clauses]
    base = [_fix_typos(normalise(q), view)[1] for q in qs_all]
    words = speller_words(bodies, posseg=False)
    words |= {w[i:i + 2] for w in list(words) if len(w) == 4 for i in (0, 2)}
    from assistant.query import named_things

    words |= named_things([view._corpus_text])
    view.speller = Speller.build(view._corpus_text, words, is_common_word)
    alt = [_fix_typos(normalise(q), view)[1] for q in qs_all]
    return {"questions": len(qs_all), "corrected": sum(1 for b in base if b),
            "differ": sum(1 for b, x in zip(base, alt) if b != x),
            "words_posseg": len(speller_words(bodies, True)), "words_lcut": len(speller_words(bodies, False))}


def bm25_memory(variant: str, n: int) -> dict:
    """Peak memory of building the keyword index, as Retriever does it ("before": every
    document's token list in one list, then the triples in Python lists) or lean ("after")."""
    import hashlib

    from assistant.query import named_things
    from assistant.retrieve import passage_text
    from benchmarks.scale import proc_status_mb
    from index.keyword import BM25Index, TokenMode, Tokenizer

    synth = generate(n, 0, build_pool(load_corpus(SEEDS)))
    clauses = synth.clauses
    terms = {c.title for c in clauses if c.title} | {u for c in clauses for u in c.units}
    terms |= named_things((c.text for c in clauses), pieces=False)
    tok = Tokenizer(TokenMode.BOTH, extra_terms=terms)
    tok("知识产权")  # jieba loaded before the baseline
    base = proc_status_mb()
    order = [c.clause_id for c in clauses]
    t = time.perf_counter()
    if variant == "before":
        index = BM25Index.build(order, [tok(passage_text(c)) for c in clauses])
    else:
        index = bm25_build_lean(order, (tok(passage_text(c)) for c in clauses))
    secs = time.perf_counter() - t
    m = index.matrix
    digest = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in (m.indptr, m.indices, m.data, index.idf))
                            + json.dumps(index.vocab, ensure_ascii=False).encode()).hexdigest()
    return {"variant": variant, "n": n, "seconds": secs, "baseline_mb": base,
            "peak_mb": proc_status_mb("self", "VmHWM"), "after_mb": proc_status_mb(), "digest": digest}


# --------------------------------------------------------------------------- timing


def per_call_ms(fn: Callable[[object], object], items: Sequence, rounds: int = 3) -> float:
    """Median over rounds of the mean ms per call over items."""
    for it in items[:3]:
        fn(it)
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        for it in items:
            fn(it)
        runs.append((time.perf_counter() - t) * 1000 / len(items))
    return statistics.median(runs)


def seconds(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def run(n: int, qs: list[str], pool, posseg_sample: int) -> dict:
    from assistant.query import _distinctive_title_terms, _posseg, named_things
    from assistant.retrieve import Mode, Retriever, passage_text
    from assistant.units_lookup import UnitDirectory
    from index.catalog import load_aliases
    from index.keyword import TokenMode, Tokenizer

    synth = generate(n, 0, pool)
    clauses, docs = synth.clauses, synth.documents
    row: dict = {"n": n, "docs": len(docs)}
    terms = {c.title for c in clauses if c.title} | {u for c in clauses for u in c.units}
    terms |= named_things((c.text for c in clauses), pieces=False)
    tok = Tokenizer(TokenMode.BOTH, extra_terms=terms)
    row["build_retriever_s"], r = seconds(lambda: Retriever(clauses, tok, None))
    norm_qs = [normalise(q) for q in qs]
    q_tokens = [tok(q) for q in qs]

    # 1. title matches
    ti = TitleIndex(clauses)
    assert all(r.title_matches(q) == ti.matches(q) for q in qs), "TitleIndex differs"
    row["title_before_ms"] = per_call_ms(r.title_matches, qs)
    row["title_after_ms"] = per_call_ms(ti.matches, qs)
    row["title_max_hits"] = max(len(ti.matches(q)) for q in qs)

    # 2. BM25 column sums
    assert all(np.array_equal(r.bm25.scores(t), bm25_scores_sliced(r.bm25, t)) for t in q_tokens)
    row["bm25_before_ms"] = per_call_ms(r.bm25.scores, q_tokens)
    row["bm25_after_ms"] = per_call_ms(lambda t: bm25_scores_sliced(r.bm25, t), q_tokens)

    # 3. the one-document filter mask
    dr = DocRows(r._doc_of)
    picks = [[docs[(i * 7919) % len(docs)].doc_id] for i in range(len(qs))]
    assert all(np.array_equal(np.isin(r._doc_of, p), dr.mask(p)) for p in picks)
    row["mask_before_ms"] = per_call_ms(lambda p: np.isin(r._doc_of, p), picks)
    row["mask_after_ms"] = per_call_ms(dr.mask, picks)

    # keyword search as a whole, before and after 1–3
    row["keyword_before_ms"] = per_call_ms(lambda q: r.search(q, 10, mode=Mode.KEYWORD), qs)
    orig_scores, orig_titles = type(r.bm25).scores, r.title_matches
    try:
        type(r.bm25).scores = bm25_scores_sliced
        r.title_matches = ti.matches
        row["keyword_after_ms"] = per_call_ms(lambda q: r.search(q, 10, mode=Mode.KEYWORD), qs)
    finally:
        type(r.bm25).scores = orig_scores
        r.title_matches = orig_titles

    # 4. department names in a question
    units = UnitDirectory(clauses, {d.doc_id: d.city for d in docs}, load_aliases(SEEDS))
    uk = UnitKeys(units._keys)
    assert all(units.find(q) == uk.find(q) for q in norm_qs), "UnitKeys differs"
    row["unit_keys"] = len(units._keys)
    row["units_before_ms"] = per_call_ms(units.find, norm_qs)
    row["units_after_ms"] = per_call_ms(uk.find, norm_qs)

    # the explorer's department finder: "before" only where it ends in reasonable time
    partials = ["公安", "市场监管", "海关"]
    row["unit_search_after_ms"] = per_call_ms(lambda p: unit_search(units, uk, p), partials, rounds=1)
    if n <= 1_000:
        assert all(units.search(p) == unit_search(units, uk, p) for p in partials), "unit_search differs"
        row["unit_search_before_ms"] = per_call_ms(units.search, partials, rounds=1)
    elif n <= 10_000:  # one call: about a minute
        t, found = seconds(lambda: units.search(partials[0]))
        assert found == unit_search(units, uk, partials[0]), "unit_search differs"
        row["unit_search_before_ms"] = t * 1000
    else:
        row["unit_search_before_ms"] = float("nan")

    # query understanding as a whole (CorpusView built as the Assistant builds it), before and
    # after 4; and what it spends its time on
    import cProfile
    import pstats

    from assistant.query import CorpusView, understand

    row["corpusview_s"], view = seconds(lambda: CorpusView(docs, clauses, units, tok))
    row["understand_before_ms"] = per_call_ms(lambda q: understand(q, view), qs, rounds=1)
    prof = cProfile.Profile()
    prof.enable()
    for q in qs:
        understand(q, view)
    prof.disable()
    st = pstats.Stats(prof).stats
    top = sorted(st.items(), key=lambda kv: -kv[1][2])[:6]  # by own time
    row["understand_top"] = [(f"{Path(k[0]).name}:{k[2]}", round(v[2] * 1000 / len(qs), 2)) for k, v in top]
    before = [understand(q, view) for q in qs]
    units.find = uk.find  # the patched look-ups, on these instances only
    row["understand_units_ms"] = per_call_ms(lambda q: understand(q, view), qs, rounds=1)
    row["corpus_text_build_s"], fast = seconds(lambda: CorpusText(view._corpus_text))
    text, view._corpus_text, view.speller.corpus_text = view._corpus_text, fast, fast
    row["understand_after_ms"] = per_call_ms(lambda q: understand(q, view), qs, rounds=1)
    assert [understand(q, view) for q in qs] == before, "patched understanding differs"
    del units.find
    view._corpus_text = view.speller.corpus_text = text

    # 5. siblings of each document (CorpusView start-up)
    row["distinct_before_s"], a = seconds(lambda: _distinctive_title_terms(docs, tok))
    row["distinct_after_s"], b = seconds(lambda: distinctive_grouped(docs, tok))
    assert a == b

    # 6. the speller's word list (CorpusView start-up): jieba.posseg over every clause body,
    # timed on a sample and scaled to n; the alternative reuses the BM25 build's jieba tokens
    sample = clauses[:: max(1, len(clauses) // posseg_sample)][:posseg_sample]
    import jieba

    _posseg("知识产权保护")  # loads jieba.posseg (not timed)
    _posseg.cache_clear()
    t, _ = seconds(lambda: [_posseg(normalise(c.body)) for c in sample])
    row["posseg_s_projected"] = t / len(sample) * len(clauses)
    t, _ = seconds(lambda: [jieba.lcut(normalise(c.body)) for c in sample])
    row["lcut_s_projected"] = t / len(sample) * len(clauses)

    # 8. the keyword index saved and loaded instead of rebuilt at every start
    from scipy import sparse

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp)
        t0 = time.perf_counter()
        sparse.save_npz(p / "bm25.npz", r.bm25.matrix.tocsc(), compressed=False)
        np.save(p / "idf.npy", r.bm25.idf)
        (p / "vocab.json").write_text(json.dumps(r.bm25.vocab, ensure_ascii=False))
        (p / "ids.json").write_text(json.dumps(r.bm25.ids))
        row["bm25_save_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        m = sparse.load_npz(p / "bm25.npz").tocsc()
        idf = np.load(p / "idf.npy")
        vocab = json.loads((p / "vocab.json").read_text())
        ids = json.loads((p / "ids.json").read_text())
        row["bm25_load_s"] = time.perf_counter() - t0
        row["bm25_disk_mb"] = sum(f.stat().st_size for f in p.iterdir()) / 2**20
        assert (m != r.bm25.matrix).nnz == 0 and vocab == r.bm25.vocab and ids == r.bm25.ids and np.array_equal(idf, r.bm25.idf)
    return row


def write_markdown(data: dict, path: Path) -> None:
    rows = data["sizes"]

    def line(label, before, after, unit="ms", nd=2):
        fmt = lambda v: "not run (hours)" if v != v else f"{v:,.{nd}f}"  # noqa: E731 - nan: skipped
        cells = " | ".join(f"{fmt(r[before])} → {fmt(r[after])}" for r in rows)
        return f"| {label} ({unit}) | {cells} |"

    head = "| cost | " + " | ".join(f"{r['n']:,} clauses ({r['docs']:,} docs)" for r in rows) + " |"
    L = [
        "# Scale fixes: before → after",
        "",
        f"Measured by `python benchmarks/scale_fixes.py` on {data['when']} (2 shared CPUs, so noisy), "
        f"{data['questions']} real questions; each 'after' is the patch P1–P9 proposed in `scale.md` (notes), run on "
        "the same inputs and checked to give the same result as 'before' (P7: see below).",
        "",
        head,
        "|---|" + "---:|" * len(rows),
        line("P1 `Retriever.title_matches` per question", "title_before_ms", "title_after_ms"),
        line("P2 `BM25Index.scores` per question", "bm25_before_ms", "bm25_after_ms"),
        line("P3 one-document filter mask (`np.isin`)", "mask_before_ms", "mask_after_ms", nd=3),
        line("P1–P3 keyword `Retriever.search` per question", "keyword_before_ms", "keyword_after_ms"),
        line("P4 `UnitDirectory.find` per question", "units_before_ms", "units_after_ms"),
        line("P4 `UnitDirectory.search` (explorer's department finder) per name", "unit_search_before_ms",
             "unit_search_after_ms", nd=1),
        line("P4 `understand()` per question (query understanding, whole)", "understand_before_ms", "understand_units_ms"),
        line("P4+P5 `understand()` per question", "understand_before_ms", "understand_after_ms"),
        line("P6 `_distinctive_title_terms` at start-up", "distinct_before_s", "distinct_after_s", "s"),
        "| P7 `CorpusView` speller words: jieba.posseg → jieba.lcut over every body (s, projected from a sample) | "
        + " | ".join(f"{r['posseg_s_projected']:.1f} → {r['lcut_s_projected']:.1f}" for r in rows) + " |",
        "| P9 keyword index: built at start → loaded from disk (s) | "
        + " | ".join(f"{r['build_retriever_s']:.1f} → {r['bm25_load_s']:.2f} ({r['bm25_disk_mb']:.0f} MB)" for r in rows) + " |",
        "",
        f"P7: on the real corpus the word lists differ slightly ({data['speller']['words_posseg']} posseg words, "
        f"{data['speller']['words_lcut']} lcut words); the speller's corrections differ on "
        f"{data['speller']['differ']} of the {data['speller']['questions']} eval + holdout questions "
        f"({data['speller']['corrected']} of them get a correction).",
        "",
        "Where `understand()` spends its time before the fixes (own time, ms per question): "
        + "; ".join(f"{r['n']:,}: " + ", ".join(f"{f} {ms}" for f, ms in r["understand_top"][:4]) for r in rows) + ".",
        "",
        "`CorpusView` start-up (s): " + ", ".join(f"{r['n']:,}: {r['corpusview_s']:.1f}" for r in rows)
        + "; P5's bigram set costs " + ", ".join(f"{r['n']:,}: {r['corpus_text_build_s']:.2f} s" for r in rows)
        + " more.",
        "",
        "Most clauses quoting one title: " + ", ".join(f"{r['n']:,}: {r['title_max_hits']:,}" for r in rows)
        + " (every clause with that title, in all documents, enters the fused list).",
        "",
    ]
    if data.get("bm25_memory"):
        L += ["P8: building the keyword index (`Retriever.__init__` → `BM25Index.build`), each variant in a fresh "
              "process; memory above the process's baseline (corpus loaded, jieba ready); both give byte-identical "
              "matrices:", "",
              "| clauses | peak before (MB) | peak after (MB) | seconds before | seconds after |", "|---:|---:|---:|---:|---:|"]
        for p in data["bm25_memory"]:
            b, a = p["before"], p["after"]
            L.append(f"| {b['n']:,} | {b['peak_mb'] - b['baseline_mb']:,.0f} | {a['peak_mb'] - a['baseline_mb']:,.0f} | "
                     f"{b['seconds']:.1f} | {a['seconds']:.1f} |")
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--mem-sizes", default="10000,100000", help="sizes for the keyword-index build memory figures")
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--posseg-sample", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--bm25-mem", nargs=2, metavar=("VARIANT", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--report-only", action="store_true", help="rewrite the Markdown from the saved JSON")
    args = ap.parse_args()
    if args.report_only:
        write_markdown(json.loads((args.out / "scale_fixes.json").read_text()), args.out / "scale_fixes.md")
        return 0
    if args.bm25_mem:
        print(json.dumps(bm25_memory(args.bm25_mem[0], int(args.bm25_mem[1]))))
        return 0
    pool = build_pool(load_corpus(SEEDS))
    qs = questions(args.questions)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        t = time.perf_counter()
        rows.append(run(n, qs, pool, args.posseg_sample))
        print(f"{n:>7}: {time.perf_counter() - t:.0f} s  {rows[-1]}", file=sys.stderr)
    all_qs = [json.loads(line)["question"] for f in ("questions.jsonl", "holdout.jsonl")
              for line in (ROOT / "evals" / f).read_text(encoding="utf-8").splitlines() if line.strip()]
    speller = speller_check(all_qs)
    print(f"speller: {speller}", file=sys.stderr)
    mem = []
    for n in (int(s) for s in args.mem_sizes.split(",") if s.strip()):
        pair = {}
        for variant in ("before", "after"):
            out = subprocess.run([sys.executable, __file__, "--bm25-mem", variant, str(n)], check=True,
                                 capture_output=True, text=True).stdout
            pair[variant] = json.loads(out.strip().splitlines()[-1])
        assert pair["before"]["digest"] == pair["after"]["digest"], "lean BM25 build differs"
        mem.append(pair)
        print(f"bm25 memory {n}: {pair}", file=sys.stderr)
    data = {"when": time.strftime("%Y-%m-%d %H:%M"), "questions": len(qs), "sizes": rows, "speller": speller,
            "bm25_memory": mem}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale_fixes.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))
    write_markdown(data, args.out / "scale_fixes.md")
    print((args.out / "scale_fixes.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
