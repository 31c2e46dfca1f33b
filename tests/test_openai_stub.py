"""The OpenAI-protocol stub the LLM tests talk to (tests/openai_stub.py), checked by itself: plain and
streamed answers, the models list, and the official SDK reading it."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.openai_stub import Reply

pytestmark = pytest.mark.usefixtures("no_proxy_for_loopback")


def test_stub_non_streaming_and_models(openai_stub):
    openai_stub.enqueue(Reply(text="你好[1]"))
    req = urllib.request.Request(
        openai_stub.base_url + "/chat/completions",
        data=json.dumps({"model": "x", "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        body = json.loads(resp.read())
    assert body["choices"][0]["message"]["content"] == "你好[1]"
    assert body["choices"][0]["finish_reason"] == "stop"
    with urllib.request.urlopen(openai_stub.base_url + "/models", timeout=5) as resp:
        models = json.loads(resp.read())
    assert models["data"][0]["id"] == "stub-model"
    assert openai_stub.requests[0].body["messages"][0]["content"] == "hi"


def test_stub_via_openai_sdk(openai_stub):
    import openai

    client = openai.OpenAI(base_url=openai_stub.base_url, api_key="EMPTY", max_retries=0)
    openai_stub.enqueue(Reply(text="整段"), Reply(text="分段回答", chunk_size=1))
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}]).choices[0].message.content == "整段"
    parts = [
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}], stream=True)
        if c.choices
    ]
    assert parts[1:] == ["分", "段", "回", "答", ""]
    assert [m.id for m in client.models.list()] == ["stub-model"]
