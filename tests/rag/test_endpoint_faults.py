"""Hostile replies and credentials, against a real HTTP server on 127.0.0.1 (support.OpenAIStub).

An OpenAI-compatible endpoint that sends invalid JSON, bytes that are not UTF-8, or JSON of the wrong shape must
never crash ``ask``: the client wrapper turns the reply into a MalformedReplyError, and the answer chain shows the
cited extractive answer with a one-line note. A backend that fails in a way nobody foresaw gets the same
treatment. Credentials in the endpoint URL never reach anything printed.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from base64 import b64encode
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from rag import api, backends
from rag.config import Settings, redact_secrets, redact_url
from rag.errors import BackendError, MalformedReplyError
from rag.llm.base import Usage
from rag.llm.openai_backend import OpenAIChat
from rag.types import Answer
from support import (
    INPO,
    INPO_QUESTION,
    INPO_WIN_RATE,
    Action,
    OpenAIStub,
    Request,
    chunk,
    free_port,
    raw_reply,
    sse,
    sse_bytes,
)

SECRET = "Zq7-hunter2-pw"  # distinctive, so finding it anywhere means it leaked
QUERY_SECRET = "sk-Q9-query-secret"


def _shape(**fields: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": "stub", **fields}


# Each fault as the server sends it, and the words the note gives as its reason.
MALFORMED: dict[str, tuple[Action, str]] = {
    "invalid JSON": (
        sse_bytes([b'data: {"choices": [{"delta": {"content": "The answer"\n\n']),
        "it is not valid JSON",
    ),
    "not UTF-8": (
        sse_bytes([b'data: {"choices": [{"index": 0, "delta": {"content": "caf\xe9"}}]}\n\n']),
        "the body is not UTF-8 text",
    ),
    "no choices": (sse([_shape(), chunk(finish="stop")]), "a chunk has no 'choices' list"),
    "choice without delta": (
        sse([_shape(choices=[{"index": 0, "finish_reason": None}]), chunk(finish="stop")]),
        "choices[0] has no 'delta' object",
    ),
    "content a number": (
        sse([chunk("The answer is "), _shape(choices=[{"index": 0, "delta": {"content": 41.5}}])]),
        "choices[0].delta.content is float, not text",
    ),
}
# The stream ends before its first event, so the backend asks again unstreamed, to learn why: a malformed body there.
UNSTREAMED: dict[str, tuple[list[Action], str]] = {
    "unstreamed invalid JSON": ([sse([]), raw_reply(200, b'{"choices": [')], "it is not valid JSON"),
    "unstreamed not UTF-8": (
        [sse([]), raw_reply(200, b'{"error": {"message": "\xff\xfe"}}')],
        "the body is not UTF-8 text",
    ),
}


def openai_settings(settings: Settings, url: str, **llm: Any) -> Settings:
    return settings.override(llm={"base_url": url, "api_key": "sk-test", "max_retries": 0, **llm})


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    clean = {k: v for k, v in clean.items() if not k.startswith("PAPER_RAG_")}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_fallback(answer: Answer | dict[str, Any], error_type: str) -> None:
    """The cited extractive answer to INPO_QUESTION in place of the endpoint's, with a one-line note."""
    data = answer.to_dict() if isinstance(answer, Answer) else answer
    assert data["fallback"] is True and data["error_type"] == error_type
    assert data["backend"] == data["model"] == "extractive"
    assert INPO_WIN_RATE in data["answer"] and data["citations"][0]["title"] == INPO
    note = data["note"]
    assert note.startswith("The openai backend failed ") and "\n" not in note
    assert note.endswith("; showing the extractive answer instead.")


# ------------------------------------------------------------------ the client wrapper


@pytest.mark.parametrize("fault", [*MALFORMED, *UNSTREAMED])
def test_malformed_reply_is_a_backend_error(fault: str, openai_stub: OpenAIStub, tmp_path: Path) -> None:
    actions, reason = (
        ([MALFORMED[fault][0]], MALFORMED[fault][1]) if fault in MALFORMED else UNSTREAMED[fault]
    )
    openai_stub.actions = actions
    llm = OpenAIChat(openai_settings(Settings(home=tmp_path), openai_stub.url))
    with pytest.raises(MalformedReplyError) as info:
        list(llm.stream("q", max_tokens=8, temperature=0.0))
    message = str(info.value)
    assert message.startswith(f"the endpoint {openai_stub.url} sent a malformed reply: {reason}")
    assert "PAPER_RAG_LLM__BASE_URL" in message and "\n" not in message
    assert not info.value.retryable and len(openai_stub.history) == len(actions)


def test_odd_usage_is_counted_instead(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    # Usage that isn't two token counts costs nothing but the server's numbers: the tokens are counted.
    usage = {**chunk(), "choices": [], "usage": {"prompt_tokens": "many", "completion_tokens": None}}
    openai_stub.actions = [sse([chunk("Paris"), chunk(finish="stop"), usage])]
    llm = OpenAIChat(openai_settings(Settings(home=tmp_path), openai_stub.url))
    assert list(llm.stream("q", max_tokens=8, temperature=0.0)) == ["Paris"]
    assert isinstance(llm.last_usage, Usage) and llm.last_usage.completion_tokens == 1


# ------------------------------------------------------------------ the answer chain, in process and in the CLI


@pytest.mark.parametrize("fault", list(MALFORMED))
def test_malformed_reply_falls_back_in_process(
    fault: str, openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    action, reason = MALFORMED[fault]
    openai_stub.actions = [action]
    answer = api.ask(
        INPO_QUESTION, backend="openai", settings=openai_settings(bundled_settings, openai_stub.url)
    )
    assert_fallback(answer, "MalformedReplyError")
    assert f"sent a malformed reply: {reason}" in answer.note and answer.requested_backend == "openai"
    assert answer.tokens == {"prompt": 0, "completion": 0}


@pytest.mark.parametrize("fault", list(MALFORMED))
def test_malformed_reply_falls_back_in_the_cli(
    fault: str, openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    openai_stub.actions = [MALFORMED[fault][0]]
    env = {"PAPER_RAG_HOME": str(bundled_settings.home), "PAPER_RAG_LLM__BASE_URL": openai_stub.url}
    out = run_cli(env, "ask", "--json", "--no-auto-ingest", "--backend", "openai", INPO_QUESTION)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert_fallback(json.loads(out.stdout), "MalformedReplyError")
    assert len(openai_stub.history) == 1


class _Broken:
    """An LLM client with a bug: its stream raises what no backend should."""

    backend, model, context_window, is_chat = "broken", "broken-1", 8192, True
    last_usage: Usage | None = None
    price_per_mtok = None

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def stream(self, prompt: object, **_: object) -> Generator[str, None, None]:
        yield "The answer "
        raise self.exc


def _broken_backend(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    class Broken(backends.LLMBackend):
        name = "openai"  # in the openai backend's place, so the note names the backend the user picked
        summary = "a backend with a bug"

        def available(self, settings: Settings) -> tuple[bool, str]:
            return True, ""

        def client(self, settings: Settings) -> Any:
            return _Broken(exc)

    monkeypatch.setitem(backends._REGISTRY, "openai", Broken())


@pytest.mark.parametrize("debug", [False, True])
def test_any_backend_exception_falls_back(
    debug: bool,
    monkeypatch: pytest.MonkeyPatch,
    bundled_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _broken_backend(monkeypatch, ZeroDivisionError("division by zero\nin the parser"))
    settings = bundled_settings.override(debug=debug)
    deltas: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="rag.answer"):
        answer = api.ask(INPO_QUESTION, backend="openai", settings=settings, on_token=deltas.append)
    assert_fallback(answer, "ZeroDivisionError")
    assert "failed unexpectedly (ZeroDivisionError: division by zero in the parser)" in answer.note
    assert deltas[0] == "The answer " and deltas[1] == api.DISCARDED  # what it wrote is taken back
    (record,) = [r for r in caplog.records if r.name == "rag.answer"]
    # The bug is not hidden: its traceback is logged, at ERROR (stderr, with no logging set up) under debug.
    assert record.levelno == (logging.ERROR if debug else logging.DEBUG)
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3)])
def test_interrupts_are_not_swallowed(
    exc: BaseException, monkeypatch: pytest.MonkeyPatch, bundled_settings: Settings
) -> None:
    _broken_backend(monkeypatch, exc)
    with pytest.raises(type(exc)):
        api.ask(INPO_QUESTION, backend="openai", settings=bundled_settings)


# ------------------------------------------------------------------ credentials in the endpoint URL


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pw@127.0.0.1:8080/v1", "http://***@127.0.0.1:8080/v1"),
        ("http://sk-token@llama:8080/v1", "http://***@llama:8080/v1"),
        ("http://127.0.0.1:8080/v1?api_key=sk-1&x", "http://127.0.0.1:8080/v1?api_key=***&***"),
        ("https://h/v1#token=abc", "https://h/v1#***"),
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://[::1", "***"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_secrets_in_quoted_text() -> None:
    url = f"http://paper:{SECRET}@127.0.0.1:9/v1?api_key={QUERY_SECRET}"
    text = f"GET {url}/chat failed; the server said: bad key {QUERY_SECRET} for paper:{SECRET}"
    assert redact_secrets(text, url) == (
        "GET http://***@127.0.0.1:9/v1?api_key=***/chat failed; the server said: bad key *** for ***:***"
    )


def _echo_url(h: Any, request: Request) -> None:
    """A server error that quotes the request back, credentials and all, as some proxies do."""
    auth = request["headers"].get("authorization", "")
    raw_reply(
        500, json.dumps({"error": {"message": f"upstream failed for {request['path']} ({auth})"}}).encode()
    )(h, request)


@pytest.mark.parametrize("where", ["userinfo", "query"])
@pytest.mark.parametrize("server", ["dead port", "stub"])
def test_credentials_in_the_url_are_never_printed(
    where: str, server: str, openai_stub: OpenAIStub, bundled_settings: Settings
) -> None:
    root = f"127.0.0.1:{free_port()}/v1" if server == "dead port" else openai_stub.url.removeprefix("http://")
    url = f"http://paper:{SECRET}@{root}" if where == "userinfo" else f"http://{root}?api_key={SECRET}"
    openai_stub.actions = [_echo_url]
    env = {
        "PAPER_RAG_HOME": str(bundled_settings.home),
        "OPENAI_BASE_URL": url,
        "PAPER_RAG_LLM__MAX_RETRIES": "0",
    }
    plain = run_cli(env, "ask", "--no-auto-ingest", "--backend", "openai", INPO_QUESTION)
    as_json = run_cli(env, "ask", "--json", "--no-auto-ingest", "--backend", "openai", INPO_QUESTION)
    config = [run_cli(env, "config"), run_cli(env, "config", "--json")] if server == "dead port" else []
    for out in [plain, as_json, *config]:
        assert out.returncode == 0, out.stderr
        assert SECRET not in out.stdout + out.stderr and "Traceback" not in out.stderr
    if config:
        assert f"PAPER_RAG_LLM__BASE_URL={redact_url(url)}\n" in config[0].stdout
    data = json.loads(as_json.stdout)
    assert_fallback(data, "BackendError")
    assert redact_url(url).split("?")[0] in data["note"]  # the note still says which endpoint failed
    assert f"note: {data['note']}" in plain.stderr.splitlines()
    if server == "stub":
        assert "failed with 500: upstream failed for" in data["note"] and len(openai_stub.history) == 2
        # The credentials did reach the server, the one place they belong.
        seen = openai_stub.history[0]
        if where == "userinfo":
            assert (
                seen["headers"]["authorization"] == "Basic " + b64encode(f"paper:{SECRET}".encode()).decode()
            )
        else:
            assert seen["path"] == f"/v1/chat/completions?api_key={SECRET}"
    else:
        assert "cannot reach" in data["note"]


def test_in_process_note_and_error_have_no_credentials(bundled_settings: Settings) -> None:
    url = f"http://paper:{SECRET}@127.0.0.1:{free_port()}/v1"
    settings = openai_settings(bundled_settings, url)
    answer = api.ask(INPO_QUESTION, backend="openai", settings=settings)
    assert SECRET not in json.dumps(answer.to_dict()) and "http://***@127.0.0.1:" in answer.note
    with pytest.raises(BackendError) as info:
        list(OpenAIChat(settings).stream("q", max_tokens=4, temperature=0.0))
    assert SECRET not in str(info.value) and "cannot reach http://***@127.0.0.1:" in str(info.value)
