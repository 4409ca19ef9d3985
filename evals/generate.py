"""Build ``evals/datasets/generated.jsonl``: one known-item retrieval query per unique bundled paper.

The query for a paper is made from its own abstract, never from its title, by a fixed rule:

1. Split the abstract into sentences (:func:`rag.text.split_sentences`).
2. In each sentence, drop every word that shares a content word with the title (compared lowercased and
   stemmed, so "Transformers" also drops "transformer"; a hyphenated word goes when any part matches) and every
   acronym or coined name (a word with a capital letter after its first character: "SSL", "EqMotion", "GPT-4").
   Title words that are stopwords ("the", "of") stay, so the text still reads. LaTeX debris (``\\``, ``$``,
   braces) is removed.
3. Keep the 25-word window of what is left with the highest *specificity*: the summed IDF (over the corpus's
   abstracts) of its distinct content terms (:func:`rag.text.terms`). Sentences with fewer than 6
   words left are skipped unless no sentence has 6.
4. The query is the most specific window over all sentences; ties go to the earlier sentence, then window.

So the query shares no content word with the title and says what is most particular to the paper, as a user
who remembers a detail but not the name might. It is still lifted from the abstract, so lexical retrievers have
an easier time here than on the hand-written ``curated.jsonl`` set; that is why both sets are reported.

Deliberately not here: paraphrasing (no LLM in the loop), answer questions or key facts (retrieval only), and
anything random: the same corpus always gives a byte-identical file. ``python -m evals.generate`` rewrites it;
``--check`` only compares.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ingest.dedup import deduplicate
from ingest.readers import Paper, discover, read_file
from rag.api import normalize_title, split_sentences, stem, stopwords
from rag.api import terms as content_terms
from rag.config import bundled_corpus_dir

DEFAULT_CORPUS = bundled_corpus_dir()
DEFAULT_OUT = Path(__file__).resolve().parent / "datasets" / "generated.jsonl"
MAX_WORDS = 25
MIN_WORDS = 6

_PART = re.compile(r"[A-Za-z0-9]+")
_LATEX = re.compile(r"[\\${}]")
_EDGE_PUNCT = re.compile(r"^[^\w(]+|[^\w)%.]+$")


def load_papers(corpus: Path = DEFAULT_CORPUS) -> list[Paper]:
    """The unique papers of a corpus folder, through the project's own readers and dedup."""
    files, _ = discover([corpus])
    records = [paper for path in files for paper in read_file(path).papers]
    return deduplicate(records).papers


def _title_keys(title: str) -> set[str]:
    """Lowercased and stemmed content words of the title (stopwords excluded)."""
    keys: set[str] = set()
    for part in _PART.findall(_LATEX.sub(" ", title)):
        low = part.lower()
        if low not in stopwords():
            keys.update((low, stem(low)))
    return keys


def _is_acronym(word: str) -> bool:
    return any(c.isupper() for c in word[1:])


def strip_title_words(sentence: str, title_keys: set[str]) -> list[str]:
    """The sentence's words without title words, acronyms and LaTeX debris."""
    kept: list[str] = []
    for token in _LATEX.sub(" ", sentence).split():
        core = _EDGE_PUNCT.sub("", token)
        parts = [p.lower() for p in _PART.findall(core)]
        if not parts or _is_acronym(core):
            continue
        if any(p in title_keys or stem(p) in title_keys for p in parts):
            continue
        kept.append(token)
    return kept


def _specificity(words: Sequence[str], idf: dict[str, float]) -> float:
    # fsum is exact, so the score doesn't depend on set order (string hashing varies between runs).
    return math.fsum(idf.get(t, 0.0) for t in content_terms(" ".join(words)))


def _best_window(words: list[str], idf: dict[str, float]) -> tuple[float, list[str]]:
    best: tuple[float, list[str]] = (-1.0, [])
    for start in range(max(1, len(words) - MAX_WORDS + 1)):
        window = words[start : start + MAX_WORDS]
        score = _specificity(window, idf)
        if score > best[0]:
            best = (score, window)
    return best


def _tidy(words: list[str]) -> str:
    text = " ".join(words)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+([,;:.)])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    return " ".join(text.split()).strip(" ,;:-")


def make_query(paper: Paper, idf: dict[str, float]) -> str:
    """The query for one paper (see the module docstring for the rule)."""
    keys = _title_keys(paper.title)
    candidates = [strip_title_words(s, keys) for s in split_sentences(paper.abstract)]
    long_enough = [words for words in candidates if len(words) >= MIN_WORDS] or [w for w in candidates if w]
    best: tuple[float, list[str]] = (-1.0, [])
    for words in long_enough:
        scored = _best_window(words, idf)
        if scored[0] > best[0]:
            best = scored
    return _tidy(best[1])


def corpus_idf(papers: Sequence[Paper]) -> dict[str, float]:
    """log(N / document frequency) of every content term of the abstracts."""
    df = Counter(term for p in papers for term in content_terms(p.abstract))
    n = len(papers)
    return {term: math.log(n / count) for term, count in df.items()}


def record_id(title: str) -> str:
    """A stable id per paper (its normalized title hashed), so ids survive corpus additions."""
    return "gen-" + hashlib.sha256(normalize_title(title).encode()).hexdigest()[:10]


def build(papers: Sequence[Paper]) -> list[dict]:
    """One record per paper, in corpus order."""
    idf = corpus_idf(papers)
    return [
        {
            "id": record_id(p.title),
            "question": make_query(p, idf),
            "kind": "generated",
            "gold_titles": [p.title],
            "key_facts": [],
        }
        for p in papers
    ]


def render(records: Sequence[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.generate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (default: bundled)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSONL")
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs; write nothing")
    args = parser.parse_args(argv)
    text = render(build(load_papers(args.corpus)))
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'out of date - run python -m evals.generate'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} records to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
