"""Faults where users meet them: unwritable and full outputs, closed pipes, unreadable batch lines, catalog
sources outside seeds/ (a real `serve`: test_faults_serve.py). Each: one Chinese line, no traceback, no lost
line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.batch import parse_line, raw_lines, read_lines
from assistant.errors import PolicyError, UserError, explain
from index import CatalogError, load_catalog
from index.errors import os_error_line

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"


def cli(*args: str, tmp: Path, stdin: bytes | None = None, stdout=subprocess.PIPE, timeout: float = 120):
    env = {**os.environ, "POLICY_RETRIEVAL": "keyword", "POLICY_DATA_DIR": str(tmp / "data")}
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, cwd=ROOT, env=env, timeout=timeout)


def one_clean_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8")
    assert "Traceback" not in text and "Exception ignored" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("错误")]
    assert len(errors) == 1, text
    return errors[0]


# ---------------------------------------------------------------------------- one error base


def test_every_user_facing_error_shares_one_base_with_an_exit_code():
    from index.embed import EmbedderError
    from index.parse import ParseError
    from index.store import StoreError

    for cls in (UserError, CatalogError, ParseError, EmbedderError, StoreError):
        assert issubclass(cls, PolicyError)
    assert UserError("x", exit_code=2).exit_code == 2 and CatalogError("x").exit_code == 1


@pytest.mark.parametrize("errno_, words", [(28, "磁盘空间已满"), (30, "只读"), (13, "没有权限"), (2, "不存在")])
def test_os_errors_read_as_one_line_with_the_fix(errno_, words):
    line = os_error_line(OSError(errno_, os.strerror(errno_), "/x/out.jsonl"), "写入输出文件")
    assert line.startswith("无法写入输出文件 /x/out.jsonl：") and words in line and "请" in line and "\n" not in line


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        line, code = explain(exc)
    assert code == 1 and "内部错误（ZeroDivisionError: division by zero）" in line and "\n" not in line
    saved = list(tmp_path.glob("policy-assistant-error-*.txt"))
    assert len(saved) == 1 and "Traceback" in saved[0].read_text(encoding="utf-8")


def test_a_background_thread_failure_is_one_line(tmp_path):
    code = ("from assistant.cli import edge; import threading; edge.install_hooks();"
            "t = threading.Thread(target=lambda: open('/nonexistent/x', 'w'), name='writer'); t.start(); t.join();"
            "raise OSError(28, 'No space left on device', '/data/out')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60,
                         env={**os.environ, "TMPDIR": str(tmp_path)})
    text = out.stderr.decode()
    assert "Traceback" not in text and out.returncode == 1
    assert "错误（后台线程 writer）：/nonexistent/x：文件或文件夹不存在" in text
    assert "错误：/data/out：磁盘空间已满" in text


# ---------------------------------------------------------------------------- outputs that cannot be written


@pytest.fixture
def batch_in(tmp_path) -> Path:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "question": QUESTION}, ensure_ascii=False) + "\n"
                           for i in range(3)), encoding="utf-8")
    return src


@contextlib.contextmanager
def mounted_tmpfs(path: Path, options: str):
    """A real read-only or tiny file system (root can write anywhere else); skipped where mounting is not allowed."""
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tmpfs")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True).returncode:
        pytest.skip("mount not permitted here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def readonly_dir(tmp_path):
    path = tmp_path / "ro"
    if os.geteuid() != 0:
        path.mkdir()
        path.chmod(0o555)
        yield path, "没有权限"
        path.chmod(0o755)
        return
    with mounted_tmpfs(path, "ro,size=64k") as p:
        yield p, "只读"


def test_batch_into_a_read_only_folder(tmp_path, batch_in, readonly_dir):
    folder, words = readonly_dir
    out = cli("batch", str(batch_in), str(folder / "out.jsonl"), tmp=tmp_path)
    line = one_clean_line(out.stderr)
    assert out.returncode == 2 and f"无法写入输出文件 {folder / 'out.jsonl'}" in line and words in line


def test_batch_onto_a_full_file_system(tmp_path):
    with mounted_tmpfs(tmp_path / "small", "size=8k") as small:
        src = tmp_path / "in.jsonl"
        src.write_text("".join(json.dumps({"id": i, "question": QUESTION}, ensure_ascii=False) + "\n"
                               for i in range(40)), encoding="utf-8")
        out = cli("batch", str(src), str(small / "out.jsonl"), tmp=tmp_path)
        line = one_clean_line(out.stderr)
        assert out.returncode == 1 and "磁盘空间已满" in line and re.search(r"已写出 \d+ 行", line)
        written = int(re.search(r"已写出 (\d+) 行", line).group(1))
        assert 0 < written < 40  # what was written is whole lines, and said
        assert len((small / "out.jsonl").read_bytes().splitlines()) >= written


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_batch_and_ask_into_dev_full(tmp_path, batch_in):
    out = cli("batch", str(batch_in), "/dev/full", tmp=tmp_path)
    line = one_clean_line(out.stderr)
    assert out.returncode == 1 and "无法写入输出文件 /dev/full：磁盘空间已满" in line and "已写出 0 行" in line
    with open("/dev/full", "wb") as full:
        for args in (("batch", str(batch_in), "-"), ("ask", "--json", QUESTION), ("clauses", "--json")):
            out = cli(*args, tmp=tmp_path, stdout=full)
            assert out.returncode == 1 and "无法写入标准输出：磁盘空间已满" in one_clean_line(out.stderr), args


def test_a_closed_pipe_is_one_line(tmp_path):
    env = {**os.environ, "POLICY_RETRIEVAL": "keyword", "POLICY_DATA_DIR": str(tmp_path)}
    p = subprocess.Popen([sys.executable, "-m", "assistant", "clauses", "--json"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.read(10)
    p.stdout.close()  # `| head -c 10`
    err = p.stderr.read()
    assert p.wait(timeout=60) == 141
    assert "输出管道已关闭" in one_clean_line(err)


# ---------------------------------------------------------------------------- batch: no line lost


NASTY_LINES = [
    ("[" * 1500 + "]" * 1500, "嵌套过深"),
    ('{"id": ' + "[" * 5000 + "1" + "]" * 5000 + ', "question": "q"}', "嵌套过深"),
    ('{"id": 3, "question": "a\x00b"}', "NUL"),
    ('{"id": 1e400, "question": "q"}', "数字"),
    ('{"id": NaN, "question": "q"}', "数字"),
    ('{"id": ' + "9" * 5000 + ', "question": "q"}', "数字"),
    ('{"id": 7, "question": 5}', "question 应为字符串，实际为数字"),
    ('{"id": 8, "question": null}', "question 应为字符串"),
    ('{"id": 9}', "缺少问题（没有 question 字段）"),
    ('{"id": 10, "question": "  "}', "question 为空"),
    ('{"id": 11, "question": "q", "history": "x"}', "history 应为字符串列表"),
    ('"just a string"', "应为 JSON 对象，实际为字符串"),
    (b"\xff\xfe", "UTF-8"),
    ("", "为空"),
]


@pytest.mark.parametrize("line, words", NASTY_LINES)
def test_each_unreadable_line_is_an_error_naming_it(line, words):
    got = parse_line(4, line if isinstance(line, bytes) else line.encode(), set())
    assert got.question is None and got.error.startswith("第 4 行") and words in got.error


def test_an_overlong_line_is_skipped_over_without_being_held():
    reads: list[int] = []

    class Recording(io.BytesIO):
        def readline(self, size=-1):
            reads.append(size)
            return super().readline(size)

    src = Recording(b'{"id": 1, "question": "q"}\n' + b"x" * 5000 + b"\n" + b'{"id": 2, "question": "q2"}\n')
    lines = list(raw_lines(src, 100))
    assert [(n, line is None, size) for n, line, size in lines] == [(1, False, 26), (2, True, 5000), (3, False, 27)]
    assert all(0 < r <= 1 << 20 for r in reads)  # never "read the whole line"
    got = list(read_lines(io.BytesIO(b"y" * 500 + b"\n"), max_bytes=100))
    assert "过长（500 字节，上限 100 字节）" in got[0].error


def test_batch_never_stops_early(tmp_path):
    lines = [json.dumps({"id": "first", "question": QUESTION}, ensure_ascii=False)]
    lines += [text for text, _ in NASTY_LINES if isinstance(text, str)]
    lines += ['{"id": "huge", "question": "' + "郑" * 400_000 + '"}']  # over the 1 MB line cap
    lines += [json.dumps({"id": "long", "question": "郑州" * 2000}, ensure_ascii=False)]
    lines += [json.dumps({"id": "last", "question": QUESTION}, ensure_ascii=False)]
    src = tmp_path / "in.jsonl"
    src.write_bytes("\n".join(lines).encode("utf-8") + b"\n\xff\xfe\n")
    dst = tmp_path / "out.jsonl"
    out = cli("batch", str(src), str(dst), tmp=tmp_path)
    assert "Traceback" not in out.stderr.decode() and out.returncode == 1
    records = [json.loads(x) for x in dst.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(lines) + 1  # one record per input line
    by_id = {r["id"]: r for r in records if isinstance(r["id"], str)}
    assert by_id["first"]["citations"] and by_id["last"]["citations"]
    assert "过长" in records[len(lines) - 3]["error"] and records[len(lines) - 3]["id"] is None
    assert len(by_id["long"]["question"]) == 500 and "问题过长" in by_id["long"]["notice"]
    assert "UTF-8" in records[-1]["error"]
    assert f"批量问答完成：{len(records)} 行，成功 3，失败 {len(records) - 3}" in out.stderr.decode()


def test_the_output_may_not_be_the_input(tmp_path, batch_in):
    before = batch_in.read_bytes()
    out = cli("batch", str(batch_in), str(batch_in), tmp=tmp_path)
    assert out.returncode == 2 and "就是输入文件" in one_clean_line(out.stderr) and batch_in.read_bytes() == before


def test_ask_cuts_a_huge_question_before_any_work(tmp_path):
    t0 = time.perf_counter()
    out = cli("ask", "--json", tmp=tmp_path, stdin=("郑州铁拳" * 250_000).encode())  # a million characters
    j = json.loads(out.stdout)
    assert out.returncode == 0 and len(j["question"]) == 500 and "问题过长（共 1,000,000 字" in j["notice"]
    assert time.perf_counter() - t0 < 60


def test_a_non_string_question_is_a_type_error(keyword_assistant):
    for bad, words in ((12, "数字"), (["a"], "列表"), ({"q": 1}, "对象")):
        with pytest.raises(UserError) as err:
            keyword_assistant.ask(bad)
        assert err.value.exit_code == 2 and "应为文本（字符串）" in str(err.value) and words in str(err.value)
    ans = keyword_assistant.ask("郑州" * 100_000, ["那信阳呢？" * 100_000])
    assert len(ans.question) == 500 and "问题过长" in ans.notice


# ---------------------------------------------------------------------------- catalog


def _catalog(tmp_path: Path, source: str, extra: str = "") -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    with open(seeds / "catalog.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[[document]]\nid = "evil"\ntitle = "t"\nshort_name = "t"\ncity = "c"\nprovince = "p"\n'
                 f'issuer = "i"\nsource = "{source}"\n{extra}')
    return seeds


@pytest.mark.parametrize("source", ["../../../../../../etc/passwd", "/etc/passwd", "link.txt"])
def test_a_source_outside_seeds_is_refused(tmp_path, source):
    seeds = _catalog(tmp_path, source)
    (seeds / "link.txt").symlink_to("/etc/passwd")
    with pytest.raises(CatalogError) as err:
        load_catalog(seeds)
    assert "id evil" in str(err.value) and "seeds 文件夹之外" in str(err.value)


def test_a_symlink_inside_seeds_is_fine(tmp_path):
    seeds = _catalog(tmp_path, "sub/copy.txt")
    (seeds / "sub").mkdir()
    (seeds / "real.txt").write_text("一、总则\n（一）测试措施。\n", encoding="utf-8")
    (seeds / "sub" / "copy.txt").symlink_to(seeds / "real.txt")
    assert [d.doc_id for d in load_catalog(seeds)][-1] == "evil"


def test_a_source_named_twice_names_both_entries(tmp_path):
    seeds = _catalog(tmp_path, "./002_bfd9ad7d28fca050.txt")
    with pytest.raises(CatalogError) as err:
        load_catalog(seeds)
    msg = str(err.value)
    assert "id evil" in msg and "id zhengzhou-opinions" in msg and "同一个源文件" in msg


def test_cli_names_a_bad_source_in_one_line(tmp_path):
    seeds = _catalog(tmp_path, "../../../etc/passwd")
    out = cli("--seeds-dir", str(seeds), "clauses", "--json", tmp=tmp_path)
    assert out.returncode == 1 and "seeds 文件夹之外" in one_clean_line(out.stderr)
