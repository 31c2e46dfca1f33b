"""Check a generated answer's citations against the sources it was given.

Pure functions over plain strings, no I/O. The model is paper-qa's citation
mapping: the answer cites numbered keys, the keys are mapped back to the
sources, and keys that name no source are stripped, all in one pass
(`check_answer`). On top of that every quotation in the answer (text inside
「…」 or “…”) must be a verbatim span of the source it is cited to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "CheckResult",
    "Source",
    "check_answer",
    "find_markers",
    "locate",
    "verify_quote",
]


@dataclass(frozen=True)
class Source:
    """One numbered source as shown to the model: `[n] label` followed by `text`."""

    n: int
    clause_id: str
    label: str
    text: str


@dataclass(frozen=True)
class CheckResult:
    """What `check_answer` found.

    text: the answer with unknown markers removed and the rest written as [n].
    used: source numbers cited, in order of first use.
    unknown: marker numbers that name no source (stripped), in order of first use.
    failed_quotes: (quote, n) for each quotation not found verbatim in source n
        (n = 0 when no marker could be attributed to the quotation).
    quotes: (quote, n) for each quotation verified verbatim in source n.
    ok: at least one valid marker and no failed quotation.
    """

    text: str
    used: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    failed_quotes: list[tuple[str, int]] = field(default_factory=list)
    quotes: list[tuple[str, int]] = field(default_factory=list)
    ok: bool = False


# A marker group: [1]  [1,2]  [1，2]  [1、2]  ［1］  【1】  [ 1 ]. One to three digits,
# so a bracketed year such as [2023] is left alone; \d also takes full-width digits.
_MARKER = re.compile(
    r"[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]"
)
_MARKER_NUM = re.compile(r"\d{1,3}")
# The same, with any horizontal space before it (removed with a stripped marker).
_MARKER_WITH_SPACE = re.compile(r"[ \t\u3000]*" + _MARKER.pattern)
# Quotations: 「…」 and “…” (innermost, no nesting of the same kind).
_QUOTE = re.compile(r"「([^「」]*)」|“([^“”]*)”")
# Characters that end a sentence: a quotation is attributed to a marker in its
# own sentence when there is one.
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` sits in `text` as a [start, end) span: exactly, or else once all white space
    is left out of both (the source texts keep scan spaces such as "到 2023 年底" that a quote may
    drop, or the other way round). Nothing looser: no punctuation or width folding, no fuzzy
    matching. None for an empty quote or one that is not there."""
    if not quote or not quote.strip():
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    flat = "".join(text[i] for i in kept)
    q = "".join(ch for ch in quote if not ch.isspace())
    at = flat.find(q)
    if at < 0:
        return None
    return kept[at], kept[at + len(q) - 1] + 1


def verify_quote(quote: str, text: str) -> bool:
    """True when `quote` is a verbatim span of `text` (see `locate`); an empty quote never is."""
    return locate(text, quote) is not None


def find_markers(answer: str) -> list[int]:
    """The citation numbers in `answer`, in order of appearance (repeats kept).

    Accepts [1], [1][2], [1,2], [1，2], [1、2], full-width ［1］ and 【1】.
    """
    out: list[int] = []
    for m in _MARKER.finditer(answer):
        out.extend(int(d) for d in _MARKER_NUM.findall(m.group(1)))
    return out


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    ns: tuple[int, ...]


def check_answer(answer: str, sources: Sequence[Source]) -> CheckResult:
    """Map the answer's [n] markers back to `sources`, strip unknown ones, verify quotes.

    1. Every marker group is rewritten: numbers naming a source are kept and
       written as [n][m]…; numbers naming no source are stripped and reported.
    2. Every quotation (「…」 or “…”) is attributed to the nearest marker group
       after it and the nearest before it, as far as they lie in its own
       sentence (the nearer first, the one after on a tie: the prompt asks for
       「quote」[n]); with neither in its sentence, to the next group after it,
       else the last one before it. It passes when it is a verbatim span
       (`verify_quote`) of a source of one of those groups; a failure is
       reported against the first number of the first group. A marker
       written inside the quotation marks takes precedence.
    3. ok: at least one valid marker and no failed quotation.
    """
    by_n = {s.n: s for s in sources}
    used: list[int] = []
    unknown: list[int] = []

    def rewrite(m: re.Match[str]) -> str:
        kept: list[int] = []
        for d in _MARKER_NUM.findall(m.group(1)):
            n = int(d)
            if n in by_n:
                if n not in kept:
                    kept.append(n)
                if n not in used:
                    used.append(n)
            elif n not in unknown:
                unknown.append(n)
        if not kept:
            return ""  # drops the space before it too (see _MARKER_WITH_SPACE)
        lead = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip(" \t\u3000"))]
        return lead + "".join(f"[{n}]" for n in kept)

    text = _MARKER_WITH_SPACE.sub(rewrite, answer)

    # Marker groups in the cleaned text; adjacent [1][2] form one group.
    groups: list[_Group] = []
    for m in re.finditer(r"(?:\[\d{1,3}\])+", text):
        ns = tuple(int(d) for d in _MARKER_NUM.findall(m.group(0)))
        groups.append(_Group(m.start(), m.end(), ns))

    failed: list[tuple[str, int]] = []
    verified: list[tuple[str, int]] = []
    for q in _QUOTE.finditer(text):
        raw = q.group(1) if q.group(1) is not None else q.group(2)
        quote = _MARKER.sub("", raw).strip()
        if not quote:
            continue
        candidates = _attribute(text, q.start(), q.end(), groups)
        if not candidates:
            failed.append((quote, 0))
            continue
        hit = next(
            (n for g in candidates for n in g.ns if verify_quote(quote, by_n[n].text)),
            None,
        )
        if hit is None:
            failed.append((quote, candidates[0].ns[0]))
        else:
            verified.append((quote, hit))

    ok = bool(used) and not failed
    return CheckResult(
        text=text,
        used=used,
        unknown=unknown,
        failed_quotes=failed,
        quotes=verified,
        ok=ok,
    )


def _attribute(text: str, qs: int, qe: int, groups: list[_Group]) -> list[_Group]:
    """The marker groups a quotation spanning text[qs:qe] is attributed to, best first."""
    inside = [g for g in groups if g.start >= qs and g.end <= qe]
    if inside:  # 「…[1]」
        return inside
    after = next((g for g in groups if g.start >= qe), None)
    before = next((g for g in reversed(groups) if g.end <= qs), None)
    same: list[tuple[int, int, _Group]] = []  # (distance, 0 after / 1 before, group)
    if after is not None and not _SENTENCE_END.search(text, qe, after.start):
        same.append((after.start - qe, 0, after))
    if before is not None and not _SENTENCE_END.search(text, before.end, qs):
        same.append((qs - before.end, 1, before))
    if same:
        same.sort(key=lambda t: (t[0], t[1]))  # nearer first; on a tie, the one after
        return [g for _, _, g in same]
    if after is not None:
        return [after]
    if before is not None:
        return [before]
    return []
