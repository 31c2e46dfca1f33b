"""The responsibility explorer's logic: departments by partial name, their measures, the
department × measure matrix of a document (as CSV and as a heatmap picture).

Pure functions over clauses, documents and the unit directory; only `heatmap_png` draws
(matplotlib, headless Agg backend, imported when first needed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index import Clause, Document

from ..units_lookup import UnitDirectory
from .render import NO_UNITS, chapter_heading, measure_heading

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
    grouped: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for doc_id, unit, count in units.search(partial):
        grouped.setdefault((place.get(doc_id, doc_id), unit), []).append((doc_id, count))
    out = [DepartmentMatch(p, u, tuple(sorted(per, key=lambda t: order.get(t[0], 99))))
           for (p, u), per in grouped.items()]
    return sorted(out, key=lambda m: (-m.total, m.place, m.unit))


def parse_value(value: str) -> tuple[str, str]:
    place, _, unit = value.partition("\t")
    return place, unit


def department(units: UnitDirectory, documents: Sequence[Document], place: str, unit: str) -> DepartmentMatch | None:
    """The department `unit` of `place` with its measures per document; None where it carries none."""
    per = tuple((d.doc_id, len(units.clauses_of(d.doc_id, unit))) for d in documents if d.place == place)
    per = tuple((doc_id, n) for doc_id, n in per if n)
    return DepartmentMatch(place, unit, per) if per else None


def department_rows(units: UnitDirectory, clauses: dict[str, Clause], documents: Sequence[Document],
                    place: str, unit: str) -> list[list[str]]:
    """[文件, 条款编号, 措施, 标题] for every measure the department carries, document by document."""
    rows = []
    for doc in documents:
        if doc.place != place:
            continue
        for clause_id in units.clauses_of(doc.doc_id, unit):
            c = clauses[clause_id]
            rows.append([doc.short_name, clause_id, c.measure_label or chapter_heading(c), c.title or measure_heading(c)])
    return rows


def department_summary(match: DepartmentMatch, documents: Sequence[Document]) -> str:
    names = {d.doc_id: d.short_name for d in documents}
    per = "；".join(f"《{names.get(doc_id, doc_id)}》{n} 项" for doc_id, n in match.per_doc)
    return f"**{match.place} · {match.unit}** 共承担 **{match.total}** 项措施：{per}。"


def measure_choices(clauses: Iterable[Clause]) -> list[tuple[str, str]]:
    """(label, clause_id) for every measure and chapter text of a document (front matter aside)."""
    return [(f"{c.clause_id.split('#')[1]}　{measure_heading(c)}", c.clause_id) for c in clauses if c.chapter]


def measure_units_markdown(clause: Clause) -> str:
    head = f"**{measure_heading(clause)}**（`{clause.clause_id}`，{chapter_heading(clause)}）"
    if not clause.units:
        return f"{head}\n\n{NO_UNITS}。"
    units = "\n".join(f"{i}. {u}" for i, u in enumerate(clause.units, 1))
    return f"{head}\n\n责任单位 {len(clause.units)} 个（按文件列出顺序）：\n\n{units}"


@dataclass(frozen=True)
class Matrix:
    """Which department carries which measure in one document: rows units, columns measures."""

    doc_id: str
    units: tuple[str, ...]  # most measures first, then by first appearance
    clause_ids: tuple[str, ...]  # numbered measures in document order
    titles: tuple[str, ...]  # （三）强化行政执法, per column
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
                  tuple(measure_heading(c) for c in measures), cells)


def matrix_csv(m: Matrix) -> str:
    """The matrix as CSV (1 = the unit is named for the measure), with totals per unit."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["责任单位", "合计", *(f"{cid} {t}" for cid, t in zip(m.clause_ids, m.titles, strict=True))])
    for i, unit in enumerate(m.units):
        w.writerow([unit, m.row_total(i), *m.cells[i]])
    return buf.getvalue()


def write_csv(m: Matrix, folder: Path) -> Path:
    """A CSV file Excel opens as UTF-8 (with BOM), named for the document."""
    path = Path(folder) / f"{m.doc_id}-责任分工矩阵.csv"
    path.write_text(matrix_csv(m), encoding="utf-8-sig")
    return path


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
    short_ids = [cid.split("#", 1)[1] for cid in m.clause_ids]
    if family:
        row_labels = [f"{u}（{m.row_total(i)}）" for i, u in enumerate(m.units)]
        col_labels = [f"{s} {t[:10]}" for s, t in zip(short_ids, m.titles, strict=True)]
    else:
        row_labels = [f"{c} ({m.row_total(i)})" for i, c in enumerate(unit_codes(m))]
        col_labels = short_ids
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
