"""`Assistant`: the one entry point the CLI, the chat page and the harness all use."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path

from index import Corpus, load_aliases, load_corpus
from index.keyword import TokenMode, Tokenizer, expansions, idf_of
from index.keyword_store import open_keyword_index
from index.normalize import clean, normalise

from . import compose, duties
from .answer import Answer, Intent
from .asking import duty_topic
from .caps import EMPTY, capped, capped_history
from .english import with_english_lead
from .errors import UserError
from .followup import rewrite
from .judge import Verdict, assess, elsewhere, may_be_other_matter
from .query import CorpusView, Query, named_things, understand
from .other_matters import Nearest, OtherMatters
from .ranking import focus, measures_first, subject, targets_first, with_earlier, with_units_first
from .words import content_words
from .quotes import sentence_scores
from .retrieve import Hit, Mode, Retriever, passage_text
from .settings import Settings
from .units_lookup import UnitDirectory


class Assistant:
    """Loads the corpus once; the dense index (embedder + Chroma) on first use."""

    def __init__(self, settings: Settings | None = None, *, corpus: Corpus | None = None, dense=None,
                 token_mode: TokenMode = TokenMode.BOTH):
        self.settings = settings or Settings()
        self.corpus = corpus or load_corpus(self.settings.seeds_dir)
        self._dense_override = dense
        terms = {c.title for c in self.corpus.clauses if c.title} | {u for c in self.corpus.clauses for u in c.units}
        terms |= named_things((c.text for c in self.corpus.clauses), pieces=False)
        self.tokenizer = Tokenizer(token_mode, extra_terms=terms)
        self.units = UnitDirectory(self.corpus.clauses, {d.doc_id: d.city for d in self.corpus.documents},
                                   load_aliases(self.settings.seeds_dir))
        self.view = CorpusView(self.corpus.documents, self.corpus.clauses, self.units, self.tokenizer)
        self.ctx = compose.Context(
            clauses={c.clause_id: c for c in self.corpus.clauses},
            documents={d.doc_id: d for d in self.corpus.documents},
            tokenize=lru_cache(maxsize=20_000)(lambda text: tuple(self.tokenizer(text))),  # sentences recur
            weight=lambda t: idf_of(self.retriever.bm25, t),
            known=lambda t: t in self.retriever.bm25.vocab,
            words=content_words,
        )
        if self.settings.llm.enabled:
            _ = self._llm  # prompts checked at start-up, not at the first question
        if dense is None and self.settings.retrieval.mode != "keyword":
            # load the embedder and open Chroma while the keyword side is built (much of it in C)
            self._preload = threading.Thread(target=self._preload_dense, name="preload-index", daemon=True)
            self._preload.start()

    def _preload_dense(self) -> None:
        try:
            _ = self.dense_index
        except Exception:  # noqa: BLE001, S110 - not cached: raised again where the index is first used
            pass

    # ------------------------------------------------------------------ set-up

    @cached_property
    def dense_index(self):
        """The embedder and the opened Chroma index, built on first use when missing or stale."""
        from .dense import DenseIndex  # noqa: PLC0415 - the model loads only when needed

        return DenseIndex.open(self.settings, self.corpus.clauses, self.corpus.documents, passage_text)

    @cached_property
    def other_matters(self) -> OtherMatters:
        return OtherMatters(self.dense_index.embedder.embed_query)

    def prepare_other_matters(self) -> None:
        """Embed the bank of other matters now (about a second) rather than at the first question
        that needs it; a server does this in the background after it has loaded."""
        if self._dense_override is None and self.settings.retrieval.mode != "keyword":
            self.other_matters.matrix()

    def _nearest_matter(self, q: Query, mode: Mode | None) -> Nearest | None:
        """The everyday matter of another kind the question is nearest, when the judge asks for it
        and the answer has a dense side of the bundled index (not a test's stand-in, not keyword mode)."""
        if not may_be_other_matter(q) or self._dense_override is not None \
                or (mode or Mode(self.settings.retrieval.mode)) is Mode.KEYWORD:
            return None
        return self.other_matters.nearest(q.norm)

    @cached_property
    def retriever(self) -> Retriever:
        dense = self._dense_override
        if dense is None and self.settings.retrieval.mode != "keyword":
            dense = self.dense_index.search
        clauses = self.corpus.clauses
        self.keyword_index = open_keyword_index(Path(self.settings.store.data_dir), [c.clause_id for c in clauses],
                                                [passage_text(c) for c in clauses], self.tokenizer)
        return Retriever(clauses, self.tokenizer, dense, dense_weight=self.settings.retrieval.dense_weight,
                         bm25=self.keyword_index.index)

    def warm_up(self) -> None:
        """Load what the first question would (jieba, the embedder, the index, the LLM client)."""
        self.warm_up_llm()
        self._answer(self.understand("知识产权保护"), None)

    # ------------------------------------------------------------------ asking

    def understand(self, question: str, history: Sequence[str] = ()) -> Query:
        limit = self.settings.retrieval.max_question_chars
        question, cut = capped(question, limit)  # before any work: a 20-million-character question costs nothing
        history = capped_history(history, limit)
        if not clean(question):
            raise UserError(EMPTY, exit_code=2)
        text = rewrite(question, history, self.view) if history else question
        q = understand(text, self.view, limit)
        if text != question and not q.speaks_of_ip and self.view.speaks_of_ip(normalise(history[-1])):
            q = replace(q, speaks_of_ip=True, asks_of_ip=True)  # a follow-up goes on with its conversation's topic
        if history and q.intent not in (Intent.DEPARTMENT, Intent.CLAUSE_REF):
            q = replace(q, earlier=self._earlier(question, history))
        return replace(q, truncated=True, cut=cut) if cut else q

    def _earlier(self, question: str, history: Sequence[str]) -> tuple[str, ...]:
        """What the previous answer cited, when the follow-up names no place or unit of its own (会在哪些
        地方公示？这个谁来管？): the conversation is still on those measures. One turn back, not the whole
        history: the previous answer is recomputed from its question (the history carries questions only)."""
        own = understand(question, self.view)
        if own.doc_ids or own.units or own.foreign_places:
            return ()
        prev = self.understand(history[-1], history[-2:-1])
        answer = self._answer(prev, None, allow_abstain=False)
        return tuple(c.clause_id for c in answer.citations[:3])

    def search(self, q: Query, k: int, mode: Mode | None = None, doc_ids: Sequence[str] | None = None) -> list[Hit]:
        mode = mode or Mode(self.settings.retrieval.mode)
        docs = q.doc_ids if doc_ids is None else doc_ids
        hits = self.retriever.search(q.norm, max(k + 5, 30) if q.asks_target else k + 5, docs, mode, tokens=q.tokens)
        if q.asks_target:
            hits = targets_first(hits, docs, self.target_clauses)
        if q.clause_refs:  # a clause the question points at (第十九条的责任单位) ranks first
            top = hits[0].score if hits else 1.0
            pointed = [Hit(cid, top + 1.0, 1.0, 1.0) for cid in q.clause_refs[:3]]
            hits = pointed + [h for h in hits if h.clause_id not in q.clause_refs[:3]]
        if q.earlier:
            hits = with_earlier(hits, q.earlier)
        if not q.about_document:  # front matter answers questions about the document itself only
            hits = [h for h in hits if not h.clause_id.endswith("#0.0")] or hits
        return hits[:k]

    def ask(self, question: str, history: Sequence[str] = (), *, intent: Intent | None = None,
            doc_ids: Sequence[str] = (), mode: Mode | None = None, llm: bool = True,
            on_delta: Callable[[str], None] | None = None) -> Answer:
        """`llm=False`: the extractive answer even when an LLM endpoint is configured."""
        steps = self._steps(question, history, intent=intent, doc_ids=doc_ids, mode=mode, llm=llm)
        for item in steps:
            if isinstance(item, Answer):
                return item
            if on_delta is not None:
                on_delta(item)
        raise AssertionError("unreachable: _steps ends with the answer")

    def _steps(self, question: str, history: Sequence[str], *, intent: Intent | None = None,
               doc_ids: Sequence[str] = (), mode: Mode | None = None, llm: bool = True) -> Iterator[str | Answer]:
        """The LLM's text deltas as they arrive (none without an LLM), then the Answer."""
        t0 = time.perf_counter()
        asked = q = self.understand(question, history)
        if doc_ids:
            q = replace(q, doc_ids=tuple(doc_ids))
        if intent is not None:
            q = replace(q, intent=intent)
        t1 = time.perf_counter()
        if doc_ids and asked.places and len(compose.places_left_out(self.ctx, asked, doc_ids)) == len(asked.places):
            answer = compose.filtered_decline(self.ctx, asked, doc_ids)  # asked about a place the filter leaves out
        else:
            answer = self._answer(q, mode)
            if doc_ids and answer.abstained:
                answer = compose.filtered_decline(self.ctx, asked, doc_ids, answer)
        if q.english:
            answer = with_english_lead(answer, self.ctx.documents, self.ctx.clauses)
        if self.settings.llm.enabled and llm:
            answer = yield from self._generated(q, answer)
        t2 = time.perf_counter()
        # as searched (an over-long question: its question part), minus invisible characters and lone surrogates
        answer.question = clean(capped(question, self.settings.retrieval.max_question_chars)[0])
        answer.rewritten = q.question if q.question != answer.question[: len(q.question)] else ""
        if q.unlisted_unit and not answer.abstained:  # 新乡市场监管局负责哪些: that document assigns no units
            answer.notice = with_notice(compose.unlisted_note(self.ctx, q), answer.notice)
        if q.scope_note and not answer.abstained:  # 合肥 answered from 瑶海区's document: say so first
            answer.notice = with_notice(q.scope_note + "。", answer.notice)
        if q.foreign_places and not answer.abstained:  # 开封和郑州…: only 郑州 is answered, and it says so
            answer.notice = with_notice(compose.outside_note(self.ctx, q), answer.notice)
        notes = []
        if q.corrections:
            notes.append("已将" + "，".join(f"“{a}”按“{b}”" for a, b in q.corrections) + "理解。")
        if q.cut:
            notes.append(q.cut.notice())
        if notes:
            answer.input_notice = " ".join(notes)
            answer.notice = with_notice(answer.notice, answer.input_notice)
        answer.timings_ms = {"understand": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        yield answer

    def rank(self, question: str, history: Sequence[str] = (), *, mode: Mode | None = None) -> list[str]:
        """Clause ids best first, as the answer would cite them, then the rest of the search
        (abstention aside): what retrieval metrics score."""
        q = self.understand(question, history)
        answer = self._answer(q, mode, allow_abstain=False)
        ranked = [c.clause_id for c in answer.citations]
        if q.intent not in (Intent.DEPARTMENT, Intent.CLAUSE_REF):
            ranked += [h.clause_id for h in self.search(q, 10, mode) if h.clause_id not in ranked]
        return ranked

    def as_retriever(self, **kw):
        """A LangChain retriever over this assistant (`PolicyRetriever`; langchain loads only when asked)."""
        from .retriever import PolicyRetriever  # noqa: PLC0415

        return PolicyRetriever(assistant=self, **kw)

    def ask_stream(self, question: str, history: Sequence[str] = (), **kw) -> Iterator[tuple[str, Answer | None]]:
        """Yields (text so far, None) while the answer is written, then (final text, Answer).
        With an LLM the text is the model's stream (read in the caller's thread; the HTTP work runs
        in the LLM module's one worker thread); if its answer fails the checks, the final text is
        the extractive answer, which replaces what was streamed."""
        if not self.settings.llm.enabled or not kw.get("llm", True):
            answer = self.ask(question, history, **kw)
            text, step = answer.answer, 12
            for i in range(step, len(text), step):
                yield text[:i], None
            yield text, answer
            return
        text = ""
        for item in self._steps(question, history, **kw):
            if isinstance(item, Answer):
                yield item.answer, item
                return
            text += item
            yield text, None

    def _answer(self, q: Query, mode: Mode | None, allow_abstain: bool = True) -> Answer:
        ctx, k = self.ctx, self.settings.retrieval.top_k
        if allow_abstain and (outside := elsewhere(q)) and q.intent in (Intent.CLAUSE_REF, Intent.DEPARTMENT):
            return compose.abstain(ctx, q, None, outside.decline)  # 洛阳…市公安局负责哪些: not these documents' unit
        if q.intent is Intent.CLAUSE_REF and q.clause_refs:
            return compose.clause_reference(ctx, q, q.clause_refs[:5])
        if q.intent is Intent.DEPARTMENT and q.units:
            named = dict.fromkeys((m.doc_id, m.unit) for m in q.units)  # every unit the words name, per document
            lists = [(d, u, self.units.clauses_of(d, u)) for d, u in named]
            topic = duty_topic(q.norm, q.units)
            if topic:  # 在海外维权这一块负责哪些: those of its measures on that topic, when some are
                narrowed = [(d, u, self._on_topic(topic, ids)) for d, u, ids in lists]
                if any(len(n) < len(ids) for (_, _, n), (_, _, ids) in zip(narrowed, lists)):
                    return duties.department(ctx, q, narrowed, topic=topic, totals=[len(ids) for _, _, ids in lists])
            return duties.department(ctx, q, lists)
        hits = self.search(q, max(k, 10), mode)
        verdict = assess(q, hits, ctx, nearest=self._nearest_matter(q, mode)) if allow_abstain else Verdict()
        if not hits:
            verdict = Verdict(verdict.decline or "没有检索到相关条款", 0.0)
        if verdict.decline:
            nearest = ctx.clauses[hits[0].clause_id] if hits else None
            answer = compose.abstain(ctx, q, nearest, verdict.decline, verdict.say)
            answer.confidence = 0.0
            return answer
        answer = self._compose(q, hits, mode)
        answer.confidence = verdict.confidence
        if verdict.notice and not answer.notice:
            answer.notice = verdict.notice
        return answer

    def _compose(self, q: Query, hits: list[Hit], mode: Mode | None) -> Answer:
        ctx, k = self.ctx, self.settings.retrieval.top_k
        if q.about_document and len(q.doc_ids) >= 2 and q.intent in (Intent.COMPARE, Intent.FACT, Intent.LOOKUP):
            fronts = [ctx.clauses[f"{d}#0.0"] for d in q.doc_ids if f"{d}#0.0" in ctx.clauses]
            if meta := compose.metadata_fact(ctx, q, fronts):  # 两份文件各自啥时候发的: each from its header
                return meta
        if q.intent is Intent.COMPARE:
            return compose.compare(ctx, q, self._best_per_doc(q, mode))
        if q.intent is Intent.RESPONSIBILITY:
            return duties.responsibility(ctx, q, with_units_first(measures_first(hits), ctx))  # its own units
        if q.intent is Intent.FACT:
            front = next((ctx.clauses[h.clause_id] for h in hits if h.clause_id.endswith("#0.0")), None)
            for doc_id in q.doc_ids[:1]:
                front = ctx.clauses.get(f"{doc_id}#0.0", front)
            meta = compose.metadata_fact(ctx, q, [front]) if front else None
            if meta:
                return meta
            if q.asks_target and not subject(q):  # 到哪一年、做到什么水平: the clauses that set targets answer
                setting = [h for h in hits if h.clause_id in self.target_clauses]
                hits = self._by_best_sentence(q, setting) + \
                    self._by_best_sentence(q, [h for h in hits if h.clause_id not in self.target_clauses])
            else:
                hits = self._by_best_sentence(q, hits)
        figure = q.intent is Intent.FACT or q.asks_target
        focused = focus(hits, k, targets=self.target_clauses if figure else ())
        return compose.lookup(ctx, q, focused, k, q.intent if q.intent is Intent.FACT else Intent.LOOKUP)

    # ------------------------------------------------------------------ the LLM path

    @cached_property
    def _llm(self):
        """(config, prompts), checked once: a bad prompt template fails at start-up."""
        from .llm import LLMConfig, prepare  # noqa: PLC0415 - langchain loads only when used
        from .prompts import load_prompts  # noqa: PLC0415

        s = self.settings.llm
        cfg = LLMConfig(base_url=s.base_url, model=s.model, api_key=s.api_key, timeout_s=s.timeout_s)
        prompts = load_prompts(s.prompts_dir)
        prepare(cfg)
        return cfg, prompts

    def _generated(self, q: Query, base: Answer) -> Generator[str, None, Answer]:
        """The LLM's answer over the clauses the extractive answer cites, streamed, then checked;
        on any failure the extractive answer, saying why."""
        if base.abstained or not base.citations or base.intent in (Intent.DEPARTMENT, Intent.CLAUSE_REF):
            return base  # declining and complete lists are not the model's to rewrite
        from .cite import Source  # noqa: PLC0415
        from .llm import checked_stream  # noqa: PLC0415

        cfg, prompts = self._llm
        sources = [Source(c.n, c.clause_id, c.label, self.ctx.clauses[c.clause_id].text, tuple(c.units))
                   for c in base.citations]
        result = yield from checked_stream(q.question, sources, cfg, prompts)
        if not result.ok:
            base.mode = "extractive-fallback"
            base.notice = result.reason
            return base
        verified = {}
        for quote, n in (result.check.quotes if result.check else []):
            verified.setdefault(n, quote)
        citations = [replace(c, quote=verified.get(c.n, c.quote)) for c in base.citations if c.n in result.used]
        return replace(base, answer=result.text, citations=citations, mode="llm")

    def warm_up_llm(self) -> None:
        if self.settings.llm.enabled:
            _ = self._llm

    def _on_topic(self, topic: str, clause_ids: Sequence[str], ratio: float = 0.5) -> list[str]:
        """Of a unit's measures, those whose words match the topic (keyword evidence within `ratio` of
        the best); all of them when none does."""
        scores = self.retriever.bm25.scores(self.tokenizer(" ".join([topic, *expansions(topic)])))
        row = {cid: i for i, cid in enumerate(self.retriever.order)}
        own = {cid: float(scores[row[cid]]) for cid in clause_ids if cid in row}
        best = max(own.values(), default=0.0)
        return [cid for cid in clause_ids if best > 0 and own.get(cid, 0.0) >= ratio * best] or list(clause_ids)

    def _by_best_sentence(self, q: Query, hits: Sequence[Hit], top: int = 5) -> list[Hit]:
        """Facts live in sentences: re-rank the best few clauses by their best sentence (with
        figures preferred), keeping the fused order as the tie-break."""
        ctx = self.ctx

        years = [t for t in q.tokens if t.isdigit() and len(t) == 4]  # 到2023年底: a frame the clause may print once

        def best(h: Hit) -> float:
            body = ctx.clauses[h.clause_id].body
            scored = sentence_scores(body, q.tokens, ctx.tokenize, ctx.weight, want_values=True)
            framed = sum(ctx.weight(y) for y in years if y in body)
            return max((s for _, s in scored), default=0.0) + framed

        quoted = set(self.retriever.title_matches(q.norm, q.doc_ids))  # 总体目标是什么: the measure it names first
        head = sorted(enumerate(hits[:top]), key=lambda ih: (ih[1].clause_id not in quoted, -best(ih[1]), ih[0]))
        return [h for _, h in head] + list(hits[top:])

    @cached_property
    def target_clauses(self) -> tuple[str, ...]:
        """The clauses that set targets, in corpus order (an answer's order must not follow hash seeds)."""
        return tuple(c.clause_id for c in self.corpus.clauses
                     if _TARGET_SENTENCE.search(c.body) or c.title.endswith("目标"))

    def _best_per_doc(self, q: Query, mode: Mode | None) -> list[Hit]:
        """One matching measure per compared place, in the order the places were named."""
        docs = list(q.doc_ids) or [d.doc_id for d in self.corpus.documents]
        groups: dict[str, list[str]] = {}
        for doc_id in docs:
            groups.setdefault(self.view.place_of(doc_id), []).append(doc_id)
        best = []
        for place_docs in groups.values():
            keep = self.target_clauses if q.asks_target else ()
            hits = measures_first(self.search(q, 3, mode, doc_ids=place_docs), keep)
            if hits:
                best.append(hits[0])
        if not q.doc_ids:  # 各地: the documents that speak to it, best first
            top = best[0].score if best else 0
            best = sorted((h for h in best if h.score >= 0.5 * top), key=lambda h: -h.score)
        return best


_TARGET_SENTENCE = re.compile(r"(?:力争|争取)?到\s*20\d\d\s*年")  # "到 2023 年底，…": a target, by when


def with_notice(notice: str, more: str) -> str:
    return f"{notice} {more}" if notice and more else notice or more
