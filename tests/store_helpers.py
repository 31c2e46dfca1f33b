"""Helpers for the store tests: fake vectors (hash-seeded 16-dim unit vectors; the real embedder is
tested elsewhere), synthetic clauses, one passage per clause, the small fixtures they share (a pytest
plugin of tests/conftest.py), and for the fault tests: damage to a built index, private mount namespaces."""

from __future__ import annotations

import functools
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import index.store as store
from index.records import Clause
from index.store import StoreConfig, active_manifest, one_passage_per_clause, open_index, passage_id, passage_text

ROOT = Path(__file__).resolve().parent.parent

# Shared verbatim with the builder subprocesses below, so both sides make the same vectors.
FAKE_SRC = '''
import hashlib, time
import numpy as np

def fake_vec(text, salt=""):
    seed = int.from_bytes(hashlib.sha256((salt + "|" + text).encode("utf-8")).digest()[:8], "little")
    v = np.random.default_rng(seed).normal(size=16)
    return (v / np.linalg.norm(v)).astype(np.float32)

def make_embed(salt="", sleep=0.0):
    def embed(texts):
        if sleep:
            time.sleep(sleep)
        return np.stack([fake_vec(t, salt) for t in texts])
    return embed
'''
exec(FAKE_SRC)  # defines fake_vec, make_embed  # noqa: S102


# The store keeps passages; these tests store the default one passage per clause.
def build_index(cfg, clauses, embed, name, *, cities=None, passage=passage_text, **kw):
    return store.build_index(cfg, one_passage_per_clause(clauses, passage, cities), embed, name, **kw)


def fingerprint(clauses, name, *, cities=None, passage=passage_text):
    return store.fingerprint(one_passage_per_clause(clauses, passage, cities), name)

UNIT_POOL = ["市商务局", "市科技局", "市市场监管局", "市公安局", "市司法局", "信阳海关"]
DOCS = {"doc-a": "信阳", "doc-b": "郑州", "doc-c": "新乡"}


def make_clauses(n: int = 24) -> list[Clause]:
    out = []
    docs = list(DOCS)
    for i in range(n):
        doc = docs[i % len(docs)]
        chapter, measure = i // 6 + 1, i + 1
        units = tuple(UNIT_POOL[j] for j in range(len(UNIT_POOL)) if (i * 7 + j) % 4 == 0)
        if i % 3 == 2:
            units = ()  # like the real corpus: many measures name no unit
        title = f"措施标题{i}"
        text = f"{title}。第{i}条正文，关于知识产权保护的具体要求{i * 13 % 17}。"
        out.append(
            Clause(
                clause_id=f"{doc}#{chapter}.{measure}",
                doc_id=doc,
                chapter=chapter,
                chapter_title=f"第{chapter}章",
                measure=measure,
                measure_label=f"（{measure}）",
                title=title,
                text=text,
                span=(i * 100, i * 100 + len(text)),
                units_raw="、".join(units),
                units=units,
                label=f"{doc} {chapter}.{measure} {title}",
            )
        )
    return out


def qvec(clause: Clause, salt: str, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    v = fake_vec(passage_text(clause), salt)
    if noise:
        v = v + noise * np.random.default_rng(seed).normal(size=v.shape).astype(np.float32)
    return v


def assert_answers(idx, clauses: list[Clause], salt: str, probes: int = 5) -> None:
    """The index holds every clause and finds each probed one first, similarity ≈ 1."""
    assert idx.count() == len(clauses)
    for c in clauses[:: max(1, len(clauses) // probes)]:
        hits = idx.query(qvec(c, salt), k=3)
        assert hits[0][:2] == (passage_id(c.clause_id, 0), c.clause_id), (c.clause_id, hits)
        assert hits[0][2] == pytest.approx(1.0, abs=1e-4)


@pytest.fixture
def clauses() -> list[Clause]:
    return make_clauses()


@pytest.fixture
def cfg(tmp_path) -> StoreConfig:
    return StoreConfig(data_dir=tmp_path / "store")


@pytest.fixture
def built(cfg, clauses):
    rep = build_index(cfg, clauses, make_embed("a"), "fake-a", cities=DOCS)
    assert not rep.skipped
    idx = open_index(cfg, fingerprint(clauses, "fake-a", cities=DOCS))
    yield idx
    idx.close()



# --------------------------------------------------------------------------- faults under a built index

QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"
TARGET = "zhengzhou-opinions#2.4"


def sqlite_of(data_dir: Path) -> Path:
    return Path(active_manifest(StoreConfig(data_dir))["location"]) / "chroma.sqlite3"


def damage(db: Path, how: str) -> None:
    """"empty", "truncate<fraction>", "random@0" (4 KiB over the header) or "page@<table>": the root
    page of a table overwritten with random bytes. Root pages rather than fractions of the file: the
    layout differs from build to build, and a fraction may land on a free page, which is no damage."""
    size = db.stat().st_size
    if how == "empty":
        db.write_bytes(b"")
        return
    if how.startswith("truncate"):
        os.truncate(db, int(size * float(how.removeprefix("truncate"))))
        return
    off, n = 0, 4096
    if how.startswith("page@"):
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
            n = conn.execute("PRAGMA page_size").fetchone()[0]
            root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (how[5:],)).fetchone()[0]
        conn.close()
        off = (root - 1) * n
    with open(db, "r+b") as f:
        f.seek(off)
        f.write(random.Random(how).randbytes(n))


@functools.cache
def unshare_prefix() -> list[str] | None:
    """A command prefix running in a private mount namespace where mounting is allowed, or None."""
    if not shutil.which("unshare"):
        return None
    prefix = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    d = tempfile.mkdtemp()
    try:
        ok = subprocess.run([*prefix, "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$0"', d],
                            capture_output=True, timeout=30)
    finally:
        os.rmdir(d)
    return prefix if ok.returncode == 0 else None


def ro_mount(d: Path) -> str:
    return f"mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}'"
