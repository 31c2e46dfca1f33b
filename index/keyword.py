"""Keyword retrieval for Chinese policy text: tokens that suit it, and BM25 over them.

Plain whitespace tokenisation turns a Chinese sentence into one token, so the text is cut
with jieba (its dictionary extended with policy terms), with character bigrams, or both;
`evals` measures which. Scoring is bm25s's eager BM25 (Lucene) in a sparse doc×term matrix,
so a query costs one column sum per query term, whatever the corpus size; bm25s saves it
and loads it memory-mapped (`index/keyword_store.py` keeps it beside the Chroma builds).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources
from pathlib import Path

import bm25s
import numpy as np

from .normalize import normalise

DATA = resources.files("index").joinpath("data")  # lexicons: package data, in a wheel as in a checkout
TERMS_FILE = DATA.joinpath("policy_terms.txt")
SYNONYMS_FILE = DATA.joinpath("synonyms.tsv")
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

    def identity(self) -> str:
        """A digest of everything the tokens depend on: mode, extra terms, the policy terms file, this
        module's and the normaliser's code, jieba's and opencc's versions. A saved index built with
        another identity is stale."""
        h = hashlib.sha256(json.dumps([self.mode.value, self._terms], ensure_ascii=False).encode("utf-8"))
        package = resources.files("index")
        for f in (package.joinpath("keyword.py"), package.joinpath("normalize.py"), TERMS_FILE):
            h.update(f.read_bytes())
        for dist in ("jieba", "opencc", "bm25s"):
            h.update(f"{dist}=={importlib.metadata.version(dist)}".encode())
        return h.hexdigest()

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
def _glossary() -> tuple[tuple[str, str, bool], ...]:
    """(word, policy terms, whether the word is itself a sign the question is about IP)."""
    out = []
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            word, terms = line.split("\t", 1)
            context_only = word.startswith("~")
            # a trailing space asks for the whole word ("ip " is not "ipad"); an English word is otherwise a prefix
            word = word.lstrip("~").lstrip()
            out.append((normalise(word) + (" " if word.endswith(" ") else ""), terms.strip(), not context_only))
    return tuple(out)


@lru_cache(maxsize=1)
def _synonyms() -> tuple[tuple[str, str], ...]:
    return tuple((word, terms) for word, terms, _ in _glossary())


@lru_cache(maxsize=None)
def _english(word: str) -> re.Pattern[str]:
    whole = r"\b" if word.endswith(" ") else ""
    return re.compile(rf"\b{re.escape(word.strip())}{whole}")


def _found(word: str, norm_text: str) -> bool:
    if not word.isascii():
        return word in norm_text
    return word.strip() in norm_text and _english(word).search(norm_text) is not None  # the substring test is the cheap filter


def ip_words(norm_text: str) -> list[str]:
    """The glossary words of a (normalised) question that say it is about IP (山寨, 抢注, counterfeit),
    not those that only help the search (投诉, 银行, online)."""
    return [word for word, _, evidence in _glossary() if evidence and _found(word, norm_text)]


def expansions(norm_text: str) -> list[str]:
    """Policy terms for the everyday or English words in a (normalised) question."""
    return [terms for word, terms in _synonyms() if _found(word, norm_text)]


@dataclass
class BM25Index:
    """BM25 over pre-tokenised clauses, by bm25s (Lucene variant: Lucene idf, eager sparse scores).

    bm25s leaves out BM25's constant (k1 + 1) factor; `scores` puts it back, so a score over the
    query's idf mass keeps the 0‥~(k1+1) scale the retriever's thresholds were set on."""

    ids: list[str]
    vocab: dict[str, int]
    model: bm25s.BM25
    idf: np.ndarray

    @classmethod
    def build(cls, ids: Sequence[str], docs_tokens: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """`docs_tokens` may be a generator: one document's tokens are held at a time, as int32 ids."""
        vocab: dict[str, int] = {}
        docs = [array("i", [vocab.setdefault(t, len(vocab)) for t in tokens]) for tokens in docs_tokens]
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        model.index((docs, vocab), create_empty_token=False, show_progress=False)
        return cls(ids=list(ids), vocab=model.vocab_dict, model=model, idf=_idf(model))

    @property
    def nnz(self) -> int:
        return len(self.model.scores["data"])

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """One score per document: the sum of the query terms' columns (a repeated term counts again)."""
        ids = [self.vocab[t] for t in query_tokens if t in self.vocab]
        if not ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.model.get_scores_from_ids(ids) * np.float32(self.model.k1 + 1)

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

    def save(self, folder: Path) -> None:
        """bm25s's own files (CSC arrays as .npy, vocabulary, parameters) and the clause ids."""
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder), show_progress=False)
        (folder / IDS_FILE).write_text(json.dumps(self.ids, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> BM25Index:
        """What `save` wrote; with `mmap` the arrays are memory-mapped, read as queries touch them."""
        model = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False)
        ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        if len(ids) != model.scores["num_docs"]:
            raise ValueError(f"{folder}: {len(ids)} ids for {model.scores['num_docs']} documents")
        return cls(ids=ids, vocab=model.vocab_dict, model=model, idf=_idf(model))


IDS_FILE = "ids.json"


def _idf(model: bm25s.BM25) -> np.ndarray:
    """Lucene idf per term (bm25s keeps only the products): df is each column's length."""
    n, df = model.scores["num_docs"], np.diff(np.asarray(model.scores["indptr"])).astype(np.float64)
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def idf_of(index: BM25Index, token: str) -> float:
    return float(index.idf[index.vocab[token]]) if token in index.vocab else math.log(1.0 + len(index.ids))
