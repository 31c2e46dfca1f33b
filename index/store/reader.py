"""Opening the active index: resolve the pointer, check the fingerprint, check the data, answer queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import chroma
from .embedded import EmbeddedBackend
from .errors import BUILD_COMMAND, IndexMissingError, StoreError, StoreIOError
from .integrity import check_collection
from .manifest import check_fingerprint
from .protocol import Backend, Opened, StoreConfig
from .server import ServerBackend

PAGE = 5000  # ids fetched per request by `all_ids`


def backend_for(cfg: StoreConfig) -> Backend:
    """The one place that tells the backends apart."""
    return ServerBackend(cfg) if cfg.server else EmbeddedBackend(cfg)


class PassageIndex:
    """An opened, fingerprint- and integrity-checked passage index. Use `open_index` to get one."""

    def __init__(self, cfg: StoreConfig, opened: Opened, manifest: dict):
        self.cfg = cfg
        self._opened = opened
        self._client = opened.client
        self._col = opened.collection
        self.manifest = manifest
        self.location = opened.location
        self.read_only = opened.read_only  # opened from a private copy of a read-only data dir
        self.fingerprint: str = manifest["fingerprint"]
        self.embedder_name: str = manifest.get("embedder_name", "")
        self.dim: int = int(manifest.get("dim", 0))
        self._count = int(self._col.count())

    def count(self) -> int:
        return self._count

    def query(self, vector: np.ndarray, k: int, where: Mapping[str, Any] | None = None) -> list[tuple[str, str, float]]:
        """The k nearest passages as (passage_id, clause_id, cosine similarity), best first.

        `where` is a Chroma filter over the row metadata, e.g. {"doc_id": "x"},
        {"units": {"$contains": "市商务局"}}, {"city": {"$in": ["郑州", "信阳"]}}; several plain keys
        are and-ed."""
        if k <= 0 or self._count == 0:
            return []
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if self.dim and v.shape[0] != self.dim:
            raise StoreError(
                f"查询向量维度 {v.shape[0]} 与索引维度 {self.dim} 不一致："
                f"请确认使用的嵌入模型与建索引时相同（{self.embedder_name}），或运行 {BUILD_COMMAND} 重建"
            )
        if not np.all(np.isfinite(v)) or not np.any(v):
            raise StoreError("查询向量为零向量或含非法数值，无法检索")
        res = self._col.query(
            query_embeddings=[v.tolist()],
            n_results=min(int(k), self._count),
            where=chroma.normalize_where(where),
            include=["distances", "metadatas"],
        )
        ids, metas = res["ids"][0], res["metadatas"][0]
        dists = res["distances"][0]
        return [(i, str((m or {}).get("clause_id", "")), float(1.0 - d))
                for i, m, d in zip(ids, metas, dists, strict=True)]

    def get(self, passage_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Row metadata (clause_id, position, doc_id, …, plus the embedded text as "passage") of the
        given passages that are indexed, in the order asked."""
        ids = list(dict.fromkeys(passage_ids))
        if not ids:
            return {}
        res = self._col.get(ids=ids, include=["metadatas", "documents"])
        out: dict[str, dict[str, Any]] = {}
        for i, meta, doc in zip(res["ids"], res["metadatas"], res["documents"], strict=True):
            m = dict(meta or {})
            m["units"] = list(m.get("units") or [])
            m["passage"] = doc or ""
            out[i] = m
        return {i: out[i] for i in ids if i in out}

    def vectors(self, passage_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Stored vectors of the given passages (an id look-up, not a filtered scan); the ids
        returned say which row is which."""
        ids = list(passage_ids)
        if not ids:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        res = self._col.get(ids=ids, include=["embeddings"])
        return list(res["ids"]), np.asarray(res["embeddings"], dtype=np.float32).reshape(-1, self.dim or 1)

    def all_ids(self) -> list[str]:
        out: list[str] = []
        while len(out) < self._count:
            page = self._col.get(include=[], limit=PAGE, offset=len(out))["ids"]
            if not page:
                break
            out += page
        return out

    def is_current(self) -> bool:
        """Whether this is still the active index (a rebuild may have swapped in another)."""
        backend = backend_for(self.cfg)
        try:
            man = backend.active()
        except StoreError:
            return False
        finally:
            backend.close()
        return bool(man) and man.get("location") == self.location

    def close(self) -> None:
        chroma.close(self._client)
        self._opened.release()

    def __enter__(self) -> PassageIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def missing_error(backend: Backend) -> IndexMissingError:
    return IndexMissingError(f"索引不存在：请先运行 {BUILD_COMMAND}（位置：{backend.where()}）")


def open_checked(backend: Backend, manifest: dict) -> PassageIndex:
    """Open the build `manifest` describes and check that it holds what the manifest says;
    DamagedIndexError when not. A build folder that turns out not to be writable (or on a full disk:
    Chroma writes whenever it opens) is opened from a private copy in the temp dir."""
    backend.precheck(manifest)
    try:
        return _open_and_check(backend, manifest, private_copy=False)
    except StoreIOError as e:
        if not backend.private_copies or not (e.read_only or e.disk_full):
            raise
    return _open_and_check(backend, manifest, private_copy=True)


def _open_and_check(backend: Backend, manifest: dict, private_copy: bool) -> PassageIndex:
    opened = backend.open(manifest, private_copy=private_copy)
    try:
        check_collection(opened.collection, manifest, opened.location)
    except BaseException:
        chroma.close(opened.client)
        opened.release()
        raise
    return PassageIndex(backend.cfg, opened, manifest)


def open_index(cfg: StoreConfig, expected_fingerprint: str) -> PassageIndex:
    """Open the active index; IndexMissingError if there is none, StaleIndexError if it was built for
    another fingerprint (then rebuild instead of mixing vectors), DamagedIndexError if its data is not
    what its manifest says."""
    backend = backend_for(cfg)
    try:
        for attempt in range(2):
            manifest = backend.active()
            if manifest is None:
                raise missing_error(backend)
            check_fingerprint(manifest, expected_fingerprint)
            try:
                return open_checked(backend, manifest)
            except StoreError:
                # A rebuild may have swapped twice and removed this build between reading the
                # pointer and opening it: resolve again once.
                try:
                    again = backend.active()
                except StoreError:
                    again = None
                if attempt or not again or backend.name_of(again) == backend.name_of(manifest):
                    raise
        raise AssertionError("unreachable")
    finally:
        backend.close()


def active_manifest(cfg: StoreConfig) -> dict | None:
    """The manifest of the active index (fingerprint, embedder_name, schema_version, count, clauses,
    dim, built_at, location, …), or None when there is none. Reads the pointer only."""
    backend = backend_for(cfg)
    try:
        return backend.active()
    finally:
        backend.close()


@dataclass
class IndexStatus:
    manifest: dict | None  # None: no index
    problem: str | None = None  # one line (damage, broken pointer) with the fix; None: healthy
    read_only: bool = False  # the build folder cannot be written (read-only, disk full): opened from a private copy


def index_status(cfg: StoreConfig) -> IndexStatus:
    """The active index's manifest and whether its data passes the integrity check (for `index status`)."""
    backend = backend_for(cfg)
    try:
        try:
            manifest = backend.active()
        except IndexMissingError:
            return IndexStatus(None)
        except StoreError as e:
            return IndexStatus({}, str(e))
        if manifest is None:
            return IndexStatus(None)
        try:
            idx = open_checked(backend, manifest)
        except StoreError as e:
            return IndexStatus(manifest, str(e))
        idx.close()
        return IndexStatus(manifest, None, idx.read_only)
    finally:
        backend.close()
