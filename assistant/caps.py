"""Input caps shared by every entry point (CLI, batch, page, API): checked and cut before any work."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import UserError

EMPTY = "问题为空：请输入一个问题，例如“郑州开展铁拳专项行动的责任单位有哪些？”"
HISTORY_KEPT = 5  # follow-ups read the last earlier question; a few more cost nothing


def json_type(value: object) -> str:
    """What a JSON value is, in words a user knows."""
    if value is None:
        return "空值 null"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, str):
        return "字符串"
    if isinstance(value, list | tuple):
        return "列表"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__


@dataclass(frozen=True)
class Cut:
    """What an over-long question was cut to: the part kept, and the characters left out before and after it."""

    asked: int
    kept: str
    before: int
    after: int
    limit: int

    def notice(self) -> str:
        """What was searched and what was not, in one sentence."""
        shown = self.kept.strip()
        shown = shown if len(shown) <= 40 else f"{shown[:16]}……{shown[-16:]}"
        where = {(True, False): "最后的问题部分", (False, True): "开头的问题部分"}.get(
            (self.before > 0, self.after > 0), "含问句的部分")
        left = "、".join(x for x in (f"前面 {self.before:,} 字" if self.before else "",
                                     f"后面 {self.after:,} 字" if self.after else "") if x)
        return (f"问题过长（共 {self.asked:,} 字，上限 {self.limit:,} 字）：只按{where}“{shown}”检索，"
                f"{left}未用于检索。")


_PIECE = re.compile(r"[^。！？!?；;\s]*[。！？!?；;\s]*")
_ENDS = 20  # a huge input is read at its two ends only, this many times the cap each


def fit_question(text: str, max_chars: int, least: int = 12) -> tuple[str, int, int]:
    """(the part kept, characters cut before it, characters cut after it). An over-long question is mostly a
    pasted text followed by the question, and searching the paste would answer the paste: keep the last
    sentence that asks (？/?), else the last sentence, with the sentences before it while it is shorter than
    `least` (那郑州呢？ keeps what it follows up); a sentence longer than the cap keeps its end."""
    if len(text) <= max_chars:
        return text, 0, 0
    span = _ENDS * max_chars
    if len(text) > 2 * span:  # 20 million characters cost no more than 20 thousand
        head, tail = text[:span], text[-span:]
        if any(m in tail for m in "？?") or not any(m in head for m in "？?"):
            kept, before, after = fit_question(tail, max_chars, least)
            return kept, len(text) - span + before, after
        kept, before, after = fit_question(head, max_chars, least)
        return kept, before, after + len(text) - span
    pieces = [p for p in _PIECE.findall(text) if p]
    asks = [i for i, p in enumerate(pieces) if "？" in p or "?" in p]
    at = asks[-1] if asks else next(i for i in range(len(pieces) - 1, -1, -1) if pieces[i].strip())
    start = sum(len(p) for p in pieces[:at])
    end = start + len(pieces[at])
    while start > 0 and len(text[start:end].strip()) < least and end - start + len(pieces[at - 1]) <= max_chars:
        at -= 1
        start -= len(pieces[at])
    start = max(start, end - max_chars)
    return text[start:end], start, len(text) - end


def capped(question: object, max_chars: int) -> tuple[str, Cut | None]:
    """(the question's part to search, what was cut or None); a non-string is a clear type error."""
    if question is None:
        raise UserError(EMPTY, exit_code=2)
    if not isinstance(question, str):
        raise UserError(f"问题应为文本（字符串），收到的是{json_type(question)}：请把问题作为字符串传入", exit_code=2)
    if len(question) <= max_chars:
        return question, None
    kept, before, after = fit_question(question, max_chars)
    return kept, Cut(len(question), kept, before, after, max_chars)


def capped_history(history: object, max_chars: int) -> list[str]:
    """The last few earlier questions, each cut like a question; not a list of strings is a type error."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence) or \
            not all(isinstance(h, str) for h in history):
        raise UserError("history 应为字符串列表（之前的问题，按顺序）", exit_code=2)
    return [h[:max_chars] for h in history[-HISTORY_KEPT:]]
