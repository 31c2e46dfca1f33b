"""Does a build hold what its manifest says? Checked on every open, by `index status`, by a build
that would otherwise be skipped, and on the new build before it is swapped in.

Measured on a copy of the seed index with chroma.sqlite3 truncated, emptied, or 4 KiB of random
bytes written at 12 offsets: Chroma opens several of the damaged files and answers queries as if
nothing were wrong, and others make its Rust threads panic (printing a backtrace no Python code can
catch). SQLite's own `PRAGMA quick_check`, run first through Python's sqlite3 on a read-only
connection, caught every one (3 ms on the seed index, ≈ 0.7 s on an 800 MB file), so Chroma is
never let near a damaged file; the Chroma-level checks catch a file replaced by another valid one.
Not caught: bytes landing in a free page or the unused part of a page (no damage), and bytes changed
inside a stored value (a document's text, a number) without breaking the page's structure — that
would take reading back every row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FULL_ERRNOS, READ_ONLY_ERRNOS, DamagedIndexError, StoreError, chroma_errno, io_error, one_line

SQLITE_HEADER = b"SQLite format 3\x00"


def check_sqlite(db: Path, location: str) -> None:
    """DamagedIndexError unless `db` is a whole, well-formed SQLite file. Never writes."""
    try:
        with open(db, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise DamagedIndexError(location, f"{db.name} 不存在") from None
    except OSError as e:
        raise (io_error(e, "读取索引", db, building=False) or e) from e
    if not head:
        raise DamagedIndexError(location, f"{db.name} 是空文件")
    if head != SQLITE_HEADER:
        raise DamagedIndexError(location, f"{db.name} 不是 SQLite 数据库")
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise DamagedIndexError(location, f"{db.name}：{e}") from None
    if [r[0] for r in rows] != ["ok"]:
        raise DamagedIndexError(location, f"{db.name}：{rows[0][0] if rows else '无结果'}")


def check_collection(col, manifest: dict[str, Any], location: str,
                     expected: dict[str, np.ndarray] | None = None) -> None:
    """Count and fingerprint against the manifest, then the probe passages looked up and queried
    with their own vectors (each must come back first). `expected` maps probe ids to the vectors
    the build computed (the build's own check)."""
    try:
        _check(col, manifest, location, expected)
    except StoreError:
        raise
    except Exception as e:  # noqa: BLE001  (whatever Chroma raises on bad data: the index is damaged)
        code = chroma_errno(e)
        if code in READ_ONLY_ERRNOS or code in FULL_ERRNOS:
            raise io_error(e, "打开索引", location, building=False) from None
        raise DamagedIndexError(location, f"{type(e).__name__}: {one_line(e, 120)}") from None


def _check(col, manifest: dict[str, Any], location: str, expected: dict[str, np.ndarray] | None) -> None:
    n, want = int(col.count()), int(manifest.get("count", -1))
    if n != want:
        raise DamagedIndexError(location, f"存有 {n} 条，清单记录 {want} 条")
    fp = (col.metadata or {}).get("fingerprint")
    if fp != manifest.get("fingerprint"):
        raise DamagedIndexError(location, f"集合指纹 {str(fp)[:12]} 与清单 {str(manifest.get('fingerprint'))[:12]} 不一致")
    probes = [p for p in manifest.get("probes") or [] if isinstance(p, str)]
    if not probes:
        return
    got = col.get(ids=probes, include=["embeddings"])
    have = dict(zip(got["ids"], got["embeddings"], strict=True))
    missing = [p for p in probes if p not in have]
    if missing:
        raise DamagedIndexError(location, f"缺少段落 {missing[0]}")
    vecs = np.asarray([have[p] for p in probes], dtype=np.float32)
    if expected is not None:
        for p, v in zip(probes, vecs, strict=True):
            if not np.allclose(v, expected[p], atol=1e-5):
                raise DamagedIndexError(location, f"段落 {p} 读回的向量与写入的不同")
    res = col.query(query_embeddings=vecs, n_results=1, include=["distances"])
    for j, p in enumerate(probes):
        top = res["ids"][j][0] if res["ids"][j] else None
        if top != p and float(res["distances"][j][0]) > 1e-4:  # an identical vector may tie
            raise DamagedIndexError(location, f"段落 {p} 的向量检索得到 {top}")
