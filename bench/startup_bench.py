"""Process start to first output for ``paper-rag search`` and ``paper-rag ask`` (import costs count).

For ``ask`` the first output is the first answer token: with ``--backend local`` (the bundled Gemma 270M, in
process) and ``--backend extractive``. Each command runs 5 times as a fresh process on the bundled store; the
first byte on stdout stops the clock.

Run: ``.venv/bin/python bench/startup_bench.py``
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from common import ROOT, save, summary_ms

sys.path.insert(0, str(ROOT / "bench"))
from query_bench import DATA, bundled_settings

COMMANDS = {
    "search": ["search", "memory-efficient exact attention"],
    "ask_extractive": ["ask", "--backend", "extractive", "How does FlashAttention reduce memory traffic?"],
    "ask_local": ["ask", "--backend", "local", "How does FlashAttention reduce memory traffic?"],
}


def first_output(args: list[str]) -> tuple[float, float]:
    """(seconds to the first stdout byte, seconds to exit)."""
    env = {**os.environ, "PAPER_RAG_HOME": str(DATA / "bundled")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    proc.stdout.read(1)
    first = time.perf_counter() - t0
    proc.stdout.read()
    proc.wait()
    return first, time.perf_counter() - t0


def main() -> None:
    bundled_settings()  # make sure the store exists
    first_output(COMMANDS["ask_local"])  # assemble the GGUF and warm the page cache once
    results = {}
    for name, args in COMMANDS.items():
        runs = [first_output(args) for _ in range(5)]
        results[name] = {
            "first_output": summary_ms([r[0] for r in runs]),
            "exit": summary_ms([r[1] for r in runs]),
        }
        print(name, results[name], flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import rag.cli"], check=True)
    results["import_rag_cli_s"] = round(time.perf_counter() - t0, 3)
    save("startup", results)


if __name__ == "__main__":
    main()
