"""Query latency (p50/p95) at the bundled corpus, 10k, 100k and 1M chunks, side by side with llama-index's
default ``VectorStoreIndex`` retriever over the same Chroma collection, and the cold start of ``paper-rag search``
(a fresh process, with its peak RSS) at each size.

The scale-up corpus is generated deterministically from the bundled one: chunk i copies bundled chunk ``i % n``,
appends one sentence of another bundled chunk (seeded by i) and takes the base chunk's vector plus small seeded
Gaussian noise, re-normalized. So the store, the HNSW graph and the BM25 index really hold 10k / 100k distinct
chunks, without spending an hour embedding synthetic text (embedding cost is measured by ingest_bench.py).
Scaled collections are cached under ``bench/.data`` between runs.

Measured per size: ``search`` (hybrid: embed + dense + BM25 + fusion + MMR), dense only, BM25 only, the retrieval
step of ``ask`` (its ``timings_ms["retrieve"]``, extractive backend), and llama-index's retriever (top_k=10).

Run: ``.venv/bin/python bench/query_bench.py [--sizes bundled,10000,100000,1000000]`` (1M chunks take a long while
to build the first time; they are cached under ``bench/.data``).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
from common import PAGES, ROOT, questions, save, summary_ms

from ingest.pipeline import ingest_paths
from rag import api
from rag.config import Settings
from rag.retrieval import Retriever
from rag.store import PaperStore
from rag.text import split_sentences

DATA = ROOT / "bench" / ".data"


def bundled_settings() -> Settings:
    settings = Settings(home=DATA / "bundled")
    if PaperStore(settings).count() == 0:
        ingest_paths([PAGES], settings)
    return settings


def scaled_settings(base: Settings, n: int) -> Settings:
    settings = base.model_copy(update={"home": DATA / f"scale-{n}", "collection_prefix": f"scale{n}"})
    store = PaperStore(settings)
    if store.count() == n:
        return settings
    src = PaperStore(base)
    got = src.collection.get(include=["embeddings", "documents", "metadatas"])
    ids, vecs, docs, metas = (
        got["ids"],
        np.asarray(got["embeddings"], np.float32),
        got["documents"],
        got["metadatas"],
    )
    m = len(ids)
    t0 = time.perf_counter()
    batch = 4000
    for start in range(store.count(), n, batch):
        b_ids, b_vecs, b_docs, b_metas = [], [], [], []
        for i in range(start, min(n, start + batch)):
            j = i % m
            rng = random.Random(i)
            other = split_sentences(docs[rng.randrange(m)])
            text = docs[j] + " " + (other[rng.randrange(len(other))] if other else "")
            noise = np.random.default_rng(i).normal(0.0, 0.02, vecs.shape[1]).astype(np.float32)
            v = vecs[j] + noise
            meta = dict(metas[j])
            variant = i // m
            meta.update(
                paper_id=f"syn{variant}:{meta['paper_id']}", title=f"{meta['title']} (variant {variant})"
            )
            meta["title_key"] = meta["title"].lower()
            b_ids.append(f"syn{variant}:{ids[j]}")
            b_vecs.append(v / np.linalg.norm(v))
            b_docs.append(text)
            b_metas.append(meta)
        store.upsert(b_ids, np.asarray(b_vecs), b_metas, b_docs)
        print(
            f"  scale {n}: {min(n, start + batch)}/{n} chunks ({time.perf_counter() - t0:.0f}s)", flush=True
        )
    return settings


def timed(fn, queries: list[str], warmup: int = 3) -> list[float]:
    for q in queries[:warmup]:
        fn(q)
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t0)
    return out


def cold_search(settings: Settings, query: str, runs: int = 3) -> dict:
    """``paper-rag search`` in a fresh process (imports, model load, store open, BM25 load, one query): wall time
    and peak RSS, the best of ``runs`` (the first run may still be building the BM25 index or warming caches).

    The peak is the child's own VmHWM, which it prints as it exits: the ``ru_maxrss`` of children, read here
    before, counted this benchmark's process too (a forked child starts with its parent's pages, and Linux keeps
    that high-water mark across ``exec``), so it read 630-960 MB at 10k chunks for a search that peaks at 450 MB."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PAPER_RAG_HOME": str(settings.home),
        "PAPER_RAG_COLLECTION_PREFIX": settings.collection_prefix,
    }
    script = (
        "import atexit, sys\n"
        "from pathlib import Path\n"
        "def hwm():\n"
        "    for line in Path('/proc/self/status').read_text().splitlines():\n"
        "        if line.startswith('VmHWM:'):\n"
        "            print('VMHWM_KB', line.split()[1], file=sys.stderr)\n"
        "atexit.register(hwm)\n"
        "from rag.cli import main\n"
        "sys.exit(main())"
    )
    cmd = [sys.executable, "-c", script, "search", query, "--json"]
    walls, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        kb = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("VMHWM_KB")]
        rss.append(int(kb[-1]) / 1024 if kb else float("nan"))
    return {
        "wall_s_best": round(min(walls), 2),
        "wall_s_all": [round(w, 2) for w in walls],
        "peak_rss_mb": round(max(rss), 1),
    }


def bench_size(settings: Settings, queries: list[str]) -> dict:
    from evals.baselines import llama_index_retriever

    retriever = Retriever(settings)
    t0 = time.perf_counter()
    retriever.lexical.index()  # loads the persisted BM25 index, or builds it once if the store changed
    bm25_build = time.perf_counter() - t0
    li = llama_index_retriever(settings, top_k=10)
    engine = api.engine(settings)
    ask_retrieve: list[float] = []

    def ask_step(q: str) -> None:
        ask_retrieve.append(engine.ask(api.AskRequest(q, backend="extractive")).timings_ms["retrieve"] / 1000)

    cold = cold_search(settings, queries[0])
    for q in (
        queries
    ):  # every query once, untimed: the first method timed must not pay for pages the rest find warm
        retriever.search(q, k=6)
    result = {
        "chunks": PaperStore(settings).count(),
        "bm25_load_or_build_s": round(bm25_build, 2),
        "cold_search": cold,
        "search_hybrid": summary_ms(timed(lambda q: retriever.search(q, k=6), queries)),
        "dense_only": summary_ms(timed(lambda q: retriever.search(q, k=6, mode="dense"), queries)),
        "bm25_only": summary_ms(timed(lambda q: retriever.search(q, k=6, mode="bm25"), queries)),
        "llama_index_default": summary_ms(timed(li.retrieve, queries)),
    }
    timed(ask_step, queries[:22], warmup=2)
    del ask_retrieve[:2]  # the two warm-up calls
    result["ask_retrieve_step"] = summary_ms(ask_retrieve)
    return result


def plot(results: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results, key=lambda s: results[s]["chunks"])
    xs = [results[s]["chunks"] for s in sizes]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    methods = [
        ("search_hybrid", "search (hybrid)"),
        ("dense_only", "dense only"),
        ("bm25_only", "BM25 only"),
        ("llama_index_default", "llama-index VectorStoreIndex"),
    ]
    for color, (key, label) in zip(("C0", "C2", "C4", "C3"), methods, strict=True):
        ax.plot(xs, [results[s][key]["p50"] for s in sizes], marker="o", color=color, label=f"{label} p50")
        ax.plot(
            xs,
            [results[s][key]["p95"] for s in sizes],
            marker=".",
            color=color,
            linestyle="--",
            alpha=0.45,
            label=f"{label} p95",
        )
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the collection")
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title("Retrieval latency vs corpus size (2 CPU cores)")
    by_date: dict[str, list[str]] = {}
    for size in sizes:
        by_date.setdefault(results[size].get("measured", "an earlier run"), []).append(
            f"{results[size]['chunks']:,}"
        )
    if len(by_date) > 1:  # sizes re-run with --merge: say which run each point is from (machines differ)
        when = "; ".join(f"{', '.join(chunks)} chunks: {date}" for date, chunks in by_date.items())
        ax.text(0.0, -0.2, f"{when} (runs on different machines)", transform=ax.transAxes, fontsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="bundled,10000,100000")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument(
        "--plot-only", action="store_true", help="redraw the plot from bench/results/query.json"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the sizes of bench/results/query.json not re-run now (each size records when it was measured)",
    )
    args = parser.parse_args()
    if args.plot_only:
        saved = json.loads((ROOT / "bench" / "results" / "query.json").read_text())
        plot(saved["sizes"], ROOT / "bench" / "results" / "query_latency.png")
        return
    base = bundled_settings()
    queries = questions(args.queries)
    results: dict[str, dict] = {}
    if args.merge:
        results = json.loads((ROOT / "bench" / "results" / "query.json").read_text())["sizes"]
    for size in args.sizes.split(","):
        settings = base if size == "bundled" else scaled_settings(base, int(size))
        print(f"benchmarking {size} ...", flush=True)
        results[size] = {**bench_size(settings, queries), "measured": time.strftime("%Y-%m-%d")}
        print(json.dumps(results[size]), flush=True)
    plot(results, ROOT / "bench" / "results" / "query_latency.png")
    save("query", {"queries": len(queries), "k": 6, "sizes": results})


if __name__ == "__main__":
    main()
