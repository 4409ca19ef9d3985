"""paper-rag: questions about research-paper abstracts, answered with cited titles.

``from rag import ask, search, compare, grid, chat, papers`` - the public API lives in :mod:`rag.api` and is loaded on
first use, so that ``import rag`` (and the CLI's start-up) stays cheap. No submodule of ``rag`` carries one of these
names (comparing lives in ``rag.comparison``, conversations in ``rag.conversation``): Python binds an imported
submodule as an attribute of its package, which would shadow the function (``tests/test_public_api.py``).
"""

from typing import Any

from rag.config import Settings, apply_offline_env, load_settings

apply_offline_env()

PUBLIC = ("ask", "ask_stream", "chat", "compare", "grid", "papers", "search")
__all__ = ["Settings", "load_settings", *PUBLIC]


def __getattr__(name: str) -> Any:
    if name in PUBLIC:
        from rag import api

        return getattr(api, name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
