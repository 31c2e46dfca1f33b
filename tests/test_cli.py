"""The command line as other programs use it: exit codes, JSON lines, clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.batch import read_lines

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: bytes | None = None, env_extra: dict | None = None, tmp: Path | None = None):
    env = {**os.environ, "POLICY_RETRIEVAL": "keyword", **(env_extra or {})}
    if tmp is not None:
        env["POLICY_DATA_DIR"] = str(tmp)
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, cwd=ROOT,
                          env=env, timeout=120)


def test_clauses_json_is_the_contract():
    out = run("clauses", "--json")
    assert out.returncode == 0
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(records) == 111
    assert set(records[0]) == {"clause_id", "doc_id", "label", "title", "text", "units", "lead_units", "support_units"}
    assert all(r["lead_units"] == [] and r["support_units"] == [] for r in records)  # the seeds mark no roles
    one = run("clauses", "--json", "yaohai-opinions").stdout.decode().splitlines()
    assert len(one) == 27 and all(json.loads(x)["doc_id"] == "yaohai-opinions" for x in one)


def test_readable_table_of_contents_and_show():
    toc = run("clauses", "zhengzhou-opinions").stdout.decode()
    assert "二、推动落实知识产权“严保护”" in toc and "金水海关" in toc
    shown = run("show", "xinyang-opinions#6.17").stdout.decode()
    assert "加强组织领导" in shown and "未列明" in shown


@pytest.mark.parametrize("args, code, words", [
    (("show", "nope#1.1"), 2, "没有条款"),
    (("clauses", "nope"), 2, "没有文件"),
    (("ask", "   "), 2, "问题为空"),
    (("--embedder", "bogus", "clauses"), 2, "embedder"),
])
def test_bad_input_gives_one_clean_line(args, code, words):
    out = run(*args)
    err = out.stderr.decode()
    assert out.returncode == code and words in err and "Traceback" not in err


def test_ask_json(tmp_path):
    out = run("ask", "--json", "郑州开展铁拳专项行动的责任单位有哪些？", tmp=tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    j = json.loads(out.stdout)
    assert j["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4" and "金水海关" in j["units"]


def test_batch_one_line_out_per_line_in(tmp_path):
    lines = [
        b'{"id": 1, "question": "\xe9\x83\x91\xe5\xb7\x9e\xe5\xbc\x80\xe5\xb1\x95\xe9\x93\x81\xe6\x8b\xb3\xe4\xb8\x93\xe9\xa1\xb9\xe8\xa1\x8c\xe5\x8a\xa8\xe7\x9a\x84\xe8\xb4\xa3\xe4\xbb\xbb\xe5\x8d\x95\xe4\xbd\x8d\xe6\x9c\x89\xe5\x93\xaa\xe4\xba\x9b\xef\xbc\x9f"}',
        b"",
        b'{"id": 2, "question": ',
        b"[1, 2]",
        b'{"id": 3, "question": "\xff\xfe"}',
        b'{"id": 1, "question": "again"}',
        b'{"id": 5}',
        b'{"id": 6, "question": "   "}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    dst = tmp_path / "out.jsonl"
    out = run("batch", str(src), str(dst), tmp=tmp_path / "data")
    records = [json.loads(x) for x in dst.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(lines)
    assert records[0]["id"] == 1 and records[0]["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4"
    assert [("error" in r) for r in records] == [False, True, True, True, True, True, True, True]
    assert records[2]["id"] is None and records[6]["id"] == 5
    assert out.returncode == 1 and "失败 7" in out.stderr.decode()


def test_read_lines_literal():
    got = list(read_lines(b'{"id":"a","question":"q"}\n\n{"id":"a","question":"q2"}\n'))
    assert [g.error == "" for g in got] == [True, False, False]
    assert "重复" in got[2].error


def test_index_status_prints_when_the_index_was_built(tmp_path, fake_embedder, capsys):
    from assistant.cli import main
    from assistant.dense import passages_for
    from assistant.retrieve import passage_text
    from index import load_corpus
    from index.store import StoreConfig, build_index

    corpus = load_corpus(ROOT / "seeds")
    passages = passages_for(corpus.clauses[:5], corpus.documents, passage_text, "clause")
    build_index(StoreConfig(data_dir=tmp_path), passages, fake_embedder.embed_passages, fake_embedder.name)
    assert main(["--data-dir", str(tmp_path), "index", "status"]) == 0
    out = capsys.readouterr().out
    assert "built_at: 20" in out and "count: 5" in out and f"location: {tmp_path}" in out
