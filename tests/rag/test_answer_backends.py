"""The answer chain through real LLM backends: llama.cpp's OpenAI-compatible server on 127.0.0.1 (the `openai`
path), and llama.cpp in process (the `local` path), both on the bundled Gemma 3 270M base model."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from rag import api
from rag.config import Settings
from rag.evidence import Evidence
from rag.text import answer_body, markers, split_sentences, strip_markers
from support import (
    INPO,
    INPO_WIN_RATE,
    PLANTED,
    ROUTING_QUESTION,
    TOY_PAPERS,
    free_port,
    start_llama_server,
    write_jsonl,
)
from support import INPO_QUESTION as Q


def with_llm(settings: Settings, **llm: object) -> Settings:
    return settings.override(llm=llm)


def assert_citations_supported(answer, embedder) -> None:
    """Every cited sentence is supported by the source its marker names."""
    evidence = Evidence(answer.standalone_question or answer.question, answer.sources, embedder)
    for sentence in split_sentences(answer_body(answer.answer)):
        for n in markers(sentence):
            assert evidence.support(strip_markers(sentence), [n])[0] == n, sentence


@pytest.mark.slow
def test_openai_backend_streams_through_the_chain(
    llama_server, bundled_settings: Settings, local_embedder
) -> None:
    settings = with_llm(
        bundled_settings,
        base_url=llama_server.url,
        api_key="sk-local",
        model="gemma-270m",
        max_tokens=96,
        context_window=2048,
    )
    deltas: list[str] = []
    answer = api.ask(Q, backend="openai", settings=settings, on_token=deltas.append)
    assert len(deltas) > 3  # streamed
    assert answer.tokens["prompt"] > 200
    if answer.note:  # the base model's text wasn't supported: the grounded fallback, said so
        assert "not supported by the sources" in answer.note and answer.backend == "extractive"
    else:
        assert answer.backend == "openai" and answer.model == "gemma-270m" and answer.tokens["completion"] > 0
    assert_citations_supported(answer, local_embedder)


@pytest.mark.slow
def test_server_stopped_mid_stream_falls_back_with_a_note(
    gguf, tmp_path: Path, bundled_settings: Settings
) -> None:
    server = start_llama_server(gguf, tmp_path / "server.log")
    settings = with_llm(
        bundled_settings,
        base_url=server.url,
        api_key="sk-local",
        model="gemma-270m",
        max_tokens=300,
        max_retries=0,
        context_window=2048,
        temperature=1.0,
    )
    killed = threading.Event()

    def on_token(_: str) -> None:
        if not killed.is_set():
            killed.set()
            server.proc.kill()

    try:
        answer = api.ask(Q, backend="openai", settings=settings, on_token=on_token)
    finally:
        server.stop()
    assert killed.is_set()
    assert answer.backend == "extractive" and "openai backend failed" in answer.note
    assert INPO_WIN_RATE in answer.answer and answer.citations[0].title == INPO


def test_unreachable_endpoint_falls_back_with_a_note(bundled_settings: Settings) -> None:
    settings = with_llm(
        bundled_settings, base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="x", max_retries=0
    )
    answer = api.ask(Q, backend="openai", settings=settings)
    assert (
        answer.backend == "extractive"
        and "openai backend failed" in answer.note
        and "cannot reach" in answer.note
    )
    assert answer.citations[0].title == INPO


@pytest.mark.slow
def test_local_backend_answers_with_supported_citations(bundled_settings: Settings, local_embedder) -> None:
    settings = with_llm(bundled_settings, threads=1)
    deltas: list[str] = []
    answer = api.ask(Q, backend="local", settings=settings, on_token=deltas.append)
    assert deltas and not answer.refused
    assert answer.backend in ("local", "extractive")
    assert answer.tokens["prompt"] > 100 and answer.tokens["completion"] > 0
    assert answer.citations and all(c.title in {s.title for s in answer.sources} for c in answer.citations)
    assert_citations_supported(answer, local_embedder)


@pytest.mark.slow
def test_local_backend_ignores_planted_instructions(tmp_path: Path, local_embedder) -> None:
    settings = Settings(home=tmp_path / "home", llm={"threads": 1})
    ingest_paths(
        [write_jsonl(tmp_path / "p.jsonl", [*TOY_PAPERS[:2], PLANTED])], settings, embedder=local_embedder
    )
    answer = api.ask(ROUTING_QUESTION, backend="local", settings=settings)
    assert "99%" not in answer.answer
    assert PLANTED["title"] not in {c.title for c in answer.citations}
    assert_citations_supported(answer, local_embedder)
