"""The ingest pipeline: files -> records -> deduplicated papers -> chunks -> embeddings -> Chroma.

Idempotent and incremental. Each paper's title+abstract is hashed (``text_hash``) and so is its whole record
(``meta_hash``). A paper whose text hash is already stored, complete, is not embedded again; one whose metadata
alone changed (a new source page, a richer date) gets a metadata update; one whose text changed is re-chunked and
re-embedded, and its old chunks are replaced. Writes go paper batch by paper batch with deterministic chunk ids, and
the store's completeness check (:class:`rag.store.PaperState`) makes an ingest killed at any point safe to re-run.

A record seen again (on another page, or in a later ingest) is merged with what is stored: the richest metadata
and every source are kept, while the text of the newest record wins, so an edited abstract replaces the old one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import chunk_paper
from ingest.dedup import MAX_SOURCES, deduplicate, merge
from ingest.readers import Rejection, discover, read_file
from rag.config import Settings, bundled_corpus_dir
from rag.embeddings import Embedder, get_embedder
from rag.lexical import FORMAT as LEXICAL_FORMAT
from rag.lexical import LexicalIndex, index_dir, read_manifest
from rag.models import Paper, normalize_title
from rag.store import PaperStore, chunk_metadata, paper_from_metadata

BATCH_PAPERS = 64

ProgressFn = Callable[[int, int], None]  # (papers done, papers to write)
PlanFn = Callable[["IngestReport", int], None]  # (what was read, papers to write), before the first write


@dataclass
class IngestReport:
    files_read: int = 0
    records: int = 0  # good records read, before deduplication
    papers: int = 0  # unique papers among them
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_merged: int = 0
    chunks_written: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0  # building the BM25 index after the writes
    collection: str = ""

    def to_dict(self) -> dict:
        data = self.__dict__.copy()
        data["rejections"] = [{"source": r.source, "reason": r.reason} for r in self.rejections]
        return data


def text_hash(paper: Paper) -> str:
    return hashlib.sha256(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:16]


def meta_hash(paper: Paper) -> str:
    return hashlib.sha256(json.dumps(paper.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _source_file(source: str) -> str:
    return source.rsplit("#", 1)[0] if "#" in source else source.rsplit(":", 1)[0]


def _merge_with_stored(incoming: Paper, stored: Paper, files_now: set[str]) -> Paper:
    """Keep the stored record's richer metadata and other-file sources; the incoming text wins."""
    kept_sources = [s for s in stored.sources if _source_file(s) not in files_now]
    old = Paper(**{**stored.__dict__, "sources": kept_sources})
    merged = merge(incoming, old)
    merged.title, merged.abstract = incoming.title, incoming.abstract
    merged.sources = list(dict.fromkeys([*kept_sources, *incoming.sources]))[:MAX_SOURCES]
    return merged


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Hold the store's ingest lock (``$PAPER_RAG_HOME/ingest.lock``, an OS file lock: released if the process dies)."""
    with (settings.ensure_home() / "ingest.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def suspicious_update(new: str, old: str) -> str | None:
    """Why replacing the stored abstract ``old`` with ``new`` looks like damage rather than an edit, or None.

    A half-saved page ("...an effective method for generating") gives a shorter text that is (almost all of it)
    the start of what is stored; a garbled line glued on gives the stored text with a short unfinished tail. A
    rewrite, even a much shorter one, starts differently and is an edit.
    """
    if not old or new == old:
        return None
    shared = next(
        (i for i, (a, b) in enumerate(zip(new, old, strict=False)) if a != b), min(len(new), len(old))
    )
    if len(new) < len(old) and shared >= 0.8 * len(new.rstrip(" .…")):
        return (
            f"the new abstract is the first {len(new) / len(old):.0%} of the stored one (a truncated copy?)"
        )
    if shared == len(old) and len(new) - len(old) < 40 and not new.rstrip().endswith((".", "!", "?", ")")):
        return f"the new abstract is the stored one with {new[len(old) :].strip()!r} glued on"
    return None


def read_paths(paths: Sequence[Path], settings: Settings) -> tuple[list[Paper], IngestReport]:
    """Read and deduplicate; every problem becomes a rejection in the report."""
    report = IngestReport()
    files, report.rejections = discover(list(paths))
    records: list[Paper] = []
    for path in files:
        result = read_file(
            path, settings.max_field_chars, int(settings.max_file_mb * 2**20), settings.max_records_per_file
        )
        report.files_read += result.files_read
        report.rejections.extend(result.rejections)
        records.extend(result.papers)
    report.records = len(records)
    dedup = deduplicate(records)
    report.papers = len(dedup.papers)
    report.duplicates_merged = dedup.merged
    return dedup.papers, report


def ingest_paths(
    paths: Sequence[Path],
    settings: Settings,
    *,
    store: PaperStore | None = None,
    embedder: Embedder | None = None,
    progress: ProgressFn | None = None,
    on_plan: PlanFn | None = None,
    force: bool = False,
) -> IngestReport:
    """Ingest files and directories into the configured collection; returns what happened.

    ``on_plan`` is told what was read and how many papers will be written, before anything is written. An update
    that looks like damage (:func:`suspicious_update`) keeps the stored abstract and is reported, unless ``force``.
    """
    started = time.perf_counter()
    paths = [Path(p).resolve() if Path(p).exists() else Path(p) for p in paths]  # sources don't depend on cwd
    papers, report = read_paths(paths, settings)
    report.collection = settings.collection_name()
    if report.files_read == 0:  # nothing to write: the store isn't even opened (the report names what failed)
        report.seconds = time.perf_counter() - started
        return report
    # One writer per store at a time: a second ingest waits here, then finds what the first stored unchanged.
    with ingest_lock(settings):
        store = store or PaperStore(settings)
        embedder = embedder or get_embedder(settings)
        files_now = {str(p) for p in discover(list(paths))[0]}

        states = store.state()
        by_title = {st.title_key: pid for pid, st in states.items() if st.title_key}
        candidates = [
            (paper, pid)
            for paper in papers
            for pid in [
                paper.paper_id if paper.paper_id in states else by_title.get(normalize_title(paper.title))
            ]
        ]
        stored_meta = store.get_papers_metadata([pid for _, pid in candidates if pid])

        to_embed: list[tuple[Paper, list[str]]] = []  # paper, stale chunk ids to delete afterwards
        meta_only: list[Paper] = []
        for paper, old_id in candidates:
            if old_id is None or old_id not in stored_meta:
                if old_id is not None:  # present but chunk 0 missing: a broken earlier write
                    to_embed.append((paper, states[old_id].ids))
                    report.updated += 1
                else:
                    to_embed.append((paper, []))
                    report.new += 1
                continue
            stored = paper_from_metadata(stored_meta[old_id])
            if not force and (why := suspicious_update(paper.abstract, stored.abstract)):
                report.rejections.append(
                    Rejection(
                        paper.sources[0],
                        f"suspicious update of {stored.title[:80]!r}: {why}; the stored "
                        "abstract is kept (--force replaces it)",
                    )
                )
                continue
            paper = _merge_with_stored(paper, stored, files_now)
            state = states[old_id]
            if paper.paper_id != old_id or not state.complete or state.text_hash != {text_hash(paper)}:
                to_embed.append((paper, state.ids))
                report.updated += 1
            elif state.meta_hash != {meta_hash(paper)}:
                meta_only.append(paper)
                report.updated += 1
            else:
                report.unchanged += 1

        total = len(to_embed) + len(meta_only)
        if on_plan:
            on_plan(report, total)
        done = 0
        for start in range(0, len(meta_only), BATCH_PAPERS * 4):
            meta_ids: list[str] = []
            meta_dicts: list[dict] = []
            for paper in meta_only[start : start + BATCH_PAPERS * 4]:
                th, mh = text_hash(paper), meta_hash(paper)
                for chunk in chunk_paper(paper, settings.chunk):
                    meta_ids.append(chunk.chunk_id)
                    meta_dicts.append(chunk_metadata(paper, chunk, th, mh))
                done += 1
            store.update_metadata(meta_ids, meta_dicts)
            if progress:
                progress(done, total)

        for start in range(0, len(to_embed), BATCH_PAPERS):
            batch = to_embed[start : start + BATCH_PAPERS]
            ids: list[str] = []
            docs: list[str] = []
            texts: list[str] = []
            metas: list[dict] = []
            stale: list[str] = []
            for paper, old_ids in batch:
                chunks = chunk_paper(paper, settings.chunk)
                th, mh = text_hash(paper), meta_hash(paper)
                for chunk in chunks:
                    ids.append(chunk.chunk_id)
                    docs.append(chunk.text)
                    texts.append(chunk.embed_text)
                    metas.append(chunk_metadata(paper, chunk, th, mh))
                fresh = {c.chunk_id for c in chunks}
                stale.extend(i for i in old_ids if i not in fresh)
            t0 = time.perf_counter()
            vectors = embedder.embed_batch(texts)
            report.embed_seconds += time.perf_counter() - t0
            store.upsert(ids, vectors, metas, docs)
            store.delete(
                stale
            )  # after the upsert: a kill in between leaves old+new, which the next run repairs
            report.chunks_written += len(ids)
            done += len(batch)
            if progress:
                progress(done, total)

        if total or not read_manifest(index_dir(settings), LEXICAL_FORMAT):
            # Build the BM25 index now, so the first question after an ingest doesn't pay for it.
            t0 = time.perf_counter()
            LexicalIndex.open(store, settings, store.version())
            report.index_seconds = time.perf_counter() - t0
    report.seconds = time.perf_counter() - started
    return report


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def first_run_line(settings: Settings, report: IngestReport, location: str) -> str:
    """What a first ingest of ``settings.corpus_dir`` does, in one line for people (before the progress bar)."""
    if settings.corpus_dir == bundled_corpus_dir():
        what = f"the bundled corpus ({_count(report.files_read, 'page')}"
    else:
        what = f"the corpus in {settings.corpus_dir} ({_count(report.files_read, 'file')}"
    # bench/results/ingest.json: 462 papers in 41 s on a quiet 2-core CPU.
    return (
        f"First run: ingesting {what}, {_count(report.papers, 'paper')}) into {location}; "
        "embedding takes about a minute on a CPU, longer on a busy one."
    )


def ingest_bundled(
    settings: Settings,
    *,
    notify: Callable[[str], None] | None = None,
    progress: ProgressFn | None = None,
    store: PaperStore | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Ingest ``settings.corpus_dir``, by default the bundled corpus (the ``paper_rag.ingest`` entry point that
    ask/search use on an empty store). Into an empty store, ``notify`` first gets :func:`first_run_line`."""
    store = store or PaperStore(settings)
    first_run = store.count() == 0

    def plan(report: IngestReport, total: int) -> None:
        if notify and first_run and total:
            notify(first_run_line(settings, report, store.location))

    return ingest_paths(
        [settings.corpus_dir], settings, store=store, embedder=embedder, progress=progress, on_plan=plan
    )
