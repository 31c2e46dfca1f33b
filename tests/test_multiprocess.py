"""One index on a Chroma server, several app processes (docs/benchmarks/server.md).

A real `chroma run` on loopback; the index is built into it once by one process; two app
processes then answer from it at the same time, and a rebuild by one (after a document is
added) is what the other opens next, without building anything itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import ChromaServer

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"
BUILDING = ("正在构建", "索引不存在", "索引已过期")  # what DenseIndex.open says before building itself

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path):
    with ChromaServer(tmp_path / "chroma") as srv:
        yield srv.port


def _app(port: int, data_dir: Path, seeds: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", "--chroma-host", "127.0.0.1", "--chroma-port", str(port),
            "--data-dir", str(data_dir), "--seeds-dir", str(seeds), *args]


def _env(data_dir: Path) -> dict:
    # one passage per clause: the counts below are clauses (the sharing, not the granularity, is under test)
    return {**os.environ, "POLICY_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
            "POLICY_DENSE_PASSAGES": "clause"}


def _run(cmd: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def _ask_both(port, data_dirs, seeds, *args) -> list[tuple[dict, str]]:
    """Two app processes asking at the same time; each one's JSON answer and stderr."""
    procs = [subprocess.Popen(_app(port, d, seeds, "ask", "--json", *args), cwd=ROOT, env=_env(d),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in data_dirs]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=900)
        assert p.returncode == 0, stderr
        out.append((json.loads(stdout), stderr))
    return out


def _pointer(port: int) -> dict:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
    try:
        return dict(client.get_collection("policy_assistant_pointer").metadata or {})
    finally:
        client.close()


def test_two_app_processes_share_one_chroma_server(chroma_server, tmp_path):
    port = chroma_server
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    shared = tmp_path / "data"  # on one host the processes share the data dir: it holds the build lock

    built = _run(_app(port, shared, seeds, "index", "build"), _env(shared))
    assert built.returncode == 0, built.stderr
    first = _pointer(port)
    assert first["count"] == 111

    # two independent app processes, one per data dir (nothing in it but the lock), same server
    a_dir, b_dir = tmp_path / "app-a", tmp_path / "app-b"
    for answer, stderr in _ask_both(port, [a_dir, b_dir], seeds, QUESTION):
        assert answer["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4"
        assert "金水海关" in answer["units"]
        assert not any(word in stderr for word in BUILDING), stderr
    for d in (a_dir, b_dir):  # the vectors live on the server only
        assert not (d / "CURRENT").exists() and not (d / "builds").exists()

    # a document is added and process A rebuilds; B's next open finds A's index, as is
    sys.path.insert(0, str(ROOT))
    from benchmarks.synth import generate, render_document

    synth = generate(40, seed=11)
    doc = synth.documents[0]
    mine = synth.clauses_of(doc.doc_id)
    (seeds / doc.source).write_text(render_document(doc, mine, synth.closings[doc.doc_id]), encoding="utf-8")
    with open(seeds / "catalog.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[[document]]\nid = "{doc.doc_id}"\ntitle = "{doc.title}"\nshort_name = "{doc.short_name}"\n'
                f'city = "{doc.city}"\nprovince = "{doc.province}"\nissuer = "{doc.issuer}"\n'
                f'number = "{doc.number}"\nsource = "{doc.source}"\n')
    rebuilt = _run(_app(port, a_dir, seeds, "index", "build"), _env(a_dir))
    assert rebuilt.returncode == 0, rebuilt.stderr
    second = _pointer(port)
    assert second["count"] == 111 + len(mine) and second["collection"] != first["collection"]

    measure = mine[3]
    b = _run(_app(port, b_dir, seeds, "ask", "--json", "--doc", doc.doc_id, f"{measure.title}有哪些要求？"), _env(b_dir))
    assert b.returncode == 0, b.stderr
    assert not any(word in b.stderr for word in BUILDING), b.stderr
    assert json.loads(b.stdout)["citations"][0]["doc_id"] == doc.doc_id
    assert _pointer(port)["collection"] == second["collection"]  # B built nothing
    status = _run(_app(port, b_dir, seeds, "index", "status"), _env(b_dir))
    assert f"count: {111 + len(mine)}" in status.stdout


def test_long_running_process_follows_rebuilds_elsewhere(chroma_server, tmp_path, fake_embedder, monkeypatch):
    """A process that keeps its index open (`serve`) still answers after two rebuilds by another
    process, which delete the collection it opened: it re-reads the pointer and reopens."""
    from assistant import dense as dense_mod
    from assistant.retrieve import passage_text
    from index import load_corpus
    from index.store import StoreConfig, build_index, fingerprint, open_index

    corpus = load_corpus(ROOT / "seeds")
    passages = dense_mod.passages_for(corpus.clauses, corpus.documents, passage_text)
    cfg = StoreConfig(data_dir=tmp_path / "data", host="127.0.0.1", port=chroma_server)

    def rebuild(force: bool):
        return build_index(cfg, passages, fake_embedder.embed_passages, fake_embedder.name, force=force)

    fp = rebuild(False).fingerprint
    assert fp == fingerprint(passages, fake_embedder.name)
    dense = dense_mod.DenseIndex.over(fake_embedder, open_index(cfg, fp), cfg, passages)
    first = dense.index.location
    before = dense.search("铁拳专项行动", 5)

    rebuild(True)
    rebuild(True)  # the collection `dense` opened is gone now
    monkeypatch.setattr(dense_mod, "RECHECK_S", 0.0)
    assert dense.search("铁拳专项行动", 5) == before
    assert dense.index.location != first and dense.index.is_current()
    assert dense.search("铁拳专项行动", 3, ["zhengzhou-opinions"])[0][0].startswith("zhengzhou-opinions#")
