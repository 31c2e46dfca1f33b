"""An English lead for English questions, templated from the structured answer: what was
found, where, with its [n]; the Chinese answer and its verbatim quotes follow, with a note
that the documents are in Chinese. Pure functions over the answer and the corpus records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from index import Clause, Document

from .answer import Answer, Intent
from .claims import figures

NOTE = "*Note: the documents are in Chinese; quotes, names and units are given as printed.*"


def place_en(doc: Document) -> str:
    """The place as the catalog's English aliases name it (Zhengzhou, Hefei Yaohai)."""
    ascii_names = [a for a in doc.aliases if a.isascii()]
    return " ".join(dict.fromkeys(ascii_names)) or doc.place


def _measure(clause: Clause) -> str:
    if clause.measure:
        return f"measure {clause.measure_label}{clause.title}"
    return "the front matter" if clause.clause_id.endswith("#0.0") else f"the section {clause.title}"


def with_english_lead(answer: Answer, documents: Mapping[str, Document], clauses: Mapping[str, Clause]) -> Answer:
    """The answer with an English opening sentence (or two) and the note in front."""
    lead = english_lead(answer, documents, clauses)
    return replace(answer, answer=f"{lead}\n\n{NOTE}\n\n{answer.answer}")


def english_lead(answer: Answer, documents: Mapping[str, Document], clauses: Mapping[str, Clause]) -> str:
    if answer.abstained or not answer.citations:
        places = ", ".join(dict.fromkeys(place_en(d) for d in documents.values()))
        return f"These documents (the IP-protection policies of {places}) do not cover this question."
    cs = answer.citations
    first = clauses[cs[0].clause_id]
    doc = documents[first.doc_id]
    where = f"{place_en(doc)}'s 《{doc.short_name}》"
    if answer.intent is Intent.DEPARTMENT:
        return (f"{answer.department or '、'.join(answer.units)} is named as a responsible unit in {len(cs)} "
                f"measure{'s' if len(cs) != 1 else ''} (sources [1] to [{len(cs)}]); they are listed below.")
    if answer.intent is Intent.RESPONSIBILITY:
        if answer.units:
            n = len(answer.units)
            return (f"For {_measure(first)} in {where}, the document lists {n} responsible "
                    f"unit{'s' if n != 1 else ''}: {'、'.join(answer.units)} [1].")
        return f"For {_measure(first)} in {where}, the document names no responsible unit [1]."
    if answer.intent is Intent.CLAUSE_REF:
        return f"The full text of {_measure(first)} in {where} follows [1]."
    if answer.intent is Intent.COMPARE and len(cs) > 1:
        sides = "; ".join(f"{place_en(documents[c.doc_id])}: {_measure(clauses[c.clause_id])} [{c.n}]" for c in cs)
        return f"The matching measures, place by place — {sides}. The table below sets out what each does and where they differ."
    out = f"{where} addresses this in {_measure(first)} [1]."
    figs = [f.text for f in figures(cs[0].quote)]
    if answer.intent is Intent.FACT and figs:
        out += f" The figure it gives: {', '.join(dict.fromkeys(figs))} [1]."
    if len(cs) > 1:
        more = ", ".join(f"{_measure(clauses[c.clause_id])} [{c.n}]" for c in cs[1:])
        out += f" See also {more}."
    return out
