"""The Chroma adapter: the only module that imports chromadb.

One collection per (embedder, chunking) configuration, named by :meth:`Settings.collection_name`. Each record is a
chunk: its text is the document, its vector comes from our embedder (never Chroma's, which would download a model),
and its metadata carries the whole citation (paper id, title, date, author count, sources), so any chunk alone can be
cited. Chunk 0 of a paper also carries the full abstract, so the library can list papers without a second store.

Consistency without transactions: a paper's chunks all carry the paper's ``text_hash`` and ``n_chunks``. A paper
counts as stored only when chunks 0..n-1 are all present with one hash; anything else (an ingest killed part-way)
is re-written on the next ingest. Chunk ids are deterministic, so re-writing never duplicates.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.config import Settings, redact_secrets, redact_url
from rag.errors import StoreError
from rag.library import has_words
from rag.models import Chunk, Paper, normalize_title
from rag.types import StoredPaper, date_parts

_PAGE = 5000


@dataclass
class PaperState:
    """What the store holds for one paper."""

    text_hash: set[str] = field(default_factory=set)
    meta_hash: set[str] = field(default_factory=set)
    n_chunks: int = 0
    indices: set[int] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)
    title_key: str = ""

    @property
    def complete(self) -> bool:
        return (
            len(self.text_hash) == 1
            and len(self.meta_hash) == 1
            and self.indices == set(range(self.n_chunks))
            and len(self.ids) == self.n_chunks
        )


@dataclass
class ChunkHit:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float  # cosine similarity for dense hits


def chunk_metadata(paper: Paper, chunk: Chunk, text_hash: str, meta_hash: str) -> dict[str, Any]:
    """The metadata stored with one chunk (Chroma accepts str, int, float and bool values only)."""
    meta: dict[str, Any] = {
        "paper_id": paper.paper_id,
        "chunk_index": chunk.index,
        "n_chunks": chunk.n_chunks,
        "tokens": chunk.tokens,
        "text_hash": text_hash,
        "meta_hash": meta_hash,
        "title": paper.title,
        "title_key": normalize_title(paper.title),
        "sources": json.dumps(paper.sources),
        "pages": "|".join(
            dict.fromkeys(s.rsplit("/", 1)[-1].split(":")[0].split("#")[0] for s in paper.sources)
        ),
    }
    optional = {
        "published": paper.published,
        "authors_count": paper.n_authors,
        "upvotes": paper.upvotes,
        "arxiv_id": paper.arxiv_id,
        **date_parts(paper.published),
    }
    meta.update({k: v for k, v in optional.items() if v is not None})
    meta.setdefault(
        "year", 0
    )  # 0 = no year known ("Jun 12", or no date): Chroma can't filter on a missing key
    if chunk.index == 0:
        meta["abstract"] = paper.abstract
        if paper.authors:
            meta["authors"] = json.dumps(paper.authors)
        if paper.categories:
            meta["categories"] = json.dumps(paper.categories)
    return meta


def stored_paper(meta: dict[str, Any]) -> StoredPaper:
    """A StoredPaper from chunk-0 metadata."""
    return StoredPaper(
        paper_id=meta["paper_id"],
        title=meta["title"],
        abstract=meta.get("abstract", ""),
        published=meta.get("published"),
        authors_count=meta.get("authors_count"),
        sources=json.loads(meta.get("sources", "[]")),
        n_chunks=meta.get("n_chunks", 0),
        arxiv_id=meta.get("arxiv_id"),
        upvotes=meta.get("upvotes"),
    )


def paper_from_metadata(meta: dict[str, Any]) -> Paper:
    """The Paper record back from chunk-0 metadata (to merge a stored paper with a new record of it)."""
    return Paper(
        title=meta["title"],
        abstract=meta.get("abstract", ""),
        arxiv_id=meta.get("arxiv_id"),
        authors=json.loads(meta.get("authors", "[]")),
        authors_count=meta.get("authors_count"),
        published=meta.get("published"),
        upvotes=meta.get("upvotes"),
        categories=json.loads(meta.get("categories", "[]")),
        sources=json.loads(meta.get("sources", "[]")),
    )


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(
                f"PAPER_RAG_CHROMA_URL={redact_url(settings.chroma_url)!r} is not a URL like http://127.0.0.1:8000"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreError(
                f"cannot reach the Chroma server at {redact_url(settings.chroma_url)}: "
                f"{redact_secrets(str(exc), settings.chroma_url)} - start it with "
                f"'chroma run --host 127.0.0.1 --port 8000', or unset PAPER_RAG_CHROMA_URL to use the embedded store"
            ) from exc
    settings.ensure_home()
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class PaperStore:
    """A chunk collection in Chroma (embedded or server), read and written in plain Python types."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.collection_name()
        self.client = _client(settings)
        try:
            self.collection = self.client.get_or_create_collection(
                self.name,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
                metadata={
                    "embedder": settings.embedder_id(),
                    **{f"chunk_{k}": v for k, v in settings.chunk.model_dump().items()},
                },
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {self.name!r} at {self.location}: {exc}") from exc

    @property
    def location(self) -> str:
        # where the store is, as people are shown it (a server URL without its credentials)
        return (
            redact_url(self.settings.chroma_url)
            if self.settings.chroma_url
            else str(self.settings.chroma_path)
        )

    def count(self) -> int:
        return int(self.collection.count())

    def version(self) -> str:
        """A token that changes on every write to the collection, by this process or any other.

        Derived indexes (the BM25 index, :mod:`rag.lexical`) are keyed on it. Stores written before versions
        existed get one from their chunk count.
        """
        try:
            meta = self.client.get_collection(self.name).metadata or {}
        except Exception as exc:
            raise StoreError(f"cannot read collection {self.name!r} at {self.location}: {exc}") from exc
        return str(meta.get("version") or f"count-{self.count()}")

    def _touch(self) -> None:
        """Record that the collection changed (a new version token; the other metadata is kept)."""
        meta = dict(self.client.get_collection(self.name).metadata or {})
        meta["version"] = uuid.uuid4().hex
        self.collection.modify(metadata={k: v for k, v in meta.items() if not k.startswith("hnsw:")})

    def _pages(self, include: list[str], where: dict | None = None) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=_PAGE, offset=offset, where=where)
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def _iter_metadatas(
        self, include_documents: bool = False, where: dict | None = None
    ) -> Iterator[tuple[str, Any, Any]]:
        include = ["metadatas", "documents"] if include_documents else ["metadatas"]
        for page in self._pages(include, where):
            ids = page["ids"]
            docs = page.get("documents") or [None] * len(ids)
            yield from zip(ids, page["metadatas"], docs, strict=True)

    def state(self) -> dict[str, PaperState]:
        """Per paper: the hashes and chunk indices present, to decide what an ingest must (re)write."""
        states: dict[str, PaperState] = {}
        for chunk_id, meta, _ in self._iter_metadatas():
            st = states.setdefault(meta["paper_id"], PaperState())
            st.text_hash.add(meta.get("text_hash", ""))
            st.meta_hash.add(meta.get("meta_hash", ""))
            st.n_chunks = max(st.n_chunks, int(meta.get("n_chunks", 0)))
            st.indices.add(int(meta.get("chunk_index", -1)))
            st.ids.append(chunk_id)
            st.title_key = meta.get("title_key", st.title_key)
        return states

    def get_papers_metadata(self, paper_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Chunk-0 metadata of the given papers.

        Looked up by chunk id (``<paper_id>#0``, a primary-key read that stays fast at any collection size); a
        paper whose first chunk has another id is found by a metadata filter, which scans (~1.5 ms per 1k chunks).
        """
        out: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(paper_ids))
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            page = self.collection.get(ids=[f"{pid}#0" for pid in batch], include=["metadatas"])
            for meta in page["metadatas"]:
                if meta.get("paper_id") in batch and meta.get("chunk_index") == 0:
                    out[meta["paper_id"]] = meta
            rest = [pid for pid in batch if pid not in out]
            if rest:
                where = {"$and": [{"paper_id": {"$in": rest}}, {"chunk_index": 0}]}
                for meta in self.collection.get(where=where, include=["metadatas"])["metadatas"]:
                    out[meta["paper_id"]] = meta
        return out

    def upsert(
        self, ids: list[str], embeddings: np.ndarray, metadatas: list[dict], documents: list[str]
    ) -> None:
        if ids:
            self.collection.upsert(ids=ids, embeddings=embeddings, metadatas=metadatas, documents=documents)
            self._touch()

    def update_metadata(self, ids: list[str], metadatas: list[dict]) -> None:
        if ids:
            self.collection.update(ids=ids, metadatas=metadatas)
            self._touch()

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=ids)
            self._touch()

    def papers(
        self,
        search: str | None = None,
        accept: Callable[[dict[str, Any]], bool] | None = None,
        *,
        abstracts: bool = False,
    ) -> list[StoredPaper]:
        """Every stored paper (from chunk 0), optionally only those whose title has every word of ``search``
        (:func:`rag.library.has_words`; with ``abstracts``, the title and abstract together), and those a predicate
        over the chunk metadata accepts (e.g. :meth:`rag.types.SearchFilters.accepts`)."""

        def found_in(meta: dict[str, Any]) -> bool:
            text = meta.get("title", "") + (" " + meta.get("abstract", "") if abstracts else "")
            return has_words(search, text) if search and search.strip() else True

        found = [
            stored_paper(meta)
            for _, meta, _ in self._iter_metadatas(where={"chunk_index": 0})
            if found_in(meta) and (accept is None or accept(meta))
        ]
        return sorted(found, key=lambda p: p.title.lower())

    def titles(self) -> Iterator[tuple[str, str, str]]:
        """Every stored paper as (paper id, its first chunk's id, title): the corpus for title vectors."""
        for chunk_id, meta, _ in self._iter_metadatas(where={"chunk_index": 0}):
            yield meta["paper_id"], chunk_id, meta.get("title", "")

    def chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every chunk as (id, text, metadata): the corpus for BM25."""
        for chunk_id, meta, doc in self._iter_metadatas(include_documents=True):
            yield chunk_id, doc or "", meta

    def chunks_with_vectors(self) -> Iterator[tuple[str, str, dict[str, Any], np.ndarray]]:
        """Every chunk as (id, text, metadata, stored vector): the corpus for BM25 and exact dense search
        (:class:`rag.lexical.LexicalIndex`), in one pass."""
        for page in self._pages(["metadatas", "documents", "embeddings"]):
            for cid, meta, doc, vec in zip(
                page["ids"], page["metadatas"], page["documents"], page["embeddings"], strict=True
            ):
                yield cid, doc or "", meta, np.asarray(vec, dtype=np.float32)

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of the given chunks (those still stored)."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            cid: (doc or "", meta)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunks."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        return {
            cid: np.asarray(vec, dtype=np.float32)
            for cid, vec in zip(got["ids"], got["embeddings"], strict=True)
        }

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[ChunkHit]:
        """Nearest chunks by cosine similarity through Chroma's HNSW index (fewer when the collection is smaller
        than ``n``), best first. The index is approximate: collections of up to ``retrieval.exact_max_chunks``
        chunks are searched exactly instead, over the vectors the BM25 index keeps
        (:meth:`rag.lexical.LexicalIndex.nearest`)."""
        res = self.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["metadatas", "documents", "distances"],
        )
        return [
            ChunkHit(cid, doc or "", meta, 1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]
