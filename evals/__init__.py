"""Measure the assistant: question sets with gold clauses, and the harness that scores answers."""

from .harness import EvalReport, load_questions, run_eval
from .metrics import Question

__all__ = ["EvalReport", "Question", "load_questions", "run_eval"]
