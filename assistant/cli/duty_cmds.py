"""`duties`: the 任务分工表 of a document or a department, printed or written as XLSX / CSV."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from index import load_aliases, load_corpus

from ..errors import UserError
from ..settings import Settings

if TYPE_CHECKING:
    from ..duties import DutyTable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("duties", help="任务分工表：一份文件（DOC_ID）或一个部门（如“郑州市公安局”）的全部措施、牵头与配合单位，"
                                      "可导出 XLSX / CSV")
    p.add_argument("target", metavar="DOC_ID|DEPT", help="文件编号（见 policy-assistant docs）或部门名称（可带城市，可只写一部分）")
    p.add_argument("--xlsx", metavar="FILE", help="写入 Excel 文件（.xlsx）")
    p.add_argument("--csv", metavar="FILE", help="写入 CSV 文件（UTF-8 带 BOM，Excel 可直接打开）")
    p.set_defaults(handler=cmd_duties)


def cmd_duties(args: argparse.Namespace, settings: Settings) -> int:
    from ..duties import document_table  # noqa: PLC0415 - the pipeline's modules load for this command only

    corpus = load_corpus(settings.seeds_dir)
    doc = corpus.document(args.target)
    table = document_table(doc, corpus.clauses) if doc else _department(args.target, corpus, settings)
    if not args.xlsx and not args.csv:
        print(render_table(table))
        return 0
    from ..duty_export import write_csv, write_xlsx  # noqa: PLC0415 - openpyxl loads only to export

    for option, write in ((args.xlsx, write_xlsx), (args.csv, write_csv)):
        if option:
            path = Path(option)
            if not path.parent.is_dir():
                raise UserError(f"无法写入 {path}：文件夹 {path.parent} 不存在，请先创建或换一个路径", exit_code=2)
            write(table, path)
            print(f"已写入 {path}（{len(table.rows)} 项措施）")
    return 0


def _department(target: str, corpus, settings: Settings) -> DutyTable:
    from ..duties import department_table  # noqa: PLC0415
    from ..units_lookup import UnitDirectory  # noqa: PLC0415
    from ..web.explorer import find_departments  # noqa: PLC0415 - pure logic, no gradio

    units = UnitDirectory(corpus.clauses, {d.doc_id: d.city for d in corpus.documents}, load_aliases(settings.seeds_dir))
    matches = find_departments(units, corpus.documents, target)
    if not matches:
        known = "、".join(d.doc_id for d in corpus.documents)
        raise UserError(f"没有文件编号或责任单位叫“{target}”：请写文件编号（{known}）或部门名称，如“郑州市公安局”",
                        exit_code=2)
    if len(matches) > 1:
        names = "、".join(f"{m.place} · {m.unit}" for m in matches[:8])
        more = f" 等 {len(matches)} 个" if len(matches) > 8 else f" {len(matches)} 个"
        raise UserError(f"“{target}”对应{more}部门：{names}；请写得更完整，或加上城市名（如“{matches[0].place}{matches[0].unit}”）",
                        exit_code=2)
    m = matches[0]
    ids = {doc_id: units.clauses_of(doc_id, m.unit) for doc_id, _ in m.per_doc}
    return department_table(m.place, m.unit, corpus.documents, {c.clause_id: c for c in corpus.clauses}, ids)


def render_table(table: DutyTable) -> str:
    """The table as readable text: the heading lines, then one block per measure."""
    lines = [*table.heading, ""]
    col = {h: i for i, h in enumerate(table.headers)}
    for row in table.rows:
        where = f"《{row[col['文件']]}》" if "文件" in col else ""
        role = f"〔{row[col['本单位角色']]}〕" if "本单位角色" in col else ""
        lines.append(f"{row[col['序号']]}. {where}{row[col['编号']]}{row[col['措施']]} {role}".rstrip())
        if row[col["牵头单位"]] or row[col["配合单位"]]:
            lines.append(f"   牵头：{row[col['牵头单位']] or '—'}　配合：{row[col['配合单位']] or '—'}")
        lines.append(f"   责任单位：{row[col['责任单位']] or '（未列明）'}")
    return "\n".join(lines)
