"""The same search benchmark against Chroma's server mode (``chroma run`` on 127.0.0.1) and the embedded client.

The bundled collection's vectors are copied into the server as they are (no re-embedding), so both stores hold
identical data; the queries, retriever and settings are the same. Reports p50/p95 for hybrid search and dense-only.

Run: ``.venv/bin/python bench/server_bench.py``
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import questions, save, summary_ms
from query_bench import bundled_settings, timed

from rag.retrieval import Retriever
from rag.store import PaperStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    base = bundled_settings()
    queries = questions(40)
    exe = (
        str(Path(sys.executable).parent / "chroma")
        if (Path(sys.executable).parent / "chroma").exists()
        else shutil.which("chroma")
    )
    port = free_port()
    tmp = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [exe, "run", "--path", tmp, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        server = base.model_copy(update={"chroma_url": url})
        src = PaperStore(base).collection.get(include=["embeddings", "documents", "metadatas"])
        dst = PaperStore(server)
        for start in range(0, len(src["ids"]), 1000):
            sl = slice(start, start + 1000)
            dst.collection.upsert(
                ids=src["ids"][sl],
                embeddings=src["embeddings"][sl],
                documents=src["documents"][sl],
                metadatas=src["metadatas"][sl],
            )
        results = {}
        for name, settings in (("embedded", base), ("server", server)):
            r = Retriever(settings)
            results[name] = {
                "chunks": r.store.count(),
                "search_hybrid": summary_ms(timed(lambda q, r=r: r.search(q, k=6), queries)),
                "dense_only": summary_ms(timed(lambda q, r=r: r.search(q, k=6, mode="dense"), queries)),
            }
            print(name, results[name], flush=True)
        save("server_mode", results)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
