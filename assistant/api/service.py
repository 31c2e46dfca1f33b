"""What each endpoint does, without HTTP: the same answers and records as the command line.

An over-long question is cut by the pipeline as on the page (its question part kept, the notice saying what
was left out); earlier questions are cut to `max_question_chars` before any work. Unknown ids are `ApiError(404)` with the command line's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..answer import Answer, Intent
from ..cli.ask_cmds import _check_docs
from ..cli.corpus_cmds import _contract_record, _document_record, _unknown_doc
from ..loading import Loading
from .errors import ApiError

if TYPE_CHECKING:
    from ..pipeline import Assistant  # loaded behind the page (assistant.loading)


class Service:
    def __init__(self, assistant: Assistant | Loading) -> None:
        # `serve` answers on its port while the assistant loads: a request meanwhile waits for it
        self._loading = assistant if isinstance(assistant, Loading) else Loading.ready_made(assistant)
        self.limit = self._loading.settings.retrieval.max_question_chars

    @property
    def assistant(self) -> Assistant:
        return self._loading.get()

    def ask(self, question: str, history: Sequence[str] = (), *, doc_ids: Sequence[str] = (),
            intent: Intent | None = None, llm: bool = True) -> Answer:
        """`ask --json`, with each earlier question cut to the cap first."""
        return self.assistant.ask(question, [h[: self.limit] for h in history], intent=intent,
                                  doc_ids=_check_docs(self.assistant, list(doc_ids)), llm=llm)

    def clauses(self, doc_id: str | None = None) -> list[dict]:
        """`clauses --json [DOC_ID]`, as a list."""
        corpus = self.assistant.corpus
        if doc_id is not None and not corpus.document(doc_id):
            raise ApiError(404, _unknown_doc(doc_id, corpus))
        return [_contract_record(c) for c in (corpus.clauses_of(doc_id) if doc_id else corpus.clauses)]

    def clause(self, clause_id: str) -> dict:
        """`show --json CLAUSE_ID`."""
        clause = self.assistant.corpus.clause(clause_id)
        if clause is None:
            raise ApiError(404, f"没有条款 {clause_id[:100]}：条款编号形如 xinyang-opinions#6.17（# 在网址中写作 %23，"
                                "目录见 /api/clauses?doc_id=…）")
        return clause.to_json()

    def documents(self) -> list[dict]:
        """`docs --json`, as a list."""
        corpus = self.assistant.corpus
        return [_document_record(d, corpus) for d in corpus.documents]

    def department(self, name: str) -> Answer:
        """Every measure the named department carries, complete: the department answer of `ask`."""
        name = name[: self.limit]
        if not self.assistant.understand(name).units:
            raise ApiError(404, f"没有找到名为“{name}”的责任单位：请写出部门名称，如“市场监管局”“信阳市公安局”"
                                "“海关”（加上地名只查该地的文件）")
        return self.assistant.ask(name, intent=Intent.DEPARTMENT, llm=False)
