"""Evidence: which sentences of the retrieved abstracts answer a question, and whether any do.

One :class:`Evidence` is built per answer. It splits every source into sentences (:func:`rag.text.split_sentences`;
sentences addressed to an assistant are never evidence), embeds each distinct text once, and answers every question
the answer chain has about them:

* :meth:`Evidence.top` / :attr:`Evidence.ranked`: sentences scored against the question (cosine similarity of the
  embeddings, plus the share of the question's content terms they contain; weights in ``Settings.evidence``);
* :meth:`Evidence.gate`: is there enough to answer? Two ways to fail, each with its refusal text: nothing relevant
  (the topic is absent), or the paper is there but its abstract doesn't state the detail asked for;
* :meth:`Evidence.support`: which source supports a sentence someone wrote (an LLM's, or a citation to check);
* :meth:`Evidence.highlight`: the sentence of a source an answer relies on, for the UI to mark.

Every threshold is a field of :class:`rag.config.EvidenceSettings`. Deliberately not here: any LLM call, retrieval,
or the wording of answers other than refusals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rag.config import EvidenceSettings
from rag.embeddings import Embedder
from rag.text import (
    coverage,
    generic_stems,
    looks_like_instruction,
    numbers,
    split_sentences,
    stem,
    terms,
    words,
)

REFUSAL = "The collection does not contain enough information to answer this."


class SourceLike(Protocol):
    n: int
    title: str
    text: str


@dataclass
class Sentence:
    source: int  # the source's number, 1-based
    text: str
    sim: float = 0.0  # cosine similarity to the question
    lexical: float = 0.0  # share of the question's content terms it contains
    score: float = 0.0  # the two, weighted by Settings.evidence.similarity_weight


@dataclass
class Verdict:
    """The gate's decision. ``reason``: "" (answerable), "empty", "topic" or "detail"."""

    ok: bool
    reason: str = ""
    message: str = ""  # the refusal, for the user
    paper: int | None = None  # the source the decision was about
    missing: list[str] = field(default_factory=list)  # the question's words the paper doesn't state


class Evidence:
    """The sentences of one answer's sources, embedded once, and every decision made from them."""

    def __init__(
        self,
        question: str,
        sources: Sequence[SourceLike],
        embedder: Embedder,
        settings: EvidenceSettings | None = None,
    ) -> None:
        self.question = question
        self.sources = list(sources)
        self.embedder = embedder
        self.settings = settings or EvidenceSettings()
        self._vectors: dict[str, np.ndarray] = {}
        self.by_source: dict[int, list[Sentence]] = {}
        for src in self.sources:
            self.by_source[src.n] = [
                Sentence(src.n, s) for s in split_sentences(src.text) if not looks_like_instruction(s)
            ]
        sentences = [s for group in self.by_source.values() for s in group]
        self._embed([question, *(s.text for s in sentences)])
        q = self._vectors[question]
        self.q_terms = q_terms = terms(question)
        w = self.settings.similarity_weight
        for s in sentences:
            s.sim = float(self._vectors[s.text] @ q)
            s.lexical = coverage(q_terms, s.text)
            s.score = w * s.sim + (1 - w) * s.lexical
        self.ranked: list[Sentence] = sorted(sentences, key=lambda s: -s.score)

    # ------------------------------------------------------------------ embeddings, once per distinct text

    def _embed(self, texts: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            for text, vec in zip(new, self.embedder.embed_batch(new), strict=True):
                self._vectors[text] = np.asarray(vec)

    @property
    def texts_embedded(self) -> int:
        return len(self._vectors)

    # ------------------------------------------------------------------ ranking

    def top(self, n: int | None = None, *, source: int | None = None) -> list[Sentence]:
        """The best ``n`` sentences (all when None), optionally of one source."""
        pool = self.ranked if source is None else [s for s in self.ranked if s.source == source]
        return pool if n is None else pool[:n]

    def best_by_source(self) -> dict[int, Sentence]:
        """Each source's best sentence."""
        best: dict[int, Sentence] = {}
        for s in self.ranked:
            best.setdefault(s.source, s)
        return best

    def covers_question(self, text: str) -> bool:
        """Whether ``text`` holds every content term of the question."""
        return coverage(self.q_terms, text) == 1.0

    def source(self, n: int) -> SourceLike | None:
        return next((s for s in self.sources if s.n == n), None)

    # ------------------------------------------------------------------ the gate

    def names(self, src: SourceLike) -> float:
        """How much the question names this paper: shared title terms, as a share of either side (0 if < 2)."""
        t_terms = terms(src.title)
        shared = self.q_terms & t_terms
        if len(shared) < 2:
            return 0.0
        return max(len(shared) / len(t_terms), len(shared) / len(self.q_terms))

    def _check(self, src: SourceLike, best: Sentence | None, *, named: bool) -> Verdict:
        cfg = self.settings
        detail = self.q_terms - terms(src.title) - generic_stems()
        if best is None or best.sim < cfg.min_sentence_sim:
            return Verdict(False, "topic", paper=src.n)
        # A question that names the paper is similar to its abstract whatever it asks: then only coverage counts.
        confident = best.sim >= cfg.confident_sim and not named
        if detail and coverage(detail, src.text) < cfg.min_detail_coverage and not confident:
            absent = detail - terms(src.text)
            missing = list(dict.fromkeys(w.lower() for w in words(self.question) if stem(w) in absent))
            return Verdict(False, "detail", paper=src.n, missing=missing)
        return Verdict(True, paper=src.n)

    def gate(self) -> Verdict:
        """Whether the sources answer the question; when not, the refusal says what the collection does hold."""
        if not self.sources:
            return Verdict(False, "empty", f"{REFUSAL} The collection has no papers matching the question.")
        best = self.ranked[0] if self.ranked else None
        top = self.source(best.source) if best else None
        top = top or self.sources[0]
        named = max(self.sources, key=self.names)
        is_named = self.names(named) >= self.settings.names_paper
        if is_named and named is not top:
            # The evidence may sit in another paper than the one whose title the question echoes: either will do.
            if self._check(top, best, named=False).ok:
                return Verdict(True, paper=top.n)
            top = named
        verdict = self._check(top, best, named=is_named)
        if verdict.ok:
            return verdict
        if verdict.reason == "detail":
            missing = ", ".join(verdict.missing) or "that detail"
            verdict.message = (
                f'{REFUSAL} The collection has "{top.title}", but its abstract does not state this '
                f"(nothing about: {missing})."
            )
        else:
            near = "; ".join(f'"{s.title}"' for s in self.sources[:3])
            verdict.message = (
                f"{REFUSAL} The closest papers in the collection are about other topics: {near}."
            )
        return verdict

    # ------------------------------------------------------------------ support and highlighting

    def support(self, claim: str, among: Iterable[int] | None = None) -> tuple[int | None, float]:
        """The source (of ``among``, default all) whose sentences best support ``claim``, and the support score.

        Supported means: a sentence at least ``support_sim`` similar, or sharing ``support_overlap`` of the claim's
        content terms while at least ``support_min_sim`` similar; and every number the claim states is in that
        sentence. None when no source supports it.
        """
        claim = claim.strip()
        allowed = set(among) if among is not None else set(self.by_source)
        pool = [s for n in allowed for s in self.by_source.get(n, [])]
        if not claim or not pool:
            return None, 0.0
        self._embed([claim])
        cvec = self._vectors[claim]
        cfg = self.settings
        c_terms = terms(claim)
        c_numbers = numbers(claim)
        best_n, best = None, 0.0
        for s in pool:
            if c_numbers and not c_numbers <= numbers(s.text):
                continue  # a number the source sentence doesn't state is not supported by it
            sim = float(self._vectors[s.text] @ cvec)
            lex = coverage(c_terms, s.text)
            supported = sim >= cfg.support_sim or (lex >= cfg.support_overlap and sim >= cfg.support_min_sim)
            if supported and sim + lex > best:
                best_n, best = s.source, sim + lex
        return best_n, best

    def highlight(self, n: int, claim: str) -> str:
        """The sentence of source ``n`` closest to ``claim`` ("" when the source has none)."""
        pool = self.by_source.get(n, [])
        claim = claim.strip()
        if not pool or not claim:
            return ""
        self._embed([claim])
        cvec = self._vectors[claim]
        return max(pool, key=lambda s: float(self._vectors[s.text] @ cvec)).text
