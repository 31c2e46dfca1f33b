"""The OpenAI chat-completions protocol over the assistant's answers: pure functions over plain data.

The reply's `content` is the answer text with its `[n]` markers. The citations travel in extra top-level
fields that OpenAI clients keep (`completion.citations`, or `model_extra`): `citations` (the `ask --json`
citations, `n` matching the markers) and `policy_answer` (the whole `ask --json` object: abstained, units,
notice, mode …). When streaming, the last chunk before `data: [DONE]` carries them (with
`finish_reason: "stop"`). The answer is checked before it is sent, so a streamed answer is never taken back
(with an LLM, its pieces follow once the citation checks have passed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from enum import Enum

from .schemas import ChatMessage

OWNER = "policy-assistant"


class AnswerMode(str, Enum):
    EXTRACTIVE = "extractive"
    LLM = "llm"


# model name → how it answers; the LLM one only when an endpoint is configured
MODELS = {
    "policy-assistant": AnswerMode.EXTRACTIVE,
    "policy-assistant-extractive": AnswerMode.EXTRACTIVE,
    "policy-assistant-llm": AnswerMode.LLM,
}


def available(llm_enabled: bool) -> dict[str, AnswerMode]:
    return {name: mode for name, mode in MODELS.items() if mode is AnswerMode.EXTRACTIVE or llm_enabled}


def unknown_model(model: str, llm_enabled: bool) -> str:
    known = "、".join(available(llm_enabled))
    extra = "" if llm_enabled else "（policy-assistant-llm 需要服务端配置大模型：POLICY_LLM_BASE_URL、POLICY_LLM_MODEL）"
    return f"没有模型 {model}：可用的模型为 {known}{extra}"


def model_list(llm_enabled: bool, created: int) -> dict:
    return {"object": "list", "data": [{"id": name, "object": "model", "created": created, "owned_by": OWNER}
                                       for name in available(llm_enabled)]}


def text_of(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(p.text or "" for p in message.content or () if p.type == "text")


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[str]] | None:
    """(question, history): the last user message and the user messages before it; None without one.
    The assistant's own earlier replies and system prompts are not needed to understand a follow-up."""
    asked = [text_of(m) for m in messages if m.role == "user"]
    if not asked:
        return None
    return asked[-1], asked[:-1]


def extras(answer: dict) -> dict:
    return {"citations": answer["citations"], "policy_answer": answer}


def completion(answer: dict, model: str, cid: str, created: int) -> dict:
    """The `chat.completion` object of an `ask --json` answer."""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer["answer"]},
                     "finish_reason": "stop", "logprobs": None}],
        **extras(answer),
    }


def chunks(answer: dict, model: str, cid: str, created: int, piece: int = 24) -> Iterator[dict]:
    """The `chat.completion.chunk` objects of an answer: the role, the text in pieces, then the
    finish chunk that carries the citations."""

    def chunk(delta: dict, finish: str | None = None, **more) -> dict:
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}

    text = answer["answer"]
    yield chunk({"role": "assistant", "content": ""})
    for i in range(0, len(text), piece):
        yield chunk({"content": text[i : i + piece]})
    yield chunk({}, "stop", **extras(answer))


def sse(payload: dict | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n"


DONE = sse("[DONE]")
