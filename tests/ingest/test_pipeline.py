"""End-to-end ingest into a real embedded Chroma with the real embedder."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.pipeline import ingest_paths
from rag.config import ChunkSettings, Settings
from rag.store import PaperStore
from support import BUNDLED_PAPERS, INPO, INPO_WIN_RATE, MAP_ELITES, PAGES, RecordingEmbedder, write_jsonl

PAPER_A = {
    "paper": {
        "id": "2401.00001",
        "title": "Sparse Mixture Routing for Tiny Language Models",
        "summary": "We route tokens to sparse experts. " * 3
        + "Routing improves perplexity by 7.5% on WikiText-103.",
        "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
        "publishedAt": "2024-01-02T00:00:00.000Z",
        "upvotes": 5,
    }
}
PAPER_B = {
    "id": "2401.00002v3",
    "title": "Quantile Regression Forests for Streaming Data",
    "abstract": "We adapt quantile regression forests to data streams with bounded memory.",
    "authors": "Grace Hopper and Edsger Dijkstra",
    "update_date": "2024-01-05",
    "categories": "stat.ML cs.LG",
}


def test_bundled_corpus_ingests_462_papers(bundled_settings: Settings) -> None:
    store = PaperStore(bundled_settings)
    papers = store.papers()
    assert len(papers) == BUNDLED_PAPERS
    states = store.state()
    assert len(states) == BUNDLED_PAPERS
    assert all(st.complete for st in states.values())
    assert store.count() == sum(st.n_chunks for st in states.values())
    by_title = {p.title: p for p in papers}
    assert INPO_WIN_RATE in by_title[INPO].abstract
    map_elites = by_title[MAP_ELITES]
    assert (map_elites.authors_count, map_elites.published) == (4, "Mar 7, 2023")


def test_every_chunk_carries_its_citation(bundled_settings: Settings) -> None:
    for _, text, meta in PaperStore(bundled_settings).chunks():
        assert text and meta["title"] and meta["paper_id"] and json.loads(meta["sources"])
        assert meta["chunk_index"] < meta["n_chunks"]


def test_reingest_unchanged_embeds_nothing(
    settings: Settings, embedder: RecordingEmbedder, tmp_path: Path
) -> None:
    src = write_jsonl(tmp_path / "p.jsonl", [PAPER_A, PAPER_B])
    first = ingest_paths([src], settings, embedder=embedder)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    embedded = embedder.texts_embedded
    assert embedded == first.chunks_written > 0
    second = ingest_paths([src], settings, embedder=embedder)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    assert embedder.texts_embedded == embedded  # nothing embedded again
    assert PaperStore(settings).count() == first.chunks_written


def test_changed_abstract_replaces_old_chunks(
    settings: Settings, embedder: RecordingEmbedder, tmp_path: Path
) -> None:
    settings = Settings(home=settings.home, chunk=ChunkSettings(size=40, overlap=8))
    long_abstract = " ".join(
        f"Sentence number {i} explains one more detail of the method." for i in range(12)
    )
    record = {**PAPER_B, "abstract": long_abstract}
    src = write_jsonl(tmp_path / "p.jsonl", [record])
    ingest_paths([src], settings, embedder=embedder)
    store = PaperStore(settings)
    assert store.count() > 2
    write_jsonl(src, [{**PAPER_B, "abstract": "A short, rewritten abstract about streaming quantiles."}])
    report = ingest_paths([src], settings, embedder=embedder)
    assert (report.new, report.updated) == (0, 1)
    assert store.count() == 1
    (paper,) = store.papers()
    assert paper.abstract == "A short, rewritten abstract about streaming quantiles."
    docs = [text for _, text, _ in store.chunks()]
    assert docs == ["A short, rewritten abstract about streaming quantiles."]


def test_same_paper_from_later_file_merges_sources(
    settings: Settings, embedder: RecordingEmbedder, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [PAPER_B])
    ingest_paths([first], settings, embedder=embedder)
    embedded = embedder.texts_embedded
    # Same paper, title with different case/spacing, no id, from another file: merged, not duplicated.
    page = tmp_path / "page.txt"
    page.write_text(
        f"QUANTILE  regression forests for streaming data\n\n{PAPER_B['abstract']}\n", encoding="utf-8"
    )
    report = ingest_paths([page], settings, embedder=embedder)
    assert report.new == 0
    store = PaperStore(settings)
    (paper,) = store.papers()
    assert paper.paper_id == "arxiv:2401.00002"
    assert {Path(s.rsplit(":", 1)[0]).name for s in paper.sources} == {"a.jsonl", "page.txt"}
    assert paper.published == "2024-01-05"  # the stored metadata survives
    assert embedder.texts_embedded - embedded <= store.count()


def test_collection_name_encodes_embedder_and_chunking(tmp_path: Path) -> None:
    base = Settings(home=tmp_path)
    other_chunks = Settings(home=tmp_path, chunk=ChunkSettings(size=300))
    other_embedder = Settings(home=tmp_path, embedding={"provider": "openai"})
    names = {base.collection_name(), other_chunks.collection_name(), other_embedder.collection_name()}
    assert len(names) == 3
    assert base.collection_name() == Settings(home=tmp_path / "elsewhere").collection_name()


def test_changing_chunk_settings_never_mixes_vectors(
    settings: Settings, embedder: RecordingEmbedder, tmp_path: Path
) -> None:
    src = write_jsonl(tmp_path / "p.jsonl", [PAPER_A, PAPER_B])
    ingest_paths([src], settings, embedder=embedder)
    resized = Settings(home=settings.home, chunk=ChunkSettings(size=64, overlap=8))
    report = ingest_paths([src], resized, embedder=embedder)
    assert report.new == 2  # a fresh collection, built from scratch
    assert PaperStore(settings).name != PaperStore(resized).name
    assert PaperStore(settings).count() > 0 and PaperStore(resized).count() > 0


def test_bad_input_keeps_good_records_and_stored_papers(
    settings: Settings, embedder: RecordingEmbedder, tmp_path: Path
) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [PAPER_A])
    ingest_paths([good], settings, embedder=embedder)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        json.dumps(PAPER_B) + "\n{not json\n" + json.dumps({"title": "No abstract here"}) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01binary")
    report = ingest_paths(
        [mixed, tmp_path / "blob.txt", tmp_path / "missing.json"], settings, embedder=embedder
    )
    reasons = [str(r) for r in report.rejections]
    assert any("mixed.jsonl:2" in r and "malformed JSON" in r for r in reasons)
    assert any("mixed.jsonl:3" in r and "no abstract" in r for r in reasons)
    assert any("blob.txt" in r and "binary" in r for r in reasons)
    assert any("missing.json" in r and "no such file" in r for r in reasons)
    titles = {p.title for p in PaperStore(settings).papers()}
    assert titles == {
        PAPER_A["paper"]["title"],
        PAPER_B["title"],
    }  # the good record went in, nothing was lost


def test_broken_partial_state_is_repaired(
    settings: Settings, embedder: RecordingEmbedder, tmp_path: Path
) -> None:
    settings = Settings(home=settings.home, chunk=ChunkSettings(size=40, overlap=8))
    long_abstract = " ".join(f"Claim {i} is supported by experiment {i} on benchmark {i}." for i in range(10))
    src = write_jsonl(tmp_path / "p.jsonl", [{**PAPER_B, "abstract": long_abstract}, PAPER_A])
    ingest_paths([src], settings, embedder=embedder)
    store = PaperStore(settings)
    full = store.count()
    # Simulate a write cut short: one paper lost a middle chunk, the other has a stale-hash chunk.
    store.delete(["arxiv:2401.00002#1"])
    store.update_metadata(["arxiv:2401.00001#0"], [{"text_hash": "stale"}])
    report = ingest_paths([src], settings, embedder=embedder)
    assert report.updated == 2
    assert store.count() == full
    assert all(st.complete for st in store.state().values())


def test_pages_dir_default_is_the_bundled_corpus() -> None:
    assert Settings().corpus_dir == PAGES
    assert sorted(p.name for p in PAGES.glob("*.txt")) == [f"hf-daily-papers-00{i}.txt" for i in range(5)]
