"""The plain result types every layer passes around, and their JSON contract.

``SearchFilters`` (what a caller may restrict), ``SearchResult`` / ``PaperHit`` / ``ChunkMatch`` (what retrieval
returns), ``Answer`` / ``Source`` / ``Citation`` / ``CompareRow`` (what answering returns), ``StoredPaper`` (what the
library lists). The CLI, the UI and the evals use these and nothing deeper.

Deliberately stdlib only (plus :mod:`rag.text` and :mod:`rag.models`, which are too): no numpy, no chromadb, no
settings. Behaviour lives in the modules that produce these.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.models import normalize_title
from rag.text import merge_sentences

KINDS = ("fact", "list", "compare")  # the shapes of answer (see rag.answer)

# ------------------------------------------------------------------ dates

_YEAR = re.compile(r"(\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


def date_parts(published: str | None) -> dict[str, int]:
    """{'year', 'month', 'day'} as far as the date states them; a yearless 'Jun 12' has no 'year'."""
    if not published:
        return {}
    text = published.strip()
    if m := re.match(r"^(\d{4})-(\d{2})-(\d{2})", text):
        return {"year": int(m[1]), "month": int(m[2]), "day": int(m[3])}
    parts: dict[str, int] = {}
    m = re.match(
        r"^([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{1,2})(?!\d))?", text
    )  # "May 22, 2022", "Jun 12", "May 2023"
    if m and m[1].lower() in _MONTHS:
        parts["month"] = _MONTHS[m[1].lower()]
        if m[2]:
            parts["day"] = int(m[2])
    elif (m := re.match(r"^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?(?:\s|,|$)", text)) and m[2].lower() in _MONTHS:
        parts["month"], parts["day"] = _MONTHS[m[2].lower()], int(m[1])  # "12 Jun 2023"
    if y := _YEAR.search(text):
        parts["year"] = int(y[1])
    return parts


# ------------------------------------------------------------------ search


@dataclass
class SearchFilters:
    """Restrict retrieval. A paper without a known year passes a year filter only if ``include_undated``."""

    year_from: int | None = None
    year_to: int | None = None
    include_undated: bool = True
    source: str | None = None  # substring of a source page's file name
    title: str | None = None  # substring of the title (case/whitespace-insensitive)
    paper_ids: list[str] | None = None

    def active(self) -> bool:
        return any(
            v is not None for v in (self.year_from, self.year_to, self.source, self.title, self.paper_ids)
        )

    def accepts(self, meta: dict[str, Any]) -> bool:
        """Whether a chunk with this stored metadata passes (the same rule as the store's ``where``)."""
        year = int(meta.get("year", 0) or 0)
        if self.year_from is not None or self.year_to is not None:
            if year == 0:
                if not self.include_undated:
                    return False
            elif (self.year_from is not None and year < self.year_from) or (
                self.year_to is not None and year > self.year_to
            ):
                return False
        if self.source and self.source.lower() not in meta.get("pages", "").lower():
            return False
        if self.title and normalize_title(self.title) not in meta.get("title_key", ""):
            return False
        return not (self.paper_ids is not None and meta.get("paper_id") not in self.paper_ids)


@dataclass
class ChunkMatch:
    chunk_id: str
    text: str
    score: float  # fused score
    dense: float | None  # cosine similarity, when the dense side found it
    bm25_rank: int | None

    @property
    def index(self) -> int:
        return int(self.chunk_id.rsplit("#", 1)[1])


@dataclass
class PaperHit:
    """One paper in a result list, with its best-matching chunks."""

    paper_id: str
    title: str
    score: float
    published: str | None
    authors_count: int | None
    sources: list[str]
    chunks: list[ChunkMatch] = field(default_factory=list)
    dense: float = 0.0  # best cosine similarity of any of its chunks to the query
    abstract: str = ""  # the full abstract, where a caller fetched it (compare)
    # What put it at its rank when MMR chose the list (rag.retrieval.Retriever._mmr): its gain at the step it was
    # picked, mmr_lambda x score/best score - (1 - mmr_lambda) x its similarity to the papers picked before.
    # Never rises down a list, while ``score`` can. None when the list is simply in score order.
    mmr_gain: float | None = None

    @property
    def snippet(self) -> str:
        return self.chunks[0].text if self.chunks else ""

    @property
    def text(self) -> str:
        """The paper's retrieved text: its matched chunks in abstract order, each sentence once.

        Chunks are cut at the same sentence boundaries as :func:`rag.text.split_sentences` finds, so merging
        overlapping chunks neither repeats nor cuts a sentence.
        """
        return merge_sentences(c.text for c in sorted(self.chunks, key=lambda c: c.index))


@dataclass
class SearchResult:
    query: str
    hits: list[PaperHit]
    timings_ms: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract of ``paper-rag search --json`` (see README)."""
        return {
            "query": self.query,
            "results": [
                {
                    "title": h.title,
                    "paper_id": h.paper_id,
                    "score": round(h.score, 6),
                    "published": h.published,
                    "snippet": h.snippet,
                    "rank": rank,
                    "mmr_gain": None if h.mmr_gain is None else round(h.mmr_gain, 6),
                }
                for rank, h in enumerate(self.hits, start=1)
            ],
        }


# ------------------------------------------------------------------ answers


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

    @classmethod
    def from_hit(cls, n: int, hit: PaperHit) -> Source:
        return cls(
            n,
            hit.title,
            hit.paper_id,
            hit.score,
            hit.snippet,
            hit.published,
            hit.authors_count,
            text=hit.abstract or hit.text,
        )


def number_sources(hits: list[PaperHit]) -> list[Source]:
    """Hits as sources numbered 1..n, the numbers answers cite."""
    return [Source.from_hit(i, h) for i, h in enumerate(hits, start=1)]


@dataclass
class CompareRow:
    n: int
    title: str
    approach: str
    data: str
    results: str
    paper_id: str = ""
    published: str | None = None


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    sources: list[Source]
    backend: str
    model: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "completion": 0})
    kind: str = "fact"
    standalone_question: str = ""
    note: str = ""  # for people: e.g. why the extractive answer replaced the backend's
    table: list[CompareRow] = field(default_factory=list)
    cost_usd: float | None = None
    # For programs: the text is the extractive answer because the requested backend failed or wrote nothing the
    # sources support; error_type says which ("unsupported", or the BackendError class, e.g. "BackendTimeoutError").
    fallback: bool = False
    error_type: str | None = None
    requested_backend: str = ""
    # The evidence gate's P(answerable) (rag.evidence.Evidence.gate); None where no gate ran (compare, metadata).
    answerability: float | None = None
    # The features that probability came from (rag.evidence.FEATURES), for evals.fit_gate; not in the JSON contract.
    gate_features: dict[str, float] = field(default_factory=dict)
    # Names the question gives that no title or abstract in the collection says ("LiveCodeBench"), which the answer
    # says first (or, in a refusal, says are absent).
    absent_names: list[str] = field(default_factory=list)

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
            "fallback": self.fallback,
            "error_type": self.error_type,
            "answerability": None if self.answerability is None else round(self.answerability, 4),
            "absent_names": self.absent_names,
        }


# ------------------------------------------------------------------ the library


@dataclass
class StoredPaper:
    """A paper as read back from the store."""

    paper_id: str
    title: str
    abstract: str
    published: str | None
    authors_count: int | None
    sources: list[str]
    n_chunks: int
    arxiv_id: str | None = None
    upvotes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def year(self) -> int | None:
        return date_parts(self.published).get("year")


# ------------------------------------------------------------------ the extraction grid

NOT_STATED = "not stated in the abstract"


@dataclass(frozen=True)
class Column:
    """A column of an extraction grid: a short label and, optionally, the question its cells answer."""

    label: str
    question: str = ""

    @classmethod
    def parse(cls, spec: str) -> Column:
        """ "Dataset" or "Dataset: Which datasets are used for evaluation?" (label, then an optional question)."""
        label, _, question = spec.partition(":")
        label, question = " ".join(label.split()), " ".join(question.split())
        if not label:
            raise ValueError(f"a column needs a label: {spec!r} (write 'Label' or 'Label: question')")
        return cls(label, question)

    @property
    def query(self) -> str:
        """What the cells answer: the question, else one made from the label ("Dataset" -> "Dataset?")."""
        return self.question or f"What is the {self.label.lower()}?"

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "question": self.question}


@dataclass
class GridCell:
    """One paper x one column: the abstract's sentence that answers the column, or "not stated"."""

    text: str  # the sentence, whole, as the abstract has it; NOT_STATED when the abstract doesn't say
    stated: bool
    score: float = 0.0  # how well the sentence fills the column (comparable within a column)
    value: str = ""  # a short value an LLM wrote and the sentence was checked to support; "" when none

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "stated": self.stated, "score": round(self.score, 4), "value": self.value}


@dataclass
class GridRow:
    n: int  # the row's citation number
    paper_id: str
    title: str
    published: str | None
    cells: list[GridCell]  # in column order


@dataclass
class Grid:
    """Papers x columns, every stated cell a sentence of that row's abstract (cited by the row's number)."""

    columns: list[Column]
    rows: list[GridRow]
    rows_from: str  # how the rows were chosen: "papers", "query", "filters" or "list question"
    request: str = ""  # the query or list question the rows came from ("" for explicit papers / filters)
    checked: int = (
        0  # papers considered before the rows were chosen (a list question checks more than it keeps)
    )
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for people: e.g. papers a reference didn't find
    backend: str = "extractive"  # "extractive", or the LLM backend that wrote the cells' short values

    def cell(self, row: GridRow, label: str) -> GridCell:
        return row.cells[[c.label for c in self.columns].index(label)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``paper-rag grid --json``."""
        return {
            "columns": [c.to_dict() for c in self.columns],
            "rows": [
                {
                    "n": r.n,
                    "paper_id": r.paper_id,
                    "title": r.title,
                    "published": r.published,
                    "cells": {c.label: cell.to_dict() for c, cell in zip(self.columns, r.cells, strict=True)},
                }
                for r in self.rows
            ],
            "rows_from": self.rows_from,
            "request": self.request,
            "checked": self.checked,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "notes": self.notes,
            "backend": self.backend,
        }
