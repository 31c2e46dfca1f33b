"""Follow-ups go on about the measures the previous answer cited, unless they name a place or unit of their own."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_a_follow_up_without_its_own_topic_stays_on_the_previous_answer(real_assistant):
    first = "郑州对屡次侵权的企业会不会列入失信名单？"
    before = [c.clause_id for c in real_assistant.ask(first).citations]
    q = real_assistant.understand("会在哪里公开？", [first])
    assert q.earlier and list(q.earlier) == before[: len(q.earlier)]
    after = real_assistant.ask("会在哪里公开？", [first])
    assert not after.abstained and after.citations[0].clause_id in before


def test_a_follow_up_naming_another_place_starts_afresh(real_assistant):
    q = real_assistant.understand("那新乡呢？", ["郑州对屡次侵权的企业会不会列入失信名单？"])
    assert q.earlier == () and q.doc_ids == ("xinxiang-opinions",)
