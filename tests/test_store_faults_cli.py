"""Faults under the index through the real CLI and the bundled model (#13): a damaged index says so in
one line, a plain build repairs it, a read-only data dir still answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.store import BUILD_COMMAND
from tests.store_helpers import QUESTION, ROOT, TARGET, damage, ro_mount, sqlite_of, unshare_prefix

NOISE = ("Traceback", "panicked", "stack backtrace", "Exception in thread")


def one_clean_line(text: str) -> bool:
    lines = [x for x in text.splitlines() if x.strip()]
    return len(lines) == 1 and not any(n in text for n in NOISE)


def _cli(data_dir: Path, *args: str, mount: str = "") -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), *args]
    if mount:
        cmd = [*unshare_prefix(), "sh", "-c", f'{mount} && exec "$@"', "sh", *cmd]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)


@pytest.fixture(scope="module")
def real_index(tmp_path_factory) -> Path:
    """The seed index built by the real CLI with the bundled model, once for this module."""
    d = tmp_path_factory.mktemp("real-index") / "data"
    out = _cli(d, "index", "build")
    assert out.returncode == 0, out.stderr
    return d


@pytest.fixture
def real_copy(real_index, tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(real_index, d)
    return d


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncate0.5", "empty", "page@embeddings_queue"])
def test_cli_on_a_damaged_index_says_so_in_one_line(real_copy, how):
    damage(sqlite_of(real_copy), how)
    status = _cli(real_copy, "index", "status")
    assert status.returncode == 1 and "status: 索引已损坏" in status.stdout, status.stdout
    assert not any(n in status.stderr for n in NOISE), status.stderr
    asked = _cli(real_copy, "ask", QUESTION)
    assert asked.returncode == 1 and one_clean_line(asked.stderr), asked.stderr
    assert asked.stderr.startswith("错误：索引已损坏") and BUILD_COMMAND in asked.stderr


@pytest.mark.slow
def test_cli_plain_build_repairs_a_damaged_index(real_copy):
    damage(sqlite_of(real_copy), "page@embedding_metadata")
    built = _cli(real_copy, "index", "build")
    assert built.returncode == 0 and "原索引已损坏" in built.stdout and "已构建" in built.stdout, built.stdout
    asked = _cli(real_copy, "ask", "--json", QUESTION)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["clause_id"] == TARGET


@pytest.mark.slow
def test_cli_on_a_read_only_data_dir(real_copy):
    if unshare_prefix() is not None:
        mount = ro_mount(real_copy)
    elif os.geteuid() != 0:
        mount = ""
        subprocess.run(["chmod", "-R", "a-w", str(real_copy)], check=True)
    else:
        pytest.skip("root without a mount namespace: chmod cannot make the dir read-only")
    try:
        asked = _cli(real_copy, "ask", "--json", QUESTION, mount=mount)
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["citations"][0]["clause_id"] == TARGET
        assert not any(n in asked.stderr for n in NOISE), asked.stderr
        status = _cli(real_copy, "index", "status", mount=mount)
        assert status.returncode == 0 and "从临时副本打开" in status.stdout, status.stdout
        built = _cli(real_copy, "index", "build", "--force", mount=mount)
        assert built.returncode == 1 and one_clean_line(built.stderr), built.stderr
        assert "不可写" in built.stderr and "build.lock" in built.stderr
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(real_copy)], check=False)
