"""The grid gate: the extraction grid on the gold grid's test split must not fall below the floors in
evals/gate.json ("grid"), and the scoring itself is checked on cells written for the purpose.

It runs the same code as ``paper-rag eval --dataset grid --split test`` over the bundled store. When it fails,
either cells regressed, or a change made them legitimately different: then re-measure and update gate.json as
evals/README.md ("The grid gate") describes.
"""

from __future__ import annotations

import json

import pytest

from evals.grid_eval import outcome, run_grid_eval, summarize
from rag.config import Settings
from support import REPO

GATE = json.loads((REPO / "evals" / "gate.json").read_text(encoding="utf-8"))["grid"]


def test_cell_outcomes() -> None:
    assert outcome(["ImageNet"], True, "We evaluate on  imagenet and COCO.") == "right"
    assert outcome(["ImageNet"], True, "We evaluate on COCO.") == "wrong sentence"
    assert outcome(["ImageNet"], False, "not stated in the abstract") == "missed"
    assert outcome(None, False, "not stated in the abstract") == "right not stated"
    assert outcome(None, True, "We use 8 GPUs.") == "claimed"
    cells = [
        {"outcome": o} for o in ("right", "right", "missed", "right not stated", "claimed", "wrong sentence")
    ]
    s = summarize(cells)
    assert (s["gold_stated"], s["gold_not_stated"]) == (4, 2)
    assert s["stated_accuracy"] == 0.5  # 2 right of 4 stated
    assert s["not_stated_precision"] == 0.5  # 1 right "not stated" of 2 said (the other was missed)
    assert s["not_stated_recall"] == 0.5  # 1 of 2 gold nulls said "not stated"
    assert summarize([{"outcome": "right"}])["not_stated_precision"] is None  # never said: undefined, not 1.0


@pytest.mark.slow
def test_the_grid_meets_the_gate(bundled_settings: Settings) -> None:
    results = run_grid_eval(bundled_settings, GATE["split"])
    failures = {
        metric: f"{results['overall'][metric]} < {floor}"
        for metric, floor in GATE["floors"].items()
        if results["overall"][metric] is None or results["overall"][metric] < floor
    }
    assert not failures, (
        f"the grid on the {GATE['split']} split crossed the gate: {failures}. If the change is legitimate, "
        "update evals/gate.json as evals/README.md describes."
    )
