"""Page ready after `serve` starts, as a user meets it: median of N cold starts (a fresh process each time, on an
existing index; the OS file cache is warm).

For each start it records, in seconds from launching `python -m assistant serve`:
- http: the page answers `GET /` with 200;
- input: headless Chromium shows the question box (`#pa-question textarea`), the page loaded as soon as http was 200;
- answer: `/ask` returns an answer, asked the moment the page was ready (what the first question waits for).

`--before TREE` measures another source tree (e.g. `git worktree add --detach /tmp/before main`) in the same run,
alternating before/after start by start so both meet the same machine load; each tree has its own index (built
first), so that neither start rebuilds the other's.

Usage:
  python benchmarks/page_ready.py                          # this tree, index built first in a temp folder
  python benchmarks/page_ready.py --before /tmp/before -n 5 --data-dir /tmp/page-data --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import free_port  # noqa: E402
from tests.browser import chromium, close  # noqa: E402  (the browser test's headless Chromium)

QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"


def env_for(tree: Path, data_dir: Path) -> dict[str, str]:
    # .pyc files as an installed package has them (pip compiles on install): a PYTHONDONTWRITEBYTECODE set in
    # the caller's shell would recompile the tree's own modules at every start (≈ 0.1 s here)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(tree), "POLICY_DATA_DIR": str(data_dir),
            "POLICY_SEEDS_DIR": str(tree / "seeds"), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False"}


def one_start(tree: Path, data_dir: Path, driver, timeout: float = 300) -> dict[str, float]:
    from gradio_client import Client  # noqa: PLC0415
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tempfile.NamedTemporaryFile(prefix="page-ready-serve-", suffix=".log", delete=False)  # noqa: SIM115
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=tree,
                            env=env_for(tree, data_dir), stdout=subprocess.DEVNULL, stderr=log)

    def check(what: str) -> None:
        if proc.poll() is not None or time.perf_counter() - t0 > timeout:
            tail = Path(log.name).read_text(encoding="utf-8", errors="replace")[-2000:]
            raise SystemExit(f"serve in {tree}: no {what} (exit {proc.poll()}):\n{tail}")

    out: dict[str, float] = {}
    try:
        while "http" not in out:
            check("page")
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        out["http"] = time.perf_counter() - t0
            except OSError:
                time.sleep(0.02)
        driver.get(url)
        while not any(e.is_displayed() for e in driver.find_elements(By.CSS_SELECTOR, "#pa-question textarea")):
            check("question box")
            time.sleep(0.02)
        out["input"] = time.perf_counter() - t0
        reply = Client(url, verbose=False).submit(QUESTION, api_name="/ask").result(timeout=timeout)
        assert "[1]" in reply["answer"], reply
        out["answer"] = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        Path(log.name).unlink(missing_ok=True)
    return out


def summary(runs: list[dict[str, float]]) -> dict[str, dict]:
    return {k: {"median": round(statistics.median(r[k] for r in runs), 2), "runs": [round(r[k], 2) for r in runs]}
            for k in ("http", "input", "answer")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=5, help="cold starts per tree")
    ap.add_argument("--data-dir", type=Path, help="a folder for the trees' indexes, one subfolder each (built first "
                                                  "when missing; default: a temp folder)")
    ap.add_argument("--before", type=Path, help="another source tree to measure in the same run")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="page-ready-"))
    trees = {"after": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    # each tree its own index: two codes with two index formats on one folder would rebuild it at every start
    data = {name: root / name for name in trees}
    for name, tree in trees.items():
        data[name].mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "assistant", "index", "build"], cwd=tree, env=env_for(tree, data[name]),
                       check=True, capture_output=True)  # skips in ~1 ms when the index is current
    load_at_start = os.getloadavg()
    driver = chromium()
    runs: dict[str, list] = {name: [] for name in trees}
    try:
        for name, tree in trees.items():  # one warm-up start each: file cache, .pyc files
            one_start(tree, data[name], driver)
        for i in range(args.n):
            for name, tree in (trees.items() if i % 2 == 0 else reversed(trees.items())):
                runs[name].append(one_start(tree, data[name], driver))
                print(f"{name} #{i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in runs[name][-1].items()),
                      flush=True)
    finally:
        close(driver)
    result = {name: summary(r) for name, r in runs.items()}
    result["load_avg"] = {"start": [round(x, 2) for x in load_at_start], "end": [round(x, 2) for x in os.getloadavg()]}
    for name in trees:
        s = result[name]
        print(f"{name}: page answers {s['http']['median']:.2f} s, input visible {s['input']['median']:.2f} s, "
              f"first answer {s['answer']['median']:.2f} s (median of {args.n})")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
