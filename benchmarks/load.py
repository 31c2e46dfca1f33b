"""Load on the chat app: N concurrent clients asking through `/ask` on loopback for a bounded time.

Starts `python -m assistant serve` on a free loopback port (POLICY_DATA_DIR in a temp folder
unless --data-dir; the first start builds the index), waits until the page answers, then:

1. one client asks real questions (`evals/questions.jsonl`) back to back for --duration s;
2. --clients clients (threads, each its own `gradio_client.Client`) do the same, together.

Each answer is checked: a JSON object with an answer, and the same cited clause ids as the
one-client run gave for that question (answers must not depend on load). Errors, latency
p50/p95 (vs the single client), throughput, and the server's resident memory (VmRSS of the
server process and its children, sampled every second) are reported; memory growth is the
mean of the last quarter of the concurrent phase against its first quarter (goal: < 10%).

    python benchmarks/load.py                          # 8 clients, 60 s per phase
    python benchmarks/load.py --clients 16 --duration 120
    python benchmarks/load.py --url http://127.0.0.1:7860/ --pid 12345   # a running server

Writes docs/benchmarks/load.md, load.json and load.png. The machine is shared (2 CPUs):
latency figures carry noise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import OUT_DIR, questions, report_only, start_serve, stop  # noqa: E402


def tree_rss_mb(pid: int) -> float:
    """VmRSS of a process and all its descendants, in MB (0 when it is gone)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
                        break
        except OSError:
            pass
    return total


def _cited(out) -> tuple[str, ...] | None:
    if not isinstance(out, dict) or not isinstance(out.get("answer"), str) or "citations" not in out:
        return None
    return tuple(c.get("clause_id", "") for c in out["citations"])


class Phase:
    """n client threads asking until the deadline; latencies, errors, mismatches."""

    def __init__(self, url: str, qs: list[str], clients: int, seconds: float, expected: dict[str, tuple] | None):
        self.url, self.qs, self.clients, self.seconds = url, qs, clients, seconds
        self.expected = expected
        self.lat: list[tuple[float, float]] = []  # (start offset s, latency ms)
        self.errors: Counter = Counter()
        self.mismatch: list[tuple[str, tuple, tuple]] = []
        self.answers: dict[str, tuple] = {}
        self.lock = threading.Lock()

    def run(self) -> Phase:
        from gradio_client import Client  # noqa: PLC0415

        clients = [Client(self.url, verbose=False) for _ in range(self.clients)]  # connected before the clock
        self.t0 = time.perf_counter()
        self.deadline = self.t0 + self.seconds
        threads = [threading.Thread(target=self._client, args=(c, i), daemon=True) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.wall = time.perf_counter() - self.t0
        for c in clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass
        return self

    def _client(self, client, i: int) -> None:
        k = i * 7  # clients start at different questions
        while time.perf_counter() < self.deadline:
            q = self.qs[k % len(self.qs)]
            k += 1
            t = time.perf_counter()
            try:
                out = client.predict(q, api_name="/ask")
            except Exception as e:  # noqa: BLE001 - every failure is counted by type
                with self.lock:
                    self.errors[f"{type(e).__name__}: {str(e)[:120]}"] += 1
                continue
            ms = (time.perf_counter() - t) * 1000
            cited = _cited(out)
            with self.lock:
                if cited is None:
                    self.errors["malformed answer"] += 1
                    continue
                self.lat.append((t - self.t0, ms))
                self.answers.setdefault(q, cited)
                if self.expected is not None and q in self.expected and self.expected[q] != cited:
                    self.mismatch.append((q, self.expected[q], cited))

    def summary(self) -> dict:
        ms = sorted(x for _, x in self.lat)
        pct = lambda p: ms[min(len(ms) - 1, round(p * (len(ms) - 1)))] if ms else float("nan")  # noqa: E731
        return {"clients": self.clients, "seconds": self.wall, "requests": len(ms),
                "errors": sum(self.errors.values()), "error_kinds": dict(self.errors),
                "mismatches": len(self.mismatch), "mismatch_examples": [list(map(str, m)) for m in self.mismatch[:5]],
                "throughput_rps": len(ms) / self.wall if self.wall else 0.0,
                "p50_ms": statistics.median(ms) if ms else float("nan"), "p95_ms": pct(0.95), "max_ms": ms[-1] if ms else 0}


class Sampler(threading.Thread):
    """The server's RSS every `every` seconds, tagged with the phase running."""

    def __init__(self, pid: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, str, float]] = []
        self.phase = "idle"
        self.stop_event = threading.Event()
        self.t0 = time.perf_counter()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.samples.append((time.perf_counter() - self.t0, self.phase, tree_rss_mb(self.pid)))
            self.stop_event.wait(self.every)


def growth(samples: list[float]) -> tuple[float, float, float]:
    """(first-quarter mean, last-quarter mean, growth %)."""
    if len(samples) < 4:
        return float("nan"), float("nan"), float("nan")
    q = len(samples) // 4
    a, b = statistics.mean(samples[:q]), statistics.mean(samples[-q:])
    return a, b, (b - a) / a * 100


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    ap.add_argument("--questions", type=int, default=0, help="use the first N questions (0 = all without history)")
    ap.add_argument("--data-dir", type=Path, help="index folder to reuse (default: a temp folder, built on first start)")
    ap.add_argument("--url", help="a running server instead of starting one")
    ap.add_argument("--pid", type=int, help="with --url: the server's pid, for memory samples")
    ap.add_argument("--ready-timeout", type=float, default=900)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--report-only", action="store_true", help="rewrite load.md and load.png from the saved load.json")
    args = ap.parse_args()
    if args.report_only:
        return report_only(args.out, "load", write_markdown, plot)
    if args.clients < 1 or args.duration <= 0:
        ap.error("--clients must be ≥ 1 and --duration > 0")
    qs = questions(args.questions, spread=False)
    proc = None
    ready_s = None
    built = None
    tmp = None
    if args.url:
        url, pid = args.url, args.pid
    else:
        tmp = tempfile.TemporaryDirectory(prefix="policy-load-")
        data_dir = args.data_dir or Path(tmp.name)
        data_dir.mkdir(parents=True, exist_ok=True)
        proc, url, ready_s, log = start_serve(data_dir, args.ready_timeout)
        built = "正在构建" in log.read_text(encoding="utf-8", errors="replace")
        pid = proc.pid
        print(f"server ready in {ready_s:.1f} s at {url} (pid {pid})", file=sys.stderr)
    sampler = Sampler(pid) if pid else None
    try:
        if sampler:
            sampler.start()
        # warm-up: every question once, by one client: the reference answers
        if sampler:
            sampler.phase = "warm-up"
        t = time.perf_counter()
        from gradio_client import Client  # noqa: PLC0415

        c = Client(url, verbose=False)
        reference: dict[str, tuple] = {}
        for q in qs:
            cited = _cited(c.predict(q, api_name="/ask"))
            if cited is None:
                raise SystemExit(f"malformed answer to {q!r} during warm-up")
            reference[q] = cited
        c.close()
        warm_s = time.perf_counter() - t
        print(f"warm-up: {len(qs)} questions in {warm_s:.0f} s", file=sys.stderr)

        phases = []
        for n in (1, args.clients):
            if sampler:
                sampler.phase = f"{n} client{'s' if n > 1 else ''}"
            p = Phase(url, qs, n, args.duration, reference).run()
            phases.append(p)
            s = p.summary()
            print(f"{n:>3} clients: {s['requests']} requests, p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, "
                  f"{s['errors']} errors, {s['mismatches']} mismatches", file=sys.stderr)
        if sampler:
            sampler.phase = "after"
            time.sleep(2)
    finally:
        if sampler:
            sampler.stop_event.set()
            sampler.join(5)
        if proc:
            stop(proc)
        if tmp:
            tmp.cleanup()

    single, multi = phases[0].summary(), phases[1].summary()
    mem = {}
    if sampler:
        conc = [r for _, ph, r in sampler.samples if ph == f"{args.clients} clients"]
        both = [r for _, ph, r in sampler.samples if ph in ("1 client", f"{args.clients} clients")]
        mem = {"concurrent": growth(conc), "both_phases": growth(both),
               "start_mb": sampler.samples[0][2] if sampler.samples else None,
               "max_mb": max((r for _, _, r in sampler.samples), default=None),
               "samples": sampler.samples}
    data = {"when": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
            "url": url, "ready_s": ready_s, "index_built_at_start": built, "questions": len(qs), "duration_s": args.duration,
            "warm_up_s": warm_s, "single": single, "concurrent": multi, "memory": mem,
            "latencies": {"single": phases[0].lat, "concurrent": phases[1].lat}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))
    write_markdown(data, args.out / "load.md")
    plot(data, args.out / "load.png")
    print((args.out / "load.md").read_text().split("<!-- notes -->")[0])
    ok = multi["errors"] == 0 and multi["mismatches"] == 0 and single["errors"] == 0 and \
        (not mem or mem["concurrent"][2] != mem["concurrent"][2] or mem["concurrent"][2] < 10)
    return 0 if ok else 1


def write_markdown(d: dict, path: Path) -> None:
    s, m, mem = d["single"], d["concurrent"], d["memory"]
    row = lambda x: (f"| {x['clients']} | {x['requests']} | {x['throughput_rps']:.2f} | {x['p50_ms']:.0f} | "  # noqa: E731
                     f"{x['p95_ms']:.0f} | {x['max_ms']:.0f} | {x['errors']} | {x['mismatches']} |")
    L = [
        "# Load: concurrent clients on the chat app's `/ask`",
        "",
        f"Measured by `python benchmarks/load.py` on {d['when']}: `policy-assistant serve` on loopback, "
        f"{d['cpus']} CPUs shared with other work (load average at the end {d['load_avg'][0]:.1f}), "
        f"{d['questions']} real questions from `evals/questions.jsonl` asked back to back through "
        f"`gradio_client` (`predict(question, api_name=\"/ask\")`), {d['duration_s']:.0f} s per phase, after a warm-up "
        "pass that records each question's cited clause ids. A mismatch is an answer under load whose cited clause "
        "ids differ from that reference.",
        "",
        "| clients | requests | answers/s | p50 (ms) | p95 (ms) | max (ms) | errors | mismatches |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        row(s),
        row(m),
        "",
        f"Against one client, {m['clients']} clients see p50 × {m['p50_ms'] / s['p50_ms']:.1f} and p95 × "
        f"{m['p95_ms'] / s['p95_ms']:.1f}, for × {m['throughput_rps'] / max(s['throughput_rps'], 1e-9):.2f} the throughput "
        "(the app answers 4 requests at a time — `CONCURRENCY` in `assistant/web/app.py` — and queues the rest; "
        "on 2 CPUs the work is CPU-bound, so more clients mostly wait).",
        "",
    ]
    if d.get("ready_s") is not None:
        how = {True: "the index built on this first start", False: "on an existing index"}.get(d.get("index_built_at_start"), "")
        L.append(f"Server ready {d['ready_s']:.0f} s after start ({how}). The clients run on the same 2 CPUs as the "
                 "server (8 `gradio_client` threads in one process), so they take part of the machine too.")
        L.append("")
    if m["error_kinds"] or s["error_kinds"]:
        L.append("Errors: " + "; ".join(f"{k} × {v}" for k, v in {**s['error_kinds'], **m['error_kinds']}.items()))
        L.append("")
    if mem:
        a, b, g = mem["concurrent"]
        a2, b2, g2 = mem["both_phases"]
        L += [
            f"Server memory (RSS of the server process and its children, sampled every second): {mem['start_mb']:.0f} MB "
            f"after start-up, at most {mem['max_mb']:.0f} MB. Concurrent phase: first quarter {a:.0f} MB, last quarter "
            f"{b:.0f} MB, **growth {g:+.1f}%** (goal < 10%); over both phases {a2:.0f} → {b2:.0f} MB ({g2:+.1f}%).",
            "",
        ]
    L += ["![latency of each answer over time, and server memory](load.png)", ""]
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = old.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in old else "\n"
    path.write_text("\n".join(L) + "<!-- notes -->" + notes, encoding="utf-8")


def plot(d: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 4.4))
    off = 0.0
    for key, label in (("single", "1 client"), ("concurrent", f"{d['concurrent']['clients']} clients")):
        lat = d["latencies"][key]
        a1.scatter([off + t for t, _ in lat], [ms for _, ms in lat], s=6, label=label)
        off += d[key]["seconds"]
    a1.set(xlabel="seconds into the phases", ylabel="latency (ms)", yscale="log", title="Each answer's latency")
    a1.legend()
    if d["memory"]:
        smp = d["memory"]["samples"]
        for ph in dict.fromkeys(p for _, p, _ in smp):
            pts = [(t, r) for t, p, r in smp if p == ph]
            a2.plot([t for t, _ in pts], [r for _, r in pts], ".-", label=ph)
        a2.set(xlabel="seconds since sampling started", ylabel="RSS (MB)", title="Server memory")
        a2.set_ylim(bottom=0)
        a2.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
