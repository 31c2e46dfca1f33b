"""Documents → clauses → vectors: parse the policy corpus and keep it searchable."""

from .catalog import CatalogError, load_aliases, load_catalog, read_source
from .corpus import Corpus, load_corpus
from .errors import PolicyError, os_error_line
from .parse import ParseError, ParsedDocument, parse_document
from .records import Clause, Document
from .units import english_unit_names, unit_short_names

__all__ = [
    "CatalogError",
    "Clause",
    "Corpus",
    "Document",
    "english_unit_names",
    "unit_short_names",
    "ParseError",
    "ParsedDocument",
    "PolicyError",
    "load_aliases",
    "load_catalog",
    "load_corpus",
    "os_error_line",
    "parse_document",
    "read_source",
]
