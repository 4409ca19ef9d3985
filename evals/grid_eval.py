"""Score extraction grids against the gold grid (``evals/datasets/grid.json``): ``paper-rag eval --dataset grid``.

The gold grid holds, per paper and column, the key facts a right cell contains (any one of them), or null where the
abstract doesn't state it. One :func:`rag.api.grid` call per split builds the system's grid over the same papers and
columns; every cell is then one of:

* gold stated, system stated and containing a key fact (case-insensitive, whitespace-normalised): **right**;
* gold stated, system stated, no key fact: **wrong sentence**; gold stated, system "not stated": **missed**;
* gold null, system "not stated": **right**; gold null, system stated: **claimed** (a sentence for what isn't there).

The headline numbers (issue #13): *stated-cell accuracy* (right / gold stated) and *"not stated" precision* (right
"not stated" / every "not stated" the system said), with "not stated" recall beside them so neither can be bought by
saying "not stated" rarely or always. Deliberately not here: how cells are filled (:mod:`rag.extraction`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag import api
from rag.config import Settings

GOLD = Path(__file__).resolve().parent / "datasets" / "grid.json"
OUTCOMES = ("right", "wrong sentence", "missed", "right not stated", "claimed")


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def load_gold(path: Path = GOLD, split: str | None = None) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if split:
        data["papers"] = [p for p in data["papers"] if p["split"] == split]
    return data


def outcome(facts: Sequence[str] | None, stated: bool, text: str) -> str:
    """One cell's outcome (one of :data:`OUTCOMES`)."""
    if facts is None:
        return "right not stated" if not stated else "claimed"
    if not stated:
        return "missed"
    return "right" if any(_norm(f) in _norm(text) for f in facts) else "wrong sentence"


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarize(cells: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts of each outcome and the ratios (None where undefined) over ``cells``."""
    n = {o: sum(1 for c in cells if c["outcome"] == o) for o in OUTCOMES}
    gold_stated = n["right"] + n["wrong sentence"] + n["missed"]
    said_not = n["right not stated"] + n["missed"]
    gold_null = n["right not stated"] + n["claimed"]
    return {
        "cells": len(cells),
        "gold_stated": gold_stated,
        "gold_not_stated": gold_null,
        **{o.replace(" ", "_"): n[o] for o in OUTCOMES},
        "stated_accuracy": _ratio(n["right"], gold_stated),
        "not_stated_precision": _ratio(n["right not stated"], said_not),
        "not_stated_recall": _ratio(n["right not stated"], gold_null),
        "cell_accuracy": _ratio(n["right"] + n["right not stated"], len(cells)),
    }


def run_grid_eval(settings: Settings, split: str | None = None, path: Path = GOLD) -> dict[str, Any]:
    """The system's grid over the gold papers and columns, every cell scored: the results dict."""
    gold = load_gold(path, split)
    columns = [api.Column(c["label"], c["question"]) for c in gold["columns"]]
    t0 = time.perf_counter()
    grid = api.grid([p["paper_id"] for p in gold["papers"]], columns=columns, settings=settings)
    seconds = time.perf_counter() - t0
    by_id = {r.paper_id: r for r in grid.rows}
    cells = []
    for paper in gold["papers"]:
        row = by_id[paper["paper_id"]]
        for column, cell in zip(columns, row.cells, strict=True):
            facts = paper["cells"][column.label]
            cells.append(
                {
                    "paper_id": paper["paper_id"],
                    "title": paper["title"],
                    "column": column.label,
                    "gold": facts,
                    "stated": cell.stated,
                    "text": cell.text,
                    "outcome": outcome(facts, cell.stated, cell.text),
                }
            )
    return {
        "meta": {
            "dataset": str(path),
            "split": split,
            "papers": len(gold["papers"]),
            "columns": [c.to_dict() for c in columns],
            "seconds": round(seconds, 2),
            "settings": settings.grid.model_dump(mode="json"),
        },
        "overall": summarize(cells),
        "by_column": {c.label: summarize([x for x in cells if x["column"] == c.label]) for c in columns},
        "cells": cells,
    }


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def report_markdown(results: dict[str, Any], command: str = "") -> str:
    meta = results["meta"]
    lines = [
        f"# Extraction grid: {meta['papers']} papers x {len(meta['columns'])} columns"
        + (f" ({meta['split']} split)" if meta["split"] else ""),
        "",
        f"Command: `{command}`" if command else "",
        f"Built in {meta['seconds']} s. Scoring: evals/grid_eval.py (a stated cell is right when it contains a key "
        "fact; a 'not stated' is right when the gold cell is null).",
        "",
        "| column | cells | gold stated | stated-cell accuracy | 'not stated' precision | 'not stated' recall "
        "| wrong sentence | missed | claimed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, b in [*results["by_column"].items(), ("**all**", results["overall"])]:
        lines.append(
            f"| {label} | {b['cells']} | {b['gold_stated']} | {_fmt(b['stated_accuracy'])} | "
            f"{_fmt(b['not_stated_precision'])} | {_fmt(b['not_stated_recall'])} | {b['wrong_sentence']} | "
            f"{b['missed']} | {b['claimed']} |"
        )
    wrong = [c for c in results["cells"] if c["outcome"] in ("wrong sentence", "missed", "claimed")]
    if wrong:
        lines += ["", "## Cells that are not right", ""]
        for c in wrong:
            gold = " / ".join(c["gold"]) if c["gold"] else "(not stated)"
            lines.append(
                f'- **{c["column"]}** of "{c["title"]}": {c["outcome"]}; gold: {gold}; cell: {c["text"]}'
            )
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], out: Path, command: str = "") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.md"
    report.write_text(report_markdown(results, command), encoding="utf-8")
    data = out / "results.json"
    data.write_text(
        json.dumps({**results, "meta": {**results["meta"], "command": command}}, indent=1), encoding="utf-8"
    )
    return [report, data]


def print_summary(results: dict[str, Any]) -> None:
    print(f"grid ({results['meta']['papers']} papers, split {results['meta']['split'] or 'all'})")
    print(f"  {'column':<14} stated-acc  'not stated' P  R")
    for label, b in [*results["by_column"].items(), ("all", results["overall"])]:
        print(
            f"  {label:<14} {_fmt(b['stated_accuracy']):<11} {_fmt(b['not_stated_precision']):<15} "
            f"{_fmt(b['not_stated_recall'])}"
        )
