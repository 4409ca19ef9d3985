"""The house rules about dependencies, checked on the source."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADAPTERS = {
    "chromadb": {"rag/store.py"},
    "openai": {"rag/llm/openai_backend.py", "rag/embeddings.py"},
    "llama_cpp": {"rag/llm/local_backend.py"},
    "gradio": {"ui/app.py", "ui/cli.py", "ui/handlers.py"},
}
# What the front ends may import of rag: the API, its types, settings and errors (the README says so).
FRONT_END_ALLOWED = {"rag", "rag.api", "rag.types", "rag.config", "rag.errors"}


def _modules(path: Path) -> set[str]:
    """Every module ``path`` imports, in full ("from rag import api" gives "rag" and "rag.api")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def test_rag_imports_none_of_the_other_packages() -> None:
    for path in _sources("rag"):
        assert not _imports(path) & {"ingest", "ui", "evals"}, path


def test_adapter_allow_list_names_real_files() -> None:
    for allowed in ADAPTERS.values():
        for rel in allowed:
            assert (REPO / rel).is_file(), f"the allow-list names {rel}, which doesn't exist"


def test_ui_and_evals_use_only_the_api() -> None:
    rag_modules = {_module_name(p) for p in _sources("rag")}
    for package in ("ui", "evals"):
        for path in _sources(package):
            used = {m for m in _modules(path) if m.split(".")[0] == "rag" and m in rag_modules}
            assert used <= FRONT_END_ALLOWED, (
                f"{path.relative_to(REPO)} imports {sorted(used - FRONT_END_ALLOWED)}"
            )


def test_no_import_cycles_in_rag() -> None:
    """Module-level imports inside rag form a DAG (imports inside functions count too: they hide cycles)."""
    graph: dict[str, set[str]] = {}
    names = {_module_name(p): p for p in _sources("rag")}
    for name, path in names.items():
        graph[name] = {m for m in _modules(path) if m in names and m != name and m != "rag"}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_only_config_reads_the_environment() -> None:
    for package in ("rag", "ingest", "ui", "evals"):
        for path in _sources(package):
            rel = path.relative_to(REPO).as_posix()
            if rel == "rag/config.py":
                continue
            text = path.read_text(encoding="utf-8")
            assert "os.environ" not in text and "os.getenv" not in text, rel


def test_only_adapters_import_backends() -> None:
    for package in ("rag", "ingest", "ui", "evals"):
        for path in _sources(package):
            rel = path.relative_to(REPO).as_posix()
            for module, allowed in ADAPTERS.items():
                if module in _imports(path):
                    assert rel in allowed, f"{rel} imports {module}"


def test_no_torch_installed() -> None:
    import importlib.util

    assert importlib.util.find_spec("torch") is None
    assert importlib.util.find_spec("sentence_transformers") is None


def test_import_sets_offline_switches() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE", "ORT_DISABLE_TELEMETRY", "TIKTOKEN_CACHE_DIR")
    }
    code = (
        "import os, rag, tiktoken; "
        "print(os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['HF_HUB_OFFLINE'], os.environ['ORT_DISABLE_TELEMETRY']); "
        "print(len(tiktoken.get_encoding('cl100k_base').encode('hello world')))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "1", "1", "2"]
