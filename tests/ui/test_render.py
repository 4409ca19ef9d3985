"""The UI's pure HTML/Markdown helpers: what the page shows of titles, dates and exports."""

from __future__ import annotations

import pytest

from rag.types import Answer, CompareRow
from ui import render


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "MicroDreamer: Zero-shot 3D Generation in $\\sim$20 Seconds",
            "MicroDreamer: Zero-shot 3D Generation in ~20 Seconds",
        ),
        ("\\textbf{Bold} O($n^2$) and 95\\% $\\alpha$-tuning", "Bold O(n²) and 95% α-tuning"),
        ("It costs $5 and $10 a month", "It costs $5 and $10 a month"),  # prices are not math
        ("costs $5 for x_1 and $10", "costs $5 for x_1 and $10"),  # nor is prose between two prices
        ("a {\\em finite sample} bound, {\\it no extra price}", "a finite sample bound, no extra price"),
        ("O($\\sqrt{n}$) rate$^\\dagger$", "O(√n) rate†"),
        ("$\\mathcal{O}(n^2)$ with $W_{12}$", "O(n²) with W₁₂"),  # an unknown command in math is dropped
        ("a \\unknown command stays", "a \\unknown command stays"),
        ("No LaTeX at all", "No LaTeX at all"),
    ],
)
def test_plain_tex(raw: str, shown: str) -> None:
    assert render.plain_tex(raw) == shown


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


def test_compare_markdown_names_the_papers() -> None:
    rows = [
        CompareRow(1, "FlashAttention: Fast and Memory-Efficient Exact Attention", "a [1]", "b [1]", "c [1]"),
        CompareRow(2, "Monarch: Expressive Structured Matrices", "a [2]", "b [2]", "c [2]"),
    ]
    answer = Answer(
        "Compare these papers.", "| table |", False, [], [], "extractive", "extractive", table=rows
    )
    text = render.compare_markdown(answer, "speed")
    assert text.startswith("# Comparison: FlashAttention vs Monarch\n")
    assert "Asked: speed" in text and "| table |" in text
    assert "Compare these papers" not in text.splitlines()[0]
