"""The answer first: one or two plain sentences built from the clauses' own words, and how
documents are named in an answer (the catalog's short name once, a shorter form after).

Pure functions over clause texts; `compose` and `compare` build on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from index import Clause, Document

from .quotes import NUMBER, sentences

# A sentence's opening time frame (到2025年, 到 2023 年底): kept in front of the words that answer.
_FRAME = re.compile(r"^(?:力争|计划|预计)?(?:到|至|截至|截止到?)?\s*\d{4}\s*年(?:底|末)?(?:前)?$")
_DOC_KIND = re.compile(r"[\u4e00-\u9fff]{2}(?:意见|方案|办法|规定|通知|措施|规划|计划|细则|条例|决定|纲要)$")
_EDGE = " \t，,；;：:。！？!?、——-"
# A phrase that cannot end what is said: it only sets the scene for the next one (在…环节，建立…).
_OPENER = re.compile(r"^(?:在|对|向|为|针对|围绕|面向|按照|依托|通过|以|把|将|结合|立足|聚焦|根据|依据|会同|联合|"
                     r"(?:加大|加强|强化|加快)对)")
# …or one that ends on the scope it is about (…等关键领域, 重点环节): what is done comes next.
_SCOPE_END = re.compile(r"(?:领域|环节|方面|区域|行业|市场|对象|主体|等)$")


class Names:
    """How the documents of one answer are named: 《catalog short name》 at first mention,
    then its short form (《实施意见》), with the place in front when two documents of the
    answer share that form (郑州《实施意见》, 新乡《实施意见》)."""

    def __init__(self, documents: Mapping[str, Document], doc_ids: Sequence[str]):
        self.documents = documents
        cited = list(dict.fromkeys(doc_ids))
        forms = {d: _short_form(documents[d].short_name) for d in cited}
        clash = {f for f in forms.values() if list(forms.values()).count(f) > 1}
        self._later = {d: (documents[d].place + f"《{f}》" if f in clash else f"《{f}》") for d, f in forms.items()}
        self._said: set[str] = set()

    def doc(self, doc_id: str) -> str:
        if doc_id in self._said:
            return self._later.get(doc_id) or f"《{self.documents[doc_id].short_name}》"
        self._said.add(doc_id)
        return f"《{self.documents[doc_id].short_name}》"

    def heading(self, clause: Clause) -> str:
        """《…》（三）强化行政执法 — a clause as an answer names it."""
        name = self.doc(clause.doc_id)
        if clause.measure:
            return f"{name}{clause.measure_label}{clause.title}"
        return f"{name}{clause.title or '文件头'}"

    def subject(self, doc_id: str) -> str:
        """Who says it, in a lead sentence: the place (郑州), or the place and the document's
        short form where the place has several documents (信阳《实施方案》)."""
        doc = self.documents[doc_id]
        siblings = [d for d in self.documents.values() if d.place == doc.place]
        if len(siblings) > 1:
            return doc.place + f"《{_short_form(doc.short_name)}》"
        return doc.place


def _short_form(short_name: str) -> str:
    m = _DOC_KIND.search(short_name)
    return m.group() if m else short_name


@dataclass(frozen=True)
class Gist:
    text: str  # the words that answer, from the quote (a time frame kept in front)
    score: float  # how well they match the question (idf-weighted overlap)
    span: str = ""  # the same words as one verbatim span of the quote (no frame added)


_OPEN, _CLOSE = "（(《“〈【", "）)》”〉】"


def phrases(text: str) -> list[str]:
    """The comma-separated pieces of a text, verbatim, punctuation kept; a comma inside
    brackets or quotation marks（此件正文公开发布，附件不公开）does not split."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in "，,；;：:。！？!?" and (depth == 0 or i - start > 80):  # an unclosed bracket splits again
            out.append(text[start : i + 1])
            start, depth = i + 1, 0
    out.append(text[start:])
    return [p for p in out if p.strip(_EDGE)]


def actions(text: str) -> list[str]:
    """The phrases of a text that can stand alone, verbatim: a phrase that only sets the
    scene (在…环节，) or is too short to say anything joins the one after it."""
    out: list[str] = []
    carry = ""
    for p in phrases(text):
        piece = carry + p
        bare = p.strip(_EDGE)
        if (_OPENER.match(bare) or len(piece.strip(_EDGE)) < 8) and not p.rstrip().endswith(("。", "；", ";")):
            carry = piece
            continue
        out.append(piece.strip(_EDGE))
        carry = ""
    if carry.strip(_EDGE):
        out.append(carry.strip(_EDGE))
    return [a for a in out if a]


def gist(quote: str, query_tokens: Sequence[str], tokenize: Callable[[str], list[str]],
         weight: Callable[[str], float], want_values: bool = False, limit: int = 72) -> Gist:
    """The piece of a quote that answers: the best-matching phrase and the neighbours that
    match nearly as well (contiguous, so the clause's grammar holds), at most `limit`
    characters; with the sentence's opening time frame (到2025年) when it has one. A figure
    counts for much when the question asks for one."""
    parts = phrases(quote)
    if not parts:
        return Gist(quote.strip(_EDGE), 0.0)
    wanted = set(query_tokens)

    def score(p: str) -> float:
        s = sum(weight(t) for t in set(tokenize(p)) & wanted)
        if want_values and NUMBER.search(p):
            s = s * 1.5 + 1.0
        return s

    scores = [score(p) for p in parts]
    sentence_of, k = [], 0  # which sentence of the quote each phrase is in: a gist stays in one
    for p in parts:
        sentence_of.append(k)
        k += p.rstrip().endswith(("。", "！", "？", "!", "?"))
    if k > 1 and sentence_of.count(0) == 1 and len(parts[0].strip(_EDGE)) <= 12:
        scores[0] *= 0.2  # a measure's title restated ahead of what it asks
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    lo = hi = best
    near = 0.9 if want_values else 0.5  # a figure is said alone; an action with its like

    def size(a: int, b: int) -> int:
        return sum(len(p) for p in parts[a : b + 1])

    while True:
        grow = [i for i in (lo - 1, hi + 1) if 0 <= i < len(parts) and scores[i] >= near * scores[best] > 0
                and sentence_of[i] == sentence_of[best] and not _FRAME.match(parts[i].strip(_EDGE))]
        grow = [i for i in grow if size(min(lo, i), max(hi, i)) <= limit]
        if not grow:
            break
        i = max(grow, key=lambda j: scores[j])
        lo, hi = min(lo, i), max(hi, i)
    while hi + 1 < len(parts) and sentence_of[hi + 1] == sentence_of[best] \
            and (size(lo, hi) < 12 or _OPENER.match(parts[lo].strip(_EDGE)) and _SCOPE_END.search(parts[hi].strip(_EDGE))
                 or _OPENER.match(parts[hi].strip(_EDGE))) \
            and size(lo, hi + 1) <= limit + 20:
        hi += 1  # a bare phrase reads better with what it governs; 在…环节 needs its verb
    span = "".join(parts[lo : hi + 1]).strip(_EDGE)
    frame = _frame_before(quote, parts, lo)
    return Gist(f"{frame}，{span}" if frame else span, scores[best], span)


def tighten(quote: str, g: Gist, longest: int = 90) -> str:
    """The citation's quote: the sentence(s) that answer, or, where that runs long, only the
    phrases that answer (with the sentence's opening time frame when it is in reach). Always a
    verbatim span of `quote`."""
    if len(quote) <= longest or not g.span or g.span not in quote:
        return quote
    end = quote.find(g.span) + len(g.span)
    if g.text != g.span:  # a frame opens the sentence: quote from it when that stays short
        frame = g.text[: len(g.text) - len(g.span)].rstrip("，")
        start = quote.rfind(frame, 0, quote.find(g.span))
        if start >= 0 and end - start <= longest + 30:
            return quote[start:end]
    return g.span


def _frame_before(quote: str, parts: Sequence[str], lo: int) -> str:
    """The time frame that opens the sentence holding parts[lo], when it is not already in."""
    start = sum(len(p) for p in parts[:lo])
    for sp in sentences(quote):
        if sp.start <= start < sp.end:
            first = phrases(sp.text)[:1]
            if first and _FRAME.match(first[0].strip(_EDGE)) and not quote[sp.start:].startswith(parts[lo].lstrip()):
                return first[0].strip(_EDGE)
    return ""


def say(subject: str, words: str, n: int | Sequence[int], verb: str = "提出") -> str:
    """郑州提出，到2025年…领先水平[1]。"""
    ns = [n] if isinstance(n, int) else list(n)
    return f"{subject}{verb}，{words}{''.join(f'[{i}]' for i in ns)}。"


def lead_sentences(names: Names, clauses: Sequence[Clause], gists: Sequence[Gist]) -> str:
    """One sentence from the best clause; a second from the next one when it answers nearly
    as well (same document: 还提出)."""
    if not clauses:
        return ""
    order = [0]
    if len(clauses) > 1 and gists[1].score > 0 and gists[1].score >= 0.5 * gists[0].score \
            and gists[1].text != gists[0].text:
        # the words that answer better go first, whatever the retrieval order of their measures
        order = [1, 0] if gists[1].score > 1.2 * gists[0].score else [0, 1]
    a = order[0]
    out = [_first(names, clauses[a], gists[a], a + 1)]
    if len(order) > 1:
        b = order[1]
        if clauses[b].doc_id == clauses[a].doc_id:
            out.append(say(f"{names.subject(clauses[b].doc_id)}还", gists[b].text, b + 1, "提出"))
        else:
            out.append(say(names.subject(clauses[b].doc_id), gists[b].text, b + 1))
    return "".join(out)


def _first(names: Names, clause: Clause, g: Gist, n: int) -> str:
    if clause.clause_id.endswith("#0.0"):
        return f"{names.subject(clause.doc_id)}的文件头写明：{g.text}[{n}]。"
    return say(names.subject(clause.doc_id), g.text, n)
