"""Merge duplicate paper records.

Two records are the same paper when they share an arXiv id, or when their titles are equal after folding case,
whitespace, accents and LaTeX debris (see :func:`rag.models.normalize_title`). The merged record keeps the richest
metadata of the group (the longest abstract, a dated-with-year date over a yearless one, the longest author list)
and every source it came from, in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag.models import Paper, normalize_title

_HAS_YEAR = re.compile(r"\d{4}")


@dataclass
class DedupResult:
    papers: list[Paper]
    merged: int  # records folded into another one


def _date_rank(date: str | None) -> int:
    if not date:
        return 0
    return 2 if _HAS_YEAR.search(date) else 1


def merge(a: Paper, b: Paper) -> Paper:
    """One record from two records of the same paper; ``a`` wins ties."""
    title = a.title if len(a.title) >= len(b.title) or "$" in b.title or "\\" in b.title else b.title
    authors = a.authors if len(a.authors) >= len(b.authors) else b.authors
    counts = [c for c in (a.authors_count, b.authors_count) if c is not None]
    return Paper(
        title=title,
        abstract=a.abstract if len(a.abstract) >= len(b.abstract) else b.abstract,
        arxiv_id=a.arxiv_id or b.arxiv_id,
        authors=authors,
        authors_count=max(counts) if counts else None,
        published=a.published if _date_rank(a.published) >= _date_rank(b.published) else b.published,
        upvotes=max((u for u in (a.upvotes, b.upvotes) if u is not None), default=None),
        categories=a.categories or b.categories,
        sources=list(dict.fromkeys([*a.sources, *b.sources])),
    )


def deduplicate(papers: Iterable[Paper]) -> DedupResult:
    """Fold records of the same paper together (transitively), keeping first-seen order."""
    records = list(papers)
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, paper in enumerate(records):
        keys = ["t:" + normalize_title(paper.title)] + (["a:" + paper.arxiv_id] if paper.arxiv_id else [])
        for key in keys:
            if key in first_with:
                a, b = find(first_with[key]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)  # the earliest record stays the root
            else:
                first_with[key] = i
    groups: dict[int, Paper] = {}
    for i, paper in enumerate(records):
        root = find(i)
        groups[root] = merge(groups[root], paper) if root in groups else paper
    merged_papers = [groups[root] for root in sorted(groups)]
    return DedupResult(merged_papers, len(records) - len(merged_papers))
