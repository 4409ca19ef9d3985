"""Merge duplicate paper records.

Two records are the same paper when they share an arXiv id, or when their titles are equal after folding case,
whitespace, accents and LaTeX debris (see :func:`rag.models.normalize_title`). The merged record keeps the richest
metadata of the group (the longest abstract, a dated-with-year date over a yearless one, the longest author list)
and every source it came from, in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

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


MAX_SOURCES = (
    100  # sources kept per paper: a page that repeats one title 20,000 times is not 20,000 citations
)


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
        sources=list(dict.fromkeys([*a.sources, *b.sources]))[:MAX_SOURCES],
    )


def _merge_group(group: list[Paper]) -> Paper:
    """One record from all records of a paper, in linear time: the fields fold pairwise, the sources once."""
    merged = group[0]
    sources: dict[str, None] = dict.fromkeys(merged.sources)
    for paper in group[1:]:
        merged = merge(replace(merged, sources=[]), replace(paper, sources=[]))
        for source in paper.sources:
            if len(sources) >= MAX_SOURCES:
                break
            sources.setdefault(source)
    return replace(merged, sources=list(sources)[:MAX_SOURCES])


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
        title_key = normalize_title(paper.title) or paper.title.strip()  # symbols only: the title itself
        keys = ["t:" + title_key] + (["a:" + paper.arxiv_id] if paper.arxiv_id else [])
        for key in keys:
            if key in first_with:
                a, b = find(first_with[key]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)  # the earliest record stays the root
            else:
                first_with[key] = i
    groups: dict[int, list[Paper]] = {}
    for i, paper in enumerate(records):
        groups.setdefault(find(i), []).append(paper)
    merged_papers = [_merge_group(groups[root]) for root in sorted(groups)]
    return DedupResult(merged_papers, len(records) - len(merged_papers))
