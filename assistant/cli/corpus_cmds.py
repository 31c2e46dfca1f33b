"""`clauses` and `show`: the corpus as structured records."""

from __future__ import annotations

import argparse
import json

from index import Clause, Corpus, Document, load_corpus
from index.numerals import int_to_chinese

from ..errors import UserError
from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clauses", help="列出条款（--json：每行一个 JSON 对象，见 docs/CONTRACT.md）")
    p.add_argument("doc_id", nargs="?", help="只列这一份文件的条款")
    p.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象")
    p.set_defaults(handler=cmd_clauses)
    p = sub.add_parser("show", help="显示一个条款的全文、章节和责任单位")
    p.add_argument("clause_id", help="如 xinyang-opinions#6.17")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)
    p = sub.add_parser("docs", help="列出语料中的文件及其元数据")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_docs)


def cmd_clauses(args: argparse.Namespace, settings: Settings) -> int:
    corpus = load_corpus(settings.seeds_dir)
    if args.doc_id and not corpus.document(args.doc_id):
        raise UserError(_unknown_doc(args.doc_id, corpus), exit_code=2)
    clauses = corpus.clauses_of(args.doc_id) if args.doc_id else corpus.clauses
    if args.json:
        for c in clauses:
            print(json.dumps(_contract_record(c), ensure_ascii=False))
        return 0
    if not args.doc_id:
        for doc in corpus.documents:
            print(f"{doc.doc_id}\t{len(corpus.clauses_of(doc.doc_id))} 条\t{doc.title}")
        print("\n用 policy-assistant clauses DOC_ID 查看一份文件的目录。")
        return 0
    print(table_of_contents(corpus, args.doc_id))
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    corpus = load_corpus(settings.seeds_dir)
    clause = corpus.clause(args.clause_id)
    if clause is None:
        raise UserError(f"没有条款 {args.clause_id}：条款编号形如 xinyang-opinions#6.17（用 clauses DOC_ID 查看目录）", 2)
    if args.json:
        print(json.dumps(clause.to_json(), ensure_ascii=False))
        return 0
    doc = corpus.document(clause.doc_id)
    print(f"{clause.clause_id}  {clause.label}")
    print(f"文件：{doc.title}{f'（{doc.number}）' if doc.number else ''}")
    if clause.chapter:
        print(f"章节：{int_to_chinese(clause.chapter)}、{clause.chapter_title}")
    print()
    print(clause.body)
    print()
    print("责任单位：" + ("、".join(clause.units) if clause.units else "本文件未列明该条的责任单位"))
    return 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    corpus = load_corpus(settings.seeds_dir)
    for doc in corpus.documents:
        if args.json:
            print(json.dumps(_document_record(doc, corpus), ensure_ascii=False))
        else:
            print(f"{doc.doc_id}\t{doc.place}\t{doc.number or '—'}\t{doc.date or '—'}\t{doc.title}")
    return 0


def table_of_contents(corpus: Corpus, doc_id: str) -> str:
    """Chapters → measures, each with its units: the readable `clauses DOC_ID`."""
    doc = corpus.document(doc_id)
    lines = [f"{doc.title}", f"{doc.issuer}　{doc.number}　{doc.date}".rstrip(), ""]
    chapter = None
    for c in corpus.clauses_of(doc_id):
        if c.chapter != chapter and c.chapter:
            chapter = c.chapter
            lines.append(f"{int_to_chinese(c.chapter)}、{c.chapter_title}")
        if c.measure:
            units = "、".join(c.units) if c.units else "（未列责任单位）"
            lines.append(f"  {c.clause_id:<28} {c.measure_label}{c.title}")
            lines.append(f"  {'':<28} 责任单位：{units}")
        elif c.chapter:
            lines.append(f"  {c.clause_id:<28} （本章正文）")
        else:
            lines.append(f"{c.clause_id:<30} 文件头与前言")
    return "\n".join(lines)


def _contract_record(c: Clause) -> dict:
    return {k: v for k, v in c.to_json().items() if k in ("clause_id", "doc_id", "label", "title", "text", "units", "lead_units", "support_units")}


def _document_record(doc: Document, corpus: Corpus) -> dict:
    return {**doc.__dict__, "clauses": len(corpus.clauses_of(doc.doc_id))}


def _unknown_doc(doc_id: str, corpus: Corpus) -> str:
    known = "、".join(d.doc_id for d in corpus.documents)
    return f"没有文件 {doc_id}：可用的文件编号为 {known}"
