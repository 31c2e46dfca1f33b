"""Words of a question: jieba's parts of speech, common words, the family's policy terms and the
glossary's everyday words, and whether a question is English."""

from __future__ import annotations

import re
from functools import lru_cache

from index.normalize import normalise


def content_words(text: str) -> list[str]:
    """Nouns, verbal nouns and names of a text, whole words (no search-mode fragments)."""
    return [w for w, f in posseg(normalise(text)) if len(w) >= 2 and f[:1] in ("n", "l") or f == "vn"]


def segment(text: str) -> list[str]:
    import jieba  # noqa: PLC0415

    return jieba.lcut(text)


def is_common_word(word: str) -> bool:
    import jieba  # noqa: PLC0415

    return jieba.dt.FREQ.get(word, 0) >= 20


@lru_cache(maxsize=2048)
def posseg(text: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg  # noqa: PLC0415

    return tuple((w.word, w.flag) for w in jieba.posseg.cut(text))


def ascii_find(text: str, name: str) -> int:
    m = re.search(rf"\b{re.escape(name)}\b", text)
    return m.start() if m else -1


@lru_cache(maxsize=1)
def policy_terms() -> tuple[str, ...]:
    from index.keyword import TERMS_FILE  # noqa: PLC0415

    lines = TERMS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(normalise(t.strip()) for t in lines if t.strip() and not t.startswith("#"))


@lru_cache(maxsize=1)
def expansion_words() -> frozenset[str]:
    from index.keyword import _synonyms  # noqa: PLC0415

    return frozenset(w.strip() for w, _ in _synonyms())


def is_english(norm: str) -> bool:
    letters = sum(1 for ch in norm if ch.isascii() and ch.isalpha())
    cjk = sum(1 for ch in norm if "\u4e00" <= ch <= "\u9fff")
    return letters > 3 * max(cjk, 1)
