"""Request bodies of the HTTP API. Unknown keys are ignored (as in a batch line); wrong types are a 422."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..answer import Intent

EXAMPLE = "郑州开展铁拳专项行动的责任单位有哪些？"


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"question": EXAMPLE}]})

    question: str = Field(description="问题（超过 max_question_chars 的部分不检索，回答中有提示）")
    history: list[str] = Field(default_factory=list,
                               description="本次对话中之前的问题，按顺序；用于理解“那郑州呢？”这类追问")
    doc_ids: list[str] = Field(default_factory=list, description="只在这些文件中查找（文件编号见 /api/documents）")
    intent: Intent | None = Field(None, description="指定问题类型，不自动识别")


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = "text"
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """OpenAI's chat-completions body; sampling options (temperature, max_tokens, …) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [
        {"model": "policy-assistant", "messages": [{"role": "user", "content": EXAMPLE}]}]})

    model: str = Field(description="policy-assistant（抽取式回答）；policy-assistant-llm（配置了大模型时）；见 /v1/models")
    messages: list[ChatMessage] = Field(min_length=1, description="最后一条用户消息是问题，之前的用户消息是追问的上下文")
    stream: bool | None = Field(False, description="true：以 server-sent events 逐块返回，最后一块带 citations")
    doc_ids: list[str] = Field(default_factory=list, description="扩展字段：只在这些文件中查找")
