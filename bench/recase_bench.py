"""What reading a question typed in lower case costs: loading the English word list once, and per question the
check of each word the collection lacks (``rag.lexical.LexicalIndex.unheard``: a name, or an English word, a word
made of known ones, or a misspelling), on the bundled corpus's BM25 vocabulary.

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

from rag.lexical import LexicalIndex, _tokenize
from rag.text import common_words, name_forms, recase


def questions() -> list[str]:
    out = []
    for path in sorted((ROOT / "evals" / "datasets").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"].lower())
    return out


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
        row = {
            "size": spec,
            "texts": len(texts),
            "vocabulary": len(retriever.vocab_dict),
            "questions": len(asked),
            "with_a_missing_name": named,
            "ms_mean": round(statistics.fmean(times), 3),
            "ms_p95": round(times[int(0.95 * (len(times) - 1))], 3),
            "ms_max": round(times[-1], 3),
        }
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
