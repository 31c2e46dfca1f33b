"""Builds in other processes: an atomic rebuild survives SIGKILL at any point, and a second builder waits
for the lock and then succeeds."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.records import Clause
from index.store import IndexBusyError, StaleIndexError, StoreConfig, active_manifest, open_index
from tests.store_helpers import (
    FAKE_SRC,
    ROOT,
    assert_answers,
    build_index,
    fingerprint,
    make_clauses,
    make_embed,
    qvec,
)


BUILDER = (
    FAKE_SRC
    + '''
import json, sys
from pathlib import Path
from index.records import Clause
from index.store import StoreConfig, build_index, one_passage_per_clause

args = json.loads(sys.argv[1])
clauses = [Clause(**{**d, "units": tuple(d["units"]), "span": tuple(d["span"])})
           for d in json.load(open(args["clauses"], encoding="utf-8"))]

def progress(stage, done, total):
    print(f"{stage} {done}", flush=True)
    time.sleep(args["pause"])

print("ready", flush=True)
rep = build_index(StoreConfig(Path(args["data_dir"])), one_passage_per_clause(clauses),
                  make_embed(args["salt"], args["sleep"]), args["embedder"],
                  on_progress=progress, batch_size=args["batch"])
print("finished", rep.skipped, flush=True)
'''
)


class Builder:
    """A build_index run in a subprocess whose progress lines can be awaited."""

    def __init__(self, data_dir: Path, clauses_file: Path, **kw):
        args = {
            "data_dir": str(data_dir),
            "clauses": str(clauses_file),
            "salt": "b",
            "embedder": "fake-b",
            "sleep": 0.0,
            "pause": 0.0,
            "batch": 8,
            **kw,
        }
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BUILDER, json.dumps(args)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if line is None:
                return False
            self.seen.append(line)
            if line.startswith(prefix):
                return True

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def finish(self, timeout: float = 30.0) -> int:
        rc = self.proc.wait(timeout)
        while self.wait_for("\0", timeout=0.5):
            pass
        return rc


@pytest.fixture
def clauses_file(tmp_path) -> Path:
    def _write(cl: list[Clause]) -> Path:
        p = tmp_path / f"clauses-{len(cl)}.json"
        p.write_text(json.dumps([c.to_json() for c in cl], ensure_ascii=False), encoding="utf-8")
        return p

    return _write


# Stages a builder reports, in order; killing right after one of them (plus a random
# delay that may land in the next step) covers every phase of a build.
KILL_POINTS = [
    ("ready", None),
    ("embed 0", None),
    ("embed 16", None),
    ("embed 32", None),
    ("write 0", None),
    ("write 40", None),
    ("verify 0", None),
    ("verify 1", None),
    ("commit", None),
    ("swap 0", None),  # killed right before/around os.replace: either index is fine
    ("swap 1", None),
    ("cleanup 0", None),
    ("ready", 0.3),  # plain random delays from the start of the build
    ("ready", 0.8),
]


@pytest.mark.slow
def test_atomic_rebuild_survives_sigkill_at_any_point(tmp_path, clauses_file):
    cl = make_clauses(40)
    cfg = StoreConfig(data_dir=tmp_path / "store")
    fp_old, fp_new = fingerprint(cl, "fake-a"), fingerprint(cl, "fake-b")
    build_index(cfg, cl, make_embed("a"), "fake-a")
    path = clauses_file(cl)
    rnd = random.Random(1234)
    swapped = 0
    landed: list[str] = []
    t_start = time.monotonic()
    for point, extra in KILL_POINTS:
        b = Builder(cfg.data_dir, path, sleep=0.02, pause=0.04)
        try:
            assert b.wait_for(point), (point, b.seen, b.proc.stderr.read() if b.proc.poll() else "")
            if extra is not None or point == "write 0":
                # the old index keeps answering while the new one is being built
                with open_index(cfg, fp_old) as idx:
                    assert idx.query(qvec(cl[5], "a"), k=1)[0][1] == cl[5].clause_id
            time.sleep(rnd.uniform(0, extra if extra is not None else 0.08))
        finally:
            b.kill()
        b.finish()  # collect every line printed before the kill
        landed.append(b.seen[-1])
        man = active_manifest(cfg)
        assert man is not None and man["fingerprint"] in (fp_old, fp_new), (point, man)
        if "swap 0" not in b.seen:  # killed before the pointer was touched
            assert man["fingerprint"] == fp_old, b.seen
        if "swap 1" in b.seen:  # killed after os.replace returned
            assert man["fingerprint"] == fp_new, b.seen
        if man["fingerprint"] == fp_old:
            with open_index(cfg, fp_old) as idx:
                assert_answers(idx, cl, "a", probes=8)
            with pytest.raises(StaleIndexError):
                open_index(cfg, fp_new)
        else:
            swapped += 1
            with open_index(cfg, fp_new) as idx:
                assert_answers(idx, cl, "b", probes=8)
            # put the old index back for the next trial (also cleans the debris)
            assert not build_index(cfg, cl, make_embed("a"), "fake-a").skipped
    # kills landed in many different phases, before and after the swap
    print("kills landed after:", landed)
    assert len(set(landed)) >= 8, landed
    assert 2 <= swapped < len(KILL_POINTS) - 4, landed
    # The next build clears every partial folder the kills left behind.
    rep = build_index(cfg, cl, make_embed("a"), "fake-a", force=True)
    builds = list((cfg.data_dir / "builds").iterdir())
    assert len(builds) == 2 and all((p / "DONE").exists() for p in builds), rep.removed
    assert not list(cfg.data_dir.glob(".CURRENT.*"))
    with open_index(cfg, fp_old) as idx:
        assert_answers(idx, cl, "a", probes=10)
    assert time.monotonic() - t_start < 300  # a guard against a hang, not a timing test (the machine is shared)


@pytest.mark.slow
def test_concurrent_builder_gets_lock_message_then_waits_and_succeeds(tmp_path, clauses_file):
    cl = make_clauses(40)
    cfg = StoreConfig(data_dir=tmp_path / "store")
    fp_old, fp_new = fingerprint(cl, "fake-a"), fingerprint(cl, "fake-b")
    build_index(cfg, cl, make_embed("a"), "fake-a")
    b = Builder(cfg.data_dir, clauses_file(cl), sleep=0.3, batch=4)  # ~3 s holding the lock
    try:
        assert b.wait_for("embed 0"), b.seen
        t = time.monotonic()
        with pytest.raises(IndexBusyError) as ei:
            build_index(cfg, cl, make_embed("b"), "fake-b", lock_timeout=0.5)
        assert time.monotonic() - t < 3
        assert "另一个进程" in str(ei.value) and str(b.proc.pid) in str(ei.value)
        # readers never need the lock
        with open_index(cfg, fp_old) as idx:
            assert_answers(idx, cl, "a")
        # the default (10 s) waits for the other builder, then finds its work done
        t = time.monotonic()
        rep = build_index(cfg, cl, make_embed("b"), "fake-b")
        assert time.monotonic() - t < 10
        assert rep.skipped and rep.fingerprint == fp_new
        assert b.finish() == 0
    finally:
        b.kill()
    with open_index(cfg, fp_new) as idx:
        assert_answers(idx, cl, "b")

