"""Several question sets side by side: the own set, the holdout and, when present, the blind set.

The own set (`questions.jsonl`) is what the code was tuned on; the holdout (`holdout.jsonl`) was
written apart and not tuned on; the blind set (`blind.jsonl`) is frozen and nobody reads it: its
misses are counted, never listed. The gap in hit@1 between the own set and the others says how
much of the own set's score is tuning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .harness import EvalReport

HERE = Path(__file__).resolve().parent
OWN, HOLDOUT, BLIND = "questions", "holdout", "blind"
# dev … dev8: written from seeds/ only by eight helpers, used for tuning like the own set (dev3–dev8
# were measured once unseen before they were tuned on; dev4 asks in words the documents never use, dev5 is officials',
# dev6 long stories, English and details no clause prints, dev7 officials and near misses,
# dev8 the boundary: near misses and answerable lookalikes; dev9 and dev10 mixed sets, dev9 the validation set of one
# decision (the third glossary batch), dev10 measured unseen). blind2: a second frozen blind set, written like the first.
KNOWN_SETS = (HERE / f"{OWN}.jsonl", HERE / f"{HOLDOUT}.jsonl", HERE / "dev.jsonl", HERE / "dev2.jsonl",
              HERE / "dev3.jsonl", HERE / "dev4.jsonl", HERE / "dev5.jsonl", HERE / "dev6.jsonl", HERE / "dev7.jsonl",
              HERE / "dev8.jsonl", HERE / "dev9.jsonl", HERE / "dev10.jsonl",
              HERE / f"{BLIND}.jsonl", HERE / f"{BLIND}2.jsonl")


def default_sets() -> list[Path]:
    """The own, holdout, dev and blind sets that exist, in that order."""
    return [p for p in KNOWN_SETS if p.is_file()]


def is_blind(path: Path) -> bool:
    """A blind set's questions are never shown: not in reports, not in messages."""
    return Path(path).stem.startswith(BLIND)


def hit_at_1(report: EvalReport, mode: str) -> float | None:
    overall = report.retrieval.get(mode, {}).get("overall")
    return None if overall is None else overall.get("hit@1", 0.0)


def gaps(reports: Mapping[str, EvalReport], own: str = OWN) -> dict[str, dict[str, float]]:
    """hit@1 of the own set minus that of each other set, per retrieval mode: {set: {mode: gap}}."""
    if own not in reports:
        return {}
    base = reports[own]
    out: dict[str, dict[str, float]] = {}
    for name, rep in reports.items():
        if name == own:
            continue
        row = {}
        for mode in base.retrieval:
            a, b = hit_at_1(base, mode), hit_at_1(rep, mode)
            if a is not None and b is not None:
                row[mode] = a - b
        out[name] = row
    return out


def side_by_side(reports: Mapping[str, EvalReport], own: str = OWN) -> str:
    """Markdown: retrieval per mode and the answer summary, one column per set, then the gaps."""
    names = list(reports)
    modes = list(dict.fromkeys(m for r in reports.values() for m in r.retrieval))
    head = "| | " + " | ".join(f"{n} ({reports[n].n_questions})" for n in names) + " |"
    rule = "|---|" + "---|" * len(names)
    lines = ["# Evaluation: question sets side by side", "",
             "## Retrieval, in-scope questions (hit@1 / recall@5 / MRR)", "", head, rule]
    for mode in modes:
        cells = []
        for n in names:
            o = reports[n].retrieval.get(mode, {}).get("overall")
            cells.append(f"{o['hit@1']:.3f} / {o['recall@5']:.3f} / {o['mrr']:.3f}" if o else "–")
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    metrics = list(dict.fromkeys(k for r in reports.values() for k in r.summary))
    lines += ["", "## Answers (default pipeline)", "", head, rule]
    for k in metrics:
        cells = [_cell(reports[n].summary.get(k)) for n in names]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    g = gaps(reports, own)
    if g:
        lines += ["", f"## Gap in hit@1: {own} minus each other set (positive: the own set scores higher)", "",
                  "| mode | " + " | ".join(g) + " |", "|---|" + "---|" * len(g)]
        for mode in modes:
            lines.append(f"| {mode} | " + " | ".join(_signed(g[n].get(mode)) for n in g) + " |")
    return "\n".join(lines) + "\n"


def _cell(v: float | str | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _signed(v: float | None) -> str:
    return "–" if v is None else f"{v:+.3f}"


def parse_sets(spec: str | None, known: Sequence[Path] = KNOWN_SETS) -> list[Path]:
    """`--sets a.jsonl,b.jsonl` (names of the bundled sets may omit the folder); default: those that exist."""
    if not spec:
        return default_sets()
    out = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        path = Path(item)
        bundled = {p.name: p for p in known} | {p.stem: p for p in known}
        out.append(bundled[item] if not path.exists() and item in bundled else path)
    return out
