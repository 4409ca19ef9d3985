"""Hybrid retrieval: dense (Chroma) + BM25 (llama-index's BM25Retriever), fused by reciprocal rank, grouped by paper.

Both retrievers rank chunks; RRF gives each chunk ``sum(1 / (rrf_k + rank))``. Chunks are then grouped by paper so a
paper appears once, with its best chunks, and papers are picked by MMR over their best-chunk vectors so that
near-duplicate papers don't crowd out the others on compare and list questions.

The BM25 index is built from the store's own chunks and rebuilt when the store's chunk count changes: an ingest in
this process refreshes it at once, one by another process is noticed within ``Retriever.STALE_AFTER_S``. Filters
(year range, source page, title text, paper ids) go into Chroma's ``where`` for the dense side and into a weight mask
for the BM25 side.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import numpy as np

from rag.config import RetrievalSettings, Settings
from rag.embeddings import Embedder, get_embedder
from rag.errors import IndexEmptyError
from rag.store import PaperStore
from rag.types import ChunkMatch, PaperHit, SearchFilters, SearchResult


class _BM25Index:
    """llama-index's BM25Retriever over the store's chunks, plus the chunk metadata for masks."""

    def __init__(self, store: PaperStore) -> None:
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metas: list[dict[str, Any]] = []
        nodes: list[Any] = []
        for chunk_id, text, meta in store.chunks():
            self.ids.append(chunk_id)
            self.texts.append(text)
            self.metas.append(meta)
            # Title + text are what BM25 scores; metadata stays out of the indexed text.
            nodes.append(TextNode(id_=chunk_id, text=f"{meta.get('title', '')}\n{text}", metadata={}))
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.size = len(nodes)
        self.retriever = (
            BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(40, len(nodes))) if nodes else None
        )

    def search(self, query: str, k: int, filters: SearchFilters | None) -> list[str]:
        if self.retriever is None:
            return []
        import bm25s

        r = self.retriever
        tokens = bm25s.tokenize(query, stemmer=r.stemmer, token_pattern=r.token_pattern, show_progress=False)
        if not tokens.vocab:
            return []
        mask = None
        if filters is not None and filters.active():
            mask = np.array([filters.accepts(m) for m in self.metas], dtype=np.int32)
            if not mask.any():
                return []
        k = min(k, self.size)
        indexes, scores = r.bm25.retrieve(tokens, k=k, weight_mask=mask, show_progress=False)
        return [self.ids[int(i)] for i, s in zip(indexes[0], scores[0], strict=True) if s > 0]


class Retriever:
    """Hybrid retriever over one collection. Thread-safe; cheap to call repeatedly."""

    def __init__(self, settings: Settings, store: PaperStore | None = None, embedder: Embedder | None = None):
        self.settings = settings
        self.store = store or PaperStore(settings)
        self.embedder = embedder or get_embedder(settings)
        self._bm25: _BM25Index | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    # How often the store's chunk count is re-read to notice ingests made by other processes: count() costs ~11 ms
    # at 100k chunks, too much to pay on every query. Ingests in this process call refresh() and are seen at once.
    STALE_AFTER_S = 2.0

    def bm25(self) -> _BM25Index:
        with self._lock:
            now = time.monotonic()
            if self._bm25 is None or now - self._checked_at > self.STALE_AFTER_S:
                count = self.store.count()
                if self._bm25 is None or self._bm25.size != count:
                    self._bm25 = _BM25Index(self.store)
                self._checked_at = now
            return self._bm25

    def refresh(self) -> None:
        """Forget the BM25 index (after an ingest in this process)."""
        with self._lock:
            self._bm25 = None

    def _where(self, filters: SearchFilters | None) -> dict | None:
        if filters is None or not filters.active():
            return None
        clauses: list[dict] = []
        if filters.year_from is not None or filters.year_to is not None:
            rng: list[dict] = []
            if filters.year_from is not None:
                rng.append({"year": {"$gte": filters.year_from}})
            if filters.year_to is not None:
                rng.append({"year": {"$lte": filters.year_to}})
            dated = rng[0] if len(rng) == 1 else {"$and": rng}
            clauses.append({"$or": [dated, {"year": 0}]} if filters.include_undated else dated)
        ids = filters.paper_ids
        if filters.source or filters.title:
            names = {m["paper_id"] for m in self.bm25().metas if filters.accepts(m)}
            ids = sorted(names if ids is None else names & set(ids))
        if ids is not None:
            if not ids:
                return {"paper_id": {"$in": ["__none__"]}}
            clauses.append({"paper_id": {"$in": list(ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        *,
        mode: str = "hybrid",
        options: RetrievalSettings | None = None,
    ) -> SearchResult:
        """The top-``k`` papers for ``query``. ``mode`` is "hybrid", "dense" or "bm25" (the latter two for evals).

        ``options`` are this request's retrieval settings (default: the retriever's own), so one retriever, and
        its BM25 index, serves every top-k and fusion setting of a collection.
        """
        opts = options or self.settings.retrieval
        k = k or opts.k
        n = max(opts.candidates, k * 4)
        t0 = time.perf_counter()
        if self.bm25().size == 0:
            raise IndexEmptyError(self.store.name)
        qvec = self.embedder.embed_batch([query])[0]
        t_embed = time.perf_counter()
        dense = self.store.query(qvec, n, where=self._where(filters)) if mode != "bm25" else []
        t_dense = time.perf_counter()
        index = self.bm25()
        lexical = index.search(query, n, filters) if mode != "dense" else []
        t_bm25 = time.perf_counter()

        rrf_k = opts.rrf_k
        fused: dict[str, float] = {}
        for rank, dhit in enumerate(dense):
            fused[dhit.chunk_id] = fused.get(dhit.chunk_id, 0.0) + 1.0 / (rrf_k + rank + 1)
        for rank, cid in enumerate(lexical):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + rank + 1)
        dense_by_id = {h.chunk_id: h for h in dense}

        bm25_rank = {cid: r for r, cid in enumerate(lexical)}

        papers: dict[str, PaperHit] = {}
        for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
            if cid in dense_by_id:
                meta, text = dense_by_id[cid].metadata, dense_by_id[cid].text
            else:
                pos = index.position[cid]
                meta, text = index.metas[pos], index.texts[pos]
            d = dense_by_id[cid].score if cid in dense_by_id else None
            hit = papers.get(meta["paper_id"])
            if hit is None:
                hit = papers[meta["paper_id"]] = PaperHit(
                    paper_id=meta["paper_id"],
                    title=meta["title"],
                    score=score,
                    published=meta.get("published"),
                    authors_count=meta.get("authors_count"),
                    sources=json.loads(meta.get("sources", "[]")),
                )
            hit.chunks.append(ChunkMatch(cid, text, score, d, bm25_rank.get(cid)))
            if d is not None:
                hit.dense = max(hit.dense, d)
        ranked = sorted(papers.values(), key=lambda p: -p.score)
        chosen = self._mmr(ranked, k, opts.mmr_lambda) if len(ranked) > k else ranked
        t_end = time.perf_counter()
        timings = {
            "embed": (t_embed - t0) * 1000,
            "dense": (t_dense - t_embed) * 1000,
            "bm25": (t_bm25 - t_dense) * 1000,
            "fuse": (t_end - t_bm25) * 1000,
            "total": (t_end - t0) * 1000,
        }
        return SearchResult(query, chosen, timings)

    def _mmr(self, ranked: list[PaperHit], k: int, lam: float) -> list[PaperHit]:
        """Maximal marginal relevance over papers: relevance = fused score, redundancy = best-chunk cosine."""
        pool = ranked[: max(k * 3, k + 5)]
        vectors = self.store.embeddings([p.chunks[0].chunk_id for p in pool])
        top = pool[0].score or 1.0
        chosen: list[PaperHit] = []
        rest = list(pool)
        while rest and len(chosen) < k:

            def gain(p: PaperHit) -> float:
                v = vectors.get(p.chunks[0].chunk_id)
                sim = max(
                    (float(v @ vectors[c.chunks[0].chunk_id]) for c in chosen if v is not None), default=0.0
                )
                return lam * (p.score / top) - (1 - lam) * sim

            best = max(rest, key=gain)
            chosen.append(best)
            rest.remove(best)
        return chosen


_SHARED: dict[tuple[str, str], Retriever] = {}
_SHARED_LOCK = threading.Lock()


def shared_retriever(settings: Settings) -> Retriever:
    """The process's retriever for ``settings``' collection and store location (built once, then reused).

    Keyed on what owns the data, not on per-request knobs: every top-k, backend and fusion setting of one
    collection shares one store client, one embedder and one BM25 index.
    """
    key = (settings.collection_name(), settings.chroma_url or str(settings.chroma_path))
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Retriever(settings)
        return _SHARED[key]
