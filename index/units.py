"""Responsible units (责任单位): find the printed list at a measure's end, split and normalise it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

OPENERS = "（([〔【"
CLOSERS = "）)]〕】"
_ROLE_SUFFIX = re.compile(r"(等)?(牵头负责|共同负责|按职责分工负责|分工负责|牵头|配合|负责|参与)$")
_ROLE_WORD = re.compile(r"(牵头|配合|负责)")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class UnitsFound:
    raw: str  # the printed list, as it stands between the brackets
    body_end: int  # where the measure's own text ends (the group starts here)
    names: tuple[str, ...]  # split, in printed order, before aliasing


def find_units(text: str) -> UnitsFound | None:
    """The responsibility group ending a measure: （责任单位：…） in any bracket form, or
    a trailing （A牵头，B、C配合） / （A负责） phrase. None where the measure prints none."""
    return _labelled_group(text) or _role_group(text)


def _labelled_group(text: str) -> UnitsFound | None:
    key = text.rfind("责任单位")
    if key < 0:
        return None
    start = key
    while start > 0 and (text[start - 1] in OPENERS or text[start - 1].isspace()):
        start -= 1
    if start == key:  # 责任单位 not opened by a bracket: part of a sentence, not a list
        return None
    m = re.compile(r"责任单位\s*[:：]\s*").match(text, key)
    if not m:
        return None
    raw = _strip_unbalanced_closers(text[m.end():].strip())
    return UnitsFound(raw=raw, body_end=start, names=split_units(raw))


def _role_group(text: str) -> UnitsFound | None:
    stripped = text.rstrip()
    if not stripped or stripped[-1] not in CLOSERS:
        return None
    depth, i = 0, len(stripped) - 1
    while i >= 0:
        ch = stripped[i]
        if ch in CLOSERS:
            depth += 1
        elif ch in OPENERS:
            depth -= 1
            if depth == 0:
                break
        i -= 1
    if i < 0:
        return None
    inner = stripped[i + 1 : -1].strip()
    if not _ROLE_WORD.search(inner) or "。" in inner or len(inner) > 300:
        return None
    names: list[str] = []
    for part in re.split(r"[，,；;]", inner):
        part = _ROLE_SUFFIX.sub("", _WS.sub("", part))
        names.extend(split_units(part))
    if not names:
        return None
    return UnitsFound(raw=inner, body_end=i, names=tuple(names))


def split_units(raw: str) -> tuple[str, ...]:
    """Split on 、，, at bracket depth 0; page-break whitespace inside a name is joined."""
    names, buf, depth = [], [], 0
    for ch in raw:
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；;":
            names.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    names.append("".join(buf))
    cleaned = (_WS.sub("", n).strip("。.") for n in names)
    return tuple(n for n in cleaned if n)


def normalise_units(names: tuple[str, ...], aliases: Mapping[str, str]) -> tuple[str, ...]:
    """Map each printed form to its canonical name (one city's table), drop repeats, keep order."""
    out: list[str] = []
    for name in names:
        canonical = aliases.get(name, name)
        if canonical not in out:
            out.append(canonical)
    return tuple(out)


def _strip_unbalanced_closers(s: str) -> str:
    """Drop the group's own closing brackets (）, )], 〕…) but keep a name's own （…）."""
    while s and s[-1] in CLOSERS:
        depth = sum(1 for c in s if c in OPENERS) - sum(1 for c in s if c in CLOSERS)
        if depth >= 0:
            break
        s = s[:-1].rstrip()
    return s
