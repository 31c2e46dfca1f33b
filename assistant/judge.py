"""Deciding to decline: the documents do not answer when the retrieval evidence says so.

Evidence, not a list of forbidden words: (1) the question names a place no document covers;
(2) it asks for a kind of value (an amount in yuan, a phone number, an address) that none
of the best clauses contains; (3) the best clause is weak on both sides — low cosine and
low keyword coverage of the question's content words. Thresholds are calibrated on the
question set (`policy-assistant eval --calibrate`) and kept in `AbstainPolicy`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .answer import Intent
from .query import Query
from .retrieve import Hit

_VALUE_ASKS = [
    (re.compile(r"多少钱|费用|收费|金额|补贴标准|奖励标准|奖励多少|补贴多少|资助多少|罚款多少|罚多少|how much|fee|cost"),
     re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元")),
    (re.compile(r"电话|热线|号码|联系方式|phone|hotline"), re.compile(r"\d{5,}|12330|12315")),
    (re.compile(r"地址|门牌|办公地点|在哪条路|怎么走|address"), re.compile(r"[路街道]\d+号|\d+号楼")),
    (re.compile(r"网址|网站地址|链接|website|url"), re.compile(r"https?://|www\.")),
    (re.compile(r"几倍|倍数|多少倍"), re.compile(r"\d+\s*倍|[一二三四五六七八九十]倍")),
]


@dataclass(frozen=True)
class AbstainPolicy:
    min_dense: float = 0.80  # cosine of the best clause (multilingual-e5-small scale)
    min_keyword: float = 0.30  # BM25 of the best clause / the question's idf mass
    min_coverage: float = 0.34  # share of the question's content words found in the best clauses


DEFAULT_POLICY = AbstainPolicy()


def coverage(q: Query, hits: Sequence[Hit], ctx, top: int = 3) -> float:
    """idf-weighted share of the question's content words (jieba tokens) that occur in the
    best clauses' text."""
    words = {t for t in q.tokens if not t.startswith("#")}
    if not words:
        return 0.0
    text = "".join(ctx.clauses[h.clause_id].text for h in hits[:top])
    from index.normalize import normalise  # noqa: PLC0415

    text = normalise(text)
    total = sum(ctx.weight(w) for w in words)
    found = sum(ctx.weight(w) for w in words if w in text)
    return found / total if total else 0.0


def should_abstain(q: Query, hits: Sequence[Hit], ctx, policy: AbstainPolicy = DEFAULT_POLICY) -> str:
    """A reason to decline ("" to answer)."""
    if q.foreign_places and not q.places:
        return f"问题所问地区（{'、'.join(q.foreign_places)}）不在这些文件范围内"
    if not hits:
        return "没有检索到相关条款"
    top_text = "".join(ctx.clauses[h.clause_id].text for h in hits[:3])
    for ask, value in _VALUE_ASKS:
        if ask.search(q.norm) and not value.search(top_text):
            return "问题所问的具体数值/信息在相关条款中没有出现"
    if q.intent in (Intent.CLAUSE_REF, Intent.DEPARTMENT):
        return ""
    best = hits[0]
    dense = max(h.dense for h in hits[:3])
    if q.english:  # no Chinese words to cover: the dense side decides
        return "" if dense >= policy.min_dense else "检索证据不足（英文问题，语义相似度低）"
    cov = coverage(q, hits, ctx)
    strong_keyword = best.keyword >= policy.min_keyword and cov >= policy.min_coverage
    if dense < policy.min_dense and not strong_keyword:
        return f"检索证据不足（相似度 {dense:.2f}，覆盖 {cov:.2f}）"
    if cov < policy.min_coverage * 0.5 and dense < policy.min_dense + 0.03:
        return f"问题的关键词在相关条款中几乎没有出现（覆盖 {cov:.2f}）"
    return ""
