"""Check a generated answer's citations against the sources it was given.

Pure functions over plain strings, no I/O. The model is paper-qa's citation
mapping: the answer cites numbered keys, the keys are mapped back to the
sources, and keys that name no source are stripped, all in one pass
(`check_answer`). On top of that every quotation in the answer (text inside
「…」 or “…”) must be a verbatim span of the source it is cited to, and every claim is
held to the sources its own sentence cites (`check_statements`): each sentence that states
something carries a marker; each figure, date, amount, unit or body name, named platform
and URL in it occurs in one of those sources; most of its wording comes from them. Source
sentences that address a model (an injected instruction) count for nothing, so text that
obeys one cannot pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .claims import claims, fold, supported, trusted_text

__all__ = [
    "CheckResult",
    "Source",
    "Statement",
    "check_answer",
    "check_statements",
    "find_markers",
    "grounded_share",
    "locate",
    "statements",
    "verify_quote",
]


@dataclass(frozen=True)
class Source:
    """One numbered source as shown to the model: `[n] label` followed by `text`.
    `units`: its responsible units as parsed (canonical names, 市科技局 for a printed
    市科学技术局): an answer may name them so, and may count them."""

    n: int
    clause_id: str
    label: str
    text: str
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """What `check_answer` found.

    text: the answer with unknown markers removed and the rest written as [n].
    used: source numbers cited, in order of first use.
    unknown: marker numbers that name no source (stripped), in order of first use.
    failed_quotes: (quote, n) for each quotation not found verbatim in source n
        (n = 0 when no marker could be attributed to the quotation).
    quotes: (quote, n) for each quotation verified verbatim in source n.
    unmarked: sentences that state something and cite nothing.
    unsupported: (kind, claim, sentence) for each figure, amount, name or URL found in
        none of the sources its sentence cites.
    ungrounded: sentences whose wording mostly comes from none of their sources.
    ok: at least one valid marker and none of the failures above.
    """

    text: str
    used: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    failed_quotes: list[tuple[str, int]] = field(default_factory=list)
    quotes: list[tuple[str, int]] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)
    unsupported: list[tuple[str, str, str]] = field(default_factory=list)
    ungrounded: list[str] = field(default_factory=list)
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
    3. Every sentence is held to the sources it cites (`check_statements`).
    4. ok: at least one valid marker and no failure.
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

    unmarked, unsupported, ungrounded = check_statements(text, sources)
    ok = bool(used) and not failed and not unmarked and not unsupported and not ungrounded
    return CheckResult(
        text=text,
        used=used,
        unknown=unknown,
        failed_quotes=failed,
        quotes=verified,
        unmarked=unmarked,
        unsupported=unsupported,
        ungrounded=ungrounded,
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


# ---------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Statement:
    """One sentence (or table cell) of an answer, markers removed, and the sources it cites."""

    text: str
    ns: tuple[int, ...]


_TRAILING_MARKERS = re.compile(r"([。！？!?])((?:\s*[\[［【]\s*\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\s*[\]］】])+)")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
_MARKUP = re.compile(r"[*_#>`|]+|^\s*(?:[-+]|\d+[.、])\s+")
_CONTENT = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")
# Words that frame a statement rather than carry its content (提出, 此外 …): not held to the source.
_FRAMING = re.compile(
    r"(?:未|没有|并未)(?:列明|写明|规定|涉及|提到|载明)|责任单位|牵头单位|配合单位|第[一二三四五六七八九十\d]+(?:点|条|项|是)|首先|其次|最后|详见|参见|见|文件|条款|措施|原文|该条|这条|这项|该项|其中|此外|另外|同时|包括|以及|根据|按照|依据|提出|要求|规定|明确|指出|强调|"
    r"表示|方面|内容|主要|具体|相关|如下|分别|还|也|都|要|将|并|和|与|及|的|了|是|在|对|由|为|有|等|其|之|而|即|则|各"
)
GROUNDED = 0.5  # share of a statement's own wording that must come from its sources


def statements(text: str) -> list[Statement]:
    """The answer's sentences, each with the markers it carries ("…水平。[1]" counts [1] for
    the sentence before it; each cell of a Markdown table row is its own statement, the row's
    label and the header row aside)."""
    text = _TRAILING_MARKERS.sub(lambda m: m.group(2) + m.group(1), text)
    out: list[Statement] = []
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if _TABLE_RULE.match(line.strip()):
            continue
        if k + 1 < len(lines) and _TABLE_RULE.match(lines[k + 1].strip()) and "-" in lines[k + 1]:
            continue  # a table's header row names the columns
        is_row = line.lstrip().startswith("|")
        pieces = line.strip().strip("|").split("|")[1:] if is_row else [line]  # a row's first cell is its label
        for piece in pieces:
            for sentence in _sentences_outside_quotes(piece):
                ns = tuple(n for m in _MARKER.finditer(sentence) for n in map(int, _MARKER_NUM.findall(m.group(1))))
                bare = _MARKUP.sub(" ", _MARKER.sub("", sentence)).strip()
                if bare:
                    out.append(Statement(bare, ns))
    return out


def _sentences_outside_quotes(text: str) -> list[str]:
    """Split at sentence ends, but not inside 「…」 (a quoted passage may hold several)."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "「":
            depth += 1
        elif ch == "」":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "。！？!?":
            j = i + 1
            while j < len(text) and _MARKER.match(text, j):  # "…。[1]" was moved in front already
                j = _MARKER.match(text, j).end()
            out.append(text[start:j])
            start = j
    out.append(text[start:])
    return out


def _states_something(s: Statement) -> bool:
    """A list's heading (…如下：), a bare label or a one-word reply states nothing to cite."""
    if s.text.rstrip().endswith((":", "：")):
        return False
    return len(_CONTENT.findall(_FRAMING.sub("", s.text))) > 3


def grounded_share(sentence: str, haystack: str) -> float:
    """How much of a sentence's own wording (framing words aside) is made of pieces of two or
    more characters found in `haystack` (already `fold`ed)."""
    own = fold(_FRAMING.sub("", _QUOTE.sub(lambda m: m.group(1) or m.group(2) or "", sentence)))
    own = "".join(_CONTENT.findall(own))
    if not own:
        return 1.0
    covered, i = 0, 0
    while i < len(own):
        j = i + 1
        while j < len(own) and own[i : j + 1] in haystack:
            j += 1
        if j - i >= 2:
            covered += j - i
            i = j
        else:
            i += 1
    return covered / len(own)


def check_statements(text: str, sources: Sequence[Source]) -> tuple[list[str], list[tuple[str, str, str]], list[str]]:
    """(unmarked, unsupported, ungrounded) for an answer whose markers are already mapped
    (unknown ones stripped). Claims are looked up in the trusted text (instruction-like
    sentences blanked, `claims.trusted_text`) and label of the sources the sentence cites."""
    by_n = {s.n: fold("\n".join([trusted_text(s.text), s.label, *s.units, f"{len(s.units)}个" if s.units else ""]))
            for s in sources}
    unmarked: list[str] = []
    unsupported: list[tuple[str, str, str]] = []
    ungrounded: list[str] = []
    for st in statements(text):
        if not _states_something(st):
            continue
        cited = [by_n[n] for n in st.ns if n in by_n]
        if not cited:
            unmarked.append(st.text)
            continue
        haystack = "\n".join(cited)
        for claim in claims(st.text):
            if not supported(claim, haystack):
                unsupported.append((claim.kind, claim.text, st.text))
        if grounded_share(st.text, haystack) < GROUNDED:
            ungrounded.append(st.text)
    return unmarked, unsupported, ungrounded
