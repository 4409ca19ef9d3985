"""`paper-rag ask / search / compare` as real subprocesses, on a small corpus so each run is quick."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.config import RetrievalSettings
from support import (
    FORESTS,
    MOLECULES,
    ROUTING,
    ROUTING_QUESTION,
    TOY_PAPERS,
    OpenAIStub,
    quote_source,
    write_jsonl,
)


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_jsonl(folder / "papers.jsonl", TOY_PAPERS)
    return {"PAPER_RAG_HOME": str(tmp_path / "home"), "PAPER_RAG_CORPUS_DIR": str(folder)}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ask_on_empty_store_ingests_first_and_answers_json(corpus: dict[str, str]) -> None:
    out = run(
        corpus,
        "ask",
        "--json",
        "--backend",
        "extractive",
        "By how much does sparse routing lower perplexity?",
    )
    assert out.returncode == 0, out.stderr
    folder, home = corpus["PAPER_RAG_CORPUS_DIR"], corpus["PAPER_RAG_HOME"]
    first_run = f"First run: ingesting the corpus in {folder} (1 file, 3 papers) into {home}/chroma; "
    assert first_run in out.stderr
    data = json.loads(out.stdout)
    assert data["refused"] is False and "7.5%" in data["answer"]
    assert data["citations"][0]["title"] == ROUTING["title"]
    assert data["citations"][0]["paper_id"] == f"arxiv:{ROUTING['id']}"
    assert data["backend"] == "extractive" and data["tokens"] == {"prompt": 0, "completion": 0}
    assert data["timings_ms"]["total"] >= data["timings_ms"]["retrieve"]


def test_no_auto_ingest_says_what_to_do(corpus: dict[str, str]) -> None:
    out = run(corpus, "search", "--no-auto-ingest", "routing")
    assert out.returncode == 1
    assert "run 'paper-rag ingest' first" in out.stderr and "Traceback" not in out.stderr


def test_batch_ask_and_search_keep_input_order(corpus: dict[str, str], tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"question": "What error reduction does graph attention reach on QM9?", "id": 1})
        + "\n"
        + json.dumps({"question": "How do quantile forests handle streams?", "other": "ignored"})
        + "\n",
        encoding="utf-8",
    )
    out = run(corpus, "ask", "--questions", str(qfile), "--json", "--backend", "extractive")
    assert out.returncode == 0, out.stderr
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert [a["question"] for a in answers] == [
        "What error reduction does graph attention reach on QM9?",
        "How do quantile forests handle streams?",
    ]
    assert "12%" in answers[0]["answer"] and answers[1]["citations"][0]["title"] == FORESTS["title"]

    plain = tmp_path / "q.txt"
    plain.write_text("molecule property prediction\n\nstreaming quantiles\n", encoding="utf-8")
    out = run(corpus, "search", "--questions", str(plain), "--json", "--k", "2")
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["query"] for r in results] == ["molecule property prediction", "streaming quantiles"]
    assert results[0]["results"][0]["title"] == MOLECULES["title"]
    assert set(results[0]["results"][0]) == {
        *("title", "paper_id", "score", "published", "snippet"),  # the fields of the first release
        *("rank", "mmr_gain"),
    }
    assert len(results[1]["results"]) == 2


def test_search_prints_rank_pick_and_relevance_under_a_header(corpus: dict[str, str]) -> None:
    # k=2 of 3 papers: MMR picks the list, and the pick column shows its gains (the first is mmr_lambda).
    lam = RetrievalSettings().mmr_lambda
    out = run(corpus, "search", "--k", "2", "molecule property prediction")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "rank  pick    relevance  paper · date" and lines[1].startswith("(pick: the MMR gain")
    first, second = lines[2].split(), lines[4].split()
    assert first[:2] == ["1", f"{lam:.4f}"] and " ".join(first[3:]) == MOLECULES["title"]
    assert second[0] == "2" and float(second[1]) <= lam


def test_malformed_questions_file_names_the_line(corpus: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok?"}\n{"oops": 1}\n', encoding="utf-8")
    out = run(corpus, "ask", "--questions", str(bad), "--json", "--backend", "extractive")
    assert out.returncode == 1 and f"{bad}:2" in out.stderr and "question" in out.stderr


def test_ask_streams_then_lists_cited_titles(corpus: dict[str, str]) -> None:
    out = run(corpus, "ask", "--backend", "extractive", "How do quantile forests handle data streams?")
    assert out.returncode == 0, out.stderr
    assert "bounded memory [1]" in out.stdout
    assert out.stdout.rstrip().endswith("[1] Quantile Forests for Data Streams")
    assert "extractive" in out.stderr and "retrieve" in out.stderr


def test_refusal_for_absent_topic(corpus: dict[str, str]) -> None:
    out = run(corpus, "ask", "--json", "--backend", "extractive", "What is the boiling point of ethanol?")
    data = json.loads(out.stdout)
    assert data["refused"] is True and data["citations"] == []


def test_compare_csv(corpus: dict[str, str]) -> None:
    out = run(corpus, "compare", "--csv", "Compare sparse routing and quantile forests")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "n,paper,paper_id,date,approach,data_or_benchmarks,key_results" and len(lines) == 3


def test_compare_papers_named_by_title_or_id(corpus: dict[str, str]) -> None:
    by_title_and_id = run(
        corpus, "compare", "--json", "--paper", "quantile forests", "--paper", f"arxiv:{ROUTING['id']}"
    )
    assert by_title_and_id.returncode == 0, by_title_and_id.stderr
    rows = json.loads(by_title_and_id.stdout)["table"]
    assert [r["title"] for r in rows] == [FORESTS["title"], ROUTING["title"]]

    # "for" is a word of all three titles; "tabular" of none: one line naming candidates and their ids, exit 1.
    ambiguous = run(corpus, "compare", "--paper", "for", "--paper", "routing")
    assert ambiguous.returncode == 1 and ambiguous.stderr.count("\n") == 1
    assert ambiguous.stderr.startswith("error: 'for' matches 3 papers: ")
    assert f'arxiv:{MOLECULES["id"]} "{MOLECULES["title"]}"' in ambiguous.stderr
    unknown = run(corpus, "compare", "--paper", "tabular forests", "--paper", "routing")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert f"no stored paper matches 'tabular forests'; the closest: arxiv:{FORESTS['id']}" in unknown.stderr


@pytest.mark.slow
def test_local_backend_prints_no_llama_cpp_logs(corpus: dict[str, str], gguf: Path) -> None:
    out = run(
        {**corpus, "PAPER_RAG_LLM__MODEL": str(gguf)},
        "ask",
        "--backend",
        "local",
        "How do quantile forests handle data streams?",
    )
    assert out.returncode == 0, out.stderr
    # The model ran: its answer is shown, or was checked and replaced by the extractive one, saying so.
    assert "[local:" in out.stderr or "The local model's answer" in out.stderr
    leaked = [
        line
        for line in (out.stdout + out.stderr).splitlines()
        if "llama_" in line or "ggml" in line or line.startswith(("load", "print_info", "init_"))
    ]
    assert leaked == []


def test_ask_past_the_deadline_prints_the_extractive_answer_and_why(
    corpus: dict[str, str], openai_stub: OpenAIStub
) -> None:
    openai_stub.actions = [quote_source(1, delay_s=0.3)]  # slower than the deadline
    env = {**corpus, "PAPER_RAG_LLM__BASE_URL": openai_stub.url, "PAPER_RAG_LLM__DEADLINE_S": "0.5"}
    out = run(env, "ask", "--backend", "openai", ROUTING_QUESTION)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    note = "note: The openai model did not finish within 0.5 s (PAPER_RAG_LLM__DEADLINE_S); this is the extractive answer."
    assert note in out.stderr.splitlines()
    assert "[extractive:extractive" in out.stderr
    # The model's start, marked discarded, then the extractive answer and its cited titles (not printed twice).
    before, after = out.stdout.split(
        "[discarded: the text above is not the answer; the extractive answer follows]"
    )
    assert before.strip() and "7.5%" in after and "7.5%" not in before
    assert after.rstrip().endswith(f"[1] {ROUTING['title']}") and "checked answer" not in out.stdout
