"""The document browser's logic: a document's metadata and its table of contents, each measure opening in place
to its full text (a plain HTML list: nothing to edit, the text next to the click on a phone too)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from index import Clause, Document

from .render import chapter_heading, clause_text, units_line


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Policy text shown as Markdown literally (a 〔2021〕 or a * must not become markup)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def document_choices(documents: Sequence[Document]) -> list[tuple[str, str]]:
    return [(f"{d.place}｜{d.short_name}", d.doc_id) for d in documents]


def facts(doc: Document) -> list[tuple[str, str]]:
    return [("发文单位", doc.issuer or "—"), ("文号", doc.number or "未标注"), ("日期", doc.date or "未标注"),
            ("地区", f"{doc.province + ' · ' if doc.province else ''}{doc.place}")]


def summary_line(clauses: Sequence[Clause]) -> str:
    measures = [c for c in clauses if c.measure]
    with_units = sum(1 for c in measures if c.units)
    chapters = len({c.chapter for c in clauses if c.chapter})
    return f"共 {chapters} 章、{len(measures)} 项措施，其中 {with_units} 项列明责任单位。"


def _text(clause: Clause) -> str:
    return f'<p class="pa-text">{escape(clause_text(clause))}</p>'


def _measure(clause: Clause) -> str:
    count = f"{len(clause.units)} 个责任单位" if clause.units else "未列明责任单位"
    return (f'<details class="pa-measure"><summary><span class="pa-label">{escape(clause.measure_label)}</span>'
            f'{escape(clause.title)}<span class="pa-count">{count}</span></summary>'
            f'<div class="pa-measure-body">{_text(clause)}'
            f'<p class="pa-units"><b>责任单位：</b>{escape(units_line(clause.units))}</p></div></details>')


def document_html(doc: Document, clauses: Sequence[Clause]) -> str:
    """Title, issuer, number, date, place; then the chapters in order, each heading apart from its own text,
    and its measures, each one click from its full text and its responsible units."""
    dl = "".join(f"<div><dt>{k}</dt><dd>{escape(v)}</dd></div>" for k, v in facts(doc))
    out = [f'<div class="pa-doc"><h3 class="pa-doc-title">{escape(doc.title)}</h3><dl class="pa-facts">{dl}</dl>',
           f'<p class="pa-hint">{summary_line(clauses)}点击措施展开原文。</p><div class="pa-toc">']
    chapter = None
    for c in clauses:
        if not c.chapter:
            out.append(f'<details class="pa-front"><summary>文件头与前言</summary>{_text(c)}</details>')
            continue
        if c.chapter != chapter:
            if chapter is not None:
                out.append("</section>")
            chapter = c.chapter
            out.append(f'<section class="pa-chapter"><h4>{escape(chapter_heading(c))}</h4>')
        out.append(_measure(c) if c.measure else f'<div class="pa-chapter-text">{_text(c)}</div>')
    if chapter is not None:
        out.append("</section>")
    out.append("</div></div>")
    return "".join(out)
