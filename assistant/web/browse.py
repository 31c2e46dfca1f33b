"""The document browser's logic: a document's metadata, its table of contents, one clause in full."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index import Clause, Document

from index.numerals import int_to_chinese

from .render import chapter_heading, measure_heading, units_line

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Policy text shown as Markdown literally (a 〔2021〕 or a * must not become markup)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def document_choices(documents: Sequence[Document]) -> list[tuple[str, str]]:
    return [(f"{d.place}｜{d.short_name}", d.doc_id) for d in documents]


def document_markdown(doc: Document, clauses: Sequence[Clause]) -> str:
    """The document's title and metadata: issuer, number, date, place, and what it holds."""
    measures = [c for c in clauses if c.measure]
    with_units = sum(1 for c in measures if c.units)
    chapters = len({c.chapter for c in clauses if c.chapter})
    facts = [
        f"**发文单位**：{md_escape(doc.issuer or '—')}",
        f"**文号**：{md_escape(doc.number or '未标注')}",
        f"**日期**：{doc.date or '未标注'}",
        f"**地区**：{doc.province + ' · ' if doc.province else ''}{doc.place}",
    ]
    held = f"共 {chapters} 章、{len(measures)} 项措施，其中 {with_units} 项列明责任单位。"
    return f"### {md_escape(doc.title)}\n\n" + "　｜　".join(facts) + f"\n\n{held}"


def toc_rows(clauses: Iterable[Clause]) -> list[list[str]]:
    """[编号, 章节 / 措施, 责任单位数]: chapter rows (编号 一、二 …) followed by their measures
    (编号 2.4 …), in document order. The 编号 of a clause row is its clause id after the `#`."""
    rows, chapter = [], None
    for c in clauses:
        local = c.clause_id.split("#", 1)[1]
        if not c.chapter:
            rows.append([local, measure_heading(c), ""])
            continue
        if c.chapter != chapter:
            chapter = c.chapter
            rows.append([int_to_chinese(c.chapter), chapter_heading(c), ""])
        rows.append([local, f"　{measure_heading(c)}", str(len(c.units)) if c.units else "—"])
    return rows


def clause_for_row(doc_id: str, row: Sequence[str], clauses: Iterable[Clause]) -> Clause | None:
    """The clause a table-of-contents row stands for; a chapter row opens the chapter's first clause."""
    if not row:
        return None
    key = str(row[0])
    doc_clauses = [c for c in clauses if c.doc_id == doc_id]
    if "." in key:
        return next((c for c in doc_clauses if c.clause_id == f"{doc_id}#{key}"), None)
    return next((c for c in doc_clauses if c.chapter and int_to_chinese(c.chapter) == key), None)


def clause_markdown(clause: Clause, doc: Document | None) -> str:
    """One clause in full: where it sits, who carries it, what it says."""
    where = [f"《{md_escape(doc.title)}》"] if doc else []
    if clause.chapter:
        where.append(md_escape(chapter_heading(clause)))
    head = f"#### {md_escape(measure_heading(clause))}\n\n`{clause.clause_id}`　" + " › ".join(where)
    body = md_escape(clause.body or clause.text)
    return f"{head}\n\n{body}\n\n**责任单位：** {md_escape(units_line(clause.units))}"
