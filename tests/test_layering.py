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
    "openai": {"rag/llm/openai_backend.py", "rag/embeddings.py", "evals/judge.py"},
    "llama_cpp": {"rag/llm/local_backend.py"},
    "gradio": {"ui/app.py", "ui/cli.py", "ui/render.py", "ui/handlers.py", "ui/components.py"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _sources(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def test_rag_imports_none_of_the_other_packages() -> None:
    for path in _sources("rag"):
        assert not _imports(path) & {"ingest", "ui", "evals"}, path


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
