"""Faults at a real `serve`: oversized and ill-typed requests, long questions and chat messages, uploads,
cross-origin writes, a clean server log, SIGTERM. Each: one Chinese line, no traceback."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.servers import Serve

QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    s = Serve(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


@pytest.fixture
def http():
    import httpx

    with httpx.Client(timeout=120) as c:
        yield c


def call(http, serve, api: str, data, headers: dict | None = None, body: bytes | None = None):
    """gradio's REST route: POST /gradio_api/call/<api>, then read the event; (status, event, payload)."""
    r = http.post(f"{serve.url}/gradio_api/call/{api}", headers={"content-type": "application/json", **(headers or {})},
                  content=body if body is not None else json.dumps({"data": data}))
    if r.status_code != 200:
        return r.status_code, "", r.json()
    text = http.get(f"{serve.url}/gradio_api/call/{api}/{r.json()['event_id']}").text
    event = re.findall(r"^event: (\w+)", text, re.M)[-1]
    payload = json.loads(re.findall(r"^data: (.*)$", text, re.M)[-1])
    return 200, event, payload


@pytest.mark.slow
def test_an_oversized_request_is_refused_before_it_is_read_and_memory_stays(serve, http):
    call(http, serve, "ask", [QUESTION])
    before = serve.rss_mb()
    body = json.dumps({"data": ["郑" * 3_000_000]}).encode()  # 18 MB
    for _ in range(20):
        status, _, payload = call(http, serve, "ask", None, body=body)
        assert status == 413 and "请求过大" in payload["error"] and "上限 1000000 字节" in payload["error"]
    after = serve.rss_mb()
    assert after - before < 30, (before, after)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"x" * 100_000
    r = http.post(f"{serve.url}/gradio_api/call/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.slow
def test_a_long_question_is_echoed_as_cut(serve, http):
    status, event, payload = call(http, serve, "ask", ["郑州" * 60_000])  # 120,000 characters, under the byte cap
    assert (status, event) == (200, "complete")
    assert len(payload[0]["question"]) == 500 and "问题过长" in payload[0]["notice"]


@pytest.mark.slow
def test_a_long_chat_message_is_cut_before_it_is_shown(serve):
    from gradio_client import Client

    out = Client(serve.url, verbose=False).predict(message="郑州铁拳" * 25_000, chat=[], doc_ids=[], api_name="/chat")
    shown = [m for m in out[1] if m["role"] == "user"][0]
    text = "".join(part.get("text", "") for part in shown["content"]) if isinstance(shown["content"], list) \
        else shown["content"]
    assert len(text) <= 500 and "（共 100,000 字，已折叠）" in text  # its start and its end, folded


@pytest.mark.slow
@pytest.mark.parametrize("value, words", [(12, "数字"), (["郑州"], "列表"), ({"q": "郑州"}, "对象")])
def test_a_non_string_question_is_a_clear_type_error(serve, http, value, words):
    status, event, payload = call(http, serve, "ask", [value])
    assert (status, event) == (200, "error")
    assert "应为文本（字符串）" in payload["error"] and words in payload["error"] and "问题为空" not in payload["error"]


@pytest.mark.slow
def test_uploads_are_refused_and_nothing_is_kept(serve, http):
    for _ in range(5):
        r = http.post(f"{serve.url}/gradio_api/upload", files={"files": ("a.txt", b"x" * 100_000)})
        assert r.status_code == 403 and "不接受上传" in r.json()["error"]
    kept = [p for p in serve.gradio_tmp.rglob("*") if p.is_file() and p.name == "a.txt"] \
        if serve.gradio_tmp.exists() else []
    assert kept == []


@pytest.mark.slow
def test_cross_origin_writes_are_refused(serve, http):
    status, _, payload = call(http, serve, "ask", [QUESTION], headers={"origin": "http://evil.example"})
    assert status == 403 and "跨站请求被拒绝" in payload["error"]
    status, _, _ = call(http, serve, "ask", [QUESTION], headers={"origin": "null"})
    assert status == 403
    status, _, _ = call(http, serve, "ask", [QUESTION], headers={"sec-fetch-site": "cross-site"})
    assert status == 403
    status, event, _ = call(http, serve, "ask", [QUESTION], headers={"origin": serve.url})
    assert (status, event) == (200, "complete")
    assert http.get(f"{serve.url}/", headers={"origin": "http://evil.example"}).status_code == 200  # reads are fine


@pytest.mark.slow
def test_the_server_log_holds_no_traceback(serve, http):
    call(http, serve, "ask", [None])
    call(http, serve, "chat", [QUESTION, [], ["no-such-document"]])  # gradio's own check of the choices
    time.sleep(0.5)
    log = serve.log_text()
    assert "Traceback" not in log, log[-3000:]
    assert "错误（网页请求）" in log  # said, in one line


@pytest.mark.slow
def test_serve_stops_within_two_seconds_on_sigterm(tmp_path, http):
    s = Serve(tmp_path)
    call(http, s, "ask", [QUESTION])
    seconds = s.stop()
    assert s.proc.returncode == 0 and seconds < 2.0, seconds
    assert "Traceback" not in s.log_text() and "已停止" in s.log_text()
