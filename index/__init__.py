"""Documents → clauses → vectors: parse the policy corpus and keep it searchable."""

from .catalog import CatalogError, load_aliases, load_catalog, read_source
from .corpus import Corpus, load_corpus
from .parse import ParseError, ParsedDocument, parse_document
from .records import Clause, Document
from .units import english_unit_names

__all__ = [
    "CatalogError",
    "Clause",
    "Corpus",
    "Document",
    "english_unit_names",
    "ParseError",
    "ParsedDocument",
    "load_aliases",
    "load_catalog",
    "load_corpus",
    "parse_document",
    "read_source",
]
