"""Shared helpers for the benchmarks: machine facts, percentiles, result files, peak memory.

Benchmarks report ratios taken side by side in one run (absolute times on a shared 2-core machine are noisy), and
write their numbers to ``bench/results/<name>.json`` so BENCHMARKS.md can quote them.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import rag  # noqa: F401  (offline environment first)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGES = ROOT / "data" / "pages"


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in load],
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest-rank on sorted values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50": round(pct(ms, 50), 2),
        "p95": round(pct(ms, 95), 2),
        "mean": round(statistics.mean(ms), 2),
        "n": len(ms),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def bundled_papers() -> list:
    from ingest.pipeline import read_paths
    from rag.config import Settings

    papers, _ = read_paths([PAGES], Settings())
    return papers


def questions(limit: int = 60) -> list[str]:
    path = ROOT / "evals" / "datasets" / "curated.jsonl"
    return [
        json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ][:limit]
