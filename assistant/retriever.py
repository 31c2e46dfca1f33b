"""`PolicyRetriever`: the assistant as a LangChain retriever, for use in one's own chains.

The documents are what the assistant's answer would cite, understood as it understands a question (places
and documents named narrow the search; a department gets every measure it carries, a clause reference that
clause), then the rest of the search up to `k`. When the assistant would decline (the documents do not
cover the question), the list is empty: a chain can say so instead of answering from unrelated clauses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from . import compose
from .answer import Citation, Intent

COMPLETE = (Intent.DEPARTMENT, Intent.CLAUSE_REF)  # lists the answer gives whole, never topped up


class PolicyRetriever(BaseRetriever):
    """`Assistant().as_retriever(k=5)`; `page_content` is the clause text, `metadata` has clause_id, doc_id,
    label, units, quote and score."""

    assistant: Any = Field(description="the `Assistant` to ask")
    k: int | None = Field(None, ge=1, description="documents at most (default: settings.retrieval.top_k); complete lists are not cut")
    doc_ids: list[str] = Field(default_factory=list, description="only these documents")

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        clauses = self.assistant.ctx.clauses
        return [to_document(c, clauses[c.clause_id].text) for c in self.sources(query)]

    def sources(self, query: str) -> list[Citation]:
        a = self.assistant
        k = self.k or a.settings.retrieval.top_k
        answer = a.ask(query, doc_ids=self.doc_ids, llm=False)
        if answer.abstained:
            return []
        found = list(answer.citations)
        if answer.intent in COMPLETE or len(found) >= k:
            return found if answer.intent in COMPLETE else found[:k]
        q = a.understand(query)
        if self.doc_ids:
            q = replace(q, doc_ids=tuple(self.doc_ids))
        cited = {c.clause_id for c in found}
        for hit in a.search(q, k):
            if len(found) == k:
                break
            if hit.clause_id not in cited:
                clause = a.ctx.clauses[hit.clause_id]
                found.append(compose.cite(a.ctx, len(found) + 1, clause, compose.quote_for(a.ctx, q, clause), hit.score))
        return found


def to_document(c: Citation, text: str) -> Document:
    return Document(page_content=text, metadata={"clause_id": c.clause_id, "doc_id": c.doc_id, "label": c.label,
                                                 "units": list(c.units), "quote": c.quote, "score": round(c.score, 4)})
