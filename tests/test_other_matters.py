"""Other matters (wages, social insurance, fire safety …): declined by name when a question is clearly
nearer one of them than the corpus; questions in everyday words about IP are still answered."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.other_matters import OtherMatters, bank


def test_the_bank_is_generic_and_well_formed():
    rows = bank()
    assert len(rows) >= 80 and len({m for m, _ in rows}) >= 20
    for matter, question in rows:
        assert matter and question and "\t" not in question
        assert not any(place in question for place in ("信阳", "郑州", "新乡", "合肥", "瑶海")), question
        assert not any(word in question for word in ("知识产权", "专利", "商标", "版权", "侵权")), question


def _one_hot(texts):
    index = {t: i for i, t in enumerate(texts)}

    def embed(text: str) -> np.ndarray:
        v = np.full(len(texts) + 1, 0.01, dtype=np.float32)
        v[index.get(text, len(texts))] = 1.0
        return v / np.linalg.norm(v)

    return embed


def test_nearest_names_the_matter_and_embeds_the_bank_once():
    rows = (("劳动用工", "工资被拖欠"), ("住房", "押金不退"))
    calls = []
    embed = _one_hot([q for _, q in rows])
    matters = OtherMatters(lambda t: calls.append(t) or embed(t), rows)
    near = matters.nearest("押金不退")
    assert (near.matter, near.example) == ("住房", "押金不退") and near.similarity > 0.99
    matters.nearest("工资被拖欠")
    assert calls.count("押金不退") == 2 and calls.count("工资被拖欠") == 2  # the bank once, then each question


def test_an_empty_bank_says_nothing():
    assert OtherMatters(lambda t: np.ones(3, dtype=np.float32), ()).nearest("任何问题") is None


@pytest.mark.slow
@pytest.mark.parametrize("question", ["我们公司有个设计师离职了，他的公积金怎么提取？", "我在信阳开了个农家乐，消防检查怎么通过？"])
def test_a_question_clearly_about_another_matter_is_declined_by_name(real_assistant, question):
    ans = real_assistant.ask(question)
    assert ans.abstained and ans.citations == []
    assert "没有涉及" in ans.answer and "方面的事务" in ans.answer


@pytest.mark.slow
@pytest.mark.parametrize("question", ["我们工作室画的插画被人印在T恤上卖，瑶海区管不管？",
                                      "郑州有家店把我们家的招牌换了个字接着用，这算不算违法，有人管吗？"])
def test_everyday_words_about_ip_are_still_answered(real_assistant, question):
    assert not real_assistant.ask(question).abstained


@pytest.mark.slow
def test_how_often_is_answered_by_an_annual_rule(real_assistant):
    ans = real_assistant.ask("郑州的知识产权保护水平评估多长时间一次？")
    assert not ans.abstained and ans.citations[0].clause_id == "zhengzhou-opinions#7.20"
    assert "年度" in ans.answer and not ans.notice


@pytest.mark.slow
def test_who_and_whether_done_answers_who_and_says_what_is_left_out(real_assistant):
    ans = real_assistant.ask("郑州知识产权仲裁院由哪个部门推进，已经建成了吗？")
    assert not ans.abstained and ans.citations[0].clause_id == "zhengzhou-opinions#3.8"
    assert "没有写实际进展" in ans.notice and ans.units


@pytest.mark.slow
@pytest.mark.parametrize("question, what", [("信阳专利质押融资的风险补偿比例是多少？", "具体比例"),
                                            ("郑州专利资助每件补贴多少钱？", "具体的金额")])
def test_a_value_no_clause_prints_is_declined_saying_which(real_assistant, question, what):
    ans = real_assistant.ask(question)
    assert ans.abstained and f"没有写到{what}" in ans.answer
    assert "已将" not in (ans.notice or "")  # 每件 is not a slip for 每年
