"""The dense side: the configured embedder and the Chroma passage index, opened (or built) once."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index import Clause, Document
from index.embed import Embedder, load_embedder
from index.sentences import clause_scores, sentence_passages
from index.store import (
    BuildReport,
    IndexMissingError,
    Passage,
    PassageIndex,
    StaleIndexError,
    StoreConfig,
    StoreError,
    build_index,
    one_passage_per_clause,
    fingerprint,
    open_index,
)

from .settings import Settings


def store_config(settings: Settings) -> StoreConfig:
    return StoreConfig(data_dir=Path(settings.store.data_dir), host=settings.store.chroma_host, port=settings.store.chroma_port)


BY_ID_LIMIT = 5000  # a filter naming at most this many passages is scored here, from their vectors
IN_MEMORY_LIMIT = 20_000  # an index of at most this many passages is held in memory (30 MB at 384 dimensions)
RECHECK_S = 30.0  # how often a long-running process asks whether another one rebuilt the index


@dataclass
class Vectors:
    """A small index's vectors held in memory, scored exactly with one product: measured on the
    seed corpus (440 passages), a Chroma query for 390 neighbours took 59 ms and an id look-up
    9 ms, against well under 1 ms here. Larger indexes are searched in Chroma."""

    ids: list[str]
    matrix: np.ndarray  # one unit vector per row
    rows_of: dict[str, np.ndarray]  # doc_id → its rows

    @classmethod
    def load(cls, index: PassageIndex, passages_of: dict[str, list[str]]) -> Vectors:
        wanted = [pid for ids in passages_of.values() for pid in ids]
        got, matrix = index.vectors(wanted)
        row = {pid: i for i, pid in enumerate(got)}
        rows_of = {d: np.array([row[p] for p in ids if p in row], dtype=np.int64) for d, ids in passages_of.items()}
        return cls(got, matrix, rows_of)

    def nearest(self, v: np.ndarray, doc_ids: Sequence[str] | None) -> list[tuple[str, float]]:
        """(passage id, cosine) of the allowed rows, best first."""
        rows = np.concatenate([self.rows_of.get(d, np.zeros(0, dtype=np.int64)) for d in doc_ids]) if doc_ids \
            else np.arange(len(self.ids))
        sims = self.matrix[rows] @ v
        order = np.argsort(-sims, kind="stable")
        return [(self.ids[rows[i]], float(sims[i])) for i in order]


def passages_for(clauses: Sequence[Clause], documents: Sequence[Document],
                 passage: Callable[[Clause], str], granularity: str = "sentence") -> list[Passage]:
    """What the dense side embeds: every sentence of every clause (default), or one passage per
    clause (`dense_passages = "clause"`, to compare)."""
    cities = {d.doc_id: d.city for d in documents}
    if granularity == "clause":
        return one_passage_per_clause(clauses, passage, cities)
    return sentence_passages(clauses, cities)


@dataclass
class DenseIndex:
    embedder: Embedder
    index: PassageIndex
    cfg: StoreConfig
    fingerprint: str
    passages_of: dict[str, list[str]]  # doc_id → its passage ids
    clause_of: dict[str, str]  # passage id → clause id
    per_clause: int = 1  # passages of a clause at most: how much deeper than k a query goes
    checked_at: float = field(default_factory=time.monotonic)
    memory: Vectors | None = None  # the vectors, when the index is small enough to hold

    @classmethod
    def over(cls, embedder: Embedder, index: PassageIndex, cfg: StoreConfig,
             passages: Sequence[Passage]) -> DenseIndex:
        passages_of: dict[str, list[str]] = {}
        count: dict[str, int] = {}
        for p in passages:
            passages_of.setdefault(str(p.metadata.get("doc_id", "")), []).append(p.id)
            count[p.clause_id] = count.get(p.clause_id, 0) + 1
        memory = Vectors.load(index, passages_of) if len(passages) <= IN_MEMORY_LIMIT else None
        return cls(embedder=embedder, index=index, cfg=cfg, fingerprint=index.fingerprint,
                   passages_of=passages_of, clause_of={p.id: p.clause_id for p in passages},
                   per_clause=max(count.values(), default=1), memory=memory)

    @classmethod
    def open(cls, settings: Settings, clauses: Sequence[Clause], documents: Sequence[Document],
             passage: Callable[[Clause], str], *, quiet: bool = False) -> DenseIndex:
        """Open the index for these passages and this embedder; build it first when missing or stale
        (another embedder, schema, corpus or passage splitting), never mixing vectors."""
        embedder = load_embedder(settings.store.embedder)
        passages = passages_for(clauses, documents, passage, settings.store.dense_passages)
        cfg = store_config(settings)
        fp = fingerprint(passages, embedder.name)
        try:
            index = open_index(cfg, fp)
        except (IndexMissingError, StaleIndexError) as exc:
            if not quiet:
                why = "索引已过期" if isinstance(exc, StaleIndexError) else "索引不存在"
                print(f"{why}，正在构建（{len(passages)} 段，模型 {embedder.name}）…", file=sys.stderr)
            build(settings, clauses, documents, passage, embedder=embedder)
            index = open_index(cfg, fp)
        return cls.over(embedder, index, cfg, passages)

    def search(self, text: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Nearest clauses. A small index is scored in memory, exactly. In a large one, filtered to a few
        documents, the app scores their stored vectors itself: Chroma's `where` scans the whole
        collection (77 ms at 100k clauses, against 1 ms by id)."""
        self._reopen_if_rebuilt()
        v = self.embedder.embed_query(text)
        if self.memory is not None:
            return clause_scores((self.clause_of[pid], sim) for pid, sim in self.memory.nearest(v, doc_ids))[:k]
        ids = [pid for d in doc_ids for pid in self.passages_of.get(d, ())] if doc_ids else []
        if ids and len(ids) <= BY_ID_LIMIT:
            got, vecs = self.index.vectors(ids)
            sims = vecs @ v  # unit vectors: cosine
            order = np.argsort(-sims, kind="stable")
            return clause_scores((self.clause_of[got[i]], float(sims[i])) for i in order)[:k]
        where = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        hits = self.index.query(v, k * self.per_clause, where)
        return clause_scores((cid, sim) for _pid, cid, sim in hits)[:k]

    def _reopen_if_rebuilt(self) -> None:
        """Another process may rebuild the shared index (server mode); a build keeps only the
        previous collection, so a long-running process re-reads the pointer now and then."""
        now = time.monotonic()
        if now - self.checked_at < RECHECK_S:
            return
        self.checked_at = now
        if not self.index.is_current():
            try:
                fresh = open_index(self.cfg, self.fingerprint)
            except StoreError:  # rebuilt for another corpus or embedder: keep answering from ours
                return
            self.index.close()
            self.index = fresh
            if self.memory is not None:
                self.memory = Vectors.load(fresh, self.passages_of)


def build(settings: Settings, clauses: Sequence[Clause], documents: Sequence[Document],
          passage: Callable[[Clause], str], *, embedder: Embedder | None = None, force: bool = False,
          on_progress=None) -> BuildReport:
    embedder = embedder or load_embedder(settings.store.embedder)
    return build_index(store_config(settings), passages_for(clauses, documents, passage, settings.store.dense_passages),
                       embedder.embed_passages, embedder.name, force=force, on_progress=on_progress)
