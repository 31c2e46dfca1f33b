"""The extractive answer: natural Chinese built from the clauses themselves, no LLM.

Each intent is answered the way its users need; every quote is a verbatim span of its
clause and every statement carries a [n] marker. Pure functions over plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from index import Clause, Document

from . import compare as comparing
from .answer import Answer, Citation, Intent
from .english import place_en
from .query import Query
from .lead import Names, gist, lead_sentences, tighten
from .quotes import best_quote
from .retrieve import Hit
from .scope import scope_label

_FACT_ASK = re.compile(r"多少|几个|几家|几项|哪几|哪一年|哪年|何时|什么时候|目标|比例|达到|how (?:much|many)|when")
_META_ASK = re.compile(r"文号|(?<!老)字号|发文|印发|发布|日期|哪天|哪一天|(?:什么|啥)时候(?:出|发|印发)|何时出台|"
                       r"document number|reference number|issued|put out|published|when did")


@dataclass(frozen=True)
class Context:
    clauses: Mapping[str, Clause]
    documents: Mapping[str, Document]
    tokenize: Callable[[str], list[str]]
    weight: Callable[[str], float]  # idf of a search token
    known: Callable[[str], bool]  # the token occurs somewhere in the corpus
    words: Callable[[str], list[str]]  # content words of a text (nouns, verbal nouns), in order

    @cached_property
    def places(self) -> frozenset[str]:
        """Every name a question may give a place by (信阳, 信阳市, Xinyang, 合肥瑶海区)."""
        return frozenset(n for d in self.documents.values() for n in (*d.names, d.place, d.city + "市") if n)


def cite(ctx: Context, n: int, clause: Clause, quote: str, score: float = 0.0) -> Citation:
    return Citation(n=n, clause_id=clause.clause_id, doc_id=clause.doc_id, label=clause.label,
                    quote=quote, units=list(clause.units), score=score,
                    lead_units=list(clause.lead_units), support_units=list(clause.support_units))


def quote_for(ctx: Context, q: Query, clause: Clause, want_values: bool = False) -> str:
    return best_quote(clause.body, asked(ctx, q), ctx.tokenize, ctx.weight, want_values=want_values)


def asked(ctx: Context, q: Query) -> tuple[str, ...]:
    """The question's search tokens without the place names: 信阳 in the question says where,
    not what, and must not pull a sentence that happens to name the city."""
    places = ctx.places
    touching = set()  # the question's character pairs that overlap a place name (#在信, #阳遇)
    for name in (p for p in places if p in q.norm):
        for m in re.finditer(re.escape(name), q.norm):
            touching |= {q.norm[i : i + 2] for i in range(max(0, m.start() - 1), m.end())}
    return tuple(t for t in q.tokens if t.lstrip("#") not in places and not (t.startswith("#") and t[1:] in touching))


def lookup(ctx: Context, q: Query, hits: Sequence[Hit], k: int, intent: Intent = Intent.LOOKUP) -> Answer:
    """The answer first (the figure, the body, the action, in the clause's words), then the
    measures it comes from, each with the sentence(s) that answer quoted."""
    chosen = hits[:k]
    want_values = intent is Intent.FACT
    clauses = [ctx.clauses[h.clause_id] for h in chosen]
    names = Names(ctx.documents, [c.doc_id for c in clauses])
    citations, gists = [], []
    for n, (hit, clause) in enumerate(zip(chosen, clauses), start=1):
        sentence = quote_for(ctx, q, clause, want_values)
        g = gist(sentence, asked(ctx, q), ctx.tokenize, ctx.weight, want_values)
        citations.append(cite(ctx, n, clause, tighten(sentence, g), hit.score))
        gists.append(g)
    opening = lead_sentences(names, clauses, gists)
    points = []
    for c, clause in zip(citations, clauses):
        units = f"（责任单位：{'、'.join(clause.units)}）" if clause.units else ""
        points.append(f"{names.heading(clause)}：「{c.quote}」[{c.n}]{units}")
    if len(points) == 1:
        support = "依据：" + points[0]
    else:
        support = "依据：\n" + "\n".join(f"{i}. {p}" for i, p in enumerate(points, start=1))
    return Answer(question=q.question, answer=opening + "\n\n" + support, abstained=False,
                  citations=citations, intent=intent)


def metadata_fact(ctx: Context, q: Query, fronts: Sequence[Clause]) -> Answer | None:
    """Document number / date questions, answered from the front matter where it prints them: each
    field asked (文号和印发日期), of each document asked (两份文件各自啥时候发的)."""
    if not _META_ASK.search(q.norm):
        return None
    lines, citations = [], []
    for front in fronts:
        parts = []
        for text, quote in _metadata_parts(ctx, q, front):
            if quote:
                citations.append(cite(ctx, len(citations) + 1, front, quote))
            parts.append(text.format(n=len(citations)))
        if parts:
            lines.append(f"《{ctx.documents[front.doc_id].short_name}》" + "，".join(parts) + "。")
    if not citations:
        return None
    return Answer(question=q.question, answer="".join(lines), abstained=False, citations=citations, intent=Intent.FACT)


_NUMBER_ASK = re.compile(r"文号|字号|编号|发文|number")
_DATE_ASK = re.compile(r"日期|哪天|哪一天|时候|何时|时间|哪年|when|date")


def _metadata_parts(ctx: Context, q: Query, front: Clause) -> list[tuple[str, str]]:
    """(what is said with an {n} marker, the quote) for each header field the question asks."""
    doc = ctx.documents[front.doc_id]
    cited = _cited_number(q, front.text, doc.number)
    if cited:  # 依据的中办文件文号: a number the front matter cites, with the title it belongs to
        quote = _around(front.text, cited)
        title = re.match(r"《.*》", quote)
        source = f"引用的{title.group()}" if title else "引用的文件"
        return [(f"{source}文号为 {cited}[{{n}}]", quote)]
    out = []
    number_asked = bool(_NUMBER_ASK.search(q.norm))
    if number_asked and doc.number and doc.number in front.text:
        out.append((f"的文号是 {doc.number}[{{n}}]", doc.number))
    elif number_asked:
        out.append(("的文件头没有印文号", ""))
    date = _printed_date(doc.date, front.text)
    if date and (not number_asked or not out[0][1] or _DATE_ASK.search(q.norm)):
        out.append((f"落款日期为 {date}[{{n}}]", date))
    return out


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔［\[(（]\s*\d{4}\s*[〕］\])）]\s*\d+\s*号")
_BASIS = re.compile(r"依据|根据|依照|上级|引用|贯彻|落实的|based on")


def _cited_number(q: Query, text: str, own: str) -> str:
    """The document number a question asks for when it is not the document's own: one the
    front matter cites whose issuer the question names (中办 → 中办发〔2019〕56号), or the first
    cited one when the question asks what the document is based on."""
    others = [m.group() for m in _DOC_NUMBER.finditer(text) if not own or (m.group() != own and own not in m.group())]
    if not others:
        return ""
    named = [n for n in others if re.match(r"[\u4e00-\u9fff]{2}", n) and n[:2] in q.norm]
    if named:
        return named[0]
    return others[0] if _BASIS.search(q.norm) else ""


def _around(text: str, number: str) -> str:
    """The printed title before a cited number, with the number: 《…的通知》（中办发〔2019〕56号）."""
    at = text.find(number)
    start = text.rfind("《", 0, at)
    opened = text.rfind("》", 0, at)
    if start < 0 or opened < start or at - start > 120:
        return number
    close = text.find("）", at)
    end = close + 1 if 0 <= close - (at + len(number)) <= 1 else at + len(number)
    return text[start:end]


def _printed_date(iso: str, text: str) -> str:
    if not iso:
        return ""
    y, m, d = (int(x) for x in iso.split("-"))
    printed = f"{y}年{m}月{d}日"
    return printed if printed in text else ""


def clause_reference(ctx: Context, q: Query, clause_ids: Sequence[str]) -> Answer:
    """The clause asked for, whole; with one clause, first a sentence on what it is about."""
    citations, parts = [], []
    names = Names(ctx.documents, [ctx.clauses[c].doc_id for c in clause_ids])
    opening = ""
    if len(clause_ids) == 1:
        clause = ctx.clauses[clause_ids[0]]
        rest = clause.body
        if clause.title and rest.startswith(clause.title):
            rest = rest[len(clause.title):].lstrip("。.；; ")
        g = gist(rest or clause.body, asked(ctx, q), ctx.tokenize, ctx.weight)
        what = "这一条" if clause.measure else "这部分"
        opening = f"{what}是{names.heading(clause)}，内容包括{g.text}等[1]。\n\n"
    for n, cid in enumerate(clause_ids, start=1):
        clause = ctx.clauses[cid]
        citations.append(cite(ctx, n, clause, clause.body))
        units = "、".join(clause.units) if clause.units else "文件未列明"
        head = "全文如下：" if opening else f"{names.heading(clause)}全文如下："
        parts.append(f"{head}\n「{clause.body}」[{n}]\n责任单位：{units}[{n}]")
    lead = "" if len(parts) == 1 else f"有 {len(parts)} 个条款符合这个编号：\n\n"
    units = list(ctx.clauses[clause_ids[0]].units) if len(clause_ids) == 1 else []
    return Answer(question=q.question, answer=opening + lead + "\n\n".join(parts), abstained=False,
                  citations=citations, units=units, intent=Intent.CLAUSE_REF)


def compare(ctx: Context, q: Query, best: Sequence[Hit]) -> Answer:
    """The matching measure of each place taken apart and lined up: the answer first (what
    they share, how they differ), then a table place by place, then the differences."""
    if len(best) < 2:  # one place speaks to it: answer as a look-up (哪几个省…)
        answer = lookup(ctx, q, best, 1, Intent.FACT if _FACT_ASK.search(q.norm) else Intent.LOOKUP)
        return replace(answer, intent=Intent.COMPARE)
    clauses = [ctx.clauses[h.clause_id] for h in best]
    names = Names(ctx.documents, [c.doc_id for c in clauses])
    tokens = asked(ctx, q)
    citations, sides = [], []
    for n, (hit, clause) in enumerate(zip(best, clauses), start=1):
        sentence = quote_for(ctx, q, clause)
        g = gist(sentence, tokens, ctx.tokenize, ctx.weight)
        citations.append(cite(ctx, n, clause, tighten(sentence, g), hit.score))
        sides.append(comparing.side(n, ctx.documents[clause.doc_id].place, clause, tokens, ctx.tokenize, ctx.weight))
    parts = [comparing.lead(sides), comparing.table(names, sides), comparing.same_and_different(sides)]
    return Answer(question=q.question, answer="\n\n".join(p for p in parts if p), abstained=False,
                  citations=citations, intent=Intent.COMPARE)


def unlisted_note(ctx: Context, q: Query) -> str:
    """Asked what a unit carries where the named documents list no units (新乡市场监管局负责哪些)."""
    names = "、".join(f"《{ctx.documents[d].short_name}》" for d in q.doc_ids)
    if q.english:
        return (f"{names} assigns no responsible units to its measures, so the measures the {q.unlisted_unit} "
                f"carries cannot be listed from it; below are the measures nearest the question.")
    return f"{names}没有为各项措施列明责任单位，无法据此列出{q.unlisted_unit}承担的措施；以下是文中与问题最相关的条款。"


def outside_note(ctx: Context, q: Query) -> str:
    """A covered place asked beside one the corpus does not cover (开封和郑州有什么不同): which one is answered."""
    if not (q.foreign_places and q.doc_ids):
        return ""
    outside = "、".join(q.foreign_places)
    if q.english:
        places = ", ".join(dict.fromkeys(place_en(ctx.documents[d]) for d in q.doc_ids))
        return f"{outside} is not covered by these documents; this answers for {places} only."
    places = "、".join(dict.fromkeys(ctx.documents[d].place for d in q.doc_ids))
    return f"{outside}不在这些文件范围内，以下只回答{places}的规定。"


def abstain(ctx: Context, q: Query, nearest: Clause | None, reason: str = "", say: str = "") -> Answer:
    """Say plainly that the documents do not answer, and what they cover that is nearest."""
    covered = "、".join(dict.fromkeys(d.place for d in ctx.documents.values()))
    if q.foreign_places:
        text = f"这些文件是{covered}的政策，没有涉及{'、'.join(q.foreign_places)}的规定。"
        if q.scope_note:
            text += f"（{q.scope_note}。）"
    elif say:  # the reason's own words (a value no clause prints, advice on one's own case, another matter …)
        text = say
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


def places_left_out(ctx: Context, asked: Query, doc_ids: Sequence[str]) -> list[str]:
    """The places the question names that the user's document filter leaves out."""
    picked = {ctx.documents[d].place for d in doc_ids if d in ctx.documents}
    return [p for p in asked.places if p not in picked]


def filtered_decline(ctx: Context, asked: Query, doc_ids: Sequence[str], declined: Answer | None = None) -> Answer:
    """A decline under the user's document filter names the filter: the filter, not the documents, may be why.
    Without `declined`, the question names only places the filter leaves out (郑州…, with 新乡 picked)."""
    scope = scope_label(list(ctx.documents.values()), doc_ids)
    named = places_left_out(ctx, asked, doc_ids)
    text = f"在已选的“{scope}”范围内没有找到与这个问题相关的规定"
    if named:
        text += f"（问题问的是{'、'.join(named)}，不在所选范围内）"
    text += "；清除筛选后再问，可在全部文件中查找。"
    nearest = declined.answer.split("\n\n", 1)[1] if declined and "\n\n" in declined.answer else ""
    if nearest and not named:
        text += f"\n\n{nearest}"
    return Answer(question=asked.question, answer=text, abstained=True, citations=[], intent=Intent.OUT_OF_SCOPE,
                  notice=declined.notice if declined else "", confidence=0.0)
