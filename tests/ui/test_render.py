"""The UI's pure HTML/Markdown helpers: what the page shows of titles, dates and exports."""

from __future__ import annotations

import pytest

from rag.types import NOT_STATED, Column, Grid, GridCell, GridRow
from ui import render


def test_titles_are_shown_without_latex_and_escaped() -> None:
    html = render.show("A <b> in $\\sim$20 s")
    assert html == "A &lt;b&gt; in ~20 s"


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("May 22, 2022", "May 22, 2022"),
        ("2024-01-02", "Jan 2, 2024"),
        ("Jun 12", "Jun 12"),
        ("May 2023", "May 2023"),  # no day is made up from the year's digits
        ("12 Jun 2023", "Jun 12, 2023"),
        (None, ""),
        ("2023", "2023"),
    ],
)
def test_one_date_style(published: str | None, shown: str) -> None:
    assert render.display_date(published) == shown


def test_keyed_highlight_marks_each_sentence_once() -> None:
    abstract = "We propose X. It runs on  ImageNet. It is 3x faster."
    html, keys = render.keyed_highlight(
        abstract,
        ["It runs on ImageNet.", "", "It is 3x faster.", "It runs on ImageNet.", "Not there.", "X. It"],
    )
    # whitespace-insensitive; a sentence given twice shares its mark; a missing or overlapping one gets none
    assert keys == [0, None, 1, 0, None, None]
    assert html == (
        'We propose X. <mark class="cell-mark on" data-k="0">It runs on  ImageNet.</mark> '
        '<mark class="cell-mark on" data-k="1">It is 3x faster.</mark>'
    )


def grid() -> Grid:
    columns = [Column("Dataset", "Which datasets?"), Column("Model size")]
    rows = [
        GridRow(
            1,
            "t:1",
            "Alpha: A <b> Model",
            "May 2, 2024",
            [GridCell("We test on ImageNet.", True), GridCell(NOT_STATED, False)],
        ),
        GridRow(
            2, "t:2", "Beta", None, [GridCell(NOT_STATED, False), GridCell("It has 7B parameters.", True)]
        ),
    ]
    return Grid(columns, rows, "query", "vision models", 9)


def test_grid_table_cites_every_row_and_mutes_what_is_not_stated() -> None:
    abstracts = {"t:1": "Alpha is new. We test on ImageNet.", "t:2": "It has 7B parameters. Beta is big."}
    html = render.grid_html(grid(), abstracts)
    assert html.count('<span class="not-stated">not stated in the abstract</span>') == 2
    assert 'data-card="src-grid-1" data-mark="0">We test on ImageNet.' in html
    assert 'data-card="src-grid-2" data-mark="0">It has 7B parameters.' in html
    assert "Alpha: A &lt;b&gt; Model" in html and '<span class="grid-date">May 2, 2024</span>' in html
    assert '<span class="grid-q">Which datasets?</span>' in html and html.count("grid-q") == 1
    assert html.count('href="#src-grid-1"') == 2 and html.count('href="#src-grid-2"') == 2  # row and cell
    panel = render.grid_sources_html(grid(), abstracts, {})
    assert '<details class="src" id="src-grid-2">' in panel
    assert '<mark class="cell-mark on" data-k="0">It has 7B parameters.</mark> Beta is big.' in panel


def test_grid_markdown_says_where_the_rows_came_from() -> None:
    text = render.grid_markdown(grid())
    assert text.startswith("# Extraction grid: 2 papers × 2 columns\n")
    assert "Rows: the top 2 papers for “vision models”." in text
    assert "Columns: **Dataset** (Which datasets?); **Model size**." in text
    assert "| Paper | Dataset | Model size |" in text and "[2] Beta. paper-rag id: t:2" in text


def test_the_status_line_says_whether_a_refusal_answers_part_of_the_question() -> None:
    from rag.types import Answer, Citation

    refused = Answer("q", "The collection does not contain ...", True, [], [], "extractive", "extractive")
    assert "not answerable from the collection" in render.status_html(refused)
    assert "partly" not in render.status_html(refused)
    cited = [Citation(1, "Project and Forget", "p1")]
    partly = Answer("q", "... [1]", True, cited, [], "extractive", "extractive")
    assert "only partly answerable from the collection" in render.status_html(partly)
