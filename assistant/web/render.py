"""An answer as the chat page shows it: text, sources with the quote marked, the Markdown export.

Pure functions over the answer and the corpus records, so they are tested with literal data.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from index import Clause, Document
from index.numerals import int_to_chinese

from ..answer import Answer, Citation
from ..cite import locate

NO_UNITS = "本文件未列明该条的责任单位"


def chapter_heading(clause: Clause) -> str:
    """一、强化制度建设… (empty for front matter)."""
    if not clause.chapter:
        return ""
    return f"{int_to_chinese(clause.chapter)}、{clause.chapter_title}"


def measure_heading(clause: Clause) -> str:
    """（三）强化行政执法; the chapter text or the front matter where the clause is no measure."""
    if clause.measure:
        return f"{clause.measure_label}{clause.title}"
    return "本章正文" if clause.chapter else "文件头与前言"


def clause_label(clause: Clause, document: Document | None) -> str:
    """How a clause is named to users: 《郑州市…实施意见》二、（四）加强行政保护 (ids stay in the API)."""
    doc = f"《{document.short_name}》" if document is not None else clause.label.split(" ", 1)[0]
    if not clause.chapter:
        return f"{doc}文件头与前言"
    numeral = f"{int_to_chinese(clause.chapter)}、"
    return doc + (f"{numeral}{clause.measure_label}{clause.title}" if clause.measure else chapter_heading(clause))


_AFTER_TITLE = re.compile(r"^[\s。．.：:，,、]+")


def clause_text(clause: Clause) -> str:
    """The clause's text without the title it starts with, so that a heading reads apart from its text
    (指导思想｜以习近平…, not 指导思想以习近平…)."""
    text = clause.body or clause.text
    if clause.title and text.startswith(clause.title) and len(text) > len(clause.title):
        rest = _AFTER_TITLE.sub("", text[len(clause.title):])
        return rest or text
    return text


def highlight_html(text: str, quote: str) -> str:
    """The text, HTML-escaped, with the quoted span inside <mark>."""
    span = locate(text, quote)
    if span is None:
        return html.escape(text)
    a, b = span
    return f"{html.escape(text[:a])}<mark>{html.escape(text[a:b])}</mark>{html.escape(text[b:])}"


def units_line(units: Sequence[str]) -> str:
    return "、".join(units) if units else NO_UNITS


def shown_question(message: str, max_chars: int) -> str:
    """The question as the chat shows it: an over-long paste folded to its start and its end, so that the
    answer below it stays in view (the answer's notice says what was searched)."""
    if len(message) <= max_chars:
        return message
    return f"{message[:60]}……（共 {len(message):,} 字，已折叠）……{message[-120:]}"


_MARKER = re.compile(r"\[(\d{1,3})\]")
CLEAR_FILTER = "清除筛选"


def answer_markdown(answer: Answer, *, key: str = "", scope: str = "") -> str:
    """The chat bubble's text. An abstention reads as a notice, not as an answer. With `key`, each [n] links
    to its source in `sources_html(…, key=key)`; `scope` names the user's document filter."""
    parts = []
    if scope:
        parts.append(f"*检索范围：{scope}（已筛选）*")
    if answer.rewritten:  # a follow-up read in the conversation's context
        shown = answer.rewritten if len(answer.rewritten) <= 80 else answer.rewritten[:80] + "…"
        parts.append(f"*按“{shown}”理解并检索*")
    if answer.abstained:
        text = answer.answer
        if scope:
            text = text.replace("清除筛选后再问", f'<a href="#" class="pa-clear-filter">{CLEAR_FILTER}</a>后再问', 1)
        body = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
        parts.append(f"> **⚠ 文件未涉及**\n>\n{body}")
        if answer.input_notice:
            parts.append(f"*注：{answer.input_notice}*")
    else:
        parts.append(link_markers(answer.answer, key, {c.n for c in answer.citations}) if key else answer.answer)
        if answer.notice:
            parts.append(f"*注：{answer.notice}*")
    return "\n\n".join(parts)


def link_markers(text: str, key: str, known: set[int]) -> str:
    """[n] → a link to source n of this answer (opened and scrolled to by the page's script)."""
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        return f'<a href="#pa-src-{key}-{n}" class="pa-ref">[{n}]</a>' if n in known else m.group(0)

    return _MARKER.sub(link, text)


def sources_title(answer: Answer) -> str:
    return f"引用来源（{len(answer.citations)} 条，点击条目查看原文）"


def source_html(citation: Citation, clause: Clause | None, document: Document | None, key: str = "") -> str:
    """One source, collapsible: document, chapter, measure, units, the full clause with the quote marked."""
    e = html.escape
    anchor = f' id="pa-src-{key}-{citation.n}"' if key else ""
    label = clause_label(clause, document) if clause is not None else citation.label
    summary = f'<span class="pa-n">[{citation.n}]</span> {e(label)}'
    if clause is None:  # a citation of a clause the corpus no longer holds: show what the answer has
        body = f'<p class="pa-clause">{highlight_html(citation.quote, citation.quote)}</p>'
        return f'<details class="pa-source"{anchor}><summary>{summary}</summary>{body}</details>'
    rows = []
    if document is not None:
        issued = "　".join(x for x in (document.number, document.date) if x)
        rows.append(("文件", f"《{e(document.title)}》" + (f"<small>（{e(issued)}）</small>" if issued else "")))
    if clause.chapter:
        rows.append(("章节", e(chapter_heading(clause))))
    rows.append(("措施", e(measure_heading(clause))))
    rows.append(("责任单位", e(units_line(clause.units))))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    marked = next((highlight_html(t, citation.quote) for t in (clause_text(clause), clause.body, clause.text)
                   if locate(t, citation.quote)), html.escape(clause_text(clause)))
    return (f'<details class="pa-source"{anchor}><summary>{summary}</summary>'
            f'<table class="pa-meta">{table}</table>'
            f'<p class="pa-clause">{marked}</p></details>')


def sources_html(answer: Answer, clauses: Mapping[str, Clause], documents: Mapping[str, Document],
                 key: str = "") -> str:
    """Every source of an answer, in citation order, each openable to its full clause, under one title."""
    if not answer.citations:
        return ""
    items = "\n".join(source_html(c, clauses.get(c.clause_id), documents.get(c.doc_id), key)
                      for c in answer.citations)
    return f'<div class="pa-sources"><p class="pa-sources-title">{sources_title(answer)}</p>\n{items}\n</div>'


def plain_text(answer: Answer, clauses: Mapping[str, Clause], documents: Mapping[str, Document]) -> str:
    """What "复制回答" copies: the answer and its sources as plain text, no markup."""
    lines = [answer.answer.strip()]
    if answer.notice and not answer.abstained:
        lines += ["", f"注：{answer.notice}"]
    elif answer.input_notice:
        lines += ["", f"注：{answer.input_notice}"]
    if answer.citations:
        lines += ["", "引用来源："]
    for c in answer.citations:
        clause = clauses.get(c.clause_id)
        label = clause_label(clause, documents.get(c.doc_id)) if clause is not None else c.label
        units = clause.units if clause is not None else c.units
        lines.append(f"[{c.n}] {label}：“{c.quote}”（责任单位：{units_line(units)}）")
    return "\n".join(lines)


def export_markdown(answer: Answer, clauses: Mapping[str, Clause], documents: Mapping[str, Document], *,
                    scope: str = "全部文件", now: datetime | None = None) -> str:
    """The answer with its citations as a Markdown file a user can file or forward."""
    now = now or datetime.now()
    lines = [
        "# 知识产权保护政策问答",
        "",
        f"- 问题：{answer.question}",
        f"- 检索范围：{scope}",
        f"- 生成时间：{now:%Y-%m-%d %H:%M}",
        "",
        "## 回答",
        "",
        answer.answer.strip(),
        "",
    ]
    if answer.notice and not answer.abstained:
        lines += [f"> 注：{answer.notice}", ""]
    elif answer.input_notice:
        lines += [f"> 注：{answer.input_notice}", ""]
    if answer.citations:
        lines += ["## 引用条款", ""]
    for c in answer.citations:
        clause = clauses.get(c.clause_id)
        doc = documents.get(c.doc_id)
        lines += [f"### [{c.n}] {clause_label(clause, doc) if clause is not None else c.label}", ""]
        if doc is not None:
            issued = "，".join(x for x in (doc.number, doc.date) if x)
            lines.append(f"- 文件：《{doc.title}》" + (f"（{issued}）" if issued else ""))
        if clause is not None and clause.chapter:
            lines.append(f"- 章节：{chapter_heading(clause)}")
        if clause is not None:
            lines.append(f"- 措施：{measure_heading(clause)}")
        units = clause.units if clause is not None else c.units
        lines.append(f"- 责任单位：{units_line(units)}")
        lines += ["", f"> {c.quote}", ""]
        if clause is not None and clause_text(clause) != c.quote:
            lines += ["条款原文：", "", clause_text(clause), ""]
    lines += ["---", "", "本回答由知识产权保护政策问答助手依据所列文件原文自动生成，以文件原文为准。", ""]
    return "\n".join(lines)
