"""The dense side: the configured embedder and the Chroma index, opened (or built) once."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index import Clause, Document
from index.embed import Embedder, load_embedder
from index.store import (
    BuildReport,
    ClauseIndex,
    IndexMissingError,
    StaleIndexError,
    StoreConfig,
    build_index,
    fingerprint,
    open_index,
)

from .settings import Settings


def store_config(settings: Settings) -> StoreConfig:
    return StoreConfig(data_dir=Path(settings.data_dir), host=settings.chroma_host, port=settings.chroma_port)


@dataclass
class DenseIndex:
    embedder: Embedder
    index: ClauseIndex
    cities: dict[str, str]

    @classmethod
    def open(cls, settings: Settings, clauses: Sequence[Clause], documents: Sequence[Document],
             passage: Callable[[Clause], str], *, quiet: bool = False) -> DenseIndex:
        """Open the index for this corpus and embedder; build it first when missing or stale
        (another embedder, schema or corpus), never mixing vectors."""
        embedder = load_embedder(settings.embedder)
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
        return cls(embedder=embedder, index=index, cities=cities)

    def search(self, text: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        where = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        return self.index.query(self.embedder.embed_query(text), k, where)


def build(settings: Settings, clauses: Sequence[Clause], documents: Sequence[Document],
          passage: Callable[[Clause], str], *, embedder: Embedder | None = None, force: bool = False,
          on_progress=None) -> BuildReport:
    embedder = embedder or load_embedder(settings.embedder)
    return build_index(
        store_config(settings), clauses, embedder.embed_passages, embedder.name,
        force=force, on_progress=on_progress, passage=passage, cities={d.doc_id: d.city for d in documents},
    )
