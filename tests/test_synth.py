"""The synthetic corpus generator of the scale benchmarks (benchmarks/synth.py)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.synth import SEEDS, build_pool, generate, render_document, split_sentences, write_seeds
from index import load_corpus, parse_document


@pytest.fixture(scope="module")
def real():
    return load_corpus(SEEDS)


@pytest.fixture(scope="module")
def pool(real):
    return build_pool(real)


@pytest.fixture(scope="module")
def synth(pool):
    return generate(1500, seed=7, pool=pool)


def test_same_seed_same_corpus_other_seed_other_corpus(pool):
    a, b = generate(400, seed=3, pool=pool), generate(400, seed=3, pool=pool)
    assert a.clauses == b.clauses and a.documents == b.documents
    c = generate(400, seed=4, pool=pool)
    assert [x.text for x in c.clauses] != [x.text for x in a.clauses]


@pytest.mark.parametrize("n", [1, 19, 250, 1000, 2345])
def test_exactly_the_size_asked(pool, n):
    s = generate(n, seed=0, pool=pool)
    assert len(s.clauses) == n
    assert {c.doc_id for c in s.clauses} == {d.doc_id for d in s.documents}


def test_smaller_corpus_is_the_start_of_a_bigger_one(pool):
    small, big = generate(300, seed=5, pool=pool), generate(3000, seed=5, pool=pool)
    assert [c.clause_id for c in small.clauses] == [c.clause_id for c in big.clauses[:300]]


def test_ids_unique_new_and_in_contract_form(synth, real):
    ids = [c.clause_id for c in synth.clauses]
    assert len(ids) == len(set(ids))
    doc_ids = [d.doc_id for d in synth.documents]
    assert len(doc_ids) == len(set(doc_ids))
    assert all(re.fullmatch(r"synth-\d{5}", d) for d in doc_ids)
    assert not set(doc_ids) & {d.doc_id for d in real.documents}
    for c in synth.clauses:
        assert c.clause_id == f"{c.doc_id}#{c.chapter}.{c.measure}"
    assert {d.city for d in synth.documents}.isdisjoint({d.city for d in real.documents})


def test_documents_of_about_twenty_measures(synth):
    per_doc = Counter(c.doc_id for c in synth.clauses if c.measure)
    full = list(per_doc.values())[:-1]  # the last document may be cut short
    assert all(16 <= m <= 24 for m in full)
    assert 18 <= sum(full) / len(full) <= 22
    for d in synth.documents[:-1]:
        measures = [c.measure for c in synth.clauses if c.doc_id == d.doc_id and c.measure]
        assert measures == list(range(1, len(measures) + 1))  # numbering runs on across chapters
        assert f"{d.doc_id}#0.0" in {c.clause_id for c in synth.clauses}


def test_texts_are_real_sentences_recombined(synth, real, pool):
    real_text = "".join(c.text for c in real.clauses)
    real_titles = {c.title for c in real.clauses if c.measure}
    for c in synth.clauses:
        if not c.measure:
            continue
        assert c.title in real_titles
        parts = split_sentences(c.body)
        assert parts[0] == f"{c.title}。"
        assert "".join(parts) == c.body
        for s in parts[1:]:
            assert s in real_text, s
    # recombined, not copied: measure bodies are new texts
    bodies = {c.body for c in real.clauses}
    copied = sum(c.body in bodies for c in synth.clauses if c.measure)
    assert copied < 0.05 * len(synth.clauses)


def test_unit_lists_are_real_lists_in_the_new_city(synth, real):
    real_lists = {c.units for c in real.clauses if c.measure}
    cities = sorted({d.city for d in real.documents}, key=len, reverse=True)
    city_of = {d.doc_id: d.city for d in synth.documents}
    measures = [c for c in synth.clauses if c.measure]
    with_units = [c for c in measures if c.units]
    assert 0.2 < len(with_units) / len(measures) < 0.6  # the seeds print units for 39% of measures
    real_units = {u for lst in real_lists for u in lst}
    for c in with_units:
        for u in c.units:
            back = u.replace(city_of[c.doc_id], "{city}")
            assert any(back == r or back == _template(r, cities) for r in real_units), u
        assert c.text.endswith(f"（责任单位：{'、'.join(c.units)}）")
        assert c.units_raw == "、".join(c.units)


def _template(unit: str, cities: list[str]) -> str:
    for city in cities:
        unit = unit.replace(city, "{city}")
    return unit


def test_printed_documents_parse_back_to_the_same_clauses(synth):
    for d in synth.documents:
        mine = tuple(c for c in synth.clauses if c.doc_id == d.doc_id)
        parsed = parse_document(d, render_document(d, mine, synth.closings[d.doc_id]))
        assert parsed.clauses == mine
        assert parsed.closing == synth.closings[d.doc_id]


def test_seeds_folder_loads_like_the_real_one(pool, tmp_path):
    s = generate(120, seed=2, pool=pool)
    write_seeds(s, tmp_path)
    loaded = load_corpus(tmp_path)
    assert loaded.documents == s.documents
    assert loaded.clauses == s.clauses
    assert s.corpus().clauses == s.clauses


def test_pieces_cover_each_clause_passage(synth):
    for c in synth.clauses:
        pieces = synth.pieces[c.clause_id]
        assert pieces and all(pieces)
        if c.measure:
            assert pieces[0] == c.chapter_title and "".join(pieces[1:]) == c.body
