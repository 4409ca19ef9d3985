"""Shared fixtures: real Chroma in temporary folders, the real embedder, the real tokenizer, real local peers.

Plain helpers and constants live in ``support.py``; the cached 462-paper store in ``bundled_store.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import rag  # noqa: F401  (sets the offline environment first)
from bundled_store import session_store
from rag.config import Settings
from rag.embeddings import LocalOnnxEmbedder
from rag.llm.local_backend import bundled_model_path
from support import LlamaServer, OpenAIStub, RecordingEmbedder, start_llama_server


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
def bundled_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store holding the whole bundled corpus (462 papers): this session's own copy of the cached store.

    Built once per code-and-corpus version and reused across runs (``bundled_store.py``: key, location, locking).
    Each session copies it rather than opening the cache read-only: Chroma has no read-only mode (opening a store
    writes to its sqlite file), and a test that damaged its copy would fail alone instead of poisoning later runs.
    Measured on the shared 2-core box at load 15: copying the 14 MB store takes 10-40 ms and checking the copy
    against the manifest under a second (most of it Chroma opening the store, which the first test would pay
    anyway), while building it took 5 minutes. The browser test, which ingests, takes a copy of its own.
    """
    return session_store(tmp_path_factory.mktemp("bundled") / "home")


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line at the end when the browser tests were skipped for want of Chromium, saying how to get it."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = {str(getattr(report, "longrepr", ("", "", ""))[2]) for report in skipped}
    for reason in reasons:
        if "Chromium not found at" in reason:
            count = sum(str(getattr(r, "longrepr", ("", "", ""))[2]) == reason for r in skipped)
            terminalreporter.write_line(f"{count} browser tests skipped: {reason.removeprefix('Skipped: ')}")
