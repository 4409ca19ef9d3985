"""The ``paper-rag`` command line.

Subcommands of the library itself live here (``stats``, ``papers``, ``config``). Subcommands of the other packages
(``ingest``, later ``ui`` and ``eval``) register through the ``paper_rag.commands`` entry-point group, so ``rag``
never imports them. Known errors print one line and exit 1; set PAPER_RAG_DEBUG=1 for the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from rag.config import Settings, describe_settings, load_settings
from rag.errors import RagError

Handler = Callable[[argparse.Namespace, Settings], int]


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import PaperStore

    store = PaperStore(settings)
    papers = store.papers()
    stats = {
        "papers": len(papers),
        "chunks": store.count(),
        "collection": store.name,
        "embedder": settings.embedder_id(),
        "chunk_size": settings.chunk.size,
        "chunk_overlap": settings.chunk.overlap,
        "store": "server" if settings.chroma_url else "embedded",
        "location": store.location,
    }
    if args.json:
        emit_json(stats)
    else:
        width = max(len(k) for k in stats)
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _cmd_papers(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import PaperStore

    papers = PaperStore(settings).papers(search=args.search)
    if args.json:
        emit_json([p.to_dict() for p in papers])
        return 0
    for p in papers:
        meta = " · ".join(
            x for x in (p.published, f"{p.authors_count} authors" if p.authors_count else None) if x
        )
        print(f"{p.title}" + (f"  ({meta})" if meta else ""))
    print(f"{len(papers)} papers", file=sys.stderr)
    return 0


def _cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    rows = describe_settings(settings)
    if args.json:
        emit_json([{"env": e, "value": v, "description": d} for e, v, d in rows])
        return 0
    for env, value, desc in rows:
        print(f"{env}={value}\n    {desc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paper-rag", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stats", help="papers, chunks, collection, embedder and store location")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_cmd_stats)

    p = sub.add_parser("papers", help="list the stored papers")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--search", metavar="TEXT", help="only titles containing TEXT (case-insensitive)")
    p.set_defaults(handler=_cmd_papers)

    p = sub.add_parser("config", help="every setting, its environment variable, value and meaning")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_config)

    for ep in sorted(entry_points(group="paper_rag.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        handler: Handler = args.handler
        return handler(args, settings)
    except RagError as exc:
        if settings is not None and settings.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
