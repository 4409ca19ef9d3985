"""Embeddings through an OpenAI-compatible /embeddings endpoint: llama.cpp's server on 127.0.0.1, batched, and a
stdlib HTTP server on 127.0.0.1 that fails on purpose, for the retries.

The bundled Gemma GGUF stands in for a real embedding model here (its vectors are not tuned for retrieval);
what is tested is the configuration: batching, normalisation, a separate collection, ingest and search."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from rag import api
from rag.config import Settings
from rag.embeddings import OpenAIEmbedder, get_embedder
from rag.errors import BackendError
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
        dense = api.search(FORESTS["title"], k=3, settings=settings, mode="dense").hits
        assert len(dense) == 3 and all(-1.0 <= h.dense <= 1.0 for h in dense)  # the server's vectors, queried
        assert (
            api.search(FORESTS["title"], k=3, settings=settings, mode="bm25").hits[0].title
            == FORESTS["title"]
        )
        # A 270M base model's mean-pooled vectors are nearly collinear, so the dense side is noise here: rank
        # fusion lets BM25's exact title match win, where the default convex fusion (dense-weighted, tuned for
        # MiniLM) would follow the noise. Users of a weak embedder can choose the same.
        rrf = settings.override(retrieval={"fusion": "rrf"})
        assert api.search(FORESTS["title"], k=3, settings=rrf).hits[0].title == FORESTS["title"]
    finally:
        server.stop()


VECTORS = {"alpha": [3.0, 4.0, 0.0], "beta": [0.0, 0.0, 2.0]}


class FlakyEmbeddings(ThreadingHTTPServer):
    """/v1/embeddings on 127.0.0.1 that answers 503 to its first ``failures`` requests, then embeds VECTORS.

    ``history`` holds every request body. The 503s carry a 10 ms retry-after-ms, so the client's backoff does
    not slow the test down (without it the client sleeps 0.5 s, 1 s, ...)."""

    def __init__(self, failures: int) -> None:
        super().__init__(("127.0.0.1", 0), _FlakyHandler)
        self.failures = failures
        self.history: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _FlakyHandler(BaseHTTPRequestHandler):
    server: FlakyEmbeddings

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.history.append({"path": self.path, **body})
        if len(self.server.history) <= self.server.failures:
            self._reply(503, {"error": {"message": "overloaded", "type": "server_error"}})
            return
        data = []
        for i, text in enumerate(body["input"]):
            vec = np.asarray(VECTORS[text], dtype=np.float32)
            encoded = (
                base64.b64encode(vec.tobytes()).decode() if body.get("encoding_format") == "base64" else None
            )
            data.append({"object": "embedding", "index": i, "embedding": encoded or vec.tolist()})
        usage = {"prompt_tokens": 2, "total_tokens": 2}
        self._reply(200, {"object": "list", "data": data, "model": body["model"], "usage": usage})

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if status >= 500:
            self.send_header("retry-after-ms", "10")
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output clean
        pass


def _serve(failures: int) -> Iterator[FlakyEmbeddings]:
    server = FlakyEmbeddings(failures)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fails_twice() -> Iterator[FlakyEmbeddings]:
    yield from _serve(failures=2)


@pytest.fixture
def always_fails() -> Iterator[FlakyEmbeddings]:
    yield from _serve(failures=10**6)


def _settings(tmp_path: Path, url: str, max_retries: int) -> Settings:
    return Settings(
        home=tmp_path / "home",
        embedding={"provider": "openai", "openai_model": "stub-embed"},
        llm={"base_url": url, "api_key": "sk-test", "max_retries": max_retries, "timeout_s": 10},
    )


def test_openai_embeddings_retry_503_then_succeed(fails_twice: FlakyEmbeddings, tmp_path: Path) -> None:
    embedder = get_embedder(_settings(tmp_path, fails_twice.url, max_retries=3))
    vectors = embedder.embed_batch(["alpha", "beta"])
    assert [r["path"] for r in fails_twice.history] == ["/v1/embeddings"] * 3
    assert all(r["input"] == ["alpha", "beta"] and r["model"] == "stub-embed" for r in fails_twice.history)
    assert np.allclose(vectors, [[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    assert embedder.dim == 3


@pytest.mark.parametrize("max_retries", [0, 3])
def test_openai_embeddings_give_up_after_max_retries(
    always_fails: FlakyEmbeddings, tmp_path: Path, max_retries: int
) -> None:
    embedder = get_embedder(_settings(tmp_path, always_fails.url, max_retries=max_retries))
    with pytest.raises(BackendError, match=f"failed with 503 on all {max_retries + 1} attempts") as err:
        embedder.embed_batch(["alpha"])
    assert len(always_fails.history) == max_retries + 1
    assert err.value.retryable
    assert "check the server" in str(err.value) and "PAPER_RAG_LLM__MAX_RETRIES" in str(err.value)
