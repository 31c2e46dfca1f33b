"""Scoring, as pure functions over plain data: ranks, citations, units, facts, abstention."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    gold: tuple[str, ...]
    doc: str = ""
    department: str = ""
    facts: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    note: str = ""

    @property
    def in_scope(self) -> bool:
        return self.type != "out_of_scope"


def hit_at_1(ranked: Sequence[str], gold: Sequence[str]) -> float:
    return float(bool(ranked) and ranked[0] in gold)


def recall_at(ranked: Sequence[str], gold: Sequence[str], k: int = 5) -> float:
    """Share of gold clauses in the first k (k grows to len(gold) for complete lists)."""
    if not gold:
        return 1.0
    k = max(k, len(gold))
    return len(set(ranked[:k]) & set(gold)) / len(set(gold))


def reciprocal_rank(ranked: Sequence[str], gold: Sequence[str]) -> float:
    for i, cid in enumerate(ranked, start=1):
        if cid in gold:
            return 1.0 / i
    return 0.0


def precision_recall(cited: Sequence[str], gold: Sequence[str]) -> tuple[float, float]:
    cited_set, gold_set = set(cited), set(gold)
    if not cited_set:
        return (1.0 if not gold_set else 0.0), (1.0 if not gold_set else 0.0)
    p = len(cited_set & gold_set) / len(cited_set)
    r = len(cited_set & gold_set) / len(gold_set) if gold_set else 1.0
    return p, r


def f1(got: Sequence[str], want: Sequence[str]) -> float:
    g, w = set(got), set(want)
    if not g and not w:
        return 1.0
    if not g or not w:
        return 0.0
    tp = len(g & w)
    if not tp:
        return 0.0
    p, r = tp / len(g), tp / len(w)
    return 2 * p * r / (p + r)


def facts_present(answer: str, facts: Sequence[str]) -> float:
    text = _WS.sub("", answer)
    return sum(1 for f in facts if _WS.sub("", f) in text) / len(facts) if facts else 1.0


_FIRST_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?]?")


def first_sentence(answer: str) -> str:
    """The answer's opening sentence: up to the first full stop or line break."""
    m = _FIRST_SENTENCE.match(answer.lstrip())
    return m.group() if m else ""


def facts_in_lead(answer: str, facts: Sequence[str]) -> float:
    """Share of the required facts said in the answer's first sentence."""
    return facts_present(first_sentence(answer), facts)


def quote_share(quote: str, clause_text: str) -> float:
    """How much of its clause a quote takes (1.0: the whole clause)."""
    return len(_WS.sub("", quote)) / max(1, len(_WS.sub("", clause_text)))


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


@dataclass
class Tally:
    """Running means per question type and overall."""

    sums: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, qtype: str, metric: str, value: float) -> None:
        for key in (qtype, "overall"):
            self.sums.setdefault(key, {}).setdefault(metric, 0.0)
            self.counts.setdefault(key, {}).setdefault(metric, 0)
            self.sums[key][metric] += value
            self.counts[key][metric] += 1

    def means(self) -> dict[str, dict[str, float]]:
        return {k: {m: self.sums[k][m] / self.counts[k][m] for m in self.sums[k]} for k in self.sums}

    def n(self, key: str, metric: str) -> int:
        return self.counts.get(key, {}).get(metric, 0)
