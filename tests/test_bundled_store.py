"""The cached bundled store's key (tests/bundled_store.py): what invalidates it, and that a session gets a copy."""

from __future__ import annotations

from pathlib import Path

from bundled_store import cache_key, cache_root, ingest_sources, key_parts
from rag.config import ChunkSettings, Settings
from support import REPO


def test_key_covers_the_code_that_decides_what_is_stored() -> None:
    sources = {str(p.relative_to(REPO)) for p in ingest_sources()}
    assert {
        "ingest/pipeline.py",
        "ingest/readers.py",
        "ingest/dedup.py",
        "ingest/chunking.py",
        "rag/store.py",
        "rag/text.py",
        "rag/models.py",
        "rag/embeddings.py",
        "rag/config.py",
    } <= sources
    # Only what ingest imports when it runs: not the answer chain (rag/__init__ imports rag.api lazily).
    assert not sources & {"rag/api.py", "rag/answer.py", "rag/retrieval.py", "rag/cli.py"}


def test_key_changes_with_each_part(tmp_path: Path) -> None:
    parts = key_parts(Settings(home=tmp_path))
    assert (
        key_parts(Settings(home=tmp_path / "elsewhere")) == parts
    )  # where a session copies it to is no part
    keys = {cache_key(parts)}
    for name in ("corpus", "code", "packages"):
        keys.add(cache_key({**parts, name: parts[name] + "x"}))
    keys.add(cache_key(key_parts(Settings(home=tmp_path, chunk=ChunkSettings(size=300)))))
    assert len(keys) == 5
    assert all(key.startswith("papers-minilm-l6-int8-c") for key in keys)


def test_sessions_get_a_checked_copy_not_the_cache(bundled_settings: Settings) -> None:
    root = cache_root()
    assert not bundled_settings.home.is_relative_to(root)
    entry = root / cache_key(key_parts(bundled_settings))
    assert (entry / "manifest.json").is_file() and (entry / "home" / "chroma").is_dir()
