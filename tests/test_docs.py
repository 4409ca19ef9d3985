"""Every fenced code block of the user docs runs here, as a user would run it (issue #15).

How each block is checked is written next to it in the Markdown source; tests/docblocks.py defines the markers.
Python blocks run in a fresh interpreter against the bundled store, with the doc's line numbers in tracebacks.
``paper-rag`` commands run as subprocesses in an empty working folder: exit code 0, and the output a console block
shows must appear (timings masked, line wrapping ignored). Servers start on a free loopback port and are stopped.
A block that cannot run here is skipped with the reason its marker gives, and an unclassified block fails.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docblocks import (
    Block,
    Case,
    bind_loopback,
    classify,
    collect,
    json_key_differences,
    normalise_output,
    parse,
)

from rag.config import Settings
from support import REPO, free_port

DOCS = ["README.md", "ui/README.md", "evals/README.md", "BENCHMARKS.md"]
PAPER_RAG = [sys.executable, "-c", "import sys; from rag.cli import main; sys.exit(main())"]
TIMEOUT_S = 900  # `paper-rag eval --retrieval-only --dataset generated` on a busy 2-core machine
SERVER_START_S = 180


def all_cases() -> list[Case]:
    return [case for doc in DOCS for case in collect(REPO, doc)[1]]


def as_param(case: Case) -> Any:
    marks = [pytest.mark.slow] if case.kind not in {"skip", "error"} else []
    return pytest.param(case, id=case.id, marks=marks)


# ------------------------------------------------------------------ running the docs


def user_env(home: Path) -> dict[str, str]:
    """A user's environment on the test store: no API keys or settings leaking in from the one running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PAPER_RAG_"))}
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env.update(
        PAPER_RAG_HOME=str(home),
        PYTHONPATH=path,  # this checkout's packages, whether or not it is the one installed
        PYTHONUNBUFFERED="1",  # stdout and stderr interleave as on a terminal
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        REPO=str(REPO),
    )
    return env


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def paper_rag(command: str) -> list[str]:
    return PAPER_RAG + shlex.split(command, comments=True)[1:]


@pytest.fixture(scope="module")
def docs_settings(bundled_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the bundled store: the examples may write to their home (the GGUF of `backend="local"`)."""
    home = tmp_path_factory.mktemp("docs") / "home"
    shutil.copytree(bundled_settings.home, home)
    return bundled_settings.override(home=home)


@pytest.fixture(scope="module")
def ui_url(docs_settings: Settings) -> Iterator[str]:
    from ui.app import launch

    demo, url = launch(docs_settings, "127.0.0.1", free_port(), block=False)
    yield url
    demo.close()


@pytest.mark.parametrize("case", [as_param(c) for c in all_cases()])
def test_doc_block(case: Case, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if case.kind == "skip":
        pytest.skip(f"{case.id}: {case.reason}")
    if case.kind == "error":
        pytest.fail(f"{case.id}: {case.reason}", pytrace=False)
    settings: Settings = request.getfixturevalue("docs_settings")  # only runnable cases pay for the store
    env = user_env(settings.home)
    text = case.text.replace("{tmp}", str(tmp_path))
    if case.needs_ui:
        text = text.replace("{ui}", request.getfixturevalue("ui_url"))
    for setup in case.setup:
        subprocess.run(["bash", "-c", setup], cwd=tmp_path, env=env, check=True, timeout=60)
    RUNNERS[case.kind](case, text, env, tmp_path)


def run_python(case: Case, text: str, env: dict[str, str], cwd: Path) -> None:
    # Blank lines first, so that the traceback's line numbers are the doc's.
    script = cwd / (case.doc.replace("/", "_") + ".py")
    script.write_text("\n" * (case.line - 1) + text + "\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert out.returncode == 0, f"{case.id} failed (line numbers are {case.doc}'s):\n{tail(out.stderr)}"


def run_command(case: Case, text: str, env: dict[str, str], cwd: Path) -> None:
    out = subprocess.run(
        paper_rag(text),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert out.returncode == 0, f"{case.id}: `{text}` exited {out.returncode}:\n{tail(out.stdout)}"
    if case.expected:
        shown, printed = normalise_output(case.expected), normalise_output(out.stdout)
        assert shown in printed, (
            f"{case.id}: `{text}` printed\n{out.stdout}\nwhich lacks what the doc shows:\n{case.expected}"
        )


def run_server(case: Case, text: str, env: dict[str, str], cwd: Path) -> None:
    port = free_port()
    argv, extra = bind_loopback(paper_rag(text), port)
    url = f"http://127.0.0.1:{port}/"
    log = cwd / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env={**env, **extra}, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                config = json.loads(urllib.request.urlopen(url + "config", timeout=5).read())
                break
            except OSError:
                gone = proc.poll() is not None
                if gone or time.monotonic() > deadline:
                    why = f"exited {proc.returncode}" if gone else f"did not answer in {SERVER_START_S} s"
                    pytest.fail(
                        f"{case.id}: `{text}` {why} at {url}:\n{tail(log.read_text(errors='replace'))}"
                    )
                time.sleep(0.5)
        assert config["title"] == "paper-rag", config  # the app, not whatever else answers there
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_json_keys(case: Case, text: str, env: dict[str, str], cwd: Path) -> None:
    out = subprocess.run(paper_rag(text), cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert out.returncode == 0, f"{case.id}: `{text}` exited {out.returncode}:\n{tail(out.stderr)}"
    diffs = json_key_differences(json.loads(case.expected), json.loads(out.stdout))
    assert not diffs, f"{case.id}: the example's keys differ from `{text}`'s:\n" + "\n".join(diffs)


RUNNERS = {"python": run_python, "command": run_command, "server": run_server, "json-keys": run_json_keys}


# ------------------------------------------------------------------ every block is classified


def test_every_block_of_the_docs_is_classified() -> None:
    for doc in DOCS:
        text = (REPO / doc).read_text(encoding="utf-8")
        blocks, cases = collect(REPO, doc)
        fences = sum(1 for line in text.splitlines() if line.lstrip().startswith(("```", "~~~")))
        assert fences == 2 * len(blocks), f"{doc}: {fences} fence lines, {len(blocks)} blocks parsed"
        assert not [c for c in cases if c.kind == "error"], [(c.id, c.reason) for c in cases]
        for block in blocks:
            assert classify(block), f"{doc}:{block.line} gives no case"
    assert {c.kind for c in all_cases()} >= {"python", "command", "server", "json-keys", "skip"}


# ------------------------------------------------------------------ the markers themselves


def cases_of(markdown: str) -> list[tuple[str, str]]:
    blocks, errors = parse("doc.md", markdown)
    return [(c.id, c.kind) for c in errors + [c for b in blocks for c in classify(b)]]


MARKED = {  # test id: (Markdown, the cases it gives as (id, kind))
    "python-runs": ("```python\nprint(1)\n```\n", [("doc.md:2", "python")]),
    "bash-one-case-a-command": (
        "```bash\npaper-rag ask x  # note\n\npaper-rag stats\n```\n",
        [("doc.md:2", "command"), ("doc.md:4", "command")],
    ),
    "json-needs-a-decision": ("```json\n{}\n```\n", [("doc.md:2", "error")]),
    "bare-fence-needs-a-decision": ("```\npaper-rag stats\n```\n", [("doc.md:2", "error")]),
    "run-as": ('<!-- doctest: run as="bash" -->\n```\npaper-rag stats\n```\n', [("doc.md:3", "command")]),
    "not-code": ('<!-- doctest: not-code reason="shape" -->\n```json\n{}\n```\n', [("doc.md:3", "skip")]),
    "empty-reason": (
        '<!-- doctest: skip reason="" -->\n```python\nx\n```\n',
        [("doc.md:1", "error"), ("doc.md:3", "python")],
    ),
    "no-reason": (
        "<!-- doctest: skip -->\n```python\nx\n```\n",
        [("doc.md:1", "error"), ("doc.md:3", "python")],
    ),
    "unknown-kind": (
        '<!-- doctest: skp reason="x" -->\n```python\nx\n```\n',
        [("doc.md:1", "error"), ("doc.md:3", "python")],
    ),
    "unknown-key": (
        '<!-- doctest: server port="1" -->\n```bash\npaper-rag ui\n```\n',
        [("doc.md:1", "error"), ("doc.md:3", "command")],
    ),
    "two-kinds": (
        '<!-- doctest: server -->\n<!-- doctest: run as="sh" -->\n```\npaper-rag ui\n```\n',
        [("doc.md:4", "error")],
    ),
    "marker-apart-from-fence": (
        '<!-- doctest: skip reason="x" -->\n\n```python\nx\n```\n',
        [("doc.md:1", "error"), ("doc.md:4", "python")],
    ),
    "marker-at-the-end": ('text\n<!-- doctest: skip reason="x" -->\n', [("doc.md:2", "error")]),
    "not-paper-rag": ("```bash\nmake test\n```\n", [("doc.md:2", "error")]),
    "skip-command": (
        '<!-- doctest: skip-command n="1" reason="slow" -->\n```bash\nmake test\npaper-rag stats\n```\n',
        [("doc.md:3", "skip"), ("doc.md:4", "command")],
    ),
    "skip-command-out-of-range": (
        '<!-- doctest: skip-command n="3" reason="x" -->\n```bash\npaper-rag stats\n```\n',
        [("doc.md:3", "error")],
    ),
    "stale-replace": (
        '<!-- doctest: replace old="7860" new="{ui}" -->\n```python\nx\n```\n',
        [("doc.md:3", "error")],
    ),
    "server": ("<!-- doctest: server -->\n```bash\npaper-rag ui\n```\n", [("doc.md:3", "server")]),
    "json-keys": (
        '<!-- doctest: json-keys cmd="paper-rag ask x" -->\n```json\n{"a": 1}\n```\n',
        [("doc.md:3", "json-keys")],
    ),
    "json-keys-not-json": (
        '<!-- doctest: json-keys cmd="paper-rag ask x" -->\n```json\n{...}\n```\n',
        [("doc.md:3", "error")],
    ),
    "console-output-first": ("```console\nhello\n$ paper-rag stats\n```\n", [("doc.md:2", "error")]),
    "outer-fence-counts": ("````markdown\n```python\nx\n```\n````\n", [("doc.md:2", "error")]),
}


@pytest.mark.parametrize(("markdown", "expected"), MARKED.values(), ids=MARKED.keys())
def test_markers_classify_blocks(markdown: str, expected: list[tuple[str, str]]) -> None:
    assert cases_of(markdown) == expected


def test_console_blocks_pair_commands_with_their_output() -> None:
    blocks, _ = parse(
        "doc.md", "```console\n$ paper-rag ask a\nline one\nline two\n\n$ paper-rag stats\n```\n"
    )
    cases = classify(blocks[0])
    assert [(c.id, c.text, c.expected) for c in cases] == [
        ("doc.md:2", "paper-rag ask a", "line one\nline two"),
        ("doc.md:6", "paper-rag stats", ""),
    ]


def test_replace_setup_and_placeholders() -> None:
    markdown = (
        '<!-- doctest: replace old="http://127.0.0.1:7860/" new="{ui}" -->\n'
        '<!-- doctest: setup cmd="touch my.jsonl" -->\n'
        '```python\nClient("http://127.0.0.1:7860/")\n```\n'
    )
    (case,) = classify(parse("doc.md", markdown)[0][0])
    assert case.text == 'Client("{ui}")' and case.needs_ui and case.setup == ["touch my.jsonl"]
    assert not Case("x:1", "python", text='print(f"{h:.4f}")').needs_ui


def test_output_normalisation_masks_timings_and_wrapping_only() -> None:
    shown = "An answer that the docs\nwrap [1].\n\nCited papers:\n[x:x · retrieve 2918 ms · generate 1214 ms]"
    printed = "An answer that the docs wrap [1].\n\nCited papers:\n\n[x:x · retrieve 12 ms · generate 3 ms]\n"
    assert normalise_output(shown) in normalise_output(printed)
    assert normalise_output("A different answer [1].") not in normalise_output(printed)
    assert normalise_output("tokens 0+0") != normalise_output("tokens 1+0")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["paper-rag", "ui"], ["paper-rag", "ui"]),
        (
            ["paper-rag", "ui", "--host", "0.0.0.0", "--port", "8080"],
            ["paper-rag", "ui", "--host", "127.0.0.1", "--port", "5"],
        ),
        (["paper-rag", "ui", "--port=8080"], ["paper-rag", "ui", "--port", "5"]),
    ],
)
def test_servers_are_bound_to_loopback(argv: list[str], expected: list[str]) -> None:
    assert bind_loopback(argv, 5) == (
        expected,
        {"PAPER_RAG_UI__HOST": "127.0.0.1", "PAPER_RAG_UI__PORT": "5"},
    )


def test_json_key_differences() -> None:
    example = {"a": 1, "items": [{"n": 1, "t": "x"}], "table": [], "t": {"x": 1}}
    assert (
        json_key_differences(
            example, {"a": 2, "items": [{"n": 1, "t": "y"}] * 2, "table": [1], "t": {"x": 0}}
        )
        == []
    )
    diffs = json_key_differences(
        example, {"a": 2, "items": [{"n": 1}], "table": [], "t": {"x": 1, "y": 2}, "z": 0}
    )
    assert sorted(diffs) == [
        "$.items[0].t: documented, not printed",
        "$.t.y: printed, not documented",
        "$.z: printed, not documented",
    ]
    assert json_key_differences(example, []) == ["$: documented an object, printed list"]


def test_a_block_without_a_language_and_markers_is_not_silently_python() -> None:
    (case,) = classify(Block("doc.md", 2, "", ["print(1)"]))
    assert case.kind == "error" and "not-code" in case.reason


def test_indentation_inside_a_fence_is_kept() -> None:
    markdown = (
        "```python\nfor x in y:\n    print(x)\n```\n\n1. item\n\n   ```python\n   if a:\n       b()\n   ```\n"
    )
    blocks, _ = parse("doc.md", markdown)
    assert [b.lines for b in blocks] == [["for x in y:", "    print(x)"], ["if a:", "    b()"]]
