"""Homophone typos (商表 → 商标, 维全 → 维权): the most common slip of pinyin input.

A word of the question that the corpus never uses is replaced by a corpus word that sounds
the same (toneless pinyin), or differs in one letter of one syllable (仲栽院 → 仲裁院; for
two-character words only when the other character is the same). Words with no such
neighbour are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_MODALS = frozenset("能会要可该想敢肯得")
_DETERMINERS = frozenset("每各这那哪几某")


def lazy_pinyin(word: str) -> list[str]:
    """Toneless pinyin. pypinyin loads (0.5 s, its dictionaries) when a speller is first built, not when this
    module is imported: `serve` draws its page before building one."""
    from pypinyin import lazy_pinyin as pinyin  # noqa: PLC0415

    return pinyin(word)


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass
class Speller:
    corpus_text: str
    by_sound: dict[tuple[str, ...], list[str]]
    is_common: Callable[[str], bool] = field(default=lambda w: False)

    @classmethod
    def build(cls, corpus_text: str, words: Iterable[str], is_common: Callable[[str], bool] | None = None) -> Speller:
        """`is_common`: true for real words of the language (涉及), which are never "corrected"."""
        by_sound: dict[tuple[str, ...], list[str]] = {}
        for w in sorted(set(words)):
            if _CJK_WORD.match(w):
                by_sound.setdefault(tuple(lazy_pinyin(w)), []).append(w)
        return cls(corpus_text, by_sound, is_common or (lambda w: False))

    def correct(self, word: str) -> str | None:
        """The corpus word meant, or None."""
        if not _CJK_WORD.match(word) or word in self.corpus_text or self.is_common(word):
            return None
        if len(word) == 2 and word[0] in _MODALS | _DETERMINERS:  # 能管, 要罚; 每件, 这项: not slips
            return None
        sound = tuple(lazy_pinyin(word))
        candidates = list(self.by_sound.get(sound, []))
        if not candidates:
            for other, ws in self.by_sound.items():
                if len(other) != len(sound):
                    continue
                diffs = [i for i, (a, b) in enumerate(zip(sound, other)) if a != b]
                if len(diffs) != 1 or not _one_edit(sound[diffs[0]], other[diffs[0]]):
                    continue
                # two-character words: only when the other character is the same one (仲栽 → 仲裁)
                candidates += [w for w in ws if len(word) >= 3 or word[1 - diffs[0]] == w[1 - diffs[0]]]
        if not candidates:
            return None
        # the candidate sharing most characters with what was typed (仲栽院 → 仲裁院, not 仲裁员)
        return max(candidates, key=lambda w: sum(a == b for a, b in zip(w, word)))
