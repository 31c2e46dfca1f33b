"""The 责任分工 tab: a department's measures (led, supported), a document's 任务分工表 and its
department × measure matrix, each downloadable (XLSX, CSV); a table row opens its measure.
Gradio wiring only: what is shown comes from explorer, duties and duty_export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gradio as gr

from .. import duties, duty_export
from ..loading import Loading
from . import explorer

DEPT_HEADERS = ["文件", "编号", "措施", "本单位角色", "要点"]
DOC_HEADERS = ["编号", "措施", "牵头单位", "配合单位", "责任单位"]


def build(loading: Loading, folder: Callable[[], Path], doc_choices: list) -> None:
    """Lay the tab out inside the current `gr.Tab` and wire its events. `folder()` gives a
    fresh private folder for a download. The tab is drawn from the corpus; its handlers wait for the
    assistant (`serve` loads it behind the page)."""
    corpus = loading.corpus
    clauses = {c.clause_id: c for c in corpus.clauses}
    documents = {d.doc_id: d for d in corpus.documents}
    quiet = {"api_visibility": "private", "concurrency_limit": None}

    def exports(table: duties.DutyTable) -> tuple[str, str]:
        where = folder()
        stem = explorer.safe_file_name(table.file_stem)
        xlsx = duty_export.write_xlsx(table, where / f"{stem}.xlsx")
        csv = duty_export.write_csv(table, where / f"{stem}.csv")
        return str(xlsx), str(csv)

    def no_files() -> tuple:
        return (gr.DownloadButton(value=None, interactive=False, visible=False),
                gr.DownloadButton(value=None, interactive=False, visible=False))

    # ------------------------------------------------------------------ by department

    def show_department(value: str | None) -> tuple:
        if not value:
            return [], [], "", "", *no_files()
        place, unit = explorer.parse_value(value)
        match = explorer.department(loading.get().units, corpus.documents, place, unit)
        if match is None:
            return [], [], "", "", *no_files()
        entries = explorer.department_entries(loading.get().units, clauses, corpus.documents, place, unit)
        ids = {doc_id: loading.get().units.clauses_of(doc_id, unit) for doc_id, _ in match.per_doc}
        table = duties.department_table(place, unit, corpus.documents, clauses, ids)
        xlsx, csv = exports(table)
        return ([row for _, row in entries], [cid for cid, _ in entries],
                explorer.department_summary(match, corpus.documents), "",
                gr.DownloadButton(value=xlsx, interactive=True, visible=True),
                gr.DownloadButton(value=csv, interactive=True, visible=True))

    def find(partial: str) -> tuple:
        partial = (partial or "").strip()
        hidden = gr.Radio(choices=[], value=None, visible=False)
        if not partial:
            return hidden, "请输入部门名称（可只输入一部分，如“市场监管局”“郑州公安局”“海关”）。", [], [], "", "", *no_files()
        matches = explorer.find_departments(loading.get().units, corpus.documents, partial)
        if not matches:
            return (hidden, f"没有找到名称包含“{partial}”的责任单位。可试试“市场监管局”“公安局”“海关”。",
                    [], [], "", "", *no_files())
        choices = [(m.label, m.value) for m in matches]
        if len(matches) == 1:  # one department: shown at once
            return (gr.Radio(choices=choices, value=matches[0].value, visible=True), "",
                    *show_department(matches[0].value))
        note = f"找到 {len(matches)} 个部门，点选一个查看它承担的全部措施："
        return gr.Radio(choices=choices, value=None, visible=True), note, [], [], "", "", *no_files()

    # ------------------------------------------------------------------ by document

    def show_document(doc_id: str | None) -> tuple:
        hidden_img = gr.Image(value=None, visible=False)
        hidden_csv = gr.DownloadButton(value=None, interactive=False, visible=False)
        if not doc_id or doc_id not in documents:
            return [], [], "", "", *no_files(), hidden_img, hidden_csv
        doc = documents[doc_id]
        doc_clauses = corpus.clauses_of(doc_id)
        table = duties.document_table(doc, doc_clauses)
        measures = [c for c in doc_clauses if c.measure]
        rows = [[r[1], r[2], r[3], r[4], r[5]] for r in table.rows]
        xlsx, csv = exports(table)
        files = (gr.DownloadButton(value=xlsx, interactive=True, visible=True),
                 gr.DownloadButton(value=csv, interactive=True, visible=True))
        marked = sum(1 for c in measures if c.lead_units or c.support_units)
        with_units = sum(1 for c in measures if c.units)
        note = (f"**{doc.title}**　{doc.number or ''}　{doc.date or ''}\n\n共 {len(measures)} 项措施，"
                f"{with_units} 项列明责任单位" + (f"，{marked} 项标明牵头、配合单位" if marked else
                                              "，文件未标明牵头、配合单位" if with_units else "") + "。点击一行查看该措施。")
        m = explorer.build_matrix(doc_id, doc_clauses)
        if m is None:
            note += f"\n\n**{explorer.DOC_NO_UNITS}**：没有可画的部门 × 措施矩阵。"
            return rows, [c.clause_id for c in measures], note, "", *files, hidden_img, hidden_csv
        where = folder()
        png = where / f"{explorer.safe_file_name(doc.short_name)}-责任分工矩阵.png"
        cjk = explorer.heatmap_png(m, png)
        matrix_csv = explorer.write_csv(m, where, doc.short_name)
        note += (f"\n\n分工矩阵：{len(m.units)} 个责任单位 × {len(m.clause_ids)} 项措施，深色格表示该单位是该措施的责任单位；"
                 f"括号内为承担措施数。")
        if not cjk:
            note += "\n\n" + "；".join(f"{c} = {u}" for c, u in zip(explorer.unit_codes(m), m.units, strict=True))
        return (rows, [c.clause_id for c in measures], note, "", *files, gr.Image(value=str(png), visible=True),
                gr.DownloadButton(value=str(matrix_csv), interactive=True, visible=True))

    def open_measure(ids: list, evt: gr.SelectData) -> str:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not isinstance(row, int) or not 0 <= row < len(ids or []):
            return gr.skip()
        clause = clauses.get(ids[row])
        return explorer.measure_markdown(clause, documents.get(clause.doc_id)) if clause else gr.skip()

    # ------------------------------------------------------------------ layout

    gr.Markdown("按部门查看它牵头、配合的全部措施，或查看一份文件的任务分工表与部门 × 措施分工矩阵；"
                "表格可下载为 Excel（XLSX）或 CSV，点击任一行查看该措施。")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            dept_query = gr.Textbox(label="查找部门（可输入部分名称，可带城市）", placeholder="如：市场监管局、郑州公安局、海关",
                                    elem_id="pa-dept-query")
            dept_find = gr.Button("查找", variant="primary", elem_id="pa-dept-find")
            dept_note = gr.Markdown(elem_id="pa-dept-note")
            dept_pick = gr.Radio(choices=[], label="部门（括号内为承担措施数）", visible=False, elem_id="pa-dept-pick")
            with gr.Row():
                dept_xlsx = gr.DownloadButton("下载任务分工表（XLSX）", value=None, interactive=False, visible=False,
                                              size="sm", elem_id="pa-dept-xlsx")
                dept_csv = gr.DownloadButton("下载（CSV）", value=None, interactive=False, visible=False, size="sm",
                                             elem_id="pa-dept-csv")
        with gr.Column(scale=3):
            dept_summary = gr.Markdown(elem_id="pa-dept-summary")
            dept_table = gr.Dataframe(headers=DEPT_HEADERS, type="array", interactive=False, wrap=True,
                                      label="该部门承担的措施（先牵头，后配合；点击一行查看该措施）",
                                      column_widths=["20%", "12%", "20%", "10%", "38%"], elem_id="pa-dept-table")
            dept_measure = gr.Markdown(elem_id="pa-dept-measure", elem_classes=["pa-clause-view"])
    dept_ids = gr.State([])
    gr.Markdown("---")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            mx_doc = gr.Dropdown(doc_choices, value=None, label="选择文件", elem_id="pa-mx-doc")
            mx_note = gr.Markdown("选择一份文件，查看它的任务分工表和部门 × 措施分工矩阵。", elem_id="pa-mx-note")
            with gr.Row():
                doc_xlsx = gr.DownloadButton("下载任务分工表（XLSX）", value=None, interactive=False, visible=False,
                                             size="sm", elem_id="pa-doc-xlsx")
                doc_csv = gr.DownloadButton("下载（CSV）", value=None, interactive=False, visible=False, size="sm",
                                            elem_id="pa-doc-csv")
            mx_csv = gr.DownloadButton("导出分工矩阵（CSV）", value=None, interactive=False, size="sm",
                                       visible=False, elem_id="pa-mx-csv")
            doc_measure = gr.Markdown(elem_id="pa-doc-measure", elem_classes=["pa-clause-view"])
        with gr.Column(scale=3):
            doc_table = gr.Dataframe(headers=DOC_HEADERS, type="array", interactive=False, wrap=True,
                                     label="任务分工表（点击一行查看该措施）", max_height=520,
                                     column_widths=["12%", "22%", "18%", "20%", "28%"], elem_id="pa-doc-table")
            mx_image = gr.Image(type="filepath", label="部门 × 措施分工矩阵", interactive=False,
                                buttons=["download", "fullscreen"], visible=False, elem_id="pa-mx-image")
    doc_ids = gr.State([])

    dept_out = [dept_table, dept_ids, dept_summary, dept_measure, dept_xlsx, dept_csv]
    dept_find.click(find, dept_query, [dept_pick, dept_note, *dept_out], **quiet)
    dept_query.submit(find, dept_query, [dept_pick, dept_note, *dept_out], **quiet)
    dept_pick.input(show_department, dept_pick, dept_out, **quiet)
    dept_table.select(open_measure, dept_ids, dept_measure, **quiet)
    mx_doc.change(show_document, mx_doc, [doc_table, doc_ids, mx_note, doc_measure, doc_xlsx, doc_csv, mx_image, mx_csv],
                  **quiet)
    doc_table.select(open_measure, doc_ids, doc_measure, **quiet)
