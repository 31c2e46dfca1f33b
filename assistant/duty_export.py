"""The 任务分工表 as files an office opens: CSV (UTF-8 with BOM, so Excel reads the Chinese) and
XLSX (openpyxl). The document's title, number and date stand above the table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .duties import DutyTable

# Column widths in the XLSX (characters), by header; the measure's text wraps.
_WIDTHS = {"序号": 6, "文件": 22, "编号": 12, "措施": 22, "本单位角色": 10, "牵头单位": 20, "配合单位": 28,
           "责任单位": 32, "措施内容": 80}


def table_csv(table: DutyTable) -> str:
    """The heading lines, a blank line, the header row, the rows."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # Excel's own line ends
    for line in table.heading:
        w.writerow([line])
    w.writerow([])
    w.writerow(table.headers)
    w.writerows(table.rows)
    return buf.getvalue()


def write_csv(table: DutyTable, path: Path) -> Path:
    path = Path(path)
    path.write_text(table_csv(table), encoding="utf-8-sig", newline="")
    return path


def write_xlsx(table: DutyTable, path: Path) -> Path:
    """One sheet: the heading lines merged across the table, bold headers, wrapped text, frozen header row."""
    from openpyxl import Workbook  # noqa: PLC0415 - loaded only when a table is exported
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "任务分工表"
    width = len(table.headers)
    for i, line in enumerate(table.heading, start=1):
        ws.cell(row=i, column=1, value=line).font = Font(bold=i == 1, size=14 if i == 1 else 11)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
    head_row = len(table.heading) + 2
    fill = PatternFill("solid", fgColor="FDE8E8")
    for j, header in enumerate(table.headers, start=1):
        cell = ws.cell(row=head_row, column=j, value=header)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(header, 16)
    top = Alignment(vertical="top", wrap_text=True)
    for i, row in enumerate(table.rows, start=head_row + 1):
        for j, (header, value) in enumerate(zip(table.headers, row, strict=True), start=1):
            number = header == "序号" and value.isdigit()  # a number, not "number stored as text"
            ws.cell(row=i, column=j, value=int(value) if number else value).alignment = top
    ws.freeze_panes = ws.cell(row=head_row + 1, column=1)
    path = Path(path)
    wb.save(path)
    return path
