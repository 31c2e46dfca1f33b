"""The passage index on a real `chroma run` on loopback: a missing index, build, query, filters and swaps."""

from __future__ import annotations

import pytest

from benchmarks.common import ChromaServer
from index.store import BUILD_COMMAND, IndexMissingError, StaleIndexError, StoreConfig, open_index, passage_id
from tests.store_helpers import DOCS, assert_answers, build_index, fingerprint, make_embed, qvec


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    with ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db") as srv:
        yield "127.0.0.1", srv.port


def _server_cfg(chroma_server, tmp_path, ns: str) -> StoreConfig:
    host, port = chroma_server
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
    host, port = chroma_server
    client = chromadb.HttpClient(host=host, port=port)
    names = {c.name for c in client.list_collections() if c.name.startswith("ns_main_")}
    assert names == {"ns_main_pointer", r2.location, r3.location}
    with open_index(cfg, fp_a) as idx:
        assert_answers(idx, clauses, "a")
    old.close()

