"""The common baseline: LangChain's RecursiveCharacterTextSplitter (500 characters) over the
raw files, the same embedder, top-4 dense. Chunks are mapped back to the clauses they overlap,
so it is scored on the same gold clause ids."""

from __future__ import annotations

import numpy as np

from index import Corpus, read_source


class ChunkBaseline:
    def __init__(self, corpus: Corpus, seeds_dir, embedder, chunk_size: int = 500, overlap: int = 50, top_k: int = 4):
        from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: PLC0415

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True)
        self.chunks: list[tuple[str, list[str]]] = []  # (text, clause ids it overlaps, most overlap first)
        for doc in corpus.documents:
            source = read_source(seeds_dir, doc)
            spans = [(c.span, c.clause_id) for c in corpus.clauses_of(doc.doc_id)]
            for d in splitter.create_documents([source]):
                start = d.metadata["start_index"]
                end = start + len(d.page_content)
                overlaps = sorted(
                    ((min(end, e) - max(start, s), cid) for (s, e), cid in spans if min(end, e) > max(start, s)),
                    reverse=True,
                )
                self.chunks.append((d.page_content, [cid for _, cid in overlaps]))
        self.embedder = embedder
        self.vectors = embedder.embed_passages([t for t, _ in self.chunks])
        self.top_k = top_k

    def rank(self, question: str) -> list[str]:
        q = self.embedder.embed_query(question)
        sims = self.vectors @ q
        out: list[str] = []
        for i in np.argsort(-sims)[: self.top_k]:
            for cid in self.chunks[i][1]:
                if cid not in out:
                    out.append(cid)
        return out

    def __len__(self) -> int:
        return len(self.chunks)

