"""Keyword retrieval for Chinese policy text: tokens that suit it, and BM25 over them.

Plain whitespace tokenisation turns a Chinese sentence into one token, so the text is cut
with jieba (its dictionary extended with policy terms), with character bigrams, or both;
`evals` measures which. Scoring is eager BM25 (Lucene idf) in a sparse doc×term matrix, so
a query costs one column sum per query term, whatever the corpus size.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from .normalize import normalise

TERMS_FILE = Path(__file__).resolve().parent / "data" / "policy_terms.txt"
SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.tsv"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9.%-]*")
# Function words and question scaffolding: they match everything and rank nothing.
STOPWORDS = frozenset(
    "的 了 和 与 及 等 对 在 是 有 为 将 把 被 由 从 向 以 并 或 也 都 就 而 之 其 中 上 下 "
    "什么 哪些 哪个 哪里 怎么 怎样 如何 是否 吗 呢 吧 啊 呀 请问 请 一下 我们 我 你 您 他们 "
    "有没有 能不能 可以 关于 相关 方面 情况 规定 要求 措施 这个 那个 这些 那些 一个 "
    "the a an of to in on for and or is are what which who how does do about with by".split()
)


_FILLER_CHARS = frozenset("的了吗呢吧啊呀么您你我们些哪什")


class TokenMode(str, Enum):
    JIEBA = "jieba"
    BIGRAM = "bigram"
    BOTH = "both"


_ADDED: set[str] = set()


def _jieba(extra_terms: tuple[str, ...]):
    """jieba's process-wide tokenizer, its dictionary extended with the policy terms. Shared
    with jieba.posseg: loading a second dictionary would cost about a second at start-up."""
    import jieba  # noqa: PLC0415 - a second or so to load; only when keyword search is used

    jieba.setLogLevel(60)
    terms = [t.strip() for t in TERMS_FILE.read_text(encoding="utf-8").splitlines()]
    for term in [*terms, *extra_terms]:
        if term and not term.startswith("#") and term not in _ADDED:
            jieba.add_word(normalise(term), freq=200000)
            _ADDED.add(term)
    return jieba.dt


class Tokenizer:
    """text → search tokens, in the normalised form (simplified, half-width, lower case)."""

    def __init__(self, mode: TokenMode = TokenMode.BOTH, extra_terms: Iterable[str] = ()) -> None:
        self.mode = TokenMode(mode)
        self._terms = tuple(sorted(set(extra_terms)))
        self._tk = None

    def __call__(self, text: str) -> list[str]:
        text = normalise(text)
        tokens: list[str] = _WORD.findall(text)
        if self.mode in (TokenMode.JIEBA, TokenMode.BOTH):
            tk = self._tk = self._tk or _jieba(self._terms)
            for run in _CJK_RUN.findall(text):
                tokens.extend(w for w in tk.lcut_for_search(run) if w not in STOPWORDS and len(w) > 1)
        if self.mode in (TokenMode.BIGRAM, TokenMode.BOTH):
            for run in _CJK_RUN.findall(text):
                tokens.extend(
                    "#" + run[i : i + 2]
                    for i in range(len(run) - 1)
                    if run[i] not in _FILLER_CHARS and run[i + 1] not in _FILLER_CHARS
                )
        return tokens


@lru_cache(maxsize=1)
def _synonyms() -> tuple[tuple[str, str], ...]:
    out = []
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            word, terms = line.split("\t", 1)
            out.append((normalise(word.strip()), terms.strip()))
    return tuple(out)


def expansions(norm_text: str) -> list[str]:
    """Policy terms for the everyday or English words in a (normalised) question."""
    found = []
    for word, terms in _synonyms():
        if word.isascii():
            if re.search(rf"\b{re.escape(word)}", norm_text):
                found.append(terms)
        elif word in norm_text:
            found.append(terms)
    return found


def bm25_weights(tf: np.ndarray, df: np.ndarray, doc_len: np.ndarray, n_docs: int,
                 k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """BM25 term weight for each (doc, term) pair given as parallel arrays (Lucene idf)."""
    avgdl = float(doc_len.mean()) if len(doc_len) else 1.0
    idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl))


@dataclass
class BM25Index:
    ids: list[str]
    vocab: dict[str, int]
    matrix: sparse.csc_matrix  # docs × terms, BM25 weights
    idf: np.ndarray

    @classmethod
    def build(cls, ids: Sequence[str], docs_tokens: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """`docs_tokens` may be a generator: one document's tokens are held at a time."""
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
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        weights = bm25_weights(tf, df[cols_a], doc_len[rows_a], len(ids), k1, b)
        matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(len(ids), len(vocab)), dtype=np.float32)
        idf = np.log(1.0 + (len(ids) - df + 0.5) / (df + 0.5)).astype(np.float32)
        return cls(ids=list(ids), vocab=vocab, matrix=matrix, idf=idf)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """One score per document: the sum of the query terms' columns (read from the CSC arrays)."""
        counts = Counter(t for t in query_tokens if t in self.vocab)
        out = np.zeros(len(self.ids), dtype=np.float32)
        m = self.matrix
        for term, count in counts.items():
            j = self.vocab[term]
            s, e = m.indptr[j], m.indptr[j + 1]
            out[m.indices[s:e]] += count * m.data[s:e]
        return out

    def top(self, query_tokens: Sequence[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The k best (id, score) with score > 0; `allowed` is a boolean mask over documents."""
        scores = self.scores(query_tokens)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in idx]

    def max_possible(self, query_tokens: Sequence[str]) -> float:
        """An upper bound for normalising: the query terms' idf mass."""
        return float(sum(self.idf[self.vocab[t]] for t in set(query_tokens) if t in self.vocab)) or 1.0


def idf_of(index: BM25Index, token: str) -> float:
    return float(index.idf[index.vocab[token]]) if token in index.vocab else math.log(1.0 + len(index.ids))
