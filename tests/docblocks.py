"""The fenced code blocks of the Markdown docs, and the ``doctest:`` markers that say how each one is checked.

A marker is an HTML comment (invisible on the rendered page) on the line right above an opening fence, or
several such lines stacked there::

    <!-- doctest: KIND key="value" ... -->

At most one of these block kinds:

- (no kind) ```` ```python ```` runs as a program; ```` ```bash ````, ```` ```sh ```` and ```` ```console ````
  run their ``paper-rag`` commands (console: the ``$ `` lines; the lines below one are its shown output).
- ``run as="bash"``: run an unlabelled fence as that language.
- ``skip reason="..."``: not run here (an API key, a model file, ``make``); reported as skipped with the reason.
- ``not-code reason="..."``: an example of a format, not something to run; reported as skipped.
- ``server``: every command serves until stopped. It is started bound to 127.0.0.1 on a free port (the values
  of ``--host`` / ``--port`` are replaced, or ``PAPER_RAG_UI__HOST`` / ``__PORT`` set when the command has
  none), must answer HTTP there, and is then stopped.
- ``json-keys cmd="..."``: the block is an example of ``cmd``'s JSON output; ``cmd`` runs and must print the same
  keys, at every level.

And any number of these modifiers:

- ``skip-command n="N" reason="..."``: the Nth command of the block is skipped with the reason.
- ``setup cmd="..."``: a bash command run in each command's working folder first (``$REPO`` is the repository).
- ``replace old="..." new="..."``: text substituted in the block before it runs. In ``new``, ``{tmp}`` is the
  case's own working folder and ``{ui}`` the URL of the web UI, started on a free loopback port for the case.

Any other block (```` ```json ````, a bare fence), an unknown kind or key, a skip without a reason, a ``replace``
that matches nothing, a command other than ``paper-rag`` or a marker with no fence under it is an error case,
so that a new block cannot go unchecked by accident. Deliberately not here: running anything
(tests/test_docs.py does).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PYTHON = {"python", "py"}
SHELL = {"bash", "sh", "shell", "console"}
ATTRS = {  # kind -> (required keys, optional keys)
    "run": ({"as"}, set()),
    "skip": ({"reason"}, set()),
    "not-code": ({"reason"}, set()),
    "server": (set(), set()),
    "json-keys": ({"cmd"}, set()),
    "skip-command": ({"n", "reason"}, set()),
    "setup": ({"cmd"}, set()),
    "replace": ({"old", "new"}, set()),
}
BLOCK_KINDS = {"run", "skip", "not-code", "server", "json-keys"}

MARKER = re.compile(r"^\s*<!--\s*doctest:(.*?)-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")
ATTR = re.compile(r'\s*([a-z][a-z-]*)="([^"]*)"')
TIMING = re.compile(r"\b(retrieve|generate) \d+(?:\.\d+)? ms\b")


class MarkerError(ValueError):
    """A marker or block the checker cannot classify; the message says what to write instead."""


@dataclass
class Marker:
    kind: str
    attrs: dict[str, str]
    line: int


@dataclass
class Block:
    doc: str  # path relative to the repository
    line: int  # line number of the first line inside the fence
    lang: str
    lines: list[str]
    markers: list[Marker] = field(default_factory=list)


@dataclass
class Case:
    """One check: a Python block, one command of a shell block, a skip, or an error."""

    id: str  # "README.md:129": the doc and the line the case starts at
    kind: str  # python | command | server | json-keys | skip | error
    text: str = ""  # the program, or the command line
    expected: str = ""  # console: the output shown under the command; json-keys: the JSON example
    reason: str = ""  # skip: why; error: what is wrong
    setup: list[str] = field(default_factory=list)

    @property
    def needs_ui(self) -> bool:
        return "{ui}" in self.text

    @property
    def doc(self) -> str:
        return self.id.rsplit(":", 1)[0]

    @property
    def line(self) -> int:
        return int(self.id.rsplit(":", 1)[1])


def parse_marker(body: str, line: int) -> Marker:
    kind, _, rest = body.strip().partition(" ")
    attrs: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        m = ATTR.match(rest, pos)
        if not m:
            if rest[pos:].strip():
                raise MarkerError(f'cannot read {rest[pos:].strip()!r}: write key="value"')
            break
        attrs[m[1]] = m[2]
        pos = m.end()
    if kind not in ATTRS:
        raise MarkerError(f"unknown doctest kind {kind!r}: one of {', '.join(sorted(ATTRS))}")
    required, optional = ATTRS[kind]
    if missing := required - attrs.keys():
        raise MarkerError(f"`doctest: {kind}` needs {', '.join(sorted(missing))}")
    if unknown := attrs.keys() - required - optional:
        raise MarkerError(f"`doctest: {kind}` takes no {', '.join(sorted(unknown))}")
    if "reason" in attrs and not attrs["reason"].strip():
        raise MarkerError(f"`doctest: {kind}` needs a reason that says why")
    return Marker(kind, attrs, line)


def parse(doc: str, text: str) -> tuple[list[Block], list[Case]]:
    """The fenced blocks of one Markdown file with their markers, and error cases for markers that are wrong."""
    blocks: list[Block] = []
    errors: list[Case] = []
    pending: list[Marker] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        if m := MARKER.match(line):
            try:
                pending.append(parse_marker(m[1], number))
            except MarkerError as exc:
                errors.append(Case(f"{doc}:{number}", "error", reason=str(exc)))
            i += 1
            continue
        fence = FENCE.match(line)
        if pending and not fence:
            errors.append(
                Case(
                    f"{doc}:{pending[0].line}", "error", reason="doctest marker with no fence right under it"
                )
            )
            pending = []
        if not fence:
            i += 1
            continue
        indent, ticks, lang = len(fence[1]), fence[2], fence[3].lower()
        closing = re.compile(rf"^\s*{re.escape(ticks[0])}{{{len(ticks)},}}\s*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i][indent:] if not lines[i][:indent].strip() else lines[i].lstrip())
            i += 1
        blocks.append(Block(doc, number + 1, lang, body, pending))
        pending = []
        i += 1  # the closing fence
    if pending:
        errors.append(
            Case(f"{doc}:{pending[0].line}", "error", reason="doctest marker with no fence under it")
        )
    return blocks, errors


def commands(lang: str, lines: list[str], first: int) -> list[tuple[int, str, str]]:
    """(line, command, shown output) for each command of a shell block; console output is what follows ``$ ``."""
    found: list[tuple[int, str, list[str]]] = []
    for offset, line in enumerate(lines):
        if lang == "console":
            if line.startswith("$ "):
                found.append((first + offset, line[2:].strip(), []))
            elif found:
                found[-1][2].append(line)
            elif line.strip():
                raise MarkerError(f"console output before the first `$ ` command: {line.strip()!r}")
        elif line.strip() and not line.lstrip().startswith("#"):
            found.append((first + offset, line.strip(), []))
    return [(n, cmd, "\n".join(out).strip()) for n, cmd, out in found]


def classify(block: Block) -> list[Case]:
    """The cases that check one block; a block that cannot be classified gives one error case."""
    try:
        return _classify(block)
    except MarkerError as exc:
        return [Case(f"{block.doc}:{block.line}", "error", reason=str(exc))]


def _classify(block: Block) -> list[Case]:
    where = f"{block.doc}:{block.line}"
    kinds = [m for m in block.markers if m.kind in BLOCK_KINDS]
    if len(kinds) > 1:
        raise MarkerError(f"one block kind at most, not {' and '.join(m.kind for m in kinds)}")
    kind = kinds[0] if kinds else None
    if kind and kind.kind in {"skip", "not-code"}:
        prefix = "not code: " if kind.kind == "not-code" else ""
        return [Case(where, "skip", reason=prefix + kind.attrs["reason"])]

    text = "\n".join(block.lines)
    for m in block.markers:
        if m.kind == "replace":
            if m.attrs["old"] not in text:
                raise MarkerError(f"replace: {m.attrs['old']!r} is not in the block any more")
            text = text.replace(m.attrs["old"], m.attrs["new"])
    if kind and kind.kind == "json-keys":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise MarkerError(f"json-keys: the block is not JSON ({exc})") from None
        return [Case(where, "json-keys", text=kind.attrs["cmd"], expected=text)]

    setup = [m.attrs["cmd"] for m in block.markers if m.kind == "setup"]
    lang = kind.attrs["as"] if kind and kind.kind == "run" else block.lang
    if lang in PYTHON and not (kind and kind.kind == "server"):
        return [Case(where, "python", text=text, setup=setup)]
    if lang not in SHELL:
        raise MarkerError(
            f"```{lang or ' (no language)'} blocks are not run: mark it "
            '`doctest: not-code reason="..."`, `doctest: skip reason="..."` or `doctest: run as="bash"`'
        )

    found = commands(lang, text.splitlines(), block.line)
    if not found:
        raise MarkerError("a shell block with no command in it")
    skipped = {}
    for m in block.markers:
        if m.kind == "skip-command":
            if not m.attrs["n"].isdigit() or not 1 <= int(m.attrs["n"]) <= len(found):
                raise MarkerError(f"skip-command n={m.attrs['n']!r}: the block has {len(found)} commands")
            skipped[int(m.attrs["n"])] = m.attrs["reason"]
    cases = []
    for n, (line, command, shown) in enumerate(found, start=1):
        case_id = f"{block.doc}:{line}"
        if n in skipped:
            cases.append(Case(case_id, "skip", text=command, reason=skipped[n]))
            continue
        argv = shlex.split(command, comments=True)
        if not argv or argv[0] != "paper-rag":
            raise MarkerError(
                f"only `paper-rag` commands run here, not {command!r}: "
                'mark it `doctest: skip-command n="..." reason="..."` (or the block `doctest: skip`)'
            )
        server = bool(kind and kind.kind == "server")
        cases.append(Case(case_id, "server" if server else "command", command, shown, setup=setup))
    return cases


def collect(repo: Path, doc: str) -> tuple[list[Block], list[Case]]:
    """Every block of one doc, and every case that checks them (error cases included)."""
    blocks, errors = parse(doc, (repo / doc).read_text(encoding="utf-8"))
    return blocks, errors + [case for block in blocks for case in classify(block)]


# ------------------------------------------------------------------ comparing what the docs show


def normalise_output(text: str) -> str:
    """Output as the docs may show it: timings masked, whitespace (line wrapping, blank lines) collapsed."""
    return " ".join(TIMING.sub(r"\1 <n> ms", text).split())


def bind_loopback(argv: list[str], port: int) -> tuple[list[str], dict[str, str]]:
    """A server command bound to 127.0.0.1:port: its --host/--port values replaced, or set through the env."""
    out: list[str] = []
    env = {"PAPER_RAG_UI__HOST": "127.0.0.1", "PAPER_RAG_UI__PORT": str(port)}
    values = {"--host": "127.0.0.1", "--port": str(port)}
    i = 0
    while i < len(argv):
        name, eq, _ = argv[i].partition("=")
        if name in values:
            out += [name, values[name]]
            i += 1 if eq else 2
        else:
            out.append(argv[i])
            i += 1
    return out, env


def json_key_differences(example: Any, actual: Any, path: str = "$") -> list[str]:
    """Where the documented JSON and the printed JSON have different keys (list items: each against the first)."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path}: documented an object, printed {type(actual).__name__}"]
        diffs = [f"{path}.{k}: documented, not printed" for k in example if k not in actual]
        diffs += [f"{path}.{k}: printed, not documented" for k in actual if k not in example]
        for k in example.keys() & actual.keys():
            diffs += json_key_differences(example[k], actual[k], f"{path}.{k}")
        return diffs
    if isinstance(example, list) and example:
        if not isinstance(actual, list):
            return [f"{path}: documented a list, printed {type(actual).__name__}"]
        return [
            d for n, item in enumerate(actual) for d in json_key_differences(example[0], item, f"{path}[{n}]")
        ]
    return []
