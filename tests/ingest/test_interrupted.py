"""An ingest killed for real (SIGKILL) part-way, then re-run, ends complete with no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from rag.config import Settings
from rag.store import PaperStore
from support import BUNDLED_PAPERS, PAGES


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_completes(tmp_path: Path, local_embedder) -> None:
    env = {**os.environ, "PAPER_RAG_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(PAGES)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    seen = b""
    deadline = time.monotonic() + 300
    # Kill once at least two batches of papers were written (the bar reports papers done).
    while (
        f"128/{BUNDLED_PAPERS}".encode() not in seen and proc.poll() is None and time.monotonic() < deadline
    ):
        chunk = proc.stderr.read() or b""
        seen += chunk
        time.sleep(0.05)
    assert proc.poll() is None, f"ingest ended before it could be killed: {seen[-500:]!r}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    settings = Settings(home=tmp_path / "home")
    partial = PaperStore(settings).state()
    assert 0 < len(partial) < BUNDLED_PAPERS  # it really was cut short

    report = ingest_paths([PAGES], settings, embedder=local_embedder)
    assert report.new + report.updated + report.unchanged == BUNDLED_PAPERS
    assert report.unchanged >= 128 and report.new > 0
    store = PaperStore(settings)
    states = store.state()
    assert len(states) == BUNDLED_PAPERS
    assert all(st.complete for st in states.values())
    ids = [chunk_id for chunk_id, _, _ in store.chunks()]
    assert len(ids) == len(set(ids)) == sum(st.n_chunks for st in states.values())
