"""The BM25 side of retrieval: a bm25s index over a collection's chunks, persisted next to the store.

A fresh process must not re-read every chunk to answer one question, so the index lives on disk
(``$PAPER_RAG_HOME/bm25/<collection>-<location hash>/``): bm25s's sparse score matrix and vocabulary, plus per-chunk
arrays (chunk id, paper id, year), all loaded memory-mapped. It is keyed on the store's *version*, a token that
:class:`rag.store.PaperStore` changes on every write (by this process or any other), and rebuilt only when that
token changed. Building happens under a file lock and lands atomically (a temporary folder renamed into place), so
two processes never see half an index.

Tokens: bm25s's tokenizer (scikit-learn's ``\\b\\w\\w+\\b``, lower-cased, English stopwords) and the Snowball stemmer
of :mod:`rag.text`; title and text of each chunk are indexed, metadata is not. Filters become a ``weight_mask``.

Deliberately not here: fusion with the dense side (:mod:`rag.retrieval`), and reading chunk texts for results
(the store does that for the few chunks returned).
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import hashlib
import json
import logging
import math
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from rag.config import Settings
from rag.store import PaperStore
from rag.text import (
    SLIP_MIN,
    common_words,
    compound_parts,
    function_words,
    hyphenate_like,
    name_forms,
    spellings,
    stem,
    stemmer,
    stopwords,
)
from rag.types import SearchFilters

T = TypeVar("T")
_log = logging.getLogger(__name__)

# What English adds to a word it derives another from ("re-weights", "read-able").
_PREFIXES = (
    "re",
    "un",
    "non",
    "de",
    "dis",
    "mis",
    "pre",
    "post",
    "over",
    "under",
    "sub",
    "super",
    "multi",
    "co",
    "anti",
    "inter",
    "semi",
    "self",
    "auto",
)
_SUFFIXES = (
    "s",
    "es",
    "ed",
    "d",
    "ing",
    "ly",
    "able",
    "ible",
    "ness",
    "ment",
    "er",
    "ers",
    "ity",
    "ize",
    "ized",
    "izes",
    "ise",
    "ised",
    "al",
    "ally",
    "less",
    "ful",
)

# A name is rarely longer; a longer "word" is read as typed (and its edits are not tried).
_LONGEST_NAME = 30
# The endings of contractions typed without their apostrophe: "dont", "isnt", "theyre", "youve", "whats".
_CONTRACTED = ("nt", "re", "ve", "ll", "s", "d", "m")


def _contraction(word: str) -> bool:
    """Whether ``word`` is a function word with a contraction's ending, its apostrophe left out ("dont", "isnt",
    "theyre")."""
    return any(word.endswith(end) and word[: -len(end)] in stopwords() for end in _CONTRACTED)


def _edits(word: str) -> list[str]:
    """Every word one edit from ``word``: a letter deleted, two swapped, one replaced, one inserted."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = (
        [a + b[1:] for a, b in splits if b]
        + [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
        + [a + c + b[1:] for a, b in splits if b for c in letters]
        + [a + c + b for a, b in splits for c in letters]
    )
    return [e for e in edits if e != word]


FORMAT = (
    6  # bump when the files or the tokenizer change: older indexes are rebuilt (2: forms.json; 3: its words;
    # 5: spellings.json; 6: vectors.npy)
)


def _tokenize(texts: list[str], *, progress: bool = False) -> Any:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer(), show_progress=progress)


def searched_exactly(chunks: int, limit: int) -> bool:
    """Whether a collection of ``chunks`` chunks is searched exactly on the dense side under
    ``retrieval.exact_max_chunks`` = ``limit`` (its vectors kept with the index, :meth:`LexicalIndex.nearest`)."""
    return 0 < chunks <= limit


def derived_dir(settings: Settings, kind: str) -> Path:
    """Where an index derived from ``settings``' collection and store location lives (``kind``: "bm25", ...)."""
    where = settings.chroma_url or str(settings.chroma_path.resolve())
    digest = hashlib.sha256(where.encode()).hexdigest()[:8]
    return settings.home / kind / f"{settings.collection_name()}-{digest}"


def index_dir(settings: Settings) -> Path:
    """Where the BM25 index of ``settings``' collection and store location lives."""
    return derived_dir(settings, "bm25")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive OS file lock on ``path`` (released if the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(folder: Path, fmt: int | str) -> dict[str, Any] | None:
    """The manifest of a derived index's folder, or None when there is none or it is of another ``fmt``."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("format") == fmt else None


def open_derived(
    folder: Path,
    fmt: int | str,
    version: str,
    *,
    load: Callable[[dict[str, Any]], T],
    build: Callable[[dict[str, Any] | None], T],
    usable: Callable[[dict[str, Any]], bool] = lambda _manifest: True,
) -> T:
    """An index derived from the store, at the store's ``version``: ``load(manifest)`` when ``folder`` holds it
    (and ``usable(manifest)``: built for these settings), else ``build(stale manifest or None)`` under the folder's
    lock (re-checked there: another process may have built it meanwhile)."""

    manifest = read_manifest(folder, fmt)
    if manifest is not None and manifest["version"] == version and usable(manifest):
        return load(manifest)
    with locked(folder.with_name(folder.name + ".lock")):
        manifest = read_manifest(folder, fmt)
        if manifest is not None and manifest["version"] == version and usable(manifest):
            return load(manifest)
        return build(manifest)


def replace_folder(tmp: Path, folder: Path) -> None:
    """Put the finished ``tmp`` folder at ``folder`` (a rename, so readers never see half of it)."""
    old = folder.with_name(folder.name + ".old")
    if folder.exists():
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


class LexicalIndex:
    """A loaded BM25 index: bm25s scores plus the chunk id, paper id and year of every indexed chunk, and, for a
    collection of at most ``retrieval.exact_max_chunks`` chunks, every chunk's unit vector (:meth:`nearest`)."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        import bm25s

        self.folder = folder
        self.manifest = manifest
        self.version: str = manifest["version"]
        self.size: int = manifest["chunks"]
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True) if self.size else None
        self.ids = np.load(folder / "ids.npy", mmap_mode="r")
        self.paper_ids = np.load(folder / "paper_ids.npy", mmap_mode="r")
        self.years = np.load(folder / "years.npy", mmap_mode="r")
        # unit vectors in chunk-id order (row i is self.ids[i]), when the index was built with them
        self.vectors: np.ndarray | None = (
            np.load(folder / "vectors.npy", mmap_mode="r") if manifest.get("vectors") else None
        )
        self._papers_by_filter: dict[tuple[str | None, str | None], frozenset[str]] = {}

    # ------------------------------------------------------------------ building

    @staticmethod
    def build(store: PaperStore, folder: Path, version: str, vectors_max: int = 0) -> LexicalIndex:
        """Index every chunk of ``store`` into ``folder`` (atomically), recording ``version``; with the chunks'
        unit vectors too when the collection holds at most ``vectors_max`` chunks (read in the same pass)."""
        import bm25s

        ids: list[str] = []
        papers: list[str] = []
        years: list[int] = []
        texts: list[str] = []
        with_vectors = searched_exactly(store.count(), vectors_max)
        rows: Iterable[tuple[str, str, dict[str, Any], np.ndarray | None]] = (
            store.chunks_with_vectors()
            if with_vectors
            else ((cid, text, meta, None) for cid, text, meta in store.chunks())
        )
        vecs: list[np.ndarray] = []
        # Sorted by chunk id, so that a chunk's position is a binary search away (scores_of).
        for chunk_id, text, meta, vec in sorted(rows, key=lambda c: c[0]):
            ids.append(chunk_id)
            papers.append(meta.get("paper_id", ""))
            years.append(int(meta.get("year", 0) or 0))
            texts.append(f"{meta.get('title', '')}\n{text}")
            if vec is not None:
                vecs.append(vec)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            if texts:
                retriever = bm25s.BM25()
                retriever.index(_tokenize(texts), show_progress=False)
                retriever.save(str(tmp / "bm25"))
            width = max((len(i.encode()) for i in ids), default=1)
            np.save(tmp / "ids.npy", np.array([i.encode() for i in ids], dtype=f"S{width}"))
            pwidth = max((len(p.encode()) for p in papers), default=1)
            np.save(tmp / "paper_ids.npy", np.array([p.encode() for p in papers], dtype=f"S{pwidth}"))
            np.save(tmp / "years.npy", np.array(years, dtype=np.int32))
            with_vectors = with_vectors and len(vecs) == len(ids) > 0
            if with_vectors:
                matrix = np.stack(vecs).astype(np.float32)
                norms = np.linalg.norm(matrix, axis=1, keepdims=True)
                np.save(tmp / "vectors.npy", matrix / np.where(norms > 0, norms, 1.0))
            # how the collection writes its names, for reading a question typed in lower case (rag.text.recase)
            (tmp / "forms.json").write_text(json.dumps(name_forms(texts), sort_keys=True), encoding="utf-8")
            # how it spells its words, for reading a question as the abstracts write them (rag.text.respell)
            (tmp / "spellings.json").write_text(
                json.dumps(spellings(texts), sort_keys=True), encoding="utf-8"
            )
            manifest = {
                "format": FORMAT,
                "collection": store.name,
                "location": store.location,
                "version": version,
                "chunks": len(ids),
                "vectors": with_vectors,
                "built": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            replace_folder(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return LexicalIndex(folder, manifest)

    @classmethod
    def open(cls, store: PaperStore, settings: Settings, version: str) -> LexicalIndex:
        """The index at ``version``: loaded from disk when current (and holding the vectors when the settings
        search this collection exactly), else (re)built and saved first."""
        folder = index_dir(settings)
        exact_max = settings.retrieval.exact_max_chunks
        return open_derived(
            folder,
            FORMAT,
            version,
            load=lambda manifest: cls(folder, manifest),
            build=lambda _stale: cls.build(store, folder, version, exact_max),
            usable=lambda m: (
                bool(m.get("vectors")) or not searched_exactly(int(m.get("chunks", 0)), exact_max)
            ),
        )

    @cached_property
    def forms(self) -> dict[str, str]:
        """How the collection writes its names (:func:`rag.text.name_forms`), read on first use."""
        forms = self._read_json("forms.json")
        return forms if isinstance(forms, dict) else {}

    @cached_property
    def _spellings(self) -> dict[str, Any]:
        spelt = self._read_json("spellings.json")
        return spelt if isinstance(spelt, dict) else {}

    @property
    def compounds(self) -> dict[str, str]:
        """How the collection hyphenates its compounds (:func:`rag.text.spellings`)."""
        compounds = self._spellings.get("compounds")
        return compounds if isinstance(compounds, dict) else {}

    @cached_property
    def _written(self) -> frozenset[str]:
        """The collection's words of six letters or more, as written (lower-cased): what a slip is mended to."""
        written = self._spellings.get("words")
        return frozenset(written) if isinstance(written, list) else frozenset()

    def _read_json(self, name: str) -> Any:
        """A file of the index, parsed; None (and a warning) when it is missing or unreadable: the question is then
        read as typed."""
        path = self.folder / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            _log.warning("%s: unreadable (%s); questions are read as typed", path, exc)
            return None

    def _phrase_words(self, word: str) -> str | None:
        """``word`` written as the words of a phrase hyphenated into one modifier ("the degeneracy-in-the-loss-
        landscape paper": "degeneracy in the loss landscape"), the runs of it that are the collection's compounds kept
        whole ("mixture-of-experts-for-hard-constraints": "mixture-of-experts for hard constraints"); None when it is
        no such phrase: fewer than three parts, a part with a digit ("gpt-4-in-the-loop"), no part a function word,
        a compound the abstracts write ("state-of-the-art"), or the collection's compounds unknown (its spellings
        file unreadable: the question is read as typed)."""
        parts = word.split("-")
        compounds = self.compounds
        if (
            len(parts) < 3
            or not compounds
            or not all(p.isalpha() for p in parts)
            or not any(p in function_words() for p in parts)
            or stem(word) in compounds
        ):
            return None
        out, i = [], 0
        while i < len(parts):
            # the longest run from here that the abstracts write as one compound, else the part alone
            j = next(
                (j for j in range(len(parts), i + 1, -1) if stem("-".join(parts[i:j])) in compounds), i + 1
            )
            out.append("-".join(parts[i:j]))
            i = j
        return " ".join(out)

    def spelling(self, word: str) -> str:
        """How the collection writes ``word``, a word typed in lower case that no chunk holds: a compound as the
        abstracts write it ("mtbench" as "mt-bench"; "spatio-temporal" as "spatiotemporal" where no abstract
        hyphenates it and "spatio" is no word of theirs), or, in a word of six letters or more that no English word
        list knows, two neighbouring letters swapped back ("experimetns": "experiments"; the commonest word the
        abstracts write, or a function word: "collcetion"); a phrase hyphenated into one modifier, its words apart
        (:meth:`_phrase_words`). ``word`` itself when the collection holds it, when it is
        a common English word (or the word list can't be read) and no compound, or when no reading fits: a name the
        collection lacks stays as typed ("retnet" is no slip of "resnet", a letter replaced; nor "minilm" of
        "minim", a letter dropped: slips of those kinds make names as often)."""
        if word == word.lower() and (phrase := self._phrase_words(word)) is not None:
            return phrase
        if not 4 <= len(word) <= _LONGEST_NAME or word != word.lower() or word in stopwords():
            return word
        vocabulary = self._vocabulary
        if word.startswith("-") or word.endswith("-"):
            return word  # half of "first- and second-order"
        if "-" in word:
            # joined as the abstracts write it, where the hyphenated reading loses a part no abstract holds
            # ("spatio-temporal": "spatiotemporal"); "neural-operator" stays, its parts the collection's words
            joined = word.replace("-", "")
            key = stem(word)
            lost = any(len(p) > 1 and stem(p) not in vocabulary for p in word.split("-"))
            return joined if lost and key not in self.compounds and stem(joined) in vocabulary else word
        key = stem(word)
        if key in vocabulary:
            return word
        if key in self.compounds:  # "speedup", an English word too, where the abstracts write only "speed-up"
            return hyphenate_like(word, self.compounds[key])
        english = common_words()
        if not english or word in english or len(word) < SLIP_MIN or not word.isalpha() or _contraction(word):
            return word
        # the first letter kept, two neighbours swapped: the slip of a hurried hand
        swaps = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)]
        stop = stopwords()
        said = sorted(e for e in swaps if e in stop)
        if said:
            return said[0]
        written = [e for e in swaps if e in self._written]
        if not written:
            return word
        freqs = self.doc_freqs({stem(e) for e in written})
        return max(written, key=lambda e: (freqs[stem(e)], e in english))

    @cached_property
    def _vocabulary(self) -> dict[str, int]:
        """The index's stems (bm25s's vocabulary: stem -> id); empty for an empty collection."""
        return self.bm25.vocab_dict if self.bm25 is not None else {}

    @cached_property
    def _sorted_stems(self) -> list[str]:
        """The index's stems in order, for finding the stems a word begins (built on first use)."""
        return sorted(self._vocabulary)

    def _known_word(self, word: str) -> bool:
        """A common English word (:func:`rag.text.common_words`) or a word of the collection: its stem, a stem it
        begins ("grok" of "grokking", "mlp" of "mlps"), or a stem of five letters or more that begins it, up to three
        letters short ("perplex" of "perplexty")."""
        if word in common_words():
            return True
        key = stem(word)
        stems = self._sorted_stems
        i = bisect.bisect_left(stems, key)
        if i < len(stems) and stems[i].startswith(key) and len(stems[i]) <= len(key) + 4:
            return True
        return any(word[:k] in self._vocabulary for k in range(max(5, len(word) - 3), len(word)))

    def unheard(self, word: str) -> bool:
        """Whether ``word``, typed in lower case, names something the collection lacks ("osqp", "coq"): from three
        to 30 letters and digits, in no chunk, and none of: a common English word or a chat abbreviation
        (:func:`rag.text.common_words`); one made of known words ("readable", "reweights", "unsynchronized",
        "breakpoints") or a contraction typed without its apostrophe ("dont", "theyre"); one edit from a function
        word of three letters or more ("teh", "hwo") or, at five letters or more, from a word of the collection
        ("transfomer"). Always False when the English word list can't be read."""
        stop = stopwords()
        if not 3 <= len(word) <= _LONGEST_NAME or not word.isalnum() or word.isdigit() or word in stop:
            return False
        if not common_words() or self._known_word(word) or self._derived(word):
            return False
        if _contraction(word) or any(len(e) >= 3 and e in stop for e in _edits(word)):
            return False
        return not (len(word) >= 5 and self._misspelt(word))

    def _misspelt(self, word: str) -> bool:
        """Whether one edit of ``word`` (:func:`_edits`) is a word of the collection: "transfomer" is "transformer"
        misspelt. About 550 edits of a ten-letter word, stemmed in one batch (not through the shared stem cache)."""
        return any(s in self._vocabulary for s in stemmer().stemWords(_edits(word)))

    def _derived(self, word: str) -> bool:
        """Whether ``word`` is a known word with a prefix or a suffix, or two known words of four letters or more
        joined."""
        known = self._known_word
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4 and known(word[len(prefix) :]):
                return True
        for suffix in _SUFFIXES:
            root = word[: -len(suffix)]
            if word.endswith(suffix) and len(root) >= 3 and (known(root) or known(root + "e")):
                return True
        return any(known(word[:i]) and known(word[i:]) for i in range(4, len(word) - 3))

    # ------------------------------------------------------------------ searching

    def mask(self, filters: SearchFilters | None, store: PaperStore) -> np.ndarray | None:
        """1/0 per chunk for the chunks ``filters`` accept (None: no filter)."""
        if filters is None or not filters.active():
            return None
        keep = np.ones(self.size, dtype=bool)
        if filters.year_from is not None or filters.year_to is not None:
            years = np.asarray(self.years)
            dated = np.ones(self.size, dtype=bool)
            if filters.year_from is not None:
                dated &= years >= filters.year_from
            if filters.year_to is not None:
                dated &= years <= filters.year_to
            keep &= np.where(years == 0, filters.include_undated, dated)
        allowed = self.allowed_papers(filters, store)
        if allowed is not None:
            wanted = np.array([p.encode() for p in allowed], dtype=self.paper_ids.dtype)
            keep &= np.isin(np.asarray(self.paper_ids), wanted)
        return keep.astype(np.float32)

    def allowed_papers(self, filters: SearchFilters, store: PaperStore) -> list[str] | None:
        """The paper ids ``filters`` allow by id, title text and source page (None: any paper)."""
        ids = filters.paper_ids
        if filters.source or filters.title:
            key = (filters.source, filters.title)
            if key not in self._papers_by_filter:  # a scan of chunk-0 metadata, once per index version
                probe = SearchFilters(source=filters.source, title=filters.title)
                self._papers_by_filter[key] = frozenset(
                    p.paper_id for p in store.papers(accept=probe.accepts)
                )
            names = self._papers_by_filter[key]
            ids = sorted(names if ids is None else names & set(ids))
        return None if ids is None else list(ids)

    def exact(self, limit: int) -> bool:
        """Whether dense search goes through :meth:`nearest` for a collection limit of ``limit`` chunks
        (``retrieval.exact_max_chunks``): the index holds the vectors and the collection is within it."""
        return self.vectors is not None and searched_exactly(self.size, limit)

    def nearest(
        self, query_vec: np.ndarray, n: int, weight: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``n`` chunks closest to ``query_vec`` by cosine similarity, exactly, over every vector (ties in chunk
        id order), among those ``weight`` (:meth:`mask`) keeps: (chunk id, cosine), best first.

        Chroma's HNSW index is approximate, and below its sync threshold (1,000 vectors) Chroma rebuilds it on every
        start with several threads, so the same query could return a different tail of neighbours from one process
        to the next (chroma-core/chroma#2675; on the bundled store 0.997 recall@24 over 391 eval questions, and a
        query whose closest chunks are all far, "CPC", lost its second neighbour in some runs)."""
        if self.vectors is None or not self.size or n <= 0:
            return []
        q = np.asarray(query_vec, dtype=np.float32)
        q = q / (float(np.linalg.norm(q)) or 1.0)
        # not BLAS (vectors @ q): its worker threads spin on after the call and slow the embedder's threads (a
        # search at 10,000 chunks measured 2x slower), and one pass over the vectors needs no threads
        cos = np.einsum("ij,j->i", self.vectors, q)
        if weight is not None:
            cos = np.where(weight > 0, cos, -np.inf)
        order = np.argsort(-cos, kind="stable")[:n]
        return [(self.ids[i].decode(), float(cos[i])) for i in order if np.isfinite(cos[i])]

    def vectors_of(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The unit vectors of the chunks ``ids`` that the index holds ({} without vectors)."""
        if self.vectors is None:
            return {}
        held, rows = self._rows(ids)
        kept = [cid for cid, h in zip(ids, held, strict=True) if h]
        return {cid: np.asarray(self.vectors[r], dtype=np.float32) for cid, r in zip(kept, rows, strict=True)}

    def _rows(self, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``ids`` the index holds (a mask over them) and their rows, in order (ids are sorted: a binary
        search each). An id wider than the index's widest is none of them: a fixed-width array would cut it to a
        prefix that may match."""
        width = self.ids.dtype.itemsize
        fits = np.array([len(i.encode()) <= width for i in ids], dtype=bool)
        if not self.size or not fits.any():
            return np.zeros(len(ids), dtype=bool), np.zeros(0, dtype=np.int64)
        wanted = np.array(
            [i.encode() if f else b"" for i, f in zip(ids, fits, strict=True)], dtype=self.ids.dtype
        )
        pos = np.minimum(np.searchsorted(self.ids, wanted), self.size - 1)
        held = fits & (np.asarray(self.ids[pos]) == wanted)
        return held, pos[held]

    def scores(self, query: str, weight: np.ndarray | None) -> np.ndarray | None:
        """BM25 score of every chunk for ``query`` (None when no query term is in the vocabulary)."""
        if self.bm25 is None:
            return None
        tokens = self._query_tokens(query)
        if not tokens:
            return None
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
        if weight is not None:
            scores = scores * weight
        return scores

    def scores_of(self, ids: list[str], scores: np.ndarray | None) -> np.ndarray:
        """The entries of ``scores`` (from :meth:`scores`) for the chunks ``ids``; 0 for unknown chunks."""
        out = np.zeros(len(ids), dtype=np.float64)
        if scores is None or not ids:
            return out
        held, rows = self._rows(ids)
        out[held] = scores[rows]
        return out

    def doc_freqs(self, stems: Iterable[str]) -> dict[str, int]:
        """How many indexed chunks hold each stem (0 for a stem no chunk holds): the collection's vocabulary."""
        out = {s: 0 for s in stems}
        if self.bm25 is None:
            return out
        vocab = self.bm25.vocab_dict
        indptr = self.bm25.scores["indptr"]
        for s in out:
            tid = vocab.get(s)
            if tid is not None and tid + 1 < len(indptr):
                out[s] = int(indptr[tid + 1] - indptr[tid])
        return out

    def rarity(self, stems: Iterable[str]) -> dict[str, float]:
        """How rare each stem is in the collection, in [0, 1]: 1.0 when no chunk holds it, else its inverse chunk
        frequency scaled to below 1 (near 0 when every chunk holds it). A compound (stemmed joined: "protein-ligand"
        is "proteinligand", :func:`rag.text.stem`) the collection hyphenates is as rare as the rarest content part
        of the form it hyphenates it in (:attr:`compounds`; the index holds its parts as words of their own), or as
        its joined form where that is commoner; one the collection never writes is read as missing here
        (:meth:`rag.evidence.Evidence.rarities` reads a question's own compounds by their parts then)."""
        stems = list(stems)
        freqs = self.doc_freqs(stems)
        # the index holds a hyphenated word's parts, not the word: a compound the abstracts hyphenate is as rare as
        # its rarest part, function words ("state-of-the-art") aside
        parts = {s: compound_parts(self.compounds[s]) for s in stems if s in self.compounds}
        # ... and a stem still hyphenated ("multipl-e" of "MultiPL-E") by its own parts
        # (already stems: Snowball is not idempotent, "represents" -> "repres" -> "repr", so not stemmed again)
        parts.update(
            {s: [p for p in s.split("-") if len(p) > 1 and p not in stopwords()] for s in stems if "-" in s}
        )
        part_freqs = self.doc_freqs({p for ps in parts.values() for p in ps})
        top = math.log((self.size + 1) / 0.5) if self.size else 1.0
        out: dict[str, float] = {}
        for s in stems:
            # written joined and hyphenated ("pretraining", "pre-training"): the commoner reading counts
            df = max(freqs[s], min((part_freqs[p] for p in parts.get(s, [])), default=0))
            out[s] = 1.0 if df == 0 else min(math.log((self.size + 1) / (df + 0.5)) / top, 0.999)
        return out

    def coverage(self, query: str, chunk_id: str) -> float:
        """The share of ``query``'s term weight that the chunk ``chunk_id`` holds, in [0, 1].

        Each distinct query term weighs its idf; a term no chunk holds weighs the most (it is rarest), so a query
        whose words the collection lacks reads low whatever chunk is asked about. A query lifted from one chunk
        reads near 1, a paraphrase that shares a few incidental words with it reads low: how far BM25's best
        match can be trusted (:func:`rag.retrieval.convex_fusion`).
        """
        if self.bm25 is None:
            return 0.0
        terms = list(dict.fromkeys(self._query_tokens(query, known_only=False)))
        pos = self._position(chunk_id)
        if not terms or pos is None:
            return 0.0
        freqs = self.doc_freqs(terms)
        vocab = self.bm25.vocab_dict
        indptr, indices = self.bm25.scores["indptr"], self.bm25.scores["indices"]
        total = held = 0.0
        for term in terms:
            idf = math.log((self.size + 1) / (freqs[term] + 0.5))
            total += idf
            tid = vocab.get(term)
            if tid is None or tid + 1 >= len(indptr):
                continue
            # The chunks holding a term are sorted (a CSC matrix), so a binary search: flat at a million chunks.
            column = indices[indptr[tid] : indptr[tid + 1]]
            at = int(np.searchsorted(column, pos))
            if at < len(column) and column[at] == pos:
                held += idf
        return held / total if total > 0 else 0.0

    def _position(self, chunk_id: str) -> int | None:
        """The row of ``chunk_id`` in the index (ids are sorted), or None."""
        _, rows = self._rows([chunk_id])
        return int(rows[0]) if len(rows) else None

    def _query_tokens(self, query: str, *, known_only: bool = True) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=stemmer(), return_ids=False, show_progress=False
        )
        assert self.bm25 is not None
        vocab = self.bm25.vocab_dict
        return [t for t in tokens[0] if t in vocab or not known_only]

    def top(self, query: str, n: int, weight: np.ndarray | None) -> tuple[list[str], np.ndarray | None]:
        """The ids of the best ``n`` chunks with a positive score, best first, and all chunks' scores."""
        scores = self.scores(query, weight)
        if scores is None:
            return [], None
        # Only chunks holding a query term can rank: select among those (a few thousand of a million chunks),
        # not the whole score array.
        positive = np.flatnonzero(scores > 0)
        if len(positive) > n:
            positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
        best = positive[np.argsort(-scores[positive], kind="stable")]
        return [self.ids[i].decode() for i in best], scores


class VersionedSide(Generic[T]):
    """The process's handle on one index derived from the store (BM25 here, title vectors in rag.titles): it is
    reopened, by ``open(version)``, when the store's version moves."""

    # How often the store's version is re-read to notice writes by other processes (a metadata read; writes by
    # this process call refresh() and are seen at once).
    STALE_AFTER_S = 2.0

    def __init__(self, store: PaperStore, open_index: Callable[[str], T]) -> None:
        self.store = store
        self._open = open_index
        self._index: T | None = None
        self._version = ""
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def index(self) -> T:
        with self._lock:
            now = time.monotonic()
            if self._index is None or now - self._checked_at > self.STALE_AFTER_S:
                version = self.store.version()
                if self._index is None or self._version != version:
                    self._index, self._version = self._open(version), version
                self._checked_at = now
            return self._index

    def refresh(self) -> None:
        """Forget the loaded index: the next search re-reads the version (after an ingest in this process)."""
        with self._lock:
            self._index = None


class LexicalSide(VersionedSide[LexicalIndex]):
    """The process's handle on one collection's BM25 index: reloads it when the store's version moves."""

    def __init__(self, store: PaperStore, settings: Settings) -> None:
        super().__init__(store, lambda version: LexicalIndex.open(store, settings, version))
        self.settings = settings
