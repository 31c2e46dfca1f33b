"""The Chroma passage index, embedded: build/query/filter, fingerprints, skips and swaps, stale and missing
indexes, bad vectors, leftovers, the build lock (in one process; across processes: test_store_atomic.py;
on a Chroma server: test_store_server.py)."""

from __future__ import annotations

import fcntl
import socket
import time
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
    open_index,
    passage_id,
    passage_text,
)
from tests.store_helpers import DOCS, assert_answers, build_index, fake_vec, fingerprint, make_embed, qvec


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
