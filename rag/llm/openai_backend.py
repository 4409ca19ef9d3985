"""The ``openai`` backend: any OpenAI-compatible chat endpoint (OpenAI itself, llama.cpp's server, vLLM, ...).

It streams chat completions and turns every failure of the ``openai`` package into a :mod:`rag.errors`
BackendError whose message says what to do next. Retries with backoff are left to the ``openai`` client
(see :func:`_client`); this module adds none of its own. It does not build prompts, budget the context or
estimate cost: it only reports the model's context window, its price where known (never for a self-hosted
endpoint), and the tokens a call used.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import cast
from urllib.parse import urlparse

import openai
from openai.types.chat import ChatCompletionMessageParam

from rag.config import Settings
from rag.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    ConfigError,
    ContextWindowExceededError,
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
    return openai.OpenAI(
        api_key=llm.api_key or NO_KEY,
        base_url=llm.base_url or OPENAI_URL,
        timeout=llm.timeout_s,
        max_retries=llm.max_retries,
    )


def _endpoint(client: openai.OpenAI) -> str:
    return str(client.base_url).rstrip("/")


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
        return BackendError(f"the OpenAI client failed: {err}")
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
        return sorted(m.id for m in client.models.list())
    except openai.OpenAIError as err:
        raise map_error(
            err,
            model=settings.llm.model or DEFAULT_MODEL,
            endpoint=_endpoint(client),
            timeout_s=settings.llm.timeout_s,
        ) from err


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
        self._client = _client(settings)
        self.endpoint = _endpoint(self._client)
        # A llama.cpp server on 127.0.0.1 answering as "gpt-4o-mini" (the default name) costs nothing.
        self.price_per_mtok = None if self_hosted(self.endpoint) else known_price(self.model)

    def _error(self, err: Exception) -> BackendError:
        return map_error(err, model=self.model, endpoint=self.endpoint, timeout_s=self.timeout_s)

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
        except openai.OpenAIError as err:
            raise self._error(err) from err

        parts: list[str] = []
        usage: Usage | None = None
        chunks = 0
        finished = False
        try:
            with response:
                for chunk in response:
                    chunks += 1
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for choice in chunk.choices:
                        finished = finished or choice.finish_reason is not None
                        if choice.delta.content:
                            parts.append(choice.delta.content)
                            yield choice.delta.content
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
        except openai.OpenAIError as err:  # an error event inside the stream
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
        except openai.OpenAIError as err:
            raise self._error(err) from err
        raise BackendError(
            f"{self.endpoint} ended the stream before sending anything - try again", retryable=True
        )
