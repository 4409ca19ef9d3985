"""The retrieval gate: hybrid recall@5 and MRR must not fall below the floors in evals/gate.json.

It runs the same code as ``paper-rag eval --retrieval-only`` (hybrid only) on the whole bundled corpus. When it
fails, either retrieval regressed, or a change made it legitimately different: then re-measure and update
gate.json as evals/README.md ("The retrieval gate") describes.
"""

from __future__ import annotations

import json

import pytest

from evals.runner import load_dataset, run_retrieval, summarize_retrieval
from rag.config import Settings
from support import REPO

GATE = json.loads((REPO / "evals" / "gate.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("dataset", sorted(GATE["thresholds"]))
def test_hybrid_retrieval_meets_the_gate(dataset: str, bundled_settings: Settings) -> None:
    retriever = GATE["retriever"]
    _, _, records = load_dataset(dataset)
    per_question = run_retrieval(records, bundled_settings, retrievers=(retriever,))
    overall = summarize_retrieval(records, per_question, (retriever,))["overall"][retriever]
    floors = GATE["thresholds"][dataset]
    below = {
        metric: f"{overall[metric]:.4f} < {floor}"
        for metric, floor in floors.items()
        if overall[metric] < floor
    }
    assert not below, (
        f"{retriever} retrieval on {dataset} ({overall['n']} questions) fell below the gate: {below}. "
        "If the change is legitimate, update evals/gate.json as evals/README.md describes."
    )
