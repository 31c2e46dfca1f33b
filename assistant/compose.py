"""The extractive answer: natural Chinese built from the clauses themselves, no LLM.

Each intent is answered the way its users need; every quote is a verbatim span of its
clause and every statement carries a [n] marker. Pure functions over plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from index import Clause, Document

from .answer import Answer, Citation, Intent
from .judge import MONEY_ASK
from .query import Query
from .quotes import best_quote, lead_sentence
from .retrieve import Hit

_META_ASK = re.compile(r"文号|字号|发文|印发|发布|日期|哪天|哪一天|什么时候出|何时出台|document number|issued")


@dataclass(frozen=True)
class Context:
    clauses: Mapping[str, Clause]
    documents: Mapping[str, Document]
    tokenize: Callable[[str], list[str]]
    weight: Callable[[str], float]  # idf of a search token
    known: Callable[[str], bool]  # the token occurs somewhere in the corpus
    words: Callable[[str], list[str]]  # content words of a text (nouns, verbal nouns), in order


def cite(ctx: Context, n: int, clause: Clause, quote: str, score: float = 0.0) -> Citation:
    return Citation(n=n, clause_id=clause.clause_id, doc_id=clause.doc_id, label=clause.label,
                    quote=quote, units=list(clause.units), score=score)


def quote_for(ctx: Context, q: Query, clause: Clause, want_values: bool = False) -> str:
    return best_quote(clause.body, q.tokens, ctx.tokenize, ctx.weight, want_values=want_values)


def _scope(ctx: Context, doc_ids: Sequence[str]) -> str:
    names = [f"《{ctx.documents[d].short_name}》" for d in dict.fromkeys(doc_ids)]
    return "、".join(names)


def lookup(ctx: Context, q: Query, hits: Sequence[Hit], k: int, intent: Intent = Intent.LOOKUP) -> Answer:
    chosen = hits[:k]
    want_values = intent is Intent.FACT
    citations = []
    points = []
    for n, hit in enumerate(chosen, start=1):
        clause = ctx.clauses[hit.clause_id]
        quote = quote_for(ctx, q, clause, want_values)
        citations.append(cite(ctx, n, clause, quote, hit.score))
        units = f"（责任单位：{'、'.join(clause.units)}）" if clause.units else ""
        points.append(f"{n}. {_heading(clause)}：「{quote}」[{n}]{units}")
    scope = _scope(ctx, [c.doc_id for c in citations])
    if intent is Intent.FACT:
        lead = f"{scope}中与您所问内容直接相关的原文如下（数字、名称以原文为准）："
    elif len(citations) == 1:
        lead = f"{scope}中与您的问题最相关的是这一项措施："
    else:
        lead = f"{scope}中有 {len(citations)} 项措施与您的问题相关，按相关程度排列："
    return Answer(question=q.question, answer=lead + "\n\n" + "\n".join(points), abstained=False,
                  citations=citations, intent=intent)


def metadata_fact(ctx: Context, q: Query, front: Clause) -> Answer | None:
    """Document number / date questions, answered from the front matter where it prints them."""
    if not _META_ASK.search(q.norm):
        return None
    doc = ctx.documents[front.doc_id]
    parts, quote = [], ""
    if doc.number and doc.number in front.text and re.search(r"文号|字号|编号|发文|number", q.norm):
        quote = doc.number
        parts.append(f"《{doc.short_name}》的文号是 {doc.number}[1]。")
    else:
        date = _printed_date(doc.date, front.text)
        if not date:
            return None
        quote = date
        parts.append(f"《{doc.short_name}》落款日期为 {date}[1]。")
    citation = cite(ctx, 1, front, quote)
    return Answer(question=q.question, answer="".join(parts), abstained=False, citations=[citation], intent=Intent.FACT)


def _printed_date(iso: str, text: str) -> str:
    if not iso:
        return ""
    y, m, d = (int(x) for x in iso.split("-"))
    printed = f"{y}年{m}月{d}日"
    return printed if printed in text else ""


def responsibility(ctx: Context, q: Query, hit: Hit) -> Answer:
    clause = ctx.clauses[hit.clause_id]
    quote = quote_for(ctx, q, clause)
    if clause.units:
        text = (f"{_heading(clause)}的责任单位共 {len(clause.units)} 个："
                f"{'、'.join(clause.units)}[1]。\n\n该项措施原文：「{quote}」[1]")
    else:
        text = (f"{_heading(clause)}在文件中没有列明责任单位[1]，无法据此确定由哪个部门负责。"
                f"\n\n该项措施原文：「{quote}」[1]")
    return Answer(question=q.question, answer=text, abstained=False, citations=[cite(ctx, 1, clause, quote, hit.score)],
                  units=list(clause.units), intent=Intent.RESPONSIBILITY)


def department(ctx: Context, q: Query, per_doc: Mapping[str, tuple[str, Sequence[str]]]) -> Answer:
    """Every measure naming the department, per document, complete, with counts."""
    citations: list[Citation] = []
    sections = []
    units: list[str] = []
    for doc_id, (unit, clause_ids) in per_doc.items():
        if unit not in units:
            units.append(unit)
        lines = [f"《{ctx.documents[doc_id].short_name}》中，{unit}作为责任单位的措施共 {len(clause_ids)} 项："]
        for cid in clause_ids:
            clause = ctx.clauses[cid]
            n = len(citations) + 1
            quote = lead_sentence(clause.body)
            citations.append(cite(ctx, n, clause, quote))
            lines.append(f"{n}. {_heading(clause)}[{n}]")
        sections.append("\n".join(lines))
    return Answer(question=q.question, answer="\n\n".join(sections), abstained=False, citations=citations,
                  units=units, intent=Intent.DEPARTMENT, department="、".join(units))


def clause_reference(ctx: Context, q: Query, clause_ids: Sequence[str]) -> Answer:
    citations, parts = [], []
    for n, cid in enumerate(clause_ids, start=1):
        clause = ctx.clauses[cid]
        citations.append(cite(ctx, n, clause, clause.body))
        units = "、".join(clause.units) if clause.units else "文件未列明"
        parts.append(f"{_heading(clause)}全文如下：\n「{clause.body}」[{n}]\n责任单位：{units}")
    lead = "" if len(parts) == 1 else f"有 {len(parts)} 个条款符合这个编号：\n\n"
    units = list(ctx.clauses[clause_ids[0]].units) if len(clause_ids) == 1 else []
    return Answer(question=q.question, answer=lead + "\n\n".join(parts), abstained=False, citations=citations,
                  units=units, intent=Intent.CLAUSE_REF)


def compare(ctx: Context, q: Query, best: Sequence[Hit]) -> Answer:
    """The matching measure of each document side by side, then what differs."""
    citations, rows = [], []
    for n, hit in enumerate(best, start=1):
        clause = ctx.clauses[hit.clause_id]
        doc = ctx.documents[clause.doc_id]
        quote = quote_for(ctx, q, clause)
        citations.append(cite(ctx, n, clause, quote, hit.score))
        rows.append(f"- **{doc.place}**（{_heading(clause)}）：「{quote}」[{n}]")
    diff = _differences(ctx, [ctx.clauses[h.clause_id] for h in best], [c.quote for c in citations])
    text = "各地文件的对应条款对照如下：\n\n" + "\n".join(rows)
    if diff:
        text += "\n\n**异同**：\n" + "\n".join(diff)
    return Answer(question=q.question, answer=text, abstained=False, citations=citations, intent=Intent.COMPARE)


def _differences(ctx: Context, clauses: Sequence[Clause], quotes: Sequence[str]) -> list[str]:
    """What the compared measures share and what only one of them says (content words of
    the quoted sentences, rarest first), and who carries each."""
    if len(clauses) < 2:
        return []
    terms = [set(ctx.words(q)) for q in quotes]
    salient = lambda ws: sorted((w for w in ws if ctx.weight(w) > 1.0), key=lambda w: -ctx.weight(w))  # noqa: E731
    out = []
    shared = salient(set.intersection(*terms))[:4]
    if shared:
        out.append(f"- 共同点：都提到{'、'.join(shared)}。")
    for i, (c, mine) in enumerate(zip(clauses, terms), start=1):
        others = set().union(*(t for j, t in enumerate(terms, start=1) if j != i))
        own = salient(mine - others)[:4]
        place = ctx.documents[c.doc_id].place
        unit_note = f"列明责任单位 {len(c.units)} 个" if c.units else "未列明责任单位"
        said = f"另提到{'、'.join(own)}；" if own else ""
        out.append(f"- {place}：{said}{unit_note}[{i}]。")
    return out


def abstain(ctx: Context, q: Query, nearest: Clause | None, reason: str = "") -> Answer:
    """Say plainly that the documents do not answer, and what they cover that is nearest."""
    covered = "、".join(dict.fromkeys(d.place for d in ctx.documents.values()))
    if q.foreign_places:
        text = f"这些文件是{covered}的政策，没有涉及{'、'.join(q.foreign_places)}的规定。"
        if q.scope_note:
            text += f"（{q.scope_note}。）"
    elif MONEY_ASK.search(q.norm):
        text = "这些文件没有规定具体的金额或收费标准，无法回答这个问题。"
    else:
        text = f"这些文件（{covered}的知识产权保护政策）没有涉及这个问题，我不作推测。"
    if nearest is not None:
        text += f"\n\n最接近的内容是{_heading(nearest)}，如需了解可以继续询问。"
    return Answer(question=q.question, answer=text, abstained=True, citations=[], intent=Intent.OUT_OF_SCOPE,
                  notice=reason)


def _heading(clause: Clause) -> str:
    """《信阳市…落实意见》（三）强化行政执法 — how a clause is named in an answer."""
    doc_name = clause.label.split(" ", 1)[0]
    if clause.measure:
        return f"《{doc_name}》{clause.measure_label}{clause.title}"
    return f"《{doc_name}》{clause.title or '文件头'}"
