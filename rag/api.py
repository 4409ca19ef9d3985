"""The Python API: ``ask``, ``search``, ``compare``, ``papers``. The CLI, the UI and the evals use only this.

Engines (retriever + BM25 index + embedder) are cached per collection and store location, so repeated calls in one
process are fast. Every function takes an optional ``settings`` (default: from the environment).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import entry_points

from rag.answer import Answer, AnswerEngine
from rag.chat import ChatSession
from rag.config import Settings, load_settings
from rag.errors import IndexEmptyError
from rag.models import StoredPaper
from rag.retrieval import Retriever, SearchFilters, SearchResult

_RETRIEVERS: dict[tuple[str, str, str], Retriever] = {}
_LOCK = threading.Lock()


def engine(settings: Settings | None = None) -> AnswerEngine:
    """An answer engine for ``settings``. The heavy part (store client, embedder, BM25 index) is shared per
    collection; the engine itself is per call, so concurrent calls with different backends don't interfere."""
    settings = settings or load_settings()
    key = (
        settings.collection_name(),
        settings.chroma_url or str(settings.chroma_path),
        settings.retrieval.model_dump_json(),
    )
    with _LOCK:
        if key not in _RETRIEVERS:
            _RETRIEVERS[key] = Retriever(settings)
        retriever = _RETRIEVERS[key]
    return AnswerEngine(settings, retriever=retriever)


def ensure_ingested(settings: Settings, notify: Callable[[str], None] | None = None) -> bool:
    """Ingest the bundled corpus if the collection is empty (through the ``paper_rag.ingest`` entry point).

    Returns True when it ingested. Raises IndexEmptyError when no ingester is installed.
    """
    eng = engine(settings)
    if eng.retriever.store.count() > 0:
        return False
    found = [ep for ep in entry_points(group="paper_rag.ingest") if ep.name == "bundled"]
    if not found:
        raise IndexEmptyError(eng.retriever.store.name)
    if notify:
        notify(f"The collection is empty: ingesting the bundled corpus ({settings.corpus_dir}) first...")
    found[0].load()(settings)
    eng.retriever.refresh()
    return True


def search(
    query: str,
    *,
    k: int | None = None,
    filters: SearchFilters | None = None,
    settings: Settings | None = None,
    mode: str = "hybrid",
) -> SearchResult:
    """Ranked papers for ``query`` (hybrid dense + BM25 by default)."""
    return engine(settings).retriever.search(query, k=k, filters=filters, mode=mode)


def ask(
    question: str,
    *,
    backend: str | None = None,
    k: int | None = None,
    filters: SearchFilters | None = None,
    settings: Settings | None = None,
    on_token: Callable[[str], None] | None = None,
    session: ChatSession | None = None,
) -> Answer:
    """Answer ``question`` with cited paper titles. Pass a ``session`` to ask follow-ups."""
    if session is not None:
        return session.ask(question, backend=backend, k=k, filters=filters, on_token=on_token)
    return engine(settings).ask(question, backend=backend, k=k, filters=filters, on_token=on_token)


def compare(
    question: str = "",
    *,
    paper_ids: list[str] | None = None,
    settings: Settings | None = None,
    filters: SearchFilters | None = None,
) -> Answer:
    """A cited side-by-side table of the papers named in ``question`` or given by ``paper_ids``."""
    return engine(settings).compare(question or "Compare these papers.", paper_ids=paper_ids, filters=filters)


def chat(settings: Settings | None = None) -> ChatSession:
    """A new multi-turn conversation."""
    return ChatSession(engine(settings))


def papers(
    search_text: str | None = None, settings: Settings | None = None, filters: SearchFilters | None = None
) -> list[StoredPaper]:
    """The stored papers, optionally filtered by title text and by ``filters`` (years, source page, ids)."""
    accept = filters.accepts if filters is not None and filters.active() else None
    return engine(settings).retriever.store.papers(search=search_text, accept=accept)


def paper(paper_id: str, settings: Settings | None = None) -> StoredPaper | None:
    """One stored paper by id (with its full abstract), or None."""
    found = papers(settings=settings, filters=SearchFilters(paper_ids=[paper_id]))
    return found[0] if found else None
