"""What reading a question typed in lower case costs: loading the English word list once, and per question the
check of each word the collection lacks (``rag.lexical.LexicalIndex.unheard``: a name, or an English word, a word
made of known ones, or a misspelling), on the bundled corpus's BM25 vocabulary; then what spelling a question's
lower-case words as the collection does costs (``rag.lexical.LexicalIndex.spelling``: a compound as the abstracts
hyphenate it, a typing slip mended), on every question as written and with one typing slip
(``evals.sweep.slipped``).

The questions are every question of the evaluation sets, lower-cased, each read whole by ``rag.text.recase`` with
the index's name forms and its check. The check's work per word is a few hundred dictionary lookups and one
binary search of the sorted vocabulary, so a larger collection changes it little (scaled texts made as
``index_bench.py`` makes them repeat the bundled vocabulary, and are no test of that).

Run: ``.venv/bin/python bench/recase_bench.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc

from common import ROOT, save
from index_bench import texts_of

from evals.sweep import slipped
from rag.lexical import LexicalIndex, _tokenize
from rag.text import common_words, name_forms, recase, respell, spellings


def questions(lower: bool = True) -> list[str]:
    out = []
    for path in sorted((ROOT / "evals" / "datasets").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = json.loads(line)["question"]
                out.append(question.lower() if lower else question)
    return out


def timed(read, asked: list[str]) -> tuple[list[float], int]:
    """Each question's reading time in ms (sorted), and how many questions the reading changed."""
    times, changed = [], 0
    for q in asked:
        t0 = time.perf_counter()
        out = read(q)
        times.append((time.perf_counter() - t0) * 1000)
        changed += out != q
    return sorted(times), changed


def summary(times: list[float]) -> dict[str, float]:
    return {
        "ms_mean": round(statistics.fmean(times), 3),
        "ms_p95": round(times[int(0.95 * (len(times) - 1))], 3),
        "ms_max": round(times[-1], 3),
    }


def main() -> None:
    import bm25s

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="bundled")
    args = p.parse_args()
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    words = common_words()
    load_s = time.perf_counter() - t0
    gc.collect()
    held_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    asked = questions()
    rows = []
    for spec in args.sizes.split(","):
        texts = texts_of(None if spec == "bundled" else int(spec))
        retriever = bm25s.BM25()
        retriever.index(_tokenize(texts), show_progress=False)
        index = LexicalIndex.__new__(LexicalIndex)  # the index's vocabulary alone: no folder, no store
        index.bm25 = retriever
        forms = name_forms(texts)
        recase(asked[0], forms, index.unheard)  # the first call sorts the vocabulary once
        times, named = [], 0
        for q in asked:
            t0 = time.perf_counter()
            out = recase(q, forms, index.unheard)
            times.append((time.perf_counter() - t0) * 1000)
            named += out != recase(q, forms)  # a word read as a name the collection lacks
        times.sort()
        # spelling as the collection does: every question as written, then with one typing slip
        t0 = time.perf_counter()
        index.__dict__["_spellings"] = spellings(
            texts
        )  # what an index build adds: one more pass over the texts
        spellings_s = time.perf_counter() - t0
        megabytes = sum(len(t.encode()) for t in texts) / 1e6
        spell = index.spelling
        written = questions(lower=False)
        as_written, respelt = timed(lambda q, spell=spell: respell(q, spell), written)
        with_slip, mended = timed(lambda q, spell=spell: respell(q, spell), [slipped(q) for q in written])
        row = {
            "size": spec,
            "texts": len(texts),
            "vocabulary": len(retriever.vocab_dict),
            "questions": len(asked),
            "with_a_missing_name": named,
            **summary(times),
            "compounds": len(index.compounds),
            "spellings_s": round(spellings_s, 3),
            "spellings_mb_per_s": round(megabytes / spellings_s, 1),
            "respell": {"as_written": {"changed": respelt, **summary(as_written)}},
        }
        row["respell"]["with_a_slip"] = {"changed": mended, **summary(with_slip)}
        print(row)
        rows.append(row)
    save(
        "recase",
        {
            "word_list": {"words": len(words), "load_s": round(load_s, 2), "held_mb": round(held_mb, 1)},
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
