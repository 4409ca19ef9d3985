"""Compare questions: find the compared papers, then fill a cited side-by-side table from each paper's abstract.

Papers come from explicit ids (the UI's multi-select) or from the question: the phrases around "and", "vs", ","
after "compare" are each searched on their own, so "Compare FlashAttention and Monarch ..." retrieves evidence for
*each* paper instead of whatever the whole question retrieves best. Cells are sentences of that paper's abstract,
chosen by cue words and similarity to the question, and each ends with the paper's marker; a column the abstract
doesn't cover says so instead of guessing.
"""

from __future__ import annotations

import re

from rag.embeddings import Embedder
from rag.evidence import content_terms, overlap
from rag.retrieval import PaperHit, Retriever, SearchFilters, split_sentences

MAX_PAPERS = 5
NOT_STATED = "not stated in the abstract"
_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:compare|contrast|what(?:'s| is| are) the differences? between|how do(?:es)?)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_CUT = re.compile(
    r"\s+(?:in (?:how|terms of|their|what)|on (?:how|their)|regarding|with respect to|by (?:their|how))\b|[:?;(—]|,\s*(?:how|what|which)\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s+vs\.?\s+|\s+versus\s+|\s+with\s+", re.IGNORECASE)
# (pattern, weight) cues per column; a sentence's cue score is the weighted count of matches.
_CUES: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "approach": [
        (re.compile(r"\bwe (?:propose|introduce|present|develop|design|formulate)\b", re.IGNORECASE), 3.0),
        (
            re.compile(r"\b(?:framework|method|algorithm|approach|architecture|technique)\b", re.IGNORECASE),
            1.0,
        ),
    ],
    "data": [
        (re.compile(r"\b(?:datasets?|benchmarks?|corpora|corpus)\b", re.IGNORECASE), 2.0),
        (re.compile(r"\b(?:on|across|using)\s+(?:the\s+)?[A-Z][\w\-.]*\d*", re.UNICODE), 1.0),
        (re.compile(r"\b(?:experiments?|evaluat\w*|tasks?)\b", re.IGNORECASE), 0.5),
    ],
    "results": [
        (re.compile(r"\d+(?:\.\d+)?\s*(?:%|x\b|×|times)", re.IGNORECASE), 2.0),
        (
            re.compile(
                r"\b(?:outperform\w*|achiev\w*|improv\w*|speed-?ups?|state-of-the-art|faster|surpass\w*)",
                re.IGNORECASE,
            ),
            1.0,
        ),
    ],
}


def entities(question: str) -> list[str]:
    """The compared things named in a question ("Compare A and B in how ..." -> ["A", "B"])."""
    head = _CUT.split(_LEAD.sub("", question), maxsplit=1)[0]
    parts = [p.strip(" .,'\"") for p in _SPLIT.split(head)]
    return [p for p in parts if content_terms(p)][:MAX_PAPERS]


def pick_papers(
    retriever: Retriever, question: str, paper_ids: list[str] | None, filters: SearchFilters | None
) -> list[PaperHit]:
    """2-5 papers with their evidence for the question."""
    chosen: list[str] = list(dict.fromkeys(paper_ids or []))[:MAX_PAPERS]
    if not chosen:
        for name in entities(question):
            hits = retriever.search(name, k=3, filters=filters).hits
            if not hits:
                continue
            # Prefer a hit whose title names the entity; otherwise the top hit.
            best = max(hits[:3], key=lambda h: (overlap(content_terms(name), h.title) >= 0.5, -hits.index(h)))
            if best.paper_id not in chosen:
                chosen.append(best.paper_id)
        if len(chosen) < 2:
            for hit in retriever.search(question, k=3, filters=filters).hits:
                if hit.paper_id not in chosen and len(chosen) < 2:
                    chosen.append(hit.paper_id)
    out: list[PaperHit] = []
    for pid in chosen:
        scoped = SearchFilters(paper_ids=[pid])
        hits = retriever.search(question, k=1, filters=scoped).hits
        if hits:
            out.append(hits[0])
    abstracts = retriever.store.get_papers_metadata([h.paper_id for h in out])
    for hit in out:
        meta = abstracts.get(hit.paper_id, {})
        hit.abstract = meta.get("abstract", "")
    return out


def _pick(sentences: list[str], sims: list[float], column: str, used: set[int]) -> int | None:
    """The unused sentence with the best cue score (plus similarity to the question); None if none has a cue."""
    scored = []
    for i, sentence in enumerate(sentences):
        cue = sum(weight * len(p.findall(sentence)) for p, weight in _CUES[column])
        if cue and i not in used:
            scored.append((cue + sims[i], i))
    return max(scored)[1] if scored else None


def _clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def build_table(embedder: Embedder, question: str, sources: list) -> list:
    """One row per source: approach, data/benchmarks, key results, each a cited sentence of its abstract."""
    from rag.answer import CompareRow

    rows = []
    qvec = embedder.embed_batch([question])[0]
    for src in sources:
        sentences = split_sentences(src.text)
        if not sentences:
            continue
        vecs = embedder.embed_batch(sentences)
        sims = [float(v @ qvec) for v in vecs]
        used: set[int] = set()
        cells: dict[str, str] = {}
        for column in ("approach", "results", "data"):
            i = _pick(sentences, sims, column, used)
            if i is None and column == "approach":
                i = max(range(len(sentences)), key=lambda j: sims[j])
            if i is None:
                cells[column] = NOT_STATED
            else:
                used.add(i)
                cells[column] = f"{_clip(sentences[i].rstrip('.'))} [{src.n}]"
        rows.append(CompareRow(src.n, src.title, cells["approach"], cells["data"], cells["results"]))
        src.support = cells["approach"]
    return rows
