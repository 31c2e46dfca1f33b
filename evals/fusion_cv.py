"""Choose the dense weight of the hybrid fusion by cross-validation over the own question sets.

Leave one set out: the weight with the best mean hit@1 on the other sets is scored on the
left-out one, so no set's figure comes from a weight fitted to it. The blind set is never
read here. Run: `python -m evals.fusion_cv [--weights 0,0.1,0.2,0.35,0.5,1] [--sets a.jsonl,b.jsonl]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant import Assistant, Settings

from .harness import load_questions
from .metrics import hit_at_1, recall_at

HERE = Path(__file__).resolve().parent
TUNING_SETS = ("questions.jsonl", "holdout.jsonl", "dev.jsonl", "dev2.jsonl", "dev3.jsonl", "dev4.jsonl", "dev5.jsonl", "dev6.jsonl", "dev7.jsonl", "dev8.jsonl")


def score(assistant: Assistant, questions) -> tuple[float, float]:
    qs = [q for q in questions if q.in_scope and q.gold]
    h = r = 0.0
    for q in qs:
        ranked = assistant.rank(q.question, q.history)
        h += hit_at_1(ranked, q.gold)
        r += recall_at(ranked, q.gold)
    return h / len(qs), r / len(qs)


def leave_one_set_out(table: dict[float, dict[str, tuple[float, float]]]) -> list[dict]:
    """table: weight → set → (hit@1, recall@5). For each set, the weight chosen on the others."""
    sets = list(next(iter(table.values())))
    folds = []
    for held in sets:
        rest = [s for s in sets if s != held]
        best = max(table, key=lambda w: (sum(table[w][s][0] for s in rest) / len(rest), -w))
        folds.append({"held_out": held, "weight": best, "hit@1": table[best][held][0],
                      "recall@5": table[best][held][1]})
    return folds


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.fusion_cv", description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="0,0.1,0.2,0.35,0.5,1")
    ap.add_argument("--sets", default=",".join(str(HERE / s) for s in TUNING_SETS))
    ap.add_argument("--out", default=None, help="write the table and folds as JSON here")
    args = ap.parse_args(argv)
    paths = [Path(p) for p in args.sets.split(",") if p]
    if any(p.name.startswith("blind") for p in paths):
        print("盲测集不参与调参：请从 --sets 中去掉 blind.jsonl", file=sys.stderr)
        return 2
    sets = {p.stem: load_questions(p) for p in paths if p.exists()}
    table: dict[float, dict[str, tuple[float, float]]] = {}
    base = None
    for w in (float(x) for x in args.weights.split(",")):
        a = Assistant(Settings(dense_weight=w), corpus=base.corpus if base else None)
        base = base or a
        table[w] = {name: score(a, qs) for name, qs in sets.items()}
        print(f"dense_weight {w:<5} " + "  ".join(f"{n} {h:.3f}/{r:.3f}" for n, (h, r) in table[w].items()),
              flush=True)
    folds = leave_one_set_out(table)
    for f in folds:
        print(f"held out {f['held_out']:<10} chosen weight {f['weight']:<5} hit@1 {f['hit@1']:.3f} recall@5 {f['recall@5']:.3f}")
    if args.out:
        Path(args.out).write_text(json.dumps({"table": {str(w): t for w, t in table.items()}, "folds": folds},
                                             ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
