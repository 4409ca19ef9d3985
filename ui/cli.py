"""``paper-rag ui``: serve the Gradio app (registered through the ``paper_rag.commands`` entry point).

Binds to loopback by default; any other address needs a login (``--auth``, ``--auth-file``) or an explicit
``--insecure-no-auth`` (:mod:`ui.access`). Deliberately no ``--share``: the app is never tunnelled to a public URL.
"""

from __future__ import annotations

import argparse
from typing import Any

from rag.config import Settings
from rag.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ui",
        help="serve the web UI (chat, compare, library, ingest) on 127.0.0.1:7860",
        description="Serve the web UI. Prints its URL, then serves until Ctrl+C. Loopback (127.0.0.1) needs no "
        "login; binding any other address requires --auth or --auth-file, or --insecure-no-auth.",
    )
    p.add_argument("--host", help="interface to bind (default: PAPER_RAG_UI__HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: PAPER_RAG_UI__PORT, 7860)")
    p.add_argument("--auth", metavar="USER:PASS", help="login a visitor must give (PAPER_RAG_UI__AUTH)")
    p.add_argument(
        "--auth-file",
        metavar="FILE",
        help="file of USER:PASS lines, instead of --auth (PAPER_RAG_UI__AUTH_FILE)",
    )
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="serve a non-loopback address with no login (anyone who reaches the port can use it)",
    )
    p.add_argument(
        "--no-ingest", action="store_true", help="no Ingest tab, no uploads (PAPER_RAG_UI__INGEST=false)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import launch

    host, port = args.host or settings.ui.host, args.port or settings.ui.port
    ui: dict[str, Any] = {}
    if args.auth:
        ui["auth"] = args.auth
    if args.auth_file:
        ui["auth_file"] = args.auth_file
    if args.insecure_no_auth:
        ui["insecure_no_auth"] = True
    if args.no_ingest:
        ui["ingest"] = False
    settings = settings.override(ui=ui)
    try:
        launch(settings, host, port)
    except OSError as exc:
        reason = str(exc).split(". ")[0]  # Gradio's message goes on about GRADIO_SERVER_PORT
        raise ConfigError(f"cannot serve on {host}:{port} ({reason}) - pass a free --port") from None
    except KeyboardInterrupt:
        pass
    return 0
