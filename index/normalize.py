"""Text normalisation shared by indexing and questions: one form for every way of typing it."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width, bidi controls, BOM, and other format characters (Unicode category Cf), plus C0/C1
# controls other than whitespace: they carry no meaning in a question and break matching.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # noqa: PLC0415 - loaded once, only where needed

    return opencc.OpenCC("t2s")


def clean(text: str) -> str:
    """Drop invisible/control characters and lone surrogates; fold runs of whitespace."""
    text = _SURROGATE.sub("", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def normalise(text: str) -> str:
    """The search form: cleaned, NFKC (full-width → half-width), traditional → simplified,
    lower-case. Used on questions and on clause text alike, never shown to users."""
    text = unicodedata.normalize("NFKC", clean(text))
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        text = _t2s().convert(text)
    return text.lower()
