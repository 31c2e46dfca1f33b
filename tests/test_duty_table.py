"""The 任务分工表: every measure of a document (or every measure of a department) with its lead and
cooperating units and its text, as XLSX (opened back with openpyxl) and CSV (UTF-8 with BOM),
Chinese headers, the document's title, number and date on top, no internal ids anywhere."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from assistant.cli import main
from assistant.duties import DEPT_HEADERS, TABLE_HEADERS, department_table, document_table
from assistant.duty_export import table_csv, write_csv, write_xlsx
from assistant.units_lookup import UnitDirectory
from assistant.web import explorer
from index import load_aliases, load_corpus

_CLAUSE_ID = re.compile(r"[a-z0-9-]+#\d+\.\d+")  # zhengzhou-opinions#2.4: internal, never shown to users


def _no_ids(text: str) -> bool:
    return not _CLAUSE_ID.search(text)


@pytest.fixture(scope="module")
def corpus(family_seeds):
    return load_corpus(family_seeds)


def _sheet_rows(path):
    ws = load_workbook(path).active
    return [[("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]


def _csv_rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.parametrize("doc_id", ["kaifeng-division", "zhengzhou-opinions", "xinxiang-opinions", "anyang-rules"])
def test_xlsx_and_csv_hold_every_measure_of_the_document(corpus, doc_id, tmp_path):
    doc = corpus.document(doc_id)
    measures = [c for c in corpus.clauses_of(doc_id) if c.measure]
    table = document_table(doc, corpus.clauses)
    xlsx = write_xlsx(table, tmp_path / f"{table.file_stem}.xlsx")
    sheet = _sheet_rows(xlsx)
    assert sheet[0][0] == f"{doc.short_name} 任务分工表" and sheet[1][0] == doc.title
    assert sheet[2][0] == f"文号：{doc.number or '（未印文号）'}" and sheet[3][0] == f"日期：{doc.date or '（未印日期）'}"
    head = sheet.index(list(TABLE_HEADERS))
    rows = sheet[head + 1:]
    assert len(rows) == len(measures)
    for row, c in zip(rows, measures, strict=True):
        assert row[2] == c.title and row[6] == c.body
        assert row[3] == "、".join(c.lead_units) and row[4] == "、".join(c.support_units)
        assert row[5] == "、".join(c.units)
    csv_rows = _csv_rows(write_csv(table, tmp_path / f"{table.file_stem}.csv"))
    assert csv_rows[csv_rows.index(list(TABLE_HEADERS)) + 1:] == rows  # the same rows
    assert all(_no_ids(cell) for row in sheet + csv_rows for cell in row)
    assert doc_id not in xlsx.name and _no_ids(xlsx.name)


def test_the_new_layouts_table_prints_its_roles_and_numbers(corpus):
    table = document_table(corpus.document("kaifeng-division"), corpus.clauses)
    assert table.rows[1][:6] == ("2", "一、（二）", "加强行政执法", "市市场监管局",
                                 "市公安局、市文化广电和旅游局、各县（市、区）人民政府",
                                 "市市场监管局、市公安局、市文化广电和旅游局、各县（市、区）人民政府")
    assert table.rows[9][:6] == ("10", "三、（十）", "加强组织领导", "", "", "")
    anyang = document_table(corpus.document("anyang-rules"), corpus.clauses)
    assert [r[1] for r in anyang.rows] == ["第一条", "第二条", "第三条", "第四条"]  # articles run through the document


def test_a_departments_table_lists_led_then_supported(corpus, family_seeds, tmp_path):
    units = UnitDirectory(corpus.clauses, {d.doc_id: d.city for d in corpus.documents}, load_aliases(family_seeds))
    clauses = {c.clause_id: c for c in corpus.clauses}
    ids = {"kaifeng-division": units.clauses_of("kaifeng-division", "市市场监管局")}
    table = department_table("开封", "市市场监管局", corpus.documents, clauses, ids)
    assert table.headers == DEPT_HEADERS and table.file_stem == "开封市市场监管局-任务分工表"
    assert [(r[2], r[4]) for r in table.rows] == [("一、（二）", "牵头"), ("一、（三）", "牵头"), ("一、（一）", "配合"),
                                                 ("三、（十二）", "配合"), ("三、（九）", "责任单位")]
    assert table.heading[1].startswith("开封市知识产权保护重点任务分工方案；文号：汴政办〔2023〕15号；日期：2023-04-10")
    sheet = _sheet_rows(write_xlsx(table, tmp_path / "d.xlsx"))
    assert len(sheet[sheet.index(list(DEPT_HEADERS)) + 1:]) == 5
    text = table_csv(table)
    assert text.splitlines()[0] == "开封 · 市市场监管局 任务分工表" and _no_ids(text)


def test_cli_duties_for_a_document_and_a_department(family_seeds, tmp_path, capsys):
    seeds = ["--seeds-dir", str(family_seeds)]
    xlsx, csv_path = tmp_path / "分工.xlsx", tmp_path / "分工.csv"
    assert main([*seeds, "duties", "kaifeng-division", "--xlsx", str(xlsx), "--csv", str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert "已写入" in out and "（12 项措施）" in out
    assert len(_sheet_rows(xlsx)) == 4 + 1 + 1 + 12  # heading lines, blank, headers, measures
    assert main([*seeds, "duties", "开封市场监管局"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("开封 · 市市场监管局 任务分工表")
    assert "1. 《开封市知识产权保护重点任务分工方案》一、（二）加强行政执法 〔牵头〕" in out and _no_ids(out)


@pytest.mark.parametrize(("target", "message"), [
    ("公安局", "对应 5 个部门"),  # five cities print one each: the city is needed
    ("没有这个局", "没有文件编号或责任单位叫“没有这个局”"),
])
def test_cli_duties_says_what_to_write_instead(family_seeds, target, message, capsys):
    assert main(["--seeds-dir", str(family_seeds), "duties", target]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_duties_into_a_missing_folder_is_one_line(family_seeds, tmp_path, capsys):
    assert main(["--seeds-dir", str(family_seeds), "duties", "kaifeng-division", "--xlsx",
                 str(tmp_path / "nowhere" / "a.xlsx")]) == 2
    assert "文件夹" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the tab's logic, real corpus


def test_a_search_naming_a_city_finds_that_citys_department(corpus, family_seeds):
    units = UnitDirectory(corpus.clauses, {d.doc_id: d.city for d in corpus.documents}, load_aliases(family_seeds))
    assert [m.label for m in explorer.find_departments(units, corpus.documents, "郑州公安局")] == ["郑州 · 市公安局（5 项）"]
    assert len(explorer.find_departments(units, corpus.documents, "公安局")) == 5
    one = explorer.find_departments(units, corpus.documents, "开封市场监管")
    assert len(one) == 1
    entries = explorer.department_entries(units, {c.clause_id: c for c in corpus.clauses}, corpus.documents,
                                          one[0].place, one[0].unit)
    assert [row[1:4] for _, row in entries][:3] == [["一、（二）", "加强行政执法", "牵头"], ["一、（三）", "健全快速维权", "牵头"],
                                                   ["一、（一）", "完善地方立法", "配合"]]
    assert all(_no_ids(cell) for _, row in entries for cell in row)
    md = explorer.measure_markdown(corpus.clause(entries[0][0]), corpus.document("kaifeng-division"))
    assert "**牵头单位：** 市市场监管局" in md and "开展“铁拳”“剑网”专项行动" in md and _no_ids(md)
