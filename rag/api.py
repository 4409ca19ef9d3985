"""The Python API. The CLI, the UI and the evals use only this module, :mod:`rag.types`, :mod:`rag.config` and
:mod:`rag.errors` (``tests/test_layering.py`` checks it).

* ``search``, ``ask``, ``ask_stream``, ``compare``, ``chat``: questions;
* ``papers``, ``find_paper``, ``stats``, ``ingest``, ``ensure_ingested``: the library;
* ``backends``, ``resolve_backend``: which answer backends exist here;
* ``table_markdown``, ``table_csv``, and the text rules of :mod:`rag.text` (``MARKER``, ``markers``,
  ``marker_numbers``, ``strip_markers``, ``split_sentences``, ``split_cited``, ``answer_body``, ``terms``, ``readable``): what front
  ends and evals need to show and score results the way the library writes them.

Every function takes an optional ``settings`` (default: from the environment; per-call changes with
``settings.override(...)``). The store client, embedder and BM25 index are shared per collection and store location,
so repeated calls in one process are fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from rag import backends as _backends
from rag import extraction, library
from rag.answer import DISCARDED, AnswerEngine, AskRequest, final_answer
from rag.comparison import table_csv, table_markdown
from rag.compose import LIST_FEATURES
from rag.config import Settings, load_settings
from rag.conversation import ChatSession
from rag.embeddings import Embedder
from rag.errors import IndexEmptyError, RagError
from rag.evidence import FEATURES as GATE_FEATURES
from rag.evidence import Evidence
from rag.extraction import DEFAULT_COLUMNS as DEFAULT_GRID_COLUMNS
from rag.extraction import grid_csv, grid_markdown, grid_text
from rag.extraction import references as grid_references
from rag.llm.base import LLM
from rag.models import normalize_title
from rag.retrieval import Retriever, shared_retriever
from rag.text import (
    MARKER,
    answer_body,
    marker_numbers,
    markers,
    readable,
    split_cited,
    split_sentences,
    stem,
    stopwords,
    strip_markers,
    terms,
)
from rag.types import (
    NOT_STATED,
    Answer,
    Column,
    Grid,
    GridRow,
    SearchFilters,
    SearchResult,
    Source,
    StoredPaper,
    number_sources,
)

__all__ = [
    "DEFAULT_GRID_COLUMNS",
    "DISCARDED",
    "GATE_FEATURES",
    "LIST_FEATURES",
    "MARKER",
    "NOT_STATED",
    "Answer",
    "AskRequest",
    "ChatSession",
    "Column",
    "Embedder",
    "Grid",
    "answer_body",
    "ask",
    "ask_stream",
    "backends",
    "chat",
    "chroma_collection",
    "compare",
    "embedder",
    "engine",
    "ensure_ingested",
    "find_paper",
    "grid",
    "grid_csv",
    "grid_markdown",
    "grid_references",
    "grid_text",
    "has_words",
    "ingest",
    "llm_client",
    "marker_numbers",
    "markers",
    "normalize_title",
    "papers",
    "read_columns",
    "readable",
    "readable_suffixes",
    "resolve_backend",
    "retriever",
    "search",
    "split_cited",
    "split_sentences",
    "stats",
    "stem",
    "stopwords",
    "strip_markers",
    "table_csv",
    "table_markdown",
    "terms",
]


def _settings(settings: Settings | None) -> Settings:
    return settings or load_settings()


def retriever(settings: Settings | None = None) -> Retriever:
    """The shared retriever of ``settings``' collection (its ``store`` and ``embedder`` too)."""
    return shared_retriever(_settings(settings))


def embedder(settings: Settings | None = None) -> Embedder:
    """The collection's embedder (shared): ``embed_batch(texts)`` gives L2-normalised vectors."""
    return retriever(settings).embedder


def chroma_collection(settings: Settings | None = None) -> Any:
    """The Chroma collection itself, for a baseline that runs another pipeline over the same vectors (evals)."""
    return retriever(settings).store.collection


def llm_client(settings: Settings | None = None, backend: str | None = None) -> LLM:
    """The raw LLM client of an LLM backend (e.g. for an eval judge): ``stream(prompt, ...)`` yields text."""
    settings = _settings(settings)
    found = _backends.get(_backends.resolve(settings, backend))
    if not isinstance(found, _backends.LLMBackend):
        raise RagError(f"the {found.name} backend has no LLM - pick an LLM backend (openai or local)")
    return found.client(settings)


def engine(settings: Settings | None = None) -> AnswerEngine:
    """An answer engine for ``settings`` over the shared retriever (cheap: build one per request)."""
    settings = _settings(settings)
    return AnswerEngine(settings, shared_retriever(settings))


# ------------------------------------------------------------------ the library


def _ingester(name: str) -> Any:
    found = [ep for ep in entry_points(group="paper_rag.ingest") if ep.name == name]
    if not found:
        raise RagError(
            f"no ingester named {name!r} is installed - pip install -e . (paper-rag's ingest package)"
        )
    return found[0].load()


has_words = library.has_words  # the whole-word rule of papers(search): the UI filters its cached list with it


def readable_suffixes() -> list[str]:
    """The file name endings ingest reads (".txt", ".json", ".jsonl", ...), from the installed ingester."""
    suffixes: set[str] = _ingester("suffixes")  # a set, the one entry point that is not a function
    return sorted(suffixes)


def ensure_ingested(settings: Settings | None = None, notify: Callable[[str], None] | None = None) -> bool:
    """Ingest the bundled corpus if the collection is empty. True when it ingested.

    ``rag`` never imports ``ingest``: the ingester comes from the ``paper_rag.ingest`` entry point.
    """
    settings = _settings(settings)
    shared = shared_retriever(settings)
    if shared.store.count() > 0:
        return False
    try:
        ingest_bundled = _ingester("bundled")
    except RagError:
        raise IndexEmptyError(shared.store.name) from None
    # ``notify`` gets one line saying what is ingested, and where, before the first write.
    ingest_bundled(settings, notify=notify, store=shared.store, embedder=shared.embedder)
    shared.refresh()
    return True


def ingest(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Ingest pages / JSON / JSONL files or folders into the store; returns the ingest report.

    The shared retriever sees the new papers at once (its BM25 index is rebuilt on the next search).
    """
    settings = _settings(settings)
    shared = shared_retriever(settings)
    report = _ingester("paths")(
        [Path(p) for p in paths], settings, store=shared.store, embedder=shared.embedder, progress=progress
    )
    shared.refresh()
    return report


def papers(
    search_text: str | None = None,
    settings: Settings | None = None,
    filters: SearchFilters | None = None,
    *,
    abstracts: bool = False,
) -> list[StoredPaper]:
    """The stored papers, sorted by title: those whose title has every word of ``search_text`` as a whole word
    (case-insensitive, plurals in "s" too; with ``abstracts``, each word in the title or the abstract), and that
    ``filters`` accepts (years, source page, ids)."""
    accept = filters.accepts if filters is not None and filters.active() else None
    return retriever(settings).store.papers(search=search_text, accept=accept, abstracts=abstracts)


def find_paper(ref: str, settings: Settings | None = None) -> StoredPaper:
    """The stored paper ``ref`` names: its id, its title (case-insensitive), or words or a part of the title that
    only it has (:func:`rag.library.find_paper`). Raises RagError, listing candidates with their ids, when ``ref``
    names several papers or none."""
    from rag.store import PaperStore

    found = library.find_paper(ref, PaperStore(_settings(settings)).papers())
    if found.paper is not None:
        return found.paper
    listed = "; ".join(f'{p.paper_id} "{p.title}"' for p in found.candidates)
    if found.matches:
        more = f" (the first {len(found.candidates)})" if found.matches > len(found.candidates) else ""
        raise RagError(
            f"{ref!r} matches {found.matches} papers{more}: {listed} - give an id, or more of the title"
        )
    if found.candidates:
        raise RagError(f"no stored paper matches {ref!r}; the closest: {listed} - give an id, or the title")
    raise RagError(f"no stored paper matches {ref!r} - 'paper-rag papers' lists the papers and their ids")


def stats(settings: Settings | None = None) -> dict[str, Any]:
    """What is stored and how: papers, chunks, collection, embedder, chunking, store kind and location.

    Opens the store only (no embedder, no BM25 index), so ``paper-rag stats`` stays quick.
    """
    from rag.store import PaperStore

    settings = _settings(settings)
    store = PaperStore(settings)
    return {
        "papers": len(store.papers()),
        "chunks": store.count(),
        "collection": store.name,
        "embedder": settings.embedder_id(),
        "chunk_size": settings.chunk.size,
        "chunk_overlap": settings.chunk.overlap,
        "store": "server" if settings.chroma_url else "embedded",
        "location": store.location,
    }


# ------------------------------------------------------------------ questions


def search(
    query: str,
    *,
    k: int | None = None,
    filters: SearchFilters | None = None,
    settings: Settings | None = None,
    mode: str = "hybrid",
) -> SearchResult:
    """Ranked papers for ``query`` (hybrid dense + BM25 by default; "dense" or "bm25" for one side)."""
    settings = _settings(settings)
    return shared_retriever(settings).search(
        query, k=k, filters=filters, mode=mode, options=settings.retrieval
    )


def ask_stream(
    question: str,
    *,
    backend: str | None = None,
    k: int | None = None,
    filters: SearchFilters | None = None,
    temperature: float | None = None,
    settings: Settings | None = None,
    session: ChatSession | None = None,
) -> Iterator[str | Answer]:
    """The answer's text deltas as they are written, then the finished :class:`Answer` (the last item).

    The final answer's text is authoritative: an LLM's streamed citations are checked afterwards, and a failing or
    late backend (PAPER_RAG_LLM__DEADLINE_S) is replaced by the extractive answer (``answer.fallback``, with a
    ``note``). Text it had streamed is then followed by :data:`DISCARDED`: what came before that is not the answer.
    """
    knobs: dict[str, Any] = {"backend": backend, "k": k, "filters": filters, "temperature": temperature}
    if session is not None:
        return session.stream(question, settings=settings, **knobs)
    return engine(settings).stream(AskRequest(question, **knobs))


def ask(
    question: str,
    *,
    backend: str | None = None,
    k: int | None = None,
    filters: SearchFilters | None = None,
    temperature: float | None = None,
    settings: Settings | None = None,
    on_token: Callable[[str], None] | None = None,
    session: ChatSession | None = None,
) -> Answer:
    """Answer ``question`` with cited paper titles. Pass a ``session`` (from :func:`chat`) to ask follow-ups."""
    stream = ask_stream(
        question,
        backend=backend,
        k=k,
        filters=filters,
        temperature=temperature,
        settings=settings,
        session=session,
    )
    return final_answer(stream, on_token)


def compare(
    question: str = "",
    *,
    paper_ids: list[str] | None = None,
    settings: Settings | None = None,
    filters: SearchFilters | None = None,
) -> Answer:
    """A cited side-by-side table of the papers named in ``question`` or given by ``paper_ids``."""
    request = AskRequest(
        question or "Compare these papers.", kind="compare", paper_ids=paper_ids, filters=filters
    )
    return engine(settings).ask(request)


def grid(
    papers: Sequence[str] | None = None,
    *,
    columns: Sequence[str | Column | dict[str, str]] | None = None,
    query: str | None = None,
    list_question: str | None = None,
    filters: SearchFilters | None = None,
    limit: int | None = None,
    backend: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Grid:
    """An extraction grid: papers (rows) x ``columns``, each cell the sentence of that paper's abstract that answers
    the column, or "not stated in the abstract" (:mod:`rag.extraction`).

    Rows come from one of: ``papers`` (ids, titles or words only one title has), a search ``query`` (its top
    ``limit`` papers, default ``Settings.grid.query_rows``), a ``list_question`` ("Which papers study X?": the papers
    its answer lists), or ``filters`` alone (every paper they accept: years, source page, title words). ``filters``
    also narrow a query or a list question. ``columns``: labels, "Label: question" strings or :class:`Column` s
    (default: :data:`rag.extraction.DEFAULT_COLUMNS`, the compare table's). ``progress(done, total)`` is called per row.

    ``backend``: an LLM backend ("openai", "local") also writes each stated cell a short value ("GPT-2 125M-770M"),
    kept only when every word and number of it is in the cell's sentence (:func:`rag.extraction.supported_value`);
    a failing or late backend leaves the sentences, with a note. Default: none (extractive: sentences only).
    """
    settings = _settings(settings)
    cfg = settings.grid
    t0 = time.perf_counter()
    try:
        cols = extraction.parse_columns(columns) if columns else list(extraction.DEFAULT_COLUMNS)
    except ValueError as exc:
        raise RagError(str(exc)) from None
    if len(cols) > cfg.max_columns:
        raise RagError(
            f"{len(cols)} columns asked; a grid has at most {cfg.max_columns} (PAPER_RAG_GRID__MAX_COLUMNS)"
        )
    chosen = [x for x in (papers, query, list_question) if x]
    if len(chosen) > 1:
        raise RagError(
            "give the rows one way: papers, a query or a list question (filters may narrow the last two)"
        )
    if not chosen and not (filters and filters.active()):
        raise RagError(
            "a grid needs rows: papers, a query, a list question or a filter (year, source, title words)"
        )
    shared = shared_retriever(settings)
    max_rows = min(limit or cfg.max_rows, cfg.max_rows)
    notes: list[str] = []
    request, checked = "", 0
    if papers:
        stored = shared.store.papers()
        if not stored:
            raise IndexEmptyError(shared.store.name)
        found: list[StoredPaper] = []
        for ref in papers:
            paper = _find(ref, stored)
            if paper.paper_id not in {p.paper_id for p in found}:
                found.append(paper)
        if filters is not None and filters.active():
            accepted = {p.paper_id for p in shared.store.papers(accept=filters.accepts)}
            kept = [p for p in found if p.paper_id in accepted]
            if len(kept) < len(found):
                notes.append(
                    f"{len(found) - len(kept)} of the papers given are outside the filters and left out"
                )
            found = kept
        rows_from, checked = "papers", len(found)
        sources = [_source(i, p) for i, p in enumerate(found, start=1)]
    elif query:
        k = min(limit or cfg.query_rows, cfg.max_rows)
        hits = shared.with_abstracts(
            shared.search(query, k=k, filters=filters, options=settings.retrieval).hits
        )
        rows_from, request, checked = "query", query, len(hits)
        sources = number_sources(hits)
    elif list_question:
        sure, maybe, checked, refusal = engine(settings).gather(list_question, filters)
        rows_from, request = "list question", list_question
        if refusal:
            notes.append(refusal)
        elif not sure and maybe:
            notes.append("no paper clearly matches the question; these are the closest")
        sources = sure or maybe
        for i, src in enumerate(sources, start=1):
            src.n = i
    else:
        assert filters is not None
        stored = shared.store.papers(accept=filters.accepts)
        rows_from, checked = "filters", len(stored)
        sources = [_source(i, p) for i, p in enumerate(stored, start=1)]
    if len(sources) > max_rows:
        why = "the limit asked for" if limit and limit < cfg.max_rows else "PAPER_RAG_GRID__MAX_ROWS"
        notes.append(f"{len(sources)} papers found; the first {max_rows} are the rows ({why})")
        sources = sources[:max_rows]
    t_rows = time.perf_counter()
    rows: list[GridRow] = []
    if sources:
        rows = extraction.fill(
            sources,
            cols,
            lambda batch: Evidence(
                cols[0].query, batch, shared.embedder, settings.evidence, rarity=shared.rarity
            ),
            cfg,
            progress,
        )
    result = Grid(cols, rows, rows_from, request, checked, notes=notes)
    t_cells = time.perf_counter()
    result.timings_ms = {"rows": (t_rows - t0) * 1000, "cells": (t_cells - t_rows) * 1000}
    name = _backends.resolve(settings, backend) if backend else "extractive"
    if name != "extractive" and rows:
        result.backend = name
        note = extraction.add_values(
            result, llm_client(settings, name), settings.llm.deadline_s, base_url=settings.llm.base_url
        )
        if note:
            notes.append(note)
        result.timings_ms["values"] = (time.perf_counter() - t_cells) * 1000
    return result


def read_columns(path: str | Path) -> list[Column]:
    """Grid columns from a YAML or JSON file (:func:`rag.extraction.read_columns`); RagError naming the file."""
    try:
        return extraction.read_columns(Path(path))
    except ValueError as exc:
        raise RagError(str(exc)) from None


def _find(ref: str, stored: list[StoredPaper]) -> StoredPaper:
    found = library.find_paper(ref, stored)
    if found.paper is not None:
        return found.paper
    listed = "; ".join(f'{p.paper_id} "{p.title}"' for p in found.candidates)
    if found.matches:
        raise RagError(f"{ref!r} matches {found.matches} papers: {listed} - give an id, or more of the title")
    closest = f"; the closest: {listed}" if listed else ""
    raise RagError(f"no stored paper matches {ref!r}{closest} - give an id, or the title")


def _source(n: int, paper: StoredPaper) -> Source:
    return Source(
        n, paper.title, paper.paper_id, 0.0, "", paper.published, paper.authors_count, text=paper.abstract
    )


def chat(settings: Settings | None = None) -> ChatSession:
    """A new multi-turn conversation: ``session.ask(...)`` keeps the context for follow-ups."""
    return ChatSession(settings)


# ------------------------------------------------------------------ backends


def backends(settings: Settings | None = None) -> dict[str, Any]:
    """The answer backends: {"auto": the one 'auto' picks, "backends": [{"name", "summary", "available",
    "why_not"}, ...]} in registration order."""
    settings = _settings(settings)
    return {"auto": _backends.resolve(settings, "auto"), "backends": _backends.backend_info(settings)}


def resolve_backend(settings: Settings | None = None, backend: str | None = None) -> str:
    """The concrete backend ``backend`` (default: the settings' choice, 'auto' resolved) names."""
    return _backends.resolve(_settings(settings), backend)
