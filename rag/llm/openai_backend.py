"""The ``openai`` backend: any OpenAI-compatible chat endpoint (OpenAI itself, llama.cpp's server, vLLM, ...).

It streams chat completions and turns every failure of the ``openai`` package, and every reply it cannot read
(invalid JSON, a body that is not UTF-8, a chunk of the wrong shape), into a :mod:`rag.errors` BackendError whose
message says what to do next. The endpoint is shown with :func:`rag.config.redact_url`: credentials in its URL
never reach a message. Retries with backoff are left to the ``openai`` client
(see :func:`_client`); this module adds none of its own. It does not build prompts, budget the context or
estimate cost: it only reports the model's context window, its price where known (never for a self-hosted
endpoint), and the tokens a call used.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import parse_qsl, urlparse, urlsplit, urlunsplit

import openai
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from rag.config import Settings, redact_secrets, redact_url
from rag.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    ConfigError,
    ContextWindowExceededError,
    MalformedReplyError,
    ModelNotFoundError,
    RateLimitError,
)
from rag.llm.base import Message, Usage
from rag.tokens import count_tokens

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_CONTEXT_WINDOW = 8192
OPENAI_URL = "https://api.openai.com/v1"
# Sent when a base URL is set but no key: local servers ignore it, and the client refuses to start without one.
NO_KEY = "sk-no-key-needed"

# USD per 1M (prompt, completion) tokens, from openai.com/api/pricing.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
}
# Longest matching prefix wins.
CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
}

_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # gpt-4o-mini-2024-07-18 is priced as gpt-4o-mini
_CONTEXT_MESSAGE = re.compile(r"context|too many tokens", re.IGNORECASE)
_REASON_CHARS = 160  # of a malformed reply's reason: enough to recognise it, short enough for one line
# What the client's parsing (and ours, in _read_chunk) raises on a reply that isn't the OpenAI wire format.
# JSONDecodeError and UnicodeDecodeError are ValueErrors.
_PARSE_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError)


class _Malformed(ValueError):
    """A streamed chunk that parsed as JSON but is not shaped like a chat.completion.chunk."""


def known_price(model: str) -> tuple[float, float] | None:
    """(prompt, completion) USD per 1M tokens for a known OpenAI model, else None."""
    return PRICES.get(_DATED.sub("", model))


def self_hosted(url: str) -> bool:
    """Whether ``url`` is a server on this machine or a private network (loopback, private and link-local
    addresses, localhost, .local / .internal / .lan and single-label names like a compose service): nobody bills
    its tokens at a price list's rates, whatever name its model is served under."""
    host = (urlparse(url).hostname or "").rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host or host.endswith((".localhost", ".local", ".internal", ".lan"))
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def known_context_window(model: str) -> int | None:
    """The context window of a known OpenAI model family, else None."""
    matches = [prefix for prefix in CONTEXT_WINDOWS if model.startswith(prefix)]
    return CONTEXT_WINDOWS[max(matches, key=len)] if matches else None


def _client(settings: Settings) -> openai.OpenAI:
    llm = settings.llm
    if not llm.api_key and not llm.base_url:
        raise ConfigError(
            "No key found for the 'openai' backend - set OPENAI_API_KEY, or point PAPER_RAG_LLM__BASE_URL "
            "at an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1)"
        )
    # The client retries by itself: openai/_base_client.py (`_should_retry`, `_calculate_retry_timeout`)
    # retries 408, 409, 429, every 5xx, timeouts and connection errors up to `max_retries` times, sleeping
    # min(0.5 * 2**n, 8) s minus up to 25% jitter, or the server's Retry-After / retry-after-ms when it sends
    # one (up to 120 s). Errors raised while a stream is being read are not retried.
    # A query string (``?api_key=...``, as some gateways want) goes on every request: left in the base URL, the
    # client would put the request's path after it.
    url = urlsplit(llm.base_url or OPENAI_URL)
    return openai.OpenAI(
        api_key=llm.api_key or NO_KEY,
        base_url=urlunsplit(url._replace(query="", fragment="")),
        default_query=dict(parse_qsl(url.query, keep_blank_values=True)) or None,
        timeout=llm.timeout_s,
        max_retries=llm.max_retries,
    )


def _endpoint(client: openai.OpenAI) -> str:
    """The client's base URL as it may be shown: without credentials."""
    return redact_url(str(client.base_url).rstrip("/"))


def _malformed_reason(err: Exception) -> str:
    """A short account of why a reply could not be read."""
    if isinstance(err, json.JSONDecodeError):
        reason = f"it is not valid JSON ({err.msg} at line {err.lineno} column {err.colno})"
    elif isinstance(err, UnicodeDecodeError):
        reason = f"the body is not UTF-8 text (byte {err.object[err.start : err.start + 1]!r} at {err.start})"
    elif isinstance(err, _Malformed):
        reason = str(err)
    else:
        reason = f"{type(err).__name__}: {err}"
    reason = " ".join(reason.split())
    return reason if len(reason) <= _REASON_CHARS else reason[: _REASON_CHARS - 1] + "…"


def _read_chunk(chunk: Any) -> tuple[list[str], bool, Usage | None]:
    """(content deltas, whether a choice finished, usage) of one streamed chunk.

    The client builds chunks without validating them, so a server's odd JSON arrives as odd attributes;
    anything not shaped like a chat.completion.chunk raises :class:`_Malformed`. A usage block that isn't two
    token counts is ignored (the tokens are counted instead): it should not cost the answer.
    """
    choices = getattr(chunk, "choices", None)
    if choices is None and getattr(chunk, "usage", None) is not None:
        choices = []  # a usage chunk from a server that leaves out the empty list
    if not isinstance(choices, list):
        raise _Malformed(f"a chunk has no 'choices' list (got {type(choices).__name__})")
    texts: list[str] = []
    finished = False
    for i, choice in enumerate(choices):
        delta = getattr(choice, "delta", None)
        finish = getattr(choice, "finish_reason", None)
        finished = finished or finish is not None
        if delta is None and finish is not None:
            continue  # a bare finish: nothing to say
        if not isinstance(delta, BaseModel):
            raise _Malformed(f"choices[{i}] has no 'delta' object (got {type(delta).__name__})")
        content = getattr(delta, "content", None)
        if content is not None and not isinstance(content, str):
            raise _Malformed(f"choices[{i}].delta.content is {type(content).__name__}, not text")
        if content:
            texts.append(content)
    raw = getattr(chunk, "usage", None)
    prompt, completion = getattr(raw, "prompt_tokens", None), getattr(raw, "completion_tokens", None)
    counted = all(isinstance(n, int) and not isinstance(n, bool) for n in (prompt, completion))
    return texts, finished, Usage(cast("int", prompt), cast("int", completion)) if counted else None


def _error_text(err: openai.APIError) -> tuple[str, str]:
    """(message, code) of an API error, read from an OpenAI-style body where there is one."""
    body = err.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    message, code = err.message, ""
    if isinstance(body, dict):
        message = str(body.get("message") or message)
        code = str(body.get("code") or body.get("type") or "")
    return message, code


def map_error(err: Exception, *, model: str, endpoint: str, timeout_s: float) -> BackendError:
    """Translate an ``openai`` exception into our hierarchy, with a message that says what to do."""
    if isinstance(err, BackendError):
        return err
    if isinstance(err, _PARSE_ERRORS):
        return MalformedReplyError(
            f"the endpoint {endpoint} sent a malformed reply: {_malformed_reason(err)} - check that "
            "PAPER_RAG_LLM__BASE_URL / OPENAI_BASE_URL is an OpenAI-compatible API root (it usually ends in /v1)"
        )
    if isinstance(err, openai.APITimeoutError):  # before APIConnectionError, its base class
        return BackendTimeoutError(
            f"{endpoint} did not answer within {timeout_s:g} s - try again, or raise PAPER_RAG_LLM__TIMEOUT_S"
        )
    if isinstance(err, openai.APIConnectionError):
        cause = err.__cause__ or err.__context__
        why = f" ({type(cause).__name__}: {cause})" if cause else ""
        return BackendError(
            f"cannot reach {endpoint}{why} - is the server running? Check PAPER_RAG_LLM__BASE_URL / OPENAI_BASE_URL",
            retryable=True,
        )
    if not isinstance(err, openai.APIError):
        return BackendError(f"the OpenAI client failed talking to {endpoint}: {type(err).__name__}: {err}")
    message, code = _error_text(err)
    status = err.status_code if isinstance(err, openai.APIStatusError) else None
    not_found = (
        f"the model {model!r} is not available at {endpoint} ({message}) - "
        "set PAPER_RAG_LLM__MODEL to one the endpoint serves"
    )
    if isinstance(err, openai.AuthenticationError):
        return AuthenticationError(
            f"the endpoint rejected the API key (401) - check OPENAI_API_KEY ({message})"
        )
    if isinstance(err, openai.PermissionDeniedError):
        return AuthenticationError(
            f"the endpoint refused access (403): {message} - check OPENAI_API_KEY and the account's permissions"
        )
    if isinstance(err, openai.RateLimitError):
        if code == "insufficient_quota":  # a 429 that waiting will not fix
            return BackendError(f"the account's quota is used up: {message} - check billing at {endpoint}")
        return RateLimitError(f"rate limited by {endpoint} (429): {message} - wait a moment and try again")
    if code == "context_length_exceeded" or (status == 400 and _CONTEXT_MESSAGE.search(message)):
        return ContextWindowExceededError(
            f"the prompt does not fit the context window of {model!r}: {message} - "
            "ask about fewer papers (PAPER_RAG_RETRIEVAL__K) or set PAPER_RAG_LLM__CONTEXT_WINDOW to the model's size"
        )
    if isinstance(err, openai.NotFoundError):
        if code == "model_not_found" or "model" in message.lower():
            return ModelNotFoundError(not_found)
        # A 404 that does not mention the model is most often a base URL without its /v1.
        return ModelNotFoundError(
            not_found + f", and check that {endpoint} is the API root (it usually ends in /v1)"
        )
    if code == "model_not_found" or re.search(
        r"model\b.*\b(not found|does not exist|unknown)", message, re.I
    ):
        return ModelNotFoundError(not_found)
    if status is not None and status >= 500:
        return BackendError(f"{endpoint} failed with {status}: {message} - try again", retryable=True)
    if status is not None:
        return BackendError(f"{endpoint} refused the request ({status}): {message}")
    return BackendError(f"{endpoint} reported an error: {message}")  # an error event inside a stream


def list_models(settings: Settings) -> list[str]:
    """The ids of the models the endpoint serves, sorted."""
    client = _client(settings)
    try:
        ids = [m.id for m in client.models.list()]
        if not all(isinstance(i, str) for i in ids):
            raise _Malformed("a model's 'id' is not text")
        return sorted(ids)
    except Exception as err:
        mapped = map_error(
            err,
            model=settings.llm.model or DEFAULT_MODEL,
            endpoint=_endpoint(client),
            timeout_s=settings.llm.timeout_s,
        )
        raise _redacted(mapped, settings.llm.base_url) from err


def _redacted(err: BackendError, url: str | None) -> BackendError:
    """``err`` with any credential of ``url`` starred in its message (a cause or a server may quote the URL)."""
    err.args = (redact_secrets(str(err), url), *err.args[1:])
    return err


class OpenAIChat:
    """A chat model behind an OpenAI-compatible endpoint."""

    backend = "openai"
    is_chat = True

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm.model or DEFAULT_MODEL
        self.context_window = (
            settings.llm.context_window or known_context_window(self.model) or DEFAULT_CONTEXT_WINDOW
        )
        self.last_usage: Usage | None = None
        self.timeout_s = settings.llm.timeout_s
        self._url = settings.llm.base_url
        self._client = _client(settings)
        self.endpoint = _endpoint(self._client)
        # A llama.cpp server on 127.0.0.1 answering as "gpt-4o-mini" (the default name) costs nothing.
        self.price_per_mtok = None if self_hosted(self.endpoint) else known_price(self.model)

    def _error(self, err: Exception) -> BackendError:
        mapped = map_error(err, model=self.model, endpoint=self.endpoint, timeout_s=self.timeout_s)
        return _redacted(mapped, self._url)

    def stream(
        self,
        prompt: list[Message] | str,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer's content deltas; ``last_usage`` is set once the stream is done."""
        messages: list[Message] = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        self.last_usage = None
        try:
            # max_tokens, not max_completion_tokens: every OpenAI-compatible server understands it.
            response = self._client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                max_tokens=max_tokens,
                temperature=temperature,
                stop=stop or openai.omit,
                stream=True,
                stream_options={"include_usage": True},
            )
        except Exception as err:  # the client's own errors, and replies it could not parse
            raise self._error(err) from err

        parts: list[str] = []
        usage: Usage | None = None
        chunks = 0
        finished = False
        try:
            with response:
                for chunk in response:
                    chunks += 1
                    texts, done, counted = _read_chunk(chunk)
                    finished, usage = finished or done, counted or usage
                    for text in texts:
                        parts.append(text)
                        yield text
        except GeneratorExit:
            # The caller stopped early; the tokens so far were spent all the same.
            self.last_usage = usage or self._count(messages, parts)
            raise
        except openai.APITimeoutError as err:
            raise BackendTimeoutError(
                f"the stream from {self.endpoint} stalled for {self.timeout_s:g} s and was cut off "
                f"after {len(parts)} deltas - try again, or raise PAPER_RAG_LLM__TIMEOUT_S"
            ) from err
        except openai.APIConnectionError as err:
            raise BackendError(
                f"the stream from {self.endpoint} was cut off after {len(parts)} deltas: the server "
                "closed the connection mid-answer - check that it is still running and try again",
                retryable=True,
            ) from err
        except Exception as err:  # an error event inside the stream, or a reply that could not be read
            raise self._error(err) from err
        if chunks == 0:
            self._explain_empty_stream(messages)
        if not finished:
            raise BackendError(
                f"the stream from {self.endpoint} was cut off after {len(parts)} deltas: it ended "
                "without a finish reason - try again",
                retryable=True,
            )
        self.last_usage = usage or self._count(messages, parts)

    @staticmethod
    def _count(messages: list[Message], parts: list[str]) -> Usage:
        """Usage counted with tiktoken, for servers that report none (llama.cpp's, for one)."""
        prompt = "\n".join(m["content"] for m in messages)
        return Usage(count_tokens(prompt), count_tokens("".join(parts)))

    def _explain_empty_stream(self, messages: list[Message]) -> None:
        """Raise the reason a stream ended before its first chunk.

        llama-cpp-python's server answers a streamed request whose prompt overflows its context with
        200 and an empty body (the error only reaches its log). The same request, unstreamed and for a
        single token, gets the real error, e.g. its 400 "This model's maximum context length is ...".
        """
        try:
            self._client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                max_tokens=1,
                temperature=0.0,
            )
        except Exception as err:
            raise self._error(err) from err
        raise BackendError(
            f"{self.endpoint} ended the stream before sending anything - try again", retryable=True
        )
