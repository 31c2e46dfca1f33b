"""Which tokens suit this text? Keyword-only retrieval on a question set with jieba words,
character bigrams, or both (the default). `python -m evals.tokenizers [SET.jsonl]`"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant import Assistant, Mode, Settings
from index.keyword import TokenMode

from .harness import DEFAULT_SET, load_questions
from .metrics import hit_at_1, recall_at, reciprocal_rank


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_SET
    questions = [q for q in load_questions(path) if q.in_scope]
    print(f"| tokens | hit@1 | recall@5 | MRR |  ({path.name}, {len(questions)} in-scope questions, keyword-only)")
    print("|---|---|---|---|")
    for mode in TokenMode:
        a = Assistant(Settings(retrieval="keyword"), token_mode=mode)
        ranks = [(a.rank(q.question, q.history, mode=Mode.KEYWORD), q.gold) for q in questions]
        h = sum(hit_at_1(r, g) for r, g in ranks) / len(ranks)
        rc = sum(recall_at(r, g) for r, g in ranks) / len(ranks)
        mrr = sum(reciprocal_rank(r, g) for r, g in ranks) / len(ranks)
        print(f"| {mode.value} | {h:.3f} | {rc:.3f} | {mrr:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
