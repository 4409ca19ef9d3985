"""The interface every LLM backend implements.

A backend streams text deltas for either chat messages (``is_chat``) or a plain completion prompt (base models).
After a stream ends, ``last_usage`` holds the prompt and completion token counts (from the server where it reports
them, otherwise counted with tiktoken). Failures are raised as :mod:`rag.errors` BackendError subclasses, never as
the client library's own exceptions, so callers can tell retryable errors from fatal ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": ...}


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@runtime_checkable
class LLM(Protocol):
    backend: str  # "openai" | "local"
    model: str
    context_window: int  # tokens
    is_chat: bool  # True: takes messages; False: a base model that takes one completion prompt
    last_usage: Usage | None
    # (prompt, completion) price in USD per 1M tokens, where known
    price_per_mtok: tuple[float, float] | None

    def stream(
        self,
        prompt: list[Message] | str,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer text as it is generated."""
        ...
