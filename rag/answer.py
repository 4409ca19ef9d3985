"""The answer chain: retrieve, check the evidence, generate with cited sources, validate the citations.

Three kinds of question get three shapes of answer:

* **fact** (the default): up to ``k`` numbered sources go to the backend; the answer carries ``[n]`` markers that
  are checked against the sources and mapped to paper titles.
* **list** ("which papers study X?"): a wider retrieval, every paper whose abstract matches, one cited line each.
* **compare**: the compared papers are identified, evidence is retrieved *for each paper*, and a side-by-side
  table (paper, approach, data or benchmarks, key results) is built with every row cited.

Before any LLM is called, :func:`rag.evidence.check_sufficiency` decides whether the collection holds the answer.
If not, the answer says what the collection does and doesn't contain, with ``refused=True``. When an LLM backend
fails, the extractive answer is returned with a visible note. Backends: ``extractive`` (no LLM: the best-matching
sentences, each cited), ``local`` (llama.cpp; base models get a completion prompt and each generated sentence is
re-attributed to the source that supports it) and ``openai`` (chat, streamed).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.citations import markers, strip_markers, validate
from rag.config import Settings
from rag.errors import BackendError, ContextWindowExceededError, RagError
from rag.evidence import (
    Sentence,
    best_support,
    check_sufficiency,
    content_terms,
    overlap,
    score_sentences,
    supporting_sentence,
)
from rag.prompts import (
    BASE_MAX_TOKENS,
    BASE_SENTENCES,
    BASE_SOURCES,
    BASE_STOP,
    REFUSAL,
    SourceText,
    chat_messages,
    completion_prompt,
    fit_sources,
    prompt_tokens,
)
from rag.retrieval import PaperHit, Retriever, SearchFilters, split_sentences

TokenFn = Callable[[str], None]

_COMPARE = re.compile(r"\b(compare|comparison|versus|vs\.?|differ|difference|contrast)\b", re.IGNORECASE)
_LIST = re.compile(
    r"^\s*(which|what|list|name|find|show)\b.{0,40}\b(papers|works|studies|articles|methods|approaches)\b"
    r"|\ball (the )?papers\b|\blist (all |the )?papers\b",
    re.IGNORECASE,
)


def detect_kind(question: str) -> str:
    """'compare', 'list' or 'fact', from the wording of the question."""
    if _COMPARE.search(question):
        return "compare"
    if _LIST.search(question):
        return "list"
    return "fact"


@dataclass
class Citation:
    n: int
    title: str
    paper_id: str


@dataclass
class Source:
    n: int
    title: str
    paper_id: str
    score: float
    snippet: str
    published: str | None = None
    authors_count: int | None = None
    text: str = ""  # the evidence text given to the backend
    support: str = ""  # the sentence of this source the answer relies on most


@dataclass
class CompareRow:
    n: int
    title: str
    approach: str
    data: str
    results: str


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    sources: list[Source]
    backend: str
    model: str
    timings_ms: dict[str, float]
    tokens: dict[str, int]
    kind: str = "fact"
    standalone_question: str = ""
    note: str = ""  # e.g. the fallback notice when an LLM backend failed
    table: list[CompareRow] = field(default_factory=list)
    cost_usd: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract (see README)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [asdict(c) for c in self.citations],
            "sources": [
                {
                    "n": s.n,
                    "title": s.title,
                    "paper_id": s.paper_id,
                    "score": round(s.score, 6),
                    "snippet": s.snippet,
                }
                for s in self.sources
            ],
            "backend": self.backend,
            "model": self.model,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "tokens": self.tokens,
            "kind": self.kind,
            "standalone_question": self.standalone_question,
            "note": self.note,
            "table": [asdict(r) for r in self.table],
            "cost_usd": self.cost_usd,
        }


def _sources(hits: list[PaperHit]) -> list[Source]:
    return [
        Source(
            i,
            h.title,
            h.paper_id,
            h.score,
            h.snippet,
            h.published,
            h.authors_count,
            text=h.abstract or h.text,
        )
        for i, h in enumerate(hits, start=1)
    ]


def cited_list(answer: str, sources: list[Source]) -> list[Citation]:
    by_n = {s.n: s for s in sources}
    return [Citation(n, by_n[n].title, by_n[n].paper_id) for n in markers(answer) if n in by_n]


def with_cited_titles(answer: str, citations: list[Citation]) -> str:
    if not citations:
        return answer
    return answer.rstrip() + "\n\nCited papers:\n" + "\n".join(f"[{c.n}] {c.title}" for c in citations)


def _emit(text: str, on_token: TokenFn | None) -> None:
    if on_token:
        for piece in re.findall(r"\S+\s*|\s+", text):
            on_token(piece)


class AnswerEngine:
    """Answers questions over one collection. Build once per settings; thread-safe for concurrent questions."""

    def __init__(self, settings: Settings, retriever: Retriever | None = None) -> None:
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self.embedder = self.retriever.embedder

    # ------------------------------------------------------------------ entry point

    def ask(
        self,
        question: str,
        *,
        backend: str | None = None,
        k: int | None = None,
        filters: SearchFilters | None = None,
        history: list[tuple[str, str]] | None = None,
        standalone: str | None = None,
        on_token: TokenFn | None = None,
        kind: str | None = None,
        temperature: float | None = None,
    ) -> Answer:
        from rag.llm.factory import get_llm, resolve_backend

        question = question.strip()
        if not question:
            raise RagError("the question is empty")
        query = standalone or question
        kind = kind or detect_kind(query)
        name = resolve_backend(self.settings, backend)
        t0 = time.perf_counter()
        if kind == "compare":
            return self.compare(query, backend=name, filters=filters, on_token=on_token, original=question)
        k = k or self.settings.retrieval.k
        hits = self.retriever.search(query, k=max(k, 15) if kind == "list" else k, filters=filters).hits
        t_retrieve = (time.perf_counter() - t0) * 1000
        sources = _sources(hits)
        ranked = score_sentences(query, [(s.n, s.text) for s in sources], self.embedder)
        base = Answer(
            question, "", False, [], sources, "extractive", "extractive", {}, {"prompt": 0, "completion": 0}
        )
        base.kind, base.standalone_question = kind, query

        def done(answer: Answer) -> Answer:
            answer.timings_ms = {
                "retrieve": t_retrieve,
                "generate": (time.perf_counter() - t0) * 1000 - t_retrieve,
                "total": (time.perf_counter() - t0) * 1000,
            }
            return answer

        verdict = self._sufficient(query, sources, ranked)
        if verdict is not None:
            base.answer, base.refused = verdict, True
            _emit(base.answer, on_token)
            return done(base)
        if kind == "list":
            return done(self._list_answer(base, query, ranked, on_token))
        if name == "extractive":
            return done(self._extractive(base, ranked, on_token))
        try:
            llm = get_llm(self.settings, name)
            assert llm is not None
            return done(self._generate(base, llm, query, history, on_token, temperature, ranked))
        except BackendError as exc:
            fallback = self._extractive(base, ranked, None)
            fallback.note = f"The {name} backend failed ({exc}); showing the extractive answer instead."
            _emit(fallback.answer, on_token)
            return done(fallback)

    # ------------------------------------------------------------------ evidence gate

    def _sufficient(self, question: str, sources: list[Source], ranked: list[Sentence]) -> str | None:
        """None when the evidence suffices; otherwise the refusal text."""
        if not sources:
            return f"{REFUSAL} The collection has no papers matching the question."
        best = ranked[0] if ranked else None
        top = next((s for s in sources if best and s.n == best.source), sources[0])
        # The paper the question names, if any: the source whose title shares most terms with the question.
        q_terms = content_terms(question)

        def names(s: Source) -> float:  # how much the question names this paper (either direction)
            shared = q_terms & content_terms(s.title)
            return (
                0.0
                if len(shared) < 2
                else max(overlap(content_terms(s.title), question), len(shared) / len(q_terms))
            )

        named = max(sources, key=names)
        is_named = names(named) >= 0.5
        if is_named and named is not top:
            # The evidence may sit in another paper than the one whose title the question echoes: either will do.
            if check_sufficiency(question, top.title, top.text, best).ok:
                return None
            top = named
        verdict = check_sufficiency(question, top.title, top.text, best, named=is_named)
        if verdict.ok:
            return None
        if verdict.reason == "detail":
            missing = ", ".join(sorted(verdict.detail_terms - content_terms(top.text))) or "that detail"
            return (
                f'{REFUSAL} The collection has "{top.title}", but its abstract does not state this '
                f"(nothing about: {missing})."
            )
        near = "; ".join(f'"{s.title}"' for s in sources[:3])
        return f"{REFUSAL} The closest papers in the collection are about other topics: {near}."

    # ------------------------------------------------------------------ backends

    def _extractive(self, answer: Answer, ranked: list[Sentence], on_token: TokenFn | None) -> Answer:
        """The best-matching sentences (at most 3, at most 2 per paper), each cited."""
        picked: list[Sentence] = []
        per_source: dict[int, int] = {}
        lead = ranked[0].source if ranked else 0
        for sentence in ranked:
            if len(picked) == 3:
                break
            # Other papers' sentences only when nearly as good as the best one: a fact answer stays focused.
            floor = 0.75 if sentence.source == lead else 0.92
            if sentence.score < ranked[0].score * floor:
                continue
            if per_source.get(sentence.source, 0) < 2:
                picked.append(sentence)
                per_source[sentence.source] = per_source.get(sentence.source, 0) + 1
        text = " ".join(f"{s.text.rstrip('.')} [{s.source}]." for s in picked)
        answer.citations = cited_list(text, answer.sources)
        for s in answer.sources:
            s.support = next((p.text for p in picked if p.source == s.n), "")
        answer.answer = with_cited_titles(text, answer.citations)
        _emit(answer.answer, on_token)
        return answer

    def _list_answer(
        self, answer: Answer, question: str, ranked: list[Sentence], on_token: TokenFn | None
    ) -> Answer:
        """Every retrieved paper whose best sentence is close enough to the best match, one cited line each."""
        best_by_source: dict[int, Sentence] = {}
        for sentence in ranked:
            best_by_source.setdefault(sentence.source, sentence)
        top = ranked[0].score
        terms = content_terms(question)
        lines = []
        for s in answer.sources:
            sent = best_by_source.get(s.n)
            if sent is None:
                continue
            all_terms = overlap(terms, f"{s.title} {s.text}") == 1.0
            if sent.score >= 0.9 * top or all_terms:
                lines.append(f"- {s.title}: {sent.text.rstrip('.')} [{s.n}].")
                s.support = sent.text
        text = f"{len(lines)} papers in the collection match:\n" + "\n".join(lines)
        answer.citations = cited_list(text, answer.sources)
        answer.answer = with_cited_titles(text, answer.citations)
        _emit(answer.answer, on_token)
        return answer

    def _generate(
        self,
        answer: Answer,
        llm: Any,
        question: str,
        history: list[tuple[str, str]] | None,
        on_token: TokenFn | None,
        temperature: float | None,
        ranked: list[Sentence],
    ) -> Answer:
        max_tokens = self.settings.llm.max_tokens
        texts = [SourceText(s.n, s.title, s.text) for s in answer.sources]
        if not llm.is_chat:
            max_tokens = min(max_tokens, BASE_MAX_TOKENS)
            texts = _focused(texts, ranked)
        overhead = prompt_tokens(
            chat_messages(question, [], history) if llm.is_chat else completion_prompt(question, [])
        )
        budget = llm.context_window - max_tokens - overhead - 32
        if budget < 100:
            raise ContextWindowExceededError(
                f"the model's context window ({llm.context_window} tokens) leaves no room for sources"
            )
        texts = fit_sources(texts, budget)
        prompt = (
            chat_messages(question, texts, history) if llm.is_chat else completion_prompt(question, texts)
        )
        pieces: list[str] = []
        for delta in llm.stream(
            prompt,
            max_tokens=max_tokens,
            temperature=self.settings.llm.temperature if temperature is None else temperature,
            stop=None if llm.is_chat else BASE_STOP,
        ):
            pieces.append(delta)
            if on_token:
                on_token(delta)
        raw = "".join(pieces).strip()
        given = {t.n: t.text for t in texts}
        answer.backend, answer.model = llm.backend, llm.model
        if llm.last_usage:
            answer.tokens = {
                "prompt": llm.last_usage.prompt_tokens,
                "completion": llm.last_usage.completion_tokens,
            }
            if llm.price_per_mtok:
                p, c = llm.price_per_mtok
                answer.cost_usd = round(
                    (answer.tokens["prompt"] * p + answer.tokens["completion"] * c) / 1e6, 6
                )
        if raw.startswith(REFUSAL[:40]) or not raw:
            answer.refused = True
            answer.answer = raw or REFUSAL
            return answer
        text = validate(raw, given, self.embedder).text if llm.is_chat else self._attribute(raw, given)
        if not markers(text):
            # Nothing the model wrote is supported by a source: keep the grounded extractive answer instead.
            ranked = score_sentences(question, list(given.items()), self.embedder)
            fallback = self._extractive(answer, ranked, None)
            fallback.backend = fallback.model = "extractive"  # the text is extractive; tokens stay as spent
            fallback.note = (
                f"The {llm.backend} model's answer was not supported by the sources; "
                "showing the cited sentences instead."
            )
            return fallback
        answer.citations = cited_list(text, answer.sources)
        answer.answer = with_cited_titles(text, answer.citations)
        by_n = {src.n: src for src in answer.sources}
        for sentence in split_sentences(text):  # what each cited source is relied on for, to highlight it
            for n in markers(sentence):
                if n in by_n and not by_n[n].support:
                    by_n[n].support = supporting_sentence(
                        strip_markers(sentence), by_n[n].text, self.embedder
                    )
        return answer

    def _attribute(self, raw: str, given: dict[int, str]) -> str:
        """Base-model output: cite each sentence by the source that supports it; drop unsupported sentences."""
        kept = []
        for sentence in split_sentences(strip_markers(raw)):
            n, _ = best_support(sentence, list(given.items()), self.embedder)
            if n is not None:
                kept.append(f"{sentence.rstrip('.')} [{n}].")
        return " ".join(kept)

    # ------------------------------------------------------------------ compare

    def compare(
        self,
        question: str,
        *,
        backend: str | None = None,
        filters: SearchFilters | None = None,
        paper_ids: list[str] | None = None,
        on_token: TokenFn | None = None,
        original: str | None = None,
    ) -> Answer:
        """A side-by-side table of 2-5 papers: named by ``paper_ids``, or found from the question."""
        from rag.compare import build_table, pick_papers

        t0 = time.perf_counter()
        hits = pick_papers(self.retriever, question, paper_ids, filters)
        t_retrieve = (time.perf_counter() - t0) * 1000
        sources = _sources(hits)
        answer = Answer(
            original or question,
            "",
            False,
            [],
            sources,
            "extractive",
            "extractive",
            {},
            {"prompt": 0, "completion": 0},
        )
        answer.kind, answer.standalone_question = "compare", question
        if len(hits) < 2:
            answer.refused = True
            answer.answer = f"{REFUSAL} Fewer than two matching papers were found to compare."
        else:
            answer.table = build_table(self.embedder, question, sources)
            md = table_markdown(answer.table)
            answer.citations = cited_list(md, sources)
            answer.answer = with_cited_titles(f"Comparison of {len(hits)} papers:\n\n{md}", answer.citations)
        _emit(answer.answer, on_token)
        total = (time.perf_counter() - t0) * 1000
        answer.timings_ms = {"retrieve": t_retrieve, "generate": total - t_retrieve, "total": total}
        return answer


def _focused(texts: list[SourceText], ranked: list[Sentence]) -> list[SourceText]:
    """The sources holding the best evidence sentences, each cut to its best few sentences in abstract order."""
    order: list[int] = []
    for sentence in ranked:
        if sentence.source not in order:
            order.append(sentence.source)
    out = []
    by_n = {t.n: t for t in texts}
    for n in order[:BASE_SOURCES]:
        best = {s.text for s in [r for r in ranked if r.source == n][:BASE_SENTENCES]}
        kept = [s for s in split_sentences(by_n[n].text) if s in best]
        out.append(SourceText(n, by_n[n].title, " ".join(kept)))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_markdown(rows: list[CompareRow]) -> str:
    lines = ["| Paper | Approach | Data / benchmarks | Key results |", "| --- | --- | --- | --- |"]
    for r in rows:
        lines.append(
            f"| {_cell(r.title)} [{r.n}] | {_cell(r.approach)} | {_cell(r.data)} | {_cell(r.results)} |"
        )
    return "\n".join(lines)


def table_csv(rows: list[CompareRow]) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["n", "paper", "approach", "data_or_benchmarks", "key_results"])
    for r in rows:
        writer.writerow(
            [r.n, r.title, strip_markers(r.approach), strip_markers(r.data), strip_markers(r.results)]
        )
    return buf.getvalue()
