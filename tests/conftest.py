"""Shared fixtures: real Chroma in temporary folders, the real embedder, the real tokenizer."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import rag  # noqa: F401  (sets the offline environment first)
from rag.config import Settings
from rag.embeddings import LocalOnnxEmbedder
from rag.llm.local_backend import bundled_model_path

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "data" / "pages"


class RecordingEmbedder:
    """The real local embedder, recording every batch it was asked to embed."""

    def __init__(self, inner: LocalOnnxEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.history: list[list[str]] = []

    @property
    def texts_embedded(self) -> int:
        return sum(len(batch) for batch in self.history)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.history.append(list(texts))
        return self.inner.embed_batch(texts)


@pytest.fixture(scope="session")
def local_embedder() -> LocalOnnxEmbedder:
    return LocalOnnxEmbedder()


@pytest.fixture
def embedder(local_embedder: LocalOnnxEmbedder) -> RecordingEmbedder:
    return RecordingEmbedder(local_embedder)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory: pytest.TempPathFactory, local_embedder: LocalOnnxEmbedder) -> Settings:
    """A store holding the whole bundled corpus, ingested once per test session. Treat it as read-only."""
    from ingest.pipeline import ingest_paths

    settings = Settings(home=tmp_path_factory.mktemp("bundled"))
    report = ingest_paths([PAGES], settings, embedder=local_embedder)
    assert report.papers == 462 and not report.rejections
    return settings


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- llama.cpp: the bundled GGUF and its OpenAI-compatible server on 127.0.0.1 ----------------------------


@pytest.fixture(scope="session")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model, assembled once into a temporary home."""
    return bundled_model_path(Settings(home=tmp_path_factory.mktemp("llm-home")))


@dataclass
class LlamaServer:
    proc: subprocess.Popen[bytes]
    url: str  # ends in /v1
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_llama_server(gguf: Path, log: Path, *extra: str) -> LlamaServer:
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", "gemma-270m", *extra]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(proc, f"http://127.0.0.1:{port}/v1", log)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{server.url}/models", timeout=1).read()
            return server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(log.read_text(errors="replace")[-2000:]) from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_llama_server(gguf, tmp_path_factory.mktemp("llama-server") / "server.log")
    yield server
    server.stop()
