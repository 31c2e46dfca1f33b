"""Generated answers from an OpenAI-compatible endpoint (vLLM, Ollama, hosted), checked.

The default answer is extractive; this module is used only when an endpoint is
configured. Whatever the endpoint returns goes through `cite.check_answer`, and
`generate_answer` never raises: any failure gives `ok=False` with a reason in
Chinese that the caller shows when it falls back to the extractive answer.

- `load_prompts(folder)` (from `prompts.py`): the system prompt and the user
  template, validated at load time (`PromptError`).
- `format_sources(sources)`: the numbered sources block, clause text
  delimited as data.
- `stream_answer(...)`: text deltas from `langchain_openai.ChatOpenAI` in
  streaming mode; raises `LLMError` on any endpoint failure and when the
  overall deadline `cfg.timeout_s` passes (a slow trickle of tokens too).
- `checked_stream(...)`: yields the deltas, then returns the checked result.
- `generate_answer(...)`: the same, collected.

No retries (the fallback is the caller's job and must be fast) and no LangSmith
tracing: every call runs under `langsmith.tracing_context(enabled=False)`,
whatever LANGSMITH_* / LANGCHAIN_* variables say.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.cite import CheckResult, Source, check_answer

from .prompts import PromptError, Prompts, load_prompts  # re-exported: the LLM path's public face

__all__ = [
    "LLMConfig",
    "LLMError",
    "LLMResult",
    "PromptError",
    "Prompts",
    "build_messages",
    "checked_stream",
    "format_sources",
    "generate_answer",
    "load_prompts",
    "prepare",
    "rejection_reason",
    "stream_answer",
]

log = logging.getLogger(__name__)

ABSTAIN_PHRASE = "这些文件没有涉及"
_FALLBACK = "，已改用抽取式回答"


# ----------------------------------------------------------------------------- config


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # e.g. http://127.0.0.1:8000/v1
    model: str
    api_key: str = "EMPTY"
    timeout_s: float = 20.0  # overall deadline for one answer, first byte to last
    temperature: float = 0.0
    max_tokens: int = 800


class LLMError(RuntimeError):
    """The endpoint failed. `kind`: timeout, connection, http, api, broken,
    length, filtered, incomplete; `reason`: a sentence in Chinese for the user."""

    def __init__(self, kind: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class LLMResult:
    text: str  # the checked answer (unknown markers stripped), or "" on endpoint errors
    used: list[int] = field(default_factory=list)
    ok: bool = False
    reason: str = ""  # empty when ok; else why, in Chinese, to show the user
    check: CheckResult | None = None  # details (unknown markers, failed quotes)
    elapsed_s: float = 0.0


# ---------------------------------------------------------------------------- sources

# The data delimiters used in the prompt; occurrences inside data are defused so
# a clause or question cannot close its block and speak outside it.
_DELIM = re.compile(r"<(\s*/?\s*)(source|question)\b", re.IGNORECASE)


def _defuse(text: str) -> str:
    return _DELIM.sub(lambda m: "＜" + m.group(1) + m.group(2), text)


def format_sources(sources: Sequence[Source]) -> str:
    """The numbered sources block: "[1] label\\n<source>\\ntext\\n</source>\\n\\n[2] …"."""
    blocks = []
    for s in sources:
        label = " ".join(_defuse(s.label).split())
        blocks.append(f"[{s.n}] {label}\n<source>\n{_defuse(s.text.strip())}\n</source>")
    return "\n\n".join(blocks)


def build_messages(question: str, sources: Sequence[Source], prompts: Prompts) -> list[dict[str, str]]:
    """The chat messages: the fixed system prompt, then one user message holding
    the delimited sources and question (both data)."""
    user = prompts.render_user(_defuse(question.strip()), format_sources(sources))
    return [
        {"role": "system", "content": prompts.system},
        {"role": "user", "content": user},
    ]


# ---------------------------------------------------------------------------- streaming


def prepare(cfg: LLMConfig) -> Any:
    """Build (once per config, cached) the ChatOpenAI client for `cfg`.

    Call it at start-up when an endpoint is configured: the first call imports
    langchain_openai, which takes a second or two. No request is sent. Raises
    LLMError(kind="config") when the configuration is rejected.
    """
    try:
        return _chat_model(cfg)
    except Exception as e:  # noqa: BLE001 - e.g. a malformed base_url
        raise LLMError("config", "大模型服务配置有误" + _FALLBACK) from e


@lru_cache(maxsize=8)
def _chat_model(cfg: LLMConfig) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=cfg.model,
        base_url=cfg.base_url,  # explicit: wins over OPENAI_*/LANGSMITH_GATEWAY env
        api_key=cfg.api_key or "EMPTY",
        timeout=cfg.timeout_s,  # httpx connect/read/write timeout, per operation
        max_retries=0,
        temperature=cfg.temperature,
        max_tokens=cfg.max_tokens,  # sent as max_completion_tokens by ChatOpenAI
        streaming=True,
        stream_usage=False,  # no stream_options: many compatible servers reject it
        use_responses_api=False,  # chat completions, whatever the model name or env
        output_version="v0",  # string content, whatever LC_OUTPUT_VERSION says
    )


def _error_from(exc: BaseException, *, started: bool = False) -> LLMError:
    """Map what the stream raised (openai / httpx / JSON errors) to an LLMError."""
    import openai

    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return LLMError("timeout", "大模型服务超时" + _FALLBACK)
    if isinstance(exc, openai.APIConnectionError):
        if started:  # the stream began, then the connection dropped
            return LLMError("broken", "大模型服务的回答中断或格式错误" + _FALLBACK)
        return LLMError("connection", "无法连接大模型服务" + _FALLBACK)
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        return LLMError("http", f"大模型服务返回错误（HTTP {code}）" + _FALLBACK, status=code)
    if isinstance(exc, openai.APIError):
        return LLMError("api", "大模型服务报告错误" + _FALLBACK)
    return LLMError("broken", "大模型服务的回答中断或格式错误" + _FALLBACK)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in content
            if isinstance(b, str) or (isinstance(b, dict) and b.get("type") == "text")
        )
    return ""


def _produce(llm: Any, messages: list[dict[str, str]], out: queue.Queue, stop: threading.Event) -> None:
    """Worker thread: iterate the LangChain stream, pass (kind, value) items to `out`."""
    from langsmith import tracing_context

    try:
        with tracing_context(enabled=False):
            for chunk in llm.stream(messages, config={"callbacks": []}):
                if stop.is_set():
                    break  # closes the stream and its HTTP response
                delta = _text_of(chunk.content)
                finish = (chunk.response_metadata or {}).get("finish_reason")
                out.put(("delta", delta, finish))
        out.put(("end", None, None))
    except BaseException as e:  # noqa: BLE001 - everything is reported to the consumer
        out.put(("error", e, None))


def stream_answer(
    question: str,
    sources: Sequence[Source],
    cfg: LLMConfig,
    prompts: Prompts,
) -> Iterator[str]:
    """Yield the answer's text deltas as the endpoint streams them.

    Raises LLMError on HTTP errors, connection failures, timeouts, a broken or
    incomplete stream (no finish_reason), a truncated answer
    (finish_reason "length") or a filtered one. The deadline is overall:
    cfg.timeout_s from the call to the last token, so a slow trickle of tokens
    times out too. The HTTP work runs in a daemon thread; on a timeout or when
    the consumer stops early the thread is told to stop and closes the response
    at its next chunk (or its socket read times out, after cfg.timeout_s at most).
    """
    messages = build_messages(question, sources, prompts)
    llm = prepare(cfg)  # the first call imports langchain_openai (~2 s): not on the clock
    deadline = time.monotonic() + cfg.timeout_s
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    worker = threading.Thread(
        target=_produce, args=(llm, messages, out, stop), name="llm-stream", daemon=True
    )
    worker.start()
    started = False  # a chunk arrived: the endpoint answered and began streaming
    finish: str | None = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LLMError("timeout", "大模型服务超时" + _FALLBACK)
            try:
                kind, value, fin = out.get(timeout=remaining)
            except queue.Empty:
                raise LLMError("timeout", "大模型服务超时" + _FALLBACK) from None
            if kind == "error":
                raise _error_from(value, started=started) from value
            if kind == "end":
                break
            started = True
            if fin:
                finish = fin
            if value:
                yield value
    finally:
        stop.set()
    if finish is None:
        raise LLMError("incomplete", "大模型服务的回答不完整" + _FALLBACK)
    if finish == "length":
        raise LLMError("length", "大模型回答过长被截断" + _FALLBACK)
    if finish == "content_filter":
        raise LLMError("filtered", "大模型回答被服务方过滤" + _FALLBACK)


_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


def checked_stream(
    question: str,
    sources: Sequence[Source],
    cfg: LLMConfig,
    prompts: Prompts,
) -> Generator[str, None, LLMResult]:
    """Yield the answer's text deltas as they arrive, then return the checked LLMResult
    (`result = yield from checked_stream(...)`). Never raises for the endpoint's sake: the HTTP
    work runs in `stream_answer`'s one worker thread, this generator in the caller's.

    ok=False, with a reason in Chinese, on endpoint errors, the deadline
    (cfg.timeout_s overall), empty output, an abstention, an answer without a
    valid [n] marker, a quotation not verbatim in its cited source, a statement without a
    marker, or a figure, amount, name or URL its cited source does not contain
    (`cite.check_answer`).
    """
    t0 = time.monotonic()

    def done(**kw: Any) -> LLMResult:
        return LLMResult(elapsed_s=time.monotonic() - t0, **kw)

    if not sources:
        return done(text="", reason="没有可供大模型引用的条文" + _FALLBACK)
    parts: list[str] = []
    try:
        for delta in stream_answer(question, sources, cfg, prompts):
            parts.append(delta)
            yield delta
    except LLMError as e:
        log.warning("LLM answer failed (%s): %s", e.kind, e.__cause__ or e)
        return done(text="", reason=e.reason)
    except Exception as e:  # noqa: BLE001 - e.g. the consumer's handling of a delta failed
        log.exception("LLM answer failed")
        return done(text="", reason=f"大模型回答处理出错（{type(e).__name__}）" + _FALLBACK)

    raw = _THINK.sub("", "".join(parts)).strip()
    if not raw:
        return done(text="", reason="大模型没有返回内容" + _FALLBACK)
    chk = check_answer(raw, sources)
    if chk.ok:
        return done(text=chk.text, used=chk.used, ok=True, check=chk)
    if ABSTAIN_PHRASE in chk.text and not chk.failed_quotes:
        return done(text=chk.text, used=chk.used, reason="大模型认为这些文件没有涉及该问题" + _FALLBACK, check=chk)
    return done(text=chk.text, used=chk.used, reason=rejection_reason(chk), check=chk)


def generate_answer(
    question: str,
    sources: Sequence[Source],
    cfg: LLMConfig,
    prompts: Prompts,
    on_delta: Callable[[str], None] | None = None,
) -> LLMResult:
    """`checked_stream`, collected: deltas go to `on_delta`. Never raises (a failing `on_delta` too)."""
    stream = checked_stream(question, sources, cfg, prompts)
    while True:
        try:
            delta = next(stream)
        except StopIteration as stop:
            return stop.value
        if on_delta is not None:
            try:
                on_delta(delta)
            except Exception as e:  # noqa: BLE001 - reported as the answer's failure
                stream.close()
                log.exception("LLM answer failed")
                return LLMResult(text="", reason=f"大模型回答处理出错（{type(e).__name__}）" + _FALLBACK)


_KIND = {"figure": "数字", "amount": "金额", "name": "名称", "url": "网址", "negation": "否定说法"}


def rejection_reason(chk: CheckResult) -> str:
    """Why a checked answer was not used, in one Chinese sentence naming the first failure."""
    if chk.failed_quotes:
        return "大模型回答中的引文与原文不符" + _FALLBACK
    if not chk.used:
        return "大模型回答没有标注有效的来源" + _FALLBACK
    if chk.unsupported:
        kind, claim, _ = chk.unsupported[0]
        return f"大模型回答中的{_KIND.get(kind, '内容')}“{_clip(claim)}”在所引条文中找不到" + _FALLBACK
    if chk.unmarked:
        return f"大模型回答中有陈述没有标注来源（“{_clip(chk.unmarked[0])}”）" + _FALLBACK
    if chk.ungrounded:
        return f"大模型回答中有陈述与所引条文不符（“{_clip(chk.ungrounded[0])}”）" + _FALLBACK
    return "大模型回答未通过引用检查" + _FALLBACK


def _clip(text: str, n: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
