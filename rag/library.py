"""Finding stored papers by what people type: words of a title (``papers --search``) or a reference to one paper
(``compare --paper``: an id, a title, or enough of one).

Pure functions over titles and :class:`rag.types.StoredPaper` lists; reading the papers is the store's job.
Deliberately not here: ranking by meaning (that is retrieval's), or fuzzy spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.models import normalize_title
from rag.types import StoredPaper

CANDIDATES_SHOWN = 5  # papers an ambiguous or unknown reference lists


def _word_key(word: str) -> str:
    # A trailing plural "s" is dropped, so "lora" finds "LoRAs"; short words keep theirs ("gas", "ms").
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def word_keys(text: str) -> set[str]:
    """The words of ``text`` as they are compared: folded as :func:`rag.models.normalize_title` folds titles,
    and without a plural "s"."""
    return {_word_key(w) for w in normalize_title(text).split()}


def has_words(query: str, text: str) -> bool:
    """Whether every word of ``query`` is a whole word of ``text`` (case-insensitive; a word matches its plural in
    "s"): "lora" finds "LoRA" and "LoRAs", never "exp-lora-tion"."""
    return word_keys(query) <= word_keys(text)


def _id_key(paper_id: str) -> str:
    # "arxiv:2205.14135" as stored, "arXiv:2205.14135" as printed on papers, "2205.14135" as people copy it
    return paper_id.strip().lower().removeprefix("arxiv:")


@dataclass
class PaperRef:
    """What a reference to one paper found: the ``paper``, or else up to CANDIDATES_SHOWN ``candidates`` (of
    ``matches`` papers that all fit, or, when none fits, those sharing the most words with the reference)."""

    paper: StoredPaper | None
    candidates: list[StoredPaper] = field(default_factory=list)
    matches: int = 0


def find_paper(ref: str, papers: Sequence[StoredPaper]) -> PaperRef:
    """The paper ``ref`` names.

    Tried in order, the first rule that some paper meets decides: its id; its whole title (case-insensitive); every
    word of ``ref`` as a word of the title; ``ref`` as a substring of the title. A rule met by one paper names it;
    met by several, they are the candidates.
    """
    if not ref.strip():
        return PaperRef(None, [], 0)
    key = normalize_title(ref)
    rules = (
        lambda p: _id_key(p.paper_id) == _id_key(ref),
        lambda p: normalize_title(p.title) == key,
        lambda p: has_words(ref, p.title),
        lambda p: bool(key) and key in normalize_title(p.title),
    )
    for rule in rules:
        met = [p for p in papers if rule(p)]
        if len(met) == 1:
            return PaperRef(met[0], [], 1)
        if met:
            return PaperRef(None, sorted(met, key=lambda p: p.title.lower())[:CANDIDATES_SHOWN], len(met))
    wanted = word_keys(ref)
    shared = [(len(wanted & word_keys(p.title)), p) for p in papers]
    near = sorted((x for x in shared if x[0]), key=lambda x: (-x[0], x[1].title.lower()))
    return PaperRef(None, [p for _, p in near[:CANDIDATES_SHOWN]], 0)
