"""The dense side: the configured embedder and the Chroma index, opened (or built) once."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import Clause, Document
from index.embed import Embedder, load_embedder
from index.store import (
    BuildReport,
    ClauseIndex,
    IndexMissingError,
    StaleIndexError,
    StoreConfig,
    StoreError,
    build_index,
    fingerprint,
    open_index,
)

from .settings import Settings


def store_config(settings: Settings) -> StoreConfig:
    return StoreConfig(data_dir=Path(settings.store.data_dir), host=settings.store.chroma_host, port=settings.store.chroma_port)


BY_ID_LIMIT = 5000  # a filter naming at most this many clauses is scored here, from their vectors
RECHECK_S = 30.0  # how often a long-running process asks whether another one rebuilt the index


@dataclass
class DenseIndex:
    embedder: Embedder
    index: ClauseIndex
    cities: dict[str, str]
    cfg: StoreConfig
    fingerprint: str
    ids_of: dict[str, list[str]]
    checked_at: float = 0.0

    @classmethod
    def open(cls, settings: Settings, clauses: Sequence[Clause], documents: Sequence[Document],
             passage: Callable[[Clause], str], *, quiet: bool = False) -> DenseIndex:
        """Open the index for this corpus and embedder; build it first when missing or stale
        (another embedder, schema or corpus), never mixing vectors."""
        embedder = load_embedder(settings.store.embedder)
        cities = {d.doc_id: d.city for d in documents}
        cfg = store_config(settings)
        fp = fingerprint(clauses, embedder.name, passage=passage, cities=cities)
        try:
            index = open_index(cfg, fp)
        except (IndexMissingError, StaleIndexError) as exc:
            if not quiet:
                why = "索引已过期" if isinstance(exc, StaleIndexError) else "索引不存在"
                print(f"{why}，正在构建（{len(clauses)} 条，模型 {embedder.name}）…", file=sys.stderr)
            build(settings, clauses, documents, passage, embedder=embedder)
            index = open_index(cfg, fp)
        ids_of: dict[str, list[str]] = {}
        for c in clauses:
            ids_of.setdefault(c.doc_id, []).append(c.clause_id)
        return cls(embedder=embedder, index=index, cities=cities, cfg=cfg, fingerprint=fp, ids_of=ids_of,
                   checked_at=time.monotonic())

    def search(self, text: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Nearest clauses. Filtered to a few documents, the app scores their stored vectors itself:
        Chroma's `where` scans the whole collection (77 ms at 100k clauses, against 1 ms by id)."""
        self._reopen_if_rebuilt()
        v = self.embedder.embed_query(text)
        ids = [cid for d in doc_ids for cid in self.ids_of.get(d, ())] if doc_ids else []
        if ids and len(ids) <= BY_ID_LIMIT:
            got, vecs = self.index.vectors(ids)
            sims = vecs @ v  # unit vectors: cosine
            order = np.argsort(-sims, kind="stable")[:k]
            return [(got[i], float(sims[i])) for i in order]
        where = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        return self.index.query(v, k, where)

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


def build(settings: Settings, clauses: Sequence[Clause], documents: Sequence[Document],
          passage: Callable[[Clause], str], *, embedder: Embedder | None = None, force: bool = False,
          on_progress=None) -> BuildReport:
    embedder = embedder or load_embedder(settings.store.embedder)
    return build_index(
        store_config(settings), clauses, embedder.embed_passages, embedder.name,
        force=force, on_progress=on_progress, passage=passage, cities={d.doc_id: d.city for d in documents},
    )
