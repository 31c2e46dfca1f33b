"""HTTP API latency against Gradio's `/ask`, in one run on one server: the same question, asked `-n` times
each way, alternating (so both see the same machine load); medians reported.

- `/api/ask`: one `POST` with httpx on a kept-alive connection (what curl or a harness does);
- Gradio `/ask`: `gradio_client.Client(url).predict(question, api_name="/ask")` (Gradio's queue protocol:
  join the queue, then read the result from its event stream).

Usage:
  python benchmarks/api_latency.py                          # starts its own server (index in a temp folder, built first)
  python benchmarks/api_latency.py --data-dir data -n 50    # reuse an existing index
  python benchmarks/api_latency.py --url http://127.0.0.1:7860/
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_latency import pct, start, stop  # noqa: E402 - one server launcher for the benchmarks

QUESTION = "郑州开展铁拳专项行动的责任单位有哪些？"


def measure(url: str, n: int, question: str) -> dict[str, list[float]]:
    from gradio_client import Client  # noqa: PLC0415

    gradio = Client(url, verbose=False)
    times: dict[str, list[float]] = {"/api/ask": [], "gradio /ask": []}
    with httpx.Client(base_url=url, timeout=120) as http:
        for _ in range(3):  # warm both paths (first connections, caches)
            http.post("/api/ask", json={"question": question}).raise_for_status()
            gradio.predict(question, api_name="/ask")
        for _ in range(n):
            t0 = time.perf_counter()
            rest = http.post("/api/ask", json={"question": question})
            times["/api/ask"].append(time.perf_counter() - t0)
            rest.raise_for_status()
            t0 = time.perf_counter()
            out = gradio.predict(question, api_name="/ask")
            times["gradio /ask"].append(time.perf_counter() - t0)
            if out["citations"] != rest.json()["citations"]:
                raise SystemExit("the two endpoints gave different answers")
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server")
    ap.add_argument("--data-dir", type=Path, help="index folder to reuse (default: a temp folder, built first)")
    ap.add_argument("-n", type=int, default=50, help="requests each way")
    ap.add_argument("--question", default=QUESTION)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    proc = None
    url = args.url
    if not url:
        proc, url, _ = start(args.data_dir or Path(tempfile.mkdtemp(prefix="api-latency-")))
    try:
        times = measure(url, args.n, args.question)
    finally:
        if proc is not None:
            stop(proc)
    report = {"question": args.question, "n": args.n}
    for name, xs in times.items():
        ms = [x * 1000 for x in xs]
        report[name] = {"p50_ms": round(statistics.median(ms), 1), "p90_ms": round(pct(ms, 0.9), 1),
                        "max_ms": round(max(ms), 1)}
        print(f"{name:<12} p50 {statistics.median(ms):7.1f} ms   p90 {pct(ms, 0.9):7.1f} ms   max {max(ms):7.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
