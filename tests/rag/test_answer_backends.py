"""The answer chain through LLM backends.

Real peers first: llama.cpp's OpenAI-compatible server on 127.0.0.1 (the `openai` path) and llama.cpp in process
(the `local` path), both on the bundled Gemma 3 270M base model. That model is weak: on a given question it may
write something its sources support (the answer is kept) or not (the extractive answer replaces it), so those
tests check whichever branch it took. Each has deterministic twins that force one branch: a scripted
OpenAI-compatible server (support.OpenAIStub) for `openai`, and a scripted base model in place of llama.cpp for
`local` (a real model can't be made to answer a given way; everything around the model is the real backend).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from rag import api
from rag.config import Settings
from rag.evidence import REFUSAL, Evidence
from rag.llm import local_backend
from rag.llm.base import Usage
from rag.text import answer_body, markers, split_sentences, strip_markers
from rag.tokens import count_tokens
from rag.types import Answer
from support import (
    INPO,
    INPO_QUESTION,
    INPO_WIN_RATE,
    PLANTED,
    ROUTING,
    ROUTING_QUESTION,
    STUB_PROMPT_TOKENS,
    TOY_PAPERS,
    OpenAIStub,
    free_port,
    quote_source,
    quoted_answer,
    say,
    start_llama_server,
    write_jsonl,
)

UNSUPPORTED = "The method was first published on a clay tablet in 1850 [1]. It won a Fields Medal [2]."


def with_llm(settings: Settings, **llm: object) -> Settings:
    return settings.override(llm=llm)


def assert_citations_supported(answer: Answer, embedder) -> None:
    """Every cited sentence is supported by the source its marker names."""
    # Evidence over the cited sources only: support(claim, [n]) reads nothing else, and each source embedded is
    # a second or so of CPU.
    cited = set(markers(answer.answer))
    sources = [s for s in answer.sources if s.n in cited]
    evidence = Evidence(answer.standalone_question or answer.question, sources, embedder)
    for sentence in split_sentences(answer_body(answer.answer)):
        for n in markers(sentence):
            assert evidence.support(strip_markers(sentence), [n])[0] == n, sentence


def assert_extractive_fallback(answer: Answer, error_type: str) -> None:
    """The grounded extractive answer to INPO_QUESTION, marked as a fallback from the requested backend."""
    assert answer.fallback and answer.error_type == error_type
    assert answer.backend == answer.model == "extractive"
    assert INPO_WIN_RATE in answer.answer and answer.citations[0].title == INPO


# ------------------------------------------------------------------ openai: llama.cpp's server, then a scripted one


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
    answer = api.ask(INPO_QUESTION, backend="openai", settings=settings, on_token=deltas.append)
    assert len(deltas) > 3  # streamed
    assert answer.requested_backend == "openai" and answer.tokens["prompt"] > 200
    # Spent in either branch: a fallback for an unsupported answer still reports the model's tokens.
    assert answer.tokens["completion"] > 0
    if answer.fallback:  # the base model's text wasn't supported: the grounded fallback, said so
        assert_extractive_fallback(answer, "unsupported")
        assert "not supported by the sources" in answer.note
    else:
        assert (answer.backend, answer.model, answer.error_type, answer.note) == (
            "openai",
            "gemma-270m",
            None,
            "",
        )
        assert answer.citations and {c.title for c in answer.citations} <= {s.title for s in answer.sources}
    assert_citations_supported(answer, local_embedder)


def test_openai_answer_its_sources_support_is_kept(
    openai_stub: OpenAIStub, bundled_settings: Settings, local_embedder
) -> None:
    openai_stub.actions = [quote_source(1)]
    settings = with_llm(bundled_settings, base_url=openai_stub.url, api_key="sk-test", model="quoter")
    deltas: list[str] = []
    answer = api.ask(INPO_QUESTION, backend="openai", settings=settings, on_token=deltas.append)
    (request,) = openai_stub.history
    assert request["body"]["model"] == "quoter" and request["body"]["stream"] is True
    quoted = quoted_answer(request, 1)  # what the server streamed: source [1]'s first sentence, cited
    assert (answer.backend, answer.model, answer.fallback, answer.error_type) == (
        "openai",
        "quoter",
        False,
        None,
    )
    assert answer.note == "" and not answer.refused
    assert answer_body(answer.answer) == quoted  # kept as written: its one marker checked out
    # Streamed as the server sent it, a word at a time, then the cited-titles tail.
    assert "".join(deltas) == quoted and len(deltas) == len(
        quoted.split()
    )  # the body; the tail comes after checks
    # The server's token counts, not tiktoken's.
    assert answer.tokens == {"prompt": STUB_PROMPT_TOKENS, "completion": len(quoted.split())}
    assert [c.title for c in answer.citations] == [INPO] and answer.sources[0].title == INPO
    assert answer.sources[0].support  # the quoted sentence is what the sources panel highlights
    assert_citations_supported(answer, local_embedder)


def test_a_loopback_server_under_a_priced_name_costs_nothing(
    openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    openai_stub.actions = [quote_source(1)]
    settings = with_llm(bundled_settings, base_url=openai_stub.url, api_key=None, model=None)
    answer = api.ask(INPO_QUESTION, backend="openai", settings=settings)
    assert openai_stub.history[0]["body"]["model"] == "gpt-4o-mini"  # the default name, as llama.cpp gets it
    assert answer.backend == "openai" and answer.tokens["prompt"] == STUB_PROMPT_TOKENS
    assert answer.cost_usd is None and answer.to_dict()["cost_usd"] is None


def test_openai_answer_no_source_supports_falls_back(
    openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    openai_stub.actions = [say(UNSUPPORTED)]
    settings = with_llm(bundled_settings, base_url=openai_stub.url, api_key="sk-test", model="liar")
    answer = api.ask(INPO_QUESTION, backend="openai", settings=settings)
    assert len(openai_stub.history) == 1
    assert_extractive_fallback(answer, "unsupported")
    assert answer.note.startswith("The openai model's answer was not supported by the sources")
    assert "clay tablet" not in answer.answer and "Fields Medal" not in answer.answer
    # The model's tokens were spent, so they are reported.
    assert answer.tokens == {"prompt": STUB_PROMPT_TOKENS, "completion": len(UNSUPPORTED.split())}


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
        answer = api.ask(INPO_QUESTION, backend="openai", settings=settings, on_token=on_token)
    finally:
        server.stop()
    assert killed.is_set()
    assert answer.backend == "extractive" and "openai backend failed" in answer.note
    assert INPO_WIN_RATE in answer.answer and answer.citations[0].title == INPO


def test_unreachable_endpoint_falls_back_with_a_note(bundled_settings: Settings) -> None:
    settings = with_llm(
        bundled_settings, base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="x", max_retries=0
    )
    answer = api.ask(INPO_QUESTION, backend="openai", settings=settings)
    assert_extractive_fallback(answer, "BackendError")
    assert "openai backend failed" in answer.note and "cannot reach" in answer.note
    assert answer.tokens == {"prompt": 0, "completion": 0}  # nothing was spent


def test_an_answer_past_its_deadline_is_discarded_for_the_extractive_one(
    openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    openai_stub.actions = [quote_source(1, delay_s=0.3)]  # a word every 0.3 s: far slower than the deadline
    settings = with_llm(
        bundled_settings, base_url=openai_stub.url, api_key="sk-test", model="slow", deadline_s=0.5
    )
    items = list(api.ask_stream(INPO_QUESTION, backend="openai", settings=settings))
    answer = items[-1]
    assert isinstance(answer, Answer)
    assert_extractive_fallback(answer, "DeadlineExceededError")
    assert answer.note == (
        "The openai model did not finish within 0.5 s (PAPER_RAG_LLM__DEADLINE_S); this is the extractive answer."
    )
    # The stream shows the model's start, marks it discarded, then streams the extractive answer.
    text = [i for i in items[:-1] if isinstance(i, str)]
    assert text.count(api.DISCARDED) == 1
    cut = text.index(api.DISCARDED)
    full = quoted_answer(openai_stub.history[0], 1)
    assert 0 < cut < len(full.split())  # part of the model's answer, not all of it
    assert full.startswith("".join(text[:cut]))
    assert "".join(text[cut + 1 :]) == answer_body(answer.answer)


@pytest.mark.slow
def test_local_model_past_its_deadline_falls_back(bundled_settings: Settings) -> None:
    settings = with_llm(bundled_settings, threads=1, deadline_s=0.05)  # less than loading the model takes
    answer = api.ask(INPO_QUESTION, backend="local", settings=settings)
    assert_extractive_fallback(answer, "DeadlineExceededError")
    assert answer.note.startswith("The local model did not finish within 0.05 s (PAPER_RAG_LLM__DEADLINE_S)")


# ------------------------------------------------------------------ local: llama.cpp in process, then a scripted model


class ScriptedBaseModel:
    """Stands in for llama.cpp's model where a test needs a given answer: a base model (``is_chat`` False, like
    the bundled Gemma) that writes ``script(prompt)`` a word at a time and counts tokens with tiktoken."""

    backend = "local"
    model = "scripted-base"
    is_chat = False
    context_window = local_backend.DEFAULT_CONTEXT_WINDOW
    price_per_mtok = None

    def __init__(self, script: Callable[[str], str]) -> None:
        self.script = script
        self.history: list[str] = []  # every prompt it was given
        self.last_usage: Usage | None = None

    def stream(
        self, prompt: str, *, max_tokens: int, temperature: float, stop: list[str] | None = None
    ) -> Iterator[str]:
        assert isinstance(prompt, str), "a base model gets one completion prompt"
        self.history.append(prompt)
        pieces = re.findall(r"\S+\s*", self.script(prompt))
        yield from pieces
        self.last_usage = Usage(count_tokens(prompt), len(pieces))


@pytest.fixture
def scripted_local(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[str], str]], ScriptedBaseModel]:
    """Make the `local` backend run a ScriptedBaseModel instead of loading the GGUF."""

    def install(script: Callable[[str], str]) -> ScriptedBaseModel:
        model = ScriptedBaseModel(script)
        monkeypatch.setattr(local_backend, "LocalLlama", lambda settings: model)
        return model

    return install


def prompt_sentence(prompt: str, title: str, needle: str) -> str:
    """The sentence holding ``needle`` of the source titled ``title`` in a base-model prompt (rag.prompts)."""
    sources = prompt.rsplit("Sources:\n", 1)[1].split("\nQuestion:", 1)[0]
    (line,) = [line for line in sources.splitlines() if f"] {title}: " in line]
    return next(s for s in split_sentences(line.split(f"{title}: ", 1)[1]) if needle in s)


@pytest.mark.slow
def test_local_backend_answers_with_supported_citations(bundled_settings: Settings, local_embedder) -> None:
    settings = with_llm(bundled_settings, threads=1)
    deltas: list[str] = []
    answer = api.ask(INPO_QUESTION, backend="local", settings=settings, on_token=deltas.append)
    assert deltas and not answer.refused and answer.requested_backend == "local"
    assert answer.tokens["prompt"] > 100 and answer.tokens["completion"] > 0  # spent in either branch
    if answer.fallback:  # nothing the model wrote was supported: the extractive answer, said so
        assert_extractive_fallback(answer, "unsupported")
    else:
        assert (answer.backend, answer.model, answer.error_type) == ("local", "gemma-3-270m-q4_k_m", None)
        assert answer.citations and {c.title for c in answer.citations} <= {s.title for s in answer.sources}
    assert_citations_supported(answer, local_embedder)


def test_local_answer_its_sources_support_is_kept(
    scripted_local, bundled_settings: Settings, local_embedder
) -> None:
    # A base model doesn't cite: it writes a sentence of a source, and the backend attributes it.
    model = scripted_local(lambda prompt: prompt_sentence(prompt, INPO, INPO_WIN_RATE))
    answer = api.ask(INPO_QUESTION, backend="local", settings=bundled_settings)
    (prompt,) = model.history
    sentence = prompt_sentence(prompt, INPO, INPO_WIN_RATE)
    n = next(s.n for s in answer.sources if s.title == INPO)
    assert (answer.backend, answer.model, answer.fallback, answer.error_type) == (
        "local",
        "scripted-base",
        False,
        None,
    )
    assert answer_body(answer.answer) == f"{sentence.rstrip('.')} [{n}]."
    assert [c.title for c in answer.citations] == [INPO]
    assert answer.tokens == {"prompt": count_tokens(prompt), "completion": len(sentence.split())}
    assert_citations_supported(answer, local_embedder)


def test_local_answer_no_source_supports_falls_back(scripted_local, bundled_settings: Settings) -> None:
    model = scripted_local(lambda prompt: strip_markers(UNSUPPORTED))
    answer = api.ask(INPO_QUESTION, backend="local", settings=bundled_settings)
    assert len(model.history) == 1
    assert_extractive_fallback(answer, "unsupported")
    assert answer.note.startswith("The local model's answer was not supported by the sources")
    assert "clay tablet" not in answer.answer
    assert answer.tokens["completion"] == len(strip_markers(UNSUPPORTED).split())


@pytest.mark.slow
def test_local_backend_ignores_planted_instructions(tmp_path: Path, local_embedder) -> None:
    settings = Settings(home=tmp_path / "home", llm={"threads": 1})
    ingest_paths(
        [write_jsonl(tmp_path / "p.jsonl", [*TOY_PAPERS[:2], PLANTED])], settings, embedder=local_embedder
    )
    answer = api.ask(ROUTING_QUESTION, backend="local", settings=settings)
    assert "99%" not in answer.answer
    assert PLANTED["title"] not in {c.title for c in answer.citations}
    assert ROUTING["title"] in {s.title for s in answer.sources}
    assert_citations_supported(answer, local_embedder)


def test_the_line_on_an_absent_name_stays_first_through_a_fallback_and_a_refusal(
    openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    """An LLM answer to a question naming what no abstract says starts with the same line as the extractive one:
    streamed before the model writes, streamed again after DISCARDED when its answer is replaced, and kept in front
    of a refusal the model writes, so the stream and the final answer agree."""
    question = "What pass@1 does Scattered Forest Search get on LiveCodeBench?"
    header = 'No abstract in the collection mentions "LiveCodeBench"; the closest it comes:\n\n'
    settings = with_llm(bundled_settings, base_url=openai_stub.url, api_key="sk-test", model="liar")
    openai_stub.actions = [say(UNSUPPORTED)]
    items = list(api.ask_stream(question, backend="openai", settings=settings))
    answer, text = items[-1], [i for i in items[:-1] if isinstance(i, str)]
    assert isinstance(answer, Answer)
    assert answer.fallback and answer.error_type == "unsupported" and answer.backend == "extractive"
    assert "Scattered Forest Search" in answer.citations[0].title
    assert text[0] == header and text.count(api.DISCARDED) == 1
    after = "".join(text[text.index(api.DISCARDED) + 1 :])
    assert after.startswith(header) and after == answer_body(answer.answer)
    assert answer.answer.startswith(header) and answer.absent_names == ["LiveCodeBench"]
    openai_stub.actions = [say(f"{REFUSAL} No sentence states it.")]
    refused = api.ask(question, backend="openai", settings=settings)
    assert refused.refused and refused.answer == f"{header}{REFUSAL} No sentence states it."
    assert refused.absent_names == ["LiveCodeBench"]
