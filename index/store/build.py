"""One build sequence for every backend: embed → write aside → verify → commit → swap → clean up."""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import chroma
from .errors import (
    BUILD_COMMAND,
    BrokenPointerError,
    DamagedIndexError,
    IndexMissingError,
    StoreError,
    StoreIOError,
    io_error,
    one_line,
)
from .integrity import check_collection
from .manifest import SCHEMA_VERSION, fingerprint, new_manifest
from .passages import Passage, check_passages, row_metadata
from .protocol import Backend, EmbedFn, ProgressFn, Staging, StoreConfig
from .reader import backend_for, open_checked

DEFAULT_LOCK_TIMEOUT = 10.0


@dataclass
class BuildReport:
    fingerprint: str
    embedder_name: str
    skipped: bool
    count: int  # passages
    clauses: int = 0
    dim: int = 0
    location: str = ""  # build folder (embedded) or collection name (server)
    seconds: float = 0.0
    removed: list[str] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage
    repaired: str = ""  # the damage found in an index with this fingerprint, now rebuilt


def build_index(
    cfg: StoreConfig,
    passages: Sequence[Passage],
    embed_passages: EmbedFn,
    embedder_name: str,
    *,
    force: bool = False,
    on_progress: ProgressFn | None = None,
    batch_size: int = 32,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> BuildReport:
    """Embed `passages` and make them the active index, atomically.

    Skipped (report.skipped) when the active index already has this fingerprint and passes the
    integrity check, unless `force`; a damaged one is rebuilt (report.repaired says why).
    `on_progress(stage, done, total)` is called with the stages "embed", "write", "verify", "commit",
    "swap" (done=0 just before the pointer is replaced, 1 after) and "cleanup". Raises IndexBusyError
    when another builder holds the lock for longer than `lock_timeout` seconds; a read-only data dir
    or a full disk is a StoreIOError, and the old index stays active."""
    t0 = time.perf_counter()
    progress: ProgressFn = on_progress or (lambda _s, _d, _t: None)
    passages = list(passages)
    check_passages(passages)
    fp = fingerprint(passages, embedder_name)
    backend = backend_for(cfg)
    try:
        with backend.lock(lock_timeout):
            report = _build_locked(backend, passages, fp, embed_passages, embedder_name, force, progress,
                                   max(1, batch_size))
    except StoreError:
        raise
    except Exception as e:  # an OS refusal or Chroma failing to write: one line, the old index stays
        err = io_error(e, "构建索引", backend.where())
        if err is None and type(e).__module__.split(".")[0] == "chromadb":
            err = StoreError(f"构建索引失败（{type(e).__name__}: {one_line(e, 120)}）：原有索引（如有）未受影响；"
                             f"请重新运行 {BUILD_COMMAND}")
        if err is None:
            raise
        raise err from e
    finally:
        backend.close()
    report.seconds = time.perf_counter() - t0
    return report


def _build_locked(backend: Backend, passages: list[Passage], fp: str, embed: EmbedFn, embedder_name: str,
                  force: bool, progress: ProgressFn, batch_size: int) -> BuildReport:
    # Checked under the lock: a builder we waited for may have built exactly this.
    current = _active_or_none(backend)
    repaired = ""
    if current is not None and current.get("fingerprint") == fp and current.get("schema_version") == SCHEMA_VERSION:
        if not force:
            try:
                open_checked(backend, current).close()
                return BuildReport(fp, embedder_name, True, int(current.get("count", len(passages))),
                                   int(current.get("clauses", 0)), int(current.get("dim", 0)),
                                   str(current.get("location", "")))
            except StoreIOError:
                raise
            except StoreError as e:  # same fingerprint, broken data: rebuild it
                repaired = e.reason if isinstance(e, DamagedIndexError) else str(e)
    active = backend.name_of(current) if current else None
    keep = {n for n in (active, (current or {}).get("previous")) if n}
    stages: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + now - clock[0]
        clock[0] = now

    # Partial builds of crashed builders (and anything else not in use) go first: room on the disk.
    removed = backend.cleanup(keep)
    ids = [p.id for p in passages]
    texts = [p.text for p in passages]
    vectors = embed_all(texts, embed, batch_size, progress)
    lap("embed")
    manifest = new_manifest(fp, embedder_name, passages, vectors.shape[1])
    staging = backend.create(manifest)
    manifest["collection"] = staging.collection_name
    try:
        write(staging, ids, vectors, [row_metadata(p) for p in passages], texts, progress)
        lap("write")
        progress("verify", 0, 1)
        expected = {p: vectors[ids.index(p)] for p in manifest["probes"]}
        try:
            check_collection(backend.reopen(staging), manifest, staging.location, expected)
        except DamagedIndexError as e:
            raise StoreError(f"新索引校验失败（{e.reason}）：原有索引（如有）未受影响；请重新运行 {BUILD_COMMAND}") from None
        progress("verify", 1, 1)
        lap("verify")
        backend.commit(staging, manifest)
        progress("commit", 1, 1)
        lap("commit")
        progress("swap", 0, 1)
        backend.swap(staging, manifest, None if repaired else active)
        progress("swap", 1, 1)
        lap("swap")
    except Exception as e:
        # Chroma often reports a full disk as a failed compaction, naming no cause: look at the disk
        # itself while the partial build still fills it.
        full = io_error(e, "", "") is None and backend.low_on_space(staging)
        if not _is_active(backend, staging):
            backend.discard(staging)
        if full:
            raise StoreIOError(f"磁盘空间不足，构建索引失败（{staging.location} 所在磁盘几乎已满；"
                               f"Chroma 报告：{one_line(e, 80)}）：原有索引（如有）未受影响，仍可使用；"
                               f"请清理磁盘空间后重新运行 {BUILD_COMMAND}", errno.ENOSPC) from e
        raise
    except BaseException:
        if not _is_active(backend, staging):
            backend.discard(staging)
        raise
    progress("cleanup", 0, 1)
    # The build replaced just now stays for readers that opened it a moment ago, unless it was damaged.
    removed += backend.cleanup({staging.name} | ({active} if active and not repaired else set()))
    progress("cleanup", 1, 1)
    lap("cleanup")
    return BuildReport(fp, embedder_name, False, len(passages), manifest["clauses"], manifest["dim"],
                       staging.location, removed=removed, stages=stages, repaired=repaired)


def _active_or_none(backend: Backend) -> dict | None:
    """The active manifest; a broken or dangling pointer counts as no index, but a server that
    cannot be reached is said so instead of building blind."""
    try:
        return backend.active()
    except (IndexMissingError, BrokenPointerError):
        return None


def _is_active(backend: Backend, staging: Staging) -> bool:
    with contextlib.suppress(Exception):
        man = backend.active()
        return bool(man) and backend.name_of(man) == staging.name
    return False


def embed_all(texts: list[str], embed: EmbedFn, batch_size: int, progress: ProgressFn) -> np.ndarray:
    parts: list[np.ndarray] = []
    dim = 0
    progress("embed", 0, len(texts))
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        arr = np.asarray(embed(batch), dtype=np.float32)
        if arr.ndim != 2 or arr.shape[0] != len(batch) or arr.shape[1] == 0:
            raise StoreError(f"嵌入函数返回形状 {arr.shape}，应为 ({len(batch)}, 维度)：请检查嵌入模型")
        if dim and arr.shape[1] != dim:
            raise StoreError(f"嵌入维度前后不一致（{dim} 与 {arr.shape[1]}）：请检查嵌入模型")
        dim = arr.shape[1]
        if not np.all(np.isfinite(arr)) or np.any(np.linalg.norm(arr, axis=1) == 0):
            raise StoreError("嵌入函数返回了零向量或非法数值（NaN/inf）：请检查嵌入模型")
        parts.append(arr)
        progress("embed", min(start + batch_size, len(texts)), len(texts))
    return np.concatenate(parts, axis=0)


def write(staging: Staging, ids: list[str], vectors: np.ndarray, metas: list[dict], docs: list[str],
          progress: ProgressFn) -> None:
    n, batch = len(ids), chroma.max_batch(staging.client)
    progress("write", 0, n)
    for s in range(0, n, batch):
        e = min(n, s + batch)
        staging.collection.add(ids=ids[s:e], embeddings=vectors[s:e], metadatas=metas[s:e], documents=docs[s:e])
        progress("write", e, n)
