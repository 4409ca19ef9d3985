"""Shared fixtures: real Chroma in temporary folders, the real embedder, the real tokenizer."""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import rag  # noqa: F401  (sets the offline environment first)
from rag.config import Settings
from rag.embeddings import LocalOnnxEmbedder

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
