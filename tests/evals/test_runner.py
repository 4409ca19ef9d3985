"""The eval runner's own logic (datasets, sampling, claims, judge replies) and one end-to-end `paper-rag eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import runner
from evals.report import render_markdown
from rag.cli import main
from rag.config import Settings
from rag.errors import InputError
from rag.types import Answer, CompareRow, Source
from support import write_jsonl


def _answer(text: str, sources: list[Source], *, refused: bool = False, table: list | None = None) -> Answer:
    answer = Answer("q", text, refused, [], sources, "extractive", "extractive", {}, {})
    answer.table = table or []
    return answer


SOURCES = [
    Source(1, "Paper One: A Title", "p1", 1.0, "", text="First paper text."),
    Source(2, "Paper Two", "p2", 0.9, "", text="Second paper text."),
]
ABSTRACTS = {"p1": "Abstract one.", "p2": "Abstract two."}


def test_claims_of_a_fact_answer_cite_the_full_abstracts() -> None:
    text = (
        "Will the test be positive? [1]. It is [2].\n\nCited papers:\n[1] Paper One: A Title\n[2] Paper Two"
    )
    claims = runner.answer_claims(_answer(text, SOURCES), ABSTRACTS)
    # The bare "[1]." after a question mark stays with its sentence; the cited-papers list is not a claim.
    assert claims == [("Will the test be positive?.", ["Abstract one."]), ("It is.", ["Abstract two."])]


def test_claims_of_a_list_answer_skip_the_header_and_title_prefix() -> None:
    text = "2 papers in the collection match:\n- Paper One: A Title: Does X [1].\n- Paper Two: Does Y [2]."
    claims = runner.answer_claims(_answer(text, SOURCES), ABSTRACTS)
    assert claims == [("Does X.", ["Abstract one."]), ("Does Y.", ["Abstract two."])]


def test_claims_of_a_compare_answer_are_its_cited_cells() -> None:
    table = [CompareRow(1, "Paper One: A Title", "Approach [1]", "not stated in the abstract", "Result [1]")]
    claims = runner.answer_claims(_answer("(table)", SOURCES, table=table), ABSTRACTS)
    assert claims == [("Approach", ["Abstract one."]), ("Result", ["Abstract one."])]


def test_a_refusal_has_no_claims() -> None:
    assert runner.answer_claims(_answer("Nothing [1].", SOURCES, refused=True), ABSTRACTS) == []


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [("yes", True), ("Yes.", True), ("**No**", False), (" no, because", False), ("maybe", None), ("", None)],
)
def test_parse_verdict(reply: str, verdict: bool | None) -> None:
    assert runner.parse_verdict(reply) is verdict


def test_judge_is_skipped_without_an_endpoint(settings: Settings) -> None:
    settings.llm.api_key = settings.llm.base_url = None
    judge, status = runner.make_judge(settings, "gpt-4o-mini")
    assert judge is None and status.startswith("skipped: no endpoint or key")


def test_take_is_round_robin_over_kinds_in_file_order() -> None:
    records = [{"id": f"{k}{i}", "kind": k} for k in "abc" for i in range(3)]
    assert [r["id"] for r in runner.take(records, 4)] == ["a0", "a1", "b0", "c0"]
    assert runner.take(records, None) == records


def test_load_dataset_by_name_and_path(tmp_path: Path) -> None:
    name, _, records = runner.load_dataset("curated")
    assert name == "curated" and len(records) >= 80
    path = write_jsonl(tmp_path / "mine.jsonl", [{"id": "x", "question": "Q?", "kind": "fact"}])
    name, _, records = runner.load_dataset(str(path))
    assert name == "mine" and records[0]["gold_titles"] == [] and records[0]["key_facts"] == []
    path.write_text('{"id": "x", "question": "Q?", "kind": "fact"}\n{broken\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"mine\.jsonl:2"):
        runner.load_dataset(str(path))
    with pytest.raises(InputError, match="no such dataset"):
        runner.load_dataset("nonexistent")


@pytest.mark.slow
def test_paper_rag_eval_end_to_end(
    bundled_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # Three curated questions of three kinds: answerable, answerable with a number, unanswerable.
    _, _, curated = runner.load_dataset("curated")
    picked = [r for r in curated if r["id"] in ("fact-001", "num-001", "ut-001")]
    dataset = write_jsonl(tmp_path / "three.jsonl", picked)
    monkeypatch.setenv("PAPER_RAG_HOME", str(bundled_settings.home))
    out = tmp_path / "report"
    argv = ["eval", "--dataset", str(dataset), "--backend", "extractive", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert {p.name for p in out.iterdir()} == {
        "report.md",
        "results.json",
        "recall_at_k.png",
        "answers_by_kind.png",
        "refusal_tradeoff.png",
    }
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in results["questions"]] == ["fact-001", "num-001", "ut-001"]
    assert set(results["retrieval"]["overall"]) == set(runner.RETRIEVERS)
    assert results["retrieval"]["overall"]["hybrid"]["n"] == 2  # the unanswerable question has no gold
    assert results["answers"]["backends"] == ["extractive"]
    inpo = results["questions"][1]["answers"]["extractive"]
    assert inpo["key_fact_recall"] == 1.0 and not inpo["refused"]  # 41.5% on AlpacaEval 2.0
    assert results["answers"]["overall"]["extractive"]["refusal_accuracy"] is not None
    assert all(0 <= q["answers"]["extractive"]["answerability"] <= 1 for q in results["questions"])
    assert "The evidence gate's trade-off (extractive)" in (out / "report.md").read_text(encoding="utf-8")
    # The report is pure rendering: the saved results give the same Markdown.
    assert render_markdown(results) == (out / "report.md").read_text(encoding="utf-8")
    assert "extractive" in capsys.readouterr().out


def test_refusal_tradeoff_counts_refusals_below_each_threshold() -> None:
    from evals.report import refusal_tradeoff

    def q(kind: str, p: float | None) -> dict:
        return {"kind": kind, "answers": {"extractive": {"answerability": p}}}

    results = {
        "questions": [
            q("fact", 0.9),
            q("fact", 0.3),
            q("unanswerable_topic", 0.1),
            q("unanswerable_detail", 0.6),
            q("compare", None),  # never gated: left out
        ]
    }
    curve = {c["threshold"]: c for c in refusal_tradeoff(results, "extractive")}
    assert curve[0.0] == {"threshold": 0.0, "refusal_accuracy": 0.0, "false_refusal_rate": 0.0}
    assert curve[0.2]["refusal_accuracy"] == 0.5 and curve[0.2]["false_refusal_rate"] == 0.0
    assert curve[0.5]["refusal_accuracy"] == 0.5 and curve[0.5]["false_refusal_rate"] == 0.5
    assert curve[0.7]["refusal_accuracy"] == 1.0 and curve[0.7]["false_refusal_rate"] == 0.5
    assert refusal_tradeoff({"questions": [q("fact", 0.9)]}, "extractive") == []  # nothing unanswerable


def test_sweep_lower_asks_every_question_and_turn_in_lower_case() -> None:
    from evals.sweep import lowered

    record = {
        "id": "x",
        "question": "Which GPU did FlashAttention use?",
        "turns": ["Find FlashAttention.", "Which GPU?"],
    }
    out = lowered(record)
    assert out["question"] == "which gpu did flashattention use?" and out["turns"] == [
        "find flashattention.",
        "which gpu?",
    ]
    assert record["question"] == "Which GPU did FlashAttention use?"  # the set itself is left as written
    assert lowered({"id": "y", "question": "What Is X?"}) == {"id": "y", "question": "what is x?"}


def test_sweep_typo_and_hedge_are_repeatable_and_keep_names() -> None:
    from evals.sweep import HEDGES, hedged, slipped

    assert (
        slipped("Which optimizer beats Adam in experiments?") == "Which optimizer beats Adam in expeirments?"
    )
    assert slipped("What is GPT-4?") == "What is GPT-4?"  # no lower-case word of seven letters: as written
    record = {"id": "a-fact-001", "question": "What speed-up does Sophia get?"}
    out = hedged(record)
    assert out == hedged(record) and out["question"].endswith("what speed-up does Sophia get?")
    assert out["question"].startswith(HEDGES) and "'" in out["question"]  # a contraction, as people type them
    named = hedged({"id": "a-fact-001", "question": "GPT-4 on MBPP: what pass@1?"})["question"]
    assert named.endswith("GPT-4 on MBPP: what pass@1?")  # a name keeps its capitals
    assert record["question"] == "What speed-up does Sophia get?"
