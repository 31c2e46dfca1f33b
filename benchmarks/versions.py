"""Other versions of the code, each checked out with `git worktree` and run in its own process.

A benchmark that compares versions runs each one's own code: `checkouts({"before": rev, "now": None})`
yields the folders (None: this tree), `run_in(tree, script, flag, job)` runs `script flag JOBFILE` with
that folder as the working directory and no PYTHONPATH, and the script puts the folder first on
sys.path (`use_tree`), so `import index, assistant` finds that version.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def checkouts(revs: Mapping[str, str | None]) -> Iterator[tuple[dict[str, str], Path]]:
    """({name: folder}, a scratch folder); the worktrees and the scratch folder are removed after."""
    work = Path(tempfile.mkdtemp(prefix="versions-"))
    trees: dict[str, str] = {}
    try:
        for name, rev in revs.items():
            if rev is None:
                trees[name] = str(ROOT)
                continue
            folder = work / name
            subprocess.run(["git", "worktree", "add", "--detach", str(folder), rev], cwd=ROOT, check=True,
                           capture_output=True)
            trees[name] = str(folder)
        yield trees, work
    finally:
        for name, rev in revs.items():
            if rev is not None and name in trees:
                subprocess.run(["git", "worktree", "remove", "--force", trees[name]], cwd=ROOT, check=False,
                               capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def run_in(tree: str, script: str, flag: str, job: dict, work: Path) -> dict:
    """`python script flag JOB.json` in `tree`; the last line of its output is the JSON result."""
    path = work / f"job-{time.time_ns()}.json"
    path.write_text(json.dumps({**job, "tree": tree}, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, script, flag, str(path)], cwd=tree, env=env, capture_output=True, text=True,
                         check=False)
    if out.returncode:
        raise RuntimeError(f"{script} {flag} in {tree} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def use_tree(tree: str) -> None:
    """In a job's process: that version's code first; checked, so a wrong import cannot pass unnoticed."""
    sys.path.insert(0, tree)
    import index  # noqa: PLC0415

    if not Path(index.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise RuntimeError(f"imported index from {index.__file__}, not from {tree}")
