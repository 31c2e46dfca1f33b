"""The Chroma clause index: build/query/filter, fingerprints, atomic swaps under SIGKILL,
the build lock, and server mode against a real `chroma run`.

Vectors are fake (hash-seeded 16-dim unit vectors): the real embedder is tested elsewhere."""

from __future__ import annotations

import fcntl
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import index.store as store
from index.records import Clause
from index.store import (
    BUILD_COMMAND,
    IndexBusyError,
    IndexMissingError,
    StaleIndexError,
    StoreConfig,
    StoreError,
    active_manifest,
    one_passage_per_clause,
    open_index,
    passage_id,
    passage_text,
)

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


# --------------------------------------------------------------------------- embedded


def test_build_then_query_returns_nearest_first(built, clauses):
    assert_answers(built, clauses, "a")
    target = clauses[7]
    hits = built.query(qvec(target, "a", noise=0.2, seed=1), k=5)
    assert hits[0][1] == target.clause_id
    sims = [s for *_ids, s in hits]
    assert sims == sorted(sims, reverse=True)
    assert all(-1.0 - 1e-6 <= s <= 1.0 + 1e-6 for s in sims)
    # k larger than the index is fine
    assert len(built.query(qvec(target, "a"), k=1000)) == len(clauses)


def test_contains_filter_on_units_list(built, clauses):
    unit = "市商务局"
    carriers = {c.clause_id for c in clauses if unit in c.units}
    assert 0 < len(carriers) < len(clauses)
    outsider = next(c for c in clauses if unit not in c.units)
    hits = built.query(qvec(outsider, "a"), k=100, where={"units": {"$contains": unit}})
    assert {c for _p, c, _s in hits} == carriers
    # n_units stands in for the (absent) empty list
    none = {c.clause_id for c in clauses if not c.units}
    hits = built.query(qvec(outsider, "a"), k=100, where={"n_units": 0})
    assert {c for _p, c, _s in hits} == none


def test_doc_id_city_and_combined_filters(built, clauses):
    probe = clauses[0]
    hits = built.query(qvec(probe, "a"), k=100, where={"doc_id": "doc-b"})
    assert {c for _p, c, _s in hits} == {c.clause_id for c in clauses if c.doc_id == "doc-b"}
    hits = built.query(qvec(probe, "a"), k=100, where={"city": {"$in": ["信阳", "新乡"]}})
    assert {c for _p, c, _s in hits} == {c.clause_id for c in clauses if c.doc_id in ("doc-a", "doc-c")}
    # two plain keys are and-ed for the caller
    hits = built.query(
        qvec(probe, "a"), k=100, where={"doc_id": "doc-a", "units": {"$contains": "市科技局"}}
    )
    want = {c.clause_id for c in clauses if c.doc_id == "doc-a" and "市科技局" in c.units}
    assert want and {c for _p, c, _s in hits} == want


def test_metadata_roundtrip(built, clauses):
    c = next(c for c in clauses if len(c.units) >= 2)
    pid = passage_id(c.clause_id, 0)
    got = built.get([pid, "nope#1.1@0"])
    assert list(got) == [pid]
    m = got[pid]
    assert (m["clause_id"], m["position"]) == (c.clause_id, 0)
    assert m["units"] == list(c.units)
    assert (m["doc_id"], m["chapter"], m["measure"]) == (c.doc_id, c.chapter, c.measure)
    assert (m["title"], m["label"], m["city"]) == (c.title, c.label, DOCS[c.doc_id])
    assert m["passage"] == passage_text(c)
    bare = next(c for c in clauses if not c.units)
    assert built.get([passage_id(bare.clause_id, 0)])[passage_id(bare.clause_id, 0)]["units"] == []


def test_no_default_embedding_function_and_no_network(tmp_path, clauses, monkeypatch):
    """Chroma must never build its ONNX MiniLM default: calling it fails here, sockets fail,
    and nothing appears under ~/.cache/chroma."""
    import chromadb.api.types as ctypes
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2 as onnx

    cache = Path.home() / ".cache" / "chroma"
    had_cache = cache.exists()
    before = set(cache.rglob("*")) if had_cache else set()

    def boom(*_a, **_k):
        raise AssertionError("Chroma tried to use its default embedding function")

    monkeypatch.setattr(ctypes.DefaultEmbeddingFunction, "__call__", boom)
    monkeypatch.setattr(onnx.ONNXMiniLM_L6_V2, "__init__", boom)

    def no_net(*_a, **_k):
        raise OSError("network blocked in test")

    monkeypatch.setattr(socket.socket, "connect", no_net)
    monkeypatch.setattr(socket, "create_connection", no_net)

    cfg = StoreConfig(data_dir=tmp_path / "s")
    build_index(cfg, clauses, make_embed("a"), "fake-a")
    with open_index(cfg, fingerprint(clauses, "fake-a")) as idx:
        assert idx._col._embedding_function is None
        assert idx._col.configuration_json.get("hnsw", {}).get("space") == "cosine"
        assert_answers(idx, clauses, "a")
        with pytest.raises(ValueError):  # no EF: Chroma cannot embed text itself
            idx._col.query(query_texts=["知识产权"], n_results=1)

    after = set(cache.rglob("*")) if cache.exists() else set()
    assert cache.exists() == had_cache and after == before


def test_idempotent_second_build_is_skipped(cfg, clauses):
    r1 = build_index(cfg, clauses, make_embed("a"), "fake-a")
    calls = []
    r2 = build_index(cfg, list(reversed(clauses)), lambda t: calls.append(t), "fake-a")
    assert r2.skipped and not calls
    assert (r2.fingerprint, r2.location, r2.count) == (r1.fingerprint, r1.location, len(clauses))


def test_force_rebuild_swaps_and_keeps_one_previous(cfg, clauses):
    fp = fingerprint(clauses, "fake-a")
    r1 = build_index(cfg, clauses, make_embed("a"), "fake-a")
    old = open_index(cfg, fp)
    r2 = build_index(cfg, clauses, make_embed("a"), "fake-a", force=True)
    assert not r2.skipped and r2.location != r1.location and r2.fingerprint == fp
    assert not old.is_current()
    assert_answers(old, clauses, "a")  # the replaced build is kept for readers in flight
    old.close()
    with open_index(cfg, fp) as idx:
        assert idx.is_current() and idx.location == r2.location
        assert_answers(idx, clauses, "a")
    r3 = build_index(cfg, clauses, make_embed("a"), "fake-a", force=True)
    builds = sorted(p.name for p in (cfg.data_dir / "builds").iterdir())
    assert builds == sorted([Path(r2.location).name, Path(r3.location).name])
    assert Path(r1.location).name in r3.removed


def test_changed_embedder_name_is_stale(cfg, clauses):
    build_index(cfg, clauses, make_embed("a"), "fake-a")
    with pytest.raises(StaleIndexError) as ei:
        open_index(cfg, fingerprint(clauses, "fake-b"))
    msg = str(ei.value)
    assert "过期" in msg and BUILD_COMMAND in msg and "fake-a" in msg
    assert ei.value.actual == fingerprint(clauses, "fake-a")
    # a changed corpus or passage format is stale too
    edited = [*clauses[:-1], Clause(**{**clauses[-1].__dict__, "text": "改过的正文", "body": "改过的正文"})]
    with pytest.raises(StaleIndexError):
        open_index(cfg, fingerprint(edited, "fake-a"))
    with pytest.raises(StaleIndexError):
        open_index(cfg, fingerprint(clauses, "fake-a", passage=lambda c: c.label + "\n" + c.body))
    # rebuilding for the new embedder fixes it
    build_index(cfg, clauses, make_embed("b"), "fake-b")
    with open_index(cfg, fingerprint(clauses, "fake-b")) as idx:
        assert_answers(idx, clauses, "b")


def test_missing_index_says_how_to_fix(cfg, clauses):
    with pytest.raises(IndexMissingError) as ei:
        open_index(cfg, fingerprint(clauses, "fake-a"))
    assert isinstance(ei.value, StoreError)
    assert "索引不存在" in str(ei.value) and BUILD_COMMAND in str(ei.value)
    assert active_manifest(cfg) is None
    assert not (cfg.data_dir / "builds").exists()  # a reader creates nothing


def test_fingerprint_ignores_order_but_not_content(clauses):
    fp = fingerprint(clauses, "m")
    assert fp == fingerprint(list(reversed(clauses)), "m")
    assert fp != fingerprint(clauses, "m2")
    assert fp != fingerprint(clauses[:-1], "m")
    assert fp != fingerprint(clauses, "m", cities=DOCS)
    c = clauses[3]
    for change in ({"units": (*c.units, "市财政局")}, {"title": "新标题"}, {"label": "x"}):
        other = [Clause(**{**c.__dict__, **change}) if x is c else x for x in clauses]
        assert fingerprint(other, "m") != fp, change


def test_passages_of_a_clause_point_at_it_and_their_splitting_is_in_the_fingerprint(cfg, clauses):
    def halves(c):
        return [(0, c.title), (1, c.body)]

    split = store.split_passages(clauses, halves, DOCS)
    assert [p.id for p in split[:2]] == [passage_id(clauses[0].clause_id, 0), passage_id(clauses[0].clause_id, 1)]
    assert {p.clause_id for p in split[:2]} == {clauses[0].clause_id}
    assert split[1].metadata["city"] == DOCS[clauses[0].doc_id]
    build_index(cfg, clauses, make_embed("a"), "fake-a", cities=DOCS)  # one passage per clause
    with pytest.raises(StaleIndexError):  # same clauses, other splitting: stale
        open_index(cfg, store.fingerprint(split, "fake-a"))
    rep = store.build_index(cfg, split, make_embed("a"), "fake-a")
    assert (rep.count, rep.clauses) == (2 * len(clauses), len(clauses))
    with open_index(cfg, store.fingerprint(split, "fake-a")) as idx:
        c = clauses[5]
        pid, cid, sim = idx.query(fake_vec(c.body, "a"), 2)[0]
        assert (pid, cid) == (passage_id(c.clause_id, 1), c.clause_id) and sim == pytest.approx(1.0, abs=1e-4)
        assert idx.get([pid])[pid]["position"] == 1 and idx.get([pid])[pid]["passage"] == c.body
        assert idx.count() == len(idx.all_ids()) == 2 * len(clauses)


def test_query_vector_dimension_is_checked(built, clauses):
    with pytest.raises(StoreError, match="维度"):
        built.query(np.ones(8, dtype=np.float32), k=3)


def test_bad_embedder_output_leaves_active_index(cfg, clauses):
    build_index(cfg, clauses, make_embed("a"), "fake-a")
    with pytest.raises(StoreError, match="形状"):
        build_index(cfg, clauses, lambda t: np.ones((len(t) - 1, 16)), "fake-b")
    with open_index(cfg, fingerprint(clauses, "fake-a")) as idx:
        assert_answers(idx, clauses, "a")
    assert len(list((cfg.data_dir / "builds").iterdir())) == 1  # failed build removed


def test_leftovers_of_crashed_builds_are_cleaned(cfg, clauses):
    build_index(cfg, clauses, make_embed("a"), "fake-a")
    junk = cfg.data_dir / "builds" / "deadbeef-1-1"
    (junk / "sub").mkdir(parents=True)
    (junk / "chroma.sqlite3").write_bytes(b"half")
    tmp = cfg.data_dir / ".CURRENT.123.456.tmp"
    tmp.write_text("{")
    r = build_index(cfg, clauses, make_embed("b"), "fake-b")
    assert "deadbeef-1-1" in r.removed and not junk.exists() and not tmp.exists()


def test_second_builder_gets_lock_message(cfg, clauses):
    cfg.data_dir.mkdir(parents=True)
    with open(cfg.data_dir / "build.lock", "a+") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        t = time.monotonic()
        with pytest.raises(IndexBusyError) as ei:
            build_index(cfg, clauses, make_embed("a"), "fake-a", lock_timeout=0.3)
        assert time.monotonic() - t < 2
        assert "另一个进程" in str(ei.value) and "正在构建索引" in str(ei.value)
    assert not build_index(cfg, clauses, make_embed("a"), "fake-a").skipped  # lock released


def test_unreachable_server_is_a_store_error(tmp_path, clauses):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = StoreConfig(data_dir=tmp_path, host="127.0.0.1", port=port)
    with pytest.raises(StoreError, match="无法连接 Chroma 服务"):
        open_index(cfg, fingerprint(clauses, "fake-a"))


# --------------------------------------------------------------------------- subprocess builders

BUILDER = (
    FAKE_SRC
    + '''
import json, sys
from pathlib import Path
from index.records import Clause
from index.store import StoreConfig, build_index, one_passage_per_clause

args = json.loads(sys.argv[1])
clauses = [Clause(**{**d, "units": tuple(d["units"]), "span": tuple(d["span"])})
           for d in json.load(open(args["clauses"], encoding="utf-8"))]

def progress(stage, done, total):
    print(f"{stage} {done}", flush=True)
    time.sleep(args["pause"])

print("ready", flush=True)
rep = build_index(StoreConfig(Path(args["data_dir"])), one_passage_per_clause(clauses),
                  make_embed(args["salt"], args["sleep"]), args["embedder"],
                  on_progress=progress, batch_size=args["batch"])
print("finished", rep.skipped, flush=True)
'''
)


class Builder:
    """A build_index run in a subprocess whose progress lines can be awaited."""

    def __init__(self, data_dir: Path, clauses_file: Path, **kw):
        args = {
            "data_dir": str(data_dir),
            "clauses": str(clauses_file),
            "salt": "b",
            "embedder": "fake-b",
            "sleep": 0.0,
            "pause": 0.0,
            "batch": 8,
            **kw,
        }
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BUILDER, json.dumps(args)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if line is None:
                return False
            self.seen.append(line)
            if line.startswith(prefix):
                return True

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def finish(self, timeout: float = 30.0) -> int:
        rc = self.proc.wait(timeout)
        while self.wait_for("\0", timeout=0.5):
            pass
        return rc


@pytest.fixture
def clauses_file(tmp_path) -> Path:
    def _write(cl: list[Clause]) -> Path:
        p = tmp_path / f"clauses-{len(cl)}.json"
        p.write_text(json.dumps([c.to_json() for c in cl], ensure_ascii=False), encoding="utf-8")
        return p

    return _write


# Stages a builder reports, in order; killing right after one of them (plus a random
# delay that may land in the next step) covers every phase of a build.
KILL_POINTS = [
    ("ready", None),
    ("embed 0", None),
    ("embed 16", None),
    ("embed 32", None),
    ("write 0", None),
    ("write 40", None),
    ("verify 0", None),
    ("verify 1", None),
    ("commit", None),
    ("swap 0", None),  # killed right before/around os.replace: either index is fine
    ("swap 1", None),
    ("cleanup 0", None),
    ("ready", 0.3),  # plain random delays from the start of the build
    ("ready", 0.8),
]


@pytest.mark.slow
def test_atomic_rebuild_survives_sigkill_at_any_point(tmp_path, clauses_file):
    cl = make_clauses(40)
    cfg = StoreConfig(data_dir=tmp_path / "store")
    fp_old, fp_new = fingerprint(cl, "fake-a"), fingerprint(cl, "fake-b")
    build_index(cfg, cl, make_embed("a"), "fake-a")
    path = clauses_file(cl)
    rnd = random.Random(1234)
    swapped = 0
    landed: list[str] = []
    t_start = time.monotonic()
    for point, extra in KILL_POINTS:
        b = Builder(cfg.data_dir, path, sleep=0.02, pause=0.04)
        try:
            assert b.wait_for(point), (point, b.seen, b.proc.stderr.read() if b.proc.poll() else "")
            if extra is not None or point == "write 0":
                # the old index keeps answering while the new one is being built
                with open_index(cfg, fp_old) as idx:
                    assert idx.query(qvec(cl[5], "a"), k=1)[0][1] == cl[5].clause_id
            time.sleep(rnd.uniform(0, extra if extra is not None else 0.08))
        finally:
            b.kill()
        b.finish()  # collect every line printed before the kill
        landed.append(b.seen[-1])
        man = active_manifest(cfg)
        assert man is not None and man["fingerprint"] in (fp_old, fp_new), (point, man)
        if "swap 0" not in b.seen:  # killed before the pointer was touched
            assert man["fingerprint"] == fp_old, b.seen
        if "swap 1" in b.seen:  # killed after os.replace returned
            assert man["fingerprint"] == fp_new, b.seen
        if man["fingerprint"] == fp_old:
            with open_index(cfg, fp_old) as idx:
                assert_answers(idx, cl, "a", probes=8)
            with pytest.raises(StaleIndexError):
                open_index(cfg, fp_new)
        else:
            swapped += 1
            with open_index(cfg, fp_new) as idx:
                assert_answers(idx, cl, "b", probes=8)
            # put the old index back for the next trial (also cleans the debris)
            assert not build_index(cfg, cl, make_embed("a"), "fake-a").skipped
    # kills landed in many different phases, before and after the swap
    print("kills landed after:", landed)
    assert len(set(landed)) >= 8, landed
    assert 2 <= swapped < len(KILL_POINTS) - 4, landed
    # The next build clears every partial folder the kills left behind.
    rep = build_index(cfg, cl, make_embed("a"), "fake-a", force=True)
    builds = list((cfg.data_dir / "builds").iterdir())
    assert len(builds) == 2 and all((p / "DONE").exists() for p in builds), rep.removed
    assert not list(cfg.data_dir.glob(".CURRENT.*"))
    with open_index(cfg, fp_old) as idx:
        assert_answers(idx, cl, "a", probes=10)
    assert time.monotonic() - t_start < 300  # a guard against a hang, not a timing test (the machine is shared)


@pytest.mark.slow
def test_concurrent_builder_gets_lock_message_then_waits_and_succeeds(tmp_path, clauses_file):
    cl = make_clauses(40)
    cfg = StoreConfig(data_dir=tmp_path / "store")
    fp_old, fp_new = fingerprint(cl, "fake-a"), fingerprint(cl, "fake-b")
    build_index(cfg, cl, make_embed("a"), "fake-a")
    b = Builder(cfg.data_dir, clauses_file(cl), sleep=0.3, batch=4)  # ~3 s holding the lock
    try:
        assert b.wait_for("embed 0"), b.seen
        t = time.monotonic()
        with pytest.raises(IndexBusyError) as ei:
            build_index(cfg, cl, make_embed("b"), "fake-b", lock_timeout=0.5)
        assert time.monotonic() - t < 3
        assert "另一个进程" in str(ei.value) and str(b.proc.pid) in str(ei.value)
        # readers never need the lock
        with open_index(cfg, fp_old) as idx:
            assert_answers(idx, cl, "a")
        # the default (10 s) waits for the other builder, then finds its work done
        t = time.monotonic()
        rep = build_index(cfg, cl, make_embed("b"), "fake-b")
        assert time.monotonic() - t < 10
        assert rep.skipped and rep.fingerprint == fp_new
        assert b.finish() == 0
    finally:
        b.kill()
    with open_index(cfg, fp_new) as idx:
        assert_answers(idx, cl, "b")


# --------------------------------------------------------------------------- server mode


def _chroma_cli() -> str | None:
    local = Path(sys.executable).parent / "chroma"
    return str(local) if local.exists() else shutil.which("chroma")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    cli = _chroma_cli()
    if not cli:
        pytest.skip("chroma CLI not installed")
    path = tmp_path_factory.mktemp("chroma-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(path / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [cli, "run", "--path", str(path / "db"), "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + 30
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(path / 'server.log').read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma run did not answer its heartbeat in 30 s")
            time.sleep(0.2)
        yield ("127.0.0.1", port, path)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _server_cfg(chroma_server, tmp_path, ns: str) -> StoreConfig:
    host, port, _ = chroma_server
    return StoreConfig(data_dir=tmp_path / "lock", host=host, port=port, namespace=ns)


@pytest.mark.slow
def test_server_missing_index(chroma_server, tmp_path, clauses):
    cfg = _server_cfg(chroma_server, tmp_path, "ns_missing")
    with pytest.raises(IndexMissingError) as ei:
        open_index(cfg, fingerprint(clauses, "fake-a"))
    assert BUILD_COMMAND in str(ei.value)


@pytest.mark.slow
def test_server_build_query_filter_and_swap(chroma_server, tmp_path, clauses):
    import chromadb

    cfg = _server_cfg(chroma_server, tmp_path, "ns_main")
    fp_a, fp_b = fingerprint(clauses, "fake-a", cities=DOCS), fingerprint(clauses, "fake-b", cities=DOCS)
    r1 = build_index(cfg, clauses, make_embed("a"), "fake-a", cities=DOCS)
    assert not r1.skipped and r1.location.startswith("ns_main_clauses_")
    assert build_index(cfg, clauses, make_embed("a"), "fake-a", cities=DOCS).skipped

    old = open_index(cfg, fp_a)
    assert old._col._embedding_function is None
    assert_answers(old, clauses, "a")
    probe = clauses[2]
    hits = old.query(qvec(probe, "a"), k=100, where={"units": {"$contains": "市商务局"}})
    assert {c for _p, c, _s in hits} == {c.clause_id for c in clauses if "市商务局" in c.units}
    hits = old.query(qvec(probe, "a"), k=100, where={"doc_id": "doc-c", "city": "新乡"})
    assert {c for _p, c, _s in hits} == {c.clause_id for c in clauses if c.doc_id == "doc-c"}
    assert old.get([passage_id(probe.clause_id, 0)])[passage_id(probe.clause_id, 0)]["units"] == list(probe.units)

    # rebuild for another embedder: swapped in atomically, old name is stale now
    r2 = build_index(cfg, clauses, make_embed("b"), "fake-b", cities=DOCS)
    assert not r2.skipped and r2.location != r1.location
    with pytest.raises(StaleIndexError):
        open_index(cfg, fp_a)
    with open_index(cfg, fp_b) as idx:
        assert idx.is_current()
        assert_answers(idx, clauses, "b")
    assert not old.is_current()
    assert_answers(old, clauses, "a")  # previous collection kept one swap for readers

    r3 = build_index(cfg, clauses, make_embed("a"), "fake-a", cities=DOCS, force=True)
    assert r1.location in r3.removed
    host, port, _ = chroma_server
    client = chromadb.HttpClient(host=host, port=port)
    names = {c.name for c in client.list_collections() if c.name.startswith("ns_main_")}
    assert names == {"ns_main_pointer", r2.location, r3.location}
    with open_index(cfg, fp_a) as idx:
        assert_answers(idx, clauses, "a")
    old.close()


def test_open_retries_once_when_a_rebuild_swapped_meanwhile(cfg, clauses, monkeypatch):
    import index.store.reader as reader

    fp = fingerprint(clauses, "fake-a")
    build_index(cfg, clauses, make_embed("a"), "fake-a")
    real = reader.open_checked
    calls = []

    def racing(backend, manifest):
        calls.append(backend.name_of(manifest))
        if len(calls) == 1:  # another process swaps in a new build right now
            build_index(cfg, clauses, make_embed("a"), "fake-a", force=True)
            raise StoreError("gone")
        return real(backend, manifest)

    monkeypatch.setattr(reader, "open_checked", racing)
    with open_index(cfg, fp) as idx:
        assert len(calls) == 2 and calls[0] != calls[1] and idx.is_current()
        assert_answers(idx, clauses, "a")
