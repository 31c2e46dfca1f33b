"""How the extractive answers read: the fact said first, short quotes, speed.

    python -m evals.answer_quality [SET.jsonl …] [--dump answers.json]

For fact questions: the share of required facts in the answer's first sentence and anywhere
in it; for every citation: verbatim quote, and the quote's share of its clause; the answer
time (p50/p95, warm). `--dump` writes every answer with its cited clauses' texts (for a
side-by-side review). Drives the assistant through its public API only, so the same script
measures any checkout put first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from assistant import Assistant
from assistant.cite import verify_quote

from .harness import HERE, load_questions
from .metrics import facts_in_lead, facts_present, percentile, quote_share

DEFAULT_SETS = (HERE / "questions.jsonl", HERE / "holdout.jsonl")


def measure(assistant: Assistant, sets: list[Path]) -> tuple[dict, list[dict]]:
    rows, times, cpu, lead, anywhere, shares, shares_no_ref = [], [], [], [], [], [], []
    quotes_ok = quotes_all = 0
    assistant.ask("知识产权保护")  # warm
    for path in sets:
        for q in load_questions(path):
            t, c = time.perf_counter(), time.process_time()
            ans = assistant.ask(q.question, q.history)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            cited = []
            for c in ans.citations:
                text = assistant.corpus.clause(c.clause_id).text
                quotes_all += 1
                quotes_ok += verify_quote(c.quote, text)
                share = quote_share(c.quote, text)
                shares.append(share)
                if ans.intent.value != "clause_ref":
                    shares_no_ref.append(share)
                cited.append({"n": c.n, "clause_id": c.clause_id, "label": c.label, "quote": c.quote, "text": text})
            if q.type == "fact" and q.facts:
                lead.append(facts_in_lead(ans.answer, q.facts))
                anywhere.append(facts_present(ans.answer, q.facts))
            rows.append({"id": q.id, "set": path.name, "type": q.type, "question": q.question,
                         "history": list(q.history), "facts": list(q.facts), "answer": ans.answer,
                         "abstained": ans.abstained, "intent": ans.intent.value, "citations": cited})
    summary = {
        "questions": len(rows),
        "fact_questions": len(lead),
        "facts_in_first_sentence": statistics.fmean(lead) if lead else 1.0,
        "facts_present": statistics.fmean(anywhere) if anywhere else 1.0,
        "quotes_verbatim": quotes_ok / quotes_all if quotes_all else 1.0,
        "quote_share_mean": statistics.fmean(shares) if shares else 0.0,
        "quote_share_mean_without_clause_ref": statistics.fmean(shares_no_ref) if shares_no_ref else 0.0,
        "answer_p50_ms": percentile(times, 50),
        "answer_p95_ms": percentile(times, 95),
        "answer_cpu_p50_ms": percentile(cpu, 50),  # this process's CPU time: steadier on a shared machine
    }
    return summary, rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sets", nargs="*", type=Path, default=list(DEFAULT_SETS))
    p.add_argument("--dump", type=Path, help="write every answer and its cited clauses here (JSON)")
    args = p.parse_args(argv)
    summary, rows = measure(Assistant(), args.sets)
    if args.dump:
        args.dump.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    misses = [r for r in rows if r["type"] == "fact" and r["facts"] and facts_in_lead(r["answer"], r["facts"]) < 1]
    for r in misses:
        print(f"lead misses {r['id']}: {r['answer'][:80]!r}", file=sys.stderr)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
