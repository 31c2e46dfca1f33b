"""`python -m assistant serve` started by the tests (and scripts/screenshots.py) on a free loopback port.

Two launchers, for two uses: `Server` runs the real thing (hybrid retrieval, the bundled model) on a data
folder the session's web and browser tests share; `Serve` runs keyword retrieval in a folder of its own,
with its temp folders inside it, for the fault tests that watch its log, memory and SIGTERM."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.common import free_port

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """`python -m assistant serve` in a subprocess; `url` once it prints that it is ready."""

    def __init__(self, data_dir: Path, port: int | None = None, timeout: float = 300.0):
        self.port = port or free_port()
        self.log = data_dir / f"serve-{self.port}.log"
        env = {**os.environ, "POLICY_DATA_DIR": str(data_dir), "GRADIO_ANALYTICS_ENABLED": "False",
               "HF_HUB_OFFLINE": "1"}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log.open("wb"),
                                     text=True, encoding="utf-8")
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout], daemon=True).start()
        deadline = time.monotonic() + timeout
        self.url = ""
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            m = re.search(r"(http://\S+)", line)
            if "就绪" in line and m:
                self.url, self.ready_s = m.group(1), time.perf_counter() - self.started
                return
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text(encoding='utf-8', errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def shared_data_dir(tmp_path_factory) -> Path:
    """One data folder for the session's servers: the first builds the index, the rest reuse it."""
    path = tmp_path_factory.getbasetemp() / "web-data"
    path.mkdir(exist_ok=True)
    return path


class Serve:
    """`python -m assistant serve` on a random loopback port, keyword retrieval (the web layer is what is tested)."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.port, self.tmp = free_port(), tmp
        self.log = tmp / "serve.log"
        self.gradio_tmp = tmp / "gradio"
        env = {**os.environ, "POLICY_RETRIEVAL": "keyword", "POLICY_DATA_DIR": str(tmp / "data"),
               "GRADIO_TEMP_DIR": str(self.gradio_tmp), "TMPDIR": str(tmp), **env}
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log.open("wb"), text=True)
        self.url = ""
        box: list[str] = []

        def read() -> None:
            for line in self.proc.stdout:
                if "就绪" in line:
                    box.append(line)
        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 180
        while not box and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.1)
        if not box:
            self.stop()
            raise RuntimeError(self.log.read_text(encoding="utf-8", errors="replace")[-3000:])
        self.url = f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def stop(self) -> float:
        t0 = time.perf_counter()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return time.perf_counter() - t0

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")
