"""The dense side's search (assistant/dense.py): a small index held in memory ranks exactly as the
stored vectors do (Chroma's own nearest-neighbour query is approximate, and sees a clause's second
sentence only when it is among the k × per-clause nearest); a large one is searched in Chroma.
Real Chroma on disk, the fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.conftest import FakeEmbedder

    from assistant import dense as dense_mod
    from assistant.retrieve import passage_text
    from index import load_corpus
    from index.store import StoreConfig, build_index, open_index

    embedder = FakeEmbedder()
    corpus = load_corpus(ROOT / "seeds")
    passages = dense_mod.passages_for(corpus.clauses, corpus.documents, passage_text)
    cfg = StoreConfig(data_dir=tmp_path_factory.mktemp("dense-data"))
    fp = build_index(cfg, passages, embedder.embed_passages, embedder.name).fingerprint
    return dense_mod, embedder, cfg, passages, lambda: open_index(cfg, fp)


QUESTIONS = ["铁拳专项行动", "电商平台上卖假货", "商业秘密保护", "知识产权质押融资", "海外维权援助"]


def test_a_small_index_is_held_in_memory_and_ranks_as_chroma_does(built):
    dense_mod, embedder, cfg, passages, opened = built
    held = dense_mod.DenseIndex.over(embedder, opened(), cfg, passages)
    assert held.memory is not None and len(held.memory.ids) == len(passages)
    chroma = dense_mod.DenseIndex.over(embedder, opened(), cfg, passages)
    chroma.memory = None
    every = sorted(held.passages_of)  # named documents are scored exactly from their stored vectors on the Chroma side
    for q in QUESTIONS:
        for docs in (None, ["zhengzhou-opinions"], ["xinyang-opinions", "xinyang-plan"]):
            mine, theirs = held.search(q, 5, docs), chroma.search(q, 5, docs or every)
            assert [c for c, _ in mine] == [c for c, _ in theirs], (q, docs)
            assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(mine, theirs))
            assert all(c.split("#")[0] in docs for c, _ in mine) if docs else mine


def test_a_large_index_is_searched_in_chroma(built, monkeypatch):
    dense_mod, embedder, cfg, passages, opened = built
    monkeypatch.setattr(dense_mod, "IN_MEMORY_LIMIT", 10)
    big = dense_mod.DenseIndex.over(embedder, opened(), cfg, passages)
    assert big.memory is None
    assert big.search("铁拳专项行动", 3, ["zhengzhou-opinions"])[0][0].startswith("zhengzhou-opinions#")
