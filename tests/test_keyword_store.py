"""BM25 by bm25s, and the keyword index kept on disk: loaded when nothing changed, rebuilt when anything did."""

from __future__ import annotations

import logging
import math
import os

import numpy as np
import pytest

from index import keyword_store
from index.keyword import BM25Index, TokenMode, Tokenizer
from index.keyword_store import open_keyword_index

IDS = ["d#1.1", "d#1.2", "d#1.3", "d#2.1"]
TEXTS = ["加强专利保护", "严厉打击商标侵权", "专利快速预审", "商标专利协同保护"]


def test_bm25_scores_are_lucene_bm25_with_the_true_average_length():
    docs = [["a", "b", "a"], ["b", "c"], ["a", "c", "c", "d"], ["e"]]
    index = BM25Index.build([str(i) for i in range(4)], iter(docs))
    avgdl, k1, b = 2.5, 1.2, 0.75
    idf_d = math.log(1 + (4 - 1 + 0.5) / (1 + 0.5))
    want = idf_d * 1 * (k1 + 1) / (1 + k1 * (1 - b + b * 4 / avgdl))
    assert index.scores(["d"])[2] == pytest.approx(want, rel=1e-6)
    assert index.top(["a", "zzz"], 5) == [("0", pytest.approx(index.scores(["a"])[0])), ("2", pytest.approx(index.scores(["a"])[2]))]
    assert index.top(["a"], 5, allowed=np.array([False, False, True, False]))[0][0] == "2"
    assert index.top(["zzz"], 5) == [] and index.max_possible(["zzz"]) == 1.0
    assert index.max_possible(["d", "d"]) == pytest.approx(idf_d)


@pytest.fixture
def tok() -> Tokenizer:
    return Tokenizer(TokenMode.BIGRAM)


def test_saved_once_then_loaded_with_the_same_rankings(tmp_path, tok):
    first = open_keyword_index(tmp_path, IDS, TEXTS, tok)
    again = open_keyword_index(tmp_path, IDS, TEXTS, tok)
    assert (first.loaded, again.loaded) == (False, True)
    for q in ("专利保护", "商标侵权", "快速预审"):
        assert again.index.top(tok(q), 3) == first.index.top(tok(q), 3)
    assert again.index.vocab == first.index.vocab and np.allclose(again.index.idf, first.index.idf)
    assert [p.name for p in (tmp_path / "keyword").iterdir()] == [first.fingerprint[:16]]


def test_a_changed_corpus_or_tokenizer_is_rebuilt(tmp_path, tok):
    base = open_keyword_index(tmp_path, IDS, TEXTS, tok)
    edited = open_keyword_index(tmp_path, IDS, [*TEXTS[:3], "商标保护"], tok)
    other_tok = open_keyword_index(tmp_path, IDS, TEXTS, Tokenizer(TokenMode.BIGRAM, extra_terms=["专利快速预审"]))
    assert not edited.loaded and not other_tok.loaded
    assert len({base.fingerprint, edited.fingerprint, other_tok.fingerprint}) == 3
    assert open_keyword_index(tmp_path, IDS, TEXTS, tok).loaded  # the first is still kept


def test_damaged_or_unfinished_folders_are_rebuilt(tmp_path, tok, caplog):
    fp = open_keyword_index(tmp_path, IDS, TEXTS, tok).fingerprint
    folder = tmp_path / "keyword" / fp[:16]
    (folder / "ids.json").write_text("[", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        again = open_keyword_index(tmp_path, IDS, TEXTS, tok)
    assert not again.loaded and "unreadable" in caplog.text
    (folder / "DONE").unlink()  # as if the process died before DONE
    assert not open_keyword_index(tmp_path, IDS, TEXTS, tok).loaded
    assert open_keyword_index(tmp_path, IDS, TEXTS, tok).loaded


def test_only_the_most_recently_used_are_kept(tmp_path, tok):
    fps = [open_keyword_index(tmp_path, IDS, [*TEXTS[:3], f"专利{i}"], tok).fingerprint for i in range(5)]
    kept = {p.name for p in (tmp_path / "keyword").iterdir()}
    assert len(kept) == keyword_store.KEEP and fps[-1][:16] in kept and fps[0][:16] not in kept


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_data_folder_builds_in_memory_and_says_so(tmp_path, tok, caplog):
    tmp_path.chmod(0o500)
    try:
        with caplog.at_level(logging.WARNING):
            got = open_keyword_index(tmp_path / "data", IDS, TEXTS, tok)
    finally:
        tmp_path.chmod(0o700)
    assert not got.loaded and not got.saved and "not saved" in caplog.text


def test_a_save_that_fails_builds_in_memory_and_says_so(tmp_path, tok, caplog, monkeypatch):
    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(BM25Index, "save", full)
    with caplog.at_level(logging.WARNING):
        got = open_keyword_index(tmp_path, IDS, TEXTS, tok)
    assert not got.saved and "No space left" in caplog.text
    assert got.index.top(tok("专利"), 1)
    assert not any((tmp_path / "keyword").iterdir())  # no temporary folder left behind
