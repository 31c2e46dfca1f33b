"""The whole corpus: catalog + parsed documents, with look-ups the rest of the code needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .catalog import load_aliases, load_catalog, read_source
from .parse import ParsedDocument, parse_document
from .records import Clause, Document


@dataclass
class Corpus:
    documents: list[Document]
    parsed: list[ParsedDocument]
    clauses: list[Clause] = field(init=False)

    def __post_init__(self) -> None:
        self.clauses = [c for p in self.parsed for c in p.clauses]
        self._by_id = {c.clause_id: c for c in self.clauses}
        self._docs = {d.doc_id: d for d in self.documents}

    def clause(self, clause_id: str) -> Clause | None:
        return self._by_id.get(clause_id)

    def document(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.doc_id == doc_id]


def load_corpus(seeds_dir: Path) -> Corpus:
    """Read the catalog and parse every document it lists; errors name the file."""
    docs = load_catalog(seeds_dir)
    aliases = load_aliases(seeds_dir)
    parsed = [parse_document(d, read_source(seeds_dir, d), aliases.get(d.city, {})) for d in docs]
    return Corpus(documents=docs, parsed=parsed)
