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

from index.normalize import normalise

from .answer import Intent
from .query import Query, is_common_word
from .retrieve import Hit

_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元")
MONEY_ASK = re.compile(r"多少钱|费用|收费|金额|补贴标准|奖励标准|(?:奖励|补贴|资助|罚款|领|给|赔)多少|每件|每家|how much|fee|cost")
_VALUE_ASKS = [
    # (what the question asks for, what a clause must print to answer it)
    (MONEY_ASK, _MONEY),
    (re.compile(r"电话|热线|号码|联系方式|公众号|微信|邮箱|phone|hotline|e-?mail"), re.compile(r"\d{5,}|@")),
    (re.compile(r"地址|门牌|办公地点|在哪条路|怎么走|address"), re.compile(r"[路街道]\d+号|\d+号楼")),
    (re.compile(r"网址|网站地址|链接|website|url"), re.compile(r"https?://|www\.")),
    (re.compile(r"几倍|倍数|多少倍"), re.compile(r"\d+\s*倍|[一二三四五六七八九十]倍")),
    (re.compile(r"几点|上班时间|营业时间|办公时间|开放时间"), re.compile(r"\d{1,2}\s*[:：点]")),
    (re.compile(r"多长时间|多久|几个月|多少个月|多少天|几天|期限|多少年(?!底)|how long"),
     re.compile(r"(?<!\d)\d{1,3}\s*(?:个)?(?:年|月|天|日|工作日)(?:内|以内)|期限为")),
    (re.compile(r"多少件|多少起|多少个案件|审结|结案数"), re.compile(r"\d+\s*(?:件|起)")),
    (re.compile(r"利率|税率|贴息|折扣|百分之几"), re.compile(r"\d+(?:\.\d+)?\s*%|利率|税率|贴息")),
]


# Words that frame a question about responsibility or point back at a clause: not content.
SCAFFOLD = frozenset("负责 牵头 承担 参与 涉及 主管 分管 归口 单位 部门 机构 哪个 哪家 由谁 谁来 那条 这条 该条 这项 那项 "
                     "这一条 那一条 这份 那份 文件 里面 其中 具体 一下 目前 现在 打算 准备 会不会 是不是 能不能".split())


@dataclass(frozen=True)
class AbstainPolicy:
    min_coverage: float = 0.25  # share of the question's content words found in the best clauses
    unknown_coverage: float = 0.40  # …when the question uses a noun the corpus never does
    min_dense_english: float = 0.76  # cosine of the best clause, for English questions


DEFAULT_POLICY = AbstainPolicy()


def coverage(q: Query, hits: Sequence[Hit], ctx, top: int = 3) -> float:
    """idf-weighted share of the question's content words (jieba tokens, places
    aside) that occur in the best clauses' text. Question scaffolding (负责, 那条) and tokenizer
    debris are left out; real words the corpus never uses count as not found."""
    places = {normalise(n) for n in q.places}
    words = {t for t in q.tokens if not t.startswith("#") and t not in SCAFFOLD and not any(t in p for p in places)
             and (ctx.known(t) or is_common_word(t) or t in q.unknown_terms)}  # not tokenizer debris (院有)
    if not words:
        return 0.0
    text = "".join(ctx.clauses[h.clause_id].text for h in hits[:top])
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
    if q.english:  # no Chinese words to cover: the dense side and the glossary decide
        dense = max(h.dense for h in hits[:3])
        if dense < policy.min_dense_english and hits[0].keyword <= 0:
            return f"检索证据不足（英文问题，语义相似度 {dense:.2f}）"
        return ""
    if q.unknown_focus:
        return f"问题问的是文件中没有出现的内容（{'、'.join(q.unknown_terms)}）"
    cov = coverage(q, hits, ctx)
    if q.unknown_terms and cov < policy.unknown_coverage:
        return f"问题中的“{'、'.join(q.unknown_terms)}”在文件中没有出现，相关条款覆盖不足（{cov:.2f}）"
    if cov < policy.min_coverage:
        return f"问题的关键词在相关条款中几乎没有出现（覆盖 {cov:.2f}）"
    return ""
