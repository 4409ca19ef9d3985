"""A wheel built from this source carries every package and the bundled corpus, and an install of it finds the
corpus without the repo (``rag.config.bundled_corpus_dir``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

from rag.config import bundled_corpus_dir

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "data" / "pages"
PACKAGES = ("rag", "ingest", "ui", "evals")
# What the build reads. Built from a copy: setuptools writes build/ and *.egg-info into the source tree.
SOURCES = ("pyproject.toml", "README.md", *PACKAGES, "data")
# Offline and from this environment's setuptools: nothing is downloaded.
PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "-q", "--no-index", "--no-deps", "--no-build-isolation")


def test_checkout_uses_the_repo_corpus() -> None:
    assert bundled_corpus_dir() == PAGES


def test_pyproject_reads_without_setuptools_warnings() -> None:
    # What `pip install -e .` prints from our pyproject.toml: setuptools' reading of it, warnings and all.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), REPO / "pyproject.toml")
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []
    assert dist.metadata.license_expression == "Apache-2.0"  # an SPDX expression, not the deprecated table


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "reports"))
        else:
            shutil.copy2(REPO / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP_WHEEL, "--wheel-dir", str(out), str(src)],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (built,) = out.glob("paper_rag-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_every_module_and_the_corpus(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}
    assert modules - names == set()
    corpus = {p.name for p in PAGES.glob("*.txt")}
    assert len(corpus) == 5
    assert {
        n.removeprefix("paper_rag_data/pages/") for n in names if n.startswith("paper_rag_data/pages/")
    } == corpus
    assert {"evals/datasets/curated.jsonl", "evals/datasets/generated.jsonl"} <= names


@pytest.mark.slow
def test_installed_copy_is_the_default_corpus_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # PYTHONPATH comes before the editable install's finder, so `rag` is imported from the unpacked wheel.
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import rag, rag.config as c; print(rag.__file__); print(c.Settings().corpus_dir)",
        ],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if k != "PAPER_RAG_CORPUS_DIR"},
            "PYTHONPATH": str(site),
            "PAPER_RAG_HOME": str(tmp_path / "home"),
        },
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert shown == [str(site / "rag" / "__init__.py"), str(site / "paper_rag_data" / "pages")]
