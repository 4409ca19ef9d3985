"""Ingest throughput against the embedder's own limit, on the same texts, in one run.

1. The raw embedder (MiniLM int8 ONNX, batched) on exactly the texts the pipeline embeds: the floor.
2. A cold ingest of the bundled corpus (read, dedup, chunk, embed, store) into a fresh store.
3. A re-ingest with nothing changed.
4. A re-ingest with 5% of the abstracts changed (one sentence appended, deterministic choice).

Raw and pipeline runs alternate (raw, cold, raw) and the ratio uses the mean of the two raw runs. Peak RSS is
measured in a separate process for the cold ingest (``--child``).

Run: ``.venv/bin/python bench/ingest_bench.py``
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PAGES, bundled_papers, peak_rss_mb, save

from ingest.chunking import chunk_paper
from ingest.pipeline import ingest_paths
from rag.config import Settings
from rag.embeddings import LocalOnnxEmbedder
from rag.tokens import count_tokens


def raw_embed(texts: list[str]) -> float:
    emb = LocalOnnxEmbedder()
    emb.embed_batch(texts[:8])  # load the model; the pipeline's embedder is warmed the same way
    t0 = time.perf_counter()
    emb.embed_batch(texts)
    return time.perf_counter() - t0


def child_cold_ingest(home: str) -> None:
    """Cold ingest in this process; print seconds and peak RSS as JSON (for the memory figure)."""
    settings = Settings(home=home)
    t0 = time.perf_counter()
    report = ingest_paths([PAGES], settings)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - t0,
                "peak_rss_mb": peak_rss_mb(),
                "chunks": report.chunks_written,
            }
        )
    )


def main() -> None:
    papers = bundled_papers()
    settings = Settings()
    chunks = [c for p in papers for c in chunk_paper(p, settings.chunk)]
    texts = [c.embed_text for c in chunks]
    tokens = sum(count_tokens(t) for t in texts)
    print(f"{len(papers)} papers, {len(chunks)} chunks, {tokens} tokens")

    raw1 = raw_embed(texts)
    with tempfile.TemporaryDirectory() as home:
        cold_settings = Settings(home=home)
        emb = LocalOnnxEmbedder()
        emb.embed_batch(texts[:8])
        t0 = time.perf_counter()
        cold = ingest_paths([PAGES], cold_settings, embedder=emb)
        cold_s = time.perf_counter() - t0
        raw2 = raw_embed(texts)
        t0 = time.perf_counter()
        again = ingest_paths([PAGES], cold_settings, embedder=emb)
        unchanged_s = time.perf_counter() - t0
        cli = subprocess.run(
            [sys.executable, "-m", "rag.cli", "ingest", "--no-progress", "--json"],
            env={**__import__("os").environ, "PAPER_RAG_HOME": home},
            capture_output=True,
            text=True,
            check=True,
        )
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rag.cli", "ingest", "--no-progress", "--json"],
            env={**__import__("os").environ, "PAPER_RAG_HOME": home},
            capture_output=True,
            text=True,
            check=True,
        )
        unchanged_cli_s = time.perf_counter() - t0
        assert json.loads(cli.stdout)["unchanged"] == len(papers)

    # 5% changed: the corpus as JSONL, ingested, then 5% of the abstracts edited and ingested again.
    with tempfile.TemporaryDirectory() as tmp:
        home, src = Path(tmp) / "home", Path(tmp) / "papers.jsonl"
        rows = [{"title": p.title, "abstract": p.abstract} for p in papers]
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        s5 = Settings(home=home)
        emb = LocalOnnxEmbedder()
        ingest_paths([src], s5, embedder=emb)
        rng = random.Random(5)
        changed = rng.sample(range(len(rows)), k=round(len(rows) * 0.05))
        for i in changed:
            rows[i]["abstract"] += " We release our code."
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        t0 = time.perf_counter()
        five = ingest_paths([src], s5, embedder=emb)
        five_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(
            [sys.executable, __file__, "--child", home], capture_output=True, text=True, check=True
        )
        child = json.loads(out.stdout.strip().splitlines()[-1])

    raw = (raw1 + raw2) / 2
    result = {
        "papers": len(papers),
        "chunks": len(chunks),
        "tokens": tokens,
        "raw_embedder_s": [round(raw1, 2), round(raw2, 2)],
        "raw_embedder_papers_per_s": round(len(papers) / raw, 1),
        "raw_embedder_tokens_per_s": round(tokens / raw, 1),
        "cold_ingest_s": round(cold_s, 2),
        "cold_embed_s": round(cold.embed_seconds, 2),
        "pipeline_papers_per_s": round(len(papers) / cold_s, 1),
        "pipeline_tokens_per_s": round(tokens / cold_s, 1),
        "pipeline_vs_embedder": round(raw / cold_s, 3),  # share of the embedder's throughput reached
        "cold_over_raw": round(cold_s / raw, 3),  # target: <= 1.2
        "unchanged_reingest_s": round(unchanged_s, 3),
        "unchanged_reingest_cli_s": round(unchanged_cli_s, 2),  # whole process: imports included
        "unchanged_embedded_chunks": again.chunks_written,
        "five_percent_changed": {
            "papers": len(changed),
            "updated": five.updated,
            "seconds": round(five_s, 2),
            "chunks_written": five.chunks_written,
        },
        "cold_ingest_child": child,
    }
    print(json.dumps(result, indent=2))
    save("ingest", result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_cold_ingest(sys.argv[2])
    else:
        main()
