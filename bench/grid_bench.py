"""Extraction-grid speed: papers x columns answered extractively, cold (first grid in a process: every abstract's
sentences embedded) and warm (sentence vectors cached, as in a UI or notebook session), at 100 and 300 papers.

Issue #13's target: 100 papers x 5 columns in under 10 s, warm, on a 2-core machine. Rows are papers chosen with a
fixed seed from the bundled store (``bench/.data/bundled``, shared with query_bench.py); columns are the gold
grid's first five (evals/datasets/grid.json). One more row: rows from a search query (top 100), which adds the
search and the abstracts' lookup.

Run: ``.venv/bin/python bench/grid_bench.py [--repeats 5]``; writes ``bench/results/grid.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from common import ROOT, peak_rss_mb, save, summary_ms

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_bench import bundled_settings

from rag import api

COLUMNS = [c for c in json.loads((ROOT / "evals" / "datasets" / "grid.json").read_text())["columns"]][:5]


def timed(fn, repeats: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    settings = bundled_settings()
    papers = api.papers(settings=settings)
    api.search("warm up the retriever", settings=settings)  # open the store, load the embedder and BM25 once
    rng = random.Random(13)
    rows = {}
    for n in (100, 300):
        ids = [p.paper_id for p in rng.sample(papers, n)]
        grid_holder: dict[str, object] = {}

        def build(ids: list[str] = ids, holder: dict[str, object] = grid_holder) -> None:
            holder["grid"] = api.grid(ids, columns=COLUMNS, settings=settings)

        cold, warm = timed(build, args.repeats)
        grid = grid_holder["grid"]
        cells = sum(len(r.cells) for r in grid.rows)  # type: ignore[attr-defined]
        rows[f"{n} papers x {len(COLUMNS)} columns"] = {
            "papers": n,
            "cells": cells,
            "cold_s": round(cold, 2),
            "warm": summary_ms(warm),
        }
        print(
            f"{n} papers x {len(COLUMNS)} columns: cold {cold:.2f} s, warm p50 {summary_ms(warm)['p50']:.0f} ms"
        )

    def from_query() -> None:
        api.grid(query="large language models reasoning", limit=100, columns=COLUMNS, settings=settings)

    cold, warm = timed(from_query, args.repeats)
    rows["query top 100 x 5 columns"] = {"papers": 100, "cold_s": round(cold, 2), "warm": summary_ms(warm)}
    print(f"query rows (100) x 5 columns: cold {cold:.2f} s, warm p50 {summary_ms(warm)['p50']:.0f} ms")
    save(
        "grid",
        {
            "columns": [c["label"] for c in COLUMNS],
            "repeats": args.repeats,
            "results": rows,
            "peak_rss_mb": peak_rss_mb(),
            "target": "100 papers x 5 columns, warm, under 10 s (issue #13)",
        },
    )


if __name__ == "__main__":
    main()
