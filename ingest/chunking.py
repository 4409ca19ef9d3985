"""Token-aware chunking of abstracts with llama-index's SentenceSplitter and tiktoken (cl100k_base).

An abstract within the budget stays whole (one chunk); a longer one is split at sentence boundaries (those of
:func:`rag.text.split_sentences`, the evidence splitter) into chunks of
at most ``size`` tokens that overlap by about ``overlap`` tokens. The budget counts the abstract text only: the title
is prepended when embedding (see :attr:`rag.models.Chunk.embed_text`), and the default 200 leaves room for it in the
embedder's 256-wordpiece window (see ``ChunkSettings`` for the reasoning).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rag.config import ChunkSettings
from rag.models import Chunk, Paper
from rag.text import sentence_spans
from rag.tokens import encoding


@lru_cache(maxsize=8)
def _splitter(size: int, overlap: int, encoding_name: str) -> Any:
    # Imported here: llama_index.core costs ~1.5 s to import, and an unchanged re-ingest never splits anything.
    from llama_index.core.node_parser import SentenceSplitter

    enc = encoding(encoding_name)
    return SentenceSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        tokenizer=lambda text: enc.encode(text, disallowed_special=()),
        # The evidence splitter: chunk boundaries are the sentence boundaries answers quote and cite.
        chunking_tokenizer_fn=sentence_spans,
    )


def _split(text: str, settings: ChunkSettings) -> list[str]:
    """SentenceSplitter's chunks, re-cut a little smaller if any exceeds the budget.

    The splitter budgets words with their leading space and then strips the chunk, which can add a token per
    chunk at small sizes; shrinking its target by the excess keeps the promise ``tokens <= size``.
    """
    enc = encoding(settings.encoding)
    target = settings.size
    while True:
        overlap = min(settings.overlap, target - 1)
        texts = [t for t in _splitter(target, overlap, settings.encoding).split_text(text) if t]
        excess = max(len(enc.encode(t, disallowed_special=())) for t in texts) - settings.size
        if excess <= 0 or target <= 8:
            return texts
        target -= excess


def chunk_paper(paper: Paper, settings: ChunkSettings) -> list[Chunk]:
    """The chunks of one paper's abstract, each carrying the paper's id and title."""
    enc = encoding(settings.encoding)
    n_tokens = len(enc.encode(paper.abstract, disallowed_special=()))
    if n_tokens <= settings.size:
        texts = [paper.abstract]
    else:
        texts = _split(paper.abstract, settings)
    return [
        Chunk(
            paper_id=paper.paper_id,
            index=i,
            n_chunks=len(texts),
            text=text,
            title=paper.title,
            tokens=n_tokens if len(texts) == 1 else len(enc.encode(text, disallowed_special=())),
        )
        for i, text in enumerate(texts)
    ]
