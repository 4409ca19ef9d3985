"""Server mode: the same ingest and reads against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from rag.config import Settings
from rag.errors import StoreError
from rag.lexical import index_dir
from rag.store import PaperStore
from support import free_port, stop_process, wait_until_serving, write_jsonl

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = str(CHROMA) if CHROMA.exists() else shutil.which("chroma")
    assert exe, "the chroma CLI (from the chromadb package) is missing"
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = data / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/api/v2/heartbeat", proc, log)
        yield url
    finally:
        stop_process(proc)


@pytest.mark.slow
def test_ingest_and_read_through_chroma_server(chroma_url: str, tmp_path: Path, embedder) -> None:
    settings = Settings(home=tmp_path / "home", chroma_url=chroma_url)
    src = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {
                "id": "2402.00001",
                "title": "Server Mode Paper One",
                "abstract": "Vectors live in a Chroma server.",
            },
            {
                "id": "2402.00002",
                "title": "Server Mode Paper Two",
                "abstract": "A second abstract about HTTP clients.",
            },
        ],
    )
    report = ingest_paths([src], settings, embedder=embedder)
    assert (report.new, report.chunks_written) == (2, 2)
    store = PaperStore(settings)
    assert store.location == chroma_url
    assert [p.title for p in store.papers()] == ["Server Mode Paper One", "Server Mode Paper Two"]
    hits = store.query(embedder.embed_batch(["HTTP clients"])[0], n=1)
    assert hits[0].metadata["title"] == "Server Mode Paper Two"
    again = ingest_paths([src], settings, embedder=embedder)
    assert again.unchanged == 2 and again.chunks_written == 0
    assert not settings.chroma_path.exists()  # no embedded store was created
    # The only local file: the BM25 index derived from the server's chunks, keyed on the server's store version.
    assert [p.name for p in (settings.home / "bm25").iterdir() if p.is_dir()] == [index_dir(settings).name]
    from rag.retrieval import Retriever

    retriever = Retriever(settings)
    assert retriever.search("HTTP clients", k=1).hits[0].title == "Server Mode Paper Two"
    # the index kept every vector, read over HTTP with the texts, and searches them exactly
    exact = retriever.lexical.index().nearest(embedder.embed_batch(["HTTP clients"])[0], 2)
    assert [cid.split("#")[0] for cid, _ in exact] == ["arxiv:2402.00002", "arxiv:2402.00001"]


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="chroma run"):
        PaperStore(settings).count()


def test_credentials_in_the_chroma_url_are_never_shown(tmp_path: Path) -> None:
    url = f"http://ana:s3cret-chroma@127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(home=tmp_path / "home", chroma_url=url)
    with pytest.raises(StoreError) as err:
        PaperStore(settings).count()
    assert "s3cret-chroma" not in str(err.value) and "127.0.0.1" in str(err.value)
