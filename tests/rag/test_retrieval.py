"""Retrieval over the bundled corpus: questions written by reading the abstracts, worded unlike the titles. Title
vectors (rag.titles) over a small real store: found for a title-only query, kept in sync, never recomputed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from rag import api
from rag.config import Settings
from rag.lexical import index_dir
from rag.retrieval import Retriever, convex_fusion
from rag.store import PaperStore
from rag.titles import TitleSide, titles_dir
from rag.types import SearchFilters
from support import INPO, LATE, PAPERS, RecordingEmbedder, write_jsonl

# (question, the paper that answers it). None of the questions reuses the title's distinctive words.
QUESTIONS = [
    (
        "Which work makes exact self-attention faster by cutting reads and writes between GPU memory levels?",
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
    ),
    (
        "A model fine-tuned only to write insecure code starts giving malicious advice on unrelated prompts",
        "Emergent Misalignment: Narrow finetuning can produce broadly misaligned LLMs",
    ),
    (
        "Teaching LLMs to program by training on sequences of code edits instead of whole programs",
        "Training Language Models on Synthetic Edit Sequences Improves Code Synthesis",
    ),
    (
        "learnable cascade for high-resolution multi-view stereo depth estimation on resource-limited devices",
        "PatchmatchNet: Learned Multi-View Patchmatch Stereo",
    ),
    (
        "meta-algorithm that adds curvature information to any first-order optimizer by splitting the function into two quadratics",
        "FOSI: Hybrid First and Second Order Optimization",
    ),
    (
        "enforcing background-knowledge constraints when deep generative models synthesize rows of tables",
        "How Realistic Is Your Synthetic Data? Constraining Deep Generative Models for Tabular Data",
    ),
    (
        "benchmark of learned surrogates for computational fluid flow problems",
        "CFDBench: A Large-Scale Benchmark for Machine Learning Methods in Fluid Dynamics",
    ),
    (
        "averaging the weights of several sparse particles during magnitude-based network pruning",
        "SWAMP: Sparse Weight Averaging with Multiple Particles for Iterative Magnitude Pruning",
    ),
    (
        "how efficient is the code that language models write, measured with a rigorous standard",
        "How Efficient is LLM-Generated Code? A Rigorous & High-Standard Benchmark",
    ),
    (
        "pre-processing data with low-rank completion so that similar individuals get similar treatment",
        "Matrix Estimation for Individual Fairness",
    ),
    (
        "review of cross-validation, bootstrap and statistical tests for choosing between learning algorithms",
        "Model Evaluation, Model Selection, and Algorithm Selection in Machine Learning",
    ),
    (
        "a game between two policies that learn without regret to approximate the equilibrium of preferences for LLM alignment",
        INPO,
    ),
]


@pytest.mark.parametrize(("question", "title"), QUESTIONS, ids=[t[:40] for _, t in QUESTIONS])
def test_right_paper_in_top_3(bundled_settings: Settings, question: str, title: str) -> None:
    hits = api.search(question, k=10, settings=bundled_settings).hits
    assert title in [h.title for h in hits[:3]], [h.title for h in hits[:5]]


def test_a_paper_appears_once_with_its_best_chunks(bundled_settings: Settings) -> None:
    hits = api.search("looped transformers in-context learning", k=10, settings=bundled_settings).hits
    ids = [h.paper_id for h in hits]
    assert len(ids) == len(set(ids))
    for hit in hits:
        assert hit.chunks and all(c.chunk_id.startswith(hit.paper_id + "#") for c in hit.chunks)
        assert hit.snippet == hit.chunks[0].text


def test_modes_differ_and_hybrid_fuses(bundled_settings: Settings) -> None:
    q = "IO-aware tiling for attention"
    dense = [h.paper_id for h in api.search(q, k=5, settings=bundled_settings, mode="dense").hits]
    bm25 = [h.paper_id for h in api.search(q, k=5, settings=bundled_settings, mode="bm25").hits]
    hybrid = api.search(q, k=5, settings=bundled_settings).hits
    assert dense != bm25  # two different rankings...
    # ...fused: the top paper was found by both sides, and every hybrid hit comes from one of them.
    assert any(c.dense is not None and c.bm25_rank is not None for c in hybrid[0].chunks)
    wide_dense = {h.paper_id for h in api.search(q, k=40, settings=bundled_settings, mode="dense").hits}
    wide_bm25 = {h.paper_id for h in api.search(q, k=40, settings=bundled_settings, mode="bm25").hits}
    assert {h.paper_id for h in hybrid} <= wide_dense | wide_bm25


def test_year_filter_and_undated_papers(bundled_settings: Settings) -> None:
    dated = SearchFilters(year_from=2023, year_to=2023, include_undated=False)
    hits = api.search("optimization", k=10, filters=dated, settings=bundled_settings).hits
    assert hits and all(h.published and h.published.endswith("2023") for h in hits)
    with_undated = SearchFilters(year_from=2023, year_to=2023, include_undated=True)
    hits = api.search("optimization", k=30, filters=with_undated, settings=bundled_settings).hits
    assert any(h.published is None or "20" not in h.published for h in hits)  # yearless papers pass
    assert all(h.published is None or "," not in h.published or h.published.endswith("2023") for h in hits)


def test_source_and_title_filters(bundled_settings: Settings) -> None:
    hits = api.search(
        "optimization", k=10, filters=SearchFilters(source="003"), settings=bundled_settings
    ).hits
    assert hits and all(any("hf-daily-papers-003" in s for s in h.sources) for h in hits)
    hits = api.search(
        "attention", k=10, filters=SearchFilters(title="flashattention"), settings=bundled_settings
    ).hits
    assert [h.title for h in hits] == [
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    ]
    assert (
        api.search(
            "attention", filters=SearchFilters(title="no such title at all"), settings=bundled_settings
        ).hits
        == []
    )


def test_mmr_keeps_near_duplicates_from_crowding_out(bundled_settings: Settings) -> None:
    # Two bundled papers have nearly the same abstract (channel pruning). Pure relevance ranks both on top; a
    # trade-off leaning to diversity gives the second slot to a different paper. (The query quotes one twin's title,
    # so BM25 leads the fusion: the twin scores 0.97 of the best against 0.48 for the next paper, and its
    # redundancy outweighs that only below lambda 0.5; the default 0.9 keeps both twins on top.)
    twins = {
        "Channel Pruning for Accelerating Very Deep Neural Networks",
        "Pruning Very Deep Neural Network Channels for Efficient Inference",
    }
    q = "channel pruning for accelerating very deep networks"
    relevance_only = bundled_settings.override(retrieval={"mmr_lambda": 1.0})
    top = [h.title for h in api.search(q, k=3, settings=relevance_only).hits]
    assert set(top[:2]) == twins
    diverse_settings = bundled_settings.override(retrieval={"mmr_lambda": 0.4})
    diverse = [h.title for h in api.search(q, k=3, settings=diverse_settings).hits]
    assert diverse[0] in twins and diverse[1] not in twins


def test_mmr_gain_explains_the_order(bundled_settings: Settings) -> None:
    hits = api.search("low-rank adaptation", k=6, settings=bundled_settings).hits
    scores = [h.score for h in hits]
    assert scores != sorted(
        scores, reverse=True
    )  # diversity re-ordered the list: relevance alone can't explain it
    # The reference: greedy MMR's gain of each paper at the step it was picked, recomputed from the stored vectors.
    lam = bundled_settings.retrieval.mmr_lambda
    store = api.retriever(bundled_settings).store
    vectors = store.embeddings([h.chunks[0].chunk_id for h in hits])
    vec = [vectors[h.chunks[0].chunk_id] for h in hits]
    expected = [
        lam * h.score / hits[0].score
        - (1 - lam) * max((float(vec[i] @ vec[j]) for j in range(i)), default=0.0)
        for i, h in enumerate(hits)
    ]
    assert [h.mmr_gain for h in hits] == pytest.approx(expected, abs=1e-6)
    gains = [h.mmr_gain for h in hits]
    assert gains == sorted(gains, reverse=True)  # it never rises down the list
    results = api.search("low-rank adaptation", k=6, settings=bundled_settings).to_dict()["results"]
    assert [(r["rank"], r["mmr_gain"]) for r in results] == [(i, round(g, 6)) for i, g in enumerate(gains, 1)]
    # A list too short for MMR to choose is in score order, and says so.
    few = api.search("low-rank adaptation", k=500, settings=bundled_settings).hits
    assert all(h.mmr_gain is None for h in few)


# ------------------------------------------------------------------ title vectors

TITLES = {"title_match": "max"}


@pytest.fixture
def toy(tmp_path: Path, local_embedder) -> Settings:
    settings = Settings(home=tmp_path / "home").override(retrieval=TITLES)
    ingest_paths([write_jsonl(tmp_path / "a.jsonl", PAPERS)], settings, embedder=local_embedder)
    return settings


def test_a_query_matching_only_a_title_finds_its_title_vector(toy: Settings, local_embedder) -> None:
    # "language models" is in the first paper's title and in no abstract.
    store = PaperStore(toy)
    titles = TitleSide(store, toy, local_embedder).index()
    qvec = local_embedder.embed_batch(["compact language models"])[0]
    cos = titles.cosines(qvec)
    top = titles.top(cos, 1)
    assert [titles.paper_ids[i] for i in top] == ["arxiv:2405.00001"]
    chunk_cos = float(store.embeddings(["arxiv:2405.00001#0"])["arxiv:2405.00001#0"] @ qvec)
    assert cos[top[0]] > chunk_cos + 0.05  # the bare title is closer than the chunk that carries it
    result = Retriever(toy, store, local_embedder).search("compact language models", k=1)
    assert result.hits[0].paper_id == "arxiv:2405.00001" and "titles" in result.timings_ms


def test_title_vectors_follow_an_ingest_embedding_only_the_new_title(
    toy: Settings, local_embedder, tmp_path
) -> None:
    embedder = RecordingEmbedder(local_embedder)
    retriever = Retriever(toy, embedder=embedder)
    retriever.search("quantile forests", k=1)
    assert retriever.titles.index().size == 2
    ingest_paths([write_jsonl(tmp_path / "late.jsonl", [LATE])], toy, embedder=local_embedder)
    retriever.refresh()
    embedder.history.clear()
    hits = retriever.search("compressing gradients", k=1).hits
    index = retriever.titles.index()
    assert index.size == 3 and index.version == retriever.store.version()
    assert embedder.history == [
        ["compressing gradients"],
        ["Tiny Gradient Compression"],
    ]  # query, then 1 title
    assert index.manifest["embedded"] == 1 and hits[0].paper_id == "arxiv:2405.00003"


class _NoEmbedding:
    """An embedder that must not be asked: the title vectors are on disk."""

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        raise AssertionError(f"re-embedded {list(texts)[:3]}")


def test_a_fresh_handle_loads_title_vectors_without_embedding(toy: Settings, local_embedder) -> None:
    store = PaperStore(toy)
    built = TitleSide(store, toy, local_embedder).index()
    assert (titles_dir(toy) / "manifest.json").is_file()
    fresh = TitleSide(PaperStore(toy), toy, _NoEmbedding()).index()  # as a new process: nothing in memory
    assert fresh.paper_ids == built.paper_ids and np.array_equal(fresh.vectors, built.vectors)


def test_title_cosines_join_the_dense_side_as_configured(toy: Settings) -> None:
    store = PaperStore(toy)
    index = Retriever(toy, store).lexical.index()
    a, b = "arxiv:2405.00001#0", "arxiv:2405.00002#0"
    base = toy.retrieval.model_copy(update={"dense_weight": 1.0, "cosine_floor": 0.0, "coverage_shift": 0.0})
    titles = {a: 0.2, b: 0.9}
    off = convex_fusion({a: 0.8, b: 0.4}, {}, index, None, [], base.model_copy(update={"title_match": "off"}))
    assert off == pytest.approx({a: 1.0, b: 0.5})
    top = convex_fusion({a: 0.8, b: 0.4}, {}, index, None, [], base, title_cosine=titles)  # max
    assert top == pytest.approx({a: 0.8 / 0.9, b: 1.0})
    mix = base.model_copy(update={"title_match": "mix", "title_weight": 0.5})
    mixed = convex_fusion({a: 0.8, b: 0.4}, {}, index, None, [], mix, title_cosine=titles)
    assert mixed == pytest.approx({a: 0.5 / 0.65, b: 1.0})  # a: (0.8 + 0.2) / 2, b: (0.4 + 0.9) / 2


def test_a_paper_named_by_its_titles_name_comes_first(bundled_settings: Settings) -> None:
    """A question that writes the name a title starts with ("BANSAC", "FlashAttention") gets those papers first, in
    the order it names them (``retrieval.name_pin``); a word that is no name as written ("root cause") pins nothing,
    though a title starts with "ROOT:"."""
    q = "How does BANSAC compare with FlashAttention on memory?"
    hits = api.search(q, k=5, settings=bundled_settings).hits
    assert [h.title.split(":")[0] for h in hits[:2]] == ["BANSAC", "FlashAttention"]
    off = bundled_settings.override(retrieval={"name_pin": False})
    assert api.search(q, k=5, settings=off).hits[0].title.split(":")[0] == "FlashAttention"
    hits = api.search("What is the root cause of grokking?", k=5, settings=bundled_settings).hits
    assert not hits[0].title.startswith("ROOT")


def test_a_paper_named_by_words_or_by_its_whole_title_comes_first(bundled_settings: Settings) -> None:
    """A title's name of words, written as the title writes it ("Distribution Transformers"), pins its paper, as a
    whole title said in any case and punctuation does; the same words in lower case ("distribution transformers")
    are a description, and pin nothing."""
    q = "What top-1 accuracy does Distribution Transformers get on ImageNet?"
    hits = api.search(q, k=5, settings=bundled_settings).hits
    assert hits[0].title.startswith("Distribution Transformers:")
    off = bundled_settings.override(retrieval={"name_pin": False})
    assert not any(
        h.title.startswith("Distribution Transformers:") for h in api.search(q, k=5, settings=off).hits
    )
    lower = api.search(
        q.replace("Distribution Transformers", "distribution transformers"), k=5, settings=bundled_settings
    )
    assert not lower.hits[0].title.startswith("Distribution Transformers:")
    whole = "how many parameters does 'looped transformers as programmable computers' use"
    hits = api.search(whole, k=5, settings=bundled_settings).hits
    assert hits[0].title == "Looped Transformers as Programmable Computers"


def test_a_paper_named_by_a_name_its_abstract_defines_comes_first(bundled_settings: Settings) -> None:
    """A name no title starts with but an abstract defines ("we propose ... iterative Nash policy optimization
    (INPO)") pins that paper, though the question's other word ("tokenizer") is another paper's topic; a name no
    candidate defines pins nothing."""
    inpo = "Iterative Nash Policy Optimization: Aligning LLMs with General Preferences via No-Regret Learning"
    q = "Which tokenizer does INPO use?"
    assert api.search(q, k=5, settings=bundled_settings).hits[0].title == inpo
    off = bundled_settings.override(retrieval={"name_pin": False})
    assert inpo not in [h.title for h in api.search(q, k=5, settings=off).hits]
    plain = api.search("Which tokenizer does QWXZ use?", k=5, settings=bundled_settings).hits
    assert plain[0].title == api.search("Which tokenizer does QWXZ use?", k=5, settings=off).hits[0].title
    # named twice, by its title's name and by a name its abstract defines: one paper, once
    hits = api.search("Is SGDP slower than AdamP per step?", k=5, settings=bundled_settings).hits
    assert hits[0].title.startswith("AdamP:") and len({h.paper_id for h in hits}) == len(hits) == 5


def _brute_force(store: PaperStore, qvec: np.ndarray, n: int) -> list[tuple[str, float]]:
    got = store.collection.get(include=["embeddings"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = vectors @ (qvec / np.linalg.norm(qvec))
    ranked = sorted(zip(got["ids"], cos.tolist(), strict=True), key=lambda row: (-row[1], row[0]))
    return ranked[:n]


@pytest.mark.parametrize(
    "query",
    ["CPC", "sparse attention for long documents", "Which optimizer estimates the diagonal Hessian cheaply?"],
)
def test_a_small_collection_is_searched_exactly(bundled_settings: Settings, query: str) -> None:
    # A far query ("CPC": every chunk is about as far) is where Chroma's approximate index dropped a neighbour
    # from one process to the next; exact search returns the true nearest chunks, ties in chunk-id order.
    retriever = Retriever(bundled_settings)
    store, index = retriever.store, retriever.lexical.index()
    assert index.exact(bundled_settings.retrieval.exact_max_chunks)
    qvec = retriever.embedder.embed_batch([query])[0]
    hits = index.nearest(qvec, 24)
    expected = _brute_force(store, qvec, 24)
    assert [cid for cid, _ in hits] == [cid for cid, _ in expected]
    assert [cos for _, cos in hits] == pytest.approx([cos for _, cos in expected], abs=1e-5)
    # the dense side of a search is that ranking (no feedback step, so the query vector is the question's)
    dense = retriever.search(
        query, 5, mode="dense", options=bundled_settings.retrieval.model_copy(update={"prf_weight": 0.0})
    )
    assert [c.chunk_id for h in dense.hits for c in h.chunks][:1] == [expected[0][0]]
    # and with a filter, among the chunks the filter allows only: the same mask as the BM25 side's
    papers = sorted({p.paper_id for p in store.papers()})[::40]
    filters = SearchFilters(paper_ids=papers)
    first = index.nearest(qvec, 5, index.mask(filters, store))
    allowed = set(store.collection.get(where={"paper_id": {"$in": papers}}, include=[])["ids"])
    assert [cid for cid, _ in first] == [cid for cid, _ in _brute_force(store, qvec, 900) if cid in allowed][
        :5
    ]
    found = retriever.search(query, 3, filters, mode="dense").hits
    assert found and {h.paper_id for h in found} <= set(papers)


def test_a_collection_above_the_exact_limit_uses_the_index(bundled_settings: Settings, monkeypatch) -> None:
    count = PaperStore(bundled_settings).count()
    settings = bundled_settings.override(retrieval={"exact_max_chunks": count - 1})
    retriever = Retriever(settings)
    assert not retriever.lexical.index().exact(count - 1)
    asked: list[int] = []
    query_hnsw = retriever.store.query
    monkeypatch.setattr(retriever.store, "query", lambda *a, **kw: asked.append(1) or query_hnsw(*a, **kw))
    query = "graph neural networks for molecules"
    assert retriever.search(query, 3, mode="dense").hits and asked  # Chroma's HNSW answered
    qvec = retriever.embedder.embed_batch([query])[0]
    hits = query_hnsw(qvec, 10)
    assert len(hits) == 10 and hits[0].chunk_id == _brute_force(retriever.store, qvec, 1)[0][0]


def test_the_index_keeps_vectors_only_within_the_limit(toy: Settings, local_embedder) -> None:
    small = toy.override(retrieval={"exact_max_chunks": 1})
    shutil.rmtree(index_dir(small))  # the ingest built it under the default limit
    assert Retriever(small, embedder=local_embedder).lexical.index().vectors is None
    # the same store version, searched exactly under the default limit: the index is rebuilt with its vectors
    index = Retriever(toy, embedder=local_embedder).lexical.index()
    assert index.vectors is not None and index.vectors.shape == (index.size, 384)
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-5)
    # ... and kept under a lower limit (not searched exactly there, not rebuilt for it)
    again = Retriever(small, embedder=local_embedder).lexical.index()
    assert again.vectors is not None and not again.exact(1)


def test_exact_search_sees_a_write_at_once(toy: Settings, local_embedder, tmp_path: Path) -> None:
    settings = toy.override(retrieval={"title_match": "off"})
    retriever = Retriever(settings, embedder=local_embedder)
    assert retriever.search(
        "compressing gradients", k=3
    ).hits  # builds the index with the vectors of 2 papers
    assert retriever.lexical.index().vectors is not None
    ingest_paths([write_jsonl(tmp_path / "late.jsonl", [LATE])], settings, embedder=local_embedder)
    retriever.refresh()  # what an ingest in this process does; another process's is seen within STALE_AFTER_S
    qvec = local_embedder.embed_batch(["compressing gradients"])[0]
    index = retriever.lexical.index()
    assert index.size == 3 and index.nearest(qvec, 1)[0][0] == "arxiv:2405.00003#0"
    retriever.store.delete(["arxiv:2405.00003#0"])
    retriever.refresh()
    assert "arxiv:2405.00003#0" not in [cid for cid, _ in retriever.lexical.index().nearest(qvec, 5)]
    assert "arxiv:2405.00003" not in [h.paper_id for h in retriever.search("compressing gradients", k=3).hits]
