"""Title vectors: one embedding per paper's title, so a query can match a paper by its title as well as its chunks.

Chunk vectors already carry the title (:attr:`rag.models.Chunk.embed_text`), but there it shares the embedder's
attention with the chunk's text; a query that paraphrases only the title can sit closer to the bare title. How the
title cosines join fusion is :mod:`rag.retrieval`'s business (``Settings.retrieval.title_match``).

The vectors are derived from the store, as the BM25 index is (:mod:`rag.lexical`): saved under
``$PAPER_RAG_HOME/titles/<collection>-<location hash>/`` with the store version they were made at, loaded
memory-mapped by a fresh process (no embedding), and brought up to date when the store's version moves (a write by
any process). An update embeds only titles it has not embedded before, so an ingest of one new paper costs one
title; papers no longer stored drop out. The embedder is part of the collection's name, so a vector never outlives
the model that made it.

Deliberately not here: a Chroma collection of their own (nothing at ingest has to change, and stores written before
get titles too), and filters (the retriever checks the few title candidates' metadata).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.lexical import VersionedSide, derived_dir, open_derived, replace_folder
from rag.store import PaperStore

FORMAT = 1  # bump when the files change: older folders are rebuilt from scratch
_BATCH = 256


def title_key(title: str) -> bytes:
    """What a title vector is reused by: a digest of the exact text the embedder saw."""
    return hashlib.sha256(title.encode()).digest()[:16]


def titles_dir(settings: Settings) -> Path:
    """Where the title vectors of ``settings``' collection and store location live."""
    return derived_dir(settings, "titles")


class TitleIndex:
    """Loaded title vectors: row i is paper ``paper_ids[i]``, whose first chunk is ``chunk_ids[i]``."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder = folder
        self.manifest = manifest
        self.version: str = manifest["version"]
        self.size: int = manifest["papers"]
        self.vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        self.keys = np.load(folder / "keys.npy", mmap_mode="r")
        self.paper_ids = [p.decode() for p in np.load(folder / "paper_ids.npy")]
        self.chunk_ids = [c.decode() for c in np.load(folder / "chunk_ids.npy")]
        self.row = {p: i for i, p in enumerate(self.paper_ids)}

    @classmethod
    def open(cls, store: PaperStore, settings: Settings, embedder: Embedder, version: str) -> TitleIndex:
        """The title vectors at ``version``: loaded when current, else brought up to date (reusing the stale
        vectors of titles still stored) and saved first."""
        folder = titles_dir(settings)
        return open_derived(
            folder,
            FORMAT,
            version,
            load=lambda manifest: cls(folder, manifest),
            build=lambda stale: cls.build(
                store, embedder, folder, version, cls(folder, stale) if stale is not None else None
            ),
        )

    @staticmethod
    def build(
        store: PaperStore, embedder: Embedder, folder: Path, version: str, previous: TitleIndex | None = None
    ) -> TitleIndex:
        """Vectors for every stored paper's title into ``folder`` (atomically), reusing ``previous``'s."""
        rows = sorted(store.titles())
        keys = [title_key(title) for _, _, title in rows]
        known: dict[bytes, int] = {}
        if previous is not None:
            known = {bytes(k): i for i, k in enumerate(np.asarray(previous.keys))}
        todo = [i for i, key in enumerate(keys) if key not in known]
        dim = previous.vectors.shape[1] if previous is not None and previous.size else None
        fresh: dict[int, np.ndarray] = {}
        for start in range(0, len(todo), _BATCH):
            batch = todo[start : start + _BATCH]
            for i, vec in zip(batch, embedder.embed_batch([rows[i][2] for i in batch]), strict=True):
                fresh[i] = np.asarray(vec, dtype=np.float32)
                dim = dim or len(vec)
        vectors = np.zeros((len(rows), dim or 1), dtype=np.float32)
        for i, key in enumerate(keys):
            vectors[i] = fresh[i] if i in fresh else previous.vectors[known[key]]  # type: ignore[union-attr]
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            np.save(tmp / "vectors.npy", vectors)
            np.save(tmp / "keys.npy", np.array(keys, dtype="S16"))
            for name, column in (("paper_ids", 0), ("chunk_ids", 1)):
                values = [r[column].encode() for r in rows]
                width = max((len(v) for v in values), default=1)
                np.save(tmp / f"{name}.npy", np.array(values, dtype=f"S{width}"))
            manifest = {
                "format": FORMAT,
                "collection": store.name,
                "location": store.location,
                "version": version,
                "papers": len(rows),
                "embedded": len(todo),  # titles embedded by this update; the rest were reused
                "built": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            replace_folder(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return TitleIndex(folder, manifest)

    def cosines(self, query_vec: np.ndarray) -> np.ndarray:
        """Cosine similarity of every title to the (L2-normalised) query vector, row order."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.vectors @ np.asarray(query_vec, dtype=np.float32))

    def top(self, cosines: np.ndarray, n: int, allowed: set[str] | None = None) -> list[int]:
        """The rows of the ``n`` closest titles (from :meth:`cosines`), best first, among ``allowed`` papers."""
        if not self.size or n <= 0:
            return []
        order = np.argsort(-cosines, kind="stable")
        if allowed is None:
            return [int(i) for i in order[:n]]
        return list(itertools.islice((int(i) for i in order if self.paper_ids[i] in allowed), n))


class TitleSide(VersionedSide[TitleIndex]):
    """The process's handle on one collection's title vectors: brought up to date when the store's version moves."""

    def __init__(self, store: PaperStore, settings: Settings, embedder: Embedder) -> None:
        super().__init__(store, lambda version: TitleIndex.open(store, settings, embedder, version))
        self.settings = settings
        self.embedder = embedder
