"""paper-rag: questions about research-paper abstracts, answered with cited titles.

``from rag import ask, search, compare`` - the public API lives in :mod:`rag.api` and is loaded on first use,
so that ``import rag`` (and the CLI's start-up) stays cheap.
"""

from typing import Any

from rag.config import Settings, apply_offline_env, load_settings

apply_offline_env()

__all__ = ["Settings", "ask", "chat", "compare", "load_settings", "papers", "search"]


def __getattr__(name: str) -> Any:
    if name in {"ask", "search", "compare", "chat", "papers"}:
        from rag import api

        return getattr(api, name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
