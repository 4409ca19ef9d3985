"""Token counting with tiktoken, offline (the encodings come from llama-index-core's bundled cache)."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

from rag.config import apply_offline_env


@lru_cache(maxsize=4)
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The tiktoken encoding, loaded once; raises if it is not in the offline cache."""
    apply_offline_env()
    return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    return len(encoding(name).encode(text, disallowed_special=()))


def truncate_tokens(text: str, max_tokens: int, name: str = "cl100k_base") -> str:
    """The longest prefix of ``text`` within ``max_tokens`` tokens."""
    enc = encoding(name)
    ids = enc.encode(text, disallowed_special=())
    return text if len(ids) <= max_tokens else enc.decode(ids[:max_tokens])
