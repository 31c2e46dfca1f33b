"""The HTTP API: its pure parts with literal data, the app in-process (fast), and the real `serve` on
loopback driven by httpx, the official `openai` client and gradio_client (slow)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from assistant import Assistant, Settings
from assistant.api import create_app, exposure_warning
from assistant.api import openai_compat as oai
from assistant.api.errors import validation_message
from assistant.api.guard import key_problem
from assistant.api.schemas import ChatMessage
from assistant.api.server import is_loopback
from assistant.retriever import PolicyRetriever
from tests.openai_stub import Reply

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"
KEY = "test-key-123"
AUTH = {"Authorization": f"Bearer {KEY}"}
CONTRACT = {"question", "answer", "abstained", "citations", "units"}

# ---------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize("errors, words", [
    ([{"type": "json_invalid", "loc": ("body", 1), "ctx": {"error": "Expecting value"}}], "不是有效的 JSON（Expecting value）"),
    ([{"type": "missing", "loc": ("body", "question")}], "缺少字段 question"),
    ([{"type": "missing", "loc": ("body",)}], "请求体为空"),
    ([{"type": "string_type", "loc": ("body", "question"), "input": 5}], "字段 question 应为字符串，而不是 数字"),
    ([{"type": "list_type", "loc": ("body", "history"), "input": "a"}], "字段 history 应为列表，而不是 字符串"),
    ([{"type": "string_type", "loc": ("body", "messages", 0, "role"), "input": None}], "字段 messages[0].role 应为字符串"),
    ([{"type": "model_attributes_type", "loc": ("body",), "input": [1]}], "请求体应为 JSON 对象，而不是 列表"),
    ([{"type": "model_attributes_type", "loc": ("body",), "input": b"q=1"}], "Content-Type: application/json"),
    ([{"type": "enum", "loc": ("body", "intent"), "ctx": {"expected": "'lookup' or 'fact'"}}], "应为 lookup、fact 之一"),
    ([], "请求格式有误"),
])
def test_validation_errors_read_as_one_chinese_line(errors, words):
    message = validation_message(errors)
    assert words in message and "\n" not in message


def test_key_must_be_the_bearer_token():
    assert key_problem(f"Bearer {KEY}", KEY) == "" and key_problem(f"bearer  {KEY}", KEY) == ""
    assert "缺少 API 密钥" in key_problem(None, KEY) and "Authorization: Bearer" in key_problem("", KEY)
    assert "不正确" in key_problem("Bearer nope", KEY) and "不正确" in key_problem(f"Basic {KEY}", KEY)


def test_conversation_is_the_last_user_message_after_the_earlier_ones():
    msgs = [ChatMessage(role="system", content="你是助手"), ChatMessage(role="user", content="信阳对商业秘密有什么措施？"),
            ChatMessage(role="assistant", content="……[1]"),
            ChatMessage(role="user", content=[{"type": "text", "text": "那郑州"}, {"type": "text", "text": "呢？"}])]
    assert oai.conversation(msgs) == ("那郑州呢？", ["信阳对商业秘密有什么措施？"])
    assert oai.conversation([ChatMessage(role="system", content="x")]) is None


def test_models_follow_the_llm_setting():
    assert set(oai.available(False)) == {"policy-assistant", "policy-assistant-extractive"}
    assert oai.available(True)["policy-assistant-llm"] is oai.AnswerMode.LLM
    assert [m["id"] for m in oai.model_list(False, 1)["data"]] == ["policy-assistant", "policy-assistant-extractive"]
    assert "POLICY_LLM_BASE_URL" in oai.unknown_model("policy-assistant-llm", False)


ANSWER = {"question": "q", "answer": "甲乙丙丁[1]。", "abstained": False, "units": ["市公安局"],
          "citations": [{"n": 1, "clause_id": "d#1.1", "doc_id": "d", "label": "L", "quote": "甲", "units": []}]}


def test_completion_carries_the_citations_beside_the_message():
    c = oai.completion(ANSWER, "policy-assistant", "chatcmpl-1", 7)
    assert c["object"] == "chat.completion" and c["choices"][0]["message"] == {"role": "assistant", "content": "甲乙丙丁[1]。"}
    assert c["citations"] == ANSWER["citations"] and c["policy_answer"] == ANSWER


def test_chunks_spell_the_answer_then_end_with_the_citations():
    chunks = list(oai.chunks(ANSWER, "m", "chatcmpl-1", 7, piece=2))
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == ANSWER["answer"]
    last = chunks[-1]
    assert last["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}
    assert last["citations"] == ANSWER["citations"] and all("citations" not in c for c in chunks[:-1])
    assert oai.sse({"a": "中"}) == 'data: {"a": "中"}\n\n' and oai.DONE == "data: [DONE]\n\n"


def test_warning_only_beyond_loopback_without_a_key():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    assert exposure_warning(Settings(host="127.0.0.1")) == ""
    assert exposure_warning(Settings(host="0.0.0.0", api_key=KEY)) == ""
    line = exposure_warning(Settings(host="0.0.0.0"))
    assert "POLICY_API_KEY" in line and "\n" not in line


# ---------------------------------------------------------------------------- the app in-process


@pytest.fixture(scope="module")
def keyed(keyword_assistant, tmp_path_factory):
    """The app over keyword retrieval, with an API key and a small body cap."""
    from fastapi.testclient import TestClient

    settings = Settings(retrieval="keyword", data_dir=tmp_path_factory.mktemp("api"), api_key=KEY,
                        api_max_body_bytes=4096)
    app = create_app(Assistant(settings, corpus=keyword_assistant.corpus))
    with TestClient(app, raise_server_exceptions=False, headers=AUTH) as client:
        yield client


def test_ask_is_the_ask_json_object(keyed, keyword_assistant):
    r = keyed.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    j = r.json()
    assert CONTRACT <= set(j) and j["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4"
    expected = keyword_assistant.ask(QUESTION).to_json()
    assert {k: v for k, v in j.items() if k != "timings_ms"} == {k: v for k, v in expected.items() if k != "timings_ms"}


def test_ask_takes_history_doc_ids_and_intent(keyed):
    j = keyed.post("/api/ask", json={"question": "那郑州呢？", "history": ["信阳对商业秘密的行政执法有什么措施？"]}).json()
    assert j["rewritten"] and all(c["doc_id"] == "zhengzhou-opinions" for c in j["citations"])
    j = keyed.post("/api/ask", json={"question": "商业秘密", "doc_ids": ["xinxiang-opinions"]}).json()
    assert {c["doc_id"] for c in j["citations"]} == {"xinxiang-opinions"}
    j = keyed.post("/api/ask", json={"question": "市场监管局", "intent": "department"}).json()
    assert j["intent"] == "department" and len(j["citations"]) > 10


@pytest.mark.parametrize("body, status, words", [
    (b"{oops", 422, "不是有效的 JSON"),
    (b'{"question": 42}', 422, "字段 question 应为字符串"),
    (b'{"question": "a", "history": "b"}', 422, "字段 history 应为列表"),
    (b'{"question": "a", "doc_ids": [1]}', 422, "字段 doc_ids[0] 应为字符串"),
    (b'{"q": "a"}', 422, "缺少字段 question"),
    (b'["a"]', 422, "请求体应为 JSON 对象"),
    (b"", 422, "请求体为空"),
    (b'{"question": "a", "intent": "x"}', 422, "intent 的取值无效"),
    (b'{"question": "   "}', 400, "问题为空"),
    (b'{"question": "a", "doc_ids": ["nope"]}', 400, "没有文件 nope"),
])
def test_bad_bodies_get_a_status_and_the_clis_message(keyed, body, status, words):
    r = keyed.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status and words in r.json()["error"], r.text


def test_oversized_body_is_413_and_a_long_question_is_cut_with_a_notice(keyed):
    r = keyed.post("/api/ask", json={"question": "铁拳" * 3000})
    assert r.status_code == 413 and "请求体过大" in r.json()["error"]
    r = keyed.post("/api/ask", content=iter([b'{"question": "', b"x" * 5000, b'"}']))  # chunked: no length given
    assert r.status_code == 413
    j = keyed.post("/api/ask", json={"question": "郑州铁拳" * 150}).json()  # 600 characters, under the body cap
    assert len(j["question"]) == 500 and "只按最后的问题部分" in j["notice"] and "前面 100 字未用于检索" in j["notice"]


def test_key_is_required(keyed):
    r = keyed.post("/api/ask", json={"question": QUESTION}, headers={"Authorization": ""})
    assert r.status_code == 401 and "缺少 API 密钥" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"
    r = keyed.get("/v1/models", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert keyed.get("/openapi.json", headers={"Authorization": ""}).status_code == 200  # the docs stay open


def test_unknown_routes_and_methods(keyed):
    assert keyed.get("/api/nope").status_code == 404 and "没有这个接口" in keyed.get("/api/nope").json()["error"]
    r = keyed.get("/api/ask")
    assert r.status_code == 405 and "只接受 POST" in r.json()["error"]
    assert keyed.post("/v1/completions").json()["error"]["message"].startswith("没有这个接口")


def test_corpus_endpoints_are_the_clis_records(keyed, keyword_assistant):
    from assistant.cli.corpus_cmds import _contract_record

    all_ = keyed.get("/api/clauses").json()
    assert all_ == [_contract_record(c) for c in keyword_assistant.corpus.clauses]
    one = keyed.get("/api/clauses", params={"doc_id": "yaohai-opinions"}).json()
    assert len(one) == 27 and {c["doc_id"] for c in one} == {"yaohai-opinions"}
    assert keyed.get("/api/clauses", params={"doc_id": "nope"}).status_code == 404
    c = keyed.get("/api/clauses/xinyang-opinions%236.17").json()
    assert c["title"] == "加强组织领导" and c["units"] == []
    r = keyed.get("/api/clauses/nope%231.1")
    assert r.status_code == 404 and "没有条款 nope#1.1" in r.json()["error"]
    docs = keyed.get("/api/documents").json()
    assert [d["doc_id"] for d in docs] == [d.doc_id for d in keyword_assistant.corpus.documents]
    assert sum(d["clauses"] for d in docs) == len(all_)


def test_department_gets_every_measure(keyed, keyword_assistant):
    j = keyed.get("/api/departments/信阳市市场监管局").json()
    carried = keyword_assistant.units.clauses_of("xinyang-opinions", "市市场监管局")
    assert j["intent"] == "department" and [c["clause_id"] for c in j["citations"]] == carried
    r = keyed.get("/api/departments/不存在的部门")
    assert r.status_code == 404 and "没有找到名为“不存在的部门”的责任单位" in r.json()["error"]


def test_batch_one_line_out_per_line_in_with_the_clis_error_records(keyed, tmp_path):
    from assistant.batch import answer_line, read_lines

    raw = (json.dumps({"id": "a", "question": QUESTION}, ensure_ascii=False) + "\n{bad\n[1]\n"
           + json.dumps({"id": "b"}) + "\n\n" + json.dumps({"id": "c", "question": "\u200b"}) + "\n").encode()
    r = keyed.post("/api/batch", content=raw)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    out = [json.loads(x) for x in r.text.splitlines()]
    assert len(out) == 6 and out[0]["id"] == "a" and out[0]["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4"
    cli = [answer_line(line, lambda q, h: None) for line in read_lines(raw) if line.error]
    assert out[1:5] == cli and len(cli) == 4
    assert out[5] == {"id": "c", "error": "第 6 行：问题为空：请输入一个问题，例如“郑州开展铁拳专项行动的责任单位有哪些？”"}


def test_openai_errors_have_openais_shape(keyed):
    r = keyed.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "model_not_found" and r.json()["error"]["type"] == "invalid_request_error"
    r = keyed.post("/v1/chat/completions", json={"model": "policy-assistant", "messages": [{"role": "system", "content": "x"}]})
    assert r.status_code == 422 and "没有用户消息" in r.json()["error"]["message"]
    r = keyed.post("/v1/chat/completions", json={"model": "policy-assistant", "messages": "hi"})
    assert r.status_code == 422 and r.json()["error"]["param"] == "messages"
    r = keyed.post("/v1/chat/completions", json={"model": "policy-assistant", "messages": [{"role": "user", "content": "x" * 5000}]})
    assert r.status_code == 413 and "请求体过大" in r.json()["error"]["message"]


def test_model_name_selects_the_llm_when_one_is_configured(keyword_assistant, openai_stub, tmp_path):
    from fastapi.testclient import TestClient

    settings = Settings(retrieval="keyword", data_dir=tmp_path, llm_base_url=openai_stub.base_url, llm_model="stub")
    client = TestClient(create_app(Assistant(settings, corpus=keyword_assistant.corpus)))
    assert "policy-assistant-llm" in [m["id"] for m in client.get("/v1/models").json()["data"]]
    openai_stub.enqueue(Reply(text="郑州持续开展「“铁拳”等多个知识产权执法专项行动」[1]。"))
    body = {"messages": [{"role": "user", "content": QUESTION}]}
    j = client.post("/v1/chat/completions", json={**body, "model": "policy-assistant-llm"}).json()
    assert j["policy_answer"]["mode"] == "llm" and j["choices"][0]["message"]["content"].startswith("郑州持续开展")
    asked = len(openai_stub.chat_requests)
    j = client.post("/v1/chat/completions", json={**body, "model": "policy-assistant"}).json()
    assert j["policy_answer"]["mode"] == "extractive" and len(openai_stub.chat_requests) == asked


# ---------------------------------------------------------------------------- the retriever


def test_retriever_applies_the_question_understanding(keyword_assistant):
    from langchain_core.retrievers import BaseRetriever

    retriever = keyword_assistant.as_retriever(k=4)
    assert isinstance(retriever, PolicyRetriever) and isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    assert len(docs) == 4 and docs[0].metadata["clause_id"] == "zhengzhou-opinions#2.4"
    assert all(d.metadata["doc_id"] == "zhengzhou-opinions" for d in docs)  # the place named narrows the search
    first = docs[0]
    assert set(first.metadata) == {"clause_id", "doc_id", "label", "units", "quote", "score"}
    assert "金水海关" in first.metadata["units"] and first.metadata["quote"] in first.page_content
    assert first.page_content == keyword_assistant.corpus.clause("zhengzhou-opinions#2.4").text
    dept = retriever.invoke("信阳市市场监管局负责哪些措施？")  # complete, never cut to k
    assert [d.metadata["clause_id"] for d in dept] == keyword_assistant.units.clauses_of("xinyang-opinions", "市市场监管局")
    assert retriever.invoke("今天郑州天气怎么样？") == []  # the assistant would decline


def test_retriever_in_an_lcel_chain(keyword_assistant):
    from langchain_core.language_models import FakeListChatModel
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda, RunnablePassthrough

    seen = []

    def numbered(docs):
        return "\n".join(f"[{i}] {d.metadata['clause_id']}：{d.page_content}" for i, d in enumerate(docs, 1))

    prompt = ChatPromptTemplate.from_messages([("system", "只依据下列条款回答：\n{sources}"), ("human", "{question}")])
    model = FakeListChatModel(responses=["责任单位见[1]。"])
    chain = ({"sources": keyword_assistant.as_retriever(k=2) | RunnableLambda(numbered), "question": RunnablePassthrough()}
             | prompt | RunnableLambda(lambda p: seen.append(p.to_string()) or p) | model | StrOutputParser())
    assert chain.invoke(QUESTION) == "责任单位见[1]。"
    assert "[1] zhengzhou-opinions#2.4：" in seen[0] and "[2] " in seen[0] and QUESTION in seen[0]


def test_readme_retriever_example_runs(monkeypatch, tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- retriever-example -->\s*```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.setenv("POLICY_DATA_DIR", str(tmp_path))
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "zhengzhou-opinions#2.4" in out


# ---------------------------------------------------------------------------- the real server (slow)


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    """`serve` on loopback with keyword retrieval and an API key."""
    from tests.servers import Server

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICY_RETRIEVAL", "keyword")
        mp.setenv("POLICY_API_KEY", KEY)
        s = Server(tmp_path_factory.mktemp("api-serve"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def http(api_server):
    with httpx.Client(base_url=api_server.url, headers=AUTH, timeout=60) as c:
        yield c


@pytest.mark.slow
def test_real_server_answers_ask_on_the_page_port(api_server, http):
    assert api_server.url.startswith("http://127.0.0.1:")
    j = http.post("/api/ask", json={"question": QUESTION}).json()
    assert CONTRACT <= set(j) and j["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4" and "金水海关" in j["units"]
    assert http.get("/").status_code == 200 and "gradio" in http.get("/").text.lower()  # the page, same port
    from gradio_client import Client  # Gradio's /ask is not behind the key, and still the contract's object

    assert Client(api_server.url, verbose=False).predict(QUESTION, api_name="/ask")["citations"] == j["citations"]
    spec = http.get("/openapi.json").json()
    assert {"/api/ask", "/api/batch", "/v1/chat/completions", "/v1/models"} <= set(spec["paths"])
    assert http.get("/docs").status_code == 200


@pytest.mark.slow
def test_real_server_refuses_missing_and_wrong_keys(api_server):
    r = httpx.post(api_server.url + "api/ask", json={"question": QUESTION})
    assert r.status_code == 401 and "缺少 API 密钥" in r.json()["error"]
    r = httpx.post(api_server.url + "api/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and "不正确" in r.json()["error"]


@pytest.mark.slow
def test_real_server_bad_and_oversized_bodies(api_server, http):
    for body, status in ((b"{oops", 422), (b'{"question": 1}', 422), (b'{"history": []}', 422), (b'{"question": ""}', 400)):
        r = http.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == status and r.json()["error"]
    big = b'{"question": "' + b"x" * 2_000_000 + b'"}'
    assert http.post("/api/ask", content=big).status_code == 413
    assert http.post("/api/ask", content=iter([big[i : i + 65536] for i in range(0, len(big), 65536)])).status_code == 413
    j = http.post("/api/ask", json={"question": "郑州铁拳" * 1000}).json()
    assert len(j["question"]) == 500 and "只按最后的问题部分" in j["notice"] and "前面 3,500 字未用于检索" in j["notice"]
    log = api_server.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log


@pytest.mark.slow
def test_real_server_streams_batch_lines(http):
    lines = [{"id": 1, "question": QUESTION}, "not json", {"id": 2, "question": "信阳市市场监管局负责哪些措施？"}, {"id": 3}]
    raw = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    with http.stream("POST", "/api/batch", content=raw.encode(), headers={"Content-Type": "application/x-ndjson"}) as r:
        assert r.status_code == 200 and "content-length" not in r.headers  # streamed, line by line
        out = [json.loads(line) for line in r.iter_lines() if line]
    assert [o["id"] for o in out] == [1, None, 2, 3]
    assert out[0]["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4" and out[2]["intent"] == "department"
    assert out[1] == {"id": None, "error": "第 2 行不是有效的 JSON：Expecting value"}
    assert "第 4 行缺少问题" in out[3]["error"]


@pytest.mark.slow
def test_real_server_speaks_openai_to_the_openai_client(api_server, http):
    from openai import NotFoundError, OpenAI

    client = OpenAI(base_url=api_server.url + "v1", api_key=KEY, max_retries=0)
    assert [m.id for m in client.models.list()] == ["policy-assistant", "policy-assistant-extractive"]
    messages = [{"role": "user", "content": "信阳对商业秘密的行政执法有什么措施？"}, {"role": "assistant", "content": "……"},
                {"role": "user", "content": QUESTION}]
    done = client.chat.completions.create(model="policy-assistant", messages=messages)
    text = done.choices[0].message.content
    assert "[1]" in text and done.choices[0].finish_reason == "stop"
    assert done.citations[0]["clause_id"] == "zhengzhou-opinions#2.4" and done.policy_answer["answer"] == text
    pieces, last = [], None
    for chunk in client.chat.completions.create(model="policy-assistant", messages=messages, stream=True):
        pieces += [c.delta.content or "" for c in chunk.choices]
        last = chunk
    assert "".join(pieces) == text
    assert last.choices[0].finish_reason == "stop" and last.citations == done.citations
    with pytest.raises(NotFoundError) as err:
        client.chat.completions.create(model="gpt-4o", messages=messages)
    assert "没有模型 gpt-4o" in str(err.value)
    plain = http.post("/api/ask", json={"question": QUESTION, "history": [messages[0]["content"]]}).json()
    assert plain["answer"] == text


@pytest.mark.slow
def test_real_default_settings_answer_over_http(server):
    """The session's `serve` with the default settings (bundled model, Chroma on disk, hybrid retrieval)."""
    from openai import OpenAI

    j = httpx.post(server.url + "api/ask", json={"question": QUESTION}, timeout=120).json()
    assert j["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4" and "金水海关" in j["units"]
    done = OpenAI(base_url=server.url + "v1", api_key="unused", max_retries=0).chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": QUESTION}])
    assert done.choices[0].message.content == j["answer"] and done.citations == j["citations"]
