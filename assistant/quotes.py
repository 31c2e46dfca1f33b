"""Choosing the sentences of a clause that answer a question: scored, verbatim spans."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^。；！？!?;]*[。；！？!?;]?")
NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万亿]+(?:家|年|项|个|亿|万|%|倍)")
VALUE = re.compile(NUMBER.pattern + r"|《|“|〔")  # a figure, or a name or title as printed


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """Sentence spans of a clause text (each a verbatim slice)."""
    out = []
    for m in _SENTENCE.finditer(text):
        s = m.group()
        if s.strip():
            lead = len(s) - len(s.lstrip())
            out.append(Span(m.start() + lead, m.end(), s.strip()))
    return out


def sentence_scores(body: str, query_tokens: Sequence[str], tokenize: Callable[[str], list[str]],
                    weight: Callable[[str], float], want_values: bool = False) -> list[tuple[Span, float]]:
    """Each sentence with its idf-weighted overlap with the question (and a bonus for figures
    and names when the question asks for them)."""
    wanted = set(query_tokens)
    out = []
    for sp in sentences(body):
        s = sum(weight(t) for t in set(tokenize(sp.text)) & wanted)
        if want_values and VALUE.search(sp.text):
            s = s * 1.5 + 0.5
        out.append((sp, s))
    return out


def best_quote(
    body: str,
    query_tokens: Sequence[str],
    tokenize: Callable[[str], list[str]],
    weight: Callable[[str], float],
    want_values: bool = False,
    max_sentences: int = 2,
) -> str:
    """The sentence(s) of `body` that best answer: idf-weighted token overlap, a bonus for
    figures/names when the question asks for them, the lead (title) sentence only when
    nothing else matches. Adjacent good sentences are joined into one verbatim span."""
    scored = sentence_scores(body, query_tokens, tokenize, weight, want_values)
    if not scored:
        return body
    spans = [sp for sp, _ in scored]
    scores = [s for _, s in scored]
    if len(spans) > 1 and len(spans[0].text) <= 30:
        scores[0] *= 0.5  # the title: informative only when nothing else is
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    if scores[best] <= 0:
        best = 1 if len(spans) > 1 and len(spans[0].text) <= 30 else 0
    start, end = spans[best].start, spans[best].end
    if max_sentences > 1 and best + 1 < len(spans) and scores[best + 1] >= 0.6 * scores[best] > 0:
        end = spans[best + 1].end
    return body[start:end].strip()
