"""LLM backends against real peers: llama.cpp's OpenAI-compatible server on 127.0.0.1, a stdlib HTTP stub for
the failures a real server will not produce on demand, and llama.cpp in process on the bundled model."""

from __future__ import annotations

import json
import os
import signal
import struct
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from rag.backends import backend_info, get
from rag.backends import resolve as resolve_backend
from rag.config import Settings
from rag.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    ConfigError,
    ContextWindowExceededError,
    ModelNotFoundError,
)
from rag.llm import local_backend
from rag.llm.base import LLM
from rag.llm.local_backend import LocalLlama
from rag.llm.openai_backend import OpenAIChat, list_models, self_hosted
from rag.tokens import count_tokens
from support import (
    USAGE_CHUNK,
    LlamaServer,
    OpenAIStub,
    Request,
    chunk,
    error,
    free_port,
    reply,
    sse,
    start_llama_server,
)

FEW_SHOT = "Q: What is the capital of France?\nA: Paris\n\nQ: What is the capital of Italy?\nA:"


# A Gemma-style chat template, small enough to read. The bundled GGUF has none (it is the base model).
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>"
    "{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n{{ m['content'] }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
_GGUF_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def with_chat_template(src: Path, dst: Path, template: str) -> Path:
    """A copy of the GGUF ``src`` with ``tokenizer.chat_template`` added to its metadata (GGUF v2/v3 layout)."""
    data = src.read_bytes()
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", data, 0)
    assert magic == b"GGUF" and version >= 2
    alignment = 32

    def string(at: int) -> tuple[bytes, int]:
        (n,) = struct.unpack_from("<Q", data, at)
        return data[at + 8 : at + 8 + n], at + 8 + n

    def skip_value(kind: int, at: int) -> int:
        if kind == 8:  # string
            return string(at)[1]
        if kind == 9:  # array: item type, count, items
            item, count = struct.unpack_from("<IQ", data, at)
            at += 12
            if item in _GGUF_SCALAR_SIZES:
                return at + _GGUF_SCALAR_SIZES[item] * count
            for _ in range(count):
                at = skip_value(item, at)
            return at
        return at + _GGUF_SCALAR_SIZES[kind]

    pos = 24
    for _ in range(n_kv):
        key, pos = string(pos)
        (kind,) = struct.unpack_from("<I", data, pos)
        if key == b"general.alignment":
            (alignment,) = struct.unpack_from("<I", data, pos + 4)
        pos = skip_value(kind, pos + 4)
    kv_end = pos
    for _ in range(n_tensors):  # name, n_dims, dims, type, offset (relative to the data section)
        pos = string(pos)[1]
        (n_dims,) = struct.unpack_from("<I", data, pos)
        pos += 4 + 8 * n_dims + 4 + 8
    tensors = -(-pos // alignment) * alignment
    key, value = b"tokenizer.chat_template", template.encode()
    added = struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(value)) + value
    header = struct.pack("<4sIQQ", magic, version, n_tensors, n_kv + 1)
    header += data[24:kv_end] + added + data[kv_end:pos]
    header += b"\0" * (-len(header) % alignment)
    dst.write_bytes(header + data[tensors:])
    return dst


def openai_settings(tmp_path: Path, base_url: str, **llm: Any) -> Settings:
    return Settings(home=tmp_path, llm={"base_url": base_url, "api_key": "sk-test", **llm})


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var in ("OPENAI_API_KEY", "OPENAI_BASE_URL") or var.startswith("PAPER_RAG_LLM__"):
            monkeypatch.delenv(var)


# --- llama.cpp's server -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_openai_backend_streams_from_llama_server(
    gguf: Path, llama_server: LlamaServer, tmp_path: Path
) -> None:
    """The stream from a real llama.cpp server, and its usage. What the 270M *base* model says at temperature 0
    depends on the CPU's float kernels (on one machine "Paris" for this prompt, on another an end of turn at once,
    with the chat template the server reads from the model file), so the server is given the model's chat format
    and the test checks the stream, not the words."""
    server = start_llama_server(gguf, tmp_path / "server.log", "--chat_format", "gemma")
    try:
        llm = OpenAIChat(openai_settings(tmp_path, server.url, model="gemma-270m"))
        assert isinstance(llm, LLM) and llm.is_chat and llm.backend == "openai"
        prompt = "The capital of France is"
        deltas = list(llm.stream(prompt, max_tokens=12, temperature=0.0))
    finally:
        server.stop()
    assert len(deltas) >= 3 and "".join(deltas).strip()
    # llama.cpp's server ignores stream_options.include_usage, so the usage is counted with tiktoken.
    assert llm.last_usage is not None
    assert llm.last_usage.prompt_tokens == count_tokens(prompt) > 0
    assert llm.last_usage.completion_tokens == count_tokens("".join(deltas)) > 0
    assert list_models(openai_settings(tmp_path, llama_server.url)) == ["gemma-270m"]


@pytest.mark.slow
def test_llama_server_ignores_unknown_model_names(llama_server: LlamaServer, tmp_path: Path) -> None:
    # llama_cpp.server's LlamaProxy falls back to its default model for any name it does not know (and echoes
    # the name back), so it cannot produce a model-not-found error; test_stub_404_model_not_found covers that.
    # (What the base model then says depends on the CPU, see above: the test checks that the request is answered.)
    llm = OpenAIChat(openai_settings(tmp_path, llama_server.url, model="no-such-model"))
    list(llm.stream("The capital of France is", max_tokens=4, temperature=0.0))
    assert llm.last_usage is not None and llm.last_usage.prompt_tokens > 0


@pytest.mark.slow
def test_llama_server_context_overflow(llama_server: LlamaServer, tmp_path: Path) -> None:
    # Streamed, llama_cpp.server answers 200 with an empty body and only logs the ValueError; the backend then
    # asks again unstreamed and maps the real 400 (code context_length_exceeded).
    llm = OpenAIChat(openai_settings(tmp_path, llama_server.url, model="gemma-270m"))
    with pytest.raises(ContextWindowExceededError, match=r"maximum context length is 2048 tokens") as info:
        list(llm.stream("word " * 2500, max_tokens=8, temperature=0.0))
    assert not info.value.retryable
    assert "Requested tokens (2510) exceed context window of 2048" in llama_server.log.read_text()


@pytest.mark.slow
def test_llama_server_killed_mid_stream(gguf: Path, tmp_path: Path) -> None:
    server = start_llama_server(gguf, tmp_path / "server.log")
    try:
        llm = OpenAIChat(openai_settings(tmp_path, server.url, model="gemma-270m", max_retries=0))
        stream = llm.stream("The capital of France is", max_tokens=1500, temperature=0.0)
        first = next(stream)
        assert first
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
        with pytest.raises(
            BackendError, match=r"cut off after \d+ deltas: the server closed the connection"
        ) as info:
            for _ in stream:
                pass
        assert info.value.retryable
    finally:
        server.stop()


# --- a scripted HTTP peer (support.OpenAIStub) for the failures a real server will not produce on demand -------


def test_stub_retries_429_then_streams(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    # retry-after-ms keeps the test fast; without it the client backs off 0.5 s, 1 s, 2 s (minus jitter).
    limited = error(
        429, "Rate limit reached for gpt-4o-mini", "rate_limit_exceeded", **{"retry-after-ms": "10"}
    )
    openai_stub.actions = [
        limited,
        limited,
        sse([chunk("Hel"), chunk("lo"), chunk(" there"), chunk(finish="stop"), USAGE_CHUNK]),
    ]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url, max_retries=3))
    assert list(llm.stream("Say hello", max_tokens=8, temperature=0.0)) == ["Hel", "lo", " there"]
    assert len(openai_stub.history) == 3
    assert llm.last_usage is not None
    assert (llm.last_usage.prompt_tokens, llm.last_usage.completion_tokens) == (7, 3)  # the server's numbers
    request = openai_stub.history[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True and body["max_tokens"] == 8
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "Say hello"}]


def test_stub_401_is_not_retried(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [error(401, "Incorrect API key provided: sk-test.", "invalid_api_key")]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url, max_retries=3))
    with pytest.raises(
        AuthenticationError, match=r"rejected the API key \(401\) - check OPENAI_API_KEY"
    ) as info:
        list(llm.stream("hi", max_tokens=4, temperature=0.0))
    assert not info.value.retryable
    assert len(openai_stub.history) == 1


def test_stub_stream_cut_off_mid_answer(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [sse([chunk("The answer"), chunk(" is")], complete=False)]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url, max_retries=3))
    received: list[str] = []
    with pytest.raises(BackendError, match="cut off after 2 deltas") as info:
        for delta in llm.stream("q", max_tokens=16, temperature=0.0):
            received.append(delta)
    assert received == ["The answer", " is"]
    assert info.value.retryable
    assert (
        len(openai_stub.history) == 1
    )  # a broken stream is not replayed: its deltas were already handed out


def test_stub_stream_without_finish_reason(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    # A server that ends the body cleanly but early (no finish_reason, no [DONE]) is cut off too.

    def clean_early_end(h: BaseHTTPRequestHandler, request: Request) -> None:
        data = f"data: {json.dumps(chunk('partial'))}\n\n".encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    openai_stub.actions = [clean_early_end]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url))
    received: list[str] = []
    with pytest.raises(BackendError, match="without a finish reason"):
        for delta in llm.stream("q", max_tokens=16, temperature=0.0):
            received.append(delta)
    assert received == ["partial"]


def test_stub_caller_stops_early(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [sse([chunk("One"), chunk(" two"), chunk(" three"), chunk(finish="stop")])]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url))
    stream = llm.stream("Count", max_tokens=8, temperature=0.0)
    assert next(stream) == "One"
    stream.close()
    # No usage chunk arrived, so the tokens spent so far are counted with tiktoken.
    assert llm.last_usage is not None
    assert (llm.last_usage.prompt_tokens, llm.last_usage.completion_tokens) == (count_tokens("Count"), 1)


def test_stub_timeout(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [openai_stub.stall(5.0)]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url, timeout_s=0.5, max_retries=1))
    started = time.monotonic()
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0.5 s") as info:
        list(llm.stream("q", max_tokens=4, temperature=0.0))
    assert info.value.retryable
    assert len(openai_stub.history) == 2  # timeouts are retried by the client
    assert time.monotonic() - started < 4


def test_stub_404_model_not_found(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [
        error(
            404,
            "The model `gpt-nope` does not exist or you do not have access to it.",
            "model_not_found",
        )
    ]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url, model="gpt-nope"))
    with pytest.raises(ModelNotFoundError) as info:
        list(llm.stream("q", max_tokens=4, temperature=0.0))
    message = str(info.value)
    assert "'gpt-nope'" in message and openai_stub.url in message and "PAPER_RAG_LLM__MODEL" in message
    assert not info.value.retryable and len(openai_stub.history) == 1


def test_stub_context_length_400(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [
        error(
            400,
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130002 tokens.",
            "context_length_exceeded",
        )
    ]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url))
    with pytest.raises(ContextWindowExceededError, match="130002 tokens"):
        list(llm.stream("q", max_tokens=4, temperature=0.0))


def test_stub_5xx_is_retried_then_retryable(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [error(503, "The server is overloaded", None, **{"retry-after-ms": "5"})]
    llm = OpenAIChat(openai_settings(tmp_path, openai_stub.url, max_retries=2))
    with pytest.raises(BackendError, match="failed with 503") as info:
        list(llm.stream("q", max_tokens=4, temperature=0.0))
    assert info.value.retryable
    assert len(openai_stub.history) == 3


def test_stub_list_models(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    openai_stub.actions = [
        reply(
            200,
            {
                "object": "list",
                "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "x"}
                    for m in ("gpt-4o", "gpt-4o-mini")
                ],
            },
        ),
        error(401, "bad key"),
    ]
    settings = openai_settings(tmp_path, openai_stub.url)
    assert list_models(settings) == ["gpt-4o", "gpt-4o-mini"]
    assert openai_stub.history[0]["method"] == "GET" and openai_stub.history[0]["path"] == "/v1/models"
    with pytest.raises(AuthenticationError):
        list_models(settings)


def test_nothing_listening(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = OpenAIChat(openai_settings(tmp_path, url, max_retries=0))
    with pytest.raises(BackendError, match=f"cannot reach {url}") as info:
        list(llm.stream("q", max_tokens=4, temperature=0.0))
    assert info.value.retryable


@pytest.mark.parametrize(
    ("url", "own"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://10.0.0.7/v1", True),
        ("http://192.168.1.20:8080/v1", True),
        ("http://172.20.0.3:8000/v1", True),
        ("http://169.254.1.1/v1", True),
        ("http://llama:8080/v1", True),  # a compose service
        ("http://gpu-box.local:8080/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://openrouter.ai/api/v1", False),
        ("http://8.8.8.8/v1", False),
    ],
)
def test_self_hosted_endpoints(url: str, own: bool) -> None:
    assert self_hosted(url) is own


@pytest.mark.usefixtures("clean_env")
def test_openai_known_models_and_missing_key(tmp_path: Path) -> None:
    api_url = "https://api.openai.com/v1"  # nothing is sent: the client is only built
    llm = OpenAIChat(openai_settings(tmp_path, api_url))
    assert (llm.model, llm.context_window, llm.price_per_mtok) == ("gpt-4o-mini", 128_000, (0.15, 0.60))
    other = OpenAIChat(openai_settings(tmp_path, api_url, model="gpt-4.1-mini-2025-04-14"))
    assert other.price_per_mtok == (0.40, 1.60)
    unknown = OpenAIChat(openai_settings(tmp_path, api_url, model="gemma-270m"))
    assert (unknown.context_window, unknown.price_per_mtok) == (8192, None)
    # A llama.cpp server on loopback answering under the default name is not billed at gpt-4o-mini's rates.
    local = OpenAIChat(openai_settings(tmp_path, "http://127.0.0.1:9/v1"))
    assert (local.model, local.price_per_mtok) == ("gpt-4o-mini", None)
    sized = OpenAIChat(
        openai_settings(tmp_path, "http://127.0.0.1:9/v1", model="gpt-4o", context_window=2048)
    )
    assert sized.context_window == 2048
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIChat(Settings(home=tmp_path))


# --- llama.cpp in process -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_settings(gguf: Path) -> Settings:
    # One thread: llama.cpp's threads spin at barriers, so on a busy 2-core CI box two of them crawl.
    return Settings(home=gguf.parent.parent, llm={"threads": 1})  # the home the model was assembled into


@pytest.fixture(scope="module")
def local_llm(local_settings: Settings) -> LocalLlama:
    return LocalLlama(local_settings)


@pytest.mark.slow
def test_local_streams_the_bundled_base_model(local_llm: LocalLlama) -> None:
    assert isinstance(local_llm, LLM)
    assert (local_llm.backend, local_llm.is_chat, local_llm.price_per_mtok) == ("local", False, None)
    assert local_llm.context_window == 4096
    deltas = list(local_llm.stream(FEW_SHOT, max_tokens=16, temperature=0.0, stop=["\n\n"]))
    text = "".join(deltas)
    assert "Rome" in text and "\n\n" not in text
    usage = local_llm.last_usage
    assert usage is not None
    assert usage.prompt_tokens == len(local_llm.llama.tokenize(FEW_SHOT.encode(), add_bos=True, special=True))
    assert 0 < usage.completion_tokens <= 16


@pytest.mark.slow
def test_local_respects_max_tokens(local_llm: LocalLlama) -> None:
    deltas = list(local_llm.stream("Once upon a time", max_tokens=5, temperature=0.0))
    assert local_llm.last_usage is not None and local_llm.last_usage.completion_tokens == 5
    assert 1 <= len(deltas) <= 5


@pytest.mark.slow
def test_local_prompt_over_context_window(local_llm: LocalLlama) -> None:
    with pytest.raises(ContextWindowExceededError, match=r"is \d{4} tokens .* context window of 4096"):
        list(local_llm.stream("word " * 5000, max_tokens=4, temperature=0.0))


@pytest.mark.slow
def test_local_model_is_cached(local_llm: LocalLlama, local_settings: Settings) -> None:
    loaded = len(local_backend._MODELS)
    again = get("local").client(local_settings)
    assert isinstance(again, LocalLlama)
    assert again.llama is local_llm.llama
    assert len(local_backend._MODELS) == loaded


@pytest.mark.slow
def test_local_chat_model_takes_messages(gguf: Path, tmp_path: Path) -> None:
    chat_gguf = with_chat_template(gguf, tmp_path / "gemma-chat.gguf", CHAT_TEMPLATE)
    llm = LocalLlama(
        Settings(home=tmp_path, llm={"model": str(chat_gguf), "context_window": 512, "threads": 1})
    )
    assert llm.is_chat and llm.model == "gemma-chat" and llm.context_window == 512
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    deltas = list(llm.stream(messages, max_tokens=6, temperature=0.0))
    assert deltas and llm.last_usage is not None
    assert 0 < llm.last_usage.completion_tokens <= 6
    # Reference: llama-cpp-python's own count for the same messages, unstreamed.
    reference = llm.llama.create_chat_completion(messages, max_tokens=1, temperature=0.0)
    assert llm.last_usage.prompt_tokens == reference["usage"]["prompt_tokens"]
    with pytest.raises(ValueError, match="base model"):
        next(
            iter(
                LocalLlama(Settings(home=gguf.parent.parent, llm={"threads": 1})).stream(
                    messages, max_tokens=4, temperature=0.0
                )
            )
        )


def test_local_missing_or_broken_gguf(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ConfigError, match=r"nope\.gguf - set PAPER_RAG_LLM__MODEL"):
        LocalLlama(Settings(home=tmp_path, llm={"model": str(missing)}))
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ConfigError, match=r"cannot load the GGUF model .*broken\.gguf"):
        LocalLlama(Settings(home=tmp_path, llm={"model": str(broken)}))


# --- the backend registry ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_env")
def test_factory_resolves_auto(tmp_path: Path) -> None:
    assert local_backend.is_available()  # llama-cpp-python is a dev dependency
    # Offline: extractive measured better than the bundled 270M model; a configured GGUF runs locally.
    assert resolve_backend(Settings(home=tmp_path)) == "extractive"
    assert (
        resolve_backend(Settings(home=tmp_path, llm={"model": str(tmp_path / "qwen2.5-3b-instruct.gguf")}))
        == "local"
    )
    assert resolve_backend(Settings(home=tmp_path, llm={"base_url": "http://127.0.0.1:8080/v1"})) == "openai"
    assert resolve_backend(Settings(home=tmp_path, llm={"api_key": "sk-x"})) == "openai"
    assert (
        resolve_backend(Settings(home=tmp_path, llm={"backend": "extractive", "api_key": "sk-x"}))
        == "extractive"
    )
    assert resolve_backend(Settings(home=tmp_path), "openai") == "openai"
    with pytest.raises(ConfigError, match="PAPER_RAG_LLM__BACKEND"):
        resolve_backend(Settings(home=tmp_path), "gpt")


@pytest.mark.usefixtures("clean_env")
def test_registry_builds_backends(tmp_path: Path) -> None:
    assert not hasattr(get("extractive"), "client")  # no LLM behind it
    llm = get("openai").client(Settings(home=tmp_path, llm={"base_url": "http://127.0.0.1:8080/v1"}))
    assert isinstance(llm, OpenAIChat) and llm.endpoint == "http://127.0.0.1:8080/v1"
    rows = {row["name"]: row for row in backend_info(Settings(home=tmp_path))}
    assert list(rows) == ["extractive", "local", "openai"]
    assert rows["local"]["available"] is True and rows["local"]["why_not"] == ""
    assert all(row["summary"] for row in rows.values())
    assert rows["extractive"]["available"] is True
    assert rows["openai"]["available"] is False and "OPENAI_API_KEY" in str(rows["openai"]["why_not"])
