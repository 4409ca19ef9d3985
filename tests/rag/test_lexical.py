"""The persisted BM25 index (rag.lexical): built once, loaded without reading the chunks, rebuilt when the store
changes - also when another process changed it. Real Chroma, real embedder, real bm25s."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from rag.config import Settings
from rag.lexical import LexicalIndex, LexicalSide, index_dir
from rag.retrieval import Retriever, convex_fusion, rrf_fusion
from rag.store import PaperStore
from rag.text import stem, terms
from rag.types import SearchFilters
from support import LATE, PAPERS, write_jsonl


@pytest.fixture
def toy(tmp_path: Path, local_embedder) -> Settings:
    settings = Settings(home=tmp_path / "home")
    ingest_paths([write_jsonl(tmp_path / "a.jsonl", PAPERS)], settings, embedder=local_embedder)
    return settings


def test_ingest_builds_the_index_and_a_fresh_handle_loads_it_without_reading_chunks(toy: Settings) -> None:
    store = PaperStore(toy)
    assert (index_dir(toy) / "manifest.json").is_file()  # ingest built it
    store.chunks = lambda: (_ for _ in ()).throw(AssertionError("re-read every chunk"))  # type: ignore[method-assign]
    index = LexicalSide(store, toy).index()
    assert index.size == 2 and index.version == store.version()
    ids, scores = index.top("quantile forests streams", 5, None)
    assert ids == ["arxiv:2405.00002#0"] and scores is not None


def test_another_process_ingesting_makes_the_index_stale(toy: Settings, tmp_path: Path) -> None:
    side = LexicalSide(PaperStore(toy), toy)
    before = side.index()
    extra = write_jsonl(tmp_path / "late.jsonl", [LATE])
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from rag.cli import main; sys.exit(main())",
            "ingest",
            str(extra),
        ],
        env={**__import__("os").environ, "PAPER_RAG_HOME": str(toy.home)},
        check=True,
        capture_output=True,
    )
    side._checked_at = 0.0  # as if STALE_AFTER_S had passed
    after = side.index()
    assert after.version != before.version and after.size == 3
    assert after.top("gradient sketches communication", 3, None)[0][0] == "arxiv:2405.00003#0"


def test_masks_follow_the_filters(toy: Settings) -> None:
    store = PaperStore(toy)
    index = LexicalIndex.open(store, toy, store.version())
    recent = index.mask(SearchFilters(year_from=2022), store)
    assert recent is not None and recent.tolist() == [1.0, 0.0]  # ids sorted: 2405.00001, 2405.00002
    by_title = index.mask(SearchFilters(title="quantile forests"), store)
    assert by_title is not None and by_title.tolist() == [0.0, 1.0]
    assert index.top("experts perplexity", 5, recent)[0] == ["arxiv:2405.00001#0"]
    assert index.top("experts perplexity", 5, by_title)[0] == []


def test_fusions_rank_by_their_rules(toy: Settings) -> None:
    assert rrf_fusion(["a", "b"], ["b", "c"], 60) == pytest.approx(
        {"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62}
    )
    store = PaperStore(toy)
    index = LexicalIndex.open(store, toy, store.version())
    ids, scores = index.top("quantile forests", 5, None)
    opts = toy.retrieval.model_copy(update={"dense_weight": 0.5, "cosine_floor": 0.0})
    fused = convex_fusion({"arxiv:2405.00001#0": 0.8}, {"arxiv:2405.00002#0": 0.4}, index, scores, ids, opts)
    # dense: 0.8 -> 1.0, 0.4 -> 0.5; BM25: only the forests chunk matches -> 1.0
    assert fused == pytest.approx({"arxiv:2405.00001#0": 0.5, "arxiv:2405.00002#0": 0.75})
    assert np.array_equal(index.scores_of(["nope#0"], scores), [0.0])


def test_retriever_hybrid_convex_finds_both_sides(toy: Settings) -> None:
    convex = toy.override(retrieval={"fusion": "convex"})
    hits = Retriever(convex).search("which work routes tokens to experts?", k=2).hits
    assert hits[0].title == "Sparse Routing for Small Language Models"


def test_coverage_is_the_share_of_the_query_weight_a_chunk_holds(toy: Settings) -> None:
    store = PaperStore(toy)
    index = LexicalIndex.open(store, toy, store.version())
    routing, forests = "arxiv:2405.00001#0", "arxiv:2405.00002#0"
    assert index.coverage("route each token to two of eight experts", routing) == pytest.approx(1.0)
    assert index.coverage("route each token to two of eight experts", forests) == 0.0
    # "quantile forests" is held, "gradient boosting" is in no chunk: the terms no chunk holds weigh most.
    half = index.coverage("quantile forests for gradient boosting", forests)
    assert 0.2 < half < 0.8
    assert index.coverage("nothing here matches", routing) == 0.0
    assert index.coverage("quantile forests", "no-such-chunk#0") == 0.0
    # coverage's binary search relies on bm25s keeping each term's chunks sorted
    indptr, indices = (np.asarray(index.bm25.scores[k]) for k in ("indptr", "indices"))  # type: ignore[union-attr]
    assert all(np.all(np.diff(indices[a:b]) > 0) for a, b in itertools.pairwise(indptr))


def test_full_coverage_hands_the_ranking_to_bm25(toy: Settings) -> None:
    store = PaperStore(toy)
    index = LexicalIndex.open(store, toy, store.version())
    routing, forests = "arxiv:2405.00001#0", "arxiv:2405.00002#0"
    ids, scores = index.top("quantile forests", 5, None)
    cos = {routing: 0.8, forests: 0.4}  # the dense side prefers the other paper
    opts = toy.retrieval.model_copy(
        update={"dense_weight": 0.7, "cosine_floor": 0.0, "coverage_shift": 1.0, "coverage_floor": 0.2}
    )
    plain = convex_fusion(cos, {}, index, scores, ids, opts, coverage=0.1)  # below the floor: as before
    assert plain == pytest.approx({routing: 0.7, forests: 0.35 + 0.3})
    quoted = convex_fusion(cos, {}, index, scores, ids, opts, coverage=1.0)  # dense weight 0
    assert quoted == pytest.approx({routing: 0.0, forests: 1.0})
    halfway = convex_fusion(cos, {}, index, scores, ids, opts, coverage=0.6)  # w = 0.7 x (1 - 0.5)
    assert halfway == pytest.approx({routing: 0.35, forests: 0.35 * 0.5 + 0.65})
    off = convex_fusion(
        cos, {}, index, scores, ids, opts.model_copy(update={"coverage_shift": 0.0}), coverage=1.0
    )
    assert off == plain


def test_a_word_the_collection_lacks_is_a_name_unless_it_is_english_or_misspelt(toy: Settings) -> None:
    index = LexicalSide(PaperStore(toy), toy).index()
    # names the collection lacks, typed in lower case
    for word in ("osqp", "coq", "mujoco", "kitti", "rtx3090"):
        assert index.unheard(word), word
    # words of the collection (or a word one of them begins: "quantil" of "quantile"), stopwords, short, long
    for word in ("wikitext", "forests", "experts", "quantil", "the", "of", "ab", "2023", "x" * 40):
        assert not index.unheard(word), word
    # English words the collection doesn't use, words made of known ones, chat abbreviations, contractions typed
    # without their apostrophe
    for word in ("gist", "doodle", "yummy", "reroute", "readable", "breakpoints", "sprinkling", "unstreamed"):
        assert not index.unheard(word), word
    for word in ("tbh", "iirc", "thx", "wrt", "tldr", "dont", "isnt", "theyre", "whats"):
        assert not index.unheard(word), word
    # one edit from a function word ("teh", "hwo") or from a word of the collection ("perplexty"): misspelt
    for word in ("teh", "hwo", "waht", "wich", "perplexty", "wikitxt"):
        assert not index.unheard(word), word


def test_a_word_typed_in_lower_case_is_read_as_the_collection_spells_it(
    tmp_path: Path, local_embedder
) -> None:
    papers = [
        {
            "id": "2406.10001",
            "title": "Fast Pre-training of Small Language Models",
            "abstract": "Our optimizer gives a 2x speed-up in pre-training over Adam. Experiments on WikiText-103 "
            "show state-of-the-art perplexity.",
        },
        {
            "id": "2406.10002",
            "title": "Finetuning Quantile Forests",
            "abstract": "We study finetuning of quantile forests with bounded memory, in experiments on streams. "
            "On MT-Bench they score 7.1.",
        },
    ]
    settings = Settings(home=tmp_path / "home")
    ingest_paths([write_jsonl(tmp_path / "p.jsonl", papers)], settings, embedder=local_embedder)
    index = LexicalSide(PaperStore(settings), settings).index()
    # a compound as the abstracts write it: hyphenated ("speed-up", its plural too), or joined ("finetuning")
    assert index.spelling("speedup") == "speed-up"
    assert index.spelling("speedups") == "speed-ups"
    assert index.spelling("fine-tuning") == "finetuning"  # "tuning" is no word of theirs
    assert index.spelling("pre-training") == "pre-training"
    assert index.spelling("quantile-forests") == "quantile-forests"  # its parts are their words
    assert index.spelling("memory-") == "memory-"  # half of "memory- and compute-bound"
    # a phrase hyphenated into one modifier, which no abstract writes so, is read as its words; the collection's own
    # compounds of that shape stay one term
    assert index.spelling("quantile-forests-with-bounded-memory") == "quantile forests with bounded memory"
    # (the compounds the abstracts write stay whole inside it; a part with a digit makes it a name)
    assert index.spelling("speed-up-in-pre-training") == "speed-up in pre-training"
    assert index.spelling("gpt-4-in-the-loop") == "gpt-4-in-the-loop"
    assert index.spelling("state-of-the-art") == "state-of-the-art"
    assert (
        index.spelling("quantile-memory-forests") == "quantile-memory-forests"
    )  # no function word: a compound
    # two neighbouring letters swapped in a word of six letters or more, mended to a word the abstracts write
    assert index.spelling("experimetns") == "experiments"
    assert index.spelling("optimzier") == "optimizer"
    assert index.spelling("perpelxity") == "perplexity"
    assert index.spelling("memroy") == "memory"
    # as typed: the collection's words, English words, short words, a slip of the first letter, a letter replaced,
    # dropped or added (as often a name of its own: "retnet", "minilm"), names it lacks
    for word in (
        "speed",
        "optimizer",
        "doodle",
        "emmory",
        "potimizer",
        "optimiser",
        "perplexty",
        "qlora",
        "osqp",
    ):
        assert index.spelling(word) == word, word
    # a question is spelt first, then (typed wholly in lower case) read with the collection's names
    read = Retriever(settings, embedder=local_embedder).read
    assert read("what do the experimetns on mtbench score?") == "what do the experiments on MT-Bench score?"
    assert read('Is "optimzier" a slip?') == 'Is "optimzier" a slip?'  # quoted: as typed
    # a contraction is read written out: cut at its apostrophe, "doesn't" would leave "doesn", in no abstract
    assert read("which optimizer doesn't need tuning?") == "which optimizer does not need tuning?"
    assert "doesn" not in terms(read("Which optimizer doesn\u2019t need tuning?"))
    # a compound the collection hyphenates is as rare as its rarest content part; one it never writes is missing
    rarity = index.rarity(
        {stem("speed-up"), stem("state-of-the-art"), stem("alpha-fold"), stem("finetuning")}
    )
    assert rarity[stem("speed-up")] < 1.0 and rarity[stem("state-of-the-art")] < 1.0
    assert rarity[stem("finetuning")] < 1.0 and rarity[stem("fine-tuning")] < 1.0
    assert rarity[stem("alpha-fold")] == 1.0
