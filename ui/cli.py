"""``paper-rag ui``: serve the Gradio app (registered through the ``paper_rag.commands`` entry point).

Binds to loopback by default. Deliberately no ``--share``: the app is never tunnelled to a public URL.
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
        description="Serve the web UI. Prints its URL, then serves until Ctrl+C.",
    )
    p.add_argument("--host", help="interface to bind (default: PAPER_RAG_UI__HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: PAPER_RAG_UI__PORT, 7860)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import launch

    host, port = args.host or settings.ui.host, args.port or settings.ui.port
    try:
        launch(settings, host, port)
    except OSError as exc:
        reason = str(exc).split(". ")[0]  # Gradio's message goes on about GRADIO_SERVER_PORT
        raise ConfigError(f"cannot serve on {host}:{port} ({reason}) - pass a free --port") from None
    except KeyboardInterrupt:
        pass
    return 0
