"""How the hits of a search are ordered and cut for an answer: a follow-up's earlier measures in the
fusion, measures before chapter text, measures that list units first for who-questions, the hits that
answer (not the whole list), and whether a target question names a subject of its own."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from .query import Query
from .retrieve import Hit
from .words import content_words


# Words of a target question that name no subject of their own (郑州到2025年想达到什么效果？)
_TARGET_WORDS = frozenset("目标 总体 主要 总体目标 主要目标 文件 份文件 这份文件 意见 方案 实施方案 实施意见 落实意见 水平 效果 程度 年份 时间 节点 时间节点 "
                          "要求 打算 计划 达到 实现 完成 政策 规定 知识产权 保护 知识产权保护".split())


def subject(q: Query) -> list[str]:
    """What a question asks about besides targets, places and the document (非诉讼机构覆盖面 …)."""
    return [w for w in content_words(q.norm)
            if w not in _TARGET_WORDS and not any(w in p or p in w for p in q.places) and not w.isdigit()
            and not re.fullmatch(r"\d+年", w)]



EARLIER_WEIGHT = 0.5  # the previous answer's measures in a follow-up's fusion, against 1.0 for keywords


def with_earlier(hits: Sequence[Hit], earlier: Sequence[str], weight: float = EARLIER_WEIGHT) -> list[Hit]:
    """The measures the previous answer cited join the ranking as one more list of the fusion
    (reciprocal rank, k = 10): a follow-up goes on about them unless its own words point elsewhere."""
    bonus = {cid: weight / (10 + r) for r, cid in enumerate(earlier, start=1)}
    moved = [replace(h, score=h.score + bonus.get(h.clause_id, 0.0)) for h in hits]
    return sorted(moved, key=lambda h: -h.score)


def targets_first(hits: Sequence[Hit], doc_ids: Sequence[str], setting: Sequence[str]) -> list[Hit]:
    """Asked for targets: the clauses that set them (a sentence "到2025年…") first, in the
    order retrieval found them, then those of the named documents it missed, in `setting`'s order."""
    found = [h for h in hits if h.clause_id in setting]
    seen = {h.clause_id for h in found}
    missed = [Hit(cid, 0.0) for cid in setting if cid not in seen and (not doc_ids or cid.split("#")[0] in doc_ids)]
    if not found and len(missed) > 4:  # no named document and nothing retrieved sets one: leave the order
        return list(hits)
    top = hits[0].score if hits else 1.0
    head = [replace(h, score=top + 1.0 + h.score) for h in found] + \
           [replace(h, score=top + 0.5) for h in missed[: max(0, 3 - len(found))]]
    return head + [h for h in hits if h.clause_id not in seen]


def measures_first(hits: Sequence[Hit], keep: Collection[str] = ()) -> list[Hit]:
    """Numbered measures before front matter and chapter text (which carry no units), except the
    chapter texts in `keep` (the targets of 总体要求, asked for targets)."""
    return sorted(hits, key=lambda h: h.clause_id.endswith(".0") and h.clause_id not in keep)


def with_units_first(hits: Sequence[Hit], ctx, ratio: float = 0.7, within: int = 3) -> Hit:
    """Asked who is responsible: of the best few, a measure that lists its units beats one that lists
    none (a plan without 责任单位 beside the opinions that assign them), if its words are close."""
    top = hits[0]
    if ctx.clauses[top.clause_id].units:
        return top
    for h in hits[1:within]:
        if ctx.clauses[h.clause_id].units and h.keyword >= ratio * top.keyword:
            return h
    return top


def focus(hits: Sequence[Hit], k: int, ratio: float = 0.75, most: int = 3,
           targets: Collection[str] = (), target_ratio: float = 0.25) -> list[Hit]:
    """The hits that answer, not the whole result list: the best one, and the next ones only
    while their keyword evidence stays close to it (dense evidence for English questions).
    Asked for a figure, a clause that sets targets (主要目标) joins on weaker evidence: the
    figure is often printed there as well as in the measure. Measured on the own and dev
    sets, ratio 0.75 and at most 3 give the best citation F1 (0.6: recall +0.03, precision −0.04)."""
    if not hits:
        return []
    top = hits[0]
    kept = [top]
    for h in hits[1:k]:
        if len(kept) >= most:
            break
        close = (h.keyword >= ratio * top.keyword) if top.keyword > 0 else (h.dense >= top.dense - 0.01)
        if close or (h.clause_id in targets and h.keyword >= target_ratio * top.keyword):
            kept.append(h)
    return kept
