"""Which of many keys a short text contains, at the cost of the text, not of the number of keys.

The text's substrings of each key length are looked up in a dict: a question of 30 characters
costs a few hundred look-ups whether there are 100 keys or 100,000 (titles, department names).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class SubstringIndex(Generic[V]):
    def __init__(self, pairs: Iterable[tuple[str, V]]) -> None:
        self.values: dict[str, list[V]] = {}
        for key, value in pairs:
            self.values.setdefault(key, []).append(value)
        self.lengths = sorted({len(k) for k in self.values}, reverse=True)

    def found(self, text: str) -> Iterator[set[str]]:
        """For each key length, longest first: the keys of that length that occur in `text`."""
        for n in self.lengths:
            yield {text[i : i + n] for i in range(len(text) - n + 1)} & self.values.keys()
