"""Chroma, opened the same way everywhere.

Vectors are always computed by the caller: collections are created and opened with
``embedding_function=None``, so Chroma never creates its default ONNX MiniLM model (which would
try to download to ~/.cache/chroma).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import StoreError, one_line


def chromadb():
    import chromadb as _chromadb  # noqa: PLC0415  (slow import, only when an index is used)

    return _chromadb


def _settings():
    from chromadb.config import Settings  # noqa: PLC0415

    return Settings(anonymized_telemetry=False)


def persistent_client(path: Path):
    """A PersistentClient on `path`. When Chroma fails to start (a damaged chroma.sqlite3), it keeps the
    half-started system in its per-path cache (chromadb 1.5.9: `SharedSystemClient._create_system_if_not_exists`
    stores it before `start()`), and every later client on that path fails with
    ``AttributeError: 'RustBindingsAPI' object has no attribute 'bindings'``: drop it from the cache."""
    try:
        return chromadb().PersistentClient(path=str(path), settings=_settings())
    except BaseException:
        _forget_failed_system(str(path))
        raise


def _forget_failed_system(identifier: str) -> None:
    from chromadb.api.shared_system_client import SharedSystemClient  # noqa: PLC0415

    with SharedSystemClient._refcount_lock:
        if identifier in SharedSystemClient._identifier_to_refcount:
            return  # a working client still uses it
        system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()


def http_client(host: str, port: int):
    try:
        client = chromadb().HttpClient(host=host, port=port, settings=_settings())
        client.heartbeat()
        return client
    except Exception as e:  # noqa: BLE001  (connection errors come in many types)
        raise StoreError(
            f"无法连接 Chroma 服务 http://{host}:{port}（{type(e).__name__}: {one_line(e, 100)}）："
            f"请先启动服务（chroma run --path <数据目录> --host {host} --port {port}），"
            "或不设置 host 改用本地嵌入模式"
        ) from e


def close(client) -> None:
    with contextlib.suppress(Exception):
        client.close()


def create_collection(client, name: str, metadata: Mapping[str, Any]):
    # embedding_function=None: no default EF is created; configuration sets cosine HNSW.
    return client.create_collection(
        name=name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata=dict(metadata) or None,
    )


def get_collection(client, name: str):
    return client.get_collection(name=name, embedding_function=None)


def find_collection(client, name: str):
    """The collection, or None when it does not exist."""
    try:
        return get_collection(client, name)
    except chromadb().errors.NotFoundError:
        return None
    except ValueError as e:  # some versions raise ValueError("Collection … does not exist")
        if "does not exist" in str(e):
            return None
        raise


def max_batch(client) -> int:
    return max(1, min(int(client.get_max_batch_size()), 1000))


def normalize_where(where: Mapping[str, Any] | None) -> dict | None:
    """Chroma wants exactly one key per where-dict; `{"doc_id": d, "units": {...}}` becomes
    an `$and` of the two. Anything already using operators is passed through."""
    if not where:
        return None
    where = dict(where)
    if len(where) > 1 and not any(k.startswith("$") for k in where):
        return {"$and": [{k: v} for k, v in where.items()]}
    return where
