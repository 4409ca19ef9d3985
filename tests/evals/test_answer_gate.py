"""The answer gate: the default offline backend's answers must not fall below the floors in evals/gate.json.

It runs the same code as ``paper-rag eval --backend extractive`` (answers only, no judge) on the curated set and
on the answers set's test split, over the bundled store, and checks key facts, refusals of unanswerable questions,
false refusals of answerable ones and list recall. When it fails, either answers regressed, or a change made them
legitimately different: then re-measure and update gate.json as evals/README.md ("The answer gate") describes.
"""

from __future__ import annotations

import json

import pytest

from evals.runner import load_dataset, run_answers, summarize_answers
from rag.config import Settings
from support import REPO

GATE = json.loads((REPO / "evals" / "gate.json").read_text(encoding="utf-8"))["answers"]


def measured(summary: dict, metric: str) -> float | None:
    """One gated number from a summarize_answers result: "list.citation_recall" reads the list kind's block."""
    kind, _, name = metric.rpartition(".")
    block = summary["by_kind"].get(kind) if kind else summary["overall"]
    return None if block is None else block.get(name)


@pytest.mark.slow
@pytest.mark.parametrize("spec", sorted(GATE["floors"]))
def test_extractive_answers_meet_the_gate(spec: str, bundled_settings: Settings) -> None:
    dataset, _, split = spec.partition(":")
    _, _, records = load_dataset(dataset)
    if split:
        records = [r for r in records if r.get("split") == split]
    summary = summarize_answers(records, run_answers(records, bundled_settings, GATE["backend"]))
    failures = {}
    for metric, floor in GATE["floors"][spec].items():
        value = measured(summary, metric)
        if value is None or value < floor:
            failures[metric] = f"{value} < {floor}"
    for metric, ceiling in GATE["ceilings"].get(spec, {}).items():
        value = measured(summary, metric)
        if value is None or value > ceiling:
            failures[metric] = f"{value} > {ceiling}"
    assert not failures, (
        f"{GATE['backend']} answers on {spec} ({len(records)} questions) crossed the gate: {failures}. "
        "If the change is legitimate, update evals/gate.json as evals/README.md describes."
    )


def test_the_gate_reads_the_numbers_it_names() -> None:
    summary = {"overall": {"key_fact_recall": 0.8}, "by_kind": {"list": {"citation_recall": 0.9}}}
    assert measured(summary, "key_fact_recall") == 0.8
    assert measured(summary, "list.citation_recall") == 0.9
    assert measured(summary, "compare.citation_recall") is None
