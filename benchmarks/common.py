"""Small tools the benchmarks share: ports, real questions, process memory, percentiles, a Chroma server."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "docs" / "benchmarks"
QUESTIONS = ROOT / "evals" / "questions.jsonl"


def proc_status_mb(pid: int | str = "self", key: str = "VmRSS") -> float:
    """VmRSS (resident now) or VmHWM (peak) of a process, in MB; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def p50_p95(ms: Sequence[float]) -> tuple[float, float]:
    xs = sorted(ms)
    if not xs:
        return float("nan"), float("nan")
    return statistics.median(xs), xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def questions(n: int = 0, *, spread: bool = True) -> list[str]:
    """Real questions without history (follow-ups need it): n spread over the whole set, or with
    spread=False the first n (all of them when n is 0)."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    qs = [r["question"] for r in rows if not r.get("history")]
    if not n:
        return qs
    return qs[::max(1, len(qs) // n)][:n] if spread else qs[:n]


def start_serve(data_dir: Path, timeout: float, poll: float = 0.2) -> tuple[subprocess.Popen, str, float, Path]:
    """`python -m assistant serve` on a free port over `data_dir` (its log beside the data): the process, its
    url and the seconds until GET / answers 200; SystemExit with the log's tail when it exits or times out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "POLICY_DATA_DIR": str(data_dir), "GRADIO_ANALYTICS_ENABLED": "False",
           "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    log = data_dir / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=fh, stderr=subprocess.STDOUT)
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0, log
        except OSError:
            time.sleep(poll)
    stop(proc)
    raise SystemExit(f"serve was not ready after {timeout:.0f} s; see {log}")


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a process we started (by its handle), kill it if it does not go."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def report_only(out: Path, name: str, write_markdown, plot) -> int:
    """`--report-only`: rewrite <name>.md and <name>.png from the saved <name>.json."""
    data = json.loads((out / f"{name}.json").read_text())
    write_markdown(data, out / f"{name}.md")
    plot(data, out / f"{name}.png")
    return 0


class ChromaServer:
    """`chroma run` on loopback in a temporary folder, stopped (by its pid) on exit."""

    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port = Path(path), port or free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ChromaServer:
        exe = Path(sys.executable).with_name("chroma")
        cmd = [str(exe) if exe.exists() else "chroma", "run", "--path", str(self.path),
               "--host", "127.0.0.1", "--port", str(self.port)]
        self.log = open(self.path.parent / f"chroma-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited ({self.proc.returncode}); see {self.log.name}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).read()
                return self
            time.sleep(0.2)
        raise RuntimeError("chroma run did not answer its heartbeat within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

