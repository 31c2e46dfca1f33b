"""Responsible units (责任单位): find the printed list at a measure's end, split it, read roles.

How documents print roles (牵头单位：/配合单位：, A牵头, A（牵头）, 主办/协办 …) is data,
index/data/unit_roles.toml; this module reads any list in those terms.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

OPENERS = "（([〔【"
CLOSERS = "）)]〕】"
ROLES_FILE = resources.files("index").joinpath("data", "unit_roles.toml")  # package data, as in a wheel
_WS = re.compile(r"\s+")
_PARTS = "，,；;"  # separate role groups (A牵头，B、C配合) and labelled lists
_NAMES = "、，,；;"  # separate units within a list


class Role(str, Enum):
    LEAD = "lead"
    SUPPORT = "support"
    NONE = "none"


@dataclass(frozen=True)
class RolePhrases:
    """The role vocabulary of the document family (index/data/unit_roles.toml)."""

    labels: tuple[tuple[str, Role], ...]  # 牵头单位 → lead, longest first
    suffixes: tuple[tuple[str, Role], ...]  # 配合 → support, longest first
    prefixes: tuple[str, ...]  # 由
    unmarked_beside_lead: Role  # 责任单位：A（牵头）、B → B's role

    @classmethod
    def from_toml(cls, data: Mapping) -> RolePhrases:
        def table(name: str) -> tuple[tuple[str, Role], ...]:
            pairs = [(w, Role(role)) for role, words in data.get(name, {}).items() for w in words]
            return tuple(sorted(pairs, key=lambda p: -len(p[0])))

        rule = data.get("rules", {}).get("unmarked_beside_lead", "support")
        return cls(table("labels"), table("suffixes"), tuple(data.get("prefixes", {}).get("words", ())), Role(rule))

    @property
    def label_pattern(self) -> re.Pattern:
        words = "|".join(re.escape(w) for w, _ in self.labels)
        return re.compile(rf"({words})\s*[:：]\s*")


@lru_cache(maxsize=1)
def role_phrases(path: Path | Traversable = ROLES_FILE) -> RolePhrases:
    with path.open("rb") as fh:
        return RolePhrases.from_toml(tomllib.load(fh))


@dataclass(frozen=True)
class UnitsFound:
    raw: str  # the printed list, as it stands between the brackets
    body_end: int  # where the measure's own text ends (the group starts here)
    names: tuple[str, ...]  # every unit, split, in printed order, no role marks, before aliasing
    lead: tuple[str, ...] = ()  # those the document marks as leading (empty where it marks no roles)
    support: tuple[str, ...] = ()  # those it marks as cooperating


def find_units(text: str, phrases: RolePhrases | None = None) -> UnitsFound | None:
    """The responsibility group ending a measure: a labelled list （责任单位：…）/（牵头单位：…；
    配合单位：…） in any bracket form (or on its own lines), or a trailing role phrase
    （A牵头，B、C配合）/（A负责）. None where the measure prints none."""
    phrases = phrases or role_phrases()
    return _labelled_group(text, phrases) or _role_group(text, phrases)


def _labelled_group(text: str, phrases: RolePhrases) -> UnitsFound | None:
    """From the first label that opens the measure's tail (after a bracket, a full stop or at
    the start, with no sentence after it) to the end."""
    pattern = phrases.label_pattern
    matches = list(pattern.finditer(text))
    for m in matches:
        start = m.start()
        while start > 0 and text[start - 1].isspace():
            start -= 1
        bracketed = start > 0 and text[start - 1] in OPENERS
        while start > 0 and (text[start - 1] in OPENERS or text[start - 1].isspace()):
            start -= 1
        if not (bracketed or start == 0 or text[start - 1] in "。；;"):
            continue  # 各责任单位：… inside a sentence is not the list
        tail = _strip_unbalanced_closers(text[m.start():].strip())
        if "。" in tail.rstrip("。"):
            continue  # a sentence follows: not the measure's closing list
        inner = [x for x in matches if x.start() >= m.start()]
        plain = len(inner) == 1 and dict(phrases.labels)[m.group(1)] is Role.NONE
        raw = _strip_unbalanced_closers(text[m.end() if plain else m.start():].strip())
        segments: list[tuple[str, Role]] = []
        for i, lm in enumerate(inner):
            end = inner[i + 1].start() if i + 1 < len(inner) else len(text)
            role = dict(phrases.labels)[lm.group(1)]
            segments.append((text[lm.end():end], role))
        segments[-1] = (_strip_unbalanced_closers(segments[-1][0].strip()), segments[-1][1])
        return _found(raw, start, segments, phrases)
    return None


def _role_group(text: str, phrases: RolePhrases) -> UnitsFound | None:
    stripped = text.rstrip().rstrip("。").rstrip()
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
    if "。" in inner or len(inner) > 300:
        return None
    parts = _split_top(inner, _PARTS)
    if not any(_suffix_role(_WS.sub("", p), phrases)[1] for p in parts):
        return None  # a remark in brackets, not a list of who carries the measure
    found = _found(inner, i, [(inner, Role.NONE)], phrases)
    return found if found.names else None


def _found(raw: str, body_end: int, segments: Sequence[tuple[str, Role]], phrases: RolePhrases) -> UnitsFound:
    """Units with their roles: a unit's own mark (A（牵头）), else its part's suffix (A、B配合),
    else its label (配合单位：); unmarked units beside a marked lead take the rule's role."""
    units: list[tuple[str, Role]] = []
    for segment, label_role in segments:
        for part in _split_top(segment, _PARTS):
            part, suffix_role = _suffix_role(_WS.sub("", part), phrases)
            for name in split_units(part):
                name, own_role = _own_mark(name, phrases)
                name = _strip_prefix(name, phrases)
                if name:
                    units.append((name, own_role or suffix_role or label_role))
    names = tuple(dict.fromkeys(n for n, _ in units))
    if any(r is Role.LEAD for _, r in units):
        units = [(n, phrases.unmarked_beside_lead if r is Role.NONE else r) for n, r in units]
    lead = tuple(dict.fromkeys(n for n, r in units if r is Role.LEAD))
    support = tuple(dict.fromkeys(n for n, r in units if r is Role.SUPPORT and n not in lead))
    return UnitsFound(raw=raw, body_end=body_end, names=names, lead=lead, support=support)


def _suffix_role(part: str, phrases: RolePhrases) -> tuple[str, Role | None]:
    """Strip the role words ending a part (B、C等配合 → B、C, support). Role.NONE for words that
    name no role (按职责分工负责); None where the part ends with no role word."""
    role: Role | None = None
    stripped = True
    while stripped and part:
        stripped = False
        for word, r in phrases.suffixes:
            if part.endswith(word) and len(part) > len(word):
                part = part[: -len(word)]
                if role is None or role is Role.NONE:
                    role = r
                stripped = True
                break
    return part, role


def _own_mark(name: str, phrases: RolePhrases) -> tuple[str, Role | None]:
    """A unit's own bracketed mark: 市发改委（牵头） → (市发改委, lead); 各县（市、区） stays whole."""
    if not name or name[-1] not in CLOSERS:
        return name, None
    at = max(name.rfind(o) for o in OPENERS)
    if at <= 0:
        return name, None
    mark = name[at + 1 : -1].strip()
    for word, role in phrases.suffixes:
        if mark == word:
            return name[:at], role
    return name, None


def _strip_prefix(name: str, phrases: RolePhrases) -> str:
    for word in phrases.prefixes:
        if name.startswith(word) and len(name) > len(word) + 1:
            return name[len(word):]
    return name


def _split_top(raw: str, separators: str) -> list[str]:
    """Split on the separators at bracket depth 0 (各县（市、区）人民政府 stays one piece)."""
    parts, buf, depth = [], [], 0
    for ch in raw:
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        if depth == 0 and ch in separators:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def split_units(raw: str) -> tuple[str, ...]:
    """Split on 、，,；; at bracket depth 0; page-break whitespace inside a name is joined."""
    cleaned = (_WS.sub("", n).strip("。.") for n in _split_top(raw, _NAMES))
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
    """Drop the group's own closing brackets (）, )], 〕…) and a final 。 but keep a name's own （…）."""
    s = s.rstrip("。").rstrip()
    while s and s[-1] in CLOSERS:
        depth = sum(1 for c in s if c in OPENERS) - sum(1 for c in s if c in CLOSERS)
        if depth >= 0:
            break
        s = s[:-1].rstrip().rstrip("。").rstrip()
    return s


ENGLISH_FILE = resources.files("index").joinpath("data", "unit_english.toml")
SHORT_NAMES_FILE = resources.files("index").joinpath("data", "unit_short_names.toml")


@lru_cache(maxsize=1)
def english_unit_names(path: Path | Traversable = ENGLISH_FILE) -> dict[str, tuple[str, ...]]:
    """Chinese name part → English phrases users write for such a unit (index/data/unit_english.toml)."""
    with path.open("rb") as fh:
        names = tomllib.load(fh).get("names", {})
    return {zh: tuple(p.lower() for p in phrases) for zh, phrases in names.items()}


@lru_cache(maxsize=4)
def unit_short_names(path: Path | Traversable = SHORT_NAMES_FILE) -> tuple[tuple[str, str], ...]:
    """(long form, short form) of parts of Chinese unit names (index/data/unit_short_names.toml)."""
    with path.open("rb") as fh:
        names = tomllib.load(fh).get("names", {})
    return tuple(sorted(names.items(), key=lambda kv: -len(kv[0])))
