"""The paper-rag command line, run as a real subprocess."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import build_parser
from support import BUNDLED_MERGES, BUNDLED_PAPERS, BUNDLED_RECORDS, PAGE_COUNTS, write_jsonl

PAPER = {
    "id": "2403.00001",
    "title": "A Command Line Paper",
    "abstract": "We study command lines for science.",
}


def run_cli(home: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPER_RAG_HOME": str(home), **env_vars}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_ingest_stats_papers(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "p.jsonl", [PAPER])
    out = run_cli(tmp_path / "home", "ingest", "--no-progress", str(src))
    assert out.returncode == 0, out.stderr
    assert "papers found: 1" in out.stdout and "new: 1" in out.stdout and "rejected: 0" in out.stdout

    stats = json.loads(run_cli(tmp_path / "home", "stats", "--json").stdout)
    assert stats["papers"] == 1 and stats["chunks"] == 1
    assert stats["embedder"] == "minilm-l6-int8" and stats["store"] == "embedded"
    assert stats["location"] == str(tmp_path / "home" / "chroma")
    assert stats["collection"].startswith("papers-minilm-l6-int8-c200o40-")

    listed = json.loads(run_cli(tmp_path / "home", "papers", "--json", "--search", "command LINE").stdout)
    assert [p["title"] for p in listed] == ["A Command Line Paper"]
    assert json.loads(run_cli(tmp_path / "home", "papers", "--json", "--search", "nothing").stdout) == []


LORA_PAPERS = [
    {"id": "2403.00011", "title": "Chain of LoRA for Fine-tuning", "abstract": "We chain low-rank adapters."},
    {"id": "2403.00012", "title": "Mixing LoRAs", "abstract": "We mix adapters trained on separate tasks."},
    {
        "id": "2403.00013",
        "title": "Efficient Exploration for Language Agents",
        "abstract": "Agents explore with LoRA adapters on a frozen model.",
    },
]


def test_papers_lists_ids_and_searches_whole_words(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "p.jsonl", LORA_PAPERS)
    assert run_cli(tmp_path / "home", "ingest", "--no-progress", str(src)).returncode == 0

    listed = run_cli(tmp_path / "home", "papers").stdout.splitlines()
    # Each line starts with the paper's id, which `compare --paper` takes.
    assert listed == [
        "arxiv:2403.00011  Chain of LoRA for Fine-tuning",
        "arxiv:2403.00013  Efficient Exploration for Language Agents",
        "arxiv:2403.00012  Mixing LoRAs",
    ]

    def titles(*args: str) -> list[str]:
        out = run_cli(tmp_path / "home", "papers", "--json", *args)
        assert out.returncode == 0, out.stderr
        return [p["title"] for p in json.loads(out.stdout)]

    # "lora" is a word of the first two titles (a plural in "s" too), not of "Exploration".
    assert titles("--search", "LoRA") == ["Chain of LoRA for Fine-tuning", "Mixing LoRAs"]
    assert titles("--search", "lora", "--abstracts") == [
        p["title"] for p in sorted(LORA_PAPERS, key=lambda p: p["title"])
    ]
    assert titles("--search", "frozen agents", "--abstracts") == ["Efficient Exploration for Language Agents"]
    assert titles("--search", "frozen agents") == []  # "frozen" is only in an abstract
    alone = run_cli(tmp_path / "home", "papers", "--abstracts")
    assert alone.returncode == 1 and "--search" in alone.stderr


def test_first_ingest_of_the_corpus_says_what_it_does(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_jsonl(folder / "p.jsonl", [PAPER])
    first = run_cli(tmp_path / "home", "ingest", "--no-progress", PAPER_RAG_CORPUS_DIR=str(folder))
    assert first.returncode == 0, first.stderr
    store = tmp_path / "home" / "chroma"
    line = f"First run: ingesting the corpus in {folder} (1 file, 1 paper) into {store}; "
    assert first.stderr.startswith(line) and first.stderr.count("\n") == 1
    again = run_cli(tmp_path / "home", "ingest", "--no-progress", PAPER_RAG_CORPUS_DIR=str(folder))
    assert again.returncode == 0 and "new: 0" in again.stdout
    assert "First run" not in again.stderr  # the store is no longer empty


def test_a_reader_that_left_ends_the_command_quietly(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "p.jsonl", [PAPER])
    assert run_cli(tmp_path / "home", "ingest", "--no-progress", str(src)).returncode == 0
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as after `paper-rag papers | head -3`
    try:
        out = subprocess.run(
            [sys.executable, "-m", "rag.cli", "papers"],
            env={**os.environ, "PAPER_RAG_HOME": str(tmp_path / "home")},
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write)
    assert out.returncode == 141, out.stderr  # 128 + SIGPIPE, as a shell reports a tool its reader left
    assert "Error" not in out.stderr and "Exception" not in out.stderr and "Traceback" not in out.stderr


def test_rejections_warn_and_strict_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(PAPER) + "\n{oops\n", encoding="utf-8")
    lenient = run_cli(tmp_path / "home", "ingest", "--no-progress", str(bad))
    assert lenient.returncode == 0
    assert "warning:" in lenient.stderr and "bad.jsonl:2: malformed JSON" in lenient.stderr
    strict = run_cli(tmp_path / "home", "ingest", "--no-progress", "--strict", str(bad))
    assert strict.returncode == 2 and "error:" in strict.stderr
    assert json.loads(run_cli(tmp_path / "home", "stats", "--json").stdout)["papers"] == 1


def test_nothing_read_is_an_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    out = run_cli(tmp_path / "home", "ingest", "--no-progress", str(missing))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == f"error: nothing ingested - {missing}: no such file or directory\n"
    assert not (tmp_path / "home").exists()  # no store was made for nothing
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run_cli(tmp_path / "home", "ingest", "--no-progress", str(empty))
    assert out.returncode == 1 and out.stderr.startswith(
        f"error: nothing ingested - {empty}: no readable files"
    )


def test_missing_paths_beside_read_ones_are_named_and_fail(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "p.jsonl", [PAPER])
    missing = [tmp_path / "a.json", tmp_path / "b"]
    out = run_cli(tmp_path / "home", "ingest", "--no-progress", str(src), *map(str, missing))
    assert out.returncode == 2  # what could be read went in; the rest is reported
    assert "files read: 1" in out.stdout and "new: 1" in out.stdout
    assert out.stderr.splitlines() == [f"error: {p}: no such file or directory" for p in missing]
    assert json.loads(run_cli(tmp_path / "home", "stats", "--json").stdout)["papers"] == 1


def test_config_lists_every_setting_with_a_description(tmp_path: Path) -> None:
    rows = json.loads(run_cli(tmp_path / "home", "config", "--json").stdout)
    envs = {r["env"] for r in rows}
    assert {
        "PAPER_RAG_HOME",
        "PAPER_RAG_CHROMA_URL",
        "PAPER_RAG_CHUNK__SIZE",
        "PAPER_RAG_LLM__BACKEND",
        "PAPER_RAG_LLM__DEADLINE_S",
    } <= envs
    assert all(r["description"] for r in rows)


@pytest.mark.slow
def test_bundled_ingest_via_cli(tmp_path: Path) -> None:
    out = run_cli(tmp_path / "home", "ingest", "--json", "--no-progress")
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith(
        f"First run: ingesting the bundled corpus ({len(PAGE_COUNTS)} pages, {BUNDLED_PAPERS} papers) "
        f"into {tmp_path / 'home' / 'chroma'}; "
    )
    report = json.loads(out.stdout)
    assert (report["files_read"], report["records"], report["papers"], report["duplicates_merged"]) == (
        len(PAGE_COUNTS),
        BUNDLED_RECORDS,
        BUNDLED_PAPERS,
        BUNDLED_MERGES,
    )
    assert report["rejections"] == []
    again = json.loads(run_cli(tmp_path / "home", "ingest", "--json", "--no-progress").stdout)
    assert (again["new"], again["updated"], again["unchanged"], again["chunks_written"]) == (
        0,
        0,
        BUNDLED_PAPERS,
        0,
    )


def all_help(parser: argparse.ArgumentParser, path: str = "paper-rag") -> dict[str, str]:
    """The --help text of ``parser`` and of every subcommand under it, by command line."""
    helps = {path: parser.format_help()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                helps.update(all_help(child, f"{path} {name}"))
    return helps


def test_help_is_plain_text() -> None:
    helps = all_help(build_parser())
    # Every subcommand, including those registered by ingest, eval and ui through the entry points.
    assert {"paper-rag", "paper-rag ask", "paper-rag ingest", "paper-rag eval", "paper-rag ui"} <= set(helps)
    rst = re.compile(r"``|:(?:func|mod|class|meth|attr|data|ref|doc):")
    assert {cmd: rst.findall(text) for cmd, text in helps.items() if rst.search(text)} == {}
    assert "Ask questions about research-paper abstracts" in helps["paper-rag"]


def test_an_unexpected_error_is_one_line_unless_debugging(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    home = (
        blocker / "home"
    )  # the store can't be created under a file: an OSError, not one of paper-rag's errors
    out = run_cli(home, "stats")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()]  # one line
    assert out.stderr.startswith("error: unexpected NotADirectoryError") and "PAPER_RAG_DEBUG=1" in out.stderr
    debug = run_cli(home, "stats", PAPER_RAG_DEBUG="1")
    assert debug.returncode != 0 and "Traceback" in debug.stderr
