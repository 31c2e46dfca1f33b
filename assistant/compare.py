"""Comparisons that compare: for each place, what its measure does (the action phrases that
answer, the bodies and platforms it names, its figures and dates), then what the places
share and what only one of them has. Every cell is the clause's own words, cited.

Pure functions over clause texts; `compose.compare` picks the clauses and the quotes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index import Clause

from .claims import figures, names
from .lead import Names, actions as standalone
from .quotes import sentences

_EDGE = " \t，,；;：:。！？!?、——-"
_MOST_UNITS = 6  # a table cell lists this many units, then says how many there are


@dataclass(frozen=True)
class Side:
    """One place's measure, taken apart."""

    n: int  # its citation number
    place: str
    clause: Clause
    actions: tuple[str, ...]  # the phrases that answer, verbatim, in the clause's order
    scores: tuple[float, ...]  # how well each action matches the question
    bodies: tuple[str, ...]  # bodies, platforms, campaigns it names
    figures: tuple[str, ...]  # phrases that set a figure or a date


def side(n: int, place: str, clause: Clause, query_tokens: Sequence[str],
         tokenize: Callable[[str], list[str]], weight: Callable[[str], float]) -> Side:
    """What a measure does, as far as the question asks: its phrases that match the question
    well (or, when none does, its first ones), the names it prints, its figures."""
    wanted = set(query_tokens)
    spans = sentences(clause.body)
    if spans and clause.title and spans[0].text.strip(_EDGE) == clause.title:
        spans = spans[1:]  # the title restated
    found: list[tuple[str, float]] = []
    for sp in spans:
        for text in standalone(sp.text):
            if len(text) >= 4:
                found.append((text, sum(weight(t) for t in set(tokenize(text)) & wanted)))
    top = max((s for _, s in found), default=0.0)
    good = [(t, s) for t, s in found if s > 0.5 and s >= 0.35 * top]
    if len(good) < 2:
        good = sorted(found, key=lambda ts: -ts[1])[:2]
        good = [ts for ts in found if ts in good]
    actions, scores = [], []
    for text, s in good:
        if len(text) <= 60 or not actions:
            actions.append(text)
            scores.append(s)
    said = "".join(sp.text for sp in spans if any(a in sp.text for a in actions))  # the sentences shown
    bodies = [b for b in names(said) if b not in clause.units]
    figs = [t for t, _ in found if figures(t)]
    return Side(n, place, clause, tuple(actions[:4]), tuple(scores[:4]), tuple(bodies[:4]), tuple(figs[:2]))


SAME, ALIKE = 0.8, 0.5  # phrase similarity: the same words; like words
WORDS_ADDED = 0.65  # like enough that the words one adds are the difference


def similar(a: str, b: str) -> float:
    """Dice overlap of character pairs: 1.0 for the same words, ~0 for unrelated ones. The
    names a phrase mentions are set aside (joining a centre's database and setting up one of
    its branches are different actions); names are compared on their own."""
    pa, pb = _pairs(_unnamed(a)), _pairs(_unnamed(b))
    if not pa or not pb:
        return 0.0
    return 2 * len(pa & pb) / (len(pa) + len(pb))


def _unnamed(text: str) -> str:
    for name in names(text):
        if len(name) >= 6:
            text = text.replace(name, "")
    return text


def _pairs(text: str) -> set[str]:
    t = _bare(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _bare(text: str) -> str:
    return re.sub(r"[\s，,；;：:。、“”《》（）()]", "", text)


@dataclass(frozen=True)
class Match:
    """An action the first side shares with every other side: their phrases, side by side."""

    phrases: tuple[str, ...]  # one per side, in side order
    score: float  # the weakest similarity

    @property
    def same(self) -> bool:
        return self.score >= SAME


def matches(sides: Sequence[Side]) -> list[Match]:
    """The first side's actions that every other side has in like words, each with its
    nearest counterpart there."""
    if len(sides) < 2:
        return []
    out = []
    for a in sides[0].actions:
        row, weakest = [a], 1.0
        for s in sides[1:]:
            best = max(s.actions, key=lambda b: similar(a, b), default="")
            weakest = min(weakest, similar(a, best) if best else 0.0)
            row.append(best)
        if weakest >= ALIKE:
            out.append(Match(tuple(row), weakest))
    return out


def own_actions(sides: Sequence[Side], i: int) -> list[str]:
    """Side i's actions that no other side has in like words, best match first."""
    others = [b for j, s in enumerate(sides) if j != i for b in s.actions]
    mine = [(a, sc) for a, sc in zip(sides[i].actions, sides[i].scores)
            if not any(similar(a, b) >= ALIKE for b in others)]
    return [a for a, _ in sorted(mine, key=lambda t: -t[1])]


def extras(mine: str, theirs: str) -> list[str]:
    """Words a phrase has that its like counterpart lacks (实用新型和外观设计), verbatim."""
    a, b = _bare(theirs), _bare(mine)
    out = []
    for op, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        word = b[j1:j2].lstrip("和及与、的并").rstrip("的和及与、")
        if op in ("insert", "replace") and len(word) >= 4 and word in mine:
            out.append(word)
    return out


def own_bodies(sides: Sequence[Side], i: int) -> list[str]:
    others = [b for j, s in enumerate(sides) if j != i for b in s.bodies]
    return [b for b in sides[i].bodies if not any(similar(b, o) >= 0.6 for o in others)]


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


def _marks(ns: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


@dataclass(frozen=True)
class Own:
    """What one side alone says."""

    actions: list[str]  # its actions no other side has in like words
    words: list[str]  # words its like phrases add (实用新型和外观设计)

    def said(self) -> list[str]:
        out = ["提出" + "；".join(self.actions)] if self.actions else []
        if self.words:
            out.append("写明" + "、".join(f"“{w}”" for w in self.words))
        return out

    def first(self) -> str:
        if self.actions:
            return "提出" + self.actions[0]
        return f"写明“{self.words[0]}”" if self.words else ""


def _differences(sides: Sequence[Side], found: Sequence[Match]) -> list[tuple[Side, Own]]:
    """What each side alone says: its own actions, then the words its like phrases add."""
    out = []
    for i, s in enumerate(sides):
        words = []
        for m in (m for m in found if m.score >= WORDS_ADDED):
            others = [p for j, p in enumerate(m.phrases) if j != i]
            words += [w for w in extras(m.phrases[i], others[0]) if all(w not in _bare(o) for o in others)]
        out.append((s, Own(own_actions(sides, i)[:3], words[:2])))
    return out


def lead(sides: Sequence[Side]) -> str:
    """One or two sentences: what the places share, then how they differ; or, where they
    share nothing in like words, what each does."""
    if len(sides) == 1:
        s = sides[0]
        return f"只找到{s.place}的对应措施：{s.place}提出，{s.actions[0]}[{s.n}]。" if s.actions else ""
    places = _and([s.place for s in sides])
    found = matches(sides)
    differ = [f"{s.place}还{own.first()}[{s.n}]" for s, own in _differences(sides, found) if own.first()]
    tail = f"不同的是，{'；'.join(differ[:3])}。" if differ else ""
    same = [m for m in found if m.same]
    if same:
        return f"{places}都提出{same[0].phrases[0]}{_marks([s.n for s in sides])}。" + tail
    if found:
        pairs = "，".join(f"{s.place}提出{p}[{s.n}]" for s, p in zip(sides, found[0].phrases))
        return f"{places}有相近的做法：{pairs}。" + tail
    each = [f"{s.place}提出{(own_actions(sides, i) or list(s.actions))[0]}[{s.n}]"
            for i, s in enumerate(sides) if s.actions]
    return f"{places}的做法各有侧重：{'；'.join(each)}。"


def table(names: Names, sides: Sequence[Side]) -> str:
    """Place by place, what each measure does, names, sets and who carries it; each cell cited."""
    def row(label: str, cells: Sequence[str]) -> str:
        return f"| {label} | " + " | ".join(c.replace("|", "｜") for c in cells) + " |"

    def cited(text: str, s: Side, empty: str) -> str:
        return f"{text}[{s.n}]" if text else empty

    lines = [row("", [s.place for s in sides]), "|---|" + "---|" * len(sides)]
    lines.append(row("对应措施", [f"{names.heading(s.clause)}[{s.n}]" for s in sides]))
    lines.append(row("主要做法", [cited("；".join(s.actions), s, "——") for s in sides]))
    lines.append(row("点名的机构、平台等", [cited("、".join(s.bodies), s, "未点名") for s in sides]))
    lines.append(row("数字、时间", [cited("；".join(s.figures), s, "未写明") for s in sides]))
    lines.append(row("责任单位", [cited(_units(s.clause.units), s, "未列明") for s in sides]))
    return "\n".join(lines)


def _units(units: Sequence[str]) -> str:
    if not units:
        return ""
    if len(units) <= _MOST_UNITS:
        return f"{'、'.join(units)}（{len(units)} 个）"
    return f"{'、'.join(units[:_MOST_UNITS])}等 {len(units)} 个"


def same_and_different(sides: Sequence[Side]) -> str:
    """The lines under the table: what all share (the same words, or like ones side by side),
    and what each alone has (actions, words its like phrases add, names, figures)."""
    if len(sides) < 2:
        return ""
    out = []
    found = matches(sides)
    marks = _marks([s.n for s in sides])
    same = [f"都提出{m.phrases[0]}{marks}" for m in found if m.same]
    alike = ["，".join(f"{s.place}提出{p}[{s.n}]" for s, p in zip(sides, m.phrases)) for m in found if not m.same]
    if same or alike:
        out.append("**相同或相近**：" + "；".join(same + alike) + "。")
    diff = []
    for i, (s, own) in enumerate(_differences(sides, found)):
        said = own.said()
        shown = "".join(own.actions)
        bodies = [b for b in own_bodies(sides, i) if b not in shown]
        if bodies:
            said.append("点名" + "、".join(bodies[:3]))
        others_figs = {f for j, o in enumerate(sides) if j != i for f in o.figures}
        figs = [f for f in s.figures if f not in others_figs and f not in shown]
        if figs:
            said.append("写明" + "；".join(figs[:2]))
        if said:
            diff.append(f"- {s.place}：{'；'.join(said)}[{s.n}]。")
    if diff:
        out.append("**不同**：\n" + "\n".join(diff))
    return "\n\n".join(out)
