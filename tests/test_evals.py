"""The harness's own entry point: several question sets side by side, the gap, a blind set kept blind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from evals.harness import EvalReport, load_questions, run_eval
from evals.sets import gaps, is_blind, parse_sets, side_by_side

ROOT = Path(__file__).resolve().parent.parent

SET_A = [
    {"id": "a1", "question": "郑州开展铁拳专项行动的责任单位有哪些？", "type": "responsibility", "gold": ["zhengzhou-opinions#2.4"]},
    {"id": "a2", "question": "北京的专利补贴是多少钱？", "type": "out_of_scope", "gold": []},
]
SET_B = [{"id": "b1", "question": "信阳市市场监管局负责哪些措施？", "type": "lookup", "gold": ["no-such#1.1"]}]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _report(name: str, hit: float) -> EvalReport:
    r = EvalReport(question_set=f"{name}.jsonl", n_questions=10)
    r.retrieval = {"keyword": {"overall": {"hit@1": hit, "recall@5": 1.0, "mrr": hit}}}
    r.summary = {"quotes_verbatim": 1.0}
    return r


def test_gap_is_own_minus_each_other_set():
    reports = {"questions": _report("questions", 0.95), "holdout": _report("holdout", 0.85), "blind": _report("blind", 0.80)}
    g = gaps(reports)
    assert set(g) == {"holdout", "blind"}
    assert round(g["blind"]["keyword"], 3) == 0.15 and round(g["holdout"]["keyword"], 3) == 0.10
    md = side_by_side(reports)
    assert "| keyword | 0.950 / 1.000 / 0.950 | 0.850 / 1.000 / 0.850 | 0.800 / 1.000 / 0.800 |" in md
    assert "| keyword | +0.100 | +0.150 |" in md


def test_sets_option_takes_files_or_bundled_names(tmp_path):
    f = _write(tmp_path / "mine.jsonl", SET_B)
    got = parse_sets(f"{f},holdout")
    assert got[0] == f and got[1].name == "holdout.jsonl"
    assert is_blind(Path("evals/blind.jsonl")) and not is_blind(Path("evals/holdout.jsonl"))


def test_run_eval_scores_a_literal_set(keyword_assistant, tmp_path):
    qs = load_questions(_write(tmp_path / "a.jsonl", SET_A))
    report = run_eval(keyword_assistant, qs, ["keyword"], set_name="a.jsonl")
    assert report.retrieval["keyword"]["overall"]["hit@1"] == 1.0
    assert report.summary["out_of_scope_declined"] == 1.0


def test_python_m_evals_reports_sets_side_by_side_and_keeps_a_blind_set_blind(tmp_path):
    a = _write(tmp_path / "questions.jsonl", SET_A)
    blind = _write(tmp_path / "blind.jsonl", SET_B)
    out = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICY_RETRIEVAL": "keyword", "POLICY_DATA_DIR": str(tmp_path / "d")}
    run = subprocess.run([sys.executable, "-m", "evals", "--sets", f"{a},{blind}", "--modes", "keyword", "--out", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    sets = json.loads((out / "sets.json").read_text(encoding="utf-8"))
    assert sets["hit@1_gap_from_own"] == {"blind": {"keyword": 1.0}}
    assert "## Gap in hit@1" in run.stdout
    blind_md = (out / "blind.md").read_text(encoding="utf-8")
    assert "not listed (blind set)" in blind_md and SET_B[0]["question"] not in blind_md
    assert SET_B[0]["question"] not in run.stdout + run.stderr


def test_policy_assistant_eval_is_a_thin_alias(tmp_path):
    help_text = subprocess.run([sys.executable, "-m", "assistant", "eval", "--help"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60).stdout
    assert "python -m evals" in help_text
    bad = subprocess.run([sys.executable, "-m", "assistant", "--retrieval", "keyword", "eval", "--modes", "nope"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "未知的检索方式" in bad.stderr and "Traceback" not in bad.stderr
