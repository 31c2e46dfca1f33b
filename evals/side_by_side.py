"""A blind side-by-side review file from two answer dumps (`answer_quality --dump`).

    python -m evals.side_by_side OLD.json NEW.json OUT.md KEY.json [--n 64] [--seed 7]

Picks questions of every kind (a quota per type, at random), writes each with the texts of
the clauses either answer cites and the two answers in shuffled, unlabelled order (A/B);
the key (which of A/B is NEW) goes to a separate file. `score` reads a reviewer's verdicts
(`id: A|B|tie — reason` lines) against the key: wins, ties, losses per kind.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
from pathlib import Path

QUOTA = {"lookup": 14, "fact": 10, "compare": 10, "english": 6, "typo": 4, "traditional": 4, "followup": 4,
         "clause_ref": 4, "responsibility": 3, "out_of_scope": 3, "department": 2}


def pick(rows: list[dict], quota: dict[str, int], seed: int) -> list[str]:
    rng = random.Random(seed)
    by_type = collections.defaultdict(list)
    for r in rows:
        by_type[r["type"]].append(r["id"])
    chosen = []
    for t, n in quota.items():
        ids = sorted(by_type.get(t, []))
        chosen += rng.sample(ids, min(n, len(ids)))
    rng.shuffle(chosen)
    return chosen


def build(old: list[dict], new: list[dict], quota: dict[str, int], seed: int) -> tuple[str, dict]:
    o, n = {r["id"]: r for r in old}, {r["id"]: r for r in new}
    ids = pick([r for r in new if r["id"] in o], quota, seed)
    rng = random.Random(seed + 1)
    out = ["# Side-by-side review", "",
           "For each question: the cited clauses (the policy texts, as printed), then two answers, A and B.",
           "Pick the better answer for someone who asked this question: correct, complete, faithful to the clauses,",
           "clear and quick to use. Reply one line per question: `<id>: A|B|tie — reason`.", ""]
    key = {}
    for k, qid in enumerate(ids, start=1):
        a, b = (o[qid], n[qid]) if rng.random() < 0.5 else (n[qid], o[qid])
        key[f"R{k:02d}"] = {"id": qid, "type": n[qid]["type"], "new": "A" if a is n[qid] else "B"}
        clauses: dict[str, dict] = {}
        for r in (a, b):
            for c in r["citations"]:
                clauses.setdefault(c["clause_id"], c)
        out += [f"## R{k:02d}", "", f"**Question**: {n[qid]['question']}"]
        if n[qid]["history"]:
            out.append(f"(earlier in the conversation: {' / '.join(n[qid]['history'])})")
        out += ["", "**Cited clauses**:", ""]
        names = {cid: f"C{i}" for i, cid in enumerate(clauses, start=1)}
        for cid, c in clauses.items():
            out.append(f"- {names[cid]} — {c['label']}：{c['text']}")
        for tag, r in (("A", a), ("B", b)):
            refs = ", ".join(f"[{c['n']}]={names[c['clause_id']]}" for c in r["citations"]) or "none"
            out += ["", f"**Answer {tag}** (sources: {refs}):", "", "````", r["answer"], "````"]
        out.append("")
    return "\n".join(out), key


_VERDICT = re.compile(r"^\W*(R\d+)\W*[:：]\s*(A|B|tie|TIE|Tie)\b", re.MULTILINE)


def score(verdicts: str, key: dict) -> dict[str, collections.Counter]:
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for rid, pick_ in _VERDICT.findall(verdicts):
        if rid not in key:
            continue
        k = key[rid]
        result = "tie" if pick_.lower() == "tie" else ("win" if pick_ == k["new"] else "loss")
        table[k["type"]][result] += 1
        table["all"][result] += 1
    return table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("old", type=Path)
    b.add_argument("new", type=Path)
    b.add_argument("out", type=Path)
    b.add_argument("key", type=Path)
    b.add_argument("--seed", type=int, default=7)
    s = sub.add_parser("score")
    s.add_argument("verdicts", type=Path)
    s.add_argument("key", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "build":
        text, key = build(json.loads(args.old.read_text()), json.loads(args.new.read_text()), QUOTA, args.seed)
        args.out.write_text(text, encoding="utf-8")
        args.key.write_text(json.dumps(key, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(key)} questions → {args.out}; key → {args.key}", file=sys.stderr)
        return 0
    table = score(args.verdicts.read_text(encoding="utf-8"), json.loads(args.key.read_text()))
    print("| kind | wins | ties | losses |\n|---|---|---|---|")
    for kind in sorted(table, key=lambda t: (t == "all", t)):
        c = table[kind]
        print(f"| {kind} | {c['win']} | {c['tie']} | {c['loss']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
