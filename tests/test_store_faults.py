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
import random
import shutil
import sqlite3
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

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"
TARGET = "zhengzhou-opinions#2.4"
NOISE = ("Traceback", "panicked", "stack backtrace", "Exception in thread")

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


def one_clean_line(text: str) -> bool:
    lines = [x for x in text.splitlines() if x.strip()]
    return len(lines) == 1 and not any(n in text for n in NOISE)


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


def _unshare() -> list[str] | None:
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


UNSHARE = _unshare()
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


def _ro_mount(d: Path) -> str:
    return f"mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}'"


@needs_mounts
def test_read_only_mount_answers_and_build_says_why(data_dir):
    got, err = _probe(data_dir, ["query", "status", "build"], _ro_mount(data_dir))
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


# --------------------------------------------------------------------------- the real CLI


def _cli(data_dir: Path, *args: str, mount: str = "") -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), *args]
    if mount:
        cmd = [*UNSHARE, "sh", "-c", f'{mount} && exec "$@"', "sh", *cmd]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)


@pytest.fixture(scope="module")
def real_index(tmp_path_factory) -> Path:
    """The seed index built by the real CLI with the bundled model, once for this module."""
    d = tmp_path_factory.mktemp("real-index") / "data"
    out = _cli(d, "index", "build")
    assert out.returncode == 0, out.stderr
    return d


@pytest.fixture
def real_copy(real_index, tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(real_index, d)
    return d


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncate0.5", "empty", "page@embeddings_queue"])
def test_cli_on_a_damaged_index_says_so_in_one_line(real_copy, how):
    damage(sqlite_of(real_copy), how)
    status = _cli(real_copy, "index", "status")
    assert status.returncode == 1 and "status: 索引已损坏" in status.stdout, status.stdout
    assert not any(n in status.stderr for n in NOISE), status.stderr
    asked = _cli(real_copy, "ask", QUESTION)
    assert asked.returncode == 1 and one_clean_line(asked.stderr), asked.stderr
    assert asked.stderr.startswith("错误：索引已损坏") and BUILD_COMMAND in asked.stderr


@pytest.mark.slow
def test_cli_plain_build_repairs_a_damaged_index(real_copy):
    damage(sqlite_of(real_copy), "page@embedding_metadata")
    built = _cli(real_copy, "index", "build")
    assert built.returncode == 0 and "原索引已损坏" in built.stdout and "已构建" in built.stdout, built.stdout
    asked = _cli(real_copy, "ask", "--json", QUESTION)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["clause_id"] == TARGET


@pytest.mark.slow
def test_cli_on_a_read_only_data_dir(real_copy):
    if UNSHARE is not None:
        mount = _ro_mount(real_copy)
    elif os.geteuid() != 0:
        mount = ""
        subprocess.run(["chmod", "-R", "a-w", str(real_copy)], check=True)
    else:
        pytest.skip("root without a mount namespace: chmod cannot make the dir read-only")
    try:
        asked = _cli(real_copy, "ask", "--json", QUESTION, mount=mount)
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["citations"][0]["clause_id"] == TARGET
        assert not any(n in asked.stderr for n in NOISE), asked.stderr
        status = _cli(real_copy, "index", "status", mount=mount)
        assert status.returncode == 0 and "从临时副本打开" in status.stdout, status.stdout
        built = _cli(real_copy, "index", "build", "--force", mount=mount)
        assert built.returncode == 1 and one_clean_line(built.stderr), built.stderr
        assert "不可写" in built.stderr and "build.lock" in built.stderr
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(real_copy)], check=False)


def test_vectors_of_an_empty_id_list(data_dir):
    with open_index(StoreConfig(data_dir), FP) as idx:
        ids, m = idx.vectors([])
        assert ids == [] and m.shape == (0, EMB.dim)
        assert len(idx.all_ids()) == idx.count() == len(PASSAGES)
        assert np.allclose(idx.vectors([PASSAGES[0].id])[1][0], EMB.embed_passages([PASSAGES[0].text])[0], atol=1e-5)
