"""Embeddings through an OpenAI-compatible /embeddings endpoint: llama.cpp's server on 127.0.0.1, batched.

The bundled Gemma GGUF stands in for a real embedding model here (its vectors are not tuned for retrieval);
what is tested is the configuration: batching, normalisation, a separate collection, ingest and search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from rag import api
from rag.config import Settings
from rag.embeddings import OpenAIEmbedder, get_embedder
from rag.store import PaperStore
from support import FORESTS, TOY_PAPERS, start_llama_server, write_jsonl


@pytest.mark.slow
def test_ingest_and_search_with_openai_compatible_embeddings(gguf: Path, tmp_path: Path) -> None:
    server = start_llama_server(gguf, tmp_path / "server.log", "--embedding", "true")
    try:
        settings = Settings(
            home=tmp_path / "home",
            embedding={"provider": "openai", "openai_model": "gemma-270m", "batch_size": 2},
            llm={"base_url": server.url, "api_key": "sk-local", "backend": "extractive"},
        )
        embedder = get_embedder(settings)
        assert isinstance(embedder, OpenAIEmbedder)
        vectors = embedder.embed_batch(["first text", "second text", "third text"])  # 2 requests of <= 2
        assert vectors.shape[0] == 3 and vectors.shape[1] > 100
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

        report = ingest_paths([write_jsonl(tmp_path / "p.jsonl", TOY_PAPERS)], settings)
        assert report.new == len(TOY_PAPERS) and report.chunks_written == len(TOY_PAPERS)
        assert PaperStore(settings).name.startswith("papers-openai-gemma-270m-")
        assert PaperStore(settings).name != PaperStore(Settings(home=tmp_path / "home")).name
        hits = api.search(FORESTS["title"], k=3, settings=settings).hits
        assert hits[0].title == FORESTS["title"]  # BM25 + dense agree on an exact title
    finally:
        server.stop()
