"""The 责任分工 tab's logic: departments by partial name (with its place), the measures each
leads and supports, the 任务分工表 of a document or a department, the department × measure
matrix of a document (as CSV and as a heatmap picture).

Pure functions over clauses, documents and the unit directory; only `heatmap_png` draws
(matplotlib, headless Agg backend, imported when first needed). Users see printed measure
numbers (二、（四）), never internal clause ids.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index import Clause, Document
from index.normalize import normalise

from ..duties import duties_of, gist_line, measure_name, printed_number, role_of
from ..units_lookup import UnitDirectory
from .browse import md_escape
from .render import NO_UNITS, chapter_heading

DOC_NO_UNITS = "该文件未列明责任单位"

# Fonts with Chinese glyphs, the most common first; any other family named *CJK* also serves.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Noto Sans CJK JP", "Droid Sans Fallback",
    "AR PL UMing CN",
)


@dataclass(frozen=True)
class DepartmentMatch:
    """A department of one place (信阳 · 市市场监管局) and the measures it carries in each document."""

    place: str
    unit: str
    per_doc: tuple[tuple[str, int], ...]  # (doc_id, measures) in catalog order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_doc)

    @property
    def value(self) -> str:
        return f"{self.place}\t{self.unit}"

    @property
    def label(self) -> str:
        return f"{self.place} · {self.unit}（{self.total} 项）"


def find_departments(units: UnitDirectory, documents: Sequence[Document], partial: str) -> list[DepartmentMatch]:
    """Departments whose name contains (or is named by) `partial`, grouped per place, most measures first.

    The same name in two cities is two departments (信阳's and 郑州's 市市场监管局), so the
    grouping key is the document's place, not the name alone.
    """
    if not partial.strip():
        return []
    order = {d.doc_id: i for i, d in enumerate(documents)}
    place = {d.doc_id: d.place for d in documents}
    places, rest = places_named(partial, documents)
    grouped: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for doc_id, unit, count in units.search(rest or partial):
        if places and place.get(doc_id) not in places:
            continue  # 郑州公安局: 郑州's, not every city's
        grouped.setdefault((place.get(doc_id, doc_id), unit), []).append((doc_id, count))
    out = [DepartmentMatch(p, u, tuple(sorted(per, key=lambda t: order.get(t[0], 99))))
           for (p, u), per in grouped.items()]
    return sorted(out, key=lambda m: (-m.total, m.place, m.unit))


def places_named(text: str, documents: Sequence[Document]) -> tuple[set[str], str]:
    """The places a search names (郑州, 信阳市, Xinyang) and the search without them."""
    norm = normalise(text)
    names = sorted({(normalise(n), d.place) for d in documents for n in d.names}, key=lambda t: -len(t[0]))
    places: set[str] = set()
    for name, place in names:
        if name and name in norm:
            places.add(place)
            norm = norm.replace(name, " ")
    return places, norm.strip(" 的")


def parse_value(value: str) -> tuple[str, str]:
    place, _, unit = value.partition("\t")
    return place, unit


def department(units: UnitDirectory, documents: Sequence[Document], place: str, unit: str) -> DepartmentMatch | None:
    """The department `unit` of `place` with its measures per document; None where it carries none."""
    per = tuple((d.doc_id, len(units.clauses_of(d.doc_id, unit))) for d in documents if d.place == place)
    per = tuple((doc_id, n) for doc_id, n in per if n)
    return DepartmentMatch(place, unit, per) if per else None


def department_entries(units: UnitDirectory, clauses: dict[str, Clause], documents: Sequence[Document],
                       place: str, unit: str) -> list[tuple[str, list[str]]]:
    """(clause id, [文件, 编号, 措施, 本单位角色, 要点]) for every measure the department carries,
    document by document: those it leads, then those it supports, then the rest."""
    out = []
    for doc in documents:
        if doc.place != place:
            continue
        for clause_id in duties_of(clauses, doc.doc_id, unit, units.clauses_of(doc.doc_id, unit)).ordered:
            c = clauses[clause_id]
            out.append((clause_id, [doc.short_name, printed_number(c), c.title or measure_name(c),
                                    role_of(c, unit) or "责任单位", gist_line(c)]))
    return out


def department_rows(units: UnitDirectory, clauses: dict[str, Clause], documents: Sequence[Document],
                    place: str, unit: str) -> list[list[str]]:
    return [row for _, row in department_entries(units, clauses, documents, place, unit)]


def department_summary(match: DepartmentMatch, documents: Sequence[Document]) -> str:
    names = {d.doc_id: d.short_name for d in documents}
    per = "；".join(f"《{names.get(doc_id, doc_id)}》{n} 项" for doc_id, n in match.per_doc)
    return f"**{match.place} · {match.unit}** 共承担 **{match.total}** 项措施：{per}。"


def measure_choices(clauses: Iterable[Clause]) -> list[tuple[str, str]]:
    """(二、（一）加强行政执法, clause id) for every measure and chapter text of a document
    (front matter aside): users see the printed number, the id stays the value."""
    return [(measure_name(c), c.clause_id) for c in clauses if c.chapter]


def measure_units_markdown(clause: Clause) -> str:
    head = f"**{measure_name(clause)}**（{chapter_heading(clause)}）"
    if not clause.units:
        return f"{head}\n\n{NO_UNITS}。"
    units = "\n".join(f"{i}. {u}{'（' + role_of(clause, u) + '）' if role_of(clause, u) else ''}"
                      for i, u in enumerate(clause.units, 1))
    return f"{head}\n\n责任单位 {len(clause.units)} 个（按文件列出顺序）：\n\n{units}"


def measure_markdown(clause: Clause, doc: Document | None) -> str:
    """A measure opened from a table row: where it sits, who leads and cooperates, its text."""
    where = f"《{md_escape(doc.short_name)}》　" if doc else ""
    lines = [f"#### {md_escape(measure_name(clause))}", f"{where}{md_escape(chapter_heading(clause))}"]
    if clause.lead_units or clause.support_units:
        lines.append(f"**牵头单位：** {md_escape('、'.join(clause.lead_units) or '（未标明）')}　"
                     f"**配合单位：** {md_escape('、'.join(clause.support_units) or '（未标明）')}")
    lines.append(f"**责任单位：** {md_escape('、'.join(clause.units) or NO_UNITS)}")
    lines.append(md_escape(clause.body or clause.text))
    return "\n\n".join(lines)


@dataclass(frozen=True)
class Matrix:
    """Which department carries which measure in one document: rows units, columns measures."""

    doc_id: str
    units: tuple[str, ...]  # most measures first, then by first appearance
    clause_ids: tuple[str, ...]  # numbered measures in document order
    titles: tuple[str, ...]  # 一、（三）强化行政执法, per column
    cells: tuple[tuple[int, ...], ...]  # 1 where the unit is named for the measure

    def row_total(self, i: int) -> int:
        return sum(self.cells[i])


def build_matrix(doc_id: str, clauses: Iterable[Clause]) -> Matrix | None:
    """The matrix of a document's measures; None when it names no responsible unit at all."""
    measures = [c for c in clauses if c.doc_id == doc_id and c.chapter and (c.measure or c.units)]
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    for c in measures:
        for u in c.units:
            first.setdefault(u, len(first))
            counts[u] = counts.get(u, 0) + 1
    if not first:
        return None
    units = tuple(sorted(first, key=lambda u: (-counts[u], first[u])))
    cells = tuple(tuple(int(u in c.units) for c in measures) for u in units)
    return Matrix(doc_id, units, tuple(c.clause_id for c in measures),
                  tuple(measure_name(c) for c in measures), cells)


def matrix_csv(m: Matrix) -> str:
    """The matrix as CSV (1 = the unit is named for the measure), with totals per unit."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["责任单位", "合计", *m.titles])
    for i, unit in enumerate(m.units):
        w.writerow([unit, m.row_total(i), *m.cells[i]])
    return buf.getvalue()


def write_csv(m: Matrix, folder: Path, name: str) -> Path:
    """A CSV file Excel opens as UTF-8 (with BOM), named for the document (its short name)."""
    path = Path(folder) / f"{safe_file_name(name)}-责任分工矩阵.csv"
    path.write_text(matrix_csv(m), encoding="utf-8-sig")
    return path


def safe_file_name(name: str) -> str:
    """A document or department name as a file name: no path separators or characters Windows refuses."""
    return re.sub(r'[\\/:*?"<>|\s]+', "", name) or "table"


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """A font family with Chinese glyphs that matplotlib can use, or None (labels fall back to ASCII)."""
    from matplotlib import font_manager  # noqa: PLC0415 - matplotlib loads only when a picture is drawn

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    return next((n for n in sorted(names) if "CJK" in n), None)


def unit_codes(m: Matrix) -> list[str]:
    """ASCII row labels (D01 …) for when no Chinese font is installed."""
    return [f"D{i:02d}" for i in range(1, len(m.units) + 1)]


def heatmap_png(m: Matrix, path: Path, *, font: str | None | bool = True) -> bool:
    """Draw the matrix as a heatmap PNG. `font=True` finds a CJK font; with none (or `font=None`)
    rows are labelled D01 … and columns by clause number. Returns whether Chinese labels were used."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415 - no pyplot: no global state between requests

    family = cjk_font() if font is True else (font or None)
    n_rows, n_cols = len(m.units), len(m.clause_ids)
    if family:
        row_labels = [f"{u}（{m.row_total(i)}）" for i, u in enumerate(m.units)]
        col_labels = [t[:14] for t in m.titles]
    else:  # no Chinese glyphs: columns by their position (1, 2 …), in document order
        row_labels = [f"{c} ({m.row_total(i)})" for i, c in enumerate(unit_codes(m))]
        col_labels = [str(i) for i in range(1, n_cols + 1)]
    fig = Figure(figsize=(3.2 + 0.36 * n_cols, 2.6 + 0.3 * n_rows), dpi=110)
    ax = fig.add_subplot()
    ax.imshow(m.cells, cmap="Blues", vmin=0, vmax=1.25, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(n_cols), col_labels, rotation=60, ha="left", rotation_mode="anchor")
    ax.set_yticks(range(n_rows), row_labels)
    ax.xaxis.tick_top()
    ax.set_xticks([x - 0.5 for x in range(1, n_cols)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, n_rows)], minor=True)
    ax.grid(which="minor", color="#d0d7e2", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", length=0, labelsize=9)
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        if family:
            label.set_fontfamily(family)
    fig.savefig(path, format="png", bbox_inches="tight", pad_inches=0.25)
    return bool(family)
