"""What building the BM25 index costs per part, at the bundled corpus and at 10k / 100k chunks: bm25s's tokenizer
and index (the search side) beside the name forms read from the same texts (``rag.text.name_forms``: how the
collection writes its names, so that a question typed in lower case is read with them).

The scaled texts are made as ``query_bench.py`` makes its chunks (chunk i is bundled abstract ``i % n`` plus one
sentence of another, seeded by i), without a store: only the index's own work is timed.

Run: ``.venv/bin/python bench/index_bench.py [--sizes bundled,10000,100000]``.
"""

from __future__ import annotations

import argparse
import random
import time

from common import bundled_papers, save

from rag.lexical import _tokenize
from rag.text import name_forms, split_sentences


def texts_of(size: int | None) -> list[str]:
    base = [f"{p.title}\n{p.abstract}" for p in bundled_papers()]
    if size is None:
        return base
    rng = random.Random(20261205)
    sentences = [s for text in base for s in split_sentences(text)]
    return [f"{base[i % len(base)]} {rng.choice(sentences)}" for i in range(size)]


def main() -> None:
    import bm25s

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="bundled,10000,100000")
    args = p.parse_args()
    rows = []
    for spec in args.sizes.split(","):
        texts = texts_of(None if spec == "bundled" else int(spec))
        t0 = time.perf_counter()
        retriever = bm25s.BM25()
        retriever.index(_tokenize(texts), show_progress=False)
        bm25 = time.perf_counter() - t0
        t0 = time.perf_counter()
        forms = name_forms(texts)
        names = time.perf_counter() - t0
        row = {
            "size": spec,
            "texts": len(texts),
            "mb": round(sum(len(t) for t in texts) / 1e6, 1),
            "bm25_s": round(bm25, 2),
            "name_forms_s": round(names, 2),
            "name_forms": len(forms),
        }
        print(row)
        rows.append(row)
    save("index", {"rows": rows})


if __name__ == "__main__":
    main()
