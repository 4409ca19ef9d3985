"""The answer chain: retrieve, weigh the evidence, let a backend write, check the citations.

A question travels one way: :mod:`rag.api` -> :class:`AnswerEngine` -> :mod:`rag.retrieval` ->
:class:`rag.evidence.Evidence` -> a backend of :mod:`rag.backends` -> :mod:`rag.citations`. Three kinds of question
get three shapes of answer (:func:`detect_kind`):

* **fact** (the default): up to ``k`` numbered sources go to the backend; the answer carries ``[n]`` markers that
  are checked against the sources and mapped to paper titles.
* **list** ("which papers study X?"): a wider retrieval, every paper whose abstract matches, one cited line each.
* **compare**: handed to :mod:`rag.comparison`, which finds each named paper and builds a cited table.

Before any backend runs, :meth:`rag.evidence.Evidence.gate` decides whether the collection holds the answer; if not,
the answer says what the collection does and doesn't contain, with ``refused=True``. When an LLM backend fails (with
a BackendError, or with any other exception: a bug or a reply nobody foresaw), or writes nothing its sources
support, the extractive answer is returned with ``fallback=True``, the ``error_type`` and a one-line note for people.
A failure other than a BackendError is logged with its traceback (at ERROR with PAPER_RAG_DEBUG=1, else DEBUG).

:meth:`AnswerEngine.stream` yields the answer's body as it is written (never the "Cited papers:" tail, which
exists only once the citations are checked) and then the finished :class:`Answer`; :meth:`AnswerEngine.ask` returns
only the latter.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from rag import backends, comparison, compose, extraction
from rag.citations import cited_list, mark_support
from rag.config import Settings, redact_secrets
from rag.errors import BackendError, DeadlineExceededError, RagError
from rag.evidence import REFUSAL, Evidence, Sentence, Verdict
from rag.question import (
    BARE_THIS,
    GENRE_LABEL,
    PAPERS_WORD,
    SINGULAR,
    Question,
    analyze,
    asks_genre,
    bare_reference,
    genre_sentence,
    genre_topic,
    is_question,
    mentions_genre,
    own_names,
    says_phrase,
    summary_name,
    summary_subject,
    unframed,
    without_genre,
)
from rag.retrieval import Retriever, shared_retriever
from rag.text import (
    NOT_AN_ABBREVIATION,
    absent_sentence,
    answer_body,
    cite,
    generic_stems,
    readable,
    split_sentences,
    strip_markers,
    terms,
    with_cited_titles,
)
from rag.types import Answer, PaperHit, SearchFilters, Source, date_parts, number_sources

TokenFn = Callable[[str], None]
T = TypeVar("T")
METADATA_LIST_MAX = 50  # papers listed by a "published in <year>" answer
NOTE_REASON_CHARS = 300  # of a backend's error in a fallback note: a server may send a whole HTML page
_log = logging.getLogger(__name__)


def _when(published: str | None) -> tuple[int, int, int]:
    parts = date_parts(published)
    return parts.get("year", 0), parts.get("month", 0), parts.get("day", 0)


def _pronoun(question: str) -> str:
    m = SINGULAR.search(question) or BARE_THIS.search(question)
    return m.group(0) if m else "it"


_LIST = re.compile(
    rf"^\s*(which|what|list|name|find|show)\b(?:.{{0,40}}\b{PAPERS_WORD}\b|"
    # ... methods, when "which / what" asks for them, not for a property of theirs ("What rate do the ... methods
    # drive ...?")
    r"(?:(?!\b(?:do|does|did|is|are|was|were|can|could|has|have)\b).){0,40}\b(?:methods|approaches)\b)"
    r"|\ball (the )?papers\b|\blist (all |the )?papers\b"
    # "machine unlearning papers - which ones are there?"
    rf"|\b{PAPERS_WORD}\b[^?]{{0,40}}?\b(?:which|what) ones\b"
    r"|^\s*(?:are there|do you have|does the collection have|have there been)\s+(?:any\s+)?(?:\w+\s+){0,2}?"
    rf"{PAPERS_WORD}\b",
    re.IGNORECASE,
)
# ... typed tersely: "papers that propose X", "papers arguing that ..." (and "looped transformers - which papers ...",
# _LIST_PAPERS after a dash or colon); not when one paper is asked for after ("Studies on X take long; which paper
# speeds it up?": _ONE_PAPER)
_TERSE_LIST = re.compile(
    rf"^\s*(?:any\s+|all\s+|other\s+)?{PAPERS_WORD}\s+"
    r"(?:that|which|on|about|where|(?!during\b|nothing\b|something\b|anything\b|everything\b)\w{2,}ing)\b",
    re.IGNORECASE,
)
_DASH = re.compile(r"\s[-\u2013\u2014]+\s*|:\s*")
_ONE_PAPER = re.compile(r"\b(?:which|what|the|that|one) (?:paper|work|study|article)\b(?!s)", re.IGNORECASE)


# A survey of the collection, asked without "which papers": "Is there work on X?", "Anything in the collection on
# X?", "What work in the collection does X?", "Has anyone ...?", "How do papers in the collection ...?". Answered as
# a list, but its asker doesn't know whether the collection has the topic at all: it is gated like a fact question
# (Settings.evidence.gate_threshold), not with the list threshold. "Is there a paper on X?" stays a fact question.
_SURVEY = re.compile(
    r"^\s*(?:is there|are there|has there been|have there been)\s+(?:any\s+)?"
    r"(?:(?:published|recent|prior|previous|existing|related|other)\s+)?"
    r"(?:works?|research|literature)(?![\w-])(?!\s+(?:that|which)\s+[A-Z])"  # not "prior work that SALSA builds on"
    r"|^\s*(?:is there\s+)?anything\s+(?:in the collection\s+)?(?:on|about)\b"
    r"|^\s*what\s+(?:work|research)\s+(?:is there|exists|has been|in the collection|on|about)\b"
    r"|^\s*has anyone\b"
    r"|^\s*how do (?:the )?papers\b"
    r"|^\s*does the collection (?:have|contain|include) (?:any(?:thing)?|work|research)\b"
    # as researchers type it: "anything here on X?", "any work on X?", "(I'm) looking for papers that X",
    # "I want papers on X", "I'm surveying X.", "Are there X in the collection?", "which optimizers here ..."
    r"|^\s*anything\s+(?:here\s+|in here\s+|in the collection\s+)?(?:on|about|that|which|related to|using)\b"
    r"|^\s*any\s+(?:(?:other|more|recent|prior|related|published|relevant|good)\s+)?"
    r"(?:papers|works?|research|studies|articles|literature)\b"
    r"|^\s*(?:(?:i'?m|i am|we'?re|we are)\s+)?(?:looking|searching)\s+for\s+(?!(?:the|a|an|one)\b)"
    r"(?:any\s+|some\s+|other\s+|more\s+)?(?:\w+\s+){0,2}?(?:papers|works|research|studies|articles|literature"
    r"|work\s+(?:on|about|that|which|using|\w+ing))\b"
    # "papers that X?", "work on X?" typed as the whole question (not "Work on X proposes ..."); "What is out there
    # on X?"
    r"|^\s*(?:papers|works?|research|studies)\s+(?:that|which|on|about|using|where|with)\b[^.]*\?\s*$"
    r"|^\s*what(?:'s|\s+is|\s+exists)\s+(?:out\s+)?there\s+(?:on|about|in the collection on)\b"
    r"|^\s*(?:i|we)\s+(?:want|need|would like|'d like)\s+(?:\w+\s+){0,2}?"
    r"(?:papers|works|studies|articles|research|literature)\b"
    r"|^\s*(?:i'?m|i am|we'?re|we are)\s+surveying\b"
    r"|^\s*are there\b.{0,150}?\bin (?:the|this) collection\b"
    r"|^\s*(?:which|what)\s+(?!(?:\w+\s+){0,2}?(?:papers|works|studies|articles)\b)(?:\w+\s+){0,2}?\w+s\s+"
    r"(?:here|in here|in the collection)\b(?!\s+(?:does|do|did|is|are|was|were|has|have|can)\b)",
    re.IGNORECASE,
)
# What opens a question without asking anything: "quick q:", "hey,", "ok so".
_OPENER = re.compile(
    r"^\s*(?:(?:quick\s+(?:q|question)|q|question|hey|hi|ok(?:ay)?|so|also|btw)\b\s*[:,-]?\s*)+", re.I
)
_SENTENCE_END = re.compile(rf"(?:{NOT_AN_ABBREVIATION}\.|[?!;])\s+")


def _clauses(question: str) -> list[str]:
    """The sentences of ``question``, each without an opener ("quick q: anything here on X?" reads "anything here
    on X?"; "I'm surveying X. Which papers ...?" is read from its second sentence too)."""
    return [_OPENER.sub("", part) for part in _SENTENCE_END.split(question.strip()) if part.strip()]


# "Is there a survey of X?", "any review papers on X?", "Does the collection have a tutorial ...?": asks whether the
# collection has such a paper (for papers of a genre: rag.question.asks_genre). At the start only: is_survey wants
# "papers" after "any", and Question.which also reads "I remember a review of X - what does it say ...?", which asks
# of one paper.
_ASKS_IF_ANY = re.compile(
    r"^\W*(?:(?:is|are) there|any|do(?:es)? (?:the collection|it|you|this collection) (?:have|contain|include|hold))\b",
    re.IGNORECASE,
)


def _lines_answer(answer: Answer, lines: list[str]) -> Generator[str, None, Answer]:
    """A list answer's lines streamed one at a time, then ``answer`` with that text, its cited titles appended."""
    for i, line in enumerate(lines):
        yield line if i == 0 else "\n" + line
    text = "\n".join(lines)
    answer.citations = cited_list(text, answer.sources)
    answer.answer = with_cited_titles(text, [(c.n, c.title) for c in answer.citations])
    return answer


def _renumber(answer: Answer, listed: Sequence[Source]) -> None:
    """Renumber ``answer``'s sources so a list cites [1]..[n] contiguously, in the order ``listed``; the sources
    not listed come after."""
    first = [src.n for src in listed]
    order = first + [s.n for s in answer.sources if s.n not in first]
    renumber = {old: new for new, old in enumerate(order, start=1)}
    for src in answer.sources:
        src.n = renumber[src.n]
    answer.sources.sort(key=lambda s: s.n)


def is_survey(question: str) -> bool:
    """Whether ``question`` asks what the collection has on a topic without saying "which papers" (:data:`_SURVEY`),
    in any of its sentences."""
    return any(_SURVEY.search(part) for part in _clauses(question))


def detect_kind(question: str) -> str:
    """'compare', 'list' or 'fact', from the wording of the question."""
    if comparison.is_comparison(question):
        return "compare"
    first, *rest = _clauses(question) or [question]
    baselines = _BASELINES_OF.search(first) and not _PAPERS.search(question)
    # a later sentence asks for papers by name ("I'm surveying X. Which papers ...?"); "Which methods are those?"
    # after a statement asks about one paper's methods
    if (_LIST.search(first) and not baselines) or any(_LIST_PAPERS.search(part) for part in rest):
        return "list"
    terse = _TERSE_LIST.search(first) or any(_LIST_PAPERS.search(part) for part in _DASH.split(first)[1:])
    if terse and not _ONE_PAPER.search(question):
        return "list"
    return "list" if is_survey(question) else "fact"


# "Which methods does muCode outperform?" asks for one paper's baselines, not for papers: a list question's methods
# are the subject ("Which methods outperform X?", "Name methods that outperform X"). So do "Which two existing
# methods does U-DoG combine?", "Which first-order methods does the meta-algorithm ... speed up?": methods as the
# object of one thing's verb ("does", "did": one subject) are what that paper names.
_BASELINES_OF = re.compile(
    r"^\s*(?:which|what|name|list)\b.{0,40}\b(?:methods|approaches)\s+"
    r"(?:(?:does|did)\s+(?!(?:papers?|works?|studies|research|anyone|anybody)\b)|"
    # "... methods do they outperform", "Name the ... methods that FOSI is reported to outperform"
    r"(?:do|was|were|is|are|(?:that|which)(?=\s+(?:the\s+)?(?-i:[A-Z])))\s+(?:the\s+)?"
    r"\S+(?:\s+\S+){0,8}?\s+(?:outperform|beat|surpass|improve|compare|exceed|match))",
    re.IGNORECASE,
)
_PAPERS = re.compile(r"\b(?:papers|works|studies|articles|collection)\b", re.IGNORECASE)
_LIST_PAPERS = re.compile(
    r"^\s*(?:which|what|list|name|find|show)\b.{0,40}\b(?:papers|studies|articles)\b", re.I
)


# Streamed between text a backend wrote and then lost (it failed, ran out of time, or wrote nothing its sources
# support) and the extractive answer that replaces it; the answer's ``note`` says why. A front end showing the stream
# can cut at it: what came before is not part of the answer.
DISCARDED = "\n\n[discarded: the text above is not the answer; the extractive answer follows]\n\n"


def _through(gen: Generator[str, None, T], fn: Callable[[str], str]) -> Generator[str, None, T]:
    """Yield ``fn`` of what ``gen`` yields; return what it returns. A reader that stops early closes ``gen`` too (the
    backend stops), as ``yield from`` would."""
    try:
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                return stop.value
            yield fn(item)
    finally:
        gen.close()


def _readable(gen: Generator[str, None, Answer]) -> Generator[str, None, Answer]:
    """``gen``'s text deltas with LaTeX markup shown as text (:func:`rag.text.readable`); its answer returned."""
    return _through(gen, lambda item: item if item is DISCARDED else readable(item))


def _relay(gen: Generator[str, None, T], seen: list[str]) -> Generator[str, None, T]:
    """Yield what ``gen`` yields, noting it in ``seen``; return what it returns."""

    def note(item: str) -> str:
        seen.append(item)
        return item

    return _through(gen, note)


def _drained(gen: Generator[str, None, T]) -> T:
    """What ``gen`` returns, its yields unused (an answer composed whole, then streamed at once)."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def _brief(exc: BaseException) -> str:
    """An exception's message on one line, cut to :data:`NOTE_REASON_CHARS`."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= NOTE_REASON_CHARS else text[: NOTE_REASON_CHARS - 1] + "…"


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
    typed: str | None = (
        None  # the query as typed, before it was read with the collection's names and spellings
    )
    history: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) of earlier turns
    paper_ids: list[str] | None = None  # compare exactly these papers
    focus: list[str] | None = None  # a follow-up about these papers (the ones the previous answer cited)

    @property
    def query(self) -> str:
        return (self.standalone or self.question).strip()


def _inside(name: str, title: str) -> bool:
    """Whether a title (lower-cased) holds ``name`` as a word, written alike (a compact name key, "ctrlu", is
    compared with the title's letters and digits)."""
    if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", title):
        return True
    return name.isalnum() and name == name.lower() and name in re.sub(r"[^a-z0-9]", "", title)


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
        # A question typed in lower case is read with the collection's names written as it writes them ("the github
        # url", "dpo vs ipo"): what a name is, and whether a paper says it, is read from how it is written.
        # ... and its words typed in lower case as the abstracts write them ("speedup" is their "speed-up",
        # "experimetns" a slip of "experiments"): a word no abstract holds is read as missing from the collection.
        # ... without the clauses that only say how it is asked ("I don't remember exactly, but ..."): their words
        # are no topic an abstract should hold.
        read = self.retriever.read(unframed(request.query))
        if read != request.query:
            request = replace(request, standalone=read, typed=request.query)
        kind = request.kind or detect_kind(request.query)
        # "CFDBench lists DeepONet ... What does DeepONet claim ..., and what does CFDBench find?": about both
        both = self._titled_papers(request) if kind == "fact" and request.kind is None else None
        if both:
            kind, request = "compare", replace(request, paper_ids=both)
        answer = yield from _readable(
            self._compare(request) if kind == "compare" else self._answer(request, kind)
        )
        answer.answer = readable(answer.answer)
        total = (time.perf_counter() - t0) * 1000
        retrieve = answer.timings_ms.get("retrieve", 0.0)
        answer.timings_ms = {"retrieve": retrieve, "generate": total - retrieve, "total": total}
        yield answer

    def _titled_papers(self, request: AskRequest) -> list[str] | None:
        """The ids of the papers a question asks about by the names their titles start with ("DeepONet", "Sophia")
        or by whole titles, when its asking sentences (those ending in "?"; all, when none does) name 2 to
        :data:`rag.comparison.MAX_PAPERS` papers so, each by its own name ("CFDBench lists DeepONet among the neural
        operators it evaluates. What does the original DeepONet paper claim ..., and what does CFDBench find ...?"):
        a question about each of them, answered as their comparison. None otherwise: with
        ``evidence.titled_compare`` off; for a question scoped to papers (``filters``, ``paper_ids``) or about the
        papers an earlier answer cited (``focus``); for a summary or metadata request ("When was A published, and
        when was B?"), which its own path answers."""
        if (
            not self.settings.evidence.titled_compare
            or request.paper_ids is not None
            or request.focus is not None
            or (request.filters is not None and request.filters.active())
        ):
            return None
        query = request.query
        asking = [s for s in re.split(r"(?<=[.?!])\s+", query) if s.rstrip().endswith("?")]
        question = " ".join(asking) or query
        named = self.retriever.titled(question, plain=True)
        # a name inside a title the question writes is part of that title ("Shampoo" of "A New Perspective on
        # Shampoo's Preconditioner"), and one paper per name: a name several titles start with names none of them
        titles = [key[1:].lower() for key in named if key[0] == "="]
        kept = sorted(
            (found.at, found.rows[0][0])
            for key, found in named.items()
            if len({pid for pid, _ in found.rows}) == 1
            and not (key[0] != "=" and any(_inside(key[1:] if key[0] in "~^" else key, t) for t in titles))
        )
        ids = list(dict.fromkeys(pid for _, pid in kept))  # in the order named
        if not 2 <= len(ids) <= comparison.MAX_PAPERS or analyze(question).intent != "fact":
            return None
        return ids

    # ------------------------------------------------------------------ fact and list

    def _search(self, query: str, k: int, filters: SearchFilters | None) -> list[PaperHit]:
        """The top ``k`` papers, each carrying its full abstract (evidence is read from whole abstracts)."""
        hits = self.retriever.search(query, k=k, filters=filters, options=self.settings.retrieval).hits
        return self.retriever.with_abstracts(hits)

    def _evidence(self, query: str, sources: list[Source], *, many: bool = False) -> Evidence:
        cfg = self.settings.evidence
        return Evidence(
            query,
            sources,
            self.embedder,
            cfg,
            rarity=self.retriever.rarity,
            many=many,
            said=self.retriever.said,
            names_data=extraction.names_data,
        )

    @staticmethod
    def _summarised(name: str, sources: list[Source], verdict: Verdict) -> Verdict:
        """The verdict on a summary request that calls its paper by ``name`` ("Summarize the Grokfast paper"): the
        paper is the source whose own names (:func:`rag.question.own_names`: its title's "Name:", what its abstract
        defines) say it, else the one source whose abstract does ("the PRLCoder framework"). A name no source says,
        or one several abstracts mention without one being it ("What is GPT-4 about?"), is no paper of the
        collection's, and the request is refused saying so. Unchanged without a name (a description: the gate
        decided it)."""
        if not name:
            return verdict
        saying = [s for s in sources if says_phrase(f"{s.title} {s.text}", name)]
        own = [s for s in saying if any(says_phrase(n, name) for n in own_names(s.title, s.text))]
        chosen = own or (saying if len(saying) == 1 else [])
        if chosen:
            lead = verdict.paper if verdict.paper in {s.n for s in chosen} else chosen[0].n
            return replace(verdict, paper=lead)
        if not saying:
            message = f"{REFUSAL} {absent_sentence([name])}."
            return replace(verdict, ok=False, reason="topic", message=message, absent=[name])
        titles = "; ".join(f'"{s.title}"' for s in saying)
        message = (
            f'{REFUSAL} No paper in the collection is "{name}" itself; {len(saying)} abstracts mention it: '
            f"{titles}."
        )
        return replace(verdict, ok=False, reason="topic", message=message)

    def _needs_antecedent(self, request: AskRequest, sources: list[Source]) -> bool:
        """A question like "what datasets did it use?" with no earlier turn and no paper named in it."""
        # (a question read with the collection's names and spellings, "sso" as "SSO", is no rewrite)
        asked = request.typed if request.typed is not None else request.standalone
        rewritten = asked and asked.strip().lower() != request.question.strip().lower()
        specific = len(terms(request.query) - generic_stems())
        if rewritten or not bare_reference(request.query, specific):
            return False
        floor = self.settings.evidence.names_paper
        return not any(Evidence.title_overlap(request.query, s.title) >= floor for s in sources)

    def _answer(self, request: AskRequest, kind: str) -> Generator[str, None, Answer]:
        query = request.query
        name = backends.resolve(self.settings, request.backend)
        cfg = self.settings.evidence
        t0 = time.perf_counter()
        filters = request.filters
        if request.focus:
            filters = replace(filters or SearchFilters(), paper_ids=list(request.focus))
        scoped = bool(filters and filters.paper_ids)
        asked = analyze(query)
        if (asked.intent == "metadata" and kind != "list") or (
            kind == "list" and asked.years and "date" in asked.metadata
        ):
            answered = yield from self._metadata(request, asked, filters, kind)
            if answered is not None:
                return answered
        if asks_genre(query) and (kind == "list" or is_survey(query) or _ASKS_IF_ANY.match(query)):
            return (yield from self._genre(request, filters))
        summary = asked.intent == "summary" and kind == "fact"
        # A summary request is found and decided on what it asks to have summarised: "contributions" or "tl;dr" is
        # nothing an abstract states.
        subject = summary_subject(query) if summary else query
        if kind == "list":
            hits = self._list_hits(query, filters)
        else:
            hits = self._search(subject, request.k or self.settings.retrieval.k, filters)
        sources = number_sources(hits)
        answer = Answer(request.question, "", False, [], sources, "extractive", "extractive")
        answer.kind, answer.standalone_question, answer.requested_backend = kind, query, name
        answer.timings_ms["retrieve"] = (time.perf_counter() - t0) * 1000
        if kind != "list" and not scoped and self._needs_antecedent(request, sources):
            answer.kind = "clarify"
            answer.answer = (
                f"Which paper do you mean? Nothing earlier in this conversation says what "
                f'"{_pronoun(request.question)}" refers to. Name the paper (a few words of its title are enough), '
                "or first ask a question that finds it."
            )
            yield answer.answer
            return answer
        # A follow-up about the cited papers is retrieved by its rewritten form (the title put in for "it"), but its
        # sentences are weighed against the words the user wrote: the title would favour sentences restating it.
        # The gate decides on the rewritten form, which names the paper. A question asked of one chosen paper ("What
        # GPU was used?" in the Library tab) is gated the same way: as if it named that paper.
        gate_query = subject
        one_paper = bool(filters and filters.paper_ids and len(filters.paper_ids) == 1)
        if one_paper and sources and Evidence.title_overlap(query, sources[0].title) < cfg.names_paper:
            gate_query = f'{gate_query} ("{sources[0].title}")'
        survey = kind == "list" and is_survey(query)
        gated = evidence = self._gate_evidence(gate_query, sources, kind, survey=survey, k=request.k)
        threshold = self._gate_threshold(name, kind, survey=survey)
        verdict = gated.gate(
            threshold=threshold, scoped=scoped, names_asked=name == "extractive" and not summary
        )
        if (request.focus or gate_query != query) and kind != "list":
            evidence = self._evidence(request.question if request.focus else query, sources)
        if summary and not verdict.ok and sources:
            named = max(sources, key=evidence.names)
            if scoped or evidence.names(named) >= cfg.names_paper:
                # A summary of a paper the question names always has its evidence: the abstract.
                verdict = Verdict(True, paper=named.n, probability=verdict.probability)
        if summary and verdict.ok and not scoped:
            verdict = self._summarised(summary_name(subject), sources, verdict)
        if verdict.ok and kind == "list" and cfg.combination_refusal:
            # every part of the criterion is in the collection, but no paper covers them together ("GFlowNets | to
            # generate molecules"): the papers listed would each meet half of it
            refusal = gated.combination(sources)
            if refusal is not None:
                verdict = replace(refusal, probability=verdict.probability, features=verdict.features)
        answer.answerability, answer.gate_features = verdict.probability, verdict.features
        if not verdict.ok:
            answer.answer, answer.refused, answer.absent_names = verdict.message, True, verdict.absent
            yield answer.answer
            if verdict.part:
                # one part of several is what the paper doesn't state: the others are answered from its abstract,
                # after the refusal, which stands for the question as asked
                yield from self._rest_of_question(answer, verdict, gated)
            elif verdict.reason == "combination":
                yield from self._each_part(answer, self._list_evidence(gated, gate_query, sources))
            return answer
        # The answer goes ahead on what the rest of the question matches, and says first what the collection lacks
        # ("What pass@1 ... on LiveCodeBench?" when no abstract mentions LiveCodeBench): not answered as if it were
        # there. A line ending in ":" is a heading, no claim of a paper's.
        answer.absent_names = evidence.unsaid_anywhere
        header = (
            f"{absent_sentence(answer.absent_names)}; the closest it comes:\n\n"
            if answer.absent_names
            else ""
        )
        return (
            yield from self._respond(
                answer, request, evidence, verdict, kind=kind, name=name, summary=summary, header=header
            )
        )

    def _respond(
        self,
        answer: Answer,
        request: AskRequest,
        evidence: Evidence,
        verdict: Verdict,
        *,
        kind: str,
        name: str,
        summary: bool,
        header: str = "",
    ) -> Generator[str, None, Answer]:
        """The answer to a question the gate let through: a list, or the backend's answer (the extractive one when
        the backend fails or writes what no source supports), each after ``header``, streamed first and the start
        of the answer's text whatever follows (a backend's refusal, a fallback)."""
        query, sources = answer.standalone_question, answer.sources
        if header:
            yield header
        if kind == "list":
            listed = yield from self._list(answer, self._list_evidence(evidence, query, sources))
            listed.answer = header + listed.answer
            return listed
        job = backends.Job(
            query,
            sources,
            evidence,
            self.settings,
            request.history,
            request.temperature,
            lead=verdict.paper,
            mode="summary" if summary else "fact",
        )
        backend = backends.get(name)
        written: list[str] = []  # what the backend streamed, in case its answer is discarded
        try:
            draft = yield from _relay(backend.run(job), written)
        except DeadlineExceededError as exc:
            note = f"{str(exc)[0].upper()}{str(exc)[1:]}; this is the extractive answer."
            return (
                yield from self._fallback(
                    answer, job, type(exc).__name__, note, written=written, final=True, header=header
                )
            )
        except BackendError as exc:
            why = f"The {name} backend failed ({_brief(exc)})"
            return (
                yield from self._fallback(
                    answer, job, type(exc).__name__, why, written=written, header=header
                )
            )
        except RagError:
            raise  # a setting to fix (e.g. no key, no llama-cpp-python): the caller shows it as an error
        except Exception as exc:  # the last line of defence: a backend must not take the answer down with it
            level = logging.ERROR if self.settings.debug else logging.DEBUG
            _log.log(level, "the %s backend failed unexpectedly", name, exc_info=exc)
            why = f"The {name} backend failed unexpectedly ({type(exc).__name__}: {_brief(exc)})"
            return (
                yield from self._fallback(
                    answer, job, type(exc).__name__, why, written=written, header=header
                )
            )
        answer.backend, answer.model, answer.tokens, answer.cost_usd = (
            draft.backend,
            draft.model,
            draft.tokens,
            draft.cost_usd,
        )
        if draft.refused:
            answer.answer, answer.refused = header + draft.text, True
            return answer
        if draft.unsupported:
            # Nothing the model wrote is supported by a source: keep the grounded extractive answer instead.
            note = f"The {draft.backend} model's answer was not supported by the sources"
            return (
                yield from self._fallback(
                    answer, job, "unsupported", note, spent=True, written=written, header=header
                )
            )
        self._finish(answer, draft.text, draft.supports, evidence, header)
        return answer

    def _rest_of_question(
        self, answer: Answer, verdict: Verdict, gated: Evidence
    ) -> Generator[str, None, None]:
        """After a refusal of one part of a question of several (``verdict.part``), the extractive answer to the
        other parts from the refused paper's abstract alone, headed as such: the parts the gate read (``gated``)
        that ask something ("In 'The simple essence of AD'" asks nothing) and that the same detail checks find the
        abstract answers, and only when it says more than the refusal already quotes; else nothing."""
        paper = [s for s in answer.sources if s.n == verdict.paper]
        rest = [
            part
            for part in gated.asked.parts
            if part != verdict.part and is_question(part) and paper and gated.answers_part(paper[0], part)
        ]
        if not rest:
            return
        query = "; ".join(rest) + "?"
        evidence = self._evidence(query, paper)
        job = backends.Job(query, paper, evidence, self.settings, [], 0.0, lead=verdict.paper, mode="fact")
        draft = _drained(backends.get("extractive").run(job))
        refusal = answer.answer
        said = [s for s in split_sentences(strip_markers(draft.text)) if s.strip()]
        if draft.refused or all(s.strip().rstrip(".") in refusal for s in said):
            return
        heading = "\n\nWhat the abstract does state for the rest of the question:\n\n"
        self._finish(answer, draft.text, draft.supports, evidence, refusal + heading)
        yield answer.answer[len(refusal) :]

    def _each_part(self, answer: Answer, evidence: Evidence) -> Generator[str, None, None]:
        """After the refusal of a list question no paper meets as a whole (:meth:`Evidence.uncombined`), the papers
        its list answer would list, each under the first part of the criterion it covers ('On "GFlowNets": ...'),
        then those covering no part as worded (a part may be worded otherwise in an abstract), cited: what the
        collection has of each part. Nothing when the list answer would list none."""
        found = evidence.uncombined(answer.sources)
        if found is None:
            return
        facets, floor = found[0], self.settings.evidence.facet_cover
        # one group per part, and the papers the list answer would list that cover no part as worded
        groups: list[list[tuple[Source, Sentence]]] = [[] for _ in range(len(facets) + 1)]
        for src, sentence, _ in compose.list_matches(evidence, answer.sources):
            covers = evidence.facet_covers(src, facets)
            groups[next((i for i, c in enumerate(covers) if c >= floor), len(facets))].append((src, sentence))
        listed = [src for group in groups for src, _ in group]
        if not listed:
            return
        _renumber(answer, listed)
        lines = ["", "The closest papers, each on one part of the question:"]
        headings = [f'On "{facet.text}":' for facet in facets] + ["Others the search found:"]
        for heading, group in zip(headings, groups, strict=True):
            if group:
                lines.append(heading)
                lines += [f"- {src.title}: {sentence.text.rstrip('.')} [{src.n}]." for src, sentence in group]
                for src, sentence in group:
                    src.support = sentence.text  # the sentence the UI highlights, as for a list answer
        refusal, text = answer.answer, "\n".join(lines)
        answer.citations = cited_list(text, answer.sources)
        answer.answer = refusal + "\n" + with_cited_titles(text, [(c.n, c.title) for c in answer.citations])
        yield answer.answer[len(refusal) :]

    def _fallback(
        self,
        answer: Answer,
        job: backends.Job,
        error_type: str,
        why: str,
        *,
        spent: bool = False,
        written: list[str] | None = None,
        final: bool = False,
        header: str = "",
    ) -> Generator[str, None, Answer]:
        """The extractive answer in place of a backend's, marked as such (``spent``: keep the tokens used).

        Text the backend already streamed is discarded: the stream says so (:data:`DISCARDED`) before the
        extractive answer follows, ``header`` again first (the answer's opening line, streamed before the backend
        ran). ``final``: ``why`` is the whole note.
        """
        if written and "".join(written).strip():
            yield DISCARDED
            if header:
                yield header
        draft = yield from backends.get("extractive").run(job)
        self._finish(answer, draft.text, draft.supports, job.evidence, header)
        answer.backend = answer.model = "extractive"
        if not spent:
            answer.tokens = {"prompt": 0, "completion": 0}
        answer.fallback, answer.error_type = True, error_type
        note = why if final else f"{why}; showing the extractive answer instead."
        answer.note = redact_secrets(" ".join(note.split()), self.settings.llm.base_url)
        return answer

    @staticmethod
    def _finish(
        answer: Answer, text: str, supports: dict[int, str], evidence: Evidence, header: str = ""
    ) -> None:
        answer.citations = cited_list(text, answer.sources)
        answer.answer = header + with_cited_titles(text, [(c.n, c.title) for c in answer.citations])
        for src in answer.sources:
            src.support = supports.get(src.n, "")
        mark_support(text, answer.sources, evidence)

    def _list_hits(self, query: str, filters: SearchFilters | None) -> list[PaperHit]:
        """Papers for a list question: ``list_k`` at first, doubled while the last third still holds matches."""
        cfg = self.settings.evidence
        k = cfg.list_k
        while True:
            hits = self._search(query, k, filters)
            if len(hits) < k or k >= cfg.list_max:
                break
            tail = number_sources(hits)
            evidence = self._evidence(query, tail, many=True)
            matched = {src.n for src, _, _ in compose.list_matches(evidence, tail)}
            if not any(n > k - k // 3 for n in matched):
                break
            k = min(2 * k, cfg.list_max)
        names = compose.list_names(query) if cfg.list_names else []
        if names:
            # "Which works use GSM8K ...?": every paper that says a name asked, which a search for the name alone
            # finds where the question's other words ("as an evaluation or training dataset") lead elsewhere
            seen = {h.paper_id for h in hits}
            for name in names:
                for hit in self._search(name, cfg.list_max, filters):
                    if hit.paper_id not in seen and compose.says_a_name(
                        hit.title, hit.abstract or hit.text, [name]
                    ):
                        seen.add(hit.paper_id)
                        hits.append(hit)
        return hits

    def gather(
        self, question: str, filters: SearchFilters | None = None
    ) -> tuple[list[Source], list[Source], int, str]:
        """The papers a list question ("all papers that study X") gathers, as its answer would list them: (sure
        matches, possible matches, papers checked, the refusal when the collection has nothing on it, else "")."""
        sources = number_sources(self._list_hits(question, filters))
        survey = is_survey(question)
        evidence = self._gate_evidence(question, sources, "list", survey=survey)
        verdict = evidence.gate(threshold=self._gate_threshold("extractive", "list", survey=survey))
        if verdict.ok and self.settings.evidence.combination_refusal:
            verdict = evidence.combination(sources) or verdict
        if not verdict.ok:
            return [], [], len(sources), verdict.message
        evidence = self._list_evidence(evidence, question, sources)
        sure, maybe = self._sure_and_maybe(compose.list_matches(evidence, sources))
        return [src for src, _ in sure], [src for src, _ in maybe], len(sources), ""

    def _gate_evidence(
        self, question: str, sources: list[Source], kind: str, *, survey: bool = False, k: int | None = None
    ) -> Evidence:
        """The evidence the gate decides on: a list question's over every gathered paper (``many``); a survey
        question's ("Is there work on X?", :func:`is_survey`) over the first ``k`` (``retrieval.k``) as a fact
        question's, since its asker doesn't know whether the collection has the topic at all."""
        if survey:
            return self._evidence(question, sources[: k or self.settings.retrieval.k], many=False)
        return self._evidence(question, sources, many=kind == "list")

    def _list_evidence(self, gated: Evidence, question: str, sources: list[Source]) -> Evidence:
        """A list answer's evidence over every gathered paper: ``gated`` itself, unless a survey question was gated
        on fewer papers as a fact question."""
        return gated if gated.many else self._evidence(question, sources, many=True)

    def _gate_threshold(self, backend: str, kind: str, *, survey: bool = False) -> float:
        """The evidence gate's threshold for an answer of ``kind`` by ``backend`` (Settings.evidence); a survey
        question answered as a list is gated as a fact question is."""
        cfg = self.settings.evidence
        if kind == "list" and cfg.gate_threshold_list is not None and not survey:
            return cfg.gate_threshold_list
        return cfg.gate_threshold if backend == "extractive" else cfg.gate_threshold_llm

    def _sure_and_maybe(
        self, matches: list[tuple[Source, Sentence, float]]
    ) -> tuple[list[tuple[Source, Sentence]], list[tuple[Source, Sentence]]]:
        """A list answer's matches split at ``list_sure``: those listed as matching, and "may also be relevant"."""
        floor = self.settings.evidence.list_sure
        sure = [(src, sentence) for src, sentence, p in matches if p >= floor]
        return sure, [(src, sentence) for src, sentence, p in matches if p < floor]

    def list_candidates(self, question: str, k: int) -> list[tuple[Source, dict[str, float]]]:
        """The top ``k`` papers for a list question, each with its :func:`rag.compose.list_features` (for
        ``evals.fit_gate --model list``, which fits the model that decides which of them a list answer includes)."""
        sources = number_sources(self._search(question, k, None))
        feats = compose.list_features(self._evidence(question, sources, many=True), sources)
        return [(s, feats[s.n]) for s in sources if s.n in feats]

    def _list(self, answer: Answer, evidence: Evidence) -> Generator[str, None, Answer]:
        """Every retrieved paper whose abstract meets the question, one cited line each, numbered 1..n."""
        matches = compose.list_matches(evidence, answer.sources)
        _renumber(answer, [src for src, _, _ in matches])
        sure, maybe = self._sure_and_maybe(matches)
        checked = len(answer.sources)
        if sure:
            head = f"{len(sure)} of the {checked} papers checked match:"
        else:
            head = f"No paper of the {checked} checked clearly matches; the closest:"
        pieces = [head]
        for group, title in ((sure, None), (maybe, "May also be relevant:" if sure else None)):
            if group and title:
                pieces.append(title)
            for src, sentence in group:
                pieces.append(f"- {src.title}: {sentence.text.rstrip('.')} [{src.n}].")
                src.support = sentence.text
        return (yield from _lines_answer(answer, pieces))

    def _genre(self, request: AskRequest, filters: SearchFilters | None) -> Generator[str, None, Answer]:
        """Papers of a genre ("Are there any surveys or tutorials?", "Is there a review of X?"): every paper whose
        title or abstract says it is a survey, tutorial, review or the like (:func:`rag.question.genre_sentence`),
        each cited with the sentence that says so, in title order. When the question names a topic: those whose
        title and abstract hold every content word of it, else those a search for the topic (the question without
        its genre words, which would rank any survey first) finds among its first ``evidence.list_k``."""
        t0 = time.perf_counter()
        query = request.query
        topic = genre_topic(query)
        genre: list[tuple[str, Source]] = []
        for p in self.retriever.store.papers(accept=filters.accepts if filters else None):
            if not mentions_genre(f"{p.title} {p.abstract}"):
                continue  # (most papers: not split into sentences)
            said = genre_sentence(p.title, split_sentences(p.abstract))
            if said is not None:
                genre.append(
                    (
                        said,
                        Source(0, p.title, p.paper_id, 1.0, said, p.published, p.authors_count, p.abstract),
                    )
                )
        found = [(said, src) for said, src in genre if topic <= terms(f"{src.title} {src.text}")]
        if topic and not found and genre:
            hits = self._search(without_genre(query), self.settings.evidence.list_k, filters)
            rank = {h.paper_id: i for i, h in enumerate(hits)}
            found = sorted(
                ((said, src) for said, src in genre if src.paper_id in rank),
                key=lambda row: rank[row[1].paper_id],
            )
        answer = Answer(request.question, "", False, [], [], "extractive", "extractive")
        answer.kind, answer.standalone_question = "list", query
        answer.timings_ms["retrieve"] = (time.perf_counter() - t0) * 1000
        about = " on that topic" if topic else ""
        if not found:
            answer.refused = True
            answer.answer = (
                f"{REFUSAL} No paper in the collection says it is one of the {GENRE_LABEL}{about}."
            )
            if topic and genre:  # what the collection has of the genre, on other topics
                others = "; ".join(f'"{src.title}"' for _, src in genre[:METADATA_LIST_MAX])
                answer.answer += f" Those it has are on other topics: {others}."
            yield answer.answer
            return answer
        for n, (said, src) in enumerate(found, start=1):
            src.n, src.support = n, said
            answer.sources.append(src)
        head = (
            "1 paper in the collection says it is"
            if len(found) == 1
            else f"{len(found)} papers in the collection say they are"
        )
        lines = [f"{head} one of the {GENRE_LABEL}{about}:"]
        lines += [f"- {src.title}: {said.rstrip('.')} [{src.n}]." for said, src in found]
        return (yield from _lines_answer(answer, lines))

    def _metadata(
        self, request: AskRequest, asked: Question, filters: SearchFilters | None, kind: str
    ) -> Generator[str, None, Answer | None]:
        """Dates, authors and listing pages, from the stored metadata (None: not a metadata question after all)."""
        query = request.query
        answer = Answer(request.question, "", False, [], [], "extractive", "extractive")
        answer.kind, answer.standalone_question = kind, query
        if kind == "list" and asked.years:
            year_from, year_to = min(asked.years), max(asked.years)
            probe = replace(
                filters or SearchFilters(), year_from=year_from, year_to=year_to, include_undated=False
            )
            papers = self.retriever.store.papers(accept=probe.accepts)
            papers = sorted(papers, key=lambda p: (_when(p.published), p.title))
            span = str(year_from) if year_from == year_to else f"{year_from}-{year_to}"
            if not papers:
                answer.refused = True
                answer.answer = f"{REFUSAL} No paper in the collection has a publication date in {span}."
            else:
                shown = papers[:METADATA_LIST_MAX]
                lines = [f"{len(papers)} papers in the collection were published in {span}:"]
                lines += [f"- {p.title} ({p.published})" for p in shown]
                if len(papers) > len(shown):
                    lines.append(
                        f"... and {len(papers) - len(shown)} more (narrow the years to see them all)."
                    )
                answer.answer = "\n".join(lines)
            yield answer.answer
            return answer
        hits = self._search(query, 3, filters)
        if not hits:
            return None
        sources = number_sources(hits)
        named = max(sources, key=lambda s: Evidence.title_overlap(query, s.title))
        names_it = Evidence.title_overlap(query, named.title) >= self.settings.evidence.names_paper
        if not (names_it or (filters and filters.paper_ids)):
            return None  # a metadata question about no paper in particular: answered from the abstracts
        meta = self.retriever.store.get_papers_metadata([named.paper_id]).get(named.paper_id, {})
        facts = []
        if "date" in asked.metadata:
            date = meta.get("published")
            facts.append(
                f"It was published on {date}" if date else "The collection has no publication date for it"
            )
        if "authors" in asked.metadata:
            authors = json.loads(meta.get("authors", "[]") or "[]")
            count = meta.get("authors_count")
            if authors:
                facts.append(f"Its authors are {', '.join(authors)}")
            elif count:
                facts.append(f"It has {count} authors; their names are not stored in the collection")
            else:
                facts.append("The collection does not store its authors")
        if "source" in asked.metadata:
            pages = meta.get("pages", "").replace("|", ", ")
            facts.append(
                f"It is listed on {pages}" if pages else "The collection does not record where it was listed"
            )
        answer.sources = [named]
        named.n = 1
        body = f'"{named.title}" [1]: ' + "; ".join(facts) + " (from the stored metadata, not the abstract)."
        answer.citations = cited_list(body, answer.sources)
        answer.answer = with_cited_titles(body, [(c.n, c.title) for c in answer.citations])
        yield answer_body(answer.answer)
        return answer

    # ------------------------------------------------------------------ compare

    def _compare(self, request: AskRequest) -> Generator[str, None, Answer]:
        """A side-by-side table of 2-5 papers: named by ``paper_ids``, or found from the question."""
        t0 = time.perf_counter()
        query = request.query or "Compare these papers."
        hits, named, missing = comparison.pick_papers(
            self.retriever, query, request.paper_ids, request.filters, self.settings.retrieval
        )
        sources: list[Source] = number_sources(hits)
        answer = Answer(request.question or query, "", False, [], sources, "extractive", "extractive")
        answer.kind, answer.standalone_question = "compare", query
        answer.timings_ms["retrieve"] = (time.perf_counter() - t0) * 1000
        # (missing is empty when the papers were picked by id). A name no hit of a search for it mentions may still
        # be in the collection (outside the year filter, or past the hits read): only what no abstract says is absent.
        absent = [
            w for m in missing for w in dict.fromkeys(comparison.name_words(m)) if not self.retriever.said(w)
        ]
        if missing and len(hits) < 2 and not absent:
            return (yield from self._answer(request, "fact"))  # the gate decides on what the collection has
        if absent and len(hits) < 2:
            # "How does Mamba compare with Transformers?" and no abstract mentions Mamba: not a comparison the
            # collection can make, whatever it says of the other side (it was answered from that side alone).
            has = f' It has "{hits[0].title}" on the rest of the question.' if hits else ""
            answer.refused, answer.absent_names = True, absent
            answer.answer = f"{REFUSAL} {absent_sentence(absent)}, so it cannot make this comparison.{has}"
            yield answer.answer
            return answer
        if len(hits) == 1 and not named:
            answer.kind = "clarify"
            body = (
                f'Compare "{hits[0].title}" [1] with what? The question names only one paper; name the other '
                "(a few words of its title are enough), or pick the papers in the Compare tab."
            )
            answer.citations = cited_list(body, sources)
            answer.answer = with_cited_titles(body, [(c.n, c.title) for c in answer.citations])
        elif len(hits) == 1 and named and not request.paper_ids:
            # Every named thing is in one paper ("which consistency worked best for CIRIM versus E2EVN?", both
            # in the CIRIM abstract): a question about that paper, not a comparison of papers.
            return (yield from self._answer(request, "fact"))
        elif len(hits) < 2:
            answer.refused = True
            answer.answer = f"{REFUSAL} Fewer than two matching papers were found to compare."
        else:
            evidence = self._evidence(query, sources)
            answer.table = comparison.build_table(evidence, sources)
            md = comparison.table_markdown(answer.table)
            lines = []
            for src in sources:
                picked = compose.compare_line(evidence, src.n, query)
                if picked:
                    quoted = " ".join(cite(s.text, s.source) for s in picked)
                    lines.append(f"- {src.title}: {quoted}")
            body = f"Comparison of {len(hits)} papers:\n\n{md}"
            if absent:  # "Compare Sophia, Shampoo and Mamba": the table has the two; say why not the third
                body = f"{absent_sentence(absent)}.\n\n{body}"
                answer.absent_names = absent
            if lines:
                body += "\n\nOn the question, each paper says:\n" + "\n".join(lines)
            answer.citations = cited_list(body, sources)
            answer.answer = with_cited_titles(body, [(c.n, c.title) for c in answer.citations])
        yield answer_body(answer.answer)
        return answer
