"""The corpus as plain data: documents from the catalog, clauses from the parser."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One catalog entry: a policy text and its metadata."""

    doc_id: str
    title: str
    short_name: str
    city: str
    province: str
    issuer: str
    source: str
    number: str = ""
    date: str = ""
    district: str = ""
    aliases: tuple[str, ...] = ()  # other names users call the place or document by

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a question may use for this document's place."""
        return tuple(n for n in (self.city, self.district, *self.aliases) if n)

    @property
    def place(self) -> str:
        """City plus district where the document is a district's (合肥瑶海区)."""
        return f"{self.city}{self.district}"


@dataclass(frozen=True)
class Clause:
    """One measure (or front matter / chapter preamble) of a document.

    `text` is the clause as printed with line breaks removed; `span` is the
    [start, end) character range in the source file that it was read from.
    """

    clause_id: str
    doc_id: str
    chapter: int
    chapter_title: str
    measure: int
    measure_label: str
    title: str
    text: str
    span: tuple[int, int]
    units_raw: str = ""
    units: tuple[str, ...] = field(default_factory=tuple)  # every unit, printed order, no role labels
    label: str = ""
    body: str = ""  # text without the printed responsibility suffix
    lead_units: tuple[str, ...] = ()  # those the document marks as leading (牵头/负责/主办); empty where none
    support_units: tuple[str, ...] = ()  # those it marks as cooperating (配合/协办); empty where none

    def __post_init__(self) -> None:
        if not self.body:
            object.__setattr__(self, "body", self.text)

    def to_json(self) -> dict:
        """The contract's `clauses --json` record, plus structured extras."""
        return {
            "clause_id": self.clause_id,
            "doc_id": self.doc_id,
            "label": self.label,
            "title": self.title,
            "text": self.text,
            "units": list(self.units),
            "lead_units": list(self.lead_units),
            "support_units": list(self.support_units),
            "chapter": self.chapter,
            "chapter_title": self.chapter_title,
            "measure": self.measure,
            "measure_label": self.measure_label,
            "units_raw": self.units_raw,
            "span": list(self.span),
        }


def passage_text(c: Clause) -> str:
    """What is searched and embedded for a clause: its heading words and its own text
    (the 责任单位 list is structured data, answered from the record, not searched)."""
    return f"{c.chapter_title} {c.title}。{c.body}"
