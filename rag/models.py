"""What ingest produces and the store keeps: ``Paper`` records and their ``Chunk``s, and the title key they dedup on.

Result types (search hits, answers, stored papers) are in :mod:`rag.types`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.text import strip_invisible

_LATEX_CMD = re.compile(r"\\(?:textbf|textit|emph|mathrm|mathbf|mathcal|text|it|bf|rm)\b")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_NON_LETTER = re.compile(r"[\W_]+")  # any script's letters and digits


def normalize_title(title: str) -> str:
    """Fold case, accents, whitespace and LaTeX debris ($, \\emph{}, braces) to compare titles."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _LATEX_CMD.sub(" ", text).replace("$", " ").replace("{", " ").replace("}", " ").replace("\\", " ")
    latin = _NON_WORD.sub(" ", text.lower()).strip()
    # A title in another script ("深度学习", "Новый метод") keeps its own letters: folded to a-z it would be empty,
    # and every such title one key. (Latin titles keep the a-z key, so stored ids don't change.)
    return latin or _NON_LETTER.sub(" ", text.lower()).strip()


def clean_text(text: str) -> str:
    """Invisible characters removed (:func:`rag.text.strip_invisible`), runs of whitespace collapsed to one space."""
    return " ".join(strip_invisible(text).split())


@dataclass
class Paper:
    """One paper: what the readers produce and the store keeps (per chunk, in metadata)."""

    title: str
    abstract: str
    arxiv_id: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_count: int | None = None
    published: str | None = None  # as the source wrote it: "2023-03-07", "Mar 7, 2023" or "Jun 12"
    upvotes: int | None = None
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # "file:line" or "file#record"

    @property
    def paper_id(self) -> str:
        """The arXiv id where one is known, otherwise a hash of the normalized title."""
        if self.arxiv_id:
            return "arxiv:" + self.arxiv_id
        key = (
            normalize_title(self.title) or self.title.strip()
        )  # a title of symbols only ("🚀🔥") is its own key
        return "t:" + hashlib.sha256(key.encode()).hexdigest()[:16]

    @property
    def n_authors(self) -> int | None:
        return len(self.authors) if self.authors else self.authors_count

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["paper_id"] = self.paper_id
        return data


@dataclass
class Chunk:
    """A piece of one abstract, with enough of its paper to be cited on its own."""

    paper_id: str
    index: int
    n_chunks: int
    text: str  # the abstract slice
    title: str
    tokens: int

    @property
    def chunk_id(self) -> str:
        return f"{self.paper_id}#{self.index}"

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the title gives every chunk its paper's context."""
        return f"{self.title}\n\n{self.text}"
