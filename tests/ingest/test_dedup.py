"""Dedup: the bundled corpus's overlaps, and the merge rules on small hand-made records."""

from __future__ import annotations

from functools import lru_cache

import pytest

import rag  # noqa: F401  (sets the offline env before anything else is imported)
from ingest.dedup import DedupResult, deduplicate, merge
from ingest.readers import read_file
from rag.models import Paper, normalize_title
from support import BUNDLED_MERGES, BUNDLED_PAPERS, BUNDLED_RECORDS, PAGE_COUNTS, page_path

CONSTRAINED = "Constrained Optimization via Exact Augmented Lagrangian and Randomized Iterative Sketching"


@lru_cache(maxsize=1)
def bundled_records() -> tuple[Paper, ...]:
    records: list[Paper] = []
    for i in PAGE_COUNTS:
        result = read_file(page_path(i))
        assert result.rejections == []
        records.extend(result.papers)
    return tuple(records)


@lru_cache(maxsize=1)
def bundled_dedup() -> DedupResult:
    return deduplicate(bundled_records())


def paper(title: str, abstract: str = "An abstract.", source: str | None = None, **kw: object) -> Paper:
    return Paper(title=title, abstract=abstract, sources=[source or f"src-{title[:20]}"], **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- bundled corpus


def test_bundled_corpus_dedups_to_462_with_27_merges() -> None:
    result = bundled_dedup()
    assert len(bundled_records()) == BUNDLED_RECORDS
    assert len(result.papers) == BUNDLED_PAPERS
    assert result.merged == BUNDLED_MERGES
    assert len(result.papers) + result.merged == len(bundled_records())


def test_bundled_result_has_no_remaining_duplicates() -> None:
    papers = bundled_dedup().papers
    assert len({normalize_title(p.title) for p in papers}) == len(papers)
    assert len({p.paper_id for p in papers}) == len(papers)
    # Every input record's source survives in exactly one merged paper.
    all_sources = [s for p in papers for s in p.sources]
    assert sorted(all_sources) == sorted(s for r in bundled_records() for s in r.sources)


def test_constrained_optimization_has_five_sources_and_page_003_metadata() -> None:
    (merged,) = [p for p in bundled_dedup().papers if p.title == CONSTRAINED]
    assert len(merged.sources) == 5
    assert [s.rsplit(":", 1)[0] for s in merged.sources] == [str(page_path(i)) for i in PAGE_COUNTS]
    assert f"{page_path(3)}:297" in merged.sources
    assert merged.authors_count == 4
    assert merged.published == "May 28, 2023"
    assert merged.abstract.startswith("We consider solving equality-constrained nonlinear")


def test_bundled_order_is_first_seen() -> None:
    papers = bundled_dedup().papers
    seen: dict[str, int] = {}
    for index, record in enumerate(bundled_records()):
        seen.setdefault(normalize_title(record.title), index)
    first_seen_order = sorted(seen, key=seen.__getitem__)
    assert [normalize_title(p.title) for p in papers] == first_seen_order


# --------------------------------------------------------------------------------------------- merge rules


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Attention Is All You Need", "Attention  Is\tAll You   Need"),
        ("Attention Is All You Need", "attention is all you need"),
        ("ATTENTION IS ALL YOU NEED", "Attention is all you need "),
        ("Sparse Recovery with $\\ell_1$ Penalties", "Sparse recovery with \\ell_1 penalties"),
        ("Sparse Recovery with $\\ell_1$ Penalties", "Sparse Recovery with ell_1 Penalties"),
        ("\\emph{Fast} Transformers for Long Sequences", "Fast Transformers for Long Sequences"),
        ("{BERT} Rediscovers the Classical {NLP} Pipeline", "BERT Rediscovers the Classical NLP Pipeline"),
        ("\\textbf{Deep} Nets via $\\mathcal{O}(n)$ Search", "Deep nets via O(n) search"),
        ("Schrödinger Bridges Beat Diffusion Models", "Schrodinger Bridges Beat Diffusion Models"),
    ],
)
def test_title_variants_merge(first: str, second: str) -> None:
    result = deduplicate([paper(first, source="a:1"), paper(second, source="b:2")])
    assert result.merged == 1
    (merged,) = result.papers
    assert merged.sources == ["a:1", "b:2"]


def test_different_titles_do_not_merge() -> None:
    result = deduplicate(
        [
            paper("Attention Is All You Need"),
            paper("Attention Is Not All You Need"),
            paper("Attention Is All You Need 2"),
        ]
    )
    assert result.merged == 0
    assert len(result.papers) == 3


@pytest.mark.parametrize("yearless_first", [True, False])
def test_date_with_year_wins_over_yearless(yearless_first: bool) -> None:
    yearless = paper("Same Paper", published="Jun 12", source="a:1")
    dated = paper("same paper", published="Jun 12, 2024", source="b:2")
    records = [yearless, dated] if yearless_first else [dated, yearless]
    (merged,) = deduplicate(records).papers
    assert merged.published == "Jun 12, 2024"


def test_any_date_wins_over_none() -> None:
    (merged,) = deduplicate([paper("Same Paper"), paper("Same Paper", published="Jun 12")]).papers
    assert merged.published == "Jun 12"


@pytest.mark.parametrize("short_first", [True, False])
def test_longest_author_list_wins(short_first: bool) -> None:
    short = paper("Same Paper", authors=["A. One"], authors_count=1, source="a:1")
    long = paper("Same Paper", authors=["A. One", "B. Two", "C. Three"], authors_count=3, source="b:2")
    records = [short, long] if short_first else [long, short]
    (merged,) = deduplicate(records).papers
    assert merged.authors == ["A. One", "B. Two", "C. Three"]
    assert merged.authors_count == 3
    assert merged.n_authors == 3


def test_authors_count_from_page_kept_when_other_record_has_none() -> None:
    (merged,) = deduplicate([paper("Same Paper"), paper("Same Paper", authors_count=4)]).papers
    assert merged.authors_count == 4


def test_longest_abstract_and_max_upvotes_win() -> None:
    records = [
        paper("Same Paper", abstract="Short.", upvotes=3),
        paper("Same Paper", abstract="A much longer abstract.", upvotes=10),
        paper("Same Paper", abstract="Mid length.", upvotes=None),
    ]
    (merged,) = deduplicate(records).papers
    assert merged.abstract == "A much longer abstract."
    assert merged.upvotes == 10


def test_arxiv_id_match_merges_different_titles() -> None:
    records = [
        paper("Step-DPO: Step-wise Preference Optimization", arxiv_id="2406.18629", source="a.json#1"),
        paper("Unrelated Paper", source="b:1"),
        paper("Step-DPO (v2 title, renamed)", arxiv_id="2406.18629", source="c.json#4"),
    ]
    result = deduplicate(records)
    assert result.merged == 1
    assert result.papers[0].paper_id == "arxiv:2406.18629"
    assert result.papers[0].sources == ["a.json#1", "c.json#4"]
    assert result.papers[1].title == "Unrelated Paper"


def test_order_is_first_seen() -> None:
    records = [paper("Alpha"), paper("Beta"), paper("alpha"), paper("Gamma"), paper("BETA"), paper("Delta")]
    result = deduplicate(records)
    assert [normalize_title(p.title) for p in result.papers] == ["alpha", "beta", "gamma", "delta"]
    assert result.merged == 2


@pytest.mark.parametrize("arxiv_first", [True, False])
def test_paper_id_is_arxiv_when_any_duplicate_has_one(arxiv_first: bool) -> None:
    with_id = paper("Same Paper", arxiv_id="2401.00001", source="a.json#1")
    without = paper("Same Paper", source="b.txt:3")
    records = [with_id, without] if arxiv_first else [without, with_id]
    (merged,) = deduplicate(records).papers
    assert merged.arxiv_id == "2401.00001"
    assert merged.paper_id == "arxiv:2401.00001"


def test_later_arxiv_duplicate_matches_after_title_merge() -> None:
    # A page record (no id) and a JSON record (id) merge by title; a third with the id and another title joins them.
    records = [
        paper("Same Paper", source="page.txt:3"),
        paper("same  paper", arxiv_id="2401.00001", source="a.json#1"),
        paper("Renamed Paper", arxiv_id="2401.00001", source="b.json#1"),
    ]
    result = deduplicate(records)
    assert result.merged == 2
    (merged,) = result.papers
    assert merged.sources == ["page.txt:3", "a.json#1", "b.json#1"]


def test_sources_are_deduplicated_in_order() -> None:
    records = [paper("Same", source="x:1"), paper("Same", source="y:2"), paper("same", source="x:1")]
    (merged,) = deduplicate(records).papers
    assert merged.sources == ["x:1", "y:2"]


def test_merge_keeps_clean_title_over_latex_one() -> None:
    clean = paper("Sparse Recovery with L1 Penalties")
    latex = paper("Sparse Recovery with $L_1$ Penalties")  # longer, but LaTeX debris
    assert merge(clean, latex).title == "Sparse Recovery with L1 Penalties"


def test_merge_keeps_categories_of_first_non_empty() -> None:
    a = paper("Same", categories=[])
    b = paper("Same", categories=["cs.LG"])
    assert merge(a, b).categories == ["cs.LG"]
    assert merge(paper("Same", categories=["stat.ML"]), b).categories == ["stat.ML"]


def test_title_match_and_arxiv_match_are_transitive() -> None:
    records = [
        paper("Title One", source="page.txt:3"),  # no id
        paper("Title Two", arxiv_id="2401.00001", source="a.json#1"),
        paper("Title One", arxiv_id="2401.00001", source="b.json#1"),  # same paper as both
    ]
    result = deduplicate(records)
    assert len(result.papers) == 1
