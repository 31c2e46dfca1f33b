"""What the index stores: passages (a clause, a sentence of it, a short window), each pointing at its clause.

Row metadata: clause_id, position, and what the caller passes (for clauses: doc_id, chapter, measure,
title, label, n_units, units as a list of str so ``where={"units": {"$contains": "市商务局"}}`` works —
Chroma 1.5 rejects empty lists, so the key is left out when a clause names no unit, use
``{"n_units": 0}`` — and city when known).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import Clause, passage_text
from .errors import StoreError

RESERVED = ("clause_id", "position")  # row metadata the store sets itself


@dataclass(frozen=True)
class Passage:
    """One embedded text. `id` is unique in the index, e.g. "xinyang-opinions#1.3@2" (the clause's
    third sentence); `position` orders the passages of a clause."""

    id: str
    clause_id: str
    text: str
    position: int = 0
    metadata: Mapping[str, Any] = field(default_factory=dict)


def passage_id(clause_id: str, position: int) -> str:
    return f"{clause_id}@{position}"


def clause_metadata(clause: Clause, cities: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "doc_id": clause.doc_id,
        "chapter": int(clause.chapter),
        "measure": int(clause.measure),
        "title": clause.title,
        "label": clause.label,
        "n_units": len(clause.units),
    }
    if clause.units:
        meta["units"] = [str(u) for u in clause.units]
    city = (cities or {}).get(clause.doc_id)
    if city:
        meta["city"] = city
    return meta


def split_passages(
    clauses: Sequence[Clause],
    pieces: Callable[[Clause], Iterable[tuple[int, str]]],
    cities: Mapping[str, str] | None = None,
) -> list[Passage]:
    """Passages from each clause's (position, text) pieces — e.g. its sentences — each with the
    clause's metadata and the id "<clause_id>@<position>"."""
    out: list[Passage] = []
    for c in clauses:
        meta = clause_metadata(c, cities)
        out += [Passage(passage_id(c.clause_id, pos), c.clause_id, text, pos, meta) for pos, text in pieces(c)]
    return out


def one_passage_per_clause(
    clauses: Sequence[Clause],
    text: Callable[[Clause], str] = passage_text,
    cities: Mapping[str, str] | None = None,
) -> list[Passage]:
    """The default: each clause as one passage, its whole `text(clause)`, id "<clause_id>@0"."""
    return split_passages(clauses, lambda c: [(0, text(c))], cities)


def row_metadata(p: Passage) -> dict[str, Any]:
    """The Chroma row of a passage: its metadata plus clause_id and position."""
    meta = {k: v for k, v in p.metadata.items() if not (isinstance(v, list) and not v)}
    meta["clause_id"] = p.clause_id
    meta["position"] = int(p.position)
    return meta


def check_passages(passages: Sequence[Passage]) -> None:
    """Reject what Chroma would fail on halfway through a build, before anything is embedded."""
    if not passages:
        raise StoreError("没有可索引的条款：请先检查语料（seeds/catalog.toml）能否正常解析")
    seen: set[str] = set()
    dup: list[str] = []
    for p in passages:
        if p.id in seen:
            dup.append(p.id)
        seen.add(p.id)
        if not p.id or not p.clause_id or not p.text.strip():
            raise StoreError(f"段落 {p.id!r}（条款 {p.clause_id!r}）缺少编号或正文：请检查段落切分")
        bad = [k for k in p.metadata if k in RESERVED]
        if bad:
            raise StoreError(f"段落 {p.id} 的元数据不能使用保留字段 {bad}：请改名")
    if dup:
        raise StoreError(f"段落编号重复：{', '.join(sorted(set(dup))[:5])}：请检查解析结果和段落切分")
