"""Shared fixtures: real Chroma in temporary folders, the real embedder, the real tokenizer, real local peers.

Plain helpers and constants live in ``support.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import rag  # noqa: F401  (sets the offline environment first)
from rag.config import Settings
from rag.embeddings import LocalOnnxEmbedder
from rag.llm.local_backend import bundled_model_path
from support import BUNDLED_PAPERS, PAGES, LlamaServer, OpenAIStub, RecordingEmbedder, start_llama_server


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
    assert report.papers == BUNDLED_PAPERS and not report.rejections
    return settings


# --- llama.cpp: the bundled GGUF and its OpenAI-compatible server on 127.0.0.1 ----------------------------


@pytest.fixture(scope="session")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model, assembled once into a temporary home."""
    return bundled_model_path(Settings(home=tmp_path_factory.mktemp("llm-home")))


@pytest.fixture(scope="session")
def llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_llama_server(gguf, tmp_path_factory.mktemp("llama-server") / "server.log")
    yield server
    server.stop()


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A scripted OpenAI-compatible server on 127.0.0.1; set its ``actions`` (support.py) before use."""
    stub = OpenAIStub()
    yield stub
    stub.close()
