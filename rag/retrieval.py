"""Hybrid retrieval: dense + BM25 (bm25s, :mod:`rag.lexical`), fused, grouped by paper, diversified.

Both sides rank chunks, then a fusion (``Settings.retrieval.fusion``) scores each candidate: reciprocal rank
(``sum 1 / (rrf_k + rank)``) or a convex combination of normalised scores (:func:`convex_fusion`). Optionally the
query is also matched against one vector per paper's title (:mod:`rag.titles`, ``title_match``). Chunks are then
grouped by paper so a paper appears once, with its best chunks, and papers are picked by MMR over their best-chunk
vectors so that near-duplicate papers don't crowd out the others on compare and list questions.

The BM25 index is persisted next to the store and follows the store's version (any write, by any process). For a
collection of up to ``retrieval.exact_max_chunks`` chunks it holds every chunk's vector too, and the dense side is
an exact search over them (:meth:`rag.lexical.LexicalIndex.nearest`: the same neighbours in every process, both
sides from one snapshot of the store); a larger collection's dense side is Chroma's approximate HNSW index. Filters
(year range, source page, title text, paper ids) become one weight mask over the index's chunks for both sides, or
Chroma's ``where`` when Chroma searches.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any, NamedTuple

import numpy as np

from rag.config import RetrievalSettings, Settings
from rag.embeddings import Embedder, get_embedder
from rag.errors import IndexEmptyError, RagError
from rag.lexical import LexicalIndex, LexicalSide, VersionedSide
from rag.question import NAME_TOKEN, is_generic, own_names, says_name, says_title, title_name, title_words
from rag.store import PaperStore
from rag.text import compact, recase, respell, uncontract
from rag.titles import TitleSide
from rag.types import ChunkMatch, PaperHit, SearchFilters, SearchResult

_log = logging.getLogger(__name__)
SAID_PAPERS = 5  # papers a search for a name reads to tell whether the collection says it (Retriever.said)
SAID_CACHE = 4096  # names remembered by Retriever.said per process (forgotten all at once when full)
# A title's name of two or three words that a query must write as the title does to pin it: capitalised first and
# last words, and between them capitalised words or short joining words ("Agent Q", "Chain of LoRA").
_TITLED_NAME = re.compile(
    r"[A-Z][\w'-]*(?:\s+(?:[A-Z][\w'-]*|of|and|to|by|the|for|in|on)){0,1}\s+[A-Z][\w'-]*"
)
# ... or of one word that is no name token ("Sophia", "Hopular", "diffGrad"), written as the title writes it
_ONE_WORD_NAME = re.compile(r"[A-Za-z][\w-]{3,}")
# A query's words as it writes them, a possessive aside ("YOLOv9's"), for names ("ROOT", not "root cause").
_WRITTEN_WORD = re.compile(r"[\w+.'-]+")


def _written_words(query: str) -> list[tuple[int, str]]:
    """(position, word) of each of ``query``'s words, "'s" and a final period aside."""
    return [(m.start(), re.sub(r"'s$", "", m.group(0)).rstrip(".")) for m in _WRITTEN_WORD.finditer(query)]


class Titled(NamedTuple):
    """Papers a query names by their title (:meth:`Retriever.titled`): where it says the name, and the papers."""

    at: int
    rows: list[tuple[str, str]]  # (paper id, first chunk id)


class Retriever:
    """Hybrid retriever over one collection. Thread-safe; cheap to call repeatedly."""

    def __init__(self, settings: Settings, store: PaperStore | None = None, embedder: Embedder | None = None):
        self.settings = settings
        self.store = store or PaperStore(settings)
        self.embedder = embedder or get_embedder(settings)
        self.lexical = LexicalSide(self.store, settings)
        self.titles = TitleSide(
            self.store, settings, self.embedder
        )  # loaded on the first search that uses it
        self._said: dict[tuple[str, str], bool] = {}  # (store version, name) -> said (Retriever.said)
        # compact title name -> (paper id, first chunk id) of the papers whose title starts with it (_pin_named)
        self.names: VersionedSide[dict[str, list[tuple[str, str]]]] = VersionedSide(
            self.store, self._title_names
        )

    def refresh(self) -> None:
        """Re-check the derived indexes against the store on the next search (after an ingest in this process)."""
        self.lexical.refresh()
        self.titles.refresh()
        self.names.refresh()

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
        ids = self.lexical.index().allowed_papers(filters, self.store)
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
        index = self.lexical.index()
        if index.size == 0:
            raise IndexEmptyError(self.store.name)
        qvec = query_vec = self.embedder.embed_batch([query])[0]
        t_embed = time.perf_counter()
        weight = index.mask(filters, self.store)
        exact = index.exact(opts.exact_max_chunks)
        found: dict[str, tuple[str, dict[str, Any]]] = {}  # chunk id -> (text, metadata)
        cosine: dict[str, float] = {}
        if mode != "bm25":
            cosine, found = self._dense(index, qvec, n, filters, weight, exact)
            if cosine and opts.prf_weight > 0:
                # Pseudo-relevance feedback (Rocchio): move the query vector toward its best few chunks, search again.
                best = list(cosine)[: opts.prf_chunks]
                top = index.vectors_of(best) if exact else self.store.embeddings(best)
                centroid = np.mean(list(top.values()), axis=0)
                moved = qvec + opts.prf_weight * centroid
                qvec = moved / (np.linalg.norm(moved) or 1.0)
                cosine, found = self._dense(index, qvec, n, filters, weight, exact)
        t_dense = time.perf_counter()
        lexical: list[str] = []
        bm25_scores: np.ndarray | None = None
        if mode != "dense":
            lexical, bm25_scores = index.top(query, n, weight)
        t_bm25 = time.perf_counter()

        found.update(
            self.store.get_chunks([cid for cid in dict.fromkeys([*cosine, *lexical]) if cid not in found])
        )
        by_title: list[str] = []  # first chunks of the papers with the closest titles, best first
        title_cos: dict[str, float] = {}  # candidate chunk -> its paper's title cosine
        t_titles = time.perf_counter()
        if mode == "hybrid" and opts.title_match != "off":
            by_title, title_cos = self._title_candidates(query_vec, filters, opts.title_candidates, found)
        titles_ms = (time.perf_counter() - t_titles) * 1000
        if mode == "hybrid" and opts.fusion == "convex":
            coverage = index.coverage(query, lexical[0]) if opts.coverage_shift and lexical else 0.0
            fused = convex_fusion(
                cosine,
                self._missing_cosines([*lexical, *by_title], cosine, qvec, index),
                index,
                bm25_scores,
                lexical,
                opts,
                title_cosine=title_cos,
                coverage=coverage,
            )
        else:
            fused = rrf_fusion(list(cosine), lexical, opts.rrf_k, by_title)
        bm25_rank = {cid: r for r, cid in enumerate(lexical)}

        papers: dict[str, PaperHit] = {}
        for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
            if cid not in found:
                continue  # deleted since the BM25 index was loaded
            text, meta = found[cid]
            d = cosine.get(cid)
            hit = papers.get(meta["paper_id"])
            if hit is None:
                hit = papers[meta["paper_id"]] = _paper_hit(meta, score)
            hit.chunks.append(ChunkMatch(cid, text, score, d, bm25_rank.get(cid)))
            if d is not None:
                hit.dense = max(hit.dense, d)
        ranked = sorted(papers.values(), key=lambda p: -p.score)
        if mode == "hybrid" and opts.name_pin and not (filters is not None and filters.active()):
            ranked = self._pin_named(query, ranked, papers)
        chosen = self._mmr(ranked, k, opts.mmr_lambda) if len(ranked) > k else ranked
        t_end = time.perf_counter()
        timings = {
            "embed": (t_embed - t0) * 1000,
            "dense": (t_dense - t_embed) * 1000,
            "bm25": (t_bm25 - t_dense) * 1000,
            "titles": titles_ms,
            "fuse": (t_end - t_bm25) * 1000 - titles_ms,
            "total": (t_end - t0) * 1000,
        }
        return SearchResult(query, chosen, timings)

    def with_abstracts(self, hits: list[PaperHit]) -> list[PaperHit]:
        """``hits``, each given its full abstract (evidence reads whole abstracts, not just the matched chunks)."""
        missing = [h.paper_id for h in hits if not h.abstract]
        if missing:
            metas = self.store.get_papers_metadata(missing)
            for hit in hits:
                hit.abstract = hit.abstract or metas.get(hit.paper_id, {}).get("abstract", "")
        return hits

    def said(self, name: str) -> bool:
        """Whether some title or abstract in the collection says ``name`` in a form a name is written in
        (:func:`rag.question.says_name`: "PINN" by "PINNs", "Qwen" by "Qwen2.5-7B"), among the papers a search for
        it finds first. Exact where :meth:`rarity` only knows the index's stems ("Claude-3.5-Sonnet" is no stem it
        holds). Remembered per store version: a name costs one search per collection state."""
        # a note, not the answer: when the store can't be read or searched, nothing is said to be absent
        try:
            key = (self.store.version(), name)
            if key not in self._said:
                hits = self.with_abstracts(self.search(name, k=SAID_PAPERS).hits)
                if len(self._said) >= SAID_CACHE:
                    self._said.clear()
                self._said[key] = any(says_name(f"{h.title} {h.abstract or h.text}", name) for h in hits)
        except (RagError, OSError):
            _log.debug("said(%r): no search", name, exc_info=True)
            return True
        return self._said[key]

    def read(self, text: str) -> str:
        """``text`` as the collection writes its words: a word typed in lower case that no abstract holds is spelt as
        the collection spells it (:func:`rag.text.respell`: "mtbench" reads "mt-bench", "experimetns" "experiments";
        :meth:`rag.lexical.LexicalIndex.spelling`); then, in a text typed wholly in lower case, the words that the
        collection writes only as names are written as it writes them, and the names it lacks as names
        (:func:`rag.text.recase`: "github" reads "GitHub", "mt-bench" "MT-Bench", "osqp" "OSQP";
        :meth:`rag.lexical.LexicalIndex.unheard`). Its contractions are written out first (:func:`rag.text.uncontract`:
        "doesn't" reads "does not", not "doesn", a word no abstract holds). ``text`` with only that when the index
        can't be read."""
        text = uncontract(text)
        try:
            index = self.lexical.index()
            # spelt first, so that a name written joined is read as the collection hyphenates it ("mtbench": "MT-Bench")
            text = respell(text, index.spelling)
            return recase(text, index.forms, index.unheard) if text == text.lower() else text
        except (RagError, OSError, ValueError):
            _log.debug("read: no index", exc_info=True)
            return text

    def rarity(self, stems: set[str]) -> dict[str, float]:
        """Each stem's rarity in the collection (:meth:`rag.lexical.LexicalIndex.rarity`): the evidence gate's."""
        return self.lexical.index().rarity(stems)

    def _dense(
        self,
        index: LexicalIndex,
        qvec: np.ndarray,
        n: int,
        filters: SearchFilters | None,
        weight: np.ndarray | None,
        exact: bool,
    ) -> tuple[dict[str, float], dict[str, tuple[str, dict[str, Any]]]]:
        """The ``n`` chunks closest to ``qvec`` among those the filters keep, as chunk id -> cosine, best first, and
        the texts and metadata that came with them: exactly over the index's vectors (``exact``:
        :meth:`rag.lexical.LexicalIndex.nearest`, filtered by the same mask as BM25; no texts, which are read once
        for both sides' candidates), else through Chroma's HNSW index (with their texts)."""
        if exact:
            return dict(index.nearest(qvec, n, weight)), {}
        hits = self.store.query(qvec, n, where=self._where(filters))
        return {h.chunk_id: h.score for h in hits}, {h.chunk_id: (h.text, h.metadata) for h in hits}

    def _missing_cosines(
        self, ids: list[str], known: dict[str, float], qvec: np.ndarray, index: LexicalIndex
    ) -> dict[str, float]:
        """Cosine similarity to the query of the lexical (and title) candidates the dense side didn't return."""
        missing = list(dict.fromkeys(cid for cid in ids if cid not in known))
        vectors = index.vectors_of(missing)  # {} when the index keeps no vectors
        vectors.update(self.store.embeddings([cid for cid in missing if cid not in vectors]))
        return {cid: float(vec @ qvec) for cid, vec in vectors.items()}

    def _title_candidates(
        self,
        query_vec: np.ndarray,
        filters: SearchFilters | None,
        n: int,
        found: dict[str, tuple[str, dict[str, Any]]],
    ) -> tuple[list[str], dict[str, float]]:
        """(first chunks of the ``n`` papers whose titles are closest to the query and pass ``filters``, best
        first; every candidate chunk's title cosine). Adds the new chunks to ``found``."""
        titles = self.titles.index()
        cos = titles.cosines(query_vec)
        allowed = None
        if filters is not None and filters.active():
            ids = self.lexical.index().allowed_papers(filters, self.store)
            allowed = set(ids) if ids is not None else None
        # Over-fetch when filtering: a year filter is checked on the chunks' metadata below.
        rows = titles.top(cos, n * 2 if filters is not None and filters.active() else n, allowed)
        wanted = [titles.chunk_ids[i] for i in rows]
        found.update(self.store.get_chunks([cid for cid in wanted if cid not in found]))
        chosen = [
            cid for cid in wanted if cid in found and (filters is None or filters.accepts(found[cid][1]))
        ]
        per_chunk: dict[str, float] = {}
        for cid, (_, meta) in found.items():
            row = titles.row.get(meta.get("paper_id", ""))
            if row is not None:
                per_chunk[cid] = float(cos[row])
        return chosen[:n], per_chunk

    def _title_names(self, version: str) -> dict[str, list[tuple[str, str]]]:
        """Compact title name ("ctrlu" of "Ctrl-U: ...") -> [(paper id, first chunk id)], for the one-word names a
        title starts with that look like names (:data:`rag.question.NAME_TOKEN`); "~" + a name of capitalised words
        as written ("~Agent Q"); "=" + a whole title (said as :func:`rag.question.says_title` reads it).
        ``version`` is the store's, read by :class:`rag.lexical.VersionedSide`, which rebuilds this when it moves."""
        names: dict[str, list[tuple[str, str]]] = {}
        for paper_id, chunk_id, title in self.store.titles():
            name = title_name(title)
            key = compact(name)
            if name and " " not in name and NAME_TOKEN.fullmatch(name.rstrip("+")) and len(key) >= 3:
                names.setdefault(key, []).append((paper_id, chunk_id))
            elif name and _TITLED_NAME.fullmatch(name):
                # a name of words, as the title writes it ("Distribution Transformers", "Chain of LoRA")
                names.setdefault(f"~{' '.join(name.split())}", []).append((paper_id, chunk_id))
            elif name and _ONE_WORD_NAME.fullmatch(name):
                # one word, no name token ("Sophia", "Hopular", "diffGrad"): a name to route by (Retriever.titled
                # with ``plain``), not to pin by, since it is also read in other papers' titles ("A New
                # Perspective on Shampoo's Preconditioner")
                names.setdefault(f"^{name}", []).append((paper_id, chunk_id))
            names.setdefault(f"={title}", []).append((paper_id, chunk_id))
        return names

    def titled(self, query: str, *, plain: bool = False) -> dict[str, Titled]:
        """{name or title: where ``query`` says it, and [(paper id, first chunk id)]} of the papers ``query`` names
        by their title: the name a title starts with ("Ctrl-U", "Distribution Transformers"; with ``plain``, also
        one that is a plain word, "Sophia", written as the title writes it), or the whole title
        (:func:`rag.question.says_title`; said where its words start, or at the query's end when written
        otherwise)."""
        names = self.names.index()
        named: dict[str, Titled] = {}
        for at, word in _written_words(query):
            key = compact(word)
            if key in names and key not in named and NAME_TOKEN.fullmatch(word.rstrip("+")):
                named[key] = Titled(at, names[key])
        # a name of words written as the title writes it, and a whole title (rag.question.says_title); the
        # query is read once for all the titles
        spaced = " ".join(query.split())
        said = f" {' '.join(title_words(query))} "
        for key, rows in names.items():
            if key[0] == "~" or (plain and key[0] == "^"):
                m = re.search(rf"(?<![\w-]){re.escape(key[1:])}(?![\w-])", spaced)
                if m:
                    named[key] = Titled(m.start(), rows)
            elif key[0] == "=" and says_title(query, key[1:], said=said):
                at = spaced.lower().find(key[1:].lower())
                named[key] = Titled(at if at >= 0 else len(spaced), rows)
        return named

    def _pin_named(self, query: str, ranked: list[PaperHit], papers: dict[str, PaperHit]) -> list[PaperHit]:
        """``ranked`` with the papers whose title starts with a name the query writes moved (or added) first: a
        short question that names a paper ("What does Ctrl-U gain in FID over ControlNet++?") can sit closer, by
        its other words, to papers that never say the name. Then a paper whose abstract defines a name the query
        writes and no title starts with ("we propose ... iterative Nash policy optimization (INPO)": "Which
        tokenizer does INPO use?" is asked of that paper, not of one about tokenizers), among the candidates of
        this search (BM25 finds a rare name's chunk; fusion with the other words may rank it below the top k)."""
        names = self.names.index()
        words = [word for _, word in _written_words(query)]
        named = list(dict.fromkeys(row for found in self.titled(query).values() for row in found.rows))
        # names no title starts with, defined by one candidate's abstract and said by no other candidate's ("INPO";
        # not "RLHF" or "MNIST", which many abstracts say and one may "present", nor a field's acronym, "LLMs")
        untitled = {
            w: compact(w)
            for w in words
            if NAME_TOKEN.fullmatch(w.rstrip("+"))
            and compact(w) not in names
            and len(compact(w)) >= 3
            and not is_generic(w)
        }
        texts = (
            {h.paper_id: f"{h.title} {' '.join(c.text for c in h.chunks)}" for h in ranked}
            if untitled
            else {}
        )
        for word, key in untitled.items():
            saying = [h for h in ranked if says_name(texts[h.paper_id], word)]
            if (
                len(saying) == 1
                and saying[0].paper_id not in {paper_id for paper_id, _ in named}  # named by its title too
                and key in {compact(n) for n in own_names(saying[0].title, texts[saying[0].paper_id])}
            ):
                named.append((saying[0].paper_id, saying[0].chunks[0].chunk_id))
        if not named:
            return ranked
        top = ranked[0].score if ranked else 1.0
        pinned = []
        for paper_id, chunk_id in named:
            hit = papers.get(paper_id)
            if hit is None:
                chunk = self.store.get_chunks([chunk_id]).get(chunk_id)
                if chunk is None:
                    continue  # deleted since the names were read
                text, meta = chunk
                hit = _paper_hit(meta, top)
                hit.chunks.append(ChunkMatch(chunk_id, text, top, None, None))
            hit.score = max(hit.score, top)
            pinned.append(hit)
        ids = {h.paper_id for h in pinned}
        return pinned + [h for h in ranked if h.paper_id not in ids]

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
            # Greedy MMR's gains never rise: a paper's gain only falls as more papers are picked.
            best.mmr_gain = gain(best)
            chosen.append(best)
            rest.remove(best)
        return chosen


def _paper_hit(meta: dict[str, Any], score: float) -> PaperHit:
    """A paper's hit, from the metadata its chunks carry, with no chunks yet."""
    return PaperHit(
        paper_id=meta["paper_id"],
        title=meta["title"],
        score=score,
        published=meta.get("published"),
        authors_count=meta.get("authors_count"),
        sources=json.loads(meta.get("sources", "[]")),
    )


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


# ------------------------------------------------------------------ fusion


def rrf_fusion(
    dense: list[str], lexical: list[str], rrf_k: int, titles: list[str] | None = None
) -> dict[str, float]:
    """Reciprocal rank fusion: each list (and ``titles``, first chunks by title match) gives ``1 / (rrf_k +
    rank)`` to the chunks it ranks."""
    fused: dict[str, float] = {}
    for ranking in (dense, lexical, titles or []):
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + rank + 1)
    return fused


def convex_fusion(
    cosine: dict[str, float],
    extra_cosine: dict[str, float],
    index: LexicalIndex,
    bm25_scores: np.ndarray | None,
    lexical: list[str],
    opts: RetrievalSettings,
    *,
    title_cosine: dict[str, float] | None = None,
    coverage: float = 0.0,
) -> dict[str, float]:
    """A convex combination of normalised scores over the union of both sides' candidates.

    Every candidate gets both of its scores (a BM25 score is looked up for dense candidates; a cosine is computed
    for lexical ones and for the ``extra_cosine`` candidates, such as papers found by title), each normalised by
    its side's maximum over the candidates (BM25 from 0, cosine from the ``cosine_floor``, where unrelated text
    sits for this embedder); then ``dense_weight * dense + (1 - dense_weight) * bm25``. Unlike rank fusion, a weak
    BM25 match of a chunk the embedder finds close can't outvote it, and a flat BM25 ranking (no query term is
    rare) adds little.

    ``title_cosine`` (chunk -> its paper's title cosine) joins the dense side as ``opts.title_match`` says.
    ``coverage`` is the share of the query BM25's best chunk holds (:meth:`rag.lexical.LexicalIndex.coverage`):
    above ``opts.coverage_floor`` it moves weight from the dense side to BM25 (``opts.coverage_shift``).
    """
    cos = {**extra_cosine, **cosine}
    ids = list(dict.fromkeys([*cosine, *lexical, *extra_cosine]))
    if not ids:
        return {}
    bm = index.scores_of(ids, bm25_scores)
    floor = opts.cosine_floor
    raw = np.array([cos.get(cid, floor) for cid in ids], dtype=np.float64)
    if title_cosine and opts.title_match != "off":
        t = np.array([title_cosine.get(cid, floor) for cid in ids], dtype=np.float64)
        tw = opts.title_weight
        raw = np.maximum(raw, t) if opts.title_match == "max" else (1 - tw) * raw + tw * t
    d = np.maximum(raw, floor) - floor
    d = d / d.max() if d.max() > 0 else d
    b = bm / bm.max() if bm.size and bm.max() > 0 else np.zeros(len(ids))
    w = opts.dense_weight
    if opts.adaptive and cosine and lexical:
        # Per query: when the two sides disagree about the top candidates (typical of paraphrases, where BM25
        # ranks on incidental words), shift weight toward the dense side.
        top = max(10, len(lexical) // 4)
        dense_top = sorted(cosine, key=lambda c: -cosine[c])[:top]
        agreement = len(set(dense_top) & set(lexical[:top])) / top
        w = w + opts.adaptive * (1 - w) * (1 - agreement)
    if opts.coverage_shift and coverage > opts.coverage_floor:
        # A query that BM25's best chunk holds nearly all of (a quoted passage) is BM25's to rank.
        w = w * (1 - opts.coverage_shift * (coverage - opts.coverage_floor) / (1 - opts.coverage_floor))
    return {cid: float(w * d[i] + (1 - w) * b[i]) for i, cid in enumerate(ids)}
