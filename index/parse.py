"""Read one policy document of the 一、/（一）/1. family into clause records.

The parser knows the family's layout, never a particular file: chapters are 一、 or
第一章 headings; measures are the first outline level below them that the document
uses — （一）/(一)/( 六 ), 1./1．/1、, or 第一条 — and deeper levels stay inside
their measure's text. Scan scars are read as the printed document means them:
page breaks inside words and headings, Markdown marks, page headers, a closing
signature block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from .errors import PolicyError
from .numerals import CHINESE_NUMERAL_CHARS, chinese_to_int, int_to_chinese
from .records import Clause, Document
from .units import find_units, normalise_units

_N = f"[{CHINESE_NUMERAL_CHARS}]+"
_MD = re.compile(r"^(#{1,6}\s*|\*\*|>\s*)+")
_MD_TAIL = re.compile(r"\s*(\*\*|#{1,6})$")
_CHAPTER = re.compile(rf"^(?:({_N})\s*[、．.]|第({_N})章)\s*(.*)$")
_PAREN = re.compile(rf"^[（(]\s*({_N})\s*[）)]\s*(.*)$")
_ARABIC = re.compile(r"^(\d{1,3})\s*(?:[.．、](?!\d)|\s(?=\D))\s*(.*)$")
_ARTICLE = re.compile(rf"^第({_N})条\s*(.*)$")
_PAGE_HEADER = re.compile(r"^第\s*[A-Z]?\d+\s*版\s*[:：]?.{0,20}$|^[-—\s]*\d+\s*[-—]*$|^-\s*\d+\s*-$")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(印发|发布|印)?$")
_SENTENCE_PUNCT = re.compile(r"[。；，：！？,;:!?]")
_ENDS_LINE = re.compile(r"[。！？!?）)\]〕】”]$")
_WS = re.compile(r"\s+")


class ParseError(PolicyError, ValueError):
    """A document that cannot be read as this family; the message names the file and line."""


class MarkerKind(str, Enum):
    PAREN = "paren"  # （一）
    ARABIC = "arabic"  # 1.
    ARTICLE = "article"  # 第一条


@dataclass
class Line:
    start: int  # offset of the first content character in the source
    end: int  # offset just past the last content character
    text: str  # content, stripped of indentation and Markdown marks
    number: int  # 1-based line number, for messages


@dataclass
class _Block:
    chapter: int
    chapter_title: str
    measure: int
    marker: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedDocument:
    doc: Document
    clauses: tuple[Clause, ...]
    closing: str  # the signature block after the last measure, kept apart from it


def parse_document(doc: Document, source: str, aliases: Mapping[str, str] | None = None) -> ParsedDocument:
    """Clauses in document order: #0.0 front matter, #N.0 chapter text, #N.M measures."""
    aliases = aliases or {}
    lines = [ln for ln in _split_lines(source) if not _PAGE_HEADER.match(ln.text)]
    kind = _measure_kind(lines)
    blocks: list[_Block] = [_Block(0, "", 0, "")]
    chapter, chapter_title = 0, ""
    i = 0
    while i < len(lines):
        line = lines[i]
        ch = _CHAPTER.match(line.text)
        if ch and _is_heading(line.text):
            chapter = chinese_to_int(ch.group(1) or ch.group(2))
            chapter_title = ch.group(3).strip()
            # A heading broken across a page: 推动知识产权高质量创 / 造
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt and _is_heading_tail(chapter_title, nxt.text):
                chapter_title += nxt.text
                i += 1
            blocks.append(_Block(chapter, chapter_title, 0, ""))
            i += 1
            continue
        marker = _measure_marker(line.text, kind)
        if marker:
            number, label, rest = marker
            block = _Block(chapter, chapter_title, number, label)
            offset = line.start + (len(line.text) - len(rest))
            if rest:
                block.lines.append(Line(offset, line.end, rest, line.number))
            blocks.append(block)
        else:
            blocks[-1].lines.append(line)
        i += 1

    closing = _split_closing(blocks[-1]) if len(blocks) > 1 else ""
    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    for block in blocks:
        if not block.lines:
            if block.measure == 0:
                continue  # a heading with no text of its own has no .0 clause
            raise ParseError(f"{doc.source}: 第 {block.chapter} 章的措施 {block.marker} 没有正文")
        clause = _clause(doc, block, aliases)
        if clause.clause_id in seen:
            raise ParseError(
                f"{doc.source} 第 {block.lines[0].number} 行: 条款编号 {clause.clause_id} 重复"
                f"（与第 {seen[clause.clause_id]} 行）：检查编号是否印错"
            )
        seen[clause.clause_id] = block.lines[0].number
        clauses.append(clause)
    if not any(c.measure for c in clauses):
        raise ParseError(f"{doc.source}: 没有找到任何编号措施（一、/（一）/1./第一条）：这份文件不属于可解析的格式")
    return ParsedDocument(doc=doc, clauses=tuple(clauses), closing=closing)


def _split_lines(source: str) -> list[Line]:
    out: list[Line] = []
    for number, m in enumerate(re.finditer(r"[^\n]*", source), start=1):
        raw = m.group()
        if m.start() > 0 and source[m.start() - 1] != "\n":
            continue  # finditer's empty match right after a line
        content = raw.strip()
        if not content:
            continue
        lead = len(raw) - len(raw.lstrip())
        md = _MD.match(content)
        if md:
            lead += md.end()
            content = content[md.end():].strip()
            if not content:
                continue
        content = _MD_TAIL.sub("", content)
        start = m.start() + lead
        out.append(Line(start, start + len(content), content, number))
    return out


def _measure_kind(lines: list[Line]) -> MarkerKind:
    """The measure level: the first outline level below the chapters that the document uses."""
    seen_chapter = not any(_CHAPTER.match(ln.text) and _is_heading(ln.text) for ln in lines)
    for ln in lines:
        if not seen_chapter:
            seen_chapter = bool(_CHAPTER.match(ln.text) and _is_heading(ln.text))
            continue
        if _PAREN.match(ln.text):
            return MarkerKind.PAREN
        if _ARTICLE.match(ln.text):
            return MarkerKind.ARTICLE
        if _ARABIC.match(ln.text):
            return MarkerKind.ARABIC
    return MarkerKind.PAREN


def _measure_marker(text: str, kind: MarkerKind) -> tuple[int, str, str] | None:
    if kind is MarkerKind.PAREN and (m := _PAREN.match(text)):
        return chinese_to_int(m.group(1)), f"（{m.group(1)}）", m.group(2)
    if kind is MarkerKind.ARTICLE and (m := _ARTICLE.match(text)):
        return chinese_to_int(m.group(1)), f"第{m.group(1)}条", m.group(2)
    if kind is MarkerKind.ARABIC and (m := _ARABIC.match(text)):
        return int(m.group(1)), f"{int(m.group(1))}.", m.group(2)
    return None


def _is_heading(text: str) -> bool:
    """一、总体要求 is a heading; a long sentence that happens to start with 一、 is not."""
    return len(text) <= 60 and "。" not in text.rstrip("。")


def _is_heading_tail(title: str, nxt: str) -> bool:
    if not title or _SENTENCE_PUNCT.search(title[-1]) or _SENTENCE_PUNCT.search(nxt):
        return False
    return len(nxt) <= 6 and not (_CHAPTER.match(nxt) or _PAREN.match(nxt) or _ARABIC.match(nxt) or _ARTICLE.match(nxt))


def _split_closing(block: _Block) -> str:
    """Take the closing signature (issuer lines, a date line) off the last measure."""
    tail: list[Line] = []
    for line in reversed(block.lines[1:]):
        if _DATE_LINE.match(line.text) or (len(line.text) <= 30 and not _SENTENCE_PUNCT.search(line.text)):
            tail.append(line)
        else:
            break
    if not any(_DATE_LINE.match(ln.text) for ln in tail):
        return ""
    # a signature starts after a finished line: 局、市委网信办） after a list broken by a page
    # (…、市市场监管 / 局、…）) is the measure's own text
    while tail and len(block.lines) > len(tail) and not _ENDS_LINE.search(block.lines[-len(tail) - 1].text):
        tail.pop()
    del block.lines[len(block.lines) - len(tail):]
    return "\n".join(ln.text for ln in reversed(tail))


def _clause(doc: Document, block: _Block, aliases: Mapping[str, str]) -> Clause:
    text = "".join(ln.text for ln in block.lines)
    span = (block.lines[0].start, block.lines[-1].end)
    found = find_units(text) if block.measure else None
    units = normalise_units(found.names, aliases) if found else ()
    lead = normalise_units(found.lead, aliases) if found else ()
    support = normalise_units(found.support, aliases) if found else ()
    body = text[: found.body_end].rstrip() if found else text
    title = _title(block) if block.measure else block.chapter_title
    chapter_mark = f"{int_to_chinese(block.chapter)}、" if block.chapter else ""
    if block.measure:
        label = f"{doc.short_name} {chapter_mark}{block.marker}{title}"
    elif block.chapter:
        label = f"{doc.short_name} {chapter_mark}{block.chapter_title}"
    else:
        label = f"{doc.short_name} 文件头与前言"
    return Clause(
        clause_id=f"{doc.doc_id}#{block.chapter}.{block.measure}",
        doc_id=doc.doc_id,
        chapter=block.chapter,
        chapter_title=block.chapter_title,
        measure=block.measure,
        measure_label=block.marker,
        title=title,
        text=text,
        span=span,
        units_raw=found.raw if found else "",
        units=units,
        lead_units=lead,
        support_units=tuple(u for u in support if u not in lead),
        label=label,
        body=body,
    )


def _title(block: _Block) -> str:
    """The lead phrase: up to the first 。 of the first line (强化行政执法), or the whole
    first line where it stands alone (指导思想)."""
    first = block.lines[0].text
    cut = first.find("。")
    lead = first[:cut] if cut >= 0 else first
    if len(lead) > 40:  # an article with no title: its first phrase
        lead = re.split(r"[，,；;：:]", lead)[0][:40]
    return lead.strip().rstrip("：:")
