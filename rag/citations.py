"""Citation markers: parse ``[n]`` markers in an answer, check each against the source it names, repair or drop.

A marker is kept only when the sentence it ends is supported by that source (:func:`rag.evidence.best_support`).
A marker naming a missing source, or a source that doesn't support the sentence, is moved to the source that does,
or removed when none does. So a claim is never left attributed to the wrong paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.embeddings import Embedder
from rag.evidence import best_support
from rag.retrieval import split_sentences

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def markers(text: str) -> list[int]:
    """All source numbers cited in ``text``, in order of first appearance."""
    found: list[int] = []
    for m in MARKER.finditer(text):
        for part in re.split(r"[,;]", m[1]):
            n = int(part)
            if n not in found:
                found.append(n)
    return found


def strip_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:])", r"\1", MARKER.sub("", text)).strip()


@dataclass
class Validation:
    text: str
    removed: int  # markers dropped (no supporting source)
    repaired: int  # markers moved to the source that supports the sentence


def validate(answer: str, sources: dict[int, str], embedder: Embedder) -> Validation:
    """Re-check every cited sentence against its sources; ``sources`` maps n -> the text given to the model."""
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
            keep = []
            for n in cited:
                if n in sources and best_support(bare, [(n, sources[n])], embedder)[0] == n:
                    keep.append(n)
            if not keep:
                n_best, _ = best_support(bare, list(sources.items()), embedder)
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
