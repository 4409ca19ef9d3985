"""20 concurrent questions through the UI's API (gradio_client on loopback): errors, throughput, latency; and the
serving process's peak memory.

The app runs as a real ``paper-rag ui`` process on 127.0.0.1 with the bundled store and the default backend
(``auto``, which is extractive offline). 20 client threads each send one ``/ask`` at the same moment; then a
second wave of 20. Client-side latency includes queueing in Gradio (its answer queue runs 4 at a time).

Run: ``.venv/bin/python bench/concurrency_bench.py``
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from common import questions, save, summary_ms
from query_bench import DATA, bundled_settings

N = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    from gradio_client import Client

    bundled_settings()
    port = free_port()
    env = {**os.environ, "PAPER_RAG_HOME": str(DATA / "bundled")}
    exe = Path(sys.executable).parent / "paper-rag"
    proc = subprocess.Popen(
        [str(exe), "ui", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        t_start = time.perf_counter()
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        ready_s = time.perf_counter() - t_start
        idle_rss = vm_hwm_mb(proc.pid)
        qs = questions(N)
        waves = []
        for _wave in range(2):
            latencies: list[float] = []
            errors: list[str] = []
            barrier = threading.Barrier(N)

            def one(q: str, latencies=latencies, errors=errors, barrier=barrier) -> None:
                client = Client(url, verbose=False)
                barrier.wait()
                t0 = time.perf_counter()
                try:
                    out = client.predict(q, "", api_name="/ask")
                    assert isinstance(out, dict) and "answer" in out
                    latencies.append(time.perf_counter() - t0)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=one, args=(q,)) for q in qs]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            waves.append(
                {
                    "errors": len(errors),
                    "error_samples": errors[:3],
                    "wall_s": round(wall, 2),
                    "throughput_qps": round(len(latencies) / wall, 2),
                    "latency": summary_ms(latencies),
                }
            )
            print(waves[-1], flush=True)
        result = {
            "concurrent": N,
            "ready_s": round(ready_s, 1),
            "rss_after_start_mb": idle_rss,
            "peak_rss_serving_mb": vm_hwm_mb(proc.pid),
            "waves": waves,
        }
        save("concurrency", result)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
