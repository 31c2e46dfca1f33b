"""The manifest of a build and the fingerprint that keys it.

Keys: schema_version, fingerprint, embedder_name, count (passages), clauses, dim, built_at,
collection (its name in Chroma), probes (passage ids the integrity check looks up and queries
with); `active_manifest` adds location. Written last into an embedded build (DONE), and as the
pointer collection's metadata on a server; checked against what Chroma returns on every open.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from typing import Any

from .errors import BUILD_COMMAND, StaleIndexError
from .passages import Passage

# 2: rows are passages (clause_id, position in the metadata; ids "<clause>@<n>"); probes
SCHEMA_VERSION = 2


def fingerprint(passages: Sequence[Passage], embedder_name: str) -> str:
    """sha256 over SCHEMA_VERSION, the embedder name and every passage (id, clause, position,
    text, metadata): a changed corpus, passage splitting or embedder makes the index stale.
    The order of the passages does not matter."""
    h = hashlib.sha256()
    head = {"schema": SCHEMA_VERSION, "embedder": embedder_name}
    h.update(json.dumps(head, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    for p in sorted(passages, key=lambda p: p.id):
        row = [p.id, p.clause_id, int(p.position), p.text, dict(sorted(p.metadata.items()))]
        h.update(b"\n")
        h.update(json.dumps(row, ensure_ascii=False, default=list).encode("utf-8"))
    return h.hexdigest()


def probe_ids(ids: Sequence[str]) -> list[str]:
    """First, middle and last passage: looked up and queried on every open."""
    return list(dict.fromkeys([ids[0], ids[len(ids) // 2], ids[-1]])) if ids else []


def new_manifest(fp: str, embedder_name: str, passages: Sequence[Passage], dim: int) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "fingerprint": fp,
        "embedder_name": embedder_name,
        "count": len(passages),
        "clauses": len({p.clause_id for p in passages}),
        "dim": int(dim),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "probes": probe_ids([p.id for p in passages]),
    }


def to_metadata(manifest: dict[str, Any]) -> dict[str, str | int | float | bool]:
    """As Chroma collection metadata (scalars only): lists become JSON strings."""
    out: dict[str, str | int | float | bool] = {}
    for k, v in manifest.items():
        if isinstance(v, (str, int, float, bool)):
            out[k] = v
        elif isinstance(v, (list, tuple)):
            out[k] = json.dumps(list(v), ensure_ascii=False)
    return out


def from_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    if isinstance(out.get("probes"), str):
        try:
            out["probes"] = json.loads(out["probes"])
        except ValueError:
            out["probes"] = []
    return out


def check_fingerprint(manifest: dict[str, Any], expected: str) -> None:
    actual = str(manifest.get("fingerprint", ""))
    if actual == expected and manifest.get("schema_version") == SCHEMA_VERSION:
        return
    raise StaleIndexError(
        "索引已过期：现有索引（嵌入模型 {emb}，索引结构版本 {sv}，{n} 条，指纹 {fp}）"
        "与当前的嵌入模型、语料、段落切分或结构版本（期望指纹 {exp}）不一致，不能混用新旧向量。"
        "请运行 {cmd} 重建索引".format(
            emb=manifest.get("embedder_name", "?"),
            sv=manifest.get("schema_version", "?"),
            n=manifest.get("count", "?"),
            fp=actual[:12],
            exp=expected[:12],
            cmd=BUILD_COMMAND,
        ),
        expected=expected,
        actual=actual,
        manifest=manifest,
    )
