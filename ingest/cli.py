"""``paper-rag ingest``: registered into the CLI through the ``paper_rag.commands`` entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rag.cli import emit_json
from rag.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ingest",
        help="read pages / JSON / JSONL into the store (no path: the bundled corpus)",
        description="Ingest files or directories. Re-running on unchanged input embeds nothing.",
        epilog="Exit status: 0 when every path was read (rejected records are warnings); 1 when no file could be "
        "read at all; 2 when some paths or files could not be read (the others went in), or, with --strict, when "
        "any record was rejected.",
    )
    p.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or directories (default: bundled corpus)"
    )
    p.add_argument("--strict", action="store_true", help="exit 2 if any record was rejected, too")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace stored abstracts even when the new text looks damaged (a truncated or much shorter copy)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Not at registration: every paper-rag command loads this module.
    from ingest.pipeline import ingest_bundled, ingest_paths

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="paper", desc="embedding", file=sys.stderr, disable=args.no_progress)
        bar.update(done - bar.n)

    if args.paths:
        report = ingest_paths(args.paths, settings, progress=progress, force=args.force)
    else:  # the configured corpus; into an empty store, one line first says what this does and where
        report = ingest_bundled(settings, progress=progress, notify=lambda line: print(line, file=sys.stderr))
    if bar is not None:
        bar.close()
    unread = [r for r in report.rejections if r.whole_file]
    if args.json:
        emit_json(report.to_dict())
    if report.files_read == 0:
        # Nothing went in: one line naming what could not be read, not a summary of zeros.
        why = "; ".join(str(r) for r in unread) or "no files given"
        print(f"error: nothing ingested - {why}", file=sys.stderr)
        return 1
    if not args.json:
        print_summary(report)
    for rejection in report.rejections:
        failed = rejection.whole_file or args.strict
        print(f"{'error' if failed else 'warning'}: {rejection}", file=sys.stderr)
    return 2 if unread or (args.strict and report.rejections) else 0


def print_summary(report: Any) -> None:
    print(
        f"files read: {report.files_read}   papers found: {report.records} "
        f"({report.papers} unique, {report.duplicates_merged} duplicates merged)\n"
        f"new: {report.new}   updated: {report.updated}   unchanged: {report.unchanged}   "
        f"chunks written: {report.chunks_written}   rejected: {len(report.rejections)}\n"
        f"collection: {report.collection}   time: {report.seconds:.1f}s (embedding {report.embed_seconds:.1f}s)"
    )
