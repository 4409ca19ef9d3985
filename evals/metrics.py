"""Evaluation metrics: pure functions of rankings, citations, answers and flags.

Every metric scores one question (or one list of flags) and returns a float, or ``None`` when it is undefined for
that input (no gold titles, nothing cited, no key facts, no eligible questions). Averaging skips ``None`` (see
:func:`mean`), so a metric is always averaged over the questions it applies to, and the report says how many that
was. Titles are compared after :func:`rag.models.normalize_title`, so case, accents and LaTeX debris don't count
as misses; a title repeated in a ranking counts once, at its first rank.

The one impure helper is :func:`support_check`, which needs an embedder; it takes it as an argument.

Deliberately not here: running retrievers or backends, reading datasets, and any I/O (see ``evals.runner``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from rag.api import MARKER, Embedder, normalize_title, readable, split_sentences
from rag.api import terms as content_terms

# Faithfulness (support_check): an answer sentence is supported when some sentence of an abstract it cites is at
# least this similar (cosine of the MiniLM embeddings)...
SUPPORT_THRESHOLD = 0.7
# ...or when at least this share of its content terms (rag.text.terms) appear in the cited abstracts.
LEXICAL_THRESHOLD = 0.7
# Measured on the bundled corpus (evals/README.md, "Faithfulness"): against the abstract of the *most similar
# other* paper, 3.3% of abstract sentences find a sentence at cosine >= 0.7 (median 0.46) and 1.2% reach 0.7
# term overlap, so a claim is rarely credited to the wrong paper; a sentence with every fourth word dropped stays
# at cosine >= 0.7 to its original 95% of the time (median 0.90), so light rewording still counts. Both are above
# the answer chain's own attribution rule (Settings.evidence.support_sim and support_overlap; a test keeps them
# above), so the check is not circular.


def _titles(titles: Iterable[str]) -> list[str]:
    """Normalized titles, first occurrence kept, order preserved."""
    return list(dict.fromkeys(normalize_title(t) for t in titles))


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when none is defined."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


# --------------------------------------------------------------------------------------------- retrieval


def recall_at_k(ranked_titles: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """Share of the gold titles found in the top ``k`` of the ranking; None without gold."""
    wanted = set(_titles(gold))
    if not wanted:
        return None
    return len(wanted & set(_titles(ranked_titles)[:k])) / len(wanted)


def mrr(ranked_titles: Sequence[str], gold: Iterable[str]) -> float | None:
    """Reciprocal rank of the first gold title (0.0 when none is ranked); its mean over questions is MRR."""
    wanted = set(_titles(gold))
    if not wanted:
        return None
    for rank, title in enumerate(_titles(ranked_titles), start=1):
        if title in wanted:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked_titles: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """nDCG@k with binary relevance: sum of 1/log2(rank+1) over gold hits, over the best possible sum."""
    wanted = set(_titles(gold))
    if not wanted:
        return None
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, title in enumerate(_titles(ranked_titles)[:k], start=1)
        if title in wanted
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), k) + 1))
    return dcg / ideal


def full_recall(returned_titles: Sequence[str], gold: Iterable[str]) -> float | None:
    """Share of the gold titles anywhere in the returned list (list questions: is the list complete?)."""
    return recall_at_k(returned_titles, gold, len(returned_titles))


# --------------------------------------------------------------------------------------------- answers


def citation_precision(cited_titles: Sequence[str], gold: Iterable[str]) -> float | None:
    """Share of the distinct cited titles that are gold; None when nothing is cited."""
    cited = _titles(cited_titles)
    if not cited:
        return None
    wanted = set(_titles(gold))
    return sum(1 for t in cited if t in wanted) / len(cited)


def citation_recall(cited_titles: Sequence[str], gold: Iterable[str]) -> float | None:
    """Share of the gold titles that are cited; None without gold."""
    wanted = set(_titles(gold))
    if not wanted:
        return None
    return len(wanted & set(_titles(cited_titles))) / len(wanted)


def f1(precision: float | None, recall: float | None) -> float | None:
    """Harmonic mean of precision and recall; a missing precision (nothing cited) counts as 0."""
    if recall is None:
        return None
    p = precision or 0.0
    return 0.0 if p + recall == 0 else 2 * p * recall / (p + recall)


def _fact_text(text: str) -> str:
    # a key fact is copied from the abstract as written ("O(1/{\\alpha}^2)"); an answer shows it as read ("O(1/α^2)")
    text = unicodedata.normalize("NFKC", readable(text)).replace("\\", "")
    return " ".join(text.lower().split())


def key_fact_recall(answer: str, key_facts: Sequence[str]) -> float | None:
    """Share of the key facts found in the answer: case-insensitive, whitespace collapsed, backslashes dropped
    (``10\\%`` matches ``10%``). None when the question has no key facts."""
    if not key_facts:
        return None
    text = _fact_text(answer)
    return sum(1 for fact in key_facts if _fact_text(fact) in text) / len(key_facts)


def refusal_accuracy(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Share of the unanswerable questions whose answer was a refusal; None when all are answerable."""
    flags = [r for r, a in zip(refused, answerable, strict=True) if not a]
    return sum(flags) / len(flags) if flags else None


def false_refusal_rate(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Share of the answerable questions whose answer was a refusal; None when none is answerable."""
    flags = [r for r, a in zip(refused, answerable, strict=True) if a]
    return sum(flags) / len(flags) if flags else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) with linear interpolation between ranks (numpy's default); None if empty."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be in [0, 100], got {p}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# --------------------------------------------------------------------------------------------- faithfulness


def support_check(claims: Sequence[tuple[str, Sequence[str]]], embedder: Embedder) -> float | None:
    """Share of answer sentences supported by the abstracts they cite; None when there are no sentences.

    ``claims`` holds (sentence, texts of the sources it cites). A sentence is supported when its cosine similarity
    to some sentence of those texts is >= SUPPORT_THRESHOLD, or when >= LEXICAL_THRESHOLD of its content terms
    appear in them. A sentence citing nothing is unsupported.
    """
    if not claims:
        return None
    bare = [" ".join(MARKER.sub(" ", sentence).split()) for sentence, _ in claims]
    evidence = [[s for text in texts for s in split_sentences(text)] for _, texts in claims]
    flat = [s for group in evidence for s in group]
    vectors = embedder.embed_batch(bare + flat) if flat else np.zeros((0, 0))
    offset = len(bare)
    supported = 0
    for i, group in enumerate(evidence):
        if not group:
            continue
        sims = vectors[offset : offset + len(group)] @ vectors[i]
        offset += len(group)
        terms = content_terms(bare[i])
        lexical = len(terms & content_terms(" ".join(group))) / len(terms) if terms else 0.0
        if float(np.max(sims)) >= SUPPORT_THRESHOLD or lexical >= LEXICAL_THRESHOLD:
            supported += 1
    return supported / len(claims)
