"""An answer as the chat page shows it: text, sources with the quote marked, the Markdown export.

Pure functions over the answer and the corpus records, so they are tested with literal data.
"""

from __future__ import annotations

import html
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


def highlight_html(text: str, quote: str) -> str:
    """The text, HTML-escaped, with the quoted span inside <mark>."""
    span = locate(text, quote)
    if span is None:
        return html.escape(text)
    a, b = span
    return f"{html.escape(text[:a])}<mark>{html.escape(text[a:b])}</mark>{html.escape(text[b:])}"


def units_line(units: Sequence[str]) -> str:
    return "、".join(units) if units else NO_UNITS


def answer_markdown(answer: Answer) -> str:
    """The chat bubble's text. An abstention reads as a notice, not as an answer."""
    parts = []
    if answer.rewritten and not answer.question.startswith(answer.rewritten):  # a follow-up, not a cut
        shown = answer.rewritten if len(answer.rewritten) <= 80 else answer.rewritten[:80] + "…"
        parts.append(f"*按“{shown}”理解并检索*")
    if answer.abstained:
        body = "\n".join(f"> {line}" if line else ">" for line in answer.answer.splitlines())
        parts.append(f"> **⚠ 文件未涉及**\n>\n{body}")
    else:
        parts.append(answer.answer)
    if answer.notice and not answer.abstained:
        parts.append(f"*注：{answer.notice}*")
    return "\n\n".join(parts)


def sources_title(answer: Answer) -> str:
    return f"引用来源（{len(answer.citations)} 条，点击条目查看原文）"


def source_html(citation: Citation, clause: Clause | None, document: Document | None) -> str:
    """One source, collapsible: document, chapter, measure, units, the full clause with the quote marked."""
    e = html.escape
    summary = f'<span class="pa-n">[{citation.n}]</span> {e(citation.label)}'
    if clause is None:  # a citation of a clause the corpus no longer holds: show what the answer has
        body = f'<p class="pa-clause">{highlight_html(citation.quote, citation.quote)}</p>'
        return f'<details class="pa-source"><summary>{summary}</summary>{body}</details>'
    rows = []
    if document is not None:
        issued = "　".join(x for x in (document.number, document.date) if x)
        rows.append(("文件", f"《{e(document.title)}》" + (f"<small>（{e(issued)}）</small>" if issued else "")))
    if clause.chapter:
        rows.append(("章节", e(chapter_heading(clause))))
    rows.append(("措施", f"{e(measure_heading(clause))} <code>{e(clause.clause_id)}</code>"))
    rows.append(("责任单位", e(units_line(clause.units))))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    text = clause.body or clause.text
    marked = highlight_html(text, citation.quote) if locate(text, citation.quote) else highlight_html(clause.text, citation.quote)
    return (f'<details class="pa-source"><summary>{summary}</summary>'
            f'<table class="pa-meta">{table}</table>'
            f'<p class="pa-clause">{marked}</p></details>')


def sources_html(answer: Answer, clauses: Mapping[str, Clause], documents: Mapping[str, Document]) -> str:
    """Every source of an answer, in citation order, each openable to its full clause."""
    if not answer.citations:
        return ""
    return "\n".join(
        source_html(c, clauses.get(c.clause_id), documents.get(c.doc_id)) for c in answer.citations
    )


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
    if answer.notice:
        lines += [f"> 注：{answer.notice}", ""]
    if answer.citations:
        lines += ["## 引用条款", ""]
    for c in answer.citations:
        clause = clauses.get(c.clause_id)
        doc = documents.get(c.doc_id)
        lines += [f"### [{c.n}] {c.label}", ""]
        if doc is not None:
            issued = "，".join(x for x in (doc.number, doc.date) if x)
            lines.append(f"- 文件：《{doc.title}》" + (f"（{issued}）" if issued else ""))
        if clause is not None and clause.chapter:
            lines.append(f"- 章节：{chapter_heading(clause)}")
        if clause is not None:
            lines.append(f"- 措施：{measure_heading(clause)}")
        lines.append(f"- 条款编号：`{c.clause_id}`")
        units = clause.units if clause is not None else c.units
        lines.append(f"- 责任单位：{units_line(units)}")
        lines += ["", f"> {c.quote}", ""]
        if clause is not None and (clause.body or clause.text) != c.quote:
            lines += ["条款原文：", "", clause.body or clause.text, ""]
    lines += ["---", "", "本回答由知识产权保护政策问答助手依据所列文件原文自动生成，以文件原文为准。", ""]
    return "\n".join(lines)

