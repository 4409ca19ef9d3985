"""Settings: the one place that reads the environment.

Every knob of paper-rag is a field of :class:`Settings` (env prefix ``PAPER_RAG_``, nested groups with
``__``, e.g. ``PAPER_RAG_LLM__BACKEND=extractive``). Each field's description is the configuration reference;
``paper-rag config`` prints them. The standard ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are honoured too.

It also switches off the telemetry of the libraries we use, and points tiktoken at the encodings that
llama-index-core bundles, so nothing tries the network. That happens in :func:`apply_offline_env`, which
``rag/__init__.py`` calls before any of those libraries is imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# The bundled corpus lives in the repo's data/pages; a wheel carries it as the package ``paper_rag_data``
# (pyproject.toml maps data/ onto it), so an installed paper-rag can ingest it too.
CORPUS_PACKAGE = "paper_rag_data"

_OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb's posthog client
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_env() -> None:
    """Turn off telemetry and hub downloads, and point tiktoken at llama-index's bundled cache."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        # find_spec, not import: importing llama_index.core costs a second at start-up.
        spec = importlib.util.find_spec("llama_index.core")
        if spec and spec.submodule_search_locations:
            cache = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
            if cache.is_dir():
                os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)


def bundled_corpus_dir() -> Path:
    """The bundled corpus: data/pages of a source checkout, else the copy installed with the package."""
    checkout = REPO_ROOT / "data" / "pages"
    # site-packages/data/pages could be another project's: only a checkout has our pyproject.toml beside it.
    if (REPO_ROOT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    # find_spec, not importlib.resources: paper_rag_data is a namespace package (data/ has no __init__.py), and
    # an editable install adds a placeholder entry to its path that importlib.resources.files() rejects.
    spec = importlib.util.find_spec(CORPUS_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "pages").is_dir():
            return Path(location) / "pages"
    return checkout  # neither: ingest then says the folder does not exist


def default_home() -> Path:
    """Per-user data folder: $XDG_DATA_HOME/paper-rag, else ~/.local/share/paper-rag."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "paper-rag"


class ChunkSettings(BaseModel):
    """How abstracts become chunks. Changing any of these builds a new collection."""

    size: int = Field(
        200,
        ge=32,
        le=8192,
        description=(
            "Chunk budget in cl100k_base tokens for the abstract text (the title is prepended on top). "
            "200 keeps title+chunk under the embedder's 256-wordpiece window, so nothing is silently truncated; "
            "a median abstract (~250 tokens) becomes two overlapping chunks."
        ),
    )
    overlap: int = Field(
        40,
        ge=0,
        description="Most tokens of whole sentences repeated at the start of the next chunk (about one "
        "sentence), so a fact near a boundary is whole in both chunks. Overlap is sentence-aligned: a last "
        "sentence longer than this is not repeated.",
    )
    encoding: str = Field("cl100k_base", description="tiktoken encoding used to count chunk tokens.")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> ChunkSettings:
        if self.overlap >= self.size:
            raise ValueError(f"chunk overlap ({self.overlap}) must be smaller than chunk size ({self.size})")
        return self


class EmbeddingSettings(BaseModel):
    """Which embedder turns chunks into vectors. Changing it builds a new collection."""

    provider: Literal["local", "openai"] = Field(
        "local",
        description="'local': all-MiniLM-L6-v2 int8 ONNX on onnxruntime, offline. "
        "'openai': an OpenAI-compatible /embeddings endpoint (uses OPENAI_API_KEY / OPENAI_BASE_URL, and the "
        "llm group's timeout_s and max_retries).",
    )
    openai_model: str = Field("text-embedding-3-small", description="Model name for provider 'openai'.")
    batch_size: int = Field(32, ge=1, le=2048, description="Texts per embedding call.")
    threads: int = Field(
        0, ge=0, description="onnxruntime intra-op threads for the local embedder; 0 = all cores."
    )


class LLMSettings(BaseModel):
    """Which model writes answers."""

    backend: str = Field(
        "auto",
        description="A registered backend ('paper-rag config' lists them: extractive, local, openai), or 'auto': "
        "'openai' if an endpoint or key is configured, else 'local' if PAPER_RAG_LLM__MODEL names a GGUF file "
        "and llama-cpp-python is installed, else 'extractive' (no LLM: cited sentences from the abstracts).",
    )
    model: str | None = Field(
        None,
        description="Model name for 'openai' (default gpt-4o-mini), or a GGUF path for 'local' "
        "(default: the bundled Gemma 3 270M).",
    )
    api_key: str | None = Field(None, description="API key for 'openai'. Defaults to $OPENAI_API_KEY.")
    base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1. Defaults to $OPENAI_BASE_URL.",
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    max_tokens: int = Field(384, ge=16, description="Most tokens an answer may have.")
    timeout_s: float = Field(
        60.0,
        gt=0,
        description="Seconds before a request times out (to the LLM, and to the embeddings endpoint of "
        "embedding provider 'openai').",
    )
    deadline_s: float = Field(
        120.0,
        gt=0,
        description="Most seconds an LLM backend (local or openai) may take to write one answer, from loading the "
        "model or sending the request to the last token. Past it the text written so far is discarded and the "
        "extractive answer is shown, with a note saying so. 120 s: the bundled Gemma 3 270M writes an answer in "
        "6-14 s on a 2-core CPU at load 2 and takes 30-90 s on a busier one, while an OpenAI-compatible endpoint "
        "answers in seconds, so only a stuck or overloaded backend reaches it. Checked as the text streams: a "
        "server that sends nothing at all is cut off by timeout_s.",
    )
    max_retries: int = Field(
        3,
        ge=0,
        description="Retries of a request that failed with 408, 409, 429, 5xx, a timeout or a lost connection, "
        "with exponential backoff or the server's Retry-After (the LLM's and provider 'openai' embeddings').",
    )
    context_window: int | None = Field(
        None,
        description="The model's context window in tokens; None uses a known value for the model or 8192.",
    )
    threads: int = Field(0, ge=0, description="CPU threads for the 'local' backend; 0 = all cores.")
    base_sources: int = Field(
        3,
        ge=1,
        le=20,
        description="A base model (no chat template, like the bundled Gemma 3 270M) reads only this many sources: "
        "small models are slow to read long prompts on a CPU and drift on them...",
    )
    base_sentences: int = Field(3, ge=1, le=50, description="...each cut to its best this many sentences...")
    base_max_tokens: int = Field(128, ge=16, description="...and writes at most this many tokens.")


class RetrievalSettings(BaseModel):
    """How chunks are found and ranked."""

    k: int = Field(6, ge=1, le=100, description="Papers passed to the LLM as sources.")
    candidates: int = Field(40, ge=1, description="Chunks fetched from each retriever before fusion.")
    exact_max_chunks: int = Field(
        20_000,
        ge=0,
        description="A collection of at most this many chunks is searched exactly on the dense side, over every "
        "chunk's vector, kept with the BM25 index (memory-mapped: 31 MB at 20,000 chunks of 384 dimensions), so a "
        "question gets the same closest chunks in every process; a larger one through Chroma's approximate HNSW "
        "index. 0: always HNSW (rag.lexical.LexicalIndex.nearest).",
    )
    fusion: Literal["rrf", "convex"] = Field(
        "convex",
        description="How the dense and BM25 rankings are merged: 'convex' (dense_weight x normalised cosine + "
        "(1 - dense_weight) x normalised BM25 over both sides' candidates) or 'rrf' (reciprocal rank fusion, "
        "rrf_k). Convex won on the paraphrase set's dev split (R@5 0.945 vs 0.753 for rrf) and held on test "
        "(0.929 vs 0.843), while lifting the curated and generated sets (python -m evals.sweep; evals/README.md).",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant: score = sum 1/(rrf_k + rank).")
    dense_weight: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Weight of the dense side in 'convex' fusion (BM25 gets the rest); 0.65-0.75 tie on the "
        "paraphrase dev split.",
    )
    adaptive: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Per-query weighting in 'convex' fusion: the share of BM25's weight moved to the dense side "
        "when the two sides' top candidates don't overlap at all (proportionally less as they agree). 0 = off.",
    )
    prf_weight: float = Field(
        0.0,
        ge=0.0,
        le=2.0,
        description="Pseudo-relevance feedback on the dense side: the query vector plus this times the mean of "
        "its top prf_chunks chunk vectors, searched again. 0 = off.",
    )
    prf_chunks: int = Field(3, ge=1, le=50, description="Chunks averaged for pseudo-relevance feedback.")
    cosine_floor: float = Field(
        0.2,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity treated as zero relevance in 'convex' fusion (about where unrelated "
        "text sits for the embedder); cosines are normalised from it to the best candidate's.",
    )
    coverage_shift: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Per-query weighting in 'convex' fusion from how much of the query BM25's best chunk holds "
        "(its share of the query's idf weight, rag.lexical.LexicalIndex.coverage): above coverage_floor, the "
        "dense weight shrinks by up to this share (all of it at full coverage), so a query that quotes one "
        "abstract isn't outvoted by chunks that are merely on its topic. 0 = off. 1.0 with floor 0.2 lifted "
        "the answers dev split (single-paper R@1 0.901 -> 0.931) and left the paraphrase dev split unchanged.",
    )
    coverage_floor: float = Field(
        0.2,
        ge=0.0,
        lt=1.0,
        description="The coverage below which coverage_shift does nothing (paraphrases share few of the "
        "abstract's words and read below it); from here to full coverage the shift grows linearly. Below 0.2 "
        "the paraphrase dev split loses R@1.",
    )
    title_match: Literal["off", "max", "mix"] = Field(
        "off",
        description="Match the query against one vector per paper's title as well as its chunks (rag.titles): "
        "a chunk's cosine becomes max(chunk, title) ('max') or (1 - title_weight) x chunk + title_weight x "
        "title ('mix') before fusion, and the title_candidates papers with the closest titles join the "
        "candidates. 'off' skips the title vectors entirely. Off because neither form won on the paraphrase dev "
        "split (evals/README.md, 'Title vectors').",
    )
    title_weight: float = Field(
        0.3, ge=0.0, le=1.0, description="Weight of the title cosine when title_match is 'mix'."
    )
    title_candidates: int = Field(
        10,
        ge=0,
        le=200,
        description="Papers with the closest titles added to the candidates (title_match on).",
    )
    name_pin: bool = Field(
        True,
        description='A query that writes the name a paper\'s title starts with ("What does Ctrl-U gain ...?" of '
        '"Ctrl-U: Robust Conditional Image Generation ...") gets that paper first (hybrid search, no filters). '
        "One-word names that look like names (camel case, capitals, digits, a hyphen: rag.question.NAME_TOKEN).",
    )
    mmr_lambda: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="MMR trade-off between relevance (1.0) and diversity (0.0) across papers. Swept under convex "
        "fusion: 0.9 ties 0.7 on the paraphrase dev split and is best on the answers dev split's lists and "
        "compares (R@5 0.921 vs 0.906; 1.0, no diversity, reads 0.909).",
    )


# The answerability model (rag.evidence.Evidence.gate), fitted by `python -m evals.fit_gate` on the answers dev
# split; the command prints these lines. Features: rag.evidence.FEATURES.
GATE_WEIGHTS = {
    "best_sim": 5.9269,
    "lead_sim": 3.387,
    "lead_lexical": -0.0566,
    "paper_cover": 4.9631,
    "collection_cover": 0.4958,
    "missing_rare": 0.3519,
    "named": 0.287,
    "kind_missing": -3.3523,
    "unknown_name": -0.7517,
    "answer_missing": -2.5727,
    "name_missing": -5.4645,
}
GATE_BIAS = -8.6978
GATE_THRESHOLD = 0.26
# Which retrieved papers a list answer includes (rag.compose.list_matches), fitted the same way (--model list).
LIST_WEIGHTS = {
    "relative": 5.7778,
    "sim": -0.7755,
    "lexical": -0.0242,
    "cover": 1.0068,
    "alt_cover": 0.9799,
    "rank": 3.4678,
    "retrieval": 2.0694,
}
LIST_BIAS = -6.3656
LIST_THRESHOLD = 0.44
LIST_SURE = 0.7  # not fitted: at this probability a paper is listed as a match, below it as "may be relevant"
GATE_THRESHOLD_LLM = 0.1  # not fitted: LLM backends refuse for themselves; the gate refuses only sure cases


class EvidenceSettings(BaseModel):
    """How sentences of the retrieved abstracts are scored, and when they are enough to answer (rag.evidence).

    Whether to answer is a logistic model over named features (``gate_*``), fitted on the answers dev split by
    ``python -m evals.fit_gate``; the composition knobs were swept on the same split (``python -m evals.sweep
    --answers``). Every eval report records them. A sweep is ``load_settings(evidence={...})``.
    """

    similarity_weight: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="A sentence's score is this times its cosine similarity to the question plus the rest times "
        "the share of the question's content terms it contains.",
    )
    gate_weights: dict[str, float] = Field(
        default_factory=lambda: dict(GATE_WEIGHTS),
        description="Answerability: weights of the logistic model over the features of rag.evidence.FEATURES "
        "(fitted on the answers dev split by `python -m evals.fit_gate`; evals/README.md).",
    )
    gate_bias: float = Field(GATE_BIAS, description="Answerability: the logistic model's intercept.")
    gate_threshold: float = Field(
        GATE_THRESHOLD,
        ge=0.0,
        le=1.0,
        description="Refuse when P(answerable) is below this (extractive answers, lists).",
    )
    gate_threshold_list: float | None = Field(
        0.14,
        ge=0.0,
        le=1.0,
        description='The same for list questions ("which papers ...?"); None: gate_threshold.',
    )
    unnamed_refusal: bool = Field(
        True,
        description="Extractive answers: refuse a question asking which thing of a kind that has proper names "
        '("Which teacher model does X use?": models, datasets, hardware ...) when the paper\'s sentences about that '
        "thing name none (rag.evidence.Evidence.unnamed). Measured on 80 'which X' questions written for it (test: "
        "refused 0.118 -> 0.471, false refusals unchanged) and the answers set (evals/README.md).",
    )
    vague_kind_unnamed: bool = Field(
        True,
        description="Extractive answers, with unnamed_refusal: a sentence that speaks of the kind asked only by how "
        'many of it there are ("across multiple DG benchmark datasets", "on one real-world noisy dataset") names '
        'none, whatever name stands near it ("outperforms SAM variants across ..."); names after it ("several '
        'datasets (MNIST, SVHN)", "benchmarks such as MMLU") still do (rag.evidence.Evidence.unnamed).',
    )
    unstated_number_refusal: bool = Field(
        True,
        description="Extractive answers: refuse a question that states a quantity as a condition of what it asks "
        '("What accuracy loss does ResNet suffer under 4x speed-up?", "... with 10 images per class?") when the '
        "paper's title and abstract never write that number, in digits or words (not a name's digits, "
        '"GPT-4", "pass@1", nor an example\'s: rag.evidence.Evidence.unstated_numbers).',
    )
    lower_bound_refusal: bool = Field(
        True,
        description='Extractive answers: refuse a question asking a lower bound ("What lower bound on regret do they '
        'prove?") when no sentence of the paper states one (says "lower bound", Omega, "necessary", "at least", '
        '"tight", "optimal" ...), or none that does speaks of what the bound is asked on when the abstract does '
        "(rag.evidence.Evidence.unbounded).",
    )
    unquantified_refusal: bool = Field(
        True,
        description='Extractive answers: refuse a question asking how much or how many of something ("How much '
        'time does it save?") when sentences of the paper speak of it ("saving time by minimizing the user '
        'involvement") but none of them, nor the sentence after one, states a quantity in digits, words or a bound '
        "(rag.evidence.Evidence.unquantified). Measured on the answers set (evals/README.md): detail-absent refused "
        'dev 0.788 -> 0.833, test 0.618 -> 0.629, false refusals unchanged on both (test after a bound, "O(log n) '
        'samples", was read as a quantity).',
    )
    unsaid_measure_refusal: bool = Field(
        False,
        description='With unquantified_refusal: a question asking how much of a measure ("By how much does it reduce '
        'circuit depth?", "what classification accuracy ...?") is refused when the paper\'s title and abstract never '
        'say the measure\'s head word ("depth", "accuracy") in any form (its first five letters): a number the '
        'abstract states is of something else ("an average decrease of 18.9% in SWAP gate count"). Not a name '
        '("FID": the names checks read those), a speed word ("speedup" of "faster"), a count, nor a measure so '
        'general an abstract says it otherwise ("cost", "time", "performance", "error", "compute"). '
        "(rag.evidence.Evidence.unquantified). Off: measured on the dev splits of 18 sets and every test split "
        '(evals/README.md, "twenty-fourth"), it refused 4 more unanswerable dev questions, but the words a measure '
        'is asked in ("the reduction in parameter count", "what error bound") kept missing the abstract\'s ("number '
        'of parameters", "less than 1 ULP of error"): 3 answerable dev and 3 test questions refused on the way, none '
        "gained on test.",
    )
    count_of_what_is_asked: bool = Field(
        False,
        description='With unquantified_refusal: a count asked ("How many coding problems does ENAMEL contain?") is '
        'answered only by a quantity of what it counts within four words ("116 Python code completion problems"), '
        'not by one of something else in the same sentence ("across 30 popular LLMs"). Measured and not kept: on '
        "dev (answers, details, fresh) +2 refused and no false refusal, on the answers test split +2 refused and +3 "
        'false refusals (counts written "the number of compute nodes ... from 21 to 16", "rows, m=...", "one '
        'directional derivative"), so it is off (evals/README.md).',
    )
    unreported_refusal: bool = Field(
        True,
        description="Extractive answers: refuse a question asking for a number under a condition it names "
        '("What pass@1 does X reach on MBPP?") when the paper names that condition ("experiments on HumanEval, MBPP, '
        '...") but no sentence of it states a number beside it, or doesn\'t mention it at all ("What AlpacaEval win '
        'rate does SAMI reach?" of an abstract with other win rates; rag.evidence.Evidence.unreported). Measured on '
        "the answers set (evals/README.md): detail-absent refused dev 0.697 -> 0.719, test 0.575 -> 0.594, false "
        "refusals unchanged on both.",
    )
    unsaid_condition_refusal: bool = Field(
        True,
        description="Extractive answers: refuse a question asking for a number under a condition in lower-case words "
        '("What approximation ratio does it get under a matroid constraint?") when a word of that condition is '
        "written by no abstract of the collection in any form (nor a typing slip away from one of the paper's "
        "words): no abstract reports a number under it (rag.evidence.Evidence.unsaid_conditions). Measured on the "
        "12 answer sets (evals/README.md).",
    )
    unsaid_refusal: bool = Field(
        True,
        description="Extractive answers: refuse a question (not a list) that asks about a name no abstract of the "
        'collection says in any form ("Which generator, CTGAN or TVAE, ...?" of a paper on "various DGMs"; "NBA '
        'betting" beside a soccer-betting paper) rather than answer from the nearest sentences under "No abstract '
        'mentions ..."; only a name written as names are ("CTGAN", not a capitalised word said in passing), and '
        'not one glued to a number, spelled out in lower case, written as words ("LayerNorm") or a letter off a '
        "word of the retrieved papers with the same digits (rag.evidence.Evidence.unsaid_refused). Measured in "
        "evals/README.md.",
    )
    reported_elsewhere: bool = Field(
        True,
        description='With unreported_refusal: a number asked on a benchmark or model the question names ("By how '
        'much did it improve perplexity on BERT-large?") is refused when every sentence that states a number of what '
        'is asked states it on another name ("0.7 better perplexity on GPT-2") and none holds the one asked, though '
        "the abstract names it elsewhere, its own sentences stating only numbers of measures the question doesn't "
        'name ("15% ... speedup on BERT-large"; rag.evidence.Evidence._reported_elsewhere). Measured '
        "(evals/README.md): parts dev 1 more refused (of 24), no false refusal on any dev or test split; no test "
        "question moved.",
    )
    whole_paper_sim: float = Field(
        0.5,
        ge=-1.0,
        le=1.0,
        description="Answerability: a question this close to one paper's title and abstract as a whole, asking for "
        "nothing that paper lacks, is answered whatever the fitted model says (rag.evidence.Evidence.described: a "
        "paper described in other words). Chosen on the dev splits of the answers and paraphrase sets as the lowest "
        "value (of 0.45 / 0.5 / 0.55 / 0.6) at which no dev question about an absent topic passes. A refused question "
        "this close to a paper is told that paper lacks the detail, not that the closest papers are about other "
        "topics.",
    )
    described_needs_words: bool = Field(
        True,
        description="The whole-paper rule (whole_paper_sim) answers a question described in other words only when "
        'every name and word it asks about is in some abstract: "which paper does precipitation nowcasting from '
        'radar data ...?" is close to a weather data-assimilation paper as a whole, but no abstract says '
        '"nowcasting" (rag.evidence.Evidence.described). Measured in evals/README.md.',
    )
    named_lacks_kind_refusal: bool = Field(
        True,
        description="Extractive answers: refuse, whatever the fitted model says, a question that names its paper "
        "(the name its title starts with, or its whole title: Evidence.names 1.0) and asks a kind of detail that "
        "paper's abstract never states "
        "(experiments of a theory paper, hardware, a license ...: the kind_missing feature). The question is "
        "about that paper, so no other abstract answers for it. Not for a chat model, which reads the abstract "
        "itself. Measured in evals/README.md.",
    )
    gate_threshold_llm: float = Field(
        GATE_THRESHOLD_LLM,
        ge=0.0,
        le=1.0,
        description="The same for LLM backends: lower, because the model is told to refuse what its sources don't "
        "state and its refusal is detected; the gate refuses only what it is sure of.",
    )
    answer_check_sentences: int = Field(
        3,
        ge=1,
        le=20,
        description="Answerability: a question asking for a number or a name needs one (not already in the question) "
        "in this many of the paper's best sentences.",
    )
    answer_window: int = Field(
        8,
        ge=1,
        le=100,
        description="...within this many words of a word of what the question asks about (its focus).",
    )
    titled_compare: bool = Field(
        True,
        description="A question that asks about 2 to rag.comparison.MAX_PAPERS papers, naming each by the name its "
        "title starts with or by its whole title, and is not read as a comparison or a list by its wording, is "
        "answered as a comparison of them (rag.answer.AnswerEngine._titled_papers). Measured on the pooled dev and "
        "test splits (evals/README.md, 'twenty-sixth').",
    )
    combination_refusal: bool = Field(
        True,
        description='List questions: refuse one whose criterion has parts ("use GFlowNets | to generate molecules", '
        "rag.question.criterion_facets) that no gathered paper covers together, each part being covered by some "
        "(rag.evidence.Evidence.uncombined); the refusal names the closest paper for each part. Measured on the "
        "list questions of the 12 answer sets and the lists set (evals/README.md).",
    )
    facet_cover: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="...the share of a part's words (weighted by rarity; its best option) a paper's title and "
        "abstract must hold to cover that part.",
    )
    combination_max_facets: int = Field(
        3,
        ge=2,
        le=10,
        description="...read only for criteria of at most this many parts: the more parts, the likelier a matching "
        "abstract words one of them otherwise.",
    )
    list_cover_papers: int = Field(
        3,
        ge=1,
        le=50,
        description="Answerability of a list question: its terms are looked for in this many top papers together.",
    )
    confident_sim: float = Field(
        0.45,
        ge=-1.0,
        le=1.0,
        description="A refusal says the paper is there but its abstract lacks the detail (rather than that the "
        "topic is absent) when the question names the paper or its best sentence is at least this similar.",
    )
    names_paper: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="A question names a paper when at least two of its terms are in the title and they make up "
        "this share of the title's terms or of the question's.",
    )
    gate_first_hit: bool = Field(
        True,
        description='Fact questions about one paper they describe ("that paper on ...", "the ... method that '
        '..."): the gate also reads the first paper retrieval ranks, when the question is closer to it as a whole '
        "than to the best sentence's paper, beside that paper and a paper the question names, and answers from the "
        "likeliest (a paper described in the question's words ranks first though another paper's sentence is closer "
        "to the detail asked). Measured in evals/README.md (seventeenth).",
    )
    support_sim: float = Field(
        0.6,
        ge=-1.0,
        le=1.0,
        description="An answer sentence is supported by a source sentence at least this similar...",
    )
    support_overlap: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="...or sharing this share of its content terms while at least support_min_sim similar. "
        "A number the source sentence doesn't state is never supported.",
    )
    support_min_sim: float = Field(0.4, ge=-1.0, le=1.0, description="See support_overlap.")
    answer_sentences: int = Field(3, ge=1, le=20, description="Most sentences in an extractive answer.")
    sentences_per_paper: int = Field(
        3,
        ge=1,
        le=20,
        description="Most sentences an extractive answer takes from one paper (each within lead_floor of its best). "
        "Measured on the 603 single-paper dev questions of every set (fact, multi-part, follow-up; "
        "sentences_per_paper / lead_floor: 2 / 0.75 key facts 0.896, right papers cited 0.962 of those cited; "
        "3 / 0.75 0.905, 0.983; 3 / 0.6 0.914, 0.987; 4 / 0.75 with four sentences in all 0.920, 0.975; "
        "61, 77, 82, 85 words per answer, median): evals/README.md, 'twenty-fifth'.",
    )
    compare_sentences: int = Field(
        5,
        ge=1,
        le=20,
        description="Most sentences a compare answer quotes from each paper on the question (each still within "
        "compare_floor of the paper's best; swept 2/3/4 on the answers dev split: compare key facts 0.749, 0.820, "
        "0.820; then with compare_floor on the compare dev questions of every set, 207: evals/README.md, "
        "'twenty-fifth').",
    )
    compare_floor: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="A compare answer's line for a paper adds a sentence of that paper scoring at least this share "
        "of its best sentence's score (up to compare_sentences); lead_floor is the same for a one-paper answer. The "
        "aspects a comparison asks are spread over an abstract: measured on the 207 compare dev questions of every set "
        "(compare_sentences / compare_floor: 3 / 0.75 key facts 0.788, 4 / 0.6 0.846, 4 / 0.5 0.855, 5 / 0.5 0.879, "
        "6 / 0.5 0.889; 379, 427, 433, 461, 471 words per answer, median).",
    )
    without_description: bool = Field(
        True,
        description="Choosing the sentence that answers a part of the question, the part is read without the "
        'description of its paper that only says which paper is meant ("that diversity-first data selection paper '
        'with iterative cluster resampling: what clustering does it use?" reads "what clustering does it use?"; '
        "rag.question.without_description): the sentence a description paraphrases is not what is asked. Measured "
        "in evals/README.md.",
    )
    method_details: bool = Field(
        True,
        description="Compare answers to a question asking how each paper works (its approach, method, components): "
        "each paper's line also quotes the sentences right after the one presenting its method that say what the "
        'method is made of ("Firstly, we tailor a Handpose Aggregation Net ...", not "we observe ..." nor a result; '
        "rag.compose.method_details). Measured in evals/README.md.",
    )
    lead_floor: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="A one-paper extractive answer adds a sentence of the best paper scoring at least this share of "
        "the best sentence's score (up to sentences_per_paper; measured there; compare lines read compare_floor)...",
    )
    other_floor: float = Field(
        0.92,
        ge=0.0,
        le=1.0,
        description="...and a sentence of another paper only at this share (a fact answer stays focused).",
    )
    list_weights: dict[str, float] = Field(
        default_factory=lambda: dict(LIST_WEIGHTS),
        description="List answers: weights of the logistic model over rag.compose.LIST_FEATURES that decides "
        "whether a retrieved paper meets the question (fitted by `python -m evals.fit_gate --model list`).",
    )
    list_bias: float = Field(LIST_BIAS, description="List answers: the model's intercept.")
    list_threshold: float = Field(
        LIST_THRESHOLD,
        ge=0.0,
        le=1.0,
        description="List answers: include a paper at this probability or more...",
    )
    list_sure: float = Field(
        LIST_SURE,
        ge=0.0,
        le=1.0,
        description='...as a match from this probability on, below it under "may also be relevant".',
    )
    list_names: bool = Field(
        True,
        description="List answers: a question that names specific things as its criterion (a benchmark, a model: "
        '"GSM8K", "DPO"; not a field\'s acronym such as "LLMs", nor a name in parentheses or after "such as") '
        "gathers every paper a search for each name finds saying it, and lists each paper that says one, as a "
        'possible match at least; one asking results on named data ("Which works evaluate on HumanEval?") lists '
        "only papers that say it (rag.compose.list_names, data_names). Measured in evals/README.md (seventeenth).",
    )
    list_k: int = Field(
        15, ge=1, le=500, description="Papers first retrieved and checked for a list question..."
    )
    list_max: int = Field(
        60,
        ge=1,
        le=1000,
        description="...doubled while the last third of them still holds matches, up to this many.",
    )
    local_terms_weight: float = Field(
        0.5,
        ge=0.0,
        description="Choosing an answer's sentence within its paper (fact, multi-part and follow-up answers; not "
        "a compare line): this times the sentence's share of the part's terms, each weighted by how few of the "
        "paper's sentences (and its title) hold it, is added to its score, among the sentences that state the "
        "name or number the part asks for when one does. A word every sentence of the abstract shares (its topic) "
        'tells its sentences apart no more than a stopword; the words only one holds ("in what setting do they '
        'study ...?" of "We study this problem in the linear setting.") say which answers. Chosen on the 11 '
        "answer sets' dev splits (key facts 0.835 -> 0.852; the variants measured are in evals/README.md); test "
        "0.814 -> 0.821, no refusal moved. 0 turns it off.",
    )
    part_weight: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="For each part of a multi-part question, a sentence's score is this times its score against "
        "the part plus the rest times its score against the whole question.",
    )
    background_penalty: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="Compare answers: taken from the score of a paper's sentence that comes before its first 'we "
        "propose ...' sentence (what the paper answers is its own method and results, not the prior work it "
        "sets out from; swept 0/0.05/0.1/0.2/0.3/0.5/1.0 on the answers dev split: compare key facts 0.690, 0.720, 0.728, 0.749, then flat).",
    )
    number_bonus: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Added to the score of a sentence stating a number, for a part asking how much / how many.",
    )
    answer_form_floor: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="When the best sentence for a part asking a number, a name or a detail with a form of its own (a "
        "link, a GPU, a license) states none near what it asks, the best sentence that does follows it in the answer "
        "if it scores at least this share of the best's (1: off). Swept 1 / 0.6 / 0.5 / 0.4 on the dev splits: "
        "details set key facts 0.50 / 0.80 / 0.80 / 0.80, fresh 0.845 / 0.917 / 0.917 / 0.917, answers set facts "
        "0.773 / 0.784 / 0.784 / 0.784.",
    )
    name_bonus: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="Added to the score of a sentence naming something new near what is asked, for a part asking "
        '"which <thing> ...?" ("on MATH and MiniF2F benchmarks" for "on which math benchmarks ...?"). Swept '
        "0 / 0.1 / 0.2 on the answers dev split (key facts, all kinds: 0.783, 0.783, 0.795) and the fresh set's dev "
        "split (0.738, 0.845, 0.845).",
    )
    link_penalty: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        description='Taken off the score of a sentence with a link ("code is available at https://...") unless the '
        "question asks for code.",
    )
    replaced_penalty: float = Field(
        0.4,
        ge=0.0,
        le=10.0,
        description='Taken off the score of a sentence about what the question says was replaced ("what criterion '
        'does it use instead of the deterministic one?": a sentence on the deterministic criterion, with no '
        '"instead", "rather", "replace" or "propose" in it, describes the old way, not the answer).',
    )
    max_parts: int = Field(4, ge=1, le=10, description="Most question parts answered separately.")


class GridSettings(BaseModel):
    """The extraction grid (rag.extraction): which sentence fills a cell, and when a cell says "not stated".

    Tuned on the dev split of ``evals/datasets/grid.json`` (``paper-rag eval --dataset grid --split dev``)."""

    max_rows: int = Field(300, ge=1, le=5000, description="Most papers (rows) one grid holds.")
    query_rows: int = Field(
        20, ge=1, le=5000, description="Rows a grid built from a search query gets when no limit is given."
    )
    max_columns: int = Field(12, ge=1, le=50, description="Most columns one grid holds.")
    cue_weight: float = Field(
        0.3,
        ge=0.0,
        le=5.0,
        description="Weight of a sentence's cue score (dataset names, numbers, hardware words ...: what the "
        "column's kind of value looks like) against its similarity to the column's question.",
    )
    lexical_weight: float = Field(
        0.3,
        ge=0.0,
        le=5.0,
        description="Weight of the share of the column question's content words a sentence holds.",
    )
    task_position: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        description="For a task / problem column: a bonus for the abstract's first sentence, falling linearly to 0 "
        "at its last (abstracts state their problem first).",
    )
    task_title_terms: float = Field(
        2.0,
        ge=0.0,
        le=5.0,
        description="For a task / problem column: weight of the share of the title's content words (not the "
        "paper's own method name), each weighted by its rarity in the collection, a sentence holds (a title "
        "usually names the problem).",
    )
    task_title_phrase: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="For a task / problem column: how much more a word of the title's task phrase weighs than its "
        "other words ('... for Fractional Minimization', 'Boosting Tool Use ... via ...': rag.extraction.title_task).",
    )
    task_after_method: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        description="For a task / problem column: a penalty for the sentences after the abstract's first method "
        "sentence ('we propose ...'): the problem is stated before the method, and what follows describes the "
        "method or its results.",
    )
    task_continues: float = Field(
        0.5,
        ge=0.0,
        le=5.0,
        description="For a task / problem column: a penalty for a sentence that continues another ('However, ...', "
        "'To address this, ...', 'Second, ...', 'Moreover, ...': rag.extraction.CONTINUES); the problem is stated "
        "in a sentence of its own. Measured on the grid's dev split at 0 / 0.1 / 0.2 / 0.4 / 0.6 / 1.0.",
    )
    min_similarity: float = Field(
        0.3,
        ge=-1.0,
        le=1.0,
        description="For a column of no known kind (no value pattern to look for): the cosine similarity to the "
        "column's question a sentence needs to fill the cell; below it the cell is 'not stated'.",
    )


class UISettings(BaseModel):
    """Where the web UI listens, who may use it, and what a visitor may do there."""

    host: str = Field(
        "127.0.0.1",
        description="Interface the UI binds to (loopback by default: not exposed). Any other address needs "
        "`auth` or `auth_file`, or `insecure_no_auth`.",
    )
    port: int = Field(7860, ge=1, le=65535, description="Port of the UI.")
    auth: str | None = Field(
        None, description="USER:PASSWORD a visitor must log in with (several: comma-separated). Shown as ***."
    )
    auth_file: Path | None = Field(
        None,
        description="A file of USER:PASSWORD lines, instead of `auth` (keeps the password off the command line).",
    )
    insecure_no_auth: bool = Field(
        False,
        description="Serve a non-loopback address with no login (anyone who reaches the port can use it).",
    )
    ingest: bool = Field(
        True,
        description="Offer the Ingest tab. Off for a shared deployment: uploads could replace stored abstracts.",
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file the Ingest tab accepts, in MB.")
    models: list[str] = Field(
        default_factory=list,
        description="Models a visitor may pick in the UI's Model box (JSON list); empty: the backend's default "
        "only. The operator's choice, so a visitor can't load a file as a GGUF or spend on another model.",
    )


class Settings(BaseSettings):
    """All of paper-rag's settings. Environment: PAPER_RAG_<FIELD>, PAPER_RAG_<GROUP>__<FIELD>."""

    model_config = SettingsConfigDict(
        env_prefix="PAPER_RAG_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    home: Path = Field(
        default_factory=default_home,
        description="Where paper-rag keeps its data (the embedded Chroma store). "
        "Default: $XDG_DATA_HOME/paper-rag or ~/.local/share/paper-rag.",
    )
    chroma_url: str | None = Field(
        None,
        description="Use a Chroma server (`chroma run`) at this URL, e.g. http://127.0.0.1:8000, "
        "instead of the embedded store under `home`.",
    )
    collection_prefix: str = Field("papers", description="Prefix of the Chroma collection name.")
    corpus_dir: Path = Field(
        default_factory=bundled_corpus_dir,
        description="The corpus ingested when no path is given. Default: the bundled one (data/pages in a "
        "source checkout, else the copy installed with paper-rag).",
    )
    debug: bool = Field(False, description="Show full tracebacks instead of one-line errors.")
    max_field_chars: int = Field(
        20_000, ge=100, description="A title or abstract longer than this is rejected as malformed input."
    )
    max_file_mb: float = Field(
        100.0, gt=0, description="A file to ingest larger than this is rejected before it is read."
    )
    max_records_per_file: int = Field(
        200_000,
        ge=1,
        description="Records of one file beyond this are rejected (the first ones still go in).",
    )
    chunk: ChunkSettings = Field(default_factory=lambda: ChunkSettings())
    embedding: EmbeddingSettings = Field(default_factory=lambda: EmbeddingSettings())
    llm: LLMSettings = Field(default_factory=lambda: LLMSettings())
    retrieval: RetrievalSettings = Field(default_factory=lambda: RetrievalSettings())
    evidence: EvidenceSettings = Field(default_factory=lambda: EvidenceSettings())
    grid: GridSettings = Field(default_factory=lambda: GridSettings())
    ui: UISettings = Field(default_factory=lambda: UISettings())

    def model_post_init(self, __context: object) -> None:
        if self.llm.api_key is None:
            self.llm.api_key = os.environ.get("OPENAI_API_KEY") or None
        if self.llm.base_url is None:
            self.llm.base_url = os.environ.get("OPENAI_BASE_URL") or None

    def ensure_home(self) -> Path:
        """The data folder, created private (mode 700: the store, uploads and exports are nobody else's) when it
        is new; an existing folder keeps the permissions its owner gave it (its uploads and exports folders are
        made private all the same)."""
        if not self.home.exists():
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.home

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    def embedder_id(self) -> str:
        """A stable name of the embedder, part of the collection name."""
        if self.embedding.provider == "local":
            return "minilm-l6-int8"
        return "openai-" + self.embedding.openai_model

    def override(self, **changes: Any) -> Settings:
        """A validated copy with ``changes``: top-level fields, or groups as dicts merged into the group.

        ``settings.override(llm={"backend": "local"}, retrieval={"k": 3})`` keeps every other field, including
        the other fields of ``llm``. The one way the CLI, the UI, the evals and the tests change settings.
        """
        data = self.model_dump()
        for key, value in changes.items():
            if key not in type(self).model_fields:
                raise ValueError(f"unknown setting {key!r}")
            if isinstance(value, BaseModel):
                value = value.model_dump()
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return type(self).model_validate(data)

    def collection_name(self) -> str:
        """Encodes the embedder, the chunking settings and the sentence splitter, so changing any never mixes
        vectors (chunks are cut at the splitter's sentence boundaries)."""
        from rag.text import SPLITTER_VERSION

        key = json.dumps(
            {"embedder": self.embedder_id(), "chunk": self.chunk.model_dump(), "splitter": SPLITTER_VERSION},
            sort_keys=True,
        ).encode()
        digest = hashlib.sha256(key).hexdigest()[:10]
        slug = "".join(c if c.isalnum() else "-" for c in self.embedder_id()).strip("-")
        name = f"{self.collection_prefix}-{slug}-c{self.chunk.size}o{self.chunk.overlap}-{digest}"
        return name[:63]  # Chroma's limit


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with keyword overrides (nested groups as dicts, see Settings.override)."""
    return Settings().override(**overrides) if overrides else Settings()


SECRETS = ("api_key", "auth")  # fields shown as *** wherever settings are printed
_SHORTEST_SECRET = 4  # shorter URL parts are not searched for in text: they would star out ordinary words


def redact_url(url: str) -> str:
    """``url`` fit to print: any user:password and the query string's values (and a fragment) shown as ***.

    ``http://user:pw@127.0.0.1:8080/v1?api_key=sk-1`` -> ``http://***@127.0.0.1:8080/v1?api_key=***``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [IPv6 bracket: show nothing of it
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "&".join(
        f"{key}=***" if sep else "***"
        for key, sep, _ in (p.partition("=") for p in parts.query.split("&") if p)
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query, fragment="***" if parts.fragment else ""))


def redact_secrets(text: str, url: str | None) -> str:
    """``text`` with ``url`` printed as :func:`redact_url` prints it, and the URL's user, password and query
    values starred wherever else they appear (a client or a server may quote them back in an error)."""
    if not url:
        return text
    text = text.replace(url.rstrip("/"), redact_url(url).rstrip("/"))
    try:
        parts = urlsplit(url)
    except ValueError:
        return text
    secrets = {parts.username, parts.password, parts.fragment}
    secrets |= {value for _, value in parse_qsl(parts.query, keep_blank_values=True)}
    secrets |= {p for p in parts.query.split("&") if "=" not in p}
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        for form in {secret, unquote(secret), quote(unquote(secret), safe="")}:
            if len(form) >= _SHORTEST_SECRET:
                text = text.replace(form, "***")
    return text


def describe_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(env var, current value, description) for every field: the configuration reference."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name.upper()}__")
                continue
            shown = "***" if name in SECRETS and value else str(value)
            if name.endswith("url") and value:
                shown = redact_url(str(value))
            rows.append((f"{prefix}{name.upper()}", shown, field.description or ""))

    walk(settings, "PAPER_RAG_")
    return rows
