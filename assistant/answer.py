"""The answer as plain data: what `ask --json`, the chat page and the harness all return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Intent(str, Enum):
    """What kind of question was asked; each kind is answered the way its users need."""

    LOOKUP = "lookup"
    RESPONSIBILITY = "responsibility"  # who carries measure X
    DEPARTMENT = "department"  # every measure department D carries
    COMPARE = "compare"
    FACT = "fact"
    CLAUSE_REF = "clause_ref"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass
class Citation:
    n: int
    clause_id: str
    doc_id: str
    label: str
    quote: str
    units: list[str] = field(default_factory=list)
    score: float = 0.0
    lead_units: list[str] = field(default_factory=list)  # the clause's units marked 牵头 (empty where none)
    support_units: list[str] = field(default_factory=list)  # …and marked 配合


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    intent: Intent = Intent.LOOKUP
    department: str = ""  # for DEPARTMENT answers: the matched department
    rewritten: str = ""  # the question as searched, after follow-up rewriting
    mode: str = "extractive"  # "extractive", "llm", or "extractive-fallback"
    notice: str = ""  # e.g. why the LLM answer fell back, or that the point is not clearly covered; ends with input_notice
    input_notice: str = ""  # what was made of the question as typed: typos read as meant, an over-long one cut
    confidence: float = 1.0  # 0‥1, how well the cited clauses cover the question (0 when declined)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The contract's object (docs/CONTRACT.md, `ask --json`), plus extra keys."""
        out = asdict(self)
        out["intent"] = self.intent.value
        for c in out["citations"]:
            c["score"] = round(c["score"], 4)
        out["timings_ms"] = {k: round(v, 2) for k, v in self.timings_ms.items()}
        return out
