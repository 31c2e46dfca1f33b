"""Questions about the documents themselves (文号, 落款日期), one or several at once, from the front matter."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_number_and_date_asked_together_are_both_answered(real_assistant):
    ans = real_assistant.ask("信阳那份落实意见的文号和印发日期分别是什么？")
    assert ans.intent.value == "fact" and not ans.abstained  # 分别 of one document: "respectively", not a comparison
    assert "信知战联办〔2021〕2号" in ans.answer and "落款日期为" in ans.answer
    assert {c.clause_id for c in ans.citations} == {"xinyang-opinions#0.0"} and len(ans.citations) == 2


def test_two_documents_each_with_its_own_date(real_assistant):
    ans = real_assistant.ask("信阳的落实意见和实施方案各自啥时候发的？")
    assert [c.clause_id for c in ans.citations] == ["xinyang-opinions#0.0", "xinyang-plan#0.0"]
    assert ans.answer.count("落款日期为") == 2


def test_a_number_the_header_does_not_print_is_said_plainly(real_assistant):
    ans = real_assistant.ask("郑州那份实施意见的文号是多少？")
    assert "没有印文号" in ans.answer and ans.citations[0].clause_id == "zhengzhou-opinions#0.0"


def test_an_old_brand_is_not_a_document_number(real_assistant):
    q = real_assistant.understand("新乡对老字号有没有专门的保护？")
    assert not q.about_document
    assert real_assistant.ask("新乡对老字号有没有专门的保护？").citations[0].clause_id == "xinxiang-opinions#1.4"
