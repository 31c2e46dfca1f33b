"""Run a question set through the assistant's public API and score it.

Retrieval (hit@1, recall@5, MRR, latency) for keyword-only, dense-only, hybrid and the
LangChain chunking baseline side by side; answers (citations, quotes, units, facts,
abstention) for the configured default. Results as Markdown and JSON.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant import Assistant, Mode
from assistant.cite import verify_quote

from .metrics import (
    Question,
    Tally,
    f1,
    facts_in_lead,
    facts_present,
    hit_at_1,
    percentile,
    precision_recall,
    quote_share,
    recall_at,
    reciprocal_rank,
)

HERE = Path(__file__).resolve().parent
DEFAULT_SET = HERE / "questions.jsonl"
RETRIEVAL_MODES = ("keyword", "dense", "hybrid", "baseline")


class QuestionSetError(ValueError):
    pass


def load_questions(path: Path) -> list[Question]:
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"{path}: 无法读取问题集（{exc}）") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Question(
                id=str(d["id"]), question=d["question"], type=d["type"], gold=tuple(d.get("gold", [])),
                doc=d.get("doc", ""), department=d.get("department", ""), facts=tuple(d.get("facts", [])),
                history=tuple(d.get("history", [])), note=d.get("note", ""),
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise QuestionSetError(f"{path} 第 {n} 行: 格式错误（{exc}）：每行应为含 id、question、type、gold 的 JSON") from None
    return out


@dataclass
class EvalReport:
    question_set: str
    n_questions: int
    retrieval: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # mode → type → metric
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # mode → p50/p95
    answers: dict[str, dict[str, float]] = field(default_factory=dict)  # type → metric
    summary: dict[str, float] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    setup: dict[str, float | str] = field(default_factory=dict)
    misses_withheld: int = 0  # a blind set's misses: counted, never listed

    def to_json(self) -> dict:
        return asdict(self)

    def to_markdown(self) -> str:
        lines = [f"# Evaluation: {self.question_set} ({self.n_questions} questions)", ""]
        lines += ["## Retrieval (in-scope questions)", "",
                  "| mode | hit@1 | recall@5 | MRR | p50 ms | p95 ms |", "|---|---|---|---|---|---|"]
        for mode, by_type in self.retrieval.items():
            o = by_type.get("overall", {})
            lat = self.latency_ms.get(mode, {})
            lines.append(f"| {mode} | {o.get('hit@1', 0):.3f} | {o.get('recall@5', 0):.3f} | {o.get('mrr', 0):.3f} "
                         f"| {lat.get('p50', 0):.1f} | {lat.get('p95', 0):.1f} |")
        types = sorted({t for m in self.retrieval.values() for t in m if t != "overall"})
        lines += ["", "### hit@1 / recall@5 by question type", "",
                  "| type | " + " | ".join(self.retrieval) + " |", "|---|" + "---|" * len(self.retrieval)]
        for t in types:
            cells = [f"{m[t]['hit@1']:.2f} / {m[t]['recall@5']:.2f}" if t in m else "–" for m in self.retrieval.values()]
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        lines += ["", "## Answers (default pipeline)", "", "| metric | value |", "|---|---|"]
        for k, v in self.summary.items():
            lines.append(f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |")
        lines += ["", "### By question type", "",
                  "| type | n | cit. precision | cit. recall | quotes verbatim | other |", "|---|---|---|---|---|---|"]
        for t, m in sorted(self.answers.items()):
            other = ", ".join(f"{k} {v:.2f}" for k, v in m.items()
                              if k not in ("n", "citation_precision", "citation_recall", "quote_verbatim"))
            lines.append(f"| {t} | {int(m.get('n', 0))} | {m.get('citation_precision', 0):.2f} | "
                         f"{m.get('citation_recall', 0):.2f} | {m.get('quote_verbatim', 0):.2f} | {other} |")
        if self.setup:
            lines += ["", "## Set-up", ""] + [f"- {k}: {v}" for k, v in self.setup.items()]
        if self.misses_withheld:
            lines += ["", f"## Misses ({self.misses_withheld}): not listed (blind set)"]
        if self.failures:
            lines += ["", f"## Misses ({len(self.failures)})", ""]
            lines += [f"- {f['id']} [{f['type']}] {f['question']} → {f['got']} (gold {f['gold']}) {f.get('why', '')}"
                      for f in self.failures[:80]]
        return "\n".join(lines) + "\n"


def run_eval(assistant: Assistant, questions: Sequence[Question], modes: Sequence[str] = RETRIEVAL_MODES,
             set_name: str = "questions") -> EvalReport:
    report = EvalReport(question_set=set_name, n_questions=len(questions))
    in_scope = [q for q in questions if q.in_scope]
    for mode in modes:
        t0 = time.perf_counter()
        rank_fn = _baseline_ranker(assistant) if mode == "baseline" else (
            lambda q, m=Mode(mode): assistant.rank(q.question, q.history, mode=m))
        report.setup[f"{mode} set-up s"] = round(time.perf_counter() - t0, 2)
        rank_fn(in_scope[0]) if in_scope else None  # warm
        tally, times = Tally(), []
        for q in in_scope:
            t = time.perf_counter()
            ranked = rank_fn(q)
            times.append((time.perf_counter() - t) * 1000)
            tally.add(q.type, "hit@1", hit_at_1(ranked, q.gold))
            tally.add(q.type, "recall@5", recall_at(ranked, q.gold))
            tally.add(q.type, "mrr", reciprocal_rank(ranked, q.gold))
        report.retrieval[mode] = tally.means()
        report.latency_ms[mode] = {"p50": percentile(times, 50), "p95": percentile(times, 95)}
    _score_answers(assistant, questions, report)
    return report


def _baseline_ranker(assistant: Assistant):
    from .baseline import ChunkBaseline  # noqa: PLC0415

    base = ChunkBaseline(assistant.corpus, assistant.settings.seeds_dir, assistant.dense_index.embedder)
    return lambda q: base.rank(q.question if not q.history else assistant.understand(q.question, q.history).question)


def _score_answers(assistant: Assistant, questions: Sequence[Question], report: EvalReport) -> None:
    tally, times = Tally(), []
    quotes_total = quotes_ok = 0
    shares: list[float] = []
    oos = [q for q in questions if not q.in_scope]
    declined = wrongly_declined = 0
    dept_complete = dept_total = 0
    for q in questions:
        t = time.perf_counter()
        ans = assistant.ask(q.question, q.history)
        times.append((time.perf_counter() - t) * 1000)
        cited = [c.clause_id for c in ans.citations]
        for c in ans.citations:
            quotes_total += 1
            quotes_ok += verify_quote(c.quote, assistant.corpus.clause(c.clause_id).text)
            if ans.intent.value != "clause_ref":  # asked for the whole clause
                shares.append(quote_share(c.quote, assistant.corpus.clause(c.clause_id).text))
        if not q.in_scope:
            declined += ans.abstained
            if not ans.abstained:
                report.failures.append(_miss(q, cited, "answered an out-of-scope question"))
            continue
        wrongly_declined += ans.abstained
        p, r = precision_recall(cited, q.gold)
        tally.add(q.type, "citation_precision", p)
        tally.add(q.type, "citation_recall", r)
        tally.add(q.type, "quote_verbatim", float(all(
            verify_quote(c.quote, assistant.corpus.clause(c.clause_id).text) for c in ans.citations)))
        if q.type == "responsibility" or (q.type in ("english", "followup") and "responsib" in q.note):
            want = list(assistant.corpus.clause(q.gold[0]).units)
            tally.add("responsibility", "unit_f1", f1(ans.units, want))
        if q.type == "department":
            dept_total += 1
            complete = set(cited) == set(q.gold)
            dept_complete += complete
            tally.add(q.type, "list_complete", float(complete))
        if q.facts:
            tally.add(q.type, "facts_present", facts_present(ans.answer, q.facts))
            tally.add(q.type, "facts_in_first_sentence", facts_in_lead(ans.answer, q.facts))
        if ans.abstained or not cited or cited[0] not in q.gold:
            report.failures.append(_miss(q, cited, "declined" if ans.abstained else ""))
    means = tally.means()
    for t, m in means.items():
        if t != "overall":
            m["n"] = sum(1 for q in questions if q.type == t)
    report.answers = {t: m for t, m in means.items() if t != "overall"}
    overall = means.get("overall", {})
    n_in = sum(1 for q in questions if q.in_scope)
    report.summary = {
        "citation_precision": overall.get("citation_precision", 0.0),
        "citation_recall": overall.get("citation_recall", 0.0),
        "quotes_verbatim": quotes_ok / quotes_total if quotes_total else 1.0,
        "responsibility_unit_f1": means.get("responsibility", {}).get("unit_f1", 0.0),
        "department_lists_complete": dept_complete / dept_total if dept_total else 1.0,
        "facts_present": overall.get("facts_present", 0.0),
        "facts_in_first_sentence": overall.get("facts_in_first_sentence", 0.0),
        "quote_share_of_clause": sum(shares) / len(shares) if shares else 0.0,
        "out_of_scope_declined": declined / len(oos) if oos else 1.0,
        "in_scope_wrongly_declined": wrongly_declined / n_in if n_in else 0.0,
        "answer_p50_ms": percentile(times, 50),
        "answer_p95_ms": percentile(times, 95),
    }


def _miss(q: Question, cited: Sequence[str], why: str) -> dict:
    return {"id": q.id, "type": q.type, "question": q.question, "got": list(cited[:3]), "gold": list(q.gold[:3]), "why": why}


def write_report(report: EvalReport, out_dir: Path, stem: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    md.write_text(report.to_markdown(), encoding="utf-8")
    js.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return md, js
