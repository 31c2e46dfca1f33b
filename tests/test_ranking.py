"""How hits are ordered for an answer (assistant/ranking.py), on literal hits."""

from __future__ import annotations

from assistant.ranking import focus, targets_first
from assistant.retrieve import Hit


def test_target_clauses_a_search_missed_follow_the_given_order_not_hash_seeds():
    setting = ("d#1.0", "d#1.2", "d#3.1", "d#4.0", "e#1.0")
    order = [h.clause_id for h in targets_first([Hit("d#2.5", 1.0)], ("d",), setting)]
    assert order == ["d#1.0", "d#1.2", "d#3.1", "d#2.5"]


def test_target_clauses_retrieval_found_come_first_in_its_order():
    hits = [Hit("d#2.5", 3.0), Hit("d#3.1", 2.0), Hit("d#1.2", 1.0)]
    order = [h.clause_id for h in targets_first(hits, ("d",), ("d#1.2", "d#3.1"))]
    assert order[:3] == ["d#3.1", "d#1.2", "d#2.5"]


def test_focus_keeps_hits_whose_keyword_evidence_stays_close():
    hits = [Hit("a", 3, keyword=1.0), Hit("b", 2, keyword=0.8), Hit("c", 1, keyword=0.3)]
    assert [h.clause_id for h in focus(hits, 5)] == ["a", "b"]
