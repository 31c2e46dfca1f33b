"""Who carries a measure, and what a department carries: the answers officials check, and the
rows of the 任务分工表 they circulate.

Units are exactly as printed, with the roles the document marks (牵头/配合); every measure is
quoted by what it asks (its gist: the sentences after its title sentence), a verbatim span of
the clause. Pure functions over clauses and documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from index import Clause, Document
from index.numerals import int_to_chinese

from .answer import Answer, Citation, Intent
from .quotes import sentence_scores, sentences

if TYPE_CHECKING:  # the answers below are built in the pipeline; the page's tables need none of it
    from .compose import Context
    from .query import Query
    from .retrieve import Hit

_LEAD_ASK = re.compile(r"牵头|主办|主责|\blead")
_SUPPORT_ASK = re.compile(r"配合|协办|协助|协同|cooperat|support|assist")
_TITLE_CHARS = 30  # a first sentence this short is the measure's title (加强行政保护。)
_BREAKS = "，、；：,;:"


class RoleAsk(str, Enum):
    """Which units the question wants: all of them, the lead, or the cooperating ones."""

    ALL = "all"
    LEAD = "lead"
    SUPPORT = "support"


def role_asked(norm: str) -> RoleAsk:
    lead, support = bool(_LEAD_ASK.search(norm)), bool(_SUPPORT_ASK.search(norm))
    if lead and not support:
        return RoleAsk.LEAD
    if support and not lead:
        return RoleAsk.SUPPORT
    return RoleAsk.ALL


# ---------------------------------------------------------------------------- gists


def gist(clause: Clause, most: int = 120) -> str:
    """What the measure asks, verbatim: its first sentence after the title sentence (two when
    the first is short), cut at a phrase boundary when longer than `most`."""
    body = clause.body
    spans = sentences(body)
    if not spans:
        return body.strip()
    if len(spans) > 1 and len(spans[0].text) <= _TITLE_CHARS:
        spans = spans[1:]
    start, end = spans[0].start, spans[0].end
    for sp in spans[1:]:
        if end - start >= _TITLE_CHARS:
            break
        end = sp.end
    return _cut(body[start:end].strip(), most)


def gist_line(clause: Clause, most: int = 60) -> str:
    """The gist in one line of a list (≤ `most` characters, cut at a phrase boundary)."""
    return _cut(gist(clause), most)


def _cut(text: str, most: int) -> str:
    if len(text) <= most:
        return text
    at = max(text.rfind(ch, 0, most) for ch in _BREAKS)
    return text[:at] if at >= most // 3 else text[:most]


def _shown(quote: str) -> str:
    """The quote in 「」, with … where the clause goes on mid-sentence."""
    tail = "" if quote.endswith(("。", "；", "！", "？")) else "…"
    return f"「{quote}」{tail}"


def asked_quote(ctx: Context, q: Query, clause: Clause) -> str:
    """The sentence of the measure that matches the question best, the title sentence aside;
    its gist where no other sentence matches."""
    scored = sentence_scores(clause.body, q.tokens, ctx.tokenize, ctx.weight)
    if len(scored) > 1 and len(scored[0][0].text) <= _TITLE_CHARS:
        scored = scored[1:]
    best = max(scored, key=lambda t: t[1], default=None)
    if best is None or best[1] <= 0:
        return gist(clause)
    return _cut(best[0].text, 120)


# ---------------------------------------------------------------------------- naming


def printed_number(clause: Clause) -> str:
    """The measure's number as the document prints it, chapter first: 二、（四）; 第三条 (articles
    run through the document); 一、 for chapter text."""
    chapter = f"{int_to_chinese(clause.chapter)}、" if clause.chapter else ""
    if not clause.measure:
        return chapter
    if clause.measure_label.startswith("第"):
        return clause.measure_label
    return f"{chapter}{clause.measure_label}"


def measure_name(clause: Clause) -> str:
    """二、（四）加强行政保护 — the measure as a list names it (no internal id)."""
    if clause.measure:
        return f"{printed_number(clause)}{clause.title}"
    return f"{printed_number(clause)}{clause.chapter_title}（本章正文）" if clause.chapter else "文件头与前言"


def role_of(clause: Clause, unit: str) -> str:
    """牵头, 配合, or "" where the document marks no role for the unit in this measure."""
    if unit in clause.lead_units:
        return "牵头"
    if unit in clause.support_units:
        return "配合"
    return ""


def units_with_roles(clause: Clause) -> str:
    """市市场监管局（牵头）、市公安局（配合）… in printed order; plain where no roles are marked."""
    return "、".join(f"{u}（{role_of(clause, u)}）" if role_of(clause, u) else u for u in clause.units)


def _doc_name(ctx: Context, clause: Clause) -> str:
    return f"《{ctx.documents[clause.doc_id].short_name}》"


# ---------------------------------------------------------------------------- answers


def responsibility(ctx: Context, q: Query, hit: Hit) -> Answer:
    """Who carries the measure the question asks about — its own units, never another's."""
    from .compose import cite  # noqa: PLC0415 - the pipeline's (jieba, bm25s): not on the page's path

    clause = ctx.clauses[hit.clause_id]
    ask = role_asked(q.norm)
    name = f"{_doc_name(ctx, clause)}{measure_name(clause)}"
    quote = asked_quote(ctx, q, clause)
    units = list(clause.units)
    if not clause.units:
        who = "牵头" if ask is RoleAsk.LEAD else "配合" if ask is RoleAsk.SUPPORT else "负责"
        lead = f"{name}在文件中没有列明责任单位[1]，无法据此确定由哪个部门{who}。"
    elif ask is RoleAsk.LEAD and clause.lead_units:
        units = list(clause.lead_units)
        lead = f"{name}的牵头单位是{'、'.join(clause.lead_units)}[1]"
        lead += f"；配合单位：{'、'.join(clause.support_units)}[1]。" if clause.support_units else "。"
    elif ask is RoleAsk.SUPPORT and clause.support_units:
        units = list(clause.support_units)
        lead = f"{name}的配合单位共 {len(clause.support_units)} 个：{'、'.join(clause.support_units)}[1]"
        lead += f"；牵头单位：{'、'.join(clause.lead_units)}[1]。" if clause.lead_units else "。"
    elif ask is not RoleAsk.ALL:
        role = "牵头" if ask is RoleAsk.LEAD else "配合"
        lead = (f"{name}没有标明{role}单位；文件列明的责任单位共 {len(clause.units)} 个："
                f"{units_with_roles(clause)}[1]。")
    else:
        lead = f"{name}的责任单位共 {len(clause.units)} 个：{units_with_roles(clause)}[1]。"
        if clause.lead_units:
            lead += f"其中{'、'.join(clause.lead_units)}牵头。"
    text = f"{lead}\n\n该项措施要求：{_shown(quote)}[1]"
    return Answer(question=q.question, answer=text, abstained=False, citations=[cite(ctx, 1, clause, quote, hit.score)],
                  units=units, intent=Intent.RESPONSIBILITY)


@dataclass(frozen=True)
class Duties:
    """The measures one unit carries in one document, by role, each list in document order."""

    doc_id: str
    unit: str
    lead: tuple[str, ...]
    support: tuple[str, ...]
    other: tuple[str, ...]  # named with no role marked

    @property
    def ordered(self) -> tuple[str, ...]:
        return self.lead + self.support + self.other

    @property
    def marked(self) -> bool:
        return bool(self.lead or self.support)


def duties_of(clauses: Mapping[str, Clause], doc_id: str, unit: str, clause_ids: Sequence[str]) -> Duties:
    by_role: dict[str, list[str]] = {"牵头": [], "配合": [], "": []}
    for cid in clause_ids:
        by_role[role_of(clauses[cid], unit)].append(cid)
    return Duties(doc_id, unit, tuple(by_role["牵头"]), tuple(by_role["配合"]), tuple(by_role[""]))


def department(ctx: Context, q: Query, matches: Sequence[tuple[str, str, Sequence[str]]], *,
               topic: str = "", totals: Sequence[int] = ()) -> Answer:
    """Every measure naming the department in each document, complete, with counts: those it
    leads first, then those it supports, then those naming it with no role; each with its gist.
    With a `topic`, `matches` holds the measures on it and `totals` how many the unit carries in all."""
    from .compose import cite  # noqa: PLC0415 - as in responsibility

    citations: list[Citation] = []
    numbered: dict[str, int] = {}
    sections, units = [], []
    ask = role_asked(q.norm)

    def line(cid: str) -> str:
        clause = ctx.clauses[cid]
        if cid not in numbered:
            numbered[cid] = len(citations) + 1
            citations.append(cite(ctx, numbered[cid], clause, gist_line(clause)))
        n = numbered[cid]
        return f"{n}. {measure_name(clause)}：{_shown(citations[n - 1].quote)}[{n}]"

    for i, (doc_id, unit, clause_ids) in enumerate(matches):
        if unit not in units:
            units.append(unit)
        d = duties_of(ctx.clauses, doc_id, unit, clause_ids)
        doc = f"《{ctx.documents[doc_id].short_name}》"
        if d.marked:
            counts = [f"牵头 {len(d.lead)} 项", f"配合 {len(d.support)} 项"]
            if d.other:
                counts.append(f"列为责任单位（未标明角色）{len(d.other)} 项")
            lines = [f"{doc}中，{unit}共承担 {len(d.ordered)} 项措施：{'，'.join(counts)}。"]
            for title, ids in (("牵头的措施", d.lead), ("配合的措施", d.support), ("未标明角色的措施", d.other)):
                if ids:
                    lines.append(f"\n**{title}（{len(ids)} 项）**")
                    lines += [line(cid) for cid in ids]
        else:
            note = "（文件没有标明牵头、配合单位）" if ask is not RoleAsk.ALL else ""
            lines = [f"{doc}中，{unit}作为责任单位的措施共 {len(d.ordered)} 项{note}："]
            if topic and i < len(totals):
                lines = [f"{doc}中，{unit}作为责任单位的措施共 {totals[i]} 项，其中与“{topic}”有关的 {len(d.ordered)} 项{note}："]
            lines += [line(cid) for cid in d.ordered]
        sections.append("\n".join(lines))
    return Answer(question=q.question, answer="\n\n".join(sections), abstained=False, citations=citations,
                  units=units, intent=Intent.DEPARTMENT, department="、".join(units))


# ---------------------------------------------------------------------------- the 任务分工表

TABLE_HEADERS = ("序号", "编号", "措施", "牵头单位", "配合单位", "责任单位", "措施内容")
DEPT_HEADERS = ("序号", "文件", "编号", "措施", "本单位角色", "牵头单位", "配合单位", "责任单位", "措施内容")


@dataclass(frozen=True)
class DutyTable:
    """A 任务分工表: the lines above it (title, number, date) and its rows, as strings."""

    title: str
    heading: tuple[str, ...]  # lines printed above the table
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    file_stem: str  # a readable file name, no internal ids


def _doc_lines(doc: Document) -> list[str]:
    return [doc.title, f"文号：{doc.number or '（未印文号）'}", f"日期：{doc.date or '（未印日期）'}"]


def document_table(doc: Document, clauses: Sequence[Clause]) -> DutyTable:
    """Every numbered measure of the document, in order, with its units by role and its text."""
    rows = []
    for c in (c for c in clauses if c.doc_id == doc.doc_id and c.measure):
        rows.append((str(len(rows) + 1), printed_number(c), c.title, "、".join(c.lead_units),
                     "、".join(c.support_units), "、".join(c.units), c.body))
    title = f"{doc.short_name} 任务分工表"
    return DutyTable(title, (title, *_doc_lines(doc)), TABLE_HEADERS, tuple(rows), f"{doc.short_name}-任务分工表")


def department_table(place: str, unit: str, documents: Sequence[Document], clauses: Mapping[str, Clause],
                     clause_ids: Mapping[str, Sequence[str]]) -> DutyTable:
    """Every measure naming the unit in its place's documents: led first, then supported, then the rest."""
    rows = []
    heading = [f"{place} · {unit} 任务分工表"]
    for doc in documents:
        ids = clause_ids.get(doc.doc_id, ())
        if not ids:
            continue
        heading.append("；".join(_doc_lines(doc)))
        for cid in duties_of(clauses, doc.doc_id, unit, ids).ordered:
            c = clauses[cid]
            rows.append((str(len(rows) + 1), doc.short_name, printed_number(c), c.title,
                         role_of(c, unit) or "责任单位", "、".join(c.lead_units), "、".join(c.support_units),
                         "、".join(c.units), c.body))
    return DutyTable(heading[0], tuple(heading), DEPT_HEADERS, tuple(rows), f"{place}{unit}-任务分工表")
