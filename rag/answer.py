"""The answer chain: retrieve, weigh the evidence, let a backend write, check the citations.

A question travels one way: :mod:`rag.api` -> :class:`AnswerEngine` -> :mod:`rag.retrieval` ->
:class:`rag.evidence.Evidence` -> a backend of :mod:`rag.backends` -> :mod:`rag.citations`. Three kinds of question
get three shapes of answer (:func:`detect_kind`):

* **fact** (the default): up to ``k`` numbered sources go to the backend; the answer carries ``[n]`` markers that
  are checked against the sources and mapped to paper titles.
* **list** ("which papers study X?"): a wider retrieval, every paper whose abstract matches, one cited line each.
* **compare**: handed to :mod:`rag.comparison`, which finds each named paper and builds a cited table.

Before any backend runs, :meth:`rag.evidence.Evidence.gate` decides whether the collection holds the answer; if not,
the answer says what the collection does and doesn't contain, with ``refused=True``. When an LLM backend fails, or
writes nothing its sources support, the extractive answer is returned with ``fallback=True``, the ``error_type``
and a note for people.

:meth:`AnswerEngine.stream` yields the answer's body as it is written (never the "Cited papers:" tail, which
exists only once the citations are checked) and then the finished :class:`Answer`; :meth:`AnswerEngine.ask` returns
only the latter.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

from rag import backends, comparison
from rag.citations import cited_list, mark_support
from rag.config import Settings
from rag.errors import BackendError, RagError
from rag.evidence import REFUSAL, Evidence
from rag.retrieval import Retriever, shared_retriever
from rag.text import answer_body, with_cited_titles
from rag.types import Answer, SearchFilters, Source, number_sources

TokenFn = Callable[[str], None]

_LIST = re.compile(
    r"^\s*(which|what|list|name|find|show)\b.{0,40}\b(papers|works|studies|articles|methods|approaches)\b"
    r"|\ball (the )?papers\b|\blist (all |the )?papers\b",
    re.IGNORECASE,
)


def detect_kind(question: str) -> str:
    """'compare', 'list' or 'fact', from the wording of the question."""
    if comparison.is_comparison(question):
        return "compare"
    if _LIST.search(question):
        return "list"
    return "fact"


def final_answer(stream: Iterator[str | Answer], on_token: TokenFn | None = None) -> Answer:
    """Drain an answer stream: its text goes to ``on_token``, its last item is returned."""
    for item in stream:
        if isinstance(item, Answer):
            return item
        if on_token:
            on_token(item)
    raise RagError("the answer stream ended without an answer")  # unreachable: every stream ends with one


@dataclass
class AskRequest:
    """One question and its per-request knobs (everything else comes from the settings)."""

    question: str
    backend: str | None = None
    k: int | None = None
    filters: SearchFilters | None = None
    temperature: float | None = None
    kind: str | None = None  # forced kind; default: detect_kind
    standalone: str | None = None  # the follow-up rewritten to stand alone (rag.conversation)
    history: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) of earlier turns
    paper_ids: list[str] | None = None  # compare exactly these papers

    @property
    def query(self) -> str:
        return (self.standalone or self.question).strip()


class AnswerEngine:
    """Answers questions over one collection. Cheap to build (the retriever is shared); thread-safe."""

    def __init__(self, settings: Settings, retriever: Retriever | None = None) -> None:
        self.settings = settings
        self.retriever = retriever or shared_retriever(settings)
        self.embedder = self.retriever.embedder

    def ask(self, request: AskRequest, on_token: TokenFn | None = None) -> Answer:
        """The finished answer (``on_token`` receives the text as it is written)."""
        return final_answer(self.stream(request), on_token)

    def stream(self, request: AskRequest) -> Iterator[str | Answer]:
        """The answer's text deltas as they are written, then the finished :class:`Answer`."""
        if not request.question.strip():
            raise RagError("the question is empty")
        t0 = time.perf_counter()
        kind = request.kind or detect_kind(request.query)
        answer = yield from (self._compare(request) if kind == "compare" else self._answer(request, kind))
        total = (time.perf_counter() - t0) * 1000
        retrieve = answer.timings_ms.get("retrieve", 0.0)
        answer.timings_ms = {"retrieve": retrieve, "generate": total - retrieve, "total": total}
        yield answer

    # ------------------------------------------------------------------ fact and list

    def _answer(self, request: AskRequest, kind: str) -> Generator[str, None, Answer]:
        query = request.query
        name = backends.resolve(self.settings, request.backend)
        t0 = time.perf_counter()
        k = request.k or self.settings.retrieval.k
        if kind == "list":
            k = max(k, self.settings.evidence.list_k)
        hits = self.retriever.search(
            query, k=k, filters=request.filters, options=self.settings.retrieval
        ).hits
        sources = number_sources(hits)
        answer = Answer(request.question, "", False, [], sources, "extractive", "extractive")
        answer.kind, answer.standalone_question, answer.requested_backend = kind, query, name
        answer.timings_ms["retrieve"] = (time.perf_counter() - t0) * 1000
        evidence = Evidence(query, sources, self.embedder, self.settings.evidence)

        verdict = evidence.gate()
        if not verdict.ok:
            answer.answer, answer.refused = verdict.message, True
            yield answer.answer
            return answer
        if kind == "list":
            return (yield from self._list(answer, evidence))
        job = backends.Job(query, sources, evidence, self.settings, request.history, request.temperature)
        backend = backends.get(name)
        try:
            draft = yield from backend.run(job)
        except BackendError as exc:
            return (
                yield from self._fallback(
                    answer, job, type(exc).__name__, f"The {name} backend failed ({exc})"
                )
            )
        answer.backend, answer.model, answer.tokens, answer.cost_usd = (
            draft.backend,
            draft.model,
            draft.tokens,
            draft.cost_usd,
        )
        if draft.refused:
            answer.answer, answer.refused = draft.text, True
            return answer
        if draft.unsupported:
            # Nothing the model wrote is supported by a source: keep the grounded extractive answer instead.
            note = f"The {draft.backend} model's answer was not supported by the sources"
            return (yield from self._fallback(answer, job, "unsupported", note, spent=True))
        self._finish(answer, draft.text, draft.supports, evidence)
        return answer

    def _fallback(
        self, answer: Answer, job: backends.Job, error_type: str, why: str, *, spent: bool = False
    ) -> Generator[str, None, Answer]:
        """The extractive answer in place of a backend's, marked as such (``spent``: keep the tokens used)."""
        draft = yield from backends.get("extractive").run(job)
        self._finish(answer, draft.text, draft.supports, job.evidence)
        answer.backend = answer.model = "extractive"
        if not spent:
            answer.tokens = {"prompt": 0, "completion": 0}
        answer.fallback, answer.error_type = True, error_type
        answer.note = f"{why}; showing the extractive answer instead."
        return answer

    @staticmethod
    def _finish(answer: Answer, text: str, supports: dict[int, str], evidence: Evidence) -> None:
        answer.citations = cited_list(text, answer.sources)
        answer.answer = with_cited_titles(text, [(c.n, c.title) for c in answer.citations])
        for src in answer.sources:
            src.support = supports.get(src.n, "")
        mark_support(text, answer.sources, evidence)

    def _list(self, answer: Answer, evidence: Evidence) -> Generator[str, None, Answer]:
        """Every retrieved paper whose best sentence is close enough to the best match, one cited line each."""
        cfg = self.settings.evidence
        best = evidence.best_by_source()
        top = evidence.ranked[0].score
        lines = []
        for src in answer.sources:
            sentence = best.get(src.n)
            if sentence is None:
                continue
            all_terms = evidence.covers_question(f"{src.title} {src.text}")
            if sentence.score >= cfg.list_floor * top or all_terms:
                lines.append(f"- {src.title}: {sentence.text.rstrip('.')} [{src.n}].")
                src.support = sentence.text
        head = f"{len(lines)} papers in the collection match:"
        for piece in [head, *lines]:
            yield piece if piece is head else "\n" + piece
        text = "\n".join([head, *lines])
        answer.citations = cited_list(text, answer.sources)
        answer.answer = with_cited_titles(text, [(c.n, c.title) for c in answer.citations])
        return answer

    # ------------------------------------------------------------------ compare

    def _compare(self, request: AskRequest) -> Generator[str, None, Answer]:
        """A side-by-side table of 2-5 papers: named by ``paper_ids``, or found from the question."""
        t0 = time.perf_counter()
        query = request.query or "Compare these papers."
        hits = comparison.pick_papers(
            self.retriever, query, request.paper_ids, request.filters, self.settings.retrieval
        )
        sources: list[Source] = number_sources(hits)
        answer = Answer(request.question or query, "", False, [], sources, "extractive", "extractive")
        answer.kind, answer.standalone_question = "compare", query
        answer.timings_ms["retrieve"] = (time.perf_counter() - t0) * 1000
        if len(hits) < 2:
            answer.refused = True
            answer.answer = f"{REFUSAL} Fewer than two matching papers were found to compare."
        else:
            evidence = Evidence(query, sources, self.embedder, self.settings.evidence)
            answer.table = comparison.build_table(evidence, sources)
            md = comparison.table_markdown(answer.table)
            answer.citations = cited_list(md, sources)
            answer.answer = with_cited_titles(
                f"Comparison of {len(hits)} papers:\n\n{md}", [(c.n, c.title) for c in answer.citations]
            )
        yield answer_body(answer.answer)
        return answer
