"""rag.library: whole-word title search and resolving a reference to one stored paper. Pure functions, milliseconds;
then the same rules through rag.api on a real store (the CLI's papers --search and compare --paper: tests/test_cli*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import api
from rag.config import Settings
from rag.errors import RagError
from rag.library import CANDIDATES_SHOWN, PaperRef, find_paper, has_words
from rag.types import StoredPaper
from support import FORESTS, MOLECULES, ROUTING, write_jsonl


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("lora", "Chain of LoRA: Efficient Fine-tuning", True),
        ("LoRA", "Mixing LoRAs for multi-task tuning", True),  # a trailing plural "s"
        ("loras", "Chain of LoRA", True),  # and the other way round
        ("lora", "Efficient Exploration for LLMs", False),  # inside another word
        ("lora", "LQ-LoRA: Low-rank Plus Quantized", True),  # a hyphen separates words
        ("low rank", "Low-rank adapters", True),  # every word, in any order
        ("rank low", "Low-rank adapters", True),
        ("low rank sparse", "Low-rank adapters", False),  # every word must be there
        ("attention", "FlashAttention: Fast and Memory-Efficient Exact Attention", True),
        ("flash", "FlashAttention: Fast and Memory-Efficient Exact Attention", False),
        ("gas", "Ga: a model", False),  # short words keep their "s"
        ("Müller", "Learning from Muller", True),  # accents fold as titles do
    ],
)
def test_has_words(query: str, text: str, found: bool) -> None:
    assert has_words(query, text) is found


def paper(paper_id: str, title: str) -> StoredPaper:
    return StoredPaper(paper_id, title, "", None, None, [], 1)


LIBRARY = [
    paper("t:1", "Chain of LoRA: Efficient Fine-tuning of Language Models"),
    paper("t:2", "LQ-LoRA: Low-rank Plus Quantized Matrix Decomposition"),
    paper("arxiv:2205.14135", "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"),
    paper("t:4", "Efficient Exploration for LLMs"),
    paper("t:5", "Monarch"),
    paper("t:6", "Monarch Mixer: A Simple Sub-Quadratic GEMM-Based Architecture"),
]


@pytest.mark.parametrize(
    ("ref", "paper_id"),
    [
        ("t:2", "t:2"),  # an id
        ("arxiv:2205.14135", "arxiv:2205.14135"),  # as stored
        ("2205.14135", "arxiv:2205.14135"),  # as people copy it
        ("arXiv:2205.14135", "arxiv:2205.14135"),  # as the paper card prints it
        ("monarch", "t:5"),  # the whole title wins over "Monarch Mixer", whose title also has the word
        ("chain of lora: efficient fine-tuning of language models", "t:1"),  # exact, any case
        ("chain lora", "t:1"),  # words only one title has
        ("flashattention", "arxiv:2205.14135"),
        ("quantized matrix", "t:2"),
        ("explor", "t:4"),  # no word matches: a part of one title
        ("monarch mix", "t:6"),
    ],
)
def test_find_paper_names_one(ref: str, paper_id: str) -> None:
    found = find_paper(ref, LIBRARY)
    assert found.paper is not None and found.paper.paper_id == paper_id
    assert found.candidates == []


def test_a_reference_several_titles_fit_lists_them() -> None:
    found = find_paper("lora", LIBRARY)
    assert found.paper is None and found.matches == 2
    assert [p.paper_id for p in found.candidates] == ["t:1", "t:2"]  # sorted by title


def test_candidates_are_capped() -> None:
    many = [paper(f"t:{i}", f"Attention study {i}") for i in range(9)]
    found = find_paper("attention", many)
    assert found.paper is None and found.matches == 9 and len(found.candidates) == CANDIDATES_SHOWN


def test_an_unknown_reference_lists_the_closest_titles() -> None:
    found = find_paper("efficient quantum lora", LIBRARY)
    assert found.paper is None and found.matches == 0
    # Two of its words in each LoRA title, one in the others that share a word.
    assert [p.paper_id for p in found.candidates] == ["t:1", "t:4", "arxiv:2205.14135", "t:2"]
    assert find_paper("zebra", LIBRARY).candidates == []
    for empty in ("", "   "):  # names nothing (it would otherwise be "every word of it" in every title)
        assert find_paper(empty, LIBRARY) == PaperRef(None, [], 0)


def test_api_papers_and_find_paper_on_a_store(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    api.ingest([write_jsonl(tmp_path / "p.jsonl", [ROUTING, FORESTS, MOLECULES])], settings)
    # The UI's Library tab calls exactly this.
    assert [p.title for p in api.papers("model", abstracts=True, settings=settings)] == [
        MOLECULES["title"],  # "the model reduces ..." in its abstract
        ROUTING["title"],  # "Small Language Models": a plural
    ]
    assert [p.title for p in api.papers("model", settings=settings)] == [ROUTING["title"]]
    assert api.find_paper("quantile forests", settings).title == FORESTS["title"]
    assert api.find_paper(f"arxiv:{ROUTING['id']}", settings).title == ROUTING["title"]
    assert api.find_paper(ROUTING["id"], settings).title == ROUTING["title"]  # the bare arXiv id
    with pytest.raises(RagError, match=r"'for' matches 3 papers: arxiv:2406\.00003 \"Graph Attention"):
        api.find_paper("for", settings)
