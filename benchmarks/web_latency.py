"""Chat page latency, measured as a user meets it (gradio_client against the real server).

- ready: seconds from `policy-assistant serve` starting to the page answering HTTP 200 (on an existing index);
- first token: seconds from submitting a question on the streaming `/chat` endpoint to the first piece of
  answer text (the "正在检索…" placeholder does not count); also the time to the complete answer.

Usage:
  python benchmarks/web_latency.py                   # starts its own server (data in a temp folder, index built once first)
  python benchmarks/web_latency.py --data-dir data   # reuse an existing index
  python benchmarks/web_latency.py --url http://127.0.0.1:7860/ -n 20   # a server already running: first token only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import questions, start_serve, stop  # noqa: E402
PLACEHOLDER = "正在检索相关条款…"


def first_token(url: str, qs: list[str]) -> tuple[list[float], list[float]]:
    from gradio_client import Client  # noqa: PLC0415

    client = Client(url, verbose=False)
    client.predict(message="知识产权保护", chat=[], doc_ids=[], api_name="/chat")  # the client's own first call
    firsts, totals = [], []
    for q in qs:
        t0 = time.perf_counter()
        job = client.submit(message=q, chat=[], doc_ids=[], api_name="/chat")
        first = None
        for out in job:
            chat = out[1] if isinstance(out, (list, tuple)) and len(out) > 1 else None
            if first is None and isinstance(chat, list) and chat and chat[-1]["role"] == "assistant":
                text = "".join(p.get("text", "") for p in chat[-1]["content"])
                if text and text != PLACEHOLDER:
                    first = time.perf_counter() - t0
        job.result()
        totals.append(time.perf_counter() - t0)
        firsts.append(first if first is not None else totals[-1])
    return firsts, totals


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server (skips the start-up measurement)")
    ap.add_argument("--data-dir", type=Path, help="index folder to reuse (default: a temp folder, built first)")
    ap.add_argument("-n", type=int, default=20, help="questions to time")
    ap.add_argument("--starts", type=int, default=3, help="start-ups to time on the existing index")
    args = ap.parse_args()
    qs = questions(args.n, spread=False)
    if args.url:
        firsts, totals = first_token(args.url, qs)
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="web-latency-"))
        proc, _, cold, _ = start_serve(data_dir, 600, poll=0.05)  # builds the index when the folder has none
        stop(proc)
        print(f"first start (index built if missing): {cold:.2f} s")
        readies = []
        for _ in range(args.starts):
            proc, url, ready, _ = start_serve(data_dir, 600, poll=0.05)
            readies.append(ready)
            if len(readies) < args.starts:
                stop(proc)
        print(f"page ready after serve starts, existing index: median {statistics.median(readies):.2f} s "
              f"(runs: {', '.join(f'{r:.2f}' for r in readies)})")
        try:
            firsts, totals = first_token(url, qs)
        finally:
            stop(proc)
    ms = [x * 1000 for x in firsts]
    print(f"first answer token over {len(ms)} questions: p50 {statistics.median(ms):.0f} ms, "
          f"p90 {pct(ms, 0.9):.0f} ms, max {max(ms):.0f} ms")
    print(f"complete answer: p50 {statistics.median(totals) * 1000:.0f} ms, max {max(totals) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
