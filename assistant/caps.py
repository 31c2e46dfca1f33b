"""Input caps shared by every entry point (CLI, batch, page, API): checked and cut before any work."""

from __future__ import annotations

from collections.abc import Sequence

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


def capped(question: object, max_chars: int) -> tuple[str, bool]:
    """(the question cut to `max_chars`, whether it was cut); a non-string is a clear type error."""
    if question is None:
        raise UserError(EMPTY, exit_code=2)
    if not isinstance(question, str):
        raise UserError(f"问题应为文本（字符串），收到的是{json_type(question)}：请把问题作为字符串传入", exit_code=2)
    if len(question) <= max_chars:
        return question, False
    return question[:max_chars], True


def capped_history(history: object, max_chars: int) -> list[str]:
    """The last few earlier questions, each cut like a question; not a list of strings is a type error."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence) or \
            not all(isinstance(h, str) for h in history):
        raise UserError("history 应为字符串列表（之前的问题，按顺序）", exit_code=2)
    return [h[:max_chars] for h in history[-HISTORY_KEPT:]]
