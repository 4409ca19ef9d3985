"""Chunking: token budgets (checked against tiktoken directly), overlap, coverage, and the embedder's window."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import pytest
import tiktoken

import rag  # noqa: F401  (must come first: points tiktoken at the offline cache)
from ingest.chunking import chunk_paper
from ingest.dedup import deduplicate
from ingest.readers import read_file
from rag.config import ChunkSettings
from rag.embeddings import MAX_WORDPIECES, LocalOnnxEmbedder
from rag.models import Chunk, Paper
from support import BUNDLED_PAPERS, PAGE_COUNTS, page_path

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@lru_cache(maxsize=1)
def reference_encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base")


def ref_tokens(text: str) -> int:
    return len(reference_encoding().encode(text))


@lru_cache(maxsize=1)
def bundled_papers() -> tuple[Paper, ...]:
    records: list[Paper] = []
    for i in PAGE_COUNTS:
        records.extend(read_file(page_path(i)).papers)
    papers = tuple(deduplicate(records).papers)
    assert len(papers) == BUNDLED_PAPERS
    return papers


@lru_cache(maxsize=8)
def bundled_chunks(size: int = 200, overlap: int = 40) -> tuple[tuple[Paper, tuple[Chunk, ...]], ...]:
    settings = ChunkSettings(size=size, overlap=overlap)
    return tuple((p, tuple(chunk_paper(p, settings))) for p in bundled_papers())


def squash(text: str) -> str:
    """Whitespace-insensitive form, to compare chunk text with the abstract."""
    return "".join(text.split())


def shared_text(a: str, b: str) -> int:
    """Length of the longest suffix of ``a`` that is a prefix of ``b`` (whitespace ignored)."""
    a, b = squash(a), squash(b)
    for k in range(min(len(a), len(b)), 0, -1):
        if a[-k:] == b[:k]:
            return k
    return 0


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def prefix_with(text: str, n_chars: int) -> str:
    """The shortest prefix of ``text`` holding ``n_chars`` non-whitespace characters."""
    seen = 0
    for i, ch in enumerate(text):
        if seen == n_chars:
            return text[:i]
        seen += not ch.isspace()
    return text


def check_in_order_cover(paper: Paper, chunks: tuple[Chunk, ...] | list[Chunk]) -> None:
    """Chunks are slices of the abstract, in order, with no gap between them and none at either end."""
    abstract = squash(paper.abstract)
    prev_start, end = -1, 0
    for chunk in chunks:
        piece = squash(chunk.text)
        start = abstract.find(piece, max(prev_start + 1, end - len(piece)))
        assert start >= 0, (paper.title, chunk.index, "chunk is not a slice of the abstract")
        assert prev_start < start <= end, (paper.title, chunk.index, "gap or reordering")
        prev_start, end = start, start + len(piece)
    assert end == len(abstract), (paper.title, "abstract tail not covered")


def check_sentences_covered(paper: Paper, chunks: tuple[Chunk, ...] | list[Chunk]) -> None:
    for sentence in sentences(paper.abstract):
        assert any(sentence in chunk.text for chunk in chunks), (paper.title, sentence)


def check_covers(paper: Paper, chunks: tuple[Chunk, ...] | list[Chunk]) -> None:
    check_in_order_cover(paper, chunks)
    check_sentences_covered(paper, chunks)


# --------------------------------------------------------------------------------------------- whole corpus


def test_every_chunk_token_count_matches_tiktoken_and_fits() -> None:
    n_chunks = 0
    for paper, chunks in bundled_chunks():
        assert chunks, paper.title
        for chunk in chunks:
            assert chunk.tokens == ref_tokens(chunk.text), (paper.title, chunk.index)
            assert chunk.tokens <= 200, (paper.title, chunk.index, chunk.tokens)
            n_chunks += 1
    assert n_chunks > len(bundled_papers())  # some abstracts really were split


def test_abstract_within_budget_is_one_chunk_equal_to_it() -> None:
    short = [(p, c) for p, c in bundled_chunks() if ref_tokens(p.abstract) <= 200]
    assert len(short) >= 50  # the corpus has plenty of these, so the test is not vacuous
    for paper, chunks in short:
        assert len(chunks) == 1, paper.title
        (chunk,) = chunks
        assert chunk.text == paper.abstract
        assert chunk.tokens == ref_tokens(paper.abstract)
        assert (chunk.index, chunk.n_chunks) == (0, 1)


def test_long_abstracts_split_into_ordered_chunks_covering_every_sentence() -> None:
    long = [(p, c) for p, c in bundled_chunks() if ref_tokens(p.abstract) > 200]
    assert len(long) >= 100
    for paper, chunks in long:
        assert len(chunks) >= 2, paper.title
        assert [c.index for c in chunks] == list(range(len(chunks)))
        assert {c.n_chunks for c in chunks} == {len(chunks)}
        assert len({c.chunk_id for c in chunks}) == len(chunks)
        check_covers(paper, chunks)


def test_long_abstracts_have_some_overlapping_chunks() -> None:
    pairs = [(a, b) for _, chunks in bundled_chunks() for a, b in itertools.pairwise(chunks)]
    overlapping = [(a, b) for a, b in pairs if shared_text(a.text, b.text) > 0]
    assert len(pairs) >= 300
    assert len(overlapping) >= len(pairs) // 2
    for a, b in overlapping:
        shared = prefix_with(b.text, shared_text(a.text, b.text))
        assert len(shared) < len(b.text), "a chunk must not be all overlap"
        assert ref_tokens(shared) <= 40 + 2, (a.title, a.index, shared)  # about `overlap` tokens


def test_chunks_carry_title_and_paper_id() -> None:
    for paper, chunks in bundled_chunks():
        for chunk in chunks:
            assert chunk.title == paper.title
            assert chunk.paper_id == paper.paper_id
            assert chunk.chunk_id == f"{paper.paper_id}#{chunk.index}"
            assert chunk.embed_text.startswith(paper.title)
            assert chunk.embed_text == f"{paper.title}\n\n{chunk.text}"


def test_title_plus_chunk_fits_embedder_window(local_embedder: LocalOnnxEmbedder) -> None:
    emb = local_embedder
    # count_wordpieces counts [CLS] and [SEP] itself (the tokenizer's post-processor adds them) ...
    assert emb.count_wordpieces("") == 2
    assert emb.count_wordpieces("hello world") == 4
    worst = 0
    for paper, chunks in bundled_chunks():
        for chunk in chunks:
            # ... so this is count + 0 for them; the brief's "+ 2" would count them twice.
            n = emb.count_wordpieces(chunk.embed_text)
            worst = max(worst, n)
            assert n <= MAX_WORDPIECES, (paper.title, chunk.index, n)
    assert MAX_WORDPIECES == 256
    assert worst > 200  # the check is close to the bound, not trivially satisfied


# --------------------------------------------------------------------------------------------- custom sizes


@pytest.mark.parametrize(
    ("size", "overlap"),
    [
        (64, 16),
        (96, 24),
        (128, 64),
        (32, 0),
        (48, 0),
    ],
)
def test_small_custom_sizes_respect_bound(size: int, overlap: int) -> None:
    for paper, chunks in bundled_chunks(size, overlap):
        for chunk in chunks:
            assert chunk.tokens == ref_tokens(chunk.text)
            assert chunk.tokens <= size, (paper.title, chunk.index, chunk.tokens)
        if ref_tokens(paper.abstract) > size:
            assert len(chunks) >= 2
        check_in_order_cover(paper, chunks)


def test_short_sentences_give_overlapping_chunks() -> None:
    abstract = " ".join(f"Finding number {n} holds for model {n}." for n in range(1, 61))
    paper = Paper(title="Many Small Findings", abstract=abstract)
    settings = ChunkSettings()
    chunks = chunk_paper(paper, settings)
    assert ref_tokens(abstract) > 2 * settings.size
    assert len(chunks) >= 3
    for a, b in itertools.pairwise(chunks):
        shared = shared_text(a.text, b.text)
        assert shared > 0, a.index
        # The shared text is whole sentences: b starts with a sentence that a also has.
        first_sentence = sentences(b.text)[0]
        assert first_sentence in a.text
        overlap_tokens = ref_tokens(b.text[: b.text.find(first_sentence) + len(first_sentence)])
        assert overlap_tokens <= settings.overlap
    check_covers(paper, chunks)


def test_overlap_zero_gives_disjoint_chunks() -> None:
    abstract = " ".join(f"Finding number {n} holds for model {n}." for n in range(1, 61))
    chunks = chunk_paper(Paper(title="T", abstract=abstract), ChunkSettings(size=64, overlap=0))
    assert len(chunks) >= 5
    assert squash("".join(c.text for c in chunks)) == squash(abstract)


def test_chunk_at_exact_budget_stays_whole() -> None:
    enc = reference_encoding()
    text = "Finding holds. " * 200
    ids = enc.encode(text)[:200]
    abstract = enc.decode(ids).strip()
    n = ref_tokens(abstract)
    chunks = chunk_paper(Paper(title="T", abstract=abstract), ChunkSettings(size=n, overlap=0))
    assert [c.text for c in chunks] == [abstract]
    assert chunks[0].tokens == n
    assert len(chunk_paper(Paper(title="T", abstract=abstract), ChunkSettings(size=n - 1, overlap=0))) >= 2
