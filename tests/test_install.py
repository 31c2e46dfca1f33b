"""A non-editable install answers a question: the wheel, installed into a fresh venv, run from another folder.

The wheel is built from a copy of the tree and installed without its dependencies; the venv borrows them
from the running interpreter's site-packages through a plain .pth line (so this project's editable install
there is not seen). `scripts/check_install.sh` does the same with `pip install .` and the registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SKIP = shutil.ignore_patterns(".git", "build", "dist", ".venv", "__pycache__", "*.egg-info", ".pytest_cache")


def SKIP(folder: str, names: list[str]) -> set[str]:
    top = {"data"} if Path(folder) == ROOT else set()  # a local index, not the packages' data folders
    return set(_SKIP(folder, names)) | (top & set(names))


@pytest.mark.slow
def test_a_wheel_install_answers_from_another_folder(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "dist"), str(src)], check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("policy_assistant-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(POLICY_DATA_DIR=str(tmp_path / "data"), POLICY_RETRIEVAL="keyword")
    where = subprocess.run([str(py), "-c", "import assistant, index; print(assistant.__file__, index.__file__)"],
                           cwd=tmp_path / "elsewhere", env=env, capture_output=True, text=True, check=True).stdout
    assert all(p.startswith(str(site)) for p in where.split()), where
    out = subprocess.run([str(py), "-m", "assistant", "ask", "--json", "郑州开展铁拳专项行动的责任单位有哪些？"],
                         cwd=tmp_path / "elsewhere", env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["citations"][0]["clause_id"] == "zhengzhou-opinions#2.4" and "金水海关" in answer["units"]
    assert (tmp_path / "data" / "keyword").is_dir()  # the index went to the data folder, not the package
