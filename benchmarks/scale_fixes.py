"""Before/after figures for the fixes to the costs that grew badly with the corpus.

`benchmarks/scale.py` shows which costs grow; this script times each one as the code was
before the fixes ("before": copies of the old functions, kept below) and as the code in the
tree has it now ("after"), on the same inputs, and checks that both give the same result.
The fixes (P1–P11) are described in docs/benchmarks/scale.md (notes); P9, keeping the keyword
index on disk, is only measured here.

    python benchmarks/scale_fixes.py                  # 1k, 10k, 100k (6–9 min on 2 shared cores)
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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.scale import questions  # noqa: E402
from benchmarks.synth import SEEDS, build_pool, generate, load_corpus  # noqa: E402
from index.normalize import normalise  # noqa: E402

OUT_DIR = ROOT / "docs" / "benchmarks"


# --------------------------------------------------------------------------- the code before the fixes
# Copies of the functions as they were before commit 7f5d815 ("before"); "after" is the code in
# the tree. Kept here so the comparison can be re-run.


def old_title_matches(titles: Sequence[tuple[str, str, str]], text: str, doc_ids: Sequence[str] = ()) -> list[str]:
    """Retriever.title_matches before: every (normalised title, clause id, doc id) tested with `in`."""
    norm = normalise(text)
    found = [(len(t), cid) for t, cid, doc in titles if t in norm and (not doc_ids or doc in doc_ids)]
    return [cid for _, cid in sorted(found, key=lambda x: -x[0])]


def old_scores(index, query_tokens: Sequence[str]) -> np.ndarray:
    """BM25Index.scores before: one `getcol` (a new one-column matrix) per query term."""
    counts = Counter(t for t in query_tokens if t in index.vocab)
    out = np.zeros(len(index.ids), dtype=np.float32)
    for term, count in counts.items():
        col = index.matrix.getcol(index.vocab[term])
        out[col.indices] += count * col.data
    return out


def old_unit_find(keys: Sequence[tuple[str, str, str]], text: str, doc_ids: Iterable[str] = ()):
    """UnitDirectory.find before: a scan over every (key, doc, unit), longest first."""
    from assistant.units_lookup import UnitMatch

    allowed = set(doc_ids)
    text = text.lower()
    best_len, out = 0, []
    for key, doc_id, unit in keys:
        if len(key) < best_len:
            break
        if allowed and doc_id not in allowed:
            continue
        if key in text:
            best_len = len(key)
            if not any(m.doc_id == doc_id and m.unit == unit for m in out):
                out.append(UnitMatch(doc_id, unit, key))
    return out


def old_unit_search(units, partial: str) -> list[tuple[str, str, int]]:
    """UnitDirectory.search before: a full `find` per (document, unit)."""
    partial = partial.strip().lower()
    out = []
    for doc_id, by_unit in units.by_doc.items():
        for unit, ids in by_unit.items():
            if not partial or partial in unit.lower() or any(
                    m.unit == unit and m.doc_id == doc_id for m in old_unit_find(units._keys, partial, [doc_id])):
                out.append((doc_id, unit, len(ids)))
    return sorted(out, key=lambda t: (t[0], -t[2]))


def old_distinctive(documents, tokenizer) -> dict[str, set[str]]:
    """query._distinctive_title_terms before: siblings found by scanning every document."""
    import re

    out: dict[str, set[str]] = {}
    for d in documents:
        siblings = [s for s in documents if s.place == d.place and s.doc_id != d.doc_id]
        if not siblings:
            continue
        mine = {t for t in tokenizer(d.title) if not t.startswith("#") and len(t) <= 8}
        theirs = "|".join(normalise(s.title) for s in siblings)
        tail = re.findall(r"[\u4e00-\u9fff]{2}$", re.sub(r"[（(].*?[)）]", "", normalise(d.title)))
        out[d.doc_id] = {t for t in mine if len(t) >= 3 and t not in theirs} | {t for t in tail if t not in theirs}
    return out


def old_bm25_build(ids: Sequence[str], docs_tokens: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
    """BM25Index.build before: every (row, term, tf) in three Python lists."""
    from scipy import sparse

    from index.keyword import BM25Index, bm25_weights

    vocab: dict[str, int] = {}
    rows, cols, tfs = [], [], []
    doc_len = np.zeros(len(ids), dtype=np.float32)
    for row, tokens in enumerate(docs_tokens):
        doc_len[row] = len(tokens)
        for term, count in Counter(tokens).items():
            rows.append(row)
            cols.append(vocab.setdefault(term, len(vocab)))
            tfs.append(count)
    rows_a, cols_a = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    tf = np.array(tfs, dtype=np.float32)
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
    """On the real corpus: do the speller's corrections change between a word list from
    jieba.posseg (before) and from jieba.lcut (after, the tree)? Every eval and holdout question."""
    from assistant import Assistant, Settings
    from assistant.query import _fix_typos, is_common_word, named_things
    from assistant.spelling import Speller

    a = Assistant(Settings(retrieval="keyword", data_dir=Path(tempfile.gettempdir()) / "policy-fixes-kw"))
    view = a.view
    bodies = [c.body for c in a.corpus.clauses]
    after = [_fix_typos(normalise(q), view)[1] for q in qs_all]
    words = speller_words(bodies, posseg=True)
    words |= {w[i:i + 2] for w in list(words) if len(w) == 4 for i in (0, 2)}
    text = getattr(view._corpus_text, "text", view._corpus_text)
    words |= named_things([text])
    view.speller = Speller.build(view._corpus_text, words, is_common_word)
    before = [_fix_typos(normalise(q), view)[1] for q in qs_all]
    return {"questions": len(qs_all), "corrected": sum(1 for b in before if b),
            "differ": sum(1 for b, x in zip(before, after) if b != x),
            "words_posseg": len(speller_words(bodies, True)), "words_lcut": len(speller_words(bodies, False))}


def bm25_memory(variant: str, n: int) -> dict:
    """Peak memory of building the keyword index: "before", every document's token list in one
    list, then the triples in Python lists; "after", as Retriever does it now (a generator)."""
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
        index = old_bm25_build(order, [tok(passage_text(c)) for c in clauses])
    else:
        index = BM25Index.build(order, (tok(passage_text(c)) for c in clauses))
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

    # P1 title matches
    titles = [(normalise(c.title), c.clause_id, c.doc_id) for c in clauses if len(c.title) >= 4]
    assert all(r.title_matches(q) == old_title_matches(titles, q) for q in qs), "title_matches differs"
    row["title_before_ms"] = per_call_ms(lambda q: old_title_matches(titles, q), qs)
    row["title_after_ms"] = per_call_ms(r.title_matches, qs)
    row["title_max_hits"] = max(len(r.title_matches(q)) for q in qs)

    # P2 BM25 column sums
    assert all(np.array_equal(r.bm25.scores(t), old_scores(r.bm25, t)) for t in q_tokens), "scores differ"
    row["bm25_before_ms"] = per_call_ms(lambda t: old_scores(r.bm25, t), q_tokens)
    row["bm25_after_ms"] = per_call_ms(r.bm25.scores, q_tokens)

    # P3 the one-document filter mask
    doc_of = np.array([c.doc_id for c in clauses])
    picks = [[docs[(i * 7919) % len(docs)].doc_id] for i in range(len(qs))]
    assert all(np.array_equal(np.isin(doc_of, p), r._doc_mask(p)) for p in picks), "mask differs"
    row["mask_before_ms"] = per_call_ms(lambda p: np.isin(doc_of, p), picks)
    row["mask_after_ms"] = per_call_ms(r._doc_mask, picks)

    # keyword search as a whole, before and after P1–P2 (no document filter)
    row["keyword_after_ms"] = per_call_ms(lambda q: r.search(q, 10, mode=Mode.KEYWORD), qs)
    orig_scores = type(r.bm25).scores
    try:
        type(r.bm25).scores = old_scores
        r.title_matches = lambda text, doc_ids=(): old_title_matches(titles, text, doc_ids)
        row["keyword_before_ms"] = per_call_ms(lambda q: r.search(q, 10, mode=Mode.KEYWORD), qs)
    finally:
        type(r.bm25).scores = orig_scores
        del r.title_matches

    # P4 department names in a question
    units = UnitDirectory(clauses, {d.doc_id: d.city for d in docs}, load_aliases(SEEDS))
    assert all(units.find(q) == old_unit_find(units._keys, q) for q in norm_qs), "find differs"
    row["unit_keys"] = len(units._keys)
    row["units_before_ms"] = per_call_ms(lambda q: old_unit_find(units._keys, q), norm_qs)
    row["units_after_ms"] = per_call_ms(units.find, norm_qs)

    # the explorer's department finder: "before" only where it ends in reasonable time
    partials = ["公安", "市场监管", "海关"]
    row["unit_search_after_ms"] = per_call_ms(units.search, partials, rounds=1)
    if n <= 1_000:
        assert all(units.search(p) == old_unit_search(units, p) for p in partials), "search differs"
        row["unit_search_before_ms"] = per_call_ms(lambda p: old_unit_search(units, p), partials, rounds=1)
    elif n <= 10_000:  # one call: a minute or two
        t, found = seconds(lambda: old_unit_search(units, partials[0]))
        assert found == units.search(partials[0]), "search differs"
        row["unit_search_before_ms"] = t * 1000
    else:
        row["unit_search_before_ms"] = float("nan")

    # query understanding as a whole (CorpusView built as the Assistant builds it), before
    # (old find, plain-string corpus text) and after (the tree: P4 + P5); where the time goes before
    import cProfile
    import pstats

    from assistant.query import CorpusView, understand

    row["corpusview_s"], view = seconds(lambda: CorpusView(docs, clauses, units, tok))
    after = [understand(q, view) for q in qs]
    row["understand_after_ms"] = per_call_ms(lambda q: understand(q, view), qs, rounds=1)
    fast = view._corpus_text
    t0 = time.perf_counter()
    type(fast)(fast.text)
    row["corpus_text_build_s"] = time.perf_counter() - t0
    units.find = lambda text, doc_ids=(): old_unit_find(units._keys, text, doc_ids)
    row["understand_units_ms"] = per_call_ms(lambda q: understand(q, view), qs, rounds=1)  # P5 only
    view._corpus_text = view.speller.corpus_text = fast.text
    row["understand_before_ms"] = per_call_ms(lambda q: understand(q, view), qs, rounds=1)
    assert [understand(q, view) for q in qs] == after, "understanding differs"
    prof = cProfile.Profile()
    prof.enable()
    for q in qs:
        understand(q, view)
    prof.disable()
    st = pstats.Stats(prof).stats
    top = sorted(st.items(), key=lambda kv: -kv[1][2])[:6]  # by own time
    row["understand_top"] = [(f"{Path(k[0]).name}:{k[2]}", round(v[2] * 1000 / len(qs), 2)) for k, v in top]
    del units.find
    view._corpus_text = view.speller.corpus_text = fast

    # P6 siblings of each document (CorpusView start-up)
    row["distinct_before_s"], a = seconds(lambda: old_distinctive(docs, tok))
    row["distinct_after_s"], b = seconds(lambda: _distinctive_title_terms(docs, tok))
    assert a == b

    # P7 the speller's word list (CorpusView start-up): jieba.posseg (before) or jieba.lcut
    # (after) over every clause body, timed on a sample and scaled to n
    sample = clauses[:: max(1, len(clauses) // posseg_sample)][:posseg_sample]
    import jieba

    _posseg("知识产权保护")  # loads jieba.posseg (not timed)
    _posseg.cache_clear()
    t, _ = seconds(lambda: [_posseg(normalise(c.body)) for c in sample])
    row["posseg_s_projected"] = t / len(sample) * len(clauses)
    t, _ = seconds(lambda: [jieba.lcut(normalise(c.body)) for c in sample])
    row["lcut_s_projected"] = t / len(sample) * len(clauses)

    # P9 (not applied) the keyword index saved and loaded instead of rebuilt at every start
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
        f"{data['questions']} real questions. 'Before' is the code before commit 7f5d815 (kept in the script), "
        "'after' the code in the tree with fixes P1–P8 of `scale.md` (notes); P9 is only measured. Each pair runs on "
        "the same inputs and is checked to give the same result (P7: see below).",
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
        line("P5 `understand()` per question (query understanding, whole), P5 only", "understand_before_ms", "understand_units_ms"),
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
