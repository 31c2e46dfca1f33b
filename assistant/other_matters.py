"""Other matters: what a question is about when it is nearer an everyday non-IP matter than any clause.

The bundled e5-small puts every Chinese question at cosine 0.84–0.90 to its best sentence of the
corpus, in-scope or not, so an absolute threshold cannot tell "我们的歌被人拿去当背景音乐" (a
copyright matter in words the documents never use) from "社保怎么转回老家" (not IP at all). The same
model can compare: a question is set against a bank of everyday matters (taxes, social insurance,
wages, housing, traffic … in `data/other_matters.tsv`, nothing in it about the corpus) and against
the corpus; when it is clearly nearer a matter of the bank, that is evidence it asks about that
matter — and the decline can say which.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .settings import packaged


@dataclass(frozen=True)
class Nearest:
    matter: str  # the bank's domain (劳动用工, 社会保险 …)
    example: str  # the bank question it is nearest
    similarity: float  # cosine, query to query


@cache
def bank(path: Path | None = None) -> tuple[tuple[str, str], ...]:
    """(matter, question) pairs of the bank; lines starting with # are comments."""
    path = path or packaged("other_matters.tsv")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            matter, question = line.split("\t", 1)
            rows.append((matter.strip(), question.strip()))
    return tuple(rows)


class OtherMatters:
    """The bank embedded with the question embedder, once, on first use (about 100 short queries)."""

    def __init__(self, embed_query: Callable[[str], np.ndarray], rows: tuple[tuple[str, str], ...] | None = None):
        self._embed = embed_query
        self._rows = rows if rows is not None else bank()
        self._matrix: np.ndarray | None = None
        self._lock = threading.Lock()

    def matrix(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                self._matrix = np.stack([self._embed(q) for _, q in self._rows]) if self._rows \
                    else np.zeros((0, 1), dtype=np.float32)
            return self._matrix

    def nearest(self, text: str) -> Nearest | None:
        m = self.matrix()
        if not len(m):
            return None
        sims = m @ self._embed(text)
        i = int(np.argmax(sims))
        return Nearest(self._rows[i][0], self._rows[i][1], float(sims[i]))
