"""Hybrid retrieval: BM25 over Chinese tokens and dense vectors from Chroma, fused.

Chroma's own hybrid search is not available locally, so fusion happens here, by weighted
reciprocal rank fusion of three lists: clauses whose title the question quotes, BM25, and
dense. Measured on the question sets (`evals/`), the bundled 4-bit multilingual-e5-small
separates these near-identical policy clauses poorly (dense-only hit@1 ≈ 0.5), so the dense
list gets a small weight when BM25 has found the question's words, and an equal one when
it has not (English or paraphrased questions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from index import Clause
from index.keyword import BM25Index, Tokenizer
from index.normalize import normalise
from index.records import passage_text

from .substrings import SubstringIndex

# (query text, k, allowed doc ids or None) → [(clause_id, cosine)] best first
DenseSearch = Callable[[str, int, Sequence[str] | None], list[tuple[str, float]]]


class Mode(str, Enum):
    HYBRID = "hybrid"
    KEYWORD = "keyword"
    DENSE = "dense"


@dataclass
class Hit:
    clause_id: str
    score: float  # fused score, for ranking
    keyword: float = 0.0  # BM25, normalised by the query's idf mass (0‥~1)
    dense: float = 0.0  # cosine similarity
    dense_rank: int | None = None  # None: the dense side did not return it


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion: Σ w / (k + rank)."""
    out: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, cid in enumerate(ranking, start=1):
            out[cid] = out.get(cid, 0.0) + w / (k + rank)
    return out


class Retriever:
    def __init__(self, clauses: Sequence[Clause], tokenizer: Tokenizer, dense: DenseSearch | None,
                 depth: int = 30, keyword_weight: float = 1.0, dense_weight: float = 0.1,
                 weak_keyword: float = 0.15, bm25: BM25Index | None = None):
        self.clauses = {c.clause_id: c for c in clauses}
        self.order = [c.clause_id for c in clauses]
        self.tokenizer = tokenizer
        self.bm25 = bm25 or BM25Index.build(self.order, (tokenizer(passage_text(c)) for c in clauses))
        self._rows_of_doc: dict[str, np.ndarray] = {}
        for row, c in enumerate(clauses):
            self._rows_of_doc.setdefault(c.doc_id, []).append(row)
        self._rows_of_doc = {d: np.array(rows) for d, rows in self._rows_of_doc.items()}
        self.dense = dense
        self.depth = depth
        # measure titles (and chapter titles of .0 texts) a question may quote: 加强组织领导
        self._titles = SubstringIndex((normalise(c.title), (pos, c.clause_id, c.doc_id))
                                      for pos, c in enumerate(clauses) if len(c.title) >= 4)
        self.weights = (keyword_weight, dense_weight)
        self.weak_keyword = weak_keyword

    def search(self, text: str, k: int, doc_ids: Sequence[str] = (), mode: Mode = Mode.HYBRID,
               tokens: Sequence[str] | None = None) -> list[Hit]:
        tokens = list(tokens) if tokens is not None else self.tokenizer(text)
        depth = max(self.depth, k)
        kw: list[tuple[str, float]] = []
        dn: list[tuple[str, float]] = []
        if mode in (Mode.HYBRID, Mode.KEYWORD):
            allowed = self._doc_mask(doc_ids) if doc_ids else None
            norm = self.bm25.max_possible(tokens)
            kw = [(cid, s / norm) for cid, s in self.bm25.top(tokens, depth, allowed)]
        if mode in (Mode.HYBRID, Mode.DENSE) and self.dense is not None:
            dn = self.dense(text, depth, list(doc_ids) or None)
        dn_rank = {cid: r for r, (cid, _) in enumerate(dn, start=1)}
        kw_score, dn_score = dict(kw), dict(dn)
        titled = [] if mode is Mode.DENSE else self.title_matches(text, doc_ids)
        if mode is Mode.KEYWORD:
            fused = rrf([titled, [c for c, _ in kw]], (2.0, 1.0))
        elif mode is Mode.DENSE:
            fused = dict(dn)
        else:
            wk, wd = self.weights
            if not kw or kw[0][1] < self.weak_keyword:  # keyword side has little to say: trust the dense side
                wd = wk
            fused = rrf([titled, [c for c, _ in kw], [c for c, _ in dn]], (2.0, wk, wd), k=10)
        ranked = sorted(fused, key=lambda cid: -fused[cid])[:k]
        return [
            Hit(cid, fused[cid], kw_score.get(cid, 0.0), dn_score.get(cid, 0.0), dn_rank.get(cid))
            for cid in ranked
        ]


    def _doc_mask(self, doc_ids: Sequence[str]) -> np.ndarray:
        mask = np.zeros(len(self.order), dtype=bool)
        for d in doc_ids:
            if d in self._rows_of_doc:
                mask[self._rows_of_doc[d]] = True
        return mask

    def title_matches(self, text: str, doc_ids: Sequence[str] = ()) -> list[str]:
        """Clauses whose title the question quotes, longest title first, then in corpus order.
        The question's substrings are looked up, so the cost follows the question, not the corpus."""
        norm = normalise(text)
        out: list[str] = []
        for titles in self._titles.found(norm):
            hits = [(pos, cid) for t in titles for pos, cid, doc in self._titles.values[t] if not doc_ids or doc in doc_ids]
            out += [cid for _, cid in sorted(hits)]
        return out
