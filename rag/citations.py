"""Citation checking: every ``[n]`` an answer carries is checked against the source it names, repaired or dropped.

A marker is kept only when the sentence it ends is supported by that source (:meth:`rag.evidence.Evidence.support`).
A marker naming a missing source, or a source that doesn't support the sentence, is moved to the source that does,
or removed when none does. So a claim is never left attributed to the wrong paper. Base models, which don't cite
reliably, get each sentence attributed instead (:func:`attribute`).

The marker format itself (and the "Cited papers:" tail) is defined in :mod:`rag.text`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rag.evidence import Evidence
from rag.text import cite, markers, split_sentences, strip_markers
from rag.types import Citation, Source


@dataclass
class Validation:
    text: str
    removed: int  # markers dropped (no supporting source)
    repaired: int  # markers moved to the source that supports the sentence


def validate(answer: str, evidence: Evidence, given: Collection[int]) -> Validation:
    """Re-check every cited sentence of ``answer`` against the sources numbered ``given`` (those the model saw)."""
    removed = repaired = 0
    out_lines = []
    for line in answer.splitlines():
        out_sentences = []
        for sentence in split_sentences(line) if line.strip() else [line]:
            cited = markers(sentence)
            if not cited:
                out_sentences.append(sentence)
                continue
            bare = strip_markers(sentence)
            keep = [n for n in cited if n in given and evidence.support(bare, [n])[0] == n]
            if not keep:
                n_best, _ = evidence.support(bare, given)
                if n_best is not None:
                    keep, repaired = [n_best], repaired + 1
                else:
                    removed += len(cited)
            else:
                removed += len(cited) - len(keep)
            tail = "".join(f"[{n}]" for n in keep)
            end = bare[-1] if bare and bare[-1] in ".!?" else ""
            body = bare[:-1] if end else bare
            out_sentences.append(f"{body} {tail}{end}".replace(" .", ".") if tail else bare)
        out_lines.append(" ".join(out_sentences))
    return Validation("\n".join(out_lines), removed, repaired)


def attribute(raw: str, evidence: Evidence, given: Collection[int]) -> str:
    """A base model's output with each sentence cited by the source that supports it; unsupported ones dropped."""
    kept = []
    for sentence in split_sentences(strip_markers(raw)):
        n, _ = evidence.support(sentence, given)
        if n is not None:
            kept.append(cite(sentence, n))
    return " ".join(kept)


def cited_list(text: str, sources: list[Source]) -> list[Citation]:
    """The sources ``text`` cites, in order of first citation."""
    by_n = {s.n: s for s in sources}
    return [Citation(n, by_n[n].title, by_n[n].paper_id) for n in markers(text) if n in by_n]


def mark_support(text: str, sources: list[Source], evidence: Evidence) -> None:
    """Set each cited source's ``support`` to the sentence of it that ``text`` relies on (for highlighting)."""
    by_n = {s.n: s for s in sources}
    for sentence in split_sentences(text):
        for n in markers(sentence):
            if n in by_n and not by_n[n].support:
                by_n[n].support = evidence.highlight(n, strip_markers(sentence))
