"""Faults under the index (#13): a damaged chroma.sqlite3, a read-only data dir, a full disk.

Each case asserts what a user sees: one Chinese line with the fix (never a traceback, nor a Rust panic
from Chroma's threads), and the index answering afterwards — the old one, a private copy of it, or
the repaired one. Read-only and full-disk cases run for real where the test may mount (a read-only
bind mount and a small tmpfs in a private mount namespace via `unshare`; root cannot be stopped by
chmod); where it may not, the OS refusal is simulated at the OS call and the test says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

from index import load_corpus
from index.store import (
    BUILD_COMMAND,
    DamagedIndexError,
    StoreConfig,
    StoreIOError,
    active_manifest,
    build_index,
    one_passage_per_clause,
    fingerprint,
    index_status,
    open_index,
)
from tests.conftest import FakeEmbedder
from tests.store_helpers import TARGET, damage, ro_mount, sqlite_of, unshare_prefix

ROOT = Path(__file__).resolve().parent.parent

EMB = FakeEmbedder()
CORPUS = load_corpus(ROOT / "seeds")
PASSAGES = one_passage_per_clause(CORPUS.clauses)
FP = fingerprint(PASSAGES, EMB.name)
TEXT_OF = {p.clause_id: p.text for p in PASSAGES}


def build(data_dir: Path, **kw):
    return build_index(StoreConfig(data_dir), PASSAGES, EMB.embed_passages, EMB.name, **kw)


def answers(data_dir: Path) -> bool:
    """The index opens, passes its checks and finds a clause from its own text."""
    with open_index(StoreConfig(data_dir), FP) as idx:
        return idx.query(EMB.embed_query(TEXT_OF[TARGET]), 3)[0][1] == TARGET


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory) -> Path:
    """The seed corpus indexed with the fake embedder, once; each test works on a copy."""
    d = tmp_path_factory.mktemp("seed-index") / "data"
    build(d)
    return d


@pytest.fixture
def data_dir(seed_index, tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(seed_index, d)
    return d


# --------------------------------------------------------------------------- damaged sqlite

# what lies there: the pages Chroma reads for ids, vectors (its log), metadata, documents, collections
OFFSETS = ["random@0", *(f"page@{t}" for t in ("embeddings", "embeddings_queue", "embedding_metadata",
                                               "collections", "collection_metadata", "segments"))]
DAMAGE = ["truncate0.5", "truncate0.99", "empty", *OFFSETS]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_sqlite_is_one_line_then_plain_build_repairs(data_dir, how, capfd):
    damage(sqlite_of(data_dir), how)
    with pytest.raises(DamagedIndexError) as ei:
        open_index(StoreConfig(data_dir), FP)
    msg = str(ei.value)
    assert "索引已损坏" in msg and BUILD_COMMAND in msg and "\n" not in msg
    status = index_status(StoreConfig(data_dir))
    assert status.problem and "索引已损坏" in status.problem
    broken = Path(status.manifest["location"]).name
    # same passages, same embedder: the fingerprint alone would say "up to date" — it must not
    rep = build(data_dir)
    assert not rep.skipped and rep.repaired, rep
    assert answers(data_dir)
    assert index_status(StoreConfig(data_dir)).problem is None
    assert broken not in os.listdir(data_dir / "builds")  # the damaged build is not kept as "previous"
    assert build(data_dir).skipped  # and now it is up to date
    assert capfd.readouterr().err == ""  # nothing from Chroma's threads either


def test_sqlite_replaced_by_another_valid_index_is_damage(data_dir, tmp_path, capfd):
    other = tmp_path / "other"
    build_index(StoreConfig(other), PASSAGES[:50], EMB.embed_passages, EMB.name)
    shutil.copyfile(sqlite_of(other), sqlite_of(data_dir))
    with pytest.raises(DamagedIndexError, match="清单记录 111 条"):
        open_index(StoreConfig(data_dir), FP)
    assert capfd.readouterr().err == ""


def test_damaged_index_opened_in_a_thread_prints_nothing(data_dir, capfd):
    damage(sqlite_of(data_dir), "truncate0.5")
    caught: list[BaseException] = []

    def run() -> None:
        try:
            open_index(StoreConfig(data_dir), FP)
        except BaseException as e:  # noqa: BLE001
            caught.append(e)

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert len(caught) == 1 and isinstance(caught[0], DamagedIndexError)
    assert capfd.readouterr().err == ""


def test_failed_chroma_start_does_not_poison_the_next_open(data_dir):
    """Chroma keeps a half-started client per path after a failed start; every later client on that
    path then fails with AttributeError 'RustBindingsAPI' … 'bindings'. The store drops it."""
    from index.store.chroma import persistent_client

    db = sqlite_of(data_dir)
    good = db.read_bytes()
    damage(db, "truncate0.5")
    with pytest.raises(Exception) as ei:
        persistent_client(db.parent)
    assert not isinstance(ei.value, AttributeError)
    db.write_bytes(good)
    persistent_client(db.parent).close()
    assert answers(data_dir)


# --------------------------------------------------------------------------- simulated OS refusals


def test_read_only_folder_is_opened_from_a_private_copy(data_dir, monkeypatch):
    """Simulated: os.access says the build folder cannot be written (what a read-only mount says)."""
    import index.store.embedded as embedded

    real_access = os.access
    monkeypatch.setattr(embedded.os, "access", lambda p, m: False if m & os.W_OK else real_access(p, m))
    with open_index(StoreConfig(data_dir), FP) as idx:
        assert idx.read_only
        copy = [p for p in Path(tempfile.gettempdir()).glob("policy-assistant-ro-*")
                if p.name.startswith(f"policy-assistant-ro-{os.getpid()}-")]
        assert copy
        assert idx.query(EMB.embed_query(TEXT_OF[TARGET]), 1)[0][1] == TARGET
    assert not any(p.exists() for p in copy)  # removed on close


def test_full_disk_at_the_swap_keeps_the_old_index(data_dir, monkeypatch):
    """Simulated at the OS call: writing CURRENT fails with ENOSPC."""
    import errno

    import index.store.files as files

    before = active_manifest(StoreConfig(data_dir))["location"]
    real = files.os.replace

    def full(src, dst):
        if str(dst).endswith("CURRENT"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(StoreIOError) as ei:
        build(data_dir, force=True)
    assert ei.value.disk_full and "磁盘空间不足" in str(ei.value) and "原有索引（如有）未受影响" in str(ei.value)
    monkeypatch.undo()
    assert active_manifest(StoreConfig(data_dir))["location"] == before and answers(data_dir)
    assert os.listdir(data_dir / "builds") == [Path(before).name]  # the new build was removed
    assert not list(data_dir.glob(".CURRENT.*"))


def test_chroma_reporting_a_full_disk_is_one_line(data_dir, monkeypatch):
    """Simulated: Chroma's add fails as SQLite does on a full disk."""
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    def full(self, *a, **k):
        raise InternalError("error returned from database: (code: 13) database or disk is full")

    monkeypatch.setattr(Collection, "add", full)
    with pytest.raises(StoreIOError, match="磁盘空间不足"):
        build(data_dir, force=True)
    monkeypatch.undo()
    assert answers(data_dir)


# --------------------------------------------------------------------------- real mounts

PROBE = '''
import json, os, sys
from pathlib import Path
from tests.conftest import FakeEmbedder
from index import load_corpus
from index.store import StoreConfig, StoreError, build_index, one_passage_per_clause, fingerprint, index_status, open_index

args = json.loads(sys.argv[1])
emb = FakeEmbedder()
corpus = load_corpus(Path(args["seeds"]))
passages = one_passage_per_clause(corpus.clauses)
text = {p.clause_id: p.text for p in passages}
cfg = StoreConfig(Path(args["data_dir"]))
out = {}
for step in args["steps"]:
    try:
        if step.startswith("query"):
            with open_index(cfg, fingerprint(passages, emb.name)) as idx:
                out[step] = [idx.query(emb.embed_query(text[args["target"]]), 1)[0][1], idx.read_only]
        elif step == "status":
            s = index_status(cfg)
            out[step] = [s.problem, s.read_only]
        elif step == "build":
            out[step] = build_index(cfg, passages, emb.embed_passages, emb.name, force=True).location
        elif step == "fill":
            with open(Path(args["data_dir"]) / "filler", "wb") as f:
                try:
                    while True:
                        f.write(b"\\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            out[step] = True
    except StoreError as e:
        out[step] = {"error": str(e), "type": type(e).__name__}
print(json.dumps(out, ensure_ascii=False))
'''


UNSHARE = unshare_prefix()
needs_mounts = pytest.mark.skipif(UNSHARE is None, reason="no private mount namespace here (simulated above)")


def _probe(data_dir: Path, steps: list[str], mount: str = "") -> tuple[dict, str]:
    args = json.dumps({"data_dir": str(data_dir), "seeds": str(ROOT / "seeds"), "target": TARGET, "steps": steps})
    cmd = [sys.executable, "-c", PROBE, args]
    if mount:
        cmd = [*UNSHARE, "sh", "-c", f'{mount} && exec "$@"', "sh", *cmd]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


@needs_mounts
def test_read_only_mount_answers_and_build_says_why(data_dir):
    got, err = _probe(data_dir, ["query", "status", "build"], ro_mount(data_dir))
    assert got["query"] == [TARGET, True], got
    assert got["status"] == [None, True], got
    b = got["build"]
    assert b["type"] == "StoreIOError" and "不可写" in b["error"] and "build.lock" in b["error"], b
    assert err == ""


@needs_mounts
def test_full_disk_build_fails_in_one_line_and_old_index_answers(data_dir, tmp_path):
    used = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
    small = tmp_path / "small"
    small.mkdir()
    size_kb = used // 1024 + 400  # the old index fits, a second build does not
    mount = f"mount -t tmpfs -o size={size_kb}k tmpfs '{small}' && cp -a '{data_dir}/.' '{small}/'"
    got, err = _probe(small, ["build", "query-in-place", "fill", "query-full", "status"], mount)
    b = got["build"]
    assert b["type"] == "StoreIOError" and "磁盘空间不足" in b["error"] and "原有索引（如有）未受影响" in b["error"], b
    assert got["query-in-place"] == [TARGET, False], got
    assert got["query-full"] == [TARGET, True], got  # Chroma writes on open: a private copy in the temp dir
    assert got["status"] == [None, True], got
    assert err == ""


def test_vectors_of_an_empty_id_list(data_dir):
    with open_index(StoreConfig(data_dir), FP) as idx:
        ids, m = idx.vectors([])
        assert ids == [] and m.shape == (0, EMB.dim)
        assert len(idx.all_ids()) == idx.count() == len(PASSAGES)
        assert np.allclose(idx.vectors([PASSAGES[0].id])[1][0], EMB.embed_passages([PASSAGES[0].text])[0], atol=1e-5)
