"""The pure decisions of the answer chain, table-driven, in milliseconds: routing and entity parsing (together, so
they can't disagree), follow-up rewriting, filters, settings overrides, the evidence gate, support, and the backend
registry. The embedder here is a double (hashed bags of stemmed words), so every similarity is predictable; the
real MiniLM is exercised by the end-to-end tests over the bundled corpus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

import numpy as np
import pytest

from rag import backends
from rag.answer import AnswerEngine, AskRequest, detect_kind
from rag.comparison import entities, is_comparison, name_words, resolve
from rag.compose import fact_sentences, list_sentences, method_details
from rag.config import EvidenceSettings, Settings, load_settings
from rag.conversation import rewrite_followup
from rag.evidence import (
    FEATURES,
    REFUSAL,
    Evidence,
    Rarity,
    Sentence,
    _modified_kind,
    _NameIndex,
    alternatives,
)
from rag.extraction import names_data
from rag.question import asked_kinds, asks_which_paper, distinct_names, states
from rag.retrieval import Titled
from rag.text import stem, terms, words
from rag.types import Answer, Citation, PaperHit, SearchFilters, Source


class BagOfWords:
    """A deterministic embedder double: each stemmed word hashes to one of 512 axes; vectors are L2-normalised."""

    name = "bag-of-words"
    dim = 512

    def __init__(self) -> None:
        self.history: list[list[str]] = []

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.history.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in words(text):
                out[i, int(hashlib.md5(stem(w).encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


def src(n: int, title: str, text: str) -> Source:
    return Source(n, title, f"p{n}", 1.0 / n, text[:40], text=text)


# ------------------------------------------------------------------ routing and entities


@pytest.mark.parametrize(
    ("question", "kind", "named"),
    [
        ("Compare FlashAttention and Monarch", "compare", ["FlashAttention", "Monarch"]),
        (
            "Compare FlashAttention and Monarch in how each speeds up training",
            "compare",
            ["FlashAttention", "Monarch"],
        ),
        ("How does FlashAttention differ from Monarch?", "compare", ["FlashAttention", "Monarch"]),
        ("How does INPO differ from DPO?", "compare", ["INPO", "DPO"]),
        ("How does Sophia compare to Adam on GPT-2?", "compare", ["Sophia", "Adam on GPT-2"]),
        ("What are the differences between LoRA and QLoRA?", "compare", ["LoRA", "QLoRA"]),
        ("Mamba vs Transformers: which is faster?", "compare", ["Mamba", "Transformers"]),
        ("Contrast RLHF with DPO", "compare", ["RLHF", "DPO"]),
        # measured against a baseline: one thing, not a comparison of papers
        ("What speedup does FlashAttention get in comparison with standard attention?", "fact", None),
        ("How does FlashAttention compare to standard attention?", "fact", None),
        ("In contrast to prior methods, what does INPO avoid?", "fact", None),
        ("How does INPO compare against the baselines?", "fact", None),
        ("How does Sophia differ from existing optimizers?", "fact", None),
        ("What accuracy does the model reach compared with previous work?", "fact", None),
        ("Which papers study looped transformers?", "list", None),
        # a list request typed as a bare phrase, or without "I'm"; a statement about work is none
        ("papers on federated learning with differential privacy?", "list", None),
        ("Looking for papers with convergence proofs for Adam", "list", None),
        ("papers that propose automated jailbreak attacks", "list", None),
        ("papers arguing that SGD prefers flat minima?", "list", None),
        ("looped transformers - which papers use a transformer run in a loop?", "list", None),
        ("looped transformers: which papers use a loop?", "list", None),
        ("looped transformers \u2013 which papers use a loop?", "list", None),
        ("Papers are rarely this short.", "fact", None),
        ("Papers during the pandemic era were short.", "fact", None),
        # one paper asked for after papers are spoken of, or "works" a verb or what is measured against
        ("Studies on grokking usually train for very long; which paper speeds it up?", "fact", None),
        ("Grokfast - what speedup does it give over earlier works?", "fact", None),
        ("LoRA - which rank works best on GLUE?", "fact", None),
        ("I'm looking for work compressing vision transformers.", "list", None),
        ("What is out there on neural operators for fluids?", "list", None),
        ("Work on block coordinate descent proposes greedy selection rules.", "fact", None),
        # one paper's baselines, named by its method; methods that outperform something are papers' methods
        ("Name the second-order methods that FOSI is reported to outperform.", "fact", None),
        ("Name methods that outperform Adam.", "list", None),
        ("Name methods that significantly outperform Adam.", "list", None),
        ("List all papers about diffusion models", "list", None),
        ("What win rate does INPO reach?", "fact", None),
        # papers described, not named, then asked about one by one
        (
            "The paper that prunes attention heads with a learned gate and the one that distills BERT into an "
            "LSTM: what does each report?",
            "compare",
            [
                "The paper that prunes attention heads with a learned gate",
                "the one that distills BERT into an LSTM",
            ],
        ),
        (
            "Two speech papers: one that pretrains on unlabeled audio, and one that uses a phoneme tokenizer. "
            "What does each gain?",
            "compare",
            [
                "one that pretrains on unlabeled audio (speech papers)",
                "one that uses a phoneme tokenizer (speech papers)",
            ],
        ),
        (
            "I remember one paper on sparse attention kernels; another on linear recurrences. How fast is the second?",
            "compare",
            ["one paper on sparse attention kernels", "another on linear recurrences"],
        ),
        (
            "GraphSAGE (sample and aggregate) and GAT are both graph networks. How do they differ?",
            "compare",
            ["GraphSAGE", "GAT"],
        ),
        (
            "Which attention variant does each of FlashAttention and Monarch-Mixer replace, and at what cost?",
            "compare",
            ["FlashAttention", "Monarch-Mixer"],
        ),
        ("What does each of the two losses penalise in Sophia?", "fact", None),
        (
            "Both the FlashAttention paper and Monarch-Mixer speed up attention. Compare their results.",
            "compare",
            ["FlashAttention paper", "Monarch-Mixer"],
        ),
        ("Two papers speed up attention on GPUs. Compare their approaches.", "compare", []),
        ("Two papers on attention kernels: how fast is each?", "compare", None),
        ("Two papers speed up attention on GPUs; which of them is faster?", "fact", None),
        (
            "What does the paper that prunes attention heads and the decoder report for each layer?",
            "fact",
            None,
        ),
        ("The paper that prunes attention heads reports speed-ups; what does each head learn?", "fact", None),
        ("Which papers study pruning and the lottery ticket hypothesis? What does each find?", "list", None),
        # one method's baselines, not papers; methods as the subject, or papers' methods, are a list
        ("Which specific baseline methods does muCode outperform?", "fact", None),
        (
            "Which existing approaches does the nested tree search for circuit design outperform?",
            "fact",
            None,
        ),
        ("Which methods outperform GPT-4 on MATH?", "list", None),
        # methods as the object of one thing's verb: what that paper names
        ("Which two earlier methods does FooNet combine?", "fact", None),
        ("Which gradient methods does the meta-optimizer that splits the loss speed up?", "fact", None),
        ("Which methods does anyone use for sparse attention?", "list", None),
        ("Which approaches does research on pruning favour?", "list", None),
        # "what" asks for a property of the methods, not for methods
        ("What rate do the proximal methods for sparse problems converge at?", "fact", None),
        ("Which recent methods prune attention heads?", "list", None),
        ("Which methods do recent papers compare against for pruning?", "list", None),
        # "vs." separates the things, and a name may hold "and"; a generic rival is no second paper, and the
        # questions after a colon are no list of things
        (
            "Project and Forget vs. the state of the art: how many times faster was it, and how large was the "
            "largest instance it solved?",
            "fact",
            ["Project and Forget"],
        ),
        ("Project and Forget vs. Sinkhorn: which is faster?", "compare", ["Project and Forget", "Sinkhorn"]),
        ("FlashAttention versus Monarch versus Mamba", "compare", ["FlashAttention", "Monarch", "Mamba"]),
        # typed in lower case: a sentence ends at a period before a lower-case word too
        (
            "i remember one paper on pruning at initialization, and another on sparse training. what does each gain?",
            "compare",
            ["one paper on pruning at initialization", "another on sparse training"],
        ),
        # counted papers named after a comma, compared at the end
        (
            "two speech papers, the tokenizer one and the pretraining one: how do their data needs compare?",
            "compare",
            [],
        ),
        # a short aside inside a compared thing (an acronym it defines) is not where the thing ends
        (
            "The sparse mixture (SMoE) routing methods vs Switch: how do they balance load?",
            "compare",
            ["The sparse mixture routing methods", "Switch"],
        ),
        # a survey as researchers type it: an opener, a request, a second sentence that asks for papers
        (
            "quick q: anything here on speculative decoding, i.e. drafting tokens with a small model?",
            "list",
            None,
        ),
        ("i'm looking for work on sharpness-aware minimization, what's there?", "list", None),
        ("I want papers on graph rewiring. Which ones fit?", "list", None),
        ("I'm surveying model merging. Which papers in the collection do it?", "list", None),
        ("Any work on tokenizer-free language models?", "list", None),
        ("which samplers here estimate the score with a learned network?", "list", None),
        (
            "Are there knowledge-graph embedding methods with provable guarantees in the collection?",
            "list",
            None,
        ),
        # one paper's methods, asked after an opener or after a statement, stay a fact question
        ("Quick q: which clustering methods does iLA-SDP compare against?", "fact", None),
        (
            "The GraNet paper reports gains for four pruning methods. Which pruning methods are those?",
            "fact",
            None,
        ),
        ("I'm looking for the paper that prunes attention heads; how much faster is it?", "fact", None),
        # the shapes people write a comparison in when no "compare" starts it: papers remembered and counted,
        # things listed before what they all do, "what do A and B each ...", a lead-in before "compare"
        (
            "I remember two papers on graph pooling: one clusters nodes with a learned assignment, the other drops "
            "nodes by a score. How does each decide what to keep?",
            "compare",
            [
                "one clusters nodes with a learned assignment (papers on graph pooling)",
                "the other drops nodes by a score (papers on graph pooling)",
            ],
        ),
        (
            "FlashAttention, Monarch and Mamba all speed up long sequences. How does each one do it?",
            "compare",
            ["FlashAttention", "Monarch", "Mamba"],
        ),
        ("However, pruning and distillation are costly since they both remove weights.", "fact", None),
        (
            "For long-context training, compare FlashAttention with Monarch: which is faster?",
            "compare",
            ["FlashAttention", "Monarch"],
        ),
        (
            "what do the paper that prunes attention heads and the one that distills BERT each report?",
            "compare",
            ["paper that prunes attention heads", "the one that distills BERT"],
        ),
        (
            "Three attention papers: sparse kernels for GPUs, a linear recurrence that replaces attention, and the "
            "kernel view of softmax. What does each change?",
            "compare",
            [
                "sparse kernels for GPUs (attention papers)",
                "a linear recurrence that replaces attention (attention papers)",
                "the kernel view of softmax (attention papers)",
            ],
        ),
        (
            "I remember three papers on pruning: one with learned gates, one with a lottery ticket and a rewinding "
            "step, and one that prunes at initialization. What does each keep?",
            "compare",
            [
                "one with learned gates (papers on pruning)",
                "one with a lottery ticket and a rewinding step (papers on pruning)",
                "one that prunes at initialization (papers on pruning)",
            ],
        ),
        (
            "Sparse Attention Kernels, the paper that distills BERT into an LSTM, and 'Attention Is Off By One': "
            "what does each report?",
            "compare",
            [
                "Sparse Attention Kernels",
                "the paper that distills BERT into an LSTM",
                "Attention Is Off By One",
            ],
        ),
        # a quoted title is one thing, whatever commas, "and", colons or question marks it holds
        (
            "Both 'Attention, Not Recurrence' and the paper on sparse kernels speed up decoding. What does each do?",
            "compare",
            ["Attention, Not Recurrence", "the paper on sparse kernels speed up decoding"],
        ),
        (
            "Sparse Attention Kernels and 'Do Transformers Need Attention?': what does each replace?",
            "compare",
            ["Sparse Attention Kernels", "Do Transformers Need Attention?"],
        ),
        (
            "How does 'Attention Sinks: A Study' explain long contexts, compared with the paper on sparse kernels?",
            "compare",
            ["Attention Sinks: A Study explain long contexts", "the paper on sparse kernels"],
        ),
        ("The 'pruning vs distillation' survey paper: what does it recommend?", "fact", None),
        # things listed in an aside after "each of these", papers counted before a dash
        (
            "Which bottleneck does each of these remove -- 'Sparse Kernels for GPUs' and the paper on linear "
            "recurrences -- and how fast is each?",
            "compare",
            ["Sparse Kernels for GPUs", "the paper on linear recurrences"],
        ),
        (
            "two attention papers -- the sparse-kernel one and the linear-recurrence one. how does each scale?",
            "compare",
            ["the sparse-kernel one (attention papers)", "the linear-recurrence one (attention papers)"],
        ),
        # "with" separates two compared things only where a thing named or introduced follows it
        (
            "How do the attention pruning with learned gates paper and Mamba each handle long inputs?",
            "compare",
            ["attention pruning with learned gates paper", "Mamba"],
        ),
        (
            "Compare the GNN paper with that pruning method - how does each scale?",
            "compare",
            ["GNN paper", "that pruning method"],
        ),
        # "each" asked after the things are named, in the same sentence or the next
        (
            "FlashAttention, Monarch and Sparse Kernels: which GPU does each report timings on?",
            "compare",
            ["FlashAttention", "Monarch", "Sparse Kernels"],
        ),
        (
            "The paper that distills BERT into an LSTM, and TinyBERT - both shrink a teacher. How does each one "
            "pick what to distil?",
            "compare",
            None,
        ),
        # ... but not each part of one paper's model, nor with one thing named, nor each paper a list asks for
        ("In FlashAttention and its tiling, how many blocks does each attention head read?", "fact", None),
        ("In ZeRO, optimizer states and gradients are split. What does each GPU store?", "fact", None),
        ("Which approaches combine RAG and fine-tuning? What does each report?", "list", None),
        # a paper described first is a paper, whatever it says "both" of
        (
            "The paper where BERT and RoBERTa both fail on negation, and the one that fixes it: what does each find?",
            "compare",
            ["The paper where BERT and RoBERTa both fail on negation", "the one that fixes it"],
        ),
        # papers asked for after their topic
        ("machine unlearning papers - which ones are there?", "list", None),
        # ... by any word for them
        ("which abstracts involve the Bradley-Terry model for pairwise comparisons?", "list", None),
        ("Which publications study continual learning?", "list", None),
        ("The paper evaluates on four benchmarks. Which ones?", "fact", None),
        # "how does A relate to B" is no comparison by itself (a quantity or a concept to another; measured twice)
        ("How does the learning rate relate to generalization in SGD?", "fact", None),
        ("How is the ELBO related to the KL divergence?", "fact", None),
    ],
)
def test_routing_and_entities_agree(question: str, kind: str, named: list[str] | None) -> None:
    assert detect_kind(question) == kind
    assert is_comparison(question) == (kind == "compare")
    if named is not None:
        assert entities(question) == named


def _hit(title: str, abstract: str) -> PaperHit:
    return PaperHit(title.lower().replace(" ", "-"), title, 1.0, None, None, [], abstract=abstract)


def test_a_compared_name_resolves_to_the_paper_that_brings_it_not_one_about_it() -> None:
    """A paper whose title speaks of a method, or whose abstract develops something "for" it, is about the method;
    the paper whose abstract says it brings the name ("Our method discovers ... an algorithm, Lion") is the
    method's, whatever the search ranked first. A name of several words is said in its order ("Transfer Q*" is
    "Transfer Q Star", not a title on transfer learning)."""
    about = _hit(
        "Lion Secretly Solves Constrained Optimization",
        "Lion, a new optimizer found by program search, has shown promising results. Our analysis is made possible "
        "by the development of a new Lyapunov function for the Lion updates.",
    )
    brings = _hit(
        "Symbolic Discovery of Optimization Algorithms",
        "We formulate algorithm discovery as program search. Our method discovers a simple and effective "
        "optimization algorithm, Lion (EvoLved Sign Momentum).",
    )
    assert resolve("Lion", [about, brings]) is brings
    learning = _hit("Understanding Invariance in Transfer Learning", "Transfer learning shares knowledge.")
    star = _hit("Transfer Q Star: Principled Decoding for LLM Alignment", "We propose a decoding method.")
    assert resolve("Transfer Q*", [learning, star]) is star


# ------------------------------------------------------------------ follow-ups


def _answer(question: str, titles: list[str]) -> Answer:
    cites = [Citation(i, t, f"p{i}") for i, t in enumerate(titles, start=1)]
    return Answer(question, "...", False, cites, [], "extractive", "extractive", standalone_question=question)


@pytest.mark.parametrize(
    ("question", "titles", "expected"),
    [
        ("What speedup did it report?", ["FlashAttention"], 'What speedup did "FlashAttention" report?'),
        ("What are its limits?", ["Sophia"], 'What are "Sophia"\'s limits?'),
        ("How do they differ?", ["A", "B"], 'How do "A" and "B" differ?'),
        ("Which datasets does the paper use?", ["Monarch"], 'Which datasets does "Monarch" use?'),
        ("What about memory?", ["X"], "What about memory? (about q0)"),
        ("Who proposed FlashAttention?", ["X"], "Who proposed FlashAttention?"),  # not a follow-up
        # "this" standing for the paper, at a clause's end or before its verb; "this dataset" is no reference
        ("What application motivated this?", ["X"], 'What application motivated "X"?'),
        ("How does this compare with Adam?", ["Sophia"], 'How does "Sophia" compare with Adam?'),
        ("Which paper introduced this dataset?", ["X"], "Which paper introduced this dataset?"),
        ("Which methods that use RL reach 50%?", ["X"], "Which methods that use RL reach 50%?"),
        # a title is no replacement template: its backslash stays as written ("$\\sim$20 Seconds")
        ("What GPU did it use?", ["In $\\sim$20 Seconds"], 'What GPU did "In $\\sim$20 Seconds" use?'),
    ],
)
def test_followup_rewriting(question: str, titles: list[str], expected: str) -> None:
    assert rewrite_followup(question, _answer("q0", titles)) == expected
    assert rewrite_followup(question, None) == question


# ------------------------------------------------------------------ filters and settings


@pytest.mark.parametrize(
    ("filters", "meta", "ok"),
    [
        (SearchFilters(year_from=2023), {"year": 2024}, True),
        (SearchFilters(year_from=2023), {"year": 2022}, False),
        (SearchFilters(year_to=2020), {"year": 0}, True),  # undated passes by default
        (SearchFilters(year_to=2020, include_undated=False), {"year": 0}, False),
        (SearchFilters(source="page-2"), {"pages": "hf-page-2.txt|x.txt"}, True),
        (SearchFilters(source="page-3"), {"pages": "hf-page-2.txt"}, False),
        (SearchFilters(title="Flash  attention"), {"title_key": "flashattention fast"}, False),
        (SearchFilters(title="flashattention"), {"title_key": "flashattention fast"}, True),
        (SearchFilters(paper_ids=["a"]), {"paper_id": "a"}, True),
        (SearchFilters(paper_ids=[]), {"paper_id": "a"}, False),
    ],
)
def test_filters(filters: SearchFilters, meta: dict, ok: bool) -> None:
    assert filters.accepts(meta) is ok


def test_settings_override_merges_groups_and_validates(tmp_path: Path) -> None:
    base = Settings(home=tmp_path, llm={"model": "m", "temperature": 0.5})
    changed = base.override(
        llm={"backend": "extractive"}, retrieval={"k": 3}, evidence={"gate_threshold": 0.4}
    )
    assert changed.llm.backend == "extractive" and changed.llm.model == "m" and changed.llm.temperature == 0.5
    assert changed.retrieval.k == 3 and changed.retrieval.candidates == base.retrieval.candidates
    assert changed.evidence.gate_threshold == 0.4 and changed.home == tmp_path
    assert base.retrieval.k == 6  # the original is untouched
    assert changed.collection_name() == base.collection_name()  # answering knobs never change the index
    with pytest.raises(ValueError):
        base.override(retrieval={"k": 0})
    with pytest.raises(ValueError, match="unknown setting"):
        base.override(nope=1)
    assert load_settings(evidence={"list_k": 9}).evidence.list_k == 9


# ------------------------------------------------------------------ the evidence gate

ROUTING = src(
    1,
    "Sparse Routing for Small Language Models",
    "We route each token to two of eight experts in a small language model. "
    "On WikiText-103 this lowers perplexity by 7.5% at equal compute.",
)
FORESTS = src(
    2,
    "Quantile Forests for Data Streams",
    "We adapt quantile regression forests to data streams with bounded memory.",
)


# A gate whose weights are easy to reason about (the fitted ones are calibrated for MiniLM, not this double): answer
# when the paper holds the question's specific terms, refuse when it lacks the kind of detail asked for.
# The whole-paper rule is off here (whole_paper_sim 1.0): with a bag-of-words embedder every short abstract is
# "close as a whole"; tests/rag/test_answer.py tests the rule with the real embedder.
PLAIN_GATE = EvidenceSettings(
    gate_weights={"paper_cover": 10.0, "kind_missing": -10.0},
    gate_bias=-5.0,
    gate_threshold=0.5,
    whole_paper_sim=1.0,
)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("How much does routing tokens to experts lower perplexity on WikiText-103?", ""),
        ("Which method adapts quantile regression forests to data streams?", ""),
        ("What is the best hydration ratio for sourdough bread?", "topic"),
        # names the paper, asks for a kind of detail (hardware) its abstract doesn't state
        ("How many GPUs trained Sparse Routing for Small Language Models?", "detail"),
    ],
)
def test_gate(question: str, reason: str) -> None:
    verdict = Evidence(question, [ROUTING, FORESTS], BagOfWords(), PLAIN_GATE).gate()
    assert verdict.reason == reason and verdict.ok == (reason == "")
    assert verdict.probability is not None
    # every feature of the fitted model; paper_sim (no weight of it) only where the model refused
    assert set(FEATURES) <= set(verdict.features) <= set(FEATURES) | {"paper_sim"}
    assert ("paper_sim" in verdict.features) <= (verdict.probability < PLAIN_GATE.gate_threshold)
    if reason:
        assert verdict.message.startswith(REFUSAL)
    if reason == "detail":
        assert "Sparse Routing for Small Language Models" in verdict.message
        assert verdict.features["kind_missing"] == 1.0 and verdict.features["named"] == 1.0
        assert "GPUs" in verdict.missing  # the user's word, not its stem


def test_a_refusal_calls_a_topic_no_abstract_holds_a_topic() -> None:
    """Close sentences alone don't make a refusal about "the paper": with a word of the question in no abstract
    ("deepfakes") the collection lacks the topic, and the refusal says so instead of blaming the paper."""
    routing = src(5, "Sparse Mixtures", "We route tokens to experts.")

    def rarity(stems: set[str]) -> dict[str, float]:
        return {t: 1.0 if t == stem("deepfakes") else 0.3 for t in stems}

    q = "Do experts route tokens to deepfakes?"
    verdict = Evidence(q, [routing], BagOfWords(), PLAIN_GATE, rarity=rarity).gate()
    assert not verdict.ok and verdict.features["lead_sim"] >= PLAIN_GATE.confident_sim
    assert verdict.reason == "topic" and "other topics" in verdict.message
    q = "On how many GPUs do experts route tokens?"  # every word is in the collection: the paper lacks the detail
    verdict = Evidence(q, [routing], BagOfWords(), PLAIN_GATE, rarity=lambda t: {x: 0.3 for x in t}).gate()
    assert not verdict.ok and verdict.reason == "detail" and '"Sparse Mixtures"' in verdict.message
    # named by the name its abstract gives the method, not by its title: still "the paper is there"
    granet = src(
        6,
        "Sparse Training via Pruning Plasticity",
        "We propose a pruning method, named GraNet, for sparse training.",
    )
    q = "How many GPUs does GraNet need for deepfakes?"
    verdict = Evidence(q, [granet], BagOfWords(), PLAIN_GATE, rarity=rarity).gate()
    assert not verdict.ok and verdict.reason == "detail" and "Pruning Plasticity" in verdict.message
    # a name that is a word of the paper's longer name is what it builds on, not the paper: "LoRA" of Chain of LoRA
    cola = src(
        7, "Chain of LoRA: Residual Fine-tuning", "We introduce Chain of LoRA (COLA), a residual scheme."
    )
    q = "What rank did the original LoRA paper use for deepfakes?"
    verdict = Evidence(q, [cola], BagOfWords(), PLAIN_GATE, rarity=rarity).gate()
    assert not verdict.ok and verdict.reason == "topic"
    assert distinct_names({"chain of lora", "lora", "cola"}) == {"chain of lora", "cola"}


def test_a_name_no_abstract_says_in_any_form_is_refused_not_answered_around() -> None:
    """A name the question asks about that no abstract says ("CTGAN", "TVAE" of a paper that speaks of "various
    DGMs") is refused though the paper's sentences pass the gate: answered, the nearest sentences would stand in for
    it (``evidence.unsaid_refusal``). A name said another way is no such name: glued to a number the question's
    words split off ("3DGS"), an acronym spelled out in lower case ("SPD", "KD"), or a camel-case name written as words
    ("BatchNorm" by "batch normalization"). A mistyped name ("FlashAtention") and a capitalised word mentioned in
    passing ("Kaggle") are not refused for, though the answer's heading still names them; nor is a name a letter
    off one of the papers' but for its digits ("CIFAR-100" of "CIFAR-10" is refused)."""

    unheard = {
        stem(w)
        for w in ("CTGAN", "TVAE", "DGS", "SPD", "FlashAtention", "BatchNorm", "Kaggle", "CIFAR-100", "KD")
    }

    def rarity(stems: set[str]) -> dict[str, float]:
        return {t: 1.0 if t in unheard else 0.3 for t in stems}

    def evidence(q: str, text: str, settings: EvidenceSettings = PLAIN_GATE) -> Evidence:
        return Evidence(q, [src(1, "A Paper", text)], BagOfWords(), settings, rarity=rarity)

    dgms = "Standard DGMs violate constraints, some exceeding 95% non-compliance."
    q = "Which DGMs, CTGAN or TVAE, violate constraints with 95% non-compliance?"
    verdict = evidence(q, dgms).gate()
    assert not verdict.ok and verdict.reason == "detail" and verdict.absent == ["CTGAN", "TVAE"]
    assert verdict.message.endswith('No abstract in the collection mentions "CTGAN" or "TVAE".')
    off = PLAIN_GATE.model_copy(update={"unsaid_refusal": False})
    assert evidence(q, dgms, off).gate().ok
    said_otherwise = [
        ("How many scenes does 3DGS render in real time?", "We render 13 scenes in real time with 3DGS."),
        (
            "Which sparse SPD systems does the solver handle?",
            "The solver handles sparse, symmetric, positive-definite systems.",
        ),
        (
            "What does the model use instead of BatchNorm?",
            "The model replaces batch normalization with weight scaling.",
        ),
        ("Which head does dual-head KD add?", "Dual-head knowledge distillation adds an auxiliary head."),
    ]
    for q, text in said_otherwise:
        e = evidence(q, text)
        assert e.unsaid_names and not e.unsaid_anywhere and not e.unsaid_refused, q
    not_refused_for = [
        ("Which kernel does FlashAtention fuse?", "FlashAttention fuses the attention kernel."),
        (
            "For my Kaggle project: which kernel does the attention fuse?",
            "FlashAttention fuses the attention kernel.",
        ),
    ]
    for q, text in not_refused_for:
        e = evidence(q, text)
        assert e.unsaid_anywhere and not e.unsaid_refused, q
    e = evidence(
        "What accuracy does the model reach on CIFAR-100?", "The model reaches 95% accuracy on CIFAR-10."
    )
    assert e.unsaid_refused == ["CIFAR-100"]


def test_a_question_about_x_or_y_is_answered_by_a_paper_on_either() -> None:
    """ "X or Y": a paper about Y answers, though it says nothing of X (the gate reads each alternative too); with
    neither in the paper the question is still refused."""
    assert alternatives("Anything in the collection on wireless communications or antenna design?") == [
        {"wireless", "communic"},
        {"antenna", "design"},
    ]
    # a single word before a longer phrase shares its tail; the last item of a list does not
    assert alternatives("Has anyone used LLMs to write or assess peer reviews?") == [
        {"llms", "write", "peer", "review"},
        {"llms", "assess", "peer", "review"},
    ]
    assert {"molecul", "protein"} <= alternatives(
        "Which papers study molecules, proteins or drug discovery?"
    )[0]
    assert alternatives("Which papers study quantile forests?") == []
    q = "Is there work on sourdough bread fermentation starters or quantile forests?"
    verdict = Evidence(q, [ROUTING, FORESTS], BagOfWords(), PLAIN_GATE).gate()
    assert verdict.ok and verdict.paper == FORESTS.n
    q = "Is there work on sourdough fermentation or bread hydration?"
    assert not Evidence(q, [ROUTING, FORESTS], BagOfWords(), PLAIN_GATE).gate().ok


def test_gate_features() -> None:
    rare = {stem("WikiText-103"): 1.0, stem("AlphaFold"): 1.0}  # as if the index held no stem of these

    def rarity(stems: set[str]) -> dict[str, float]:
        return {t: rare.get(t, 0.3) for t in stems}

    q = "How much does routing lower perplexity on WikiText-103 for AlphaFold?"
    evidence = Evidence(q, [ROUTING, FORESTS], BagOfWords(), rarity=rarity)
    feats = evidence.features(ROUTING)
    # "AlphaFold" is in neither abstract; "WikiText-103", which the index lacks, is written in ROUTING's, so it is
    # no name unknown to the collection
    assert evidence.unknown_names == ["AlphaFold"]
    assert feats["unknown_name"] == 1.0 and 0 < feats["paper_cover"] < 1 and feats["collection_cover"] < 1
    assert feats["answer_missing"] == 0.0  # "by 7.5%" is a new number next to "perplexity"
    q2 = "How many parameters does the routing model have?"
    assert Evidence(q2, [ROUTING], BagOfWords()).features(ROUTING)["answer_missing"] > 0
    # each part of a multi-part question is checked: the perplexity part is stated, the experts' size isn't
    q3 = "By how much does routing lower perplexity, and how many parameters does each expert have?"
    assert Evidence(q3, [ROUTING], BagOfWords()).features(ROUTING)["answer_missing"] > 0
    q4 = "How much does routing lower perplexity, and what perplexity gain does it reach at equal compute?"
    assert Evidence(q4, [ROUTING], BagOfWords()).features(ROUTING)["answer_missing"] == 0.0
    # a name asked for may be one capitalised word inside the sentence ("in Python"), but not the sentence's first
    coder = src(
        3, "A Benchmark of Versioned Code", "We collect 116 problems written in Python for code models."
    )
    q5 = "How many problems does the benchmark hold, and in which programming language?"
    assert Evidence(q5, [coder], BagOfWords()).features(coder)["answer_missing"] == 0.0
    plain = src(
        3, "A Benchmark of Versioned Code", "Problems are checked by unit tests in some programming language."
    )
    assert Evidence(q5, [plain], BagOfWords()).features(plain)["answer_missing"] > 0


def test_name_missing_reads_names_in_any_written_form() -> None:
    """A name of the question that other abstracts hold but the paper doesn't ("MBPP") makes it a detail the paper
    lacks; written forms, plurals and acronyms of the paper's own words are not missing."""
    text = (
        "We train large language models (LLMs) and a multi-layer perceptron on ResNet50 features of neural "
        "radiance fields and beat MLPerf "
        "records by 2x on ImageNet."
    )
    for name in ["ResNet-50", "LLMs", "NeRFs", "MLPerf-record", "ImageNet", "LLM", "MLP"]:
        assert _NameIndex(text).holds(name), name
    for name in ["MBPP", "ResNet-18", "GPT-4", "CIFAR-10", "AlpacaEval"]:
        assert not _NameIndex(text).holds(name), name
    # an acronym may take a letter from inside a word with a prefix ("multilayer", "autoencoder")
    assert _NameIndex("a multilayer perceptron").holds("MLPs")
    assert _NameIndex("a variational autoencoder").holds("VAE")
    assert not _NameIndex("a variational encoder").holds("VAE")
    sirius = src(
        3, "SiriusLM: Sparse Decoding", "We evaluate SiriusLM on WikiText-103: 7.5% lower perplexity."
    )
    mbpp = src(4, "Code Benchmarks", "MBPP is a benchmark of Python problems.")
    q = "What perplexity does SiriusLM reach on WikiText-103 and on MBPP?"

    def in_any(papers: list[Source]) -> Rarity:
        held = set().union(*(terms(f"{p.title} {p.text}") for p in papers))
        return lambda stems: {t: 0.3 if t in held else 1.0 for t in stems}

    # MBPP is in no abstract of this collection: that is unknown_name's, not this feature's
    evidence = Evidence(q, [ROUTING, sirius], BagOfWords(), rarity=in_any([ROUTING, sirius]))
    assert evidence.features(sirius)["name_missing"] == 0.0
    assert evidence.features(sirius)["unknown_name"] == 1.0
    # another abstract holds MBPP: the paper lacks one of the question's three names; ROUTING lacks two
    evidence = Evidence(q, [sirius, mbpp, ROUTING], BagOfWords(), rarity=in_any([sirius, mbpp, ROUTING]))
    assert evidence.features(sirius)["name_missing"] == pytest.approx(1 / 3)
    assert evidence.features(ROUTING)["name_missing"] == pytest.approx(2 / 3)
    # a generic name with lower-case words joined to it says what kind of method, not which: "LLM-driven" is no name
    # a paper must hold ("MBPP-based" still is)
    llm = src(5, "LLM Agents", "An LLM writes programs.")
    for question, missing in [
        ("Has anyone used LLM-driven search to discover SiriusLM-like decoders?", 0.0),
        ("Has anyone used MBPP-based search to discover SiriusLM-like decoders?", 0.5),
    ]:
        evidence = Evidence(question, [sirius, mbpp, llm], BagOfWords(), rarity=in_any([sirius, mbpp, llm]))
        assert evidence.features(sirius)["name_missing"] == pytest.approx(missing), question
    # a list question is answered by every paper gathered: a name one of them holds, however far down, is not
    # missing (the fourth here, past the three whose terms the list gate reads together)
    admm = src(6, "Global Optimization of ReLU Networks", "We train two-layer ReLU networks with ADMM.")
    papers = [sirius, llm, ROUTING, admm]
    q = "Which papers apply ADMM to training neural networks?"
    evidence = Evidence(q, papers, BagOfWords(), rarity=in_any(papers), many=True)
    assert evidence.features(sirius)["name_missing"] == 0.0
    evidence = Evidence(q, papers[:3], BagOfWords(), rarity=in_any(papers), many=True)
    assert evidence.features(sirius)["name_missing"] == 1.0


def test_a_paper_the_question_names_answers_for_itself() -> None:
    """ "What FLOPs reduction does OTOv3 reach?": another paper's FLOPs sentence, however close, doesn't answer
    for OTOv3; the gate reads the named paper, and the refusal names it rather than the closer one."""
    pruning = src(
        8,
        "Fire Together: Dynamic Pruning",
        "We prune filters dynamically. On ImageNet we reach a 13% larger FLOPs reduction than prior methods.",
    )
    oto = src(
        9,
        "OTOv3: Automatic Training and Compression",
        "We introduce OTOv3, which trains and compresses a network by pruning and erasing operators.",
    )
    q = "What FLOPs reduction does OTOv3 reach on ImageNet?"
    gate = EvidenceSettings(
        gate_weights={"paper_cover": 10.0, "answer_missing": -10.0}, gate_bias=-5.0, gate_threshold=0.5
    )
    evidence = Evidence(q, [pruning, oto], BagOfWords(), gate)
    assert evidence.claimed() == [oto]
    assert evidence.features(oto)["answer_missing"] == 1.0  # no sentence of OTOv3 speaks of FLOPs
    verdict = evidence.gate()
    assert not verdict.ok and verdict.reason == "detail" and '"OTOv3: Automatic' in verdict.message
    # a paper that says the name is still read ("... than OTOv3"), and so is the named one
    rival = src(10, "Erasing Less", "Our pruning reaches a 2x larger FLOPs reduction than OTOv3 on ImageNet.")
    assert Evidence(q, [rival, oto], BagOfWords(), gate).claimed() == [rival, oto]
    # a list question is answered by many papers: no paper claims it
    assert Evidence(q, [pruning, oto], BagOfWords(), gate, many=True).claimed() == []


def test_gate_thresholds_are_settings() -> None:
    q = "How much does routing tokens to experts lower perplexity on WikiText-103?"
    assert Evidence(q, [ROUTING], BagOfWords(), PLAIN_GATE).gate().ok
    strict = PLAIN_GATE.model_copy(update={"gate_threshold": 0.9999})
    assert not Evidence(q, [ROUTING], BagOfWords(), strict).gate().ok
    assert Evidence(q, [ROUTING], BagOfWords(), strict).gate(threshold=0.0).ok
    assert Evidence(q, [], BagOfWords()).gate().reason == "empty"


def test_evidence_embeds_each_text_once() -> None:
    embedder = BagOfWords()
    evidence = Evidence("routing experts perplexity", [ROUTING, FORESTS, ROUTING], embedder)
    claim = "Routing lowers perplexity on WikiText-103 by 7.5%."
    for _ in range(3):
        evidence.support(claim)
        evidence.highlight(1, claim)
    flat = [t for batch in embedder.history for t in batch]
    assert len(flat) == len(set(flat)) == evidence.texts_embedded


@pytest.mark.parametrize(
    ("claim", "among", "supported_by"),
    [
        ("On WikiText-103 routing lowers perplexity by 7.5%.", None, 1),
        (
            "On WikiText-103 routing lowers perplexity by 9.5%.",
            None,
            None,
        ),  # a number the source doesn't state
        ("Quantile regression forests are adapted to data streams with bounded memory.", None, 2),
        ("Quantile regression forests are adapted to data streams with bounded memory.", [1], None),
        ("The method won a Turing award.", None, None),
    ],
)
def test_support(claim: str, among: list[int] | None, supported_by: int | None) -> None:
    evidence = Evidence("q", [ROUTING, FORESTS], BagOfWords())
    assert evidence.support(claim, among)[0] == supported_by


# ------------------------------------------------------------------ the backend registry


def test_registry_lists_backends_with_reasons(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, llm={"api_key": None, "base_url": None})
    info = {b["name"]: b for b in backends.backend_info(settings)}
    assert backends.names()[:3] == ["extractive", "local", "openai"]
    assert info["extractive"]["available"] and info["extractive"]["summary"]
    with pytest.raises(Exception, match="one of auto, extractive"):
        backends.resolve(settings, "gpt")


OPEN_GATE = {"gate_threshold": 0.0, "gate_threshold_llm": 0.0}  # these tests are about backends, not the gate


class _Retriever:
    """A retriever double over fixed sources."""

    def __init__(self, embedder: BagOfWords, hits: list) -> None:
        self.embedder, self.hits = embedder, hits

    def search(self, query: str, **_: object):
        from rag.types import SearchResult

        return SearchResult(query, self.hits, {})

    def with_abstracts(self, hits: list) -> list:
        return hits

    def rarity(self, stems: set[str]) -> dict[str, float]:
        return {t: 0.3 for t in stems}

    def read(self, text: str) -> str:
        return text

    def said(self, name: str) -> bool:
        from rag.question import mentions

        return any(mentions(f"{h.title} {h.abstract or h.text}", name) for h in self.hits)

    def titled(self, query: str, *, plain: bool = False) -> dict[str, Titled]:
        """Retriever.titled over ``self.names`` ({key: [paper id]}: "~Name" said as written, "=Title" said whole);
        none by default."""
        names = getattr(self, "names", {})
        return {
            key: Titled(query.find(key[1:]), [(pid, f"{pid}#0") for pid in ids])
            for key, ids in names.items()
            if key[1:] in query and (key[0] != "^" or plain)
        }


def _hits(*sources: Source) -> list:
    from rag.types import ChunkMatch, PaperHit

    return [
        PaperHit(
            s.paper_id,
            s.title,
            s.score,
            None,
            None,
            [],
            [ChunkMatch(f"{s.paper_id}#0", s.text, s.score, 0.5, 0)],
        )
        for s in sources
    ]


@pytest.mark.parametrize(
    ("question", "request_kw", "expected"),
    [
        # two papers named in the asking sentence: both, in the order named
        ("What does Alpha reduce, and what does Beta support?", {}, ["a", "b"]),
        ("What does Alpha reduce, and what does Sophia estimate?", {}, ["a", "s"]),  # a plain-word name ("^")
        # one named: a question about it; a name in a sentence that only sets the scene is no subject
        ("What does Alpha reduce?", {}, None),
        ("Unlike Alpha, Beta runs on CPUs. What does Beta support?", {}, None),
        # the same paper twice (name and whole title), a name two titles start with, a name inside a title said
        ("What does Alpha reduce in 'Alpha Attention Made Fast'?", {}, None),
        ("What does Gamma reduce, and what does Alpha claim?", {}, None),
        ("What does 'A Look at Sophia Clipping' find, and what does Beta support?", {}, ["t", "b"]),
        # more papers than a comparison holds
        ("What do Alpha, Beta, Delta, Eps, Zeta and Eta each do?", {}, None),
        # a scope, papers picked, an earlier answer's papers, or a forced kind: the caller's choice stands
        (
            "What does Alpha reduce, and what does Beta support?",
            {"filters": SearchFilters(paper_ids=["a"])},
            None,
        ),
        ("What does Alpha reduce, and what does Beta support?", {"paper_ids": ["a"]}, None),
        ("What does Alpha reduce, and what does Beta support?", {"focus": ["a"]}, None),
        # a metadata request keeps its path
        ("When was Alpha published, and when was Beta published?", {}, None),
    ],
)
def test_a_question_naming_papers_by_their_titles_is_about_each_of_them(
    tmp_path: Path, question: str, request_kw: dict, expected: list[str] | None
) -> None:
    retriever = _Retriever(BagOfWords(), [])
    retriever.names = {  # type: ignore[attr-defined]
        "~Alpha": ["a"],
        "~Beta": ["b"],
        "~Gamma": ["g1", "g2"],
        "~Delta": ["d"],
        "~Eps": ["e"],
        "~Zeta": ["z"],
        "~Eta": ["h"],
        "^Sophia": ["s"],
        "=Alpha Attention Made Fast": ["a"],
        "=A Look at Sophia Clipping": ["t"],
    }
    engine = AnswerEngine(Settings(home=tmp_path), retriever=retriever)  # type: ignore[arg-type]
    assert engine._titled_papers(AskRequest(question, **request_kw)) == expected
    off = AnswerEngine(Settings(home=tmp_path, evidence={"titled_compare": False}), retriever=retriever)  # type: ignore[arg-type]
    assert off._titled_papers(AskRequest(question, **request_kw)) is None


def test_a_new_backend_is_one_class_and_a_registration(tmp_path: Path) -> None:
    @backends.register
    class Shouting(backends.Backend):
        name = "shouting"
        summary = "test double: the best sentence, upper-cased"

        def available(self, settings: Settings) -> tuple[bool, str]:
            return True, ""

        def run(self, job: backends.Job) -> Generator[str, None, backends.Draft]:
            best = job.evidence.ranked[0]
            text = f"{best.text.upper()} [{best.source}]"
            yield text
            return backends.Draft(text, self.name, "none")

    try:
        embedder = BagOfWords()
        engine = AnswerEngine(
            Settings(home=tmp_path, evidence=OPEN_GATE),
            retriever=_Retriever(embedder, _hits(ROUTING, FORESTS)),
        )  # type: ignore[arg-type]
        answer = engine.ask(
            AskRequest("How much does routing each token to experts lower perplexity?", backend="shouting")
        )
        assert answer.backend == "shouting" and answer.citations[0].n == 1
        assert "WE ROUTE" in answer.answer or "ON WIKITEXT" in answer.answer
        assert "shouting" in [b["name"] for b in backends.backend_info(Settings(home=tmp_path))]
    finally:
        backends._REGISTRY.pop("shouting")


def test_failing_backend_falls_back_with_a_typed_reason(tmp_path: Path) -> None:
    from rag.errors import BackendTimeoutError

    @backends.register
    class Failing(backends.Backend):
        name = "failing"
        summary = "test double: times out after two words"

        def available(self, settings: Settings) -> tuple[bool, str]:
            return True, ""

        def run(self, job: backends.Job) -> Generator[str, None, backends.Draft]:
            yield "Partial "
            yield "answer"
            raise BackendTimeoutError("no answer in 1 s")

    try:
        engine = AnswerEngine(
            Settings(home=tmp_path, evidence=OPEN_GATE), retriever=_Retriever(BagOfWords(), _hits(ROUTING))
        )  # type: ignore[arg-type]
        items = list(
            engine.stream(
                AskRequest("How much does routing each token to experts lower perplexity?", backend="failing")
            )
        )
        answer = items[-1]
        assert isinstance(answer, Answer) and all(isinstance(i, str) for i in items[:-1])
        assert answer.fallback and answer.error_type == "BackendTimeoutError"
        assert answer.backend == "extractive" and answer.citations[0].n == 1
        assert "failing backend failed" in answer.note
    finally:
        backends._REGISTRY.pop("failing")


def test_what_the_question_says_was_replaced_is_not_the_answer() -> None:
    """ "... instead of the deterministic one?": the sentence on the old, deterministic criterion shares the most
    words with the question but describes what was replaced; the answer is the sentence on the new one."""

    paper = src(
        1,
        "Speculative Jacobi Decoding",
        "Jacobi decoding relies on a deterministic criterion to decide the convergence of iterations. "
        "We propose a probabilistic criterion for Jacobi decoding.",
    )
    q = "What criterion does Jacobi decoding use instead of the deterministic one?"
    settings = EvidenceSettings()
    assert settings.replaced_penalty > 0
    picked = fact_sentences(Evidence(q, [paper], BagOfWords(), settings), 1)
    assert picked[0].text.startswith("We propose a probabilistic")
    off = settings.model_copy(update={"replaced_penalty": 0.0})
    assert fact_sentences(Evidence(q, [paper], BagOfWords(), off), 1)[0].text.startswith(
        "Jacobi decoding relies"
    )


def test_a_which_question_is_answered_by_the_sentence_that_names_the_thing() -> None:
    """ "On which datasets ...?": the sentence naming them ("CIFAR-100") leads over one that only speaks of data
    (``evidence.name_bonus``); an abbreviation the abstract defines for a concept ("continual learning (CL)") is no
    name that earns it."""
    from rag.compose import fact_sentences

    paper = src(
        1,
        "A Reality Check for Tuning",
        "Methods for continual learning (CL) are tuned on the data they are scored on. "
        "Tuning experiments ran on CL datasets. "
        "The experiments used the datasets CIFAR-100 and SVHN.",
    )
    q = "On which datasets were the tuning experiments run?"
    settings = EvidenceSettings()
    picked = fact_sentences(Evidence(q, [paper], BagOfWords(), settings), 1)
    assert "CIFAR-100" in picked[0].text
    # (the words one sentence alone holds are weighed among the sentences that name something, when one does)
    off = settings.model_copy(update={"name_bonus": 0.0, "local_terms_weight": 0.0})
    assert "CIFAR-100" not in fact_sentences(Evidence(q, [paper], BagOfWords(), off), 1)[0].text


def test_the_words_one_sentence_alone_holds_say_which_sentence_answers() -> None:
    """ "In what setting do they study pruning at initialization?": every sentence of the abstract is about pruning
    at initialization (its topic, which tells them apart no more than a stopword); "setting" is said by one sentence
    alone, and that sentence answers (``evidence.local_terms_weight``)."""
    from rag.compose import _local_coverage, fact_sentences

    paper = src(
        1,
        "Pruning at Initialization -- A Sketching Perspective",
        "The lottery ticket hypothesis has increased attention to pruning neural networks at initialization. "
        "We study this problem in the linear setting. "
        "Finding a sparse mask at initialization is equivalent to sketching. "
        "We suggest an improvement to existing algorithms for pruning at initialization.",
    )
    q = "In what setting do the authors study pruning at initialization?"
    settings = EvidenceSettings()
    assert settings.local_terms_weight > 0
    evidence = Evidence(q, [paper], BagOfWords(), settings)
    local = _local_coverage(q, evidence.by_source[1], paper.title, evidence.by_source[1])
    assert local.index(max(local)) == 1  # "setting": one sentence of four, and no title word
    assert fact_sentences(evidence, 1)[0].text == "We study this problem in the linear setting."
    off = settings.model_copy(update={"local_terms_weight": 0.0})
    assert "setting" not in fact_sentences(Evidence(q, [paper], BagOfWords(), off), 1)[0].text


def test_a_count_in_words_and_a_kind_of_hardware_are_answers_too() -> None:
    """ "How many models ...?" is answered by "nine models" (a count in words); "What kind of hardware ...?" by
    "on CPU", though a generic name ("CPU") is no new name."""
    from rag.compose import _answer_forms

    paper = src(1, "A Light Solver", "The solver is light. It runs in minutes on CPU. We test nine models.")
    count = Evidence("How many models were tested?", [paper], BagOfWords(), EvidenceSettings())
    assert count.states_near("We test nine models.", {"model"}, number=True)
    assert not count.states_near("We test the models.", {"model"}, number=True)
    q = "What kind of hardware does the light solver need?"
    ev = Evidence(q, [paper], BagOfWords(), EvidenceSettings())
    pool = ev.top(source=1)
    forms = _answer_forms(ev, q, ev.asked.asks, pool)
    assert forms is not None and forms[0] == "name"
    assert [s.text for s, ok in zip(pool, forms[1], strict=True) if ok] == ["It runs in minutes on CPU."]


def test_a_number_the_best_sentence_lacks_comes_from_the_sentence_that_states_it() -> None:
    """A question that describes its paper and asks a number ("How many patients are in the lumbar spine MRI
    dataset with vertebra and disc segmentations?"): the sentence the description paraphrases leads, and the
    sentence stating the number follows it (``evidence.answer_form_floor``), though it scores below ``lead_floor``.
    A link answers "where is the code?" the same way."""
    from rag.compose import fact_sentences

    paper = src(
        1,
        "Lumbar Spine Segmentation",
        "This paper presents a public multi-center lumbar spine MRI dataset with segmentations of vertebrae, discs "
        "and the spinal canal. "
        "The MRI dataset holds 447 series from 218 patients. "
        "The study may encourage collaboration in spine segmentation. "
        "Code for the spine dataset is available at https://github.com/example/spine.",
    )
    q = "How many patients are in the public multi-center lumbar spine MRI dataset with vertebrae and disc segmentations?"
    # (a lead floor the number's and the link's sentences score below, whatever the default)
    settings = EvidenceSettings(lead_floor=0.9)
    assert EvidenceSettings().answer_form_floor < EvidenceSettings().lead_floor
    picked = [s.text for s in fact_sentences(Evidence(q, [paper], BagOfWords(), settings), 1)]
    assert picked[0].startswith("This paper presents") and any("218 patients" in t for t in picked)
    off = settings.model_copy(update={"answer_form_floor": 1.0})
    assert not any("218" in s.text for s in fact_sentences(Evidence(q, [paper], BagOfWords(), off), 1))
    where = "Where is the code for the lumbar spine MRI dataset with segmentations of vertebrae and discs published?"
    assert any(
        "github.com" in s.text for s in fact_sentences(Evidence(where, [paper], BagOfWords(), settings), 1)
    )
    assert not any(
        "github.com" in s.text for s in fact_sentences(Evidence(where, [paper], BagOfWords(), off), 1)
    )


def test_a_concept_the_abstract_abbreviates_is_no_condition_of_a_number() -> None:
    """ "What speedup does SKR reach when generating PDE training data?": "PDE" is a concept the abstract
    abbreviates ("partial differential equations (PDEs)"), not a benchmark the number must be reported on; a
    benchmark named beside no number still is."""
    paper = src(
        1,
        "Accelerating Data Generation for Neural Operators",
        "Training neural operators for partial differential equations (PDEs) needs many PDE solutions. "
        "We propose Sorting Krylov Recycling (SKR) to solve these systems faster. "
        "Experiments show that SKR achieves a speedup of up to 13.9 times.",
    )
    asked = "What is the largest speedup SKR reaches when generating PDE training data?"
    assert Evidence(asked, [paper], BagOfWords(), EvidenceSettings()).unreported(paper) is None
    bench = src(
        2,
        "Code Models",
        "We evaluate on HumanEval and MBPP. Our model improves pass@1 on HumanEval by 4.1 points.",
    )
    names, _ = Evidence(
        "What pass@1 does it reach on MBPP?", [bench], BagOfWords(), EvidenceSettings()
    ).unreported(bench) or ([], None)
    assert names == ["MBPP"]


def test_a_comparison_quotes_what_each_paper_does_not_the_prior_work_it_starts_from() -> None:
    """In a comparison each paper's line is about its own work: the opening sentence on score distillation shares
    the question's words, but it is the setting the paper starts from; the sentence after "we propose" answers."""
    from rag.compose import background, fact_sentences

    paper = src(
        1,
        "Fast 3D Generation",
        "Score distillation sampling for 3D generation is slow and unstable. "
        "We propose iterative reconstruction, which makes 3D generation faster with video generators. "
        "It takes 20 seconds per asset.",
    )
    q = "How do the two papers make 3D generation faster than score distillation sampling?"
    settings = EvidenceSettings()
    evidence = Evidence(q, [paper], BagOfWords(), settings)
    assert [s.text[:5] for s in evidence.by_source[1] if id(s) in background(evidence.by_source[1])] == [
        "Score"
    ]
    assert settings.background_penalty > 0
    assert fact_sentences(evidence, 1, only_lead=True)[0].text.startswith("Score distillation")
    assert fact_sentences(evidence, 1, only_lead=True, own_work=True)[0].text.startswith("We propose")
    one = settings.model_copy(update={"compare_sentences": 1})
    assert len(fact_sentences(Evidence(q, [paper], BagOfWords(), one), 1, only_lead=True, own_work=True)) == 1
    # an abstract that never says "we propose" has no background to tell apart
    plain = src(2, "Notes", "Score distillation sampling is slow. Reconstruction is fast.")
    assert background(Evidence(q, [plain], BagOfWords(), settings).by_source[2]) == set()


def test_a_comparison_line_has_its_own_floor_and_reads_in_abstract_order() -> None:
    """What a comparison asks of each paper is spread over its abstract, so a compare line takes sentences down to
    ``compare_floor`` of the paper's best (a one-paper answer keeps ``lead_floor``), and reads them in the order the
    abstract tells them, not best-first."""
    from rag.compose import compare_line

    paper = src(
        1,
        "Fast 3D Generation",
        "Score distillation for 3D generation is slow. "
        "We propose iterative reconstruction, which makes 3D generation fast with video generators. "
        "Each step reconstructs a mesh from generated video frames. "
        "Generation takes 20 seconds per asset.",
    )
    q = "How do the two papers make 3D generation fast?"
    wide = EvidenceSettings(compare_floor=0.0, compare_sentences=4, method_details=False)
    line = compare_line(Evidence(q, [paper], BagOfWords(), wide), 1, q)
    texts = [s.text for s in Evidence(q, [paper], BagOfWords(), wide).by_source[1]]
    assert len(line) == 4
    assert [texts.index(s.text) for s in line] == [0, 1, 2, 3]
    narrow = wide.model_copy(update={"compare_floor": 1.0})
    best = compare_line(Evidence(q, [paper], BagOfWords(), narrow), 1, q)
    assert len(best) < len(line)
    assert best[0].text.startswith("We propose")
    # a one-paper answer doesn't read compare_floor
    one = [s.text for s in fact_sentences(Evidence(q, [paper], BagOfWords(), wide), 1, only_lead=True)]
    assert one == [
        s.text for s in fact_sentences(Evidence(q, [paper], BagOfWords(), narrow), 1, only_lead=True)
    ]


@pytest.mark.parametrize(
    ("part", "about_the_name"),
    [
        ("What is GenRM?", True),
        ("What is the new loss called", True),
        ("What does NTK stand for?", True),
        ("What does GenRM train the LLM on", False),
        ("Which module does AR-Seg use", False),
    ],
)
def test_a_question_about_the_name_itself_keeps_it(part: str, about_the_name: bool) -> None:
    """Answers are matched against a question without the paper's own names, except when the name is what is
    asked about: then the sentence defining it answers."""
    from rag.compose import _ASKS_WHAT_IT_IS

    assert bool(_ASKS_WHAT_IT_IS.search(part)) == about_the_name


@pytest.mark.parametrize(
    ("abstract", "question", "refused"),
    [
        # the paper speaks of what is asked but states no quantity for it: refused, quoting that sentence
        (
            "We propose a tuning assistant. It saves time by reducing user involvement.",
            "How much time does the tuning assistant save?",
            "It saves time",
        ),
        # ... nor when the question asks "how many times faster than X": the times are the answer's form
        (
            "We propose a tuning assistant. It is significantly faster than grid search.",
            "How many times faster than grid search is the tuning assistant?",
            "significantly faster than grid search",
        ),
        # a quantity in digits or words, in that sentence or the next, answers
        (
            "We propose a tuning assistant. It saves time: 40% less.",
            "How much time does the assistant save?",
            "",
        ),
        ("We propose a tuning assistant. It saves time twofold.", "How much time does it save?", ""),
        (
            "We propose a tuning assistant. It saves time. In particular, setup takes two hours less.",
            "How much time does it save?",
            "",
        ),
        # ... but a next sentence that goes on about something else states no quantity of it
        (
            "We propose a tuning assistant. It groups runs into clusters. Experiments show a 7% gain.",
            "What number of clusters does the tuning assistant use?",
            "It groups runs into clusters",
        ),
        # a number glued to what it measures
        (
            "We propose a tuning assistant. It runs on a looped, 13-layer transformer.",
            "How many layers does the tuning assistant's transformer have?",
            "",
        ),
        (
            "We propose a tuning assistant. We study depth-2 networks with it.",
            "What depth of network does the tuning assistant study?",
            "",
        ),
        # a time scale in words answers how long ("from minutes to milliseconds")
        (
            "We propose a tuning assistant. It cuts computation time from minutes to milliseconds.",
            "What computation time does the tuning assistant reach?",
            "",
        ),
        # a quantity asked by its noun ("What rank ...") is a number asked
        (
            "We propose a tuning assistant. It uses low-rank updates of the model.",
            "What rank do the tuning assistant's updates have?",
            "It uses low-rank updates",
        ),
        (
            "We propose a tuning assistant. It converges exponentially faster than grid search.",
            "How much faster than grid search is it?",
            "",
        ),
        # a bound is a theory paper's quantity
        (
            "We propose a tuning assistant. It needs O(log n) samples to reach its error.",
            "How many samples does it need?",
            "",
        ),
        # "the number of ..." only mentioned is not asked
        (
            "We propose a tuning assistant. Its cost is independent of the output classes.",
            "Which loss makes the cost independent of the number of output classes?",
            "",
        ),
        # no sentence speaks of it: not this rule's to say (the fitted gate weighs it) ...
        (
            "We propose a tuning assistant for microscopy. It has two stages.",
            "How much memory does it need?",
            "",
        ),
        # ... unless the abstract states no quantity at all
        (
            "We propose a tuning assistant for microscopy. It runs unattended.",
            "How much memory does it need?",
            "It runs unattended",
        ),
        # a speed-up is spoken of in any word for speed ("accelerates")
        (
            "We propose a tuning assistant. It accelerates the search. It runs unattended.",
            "What speed-up factor does the tuning assistant give?",
            "It accelerates the search",
        ),
        (
            "We propose a tuning assistant. It accelerates the search by 3x.",
            "What speed-up does the tuning assistant give?",
            "",
        ),
        # a value asked is written in digits beside what it is the value of ("two properties" is no temperature)
        (
            "We propose a tuning assistant. The temperature controls the penalty. A good choice of temperature "
            "balances these two properties.",
            "What temperature value does the tuning assistant recommend?",
            "temperature",
        ),
        (
            "We propose a tuning assistant. A temperature of 0.07 balances these two properties.",
            "What temperature value does the tuning assistant recommend?",
            "",
        ),
        # a count asked of what the abstract counts only vaguely ("a fixed number of sensors"), though the sentence
        # states a count of something else ("two sub-networks")
        (
            "We propose a tuning assistant. It has two sub-networks, one reading the input at a fixed number of "
            "sensors. We bound the error in terms of the number of sensors.",
            "How many sensors does the tuning assistant use?",
            "number of sensors",
        ),
        (
            "We propose a tuning assistant. It reads the input at a fixed number of sensors, 100 sensors in our "
            "experiments.",
            "How many sensors does the tuning assistant use?",
            "",
        ),
        (
            "We propose a tuning assistant. It cuts the number of sensors needed from 21 to 16.",
            "How many sensors does the tuning assistant need?",
            "",
        ),
        (
            "We propose a tuning assistant. It reads the input at several sensors. It is 12% faster.",
            "How much faster is the tuning assistant?",
            "",
        ),
    ],
)
def test_a_number_asked_of_something_the_abstract_states_no_quantity_for(
    abstract: str, question: str, refused: str
) -> None:
    paper = src(1, "A Parameter Space Analysis Assistant", abstract)
    found = Evidence(question, [paper], BagOfWords(), EvidenceSettings()).unquantified(paper)
    if not refused:
        assert found is None
    else:
        assert found is not None and refused in found[1].text


@pytest.mark.parametrize(
    ("abstract", "question", "refused"),
    [
        # a count asked is answered by a quantity of what it counts, however generic the counted word
        (
            "We propose a tuning benchmark. A study across 30 popular LLMs finds gaps. Using two subsets of our "
            "problem set, we find why.",
            "How many problems does the tuning benchmark contain?",
            "Using two subsets of our problem set",
        ),
        (
            "We propose a tuning benchmark. It holds 116 Python code completion problems.",
            "How many problems does the tuning benchmark contain?",
            "",
        ),
        (
            "We propose a tuning benchmark. We start from a minimal set of atomic problems (<100).",
            "Roughly how many atomic problems were written?",
            "",
        ),
    ],
)
def test_a_count_is_answered_by_a_quantity_of_what_it_counts_when_that_rule_is_on(
    abstract: str, question: str, refused: str
) -> None:
    """``count_of_what_is_asked``, off by default (measured, not kept: evals/README.md). Off, the generic
    "problems" is no focus and "30" or "two" answer."""
    paper = src(1, "A Parameter Space Analysis Assistant", abstract)
    on = EvidenceSettings(count_of_what_is_asked=True)
    found = Evidence(question, [paper], BagOfWords(), on).unquantified(paper)
    if not refused:
        assert found is None
    else:
        assert found is not None and refused in found[1].text
    assert Evidence(question, [paper], BagOfWords(), EvidenceSettings()).unquantified(paper) is None


@pytest.mark.parametrize(
    ("abstract", "question", "refused"),
    [
        # the measure asked ("energy consumption") is in no form in the abstract: its number is of something else
        (
            "We propose a pruning scheduler. On the standard suite, it cuts memory traffic by 31% on average.",
            "By how much does the pruning scheduler reduce energy consumption on the standard suite?",
            "energy consumption",
        ),
        (
            "We propose a pruning scheduler. It reaches an F1 of 0.82 on the fraud suite.",
            "what accuracy does the pruning scheduler reach on the fraud suite?",
            "accuracy",
        ),
        # said in another form of the word ("accurate" for "accuracy"), or the measure has a number: answered
        (
            "We propose a pruning scheduler. It is 4% more accurate than magnitude pruning.",
            "what accuracy gain does the pruning scheduler bring?",
            "",
        ),
        (
            "We propose a pruning scheduler. It cuts energy consumption by 31% on the standard suite.",
            "By how much does the pruning scheduler reduce energy consumption on the standard suite?",
            "",
        ),
        # a measure so general an abstract says it otherwise ("cost" as "complexity") is not read so
        (
            "We propose a pruning scheduler. It lowers the complexity of a pass from O(n^2) to O(n log n).",
            "By how much does the pruning scheduler cut the asymptotic cost?",
            "",
        ),
        (
            "We propose a pruning scheduler. Typical runs of it use hundreds of CPUs.",
            "How much compute do typical runs of the pruning scheduler use?",
            "",
        ),
        # a speed asked is said by any speed word; a count is read by the count rules
        (
            "We propose a pruning scheduler. It runs 3x faster than magnitude pruning.",
            "what speedup does the pruning scheduler give?",
            "",
        ),
    ],
)
def test_a_measure_the_abstract_never_says_has_no_number_when_that_rule_is_on(
    abstract: str, question: str, refused: str
) -> None:
    """``unsaid_measure_refusal``: the head word of the measure asked is nowhere in the title or abstract."""
    paper = src(1, "A Pruning Scheduler for Sparse Networks", abstract)
    found = Evidence(
        question, [paper], BagOfWords(), EvidenceSettings(unsaid_measure_refusal=True)
    ).unquantified(paper)
    if not refused:
        assert found is None
    else:
        assert found is not None and found[0].endswith(refused)


def test_data_named_in_an_experiments_sentence_answers_which_datasets() -> None:
    """ "On which datasets ...?" is answered by an abstract that speaks of "a benchmark dataset" in one sentence and
    names its data in another without a data word ("Through experiments on CIFAR-100 and ImageNet-100"); an
    abstract that names none is refused (``unnamed``)."""
    q = "On which datasets was the continual learning protocol evaluated?"
    head = "Various continual learning protocols tune on a benchmark dataset. Those phases use different datasets."
    named = src(
        1, "A Reality Check for Continual Learning", f"{head} Through experiments on CIFAR-100, we find gaps."
    )
    assert Evidence(q, [named], BagOfWords(), EvidenceSettings()).unnamed(named) is None
    bare = src(1, "A Reality Check for Continual Learning", f"{head} Through experiments, we find gaps.")
    found = Evidence(q, [bare], BagOfWords(), EvidenceSettings()).unnamed(bare)
    assert found is not None and found[0] == "the datasets"


@pytest.mark.parametrize(
    ("abstract", "question", "refused"),
    [
        # the rivals are called by a kind only: refused, quoting the sentence that compares
        (
            "We propose GroupSort, a ranking loss. Experiments show GroupSort outperforms state-of-the-art methods.",
            "Which baselines does GroupSort outperform?",
            "outperforms state-of-the-art methods",
        ),
        (
            "We propose GroupSort, a ranking loss. It achieves significant improvements over strong baselines.",
            "Which specific methods was GroupSort compared against?",
            "over strong baselines",
        ),
        # a rival named after the comparing word answers, in capitals or not
        (
            "We propose GroupSort, a ranking loss. It outperforms K-means, SDP and other clustering methods.",
            "Which clustering methods does GroupSort beat?",
            "",
        ),
        (
            "We propose GroupSort. Linear decay matches or beats cosine annealing.",
            "Which schedule does it beat?",
            "",
        ),
        # a rival the question already names is no answer; nor is a name before the comparing word
        (
            "We propose GroupSort. On ImageNet, GroupSort outperforms existing approaches.",
            "Which existing approaches does GroupSort outperform?",
            "outperforms existing approaches",
        ),
        # rivals called by a class in the plural are no names either
        (
            "We propose GroupSort. Compared to methods based on stacked CNN, it offers better quality.",
            "Which iterative algorithm was GroupSort compared against?",
            "Compared to methods based on stacked CNN",
        ),
        # ... but a class with its members named is answered ("second-order methods (K-FAC and L-BFGS)")
        (
            "We propose GroupSort. It outperforms second-order methods (K-FAC and L-BFGS).",
            "Which quasi-Newton method does GroupSort beat?",
            "",
        ),
        # a single rival spoken of in lower case may be its name: not refused
        ("We propose GroupSort. It outperforms a 33B model.", "Which model does GroupSort outperform?", ""),
        # no sentence compares: not this rule's to say
        ("We propose GroupSort, a ranking loss.", "Which baselines does GroupSort outperform?", ""),
        # "exceeds" compares too, and names what it is compared with
        (
            "We propose GroupSort. GroupSort consistently exceeds well-tuned SGD and Adam optimizers.",
            "GroupSort is compared against which optimizers?",
            "",
        ),
    ],
)
def test_which_methods_a_paper_is_compared_with(abstract: str, question: str, refused: str) -> None:
    paper = src(1, "Learning by Sorting", abstract)
    found = Evidence(question, [paper], BagOfWords(), EvidenceSettings()).unnamed(paper)
    if not refused:
        assert found is None
    else:
        assert (
            found is not None and found[0] == "the methods it is compared with" and refused in found[1].text
        )


def test_which_kind_is_asked_about_not_the_words_before_it() -> None:
    """ "Which base LLM ...?" asks about an LLM (a generic word, still the kind asked); "which domain generalization
    datasets" about datasets, spoken of by any data word ("benchmarks"); an acronym of the question's words ("DG") or
    the words of an acronym the question gives ("Sharpness-Aware Minimization (SAM)") name nothing new; nor does the
    start of a name the question gives ("VIF-RAG" of "VIF-RAG-QA")."""
    title = "Unknown Domain Inconsistency Minimization for Domain Generalization"
    text = (
        "Sharpness-Aware Minimization (SAM) reduces the sharpness of the source domain. "
        "UDIM consistently outperforms SAM variants across multiple DG benchmark datasets."
    )
    paper = src(1, title, text)
    q = "On which domain generalization datasets does UDIM beat the SAM variants?"
    found = Evidence(q, [paper], BagOfWords(), EvidenceSettings()).unnamed(paper)
    assert found is not None and "DG benchmark datasets" in found[1].text
    named = src(1, title, f"{text} We evaluate it on PACS and OfficeHome.")
    assert Evidence(q, [named], BagOfWords(), EvidenceSettings()).unnamed(named) is None

    rag = src(
        2, "Instruction Following for RAG", "We show that VIF-RAG enhances LLM performance on IF tasks."
    )
    q = "Which base LLM was fine-tuned on the VIF-RAG-QA data?"
    found = Evidence(q, [rag], BagOfWords(), EvidenceSettings()).unnamed(rag)
    assert found is not None and found[0] == "the base LLM"
    llama = src(
        2, "Instruction Following for RAG", "We fine-tune Llama-3 so that VIF-RAG enhances LLM performance."
    )
    assert Evidence(q, [llama], BagOfWords(), EvidenceSettings()).unnamed(llama) is None

    # the kind is the phrase's head: a model merging technique is a technique, which may be named in lower case
    merging = src(
        2, "Merging Models", "Each agent periodically merges its model with its neighbours' models."
    )
    q = "Which model merging technique is used between neighbouring agents?"
    assert Evidence(q, [merging], BagOfWords(), EvidenceSettings()).unnamed(merging) is None

    ones = src(
        3, "ConR", "ConR boosts all methods on four large-scale deep imbalanced regression benchmarks."
    )
    q = "ConR was tested on four large-scale benchmarks. Which ones?"
    found = Evidence(q, [ones], BagOfWords(), EvidenceSettings()).unnamed(ones)
    assert found is not None and found[0] == "the benchmarks"


def test_refusal_calls_a_described_paper_the_one_that_lacks_the_detail() -> None:
    """A refused question that describes a paper without naming it (close to its abstract as a whole) is told the
    paper is there and its abstract lacks the detail, not that the closest papers are "about other topics"."""
    q = "On which GPU is each token routed to two of eight experts?"
    # no close sentence counts (confident_sim 1.0): only the paper's closeness as a whole can say it is there
    apart = PLAIN_GATE.model_copy(update={"confident_sim": 1.0})
    verdict = Evidence(q, [ROUTING, FORESTS], BagOfWords(), apart).gate()
    assert not verdict.ok and verdict.features["named"] < apart.names_paper
    assert verdict.reason == "topic" and "other topics" in verdict.message
    close = apart.model_copy(update={"whole_paper_sim": 0.45})  # the question's cosine to ROUTING is 0.49
    described = Evidence(q, [ROUTING, FORESTS], BagOfWords(), close).gate()
    assert not described.ok, "hardware is asked and ROUTING states none: still refused"
    assert described.reason == "detail" and described.features["paper_sim"] >= 0.45
    assert f'has "{ROUTING.title}", but its abstract does not state this' in described.message
    assert "other topics" not in described.message


@pytest.mark.parametrize(
    ("abstract", "question", "refused"),
    [
        # the condition named, no number beside it: refused, quoting the sentence that names it
        (
            "We evaluate CS on HumanEval and MBPP. CS reaches 75.3% pass@1 on HumanEval.",
            "on MBPP",
            'for "MBPP"',
        ),
        # a number beside it, or in the next sentence that names nothing else
        ("We evaluate CS on HumanEval and MBPP. CS reaches 75.3% pass@1 on MBPP.", "on MBPP", ""),
        ("We evaluate CS on MBPP. There, CS reaches 75.3% pass@1.", "on MBPP", ""),
        # a year is no number; a name with a size holds where its head does; a short name is a word, not a substring
        ("We evaluate CS on MBPP (2021). CS reaches 75.3% pass@1 on HumanEval.", "on MBPP", 'for "MBPP"'),
        ("CS reaches 75.3% pass@1 on ImageNet.", "on ImageNet-1K", ""),
        (
            "CS reaches 75.3% pass@1 with GPT-3.5.",
            "with GPT-4",
            'not mention "GPT-4"',
        ),  # a version is no size
        ("This research reaches 75.3% pass@1 with CS.", "on ARC", 'not mention "ARC"'),
        # a generic acronym is no condition
        ("CS reaches 75.3% pass@1 with code models.", "with LLMs", ""),
        # spelled out in lower case (a prefix counted apart) it is mentioned: no number for it, not "not mentioned"
        (
            "We train multilayer perceptrons with CS. CS reaches 75.3% pass@1 on HumanEval.",
            "with MLPs",
            "",
        ),
    ],
)
def test_a_number_asked_under_a_named_condition_needs_a_number_beside_it(
    abstract: str, question: str, refused: str
) -> None:
    cs = src(1, "CS: Code Search with Scattered Trees", abstract)
    evidence = Evidence(f"What pass@1 does CS reach {question}?", [cs], BagOfWords(), EvidenceSettings())
    found = evidence.unreported(cs)
    if not refused:
        assert found is None
    else:
        assert found is not None
        names, sentence = found
        message = f'for "{names[0]}"' if sentence is not None else f'not mention "{names[0]}"'
        assert message == refused


def _unnamed(question: str, paper: Source) -> tuple[str, Sentence] | None:
    """What ``paper``'s abstract speaks of without naming, for ``question`` (:meth:`Evidence.unnamed`)."""
    return Evidence(question, [paper], BagOfWords(), EvidenceSettings(), names_data=names_data).unnamed(paper)


def test_a_comparison_names_its_rivals_only_up_to_where_it_is_made() -> None:
    """ "against baseline algorithms on data derived from the American Community Survey" names data, not a rival:
    every comparison calls its rivals by a kind, so "Which baselines ...?" is refused."""
    paper = src(
        1,
        "Generating Private Synthetic Data with Genetic Algorithms",
        "We propose Private-GSD. We evaluate Private-GSD against baseline algorithms on data derived from the "
        "American Community Survey. Private-GSD outperforms the state-of-the-art methods on non-differential "
        "queries.",
    )
    q = "Which baseline algorithms does Private-GSD outperform?"
    found = _unnamed(q, paper)
    assert found is not None and found[0] == "the methods it is compared with"
    # an elision and a plural possessive are no quotes: "'90s-era ... authors'" keeps the kind asked
    plain = src(2, "Training Readers", "We train the authors' models on a large corpus of text.")
    found = _unnamed("Which '90s-era dataset do the authors' models train on?", plain)
    assert found is not None and "dataset" in found[0]
    named = src(1, paper.title, f"{paper.text} It also beats PrivBayes on census data.")
    assert _unnamed(q, named) is None


def test_a_rivals_versions_and_a_benchmarks_own_name_are_named() -> None:
    """ "compared to algorithms in different releases of LAPACK" names its rival (a comparison ends where it is made,
    not at a rival's versions); "on Rewardbench" names a benchmark, though no sentence that names it says
    "benchmark"."""
    givens = src(
        1,
        "Numerical analysis of Givens rotation",
        "We present a new algorithm for Givens rotations. Overall, the new algorithm has more operations in total "
        "when compared to algorithms in different releases of LAPACK, but less operations per entry.",
    )
    assert _unnamed("Which library's algorithms do they compare their operation counts with?", givens) is None
    plain = src(
        1, givens.title, givens.text.replace(" in different releases of LAPACK", " in the literature")
    )
    found = _unnamed("Which library's algorithms do they compare their operation counts with?", plain)
    assert found is not None and found[0] == "the methods it is compared with"
    sso = src(
        2,
        "Aligning Large Language Models via Self-Steering Optimization",
        "We introduce Self-Steering Optimization (SSO). SSO leads to significant performance improvements across "
        "six subjective or objective benchmarks. Besides, the preference data generated by SSO significantly "
        "enhanced the performance of the reward model on Rewardbench.",
    )
    q = "On which benchmark did preference data generated by SSO improve the reward model?"
    assert _unnamed(q, sso) is None
    unnamed = src(2, sso.title, sso.text.replace(" on Rewardbench", ""))
    found = _unnamed(q, unnamed)
    assert found is not None and "benchmark" in found[0]


def test_a_name_answers_which_thing_when_it_stands_near_the_kind_asked() -> None:
    """A name near a word that only qualifies the kind ("an Assessment Misalignment problem" near "reasoning") does
    not answer "Which four reasoning benchmarks ...?"; a qualifier of two words is a kind of its own ("audio
    classification (e.g. DCASE) tasks" answers "Which audio classification benchmark ...?")."""
    paper = src(
        1,
        "Better Reasoners with Alignment",
        "Fine-tuned LLMs suffer from an Assessment Misalignment problem in reasoning. "
        "Extensive experiments on four reasoning benchmarks demonstrate the effectiveness of AFT.",
    )
    q = "Which four reasoning benchmarks was AFT evaluated on?"
    found = _unnamed(q, paper)
    assert found is not None and "four reasoning benchmarks" in found[1].text
    audio = src(
        2,
        "AdamP",
        "We have evaluated our methods against the baselines on 13 benchmarks. They range from vision tasks to "
        "language modelling (e.g. WikiText) and audio classification (e.g. DCASE) tasks.",
    )
    q = "Which audio classification benchmark were SGDP and AdamP evaluated on?"
    assert _unnamed(q, audio) is None


def test_a_kind_asked_is_spoken_of_in_a_hyphenated_word() -> None:
    """A hyphen's parts speak of the kind asked ("an LLM-based optimizer" of "Which LLM ...?"): an abstract that
    builds on an LLM it doesn't name doesn't say which; one that names it does."""
    built = src(
        2,
        "Trace",
        "We frame a setup, Trace. Using Trace, we develop an LLM-based optimizer called OptoPrime. It solves tasks "
        "from BigBench.",
    )
    found = _unnamed("Which LLM does OptoPrime use?", built)
    assert found is not None and found[0] == "the LLM" and "LLM-based" in found[1].text
    named = src(3, "Trace", f"{built.text} OptoPrime runs on the LLM GPT-4.")
    assert _unnamed("Which LLM does OptoPrime use?", named) is None


def test_a_lower_case_word_before_a_named_kind_says_which_one() -> None:
    """ "In the linear MDP model, ..." answers "Which MDP model does the algorithm assume?": the word before the kind
    the question names says which one; "an MDP model" doesn't."""
    paper = src(
        1,
        "Making RL with Preference-based Feedback Efficient via Randomization",
        "We consider RLHF with preferences over pairs of trajectories. In the linear MDP model, using "
        "randomization, we present an algorithm that is sample efficient.",
    )
    q = "Which MDP model does the sample-efficient algorithm assume?"
    assert _unnamed(q, paper) is None
    for vague_text in (
        "In an MDP model",
        "When the underlying MDP model is unknown",
        "In the true MDP model",
    ):
        vague = src(2, paper.title, paper.text.replace("In the linear MDP model", vague_text))
        found = _unnamed(q, vague)
        assert found is not None and found[0] == "the MDP model", vague_text
    # ... and so does an appositive in words the question doesn't say ("an MDP model, a low-rank factorization")
    apposed = src(
        3,
        paper.title,
        paper.text.replace("In the linear MDP model", "In an MDP model, a low-rank factorization"),
    )
    assert _unnamed(q, apposed) is None


def test_a_number_asked_of_a_clause_subject_is_read_from_the_whole_part() -> None:
    """ "By how much did the LSTM model trained with K-FAC lower transaction costs?": the words after "how much"
    are the clause's subject, not what is asked, so the sentence stating "a 78.3% reduction in transaction costs"
    answers, though the sentence on the LSTM states no number."""
    paper = src(
        1,
        "A New Way: Kronecker-Factored Approximate Curvature Deep Hedging",
        "The architecture couples LSTM networks with K-FAC second-order optimization. Empirical validation uses "
        "simulated paths. The methodology yields a 78.3% reduction in transaction costs compared to Adam.",
    )
    q = "Relative to Adam, by how much did the LSTM model trained with K-FAC lower transaction costs?"
    assert Evidence(q, [paper], BagOfWords(), EvidenceSettings()).unquantified(paper) is None


def test_a_number_stated_only_on_another_benchmark_is_not_reported_on_the_one_asked() -> None:
    """ "... improve perplexity on BERT-large?" of an abstract whose perplexity is "on GPT-2" and whose BERT-large
    sentence states a speed-up: the number asked is reported for another condition. Off, or with the perplexity
    stated on BERT-large, the question is answered."""
    paper = src(
        1,
        "FlashAttention: Fast and Memory-Efficient Exact Attention",
        "FlashAttention trains Transformers faster: 15% end-to-end wall-clock speedup on BERT-large. It enables "
        "longer context, yielding 0.7 better perplexity on GPT-2.",
    )
    q = "By how much did FlashAttention's longer context improve perplexity on BERT-large?"
    found = Evidence(q, [paper], BagOfWords(), EvidenceSettings()).unreported(paper)
    assert found is not None and found[0] == ["BERT-large"] and "BERT-large" in found[1].text
    off = EvidenceSettings(reported_elsewhere=False)
    assert Evidence(q, [paper], BagOfWords(), off).unreported(paper) is None
    stated = src(2, paper.title, f"{paper.text} On BERT-large, perplexity improves by 0.3.")
    assert Evidence(q, [stated], BagOfWords(), EvidenceSettings()).unreported(stated) is None
    # a number beside the name asked, of no other measure, may be the one asked written otherwise ("PPL")
    written = src(
        3,
        paper.title,
        "FlashAttention enables longer context. On BERT-large, PPL drops by 0.3 points. Longer context improves "
        "accuracy by 2% on GLUE.",
    )
    assert Evidence(q, [written], BagOfWords(), EvidenceSettings()).unreported(written) is None


@pytest.mark.parametrize(
    ("abstract", "refused"),
    [
        # a count of something else is no factor
        (
            "We propose Project and Forget. We solve three types of problems, out-performing the state of the art "
            "with respect to CPU times.",
            "three types of problems",
        ),
        ("We propose Project and Forget. It is 12 times faster in CPU time than the state of the art.", ""),
        ("We propose Project and Forget. It cuts CPU time by orders of magnitude.", ""),
    ],
)
def test_a_factor_asked_is_answered_by_a_factor(abstract: str, refused: str) -> None:
    paper = src(1, "Project and Forget", abstract)
    q = "How many times faster in CPU time than prior methods is Project and Forget?"
    found = Evidence(q, [paper], BagOfWords(), EvidenceSettings()).unquantified(paper)
    if not refused:
        assert found is None
    else:
        assert found is not None and refused in found[1].text


def test_a_well_known_thing_of_the_kind_asked_answers_without_the_kinds_word() -> None:
    """ "Which language does its interface use?" of "a Python interface": the abstract never says "language"."""
    paper = src(1, "Trace", "We propose Trace. Trace has a Python interface that mirrors PyTorch.")
    bare = src(1, "Trace", "We propose Trace. Trace has an interface that converts a workflow into a graph.")
    q = "Which language does the Trace interface use?"
    assert Evidence(q, [paper], BagOfWords(), EvidenceSettings()).answer_missing(paper) == 0.0
    assert Evidence(q, [bare], BagOfWords(), EvidenceSettings()).answer_missing(bare) == 1.0
    # a parameter count written as a model's size
    prover = src(2, "HunyuanProver", "We introduce HunyuanProver, a model finetuned from the Hunyuan 7B.")
    q = "What's the parameter count of the base model that HunyuanProver was fine-tuned from?"
    assert Evidence(q, [prover], BagOfWords(), EvidenceSettings()).answer_missing(prover) == 0.0


@pytest.mark.parametrize(
    ("question", "said", "unsaid"),
    [
        # two natural languages joined are a language pair
        (
            "Which language pairs were used for translation?",
            "We test translation on Chinese-English and English-German.",
            "We test translation on two news benchmarks.",
        ),
        (
            "On which cloud platform were the workers run?",
            "We train networks with 256 worker nodes on AWS Lambda.",
            "We train networks with 256 worker nodes.",
        ),
        (
            "What simulator are the control tasks in?",
            "Experiments on continuous control tasks in Brax show gains.",
            "Experiments on continuous control tasks show gains.",
        ),
        (
            "What base model is it finetuned from?",
            "We finetune Qwen2.5-7B with our data.",
            "We finetune a pretrained model with our data.",
        ),
        # a model the paper only compares with is no base model
        (
            "What base model is it finetuned from?",
            "We finetune Qwen2.5-7B with our data. It is competitive with GPT-4.",
            "We finetune a pretrained model with our data. It is competitive with GPT-4.",
        ),
    ],
)
def test_a_well_known_name_of_a_platform_simulator_base_model_or_language_pair_answers_without_the_kinds_word(
    question: str, said: str, unsaid: str
) -> None:
    """The abstract names a thing of the kind asked without the kind's word ("on AWS Lambda" for "which cloud
    platform"): the part is answered; an abstract naming none of that kind leaves it unanswered."""
    paper, bare = src(1, "Paper", said), src(1, "Paper", unsaid)
    assert Evidence(question, [paper], BagOfWords(), EvidenceSettings()).answer_missing(paper) == 0.0
    assert Evidence(question, [bare], BagOfWords(), EvidenceSettings()).answer_missing(bare) == 1.0


def test_a_well_known_thing_of_the_kind_asked_names_it_where_another_sentence_speaks_of_the_kind() -> None:
    """ "What simulator ...?" of an abstract that speaks of "physics simulators" in one sentence and runs its tasks
    "with Brax" in another: the simulator is named, the part is not refused as unnamed; the kind's own word ("on
    GPUs" of "which GPU ...?") names none."""
    q = "What simulator are the continuous control tasks in?"
    said = src(
        1,
        "Imitation via physics",
        "We use differentiable physics simulators for imitation. Experiments on continuous control tasks with Brax "
        "show gains.",
    )
    bare = src(
        1,
        "Imitation via physics",
        "We use differentiable physics simulators for imitation. Experiments on continuous control tasks show gains.",
    )
    assert Evidence(q, [said], BagOfWords(), EvidenceSettings()).unnamed(said) is None
    found = Evidence(q, [bare], BagOfWords(), EvidenceSettings()).unnamed(bare)
    assert found is not None and "simulator" in found[0]
    gpu = src(1, "Fast kernels", "We write fast kernels. Our kernels accelerate training on GPUs by 2x.")
    found = Evidence("Which GPU were the kernels run on?", [gpu], BagOfWords(), EvidenceSettings()).unnamed(
        gpu
    )
    assert found is not None


def test_a_bound_reports_how_fast_a_named_thing_is_computed() -> None:
    """ "How fast can SA be computed?" of "the matrix SA can be computed in time O(nd log n)": a complexity bound is
    the number asked, the part is reported; a sentence with no bound leaves it unreported."""
    q = "For sketched regression, how fast can SA be computed?"
    said = src(
        1,
        "Fast regression",
        "We study sketching. Moreover, the matrix SA can be computed in time O(nd log n).",
    )
    bare = src(1, "Fast regression", "We study sketching. Moreover, the matrix SA can be computed quickly.")
    assert Evidence(q, [said], BagOfWords(), EvidenceSettings()).unreported(said) is None
    found = Evidence(q, [bare], BagOfWords(), EvidenceSettings()).unreported(bare)
    assert found is not None and found[0] == ["SA"]


def test_a_generic_name_the_paper_does_not_say_is_no_missing_name() -> None:
    """ "Does SparseProp need a GPU?" of an abstract about "commodity CPUs": "GPU" is a kind of hardware, not a name
    the paper must hold (the hardware check reads the kind); a specific name it lacks still is."""
    paper = src(1, "SparseProp", "We provide a fast implementation of SparseProp on commodity CPUs.")
    other = src(2, "Other", "We evaluate on MBPP.")
    ev = Evidence("Does SparseProp need a GPU?", [paper, other], BagOfWords(), EvidenceSettings())
    assert ev.names_missing(paper) == 0.0
    ev = Evidence("What does SparseProp score on MBPP?", [paper, other], BagOfWords(), EvidenceSettings())
    assert ev.names_missing(paper) == 0.5  # of "SparseProp" and "MBPP", the paper holds one


def test_a_question_of_several_parts_refuses_the_unstated_one_and_answers_the_rest(tmp_path: Path) -> None:
    """ "What projections does it use, and how many times faster ...?" of an abstract that names the projections but
    gives no factor: refused for the question as asked, saying which part is unstated, then the other part answered
    from that paper's abstract, cited."""
    paper = src(
        1,
        "Project and Forget: Solving Metric Constrained Problems",
        "We propose Project and Forget, an active set algorithm that uses Bregman projections. "
        "We solve three types of metric constrained problems, out-performing the state of the art with respect "
        "to CPU times.",
    )
    engine = AnswerEngine(
        Settings(home=tmp_path, evidence=OPEN_GATE), retriever=_Retriever(BagOfWords(), _hits(paper))
    )  # type: ignore[arg-type]
    q = "Project and Forget: what kind of projections does it use, and how many times faster in CPU time is it?"
    items = list(engine.stream(AskRequest(q, backend="extractive")))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.refused
    head, _, rest = answer.answer.partition("What the abstract does state for the rest of the question:")
    assert head.startswith(REFUSAL) and '"faster"' in head
    assert "Bregman projections" in rest and "[1]" in rest and answer.citations[0].n == 1
    assert "".join(i for i in items[:-1] if isinstance(i, str)) == answer.answer  # streamed as shown
    # a question of one part is refused with nothing after
    one = engine.ask(
        AskRequest("How many times faster in CPU time is Project and Forget?", backend="extractive")
    )
    assert one.refused and "rest of the question" not in one.answer


def test_a_capitalised_first_word_names_nothing_and_a_long_kind_phrase_is_still_a_kind() -> None:
    """ "Real-world data ..." starts a sentence: "Real-world" is no dataset's name. "Which specific fine-grained image
    classification datasets ...?" asks for datasets five words on."""
    crowd = src(
        1,
        "CROWDLAB: consensus labels for data with multiple annotators",
        "Real-world data for classification is often labeled by multiple annotators. We introduce CROWDLAB. "
        "On real-world multi-annotator image data, our proposed method provides superior estimates for (1)-(3) "
        "than existing algorithms like Dawid-Skene/GLAD.",
    )
    q = "What real-world multi-annotator image dataset was CROWDLAB evaluated on?"
    found = _unnamed(q, crowd)
    assert found is not None and "multi-annotator image data" in found[1].text
    unem = src(
        2,
        "UNEM: unrolled EM for few-shot learning",
        "We introduce UNEM. Experiments cover a breadth of fine-grained image classification tasks.",
    )
    q = "Which specific fine-grained image classification datasets was UNEM evaluated on?"
    found = _unnamed(q, unem)
    assert found is not None and found[0] == "the image classification datasets"
    named = src(2, unem.title, f"{unem.text} We evaluate on CUB and Stanford Cars datasets.")
    assert _unnamed(q, named) is None


def test_a_name_beside_the_plural_of_the_acronym_asked_answers() -> None:
    """ "Which advanced LLM ...?" is answered by "advanced LLMs such as GPT-4": "LLMs" is the kind asked, though its
    stem is not "llm"."""
    paper = src(
        1,
        "Do LLM Agents Have Regret?",
        "We study LLM agents in games. Notably, we identify (simple) cases where advanced LLMs such as GPT-4 fail "
        "to be no-regret.",
    )
    q = "Which advanced LLM is shown to fail to be no-regret in simple cases?"
    assert _unnamed(q, paper) is None


def test_a_persons_name_made_a_methods_names_no_simulator_or_benchmark() -> None:
    """ "Bayesian Optimization" or "Thompson sampling" near the word asked names a method, not the simulator or
    benchmark a "which" question asks for; a model may still be named after a person ("a Gaussian mixture
    model")."""
    laser = src(
        1,
        "Tuning Pulse Compressors With Numerical Methods",
        "We study pulse compression. We compare random search, Bayesian Optimization and evolution strategies, "
        "using a simulation of the actual compressor.",
    )
    found = _unnamed("Which compressor simulator did the pulse compression study use?", laser)
    assert found is not None and found[0] == "the compressor simulator"
    named = src(1, laser.title, f"{laser.text} The simulation runs in PyPulse.")
    assert _unnamed("Which compressor simulator did the pulse compression study use?", named) is None
    bandit = src(
        2,
        "Query-Efficient Preference Learning",
        "We propose a preference learning algorithm. Like prior Thompson sampling methods applied to control "
        "benchmark problems, it needs a posterior oracle.",
    )
    assert _unnamed("Which control benchmark suite was the preference learning algorithm run on?", bandit)
    mixture = src(
        3,
        "A Light Transport Solver",
        "We propose a light transport solver. Our solver resembles the Gaussian mixture model used for density "
        "estimation.",
    )
    assert (
        _unnamed(
            "Which classical density estimation model does the light transport solver resemble?", mixture
        )
        is None
    )


def test_which_thing_is_refused_when_the_abstract_names_nothing_at_all() -> None:
    """No sentence speaks of the kind asked and the abstract names nothing new anywhere: "which dataset" can't be
    answered; one name anywhere leaves the decision to the fitted model."""
    paper = src(
        1,
        "Priors Improve Risk Estimates With Missing Labels",
        "We propose a Bayesian model of risk for unlabelled patients. We show theoretically and on synthetic data "
        "that priors improve inference. Our case study is in healthcare.",
    )
    q = "In the risk model for unlabelled patients, which dataset did the case study use?"
    found = _unnamed(q, paper)
    assert found is not None and found[0] == "the dataset"
    named = src(1, paper.title, f"{paper.text} It uses records from MIMIC-IV.")
    assert _unnamed(q, named) is None
    # a model may be the paper's own, described rather than named: no refusal for naming nothing
    own = src(
        2,
        "FLOCK: A dynamic Markov Field for adaptive outlier scoring",
        "We derive a dynamic Markov field that updates the outlier scores of points while iterating. We use the "
        "scores for a new stopping criterion.",
    )
    assert _unnamed("What model does FLOCK use to update the outlier scores?", own) is None


def test_the_papers_own_name_answers_no_which_question_of_what_it_uses() -> None:
    """The name a paper gives its own method ("we introduce DeltaDock") is no answer to which thing of a kind it
    uses ("which pretrained protein language model ...?"); it still answers what the paper proposes, and its own
    benchmark may be the data it is evaluated on."""
    paper = src(
        1,
        "Multi-scale Iterative Refinement towards Robust and Versatile Molecular Docking",
        "Molecular docking predicts the binding conformations of small molecules to protein targets. In this "
        "study, we introduce DeltaDock, a robust and versatile framework designed for efficient molecular docking. "
        "In the initial stage, we develop a ligand-dependent binding site prediction model founded on large "
        "protein models and graph neural networks. DeltaDock demonstrates superior performance in both blind "
        "docking and site-specific docking settings.",
    )
    q = (
        "In the two-stage molecular docking framework that handles both blind and site-specific docking, which "
        "pretrained protein language model underlies its binding site predictor?"
    )
    found = _unnamed(q, paper)
    assert found is not None and found[0] == "the protein language model"
    named = src(1, paper.title, f"{paper.text} The predictor builds on ESM-2 embeddings.")
    assert _unnamed(q, named) is None
    assert _unnamed("Which docking framework do they propose?", paper) is None
    bench = src(
        2,
        "Measuring Code Efficiency",
        "We develop ENAMEL, a benchmark for the efficiency of generated code. We evaluate 30 LLMs on ENAMEL.",
    )
    assert _unnamed("Which benchmark were the 30 LLMs evaluated on?", bench) is None


def test_a_sentence_glued_to_the_one_before_starts_with_no_name() -> None:
    """ "... of the model.Extensive experiments on several deblurring datasets ..." (no space after the period):
    "Extensive" opens a sentence and names no dataset."""
    paper = src(
        1,
        "Deblurring With Learned Priors",
        "We propose learned priors for deblurring. These designs improve the model.Extensive experiments on several "
        "deblurring datasets show gains.",
    )
    found = _unnamed("Which deblurring datasets was the learned-prior deblurring model tested on?", paper)
    assert found is not None and found[0] == "the deblurring datasets"


def test_a_suite_is_a_kind_with_proper_names() -> None:
    """ "Which RL benchmark suite ...?" asks a suite (a kind with proper names), not a benchmark that qualifies
    another noun."""
    from rag.question import asks_name, asks_proper_name

    q = "Which RL benchmark suite was used for the query-efficient preference learning algorithm?"
    assert asks_proper_name(q) and asks_name(q)
    q = "What pretrained diffusion / controllable-generation backbone does it fine-tune?"
    assert asks_name(q)  # every question asking a proper name asks a name


def test_which_lower_case_kind_is_refused_when_every_mention_leaves_it_unspecified() -> None:
    """ "Which <kind> ...?" of a kind often named in lower case (solver, optimizer, architecture, metric ...): refused
    when the abstract speaks of the kind only with a determiner and words the question already says or that only
    describe; answered (left to the fitted model) when a mention specifies it, names it after it, or when the
    question asks what the paper proposes."""
    paper = src(
        1,
        "FLARE: retrieval with fixed sketches",
        "We introduce FLARE, which reduces multi-vector search to single-vector search. This enables the use of "
        "off-the-shelf nearest-neighbour solvers for retrieval.",
    )
    q = "Which off-the-shelf nearest-neighbour solver does FLARE use for retrieval?"
    found = _unnamed(q, paper)
    assert found is not None and found[0] == "the off-the-shelf nearest-neighbour solver"
    assert "off-the-shelf nearest-neighbour solvers" in found[1].text
    # specified in lower case: "a graph-based proximity solver" says which
    specified = src(
        1, paper.title, paper.text.replace("off-the-shelf nearest-neighbour", "graph-based proximity")
    )
    assert _unnamed(q, specified) is None
    # named after its word
    listed = src(1, paper.title, f"{paper.text[:-1]}, such as HNSW.")
    assert _unnamed(q, listed) is None
    # what the paper proposes is its own, described or named
    assert _unnamed("Which nearest-neighbour solver does FLARE propose?", paper) is None
    # a kind the abstract never mentions is left to the fitted model
    assert _unnamed("Which loss does FLARE train with?", paper) is None
    # a metric asked of an abstract that measures nothing by name or number is refused; a metric's word answers
    vague = src(1, paper.title, f"{paper.text} It reaches state-of-the-art performance.")
    found = _unnamed("Which evaluation metric is FLARE's performance measured in?", vague)
    assert found is not None and found[0] == "the evaluation metric"
    measured = src(1, paper.title, f"{paper.text} It reaches state-of-the-art recall.")
    assert _unnamed("Which evaluation metric is FLARE's performance measured in?", measured) is None
    # an appositive in words the question doesn't say names it ("a solvable model, a diagonal linear network")
    apposed = src(
        1,
        paper.title,
        paper.text.replace(
            "off-the-shelf nearest-neighbour solvers",
            "an off-the-shelf nearest-neighbour solver, a graph-based proximity search,",
        ),
    )
    assert _unnamed(q, apposed) is None
    vaguely = src(1, paper.title, apposed.text.replace("a graph-based proximity search", "a simple one"))
    assert _unnamed(q, vaguely) is not None
    # a count says how many, not which; a capitalised word the question says is no name to answer with
    counted = src(
        1, paper.title, f"{paper.text} Our Sketch initialisation helps six nearest-neighbour solvers."
    )
    q6 = "The Sketch initialisation helps some solvers: which nearest-neighbour solvers are those?"
    found = _unnamed(q6, counted)
    assert found is not None and "six nearest-neighbour solvers" in found[1].text
    # a LaTeX macro left in the abstract names nothing ("we define the \\mainAlgorithm algorithm")
    macro = src(
        1, paper.title, "We define the \\mainAlgorithm algorithm, the first provably optimal algorithm."
    )
    found = _unnamed("What is the name of the algorithm FLARE defines?", macro)
    assert found is not None and found[0] == "the algorithm"
    # the paper's own name spelled out is no answer ("FLARE (FLAt Retrieval Algorithm)": an algorithm, its own)
    spelled = src(1, paper.title, paper.text.replace("FLARE,", "FLARE (FLAt Retrieval Algorithm),", 1))
    found = _unnamed(q, spelled)
    assert found is not None and "off-the-shelf nearest-neighbour solvers" in found[1].text


def test_a_lower_case_kind_is_answered_by_the_titles_word_or_by_a_name_where_the_question_points() -> None:
    """A word of the title specifies the kind when the question doesn't say it ("the celebrated perceptron
    algorithm"); and the answer may not use the kind's word at all: a sentence with a new name that says what else
    the question does ("This framework includes multi-turn DPO ...") answers "which algorithms does the framework
    include?"."""
    perceptron = src(
        1,
        "From Logistic Regression to the Perceptron Algorithm",
        "We study gradient descent with large steps. Logistic regression then reduces to a batch version of the "
        "celebrated perceptron algorithm.",
    )
    assert (
        _unnamed("With huge step sizes, logistic regression reduces to which classic algorithm?", perceptron)
        is None
    )
    framework = src(
        2,
        "Math Agents With Multi-Turn Preference Learning",
        "Existing preference learning algorithms are designed for single-turn chat. This framework includes "
        "multi-turn DPO and multi-turn KTO as specific implementations.",
    )
    q = "Which two concrete algorithms does the multi-turn framework include?"
    assert _unnamed(q, framework) is None
    unnamed = src(
        2, framework.title, "Existing preference learning algorithms are designed for single-turn chat."
    )
    assert _unnamed("Which preference learning algorithms target single-turn chat?", unnamed) is not None


def test_a_lower_case_kind_in_the_plural_or_by_the_questions_words_leaves_it_unspecified() -> None:
    """A broader word in the plural is a class ("decentralized training algorithms" says no optimizer), unless a name
    or a list stands by it; a kind the abstract never calls by its word is spoken of by the question's words for it
    ("trained with reinforcement learning (RL)" of "which RL algorithm"); the name of what the paper proposes is
    asked only when the question asks its name, and a name the abstract gives its method answers it; a concept the
    abstract abbreviates ("out-of-distribution (OOD)") or a name in the background before the method names
    nothing; an evaluative adjective ("an efficient stochastic algorithm") specifies nothing."""
    merging = src(
        1,
        "MERGE: Merging Models Across Agents",
        "Recent decentralized training algorithms reach strong accuracy. We propose MERGE, in which every agent "
        "trains on local data and is merged with its neighbours.",
    )
    q = "Which first-order optimizer do the agents use for local training in MERGE?"
    found = _unnamed(q, merging)
    assert found is not None and found[0] == "the first-order optimizer"
    named = src(1, merging.title, merging.text.replace("algorithms", "algorithms such as Adam and SGD"))
    assert _unnamed(q, named) is None
    acquisition = src(
        2,
        "Learning Acquisition Functions End to End",
        "We propose a framework that learns acquisition functions. We train it with reinforcement learning (RL), "
        "since labels are scarce.",
    )
    found = _unnamed("Which RL algorithm trains the acquisition-function learner?", acquisition)
    assert found is not None and "reinforcement learning (RL)" in found[1].text
    with_ppo = src(2, acquisition.title, acquisition.text.replace("(RL)", "(RL) with PPO"))
    assert _unnamed("Which RL algorithm trains the acquisition-function learner?", with_ppo) is None
    metric = src(
        3,
        "Debiasing Classifiers Without Labels",
        "Existing debiasing methods for vision-language tasks like VQA use heuristics to represent biases. We "
        "propose a way to learn confounder representations, which improves out-of-distribution (OOD) accuracy. "
        "We also introduce a novel metric for the sufficiency of spurious features.",
    )
    q = "In the debiasing work that learns confounder representations, what is the name of the new metric?"
    found = _unnamed(q, metric)
    assert found is not None and "a novel metric" in found[1].text
    algorithm = src(
        4,
        "Contrastive Learning With Individual Temperatures",
        "We propose a robust contrastive loss. Then, we propose an efficient stochastic algorithm for optimizing it.",
    )
    q = "What is the name of the stochastic algorithm it proposes for optimizing the robust contrastive loss?"
    assert _unnamed(q, algorithm) is not None
    assert _unnamed("Which stochastic algorithm does it propose for the loss?", algorithm) is None
    own = src(4, algorithm.title, algorithm.text.replace("an efficient", "iSogCLR, an efficient"))
    assert _unnamed(q, own) is None


def test_a_lower_case_kind_said_of_a_subject_is_named_by_it() -> None:
    """ "Which metric ...?" of "the validation loss (or perplexity ...) is often used as the evaluation metric": the
    subject names the kind, so it is not refused; the paper's own ("Our method is a fast algorithm ...") names
    nothing."""
    metric = src(
        1,
        "Same Loss, Better Downstream",
        "The validation loss (or perplexity in language modeling) is often used as the evaluation metric when "
        "developing language models. We show that models with the same loss can differ downstream.",
    )
    assert (
        _unnamed("Which metric is commonly used to evaluate pre-training, according to the paper?", metric)
        is None
    )
    own = src(
        2,
        "Fast Sparse Recovery",
        "We study sparse recovery. Our method is a fast algorithm with linear time for the problem.",
    )
    assert _unnamed("Which classical algorithm does the sparse recovery paper build on?", own) is not None


def test_an_answer_to_which_lower_case_kind_is_the_sentence_that_says_which() -> None:
    """The sentence that answers "Which existing training method ...?" specifies the kind by a word before it ("the
    flooding method") or a name by it; a sentence that only says what something is ("Gradient regularization
    (GR) is a method ...") or calls the kind generically does not."""
    q = "Which existing training method performs gradient regularization implicitly?"
    paper = src(1, "Understanding Gradient Regularization", "GR is cheap.")
    evidence = Evidence(q, [paper], BagOfWords(), EvidenceSettings())
    assert evidence.specifies("We reveal that the flooding method performs GR implicitly.", q, set())
    assert evidence.specifies("It recovers methods such as SAM.", q, set())
    # (a concept the abstract abbreviates is a known name: Evidence.known_names)
    assert not evidence.specifies(
        "Gradient regularization (GR) is a method that penalizes the norm.", q, {"gr"}
    )
    assert not evidence.specifies("Our method is simple.", q, set())
    assert not evidence.specifies("We evaluate on CIFAR-10.", "What regularizer is used?", set())


@pytest.mark.parametrize(
    ("question", "abstract", "refused"),
    [
        # a percentage asked, a factor's form: a count of benchmarks is none
        (
            "By what percentage does ConR reduce error?",
            "We propose ConR. ConR significantly boosts the performance of all the state-of-the-art methods on "
            "four large-scale deep imbalanced regression benchmarks.",
            True,
        ),
        (
            "By what percentage does ConR reduce error?",
            "We propose ConR. ConR reduces the error by 12\\%.",
            False,
        ),
        (
            "Up to how many percentage points in F1 did SemRe-Rank improve?",
            "We propose SemRe-Rank. It improves F1 by up to 28 percentage points over the base methods.",
            False,
        ),
        # "What's the ..." asks as "what" does
        (
            "What's the speed-up factor of SJD?",
            "We propose SJD. SJD accelerates the inference of auto-regressive text-to-image generation while "
            "requiring hundreds of steps.",
            True,
        ),
        ("What's the speed-up factor of SJD?", "We propose SJD. SJD accelerates inference by 2x.", False),
        (
            "I remember a loss trained much faster than log-softmax. What was the speed-up?",
            "We propose the Z-loss. With it we train 40 times faster than with the log-softmax.",
            False,
        ),
        # "only one" is a count
        (
            "How many expert demonstrations does ILD need?",
            "We propose ILD. ILD outperforms state-of-the-art methods on control tasks, requiring only one expert "
            "demonstration.",
            False,
        ),
        (
            "How many expert demonstrations does ILD need?",
            "We propose ILD. ILD learns from expert demonstrations, and fails in only one of the tested domains.",
            True,
        ),
        (
            "By what percentage does ConR reduce error?",
            "We propose ConR. ConR reduces the error by twelve percent.",
            False,
        ),
        (
            "By what percentage does ConR reduce error?",
            "We propose ConR. ConR reduces the error by 12 per cent.",
            False,
        ),
    ],
)
def test_a_quantity_is_answered_in_the_form_asked(question: str, abstract: str, refused: bool) -> None:
    paper = src(1, "The paper", abstract)
    found = Evidence(question, [paper], BagOfWords(), EvidenceSettings()).unquantified(paper)
    assert (found is not None) == refused, found


def test_which_datasets_of_an_abstract_that_names_no_data_is_unnamed() -> None:
    """A name elsewhere in the abstract ("MDP", a concept) is no dataset; a name evaluated on is."""
    paper = src(
        1,
        "Multi-Turn Code Generation Through Single-Step Rewards",
        "We propose muCode, which solves multi-turn code generation using single-step rewards. Code generation is "
        "a one-step recoverable MDP. Experimental evaluations show significant improvements over the baselines.",
    )
    q = "Which code-generation benchmarks was muCode evaluated on?"
    assert _unnamed(q, paper) is not None
    named = src(
        2,
        "Multi-Turn Code Generation Through Single-Step Rewards",
        "We propose muCode, which solves multi-turn code generation using single-step rewards. Code generation is "
        "a one-step recoverable MDP. Experiments on HumanEval and MBPP show significant improvements.",
    )
    assert _unnamed(q, named) is None
    # a name after "on" may be data though no data word stands beside it
    scored = src(3, named.title, f"{paper.text} It improves on SQuAD by 3 points.")
    assert _unnamed(q, scored) is None


@pytest.mark.parametrize(
    ("question", "abstract", "refused"),
    [
        # "including" before a preposition names nothing ("the whole trajectory of the algorithm, including at
        # convergence"); before a name it does
        (
            "Which first-order optimizer solves the training problem in the cross-validation paper?",
            "We approximate cross-validation when the training problem is solved via an iterative first-order "
            "algorithm. Our guarantees hold along the whole trajectory of the algorithm, including at convergence.",
            True,
        ),
        (
            "Which first-order optimizer solves the training problem in the cross-validation paper?",
            "We approximate cross-validation when the training problem is solved via an iterative first-order "
            "algorithm. Our guarantees hold for every algorithm, including SGD and Adam.",
            False,
        ),
        # ... nor "like" before a preposition; "including in particular <name>" does name one
        (
            "Which first-order optimizer solves the training problem in the cross-validation paper?",
            "We approximate cross-validation when the training problem is solved via an iterative first-order "
            "algorithm, like in earlier work.",
            True,
        ),
        (
            "Which first-order optimizers do they analyze?",
            "We analyze first-order algorithms, including in particular stochastic gradient descent and mirror "
            "descent.",
            False,
        ),
        # ... also where the abstract calls the kind only by the question's words for it ("reinforcement learning
        # (RL)" of "which RL algorithm"): "like in prior work" names none, "like PPO" does
        (
            "Which RL algorithm fine-tunes the policy?",
            "We fine-tune the policy with reinforcement learning (RL), like in prior work. The policy improves.",
            True,
        ),
        (
            "Which RL algorithm fine-tunes the policy?",
            "We fine-tune the policy with reinforcement learning (RL), like PPO. The policy improves.",
            False,
        ),
        # a word before the kind after "using" / a determiner such as "each" says no more which one it is
        (
            "Which bandit algorithm picks the solver parameters?",
            "An online bandit algorithm picks the solver parameters. This contrasts with methods using "
            "well-understood bandit algorithms. We tune the step for each algorithm.",
            True,
        ),
        (
            "Which bandit algorithm picks the solver parameters?",
            "An online bandit algorithm picks the solver parameters. We compare against methods including "
            "well-understood bandit algorithms.",
            True,
        ),
        # ... but a word of its own before it does
        (
            "Which bandit algorithm picks the solver parameters?",
            "An online bandit algorithm picks the solver parameters. We use the Tsallis-INF algorithm.",
            False,
        ),
    ],
)
def test_a_kind_left_unspecified_by_determiners_and_describing_words(
    question: str, abstract: str, refused: bool
) -> None:
    paper = src(1, "Learning Solver Parameters", abstract)
    assert (_unnamed(question, paper) is not None) == refused


def test_two_kinds_asked_with_or_and_an_aside_of_examples_are_still_asked() -> None:
    """ "which MIPS library or solver": the kind isn't modified by what follows it; ", e.g. which Stable Diffusion
    version," is an aside, not the version (a quantity) that is asked."""
    paper = src(
        1,
        "Fixed Dimensional Encodings for Retrieval",
        "We reduce multi-vector search to single-vector search. This enables the usage of off-the-shelf MIPS "
        "solvers for retrieval. Experiments show lower latency.",
    )
    found = _unnamed("Which particular MIPS library or solver do they plug in for the search?", paper)
    assert found is not None and found[0] == "the particular MIPS library"
    # "model or pipeline" qualify one kind asked ("scheme"): no model is asked
    assert _modified_kind(["model", "or", "pipeline", "parallelism", "scheme"])
    named = src(2, paper.title, f"{paper.text} We use the ScaNN library.")
    assert _unnamed("Which particular MIPS library or solver do they plug in for the search?", named) is None
    diffusion = src(
        3,
        "Correcting Noise for Image Interpolation",
        "We correct the encoding noise of a pretrained diffusion model to interpolate natural images. Our method "
        "reaches the best interpolation results without artifacts.",
    )
    q = "Which pretrained diffusion model, e.g. which Stable Diffusion version, did they build on?"
    assert _unnamed(q, diffusion) is not None
    # the example the question gives answers it when the abstract says it
    stable = src(4, diffusion.title, "We build on Stable Diffusion 2.1 and correct its encoding noise.")
    assert _unnamed(q, stable) is None


def test_a_capitalised_word_the_question_says_names_nothing_new() -> None:
    """ "the Hyperparameter Tuning phase" names no algorithm for a question that says "tuning" itself."""
    paper = src(
        1,
        "Hyperparameters in Continual Learning",
        "We propose an evaluation protocol with separate tuning and evaluation phases. In the Hyperparameter "
        "Tuning phase, each algorithm is trained with different values. We observe that some recently proposed "
        "algorithms perform worse than older ones.",
    )
    q = (
        "With separate hyperparameter tuning and evaluation phases, which recently proposed CL algorithms turned "
        "out worse?"
    )
    assert _unnamed(q, paper) is not None
    named = src(2, paper.title, paper.text.replace("proposed algorithms", "proposed algorithms such as DER"))
    assert _unnamed(q, named) is None
    # a name standing alone is a name though the question says its words ("natural questions")
    reader = src(
        3,
        "Open-Domain Readers",
        "We train a reader with a new objective. We evaluate it on Natural Questions.",
    )
    assert _unnamed("Which dataset of natural questions do they evaluate the reader on?", reader) is None


def test_a_single_quoted_title_is_no_part_of_what_a_baseline_question_asks() -> None:
    paper = src(
        1,
        "Principled Acceleration of Iterative Numerical Methods",
        "We introduce a novel training method for learning-based acceleration of iterative methods. We prove "
        "that the proposed method improves upon the existing methods.",
    )
    q = (
        "Name the existing learning-based acceleration method that the 'principled acceleration of iterative "
        "numerical methods' paper proves its training method improves upon."
    )
    found = _unnamed(q, paper)
    assert found is not None and found[0] == "the methods it is compared with"
    # an elision and a plural possessive are no quotes: "'90s-era ... authors'" keeps the kind asked
    plain = src(2, "Training Readers", "We train the authors' models on a large corpus of text.")
    found = _unnamed("Which '90s-era dataset do the authors' models train on?", plain)
    assert found is not None and "dataset" in found[0]


def test_a_question_saying_a_whole_title_is_decided_on_that_paper() -> None:
    """A question that says a paper's whole title asks about that paper: another paper that states the kind of
    detail asked (parameters) does not answer it, and the refusal names the titled paper."""
    looped = src(
        1,
        "Looped Transformers as Programmable Computers",
        "We program looped transformers with fixed weights to emulate a small instruction-set computer.",
    )
    other = src(
        2,
        "Looped Transformers Learn Iterative Algorithms",
        "Our looped transformer with 12 million parameters matches a standard transformer on in-context learning.",
    )
    q = 'How many parameters does the "Looped Transformers as Programmable Computers" model have?'
    verdict = Evidence(q, [other, looped], BagOfWords(), PLAIN_GATE).gate()
    assert not verdict.ok and verdict.paper == 1
    assert '"Looped Transformers as Programmable Computers"' in verdict.message
    # without the whole title, the paper that states parameters may answer
    loose = "How many parameters does the looped transformer model have?"
    assert Evidence(loose, [other, looped], BagOfWords(), PLAIN_GATE).gate().ok


def test_what_answers_a_baseline_a_metric_a_superlative_and_a_product_of_variables() -> None:
    """Answers the abstract gives in other words than the question's: a rival named where a sentence compares
    ("outperforms Mask R-CNN") answers "which baseline", a metric named in lower case ("registration recall")
    answers "which metric", "the biggest gain" asks a gain (its "biggest" is the answer's form), and a count may be
    a product of variables ("T times J neurons")."""
    semi = src(
        1,
        "SEMI-PointRend: Wafer Defect Segmentation as Rendering",
        "SEMI-PointRend outperforms Mask R-CNN by up to 18.8% in terms of segmentation mean average precision.",
    )
    q = "which baseline did they compare against for wafer defects, and what was the biggest gain in segmentation mAP?"
    assert Evidence(q, [semi], BagOfWords()).answer_missing(semi) == 0.0
    unnamed_rival = src(
        1, semi.title, "SEMI-PointRend outperforms prior methods on wafer defect segmentation."
    )
    assert Evidence(q, [unnamed_rival], BagOfWords()).answer_missing(unnamed_rival) > 0
    pare = src(
        1,
        "PARE-Net: Rotation-Equivariant Networks for Point Cloud Registration",
        "Experiments show that our method outperforms the SOTA methods in terms of registration recall.",
    )
    q = "PARE-Net - which registration metric do they say they clearly beat SOTA on?"
    evidence = Evidence(q, [pare], BagOfWords())
    assert evidence.answer_missing(pare) == 0.0 and evidence.unnamed(pare) is None
    vague = src(1, pare.title, "Experiments show that our registration is better than the SOTA methods.")
    assert Evidence(q, [vague], BagOfWords()).answer_missing(vague) > 0
    boosted = src(
        1,
        "Sequential Training of Neural Networks with Gradient Boosting",
        "Finally, the T partial models are integrated as a single NN with T times J neurons in the hidden layer.",
    )
    q = "how many hidden neurons does the merged single network end up with?"
    evidence = Evidence(q, [boosted], BagOfWords())
    assert evidence.answer_missing(boosted) == 0.0 and evidence.unquantified(boosted) is None
    plain = src(
        1, boosted.title, "Finally, the partial models are integrated as a single NN with hidden neurons."
    )
    assert Evidence(q, [plain], BagOfWords()).unquantified(plain) is not None


def test_an_exact_figure_asked_is_not_stated_by_a_rough_one() -> None:
    """ "What exact query budget ...?" of an abstract that sizes the budget only in words ("very small, such as a
    few dozen") is unquantified, as is "an exact speed-up factor" of "orders of magnitude faster"; the refusal
    quotes the sentence as written. The same sentences answer the question asked without "exact", and a figure in
    digits answers it with."""
    budget = src(
        1,
        "Learning to Actively Learn",
        "We focus on a total query budget that is very small, such as a few dozen.",
    )
    found = Evidence("What exact query budget did they use?", [budget], BagOfWords()).unquantified(budget)
    assert found is not None and found[1].text == budget.text
    assert Evidence("What query budget did they use?", [budget], BagOfWords()).unquantified(budget) is None
    stated = src(1, "Learning to Actively Learn", "We focus on a total query budget of 36 queries.")
    assert (
        Evidence("What exact query budget did they use?", [stated], BagOfWords()).unquantified(stated) is None
    )
    faster = src(
        2, "A Benchmark", "Once trained, neural operators are orders of magnitude faster at inference."
    )
    q = "How much faster at inference are the neural operators, as an exact speed-up factor?"
    assert Evidence(q, [faster], BagOfWords()).unquantified(faster) is not None
    q = "How much faster at inference are the neural operators?"
    assert Evidence(q, [faster], BagOfWords()).unquantified(faster) is None
    # "exact" of a technique's name asks for nothing exact
    gp = src(3, "Fast GPs", "Our solver gives orders of magnitude faster exact GP inference.")
    assert Evidence("How much faster is exact GP inference?", [gp], BagOfWords()).unquantified(gp) is None


def test_a_compound_speaks_of_what_is_asked() -> None:
    """ "Which recently proposed model ...?" of an abstract that writes "the recently-proposed monotone Deep
    Equilibrium model": the hyphenated compound speaks of the question's word, so the paper is not one that never
    speaks of what is asked (``answer_missing`` 1.0 would all but refuse it)."""
    dbm = src(
        1,
        "Monotone deep Boltzmann machines",
        "To do this, we leverage tools from the recently-proposed monotone Deep Equilibrium model.",
    )
    q = "Which recently proposed model does the paper borrow tools from?"
    assert Evidence(q, [dbm], BagOfWords()).answer_missing(dbm) < 1.0
    silent = src(
        1, "Monotone deep Boltzmann machines", "We leverage tools from the monotone Deep Equilibrium model."
    )
    assert Evidence(q, [silent], BagOfWords()).answer_missing(silent) == 1.0


def test_a_list_answer_quotes_the_sentence_that_meets_the_question() -> None:
    """ "Which papers compress prompts of LLMs?": the sentence quoted for a listed paper is the one holding the
    question's rare terms, not its opening on LLMs in general."""
    q = "Which papers compress the prompts given to LLMs?"
    lingua = src(
        1,
        "Prompt Squeezing",
        "LLMs are used in many applications today. We compress prompts given to LLMs by dropping tokens.",
    )
    other = src(2, "Faster Decoding", "LLMs are slow at inference. We decode LLMs faster with a draft model.")

    def rarity(stems: set[str]) -> dict[str, float]:  # "llm" is in most abstracts, "prompt" in few
        return {t: (0.1 if t == stem("LLMs") else 0.9) for t in stems}

    evidence = Evidence(q, [lingua, other], BagOfWords(), rarity=rarity, many=True)
    assert list_sentences(evidence)[1].text.startswith("We compress prompts")


@pytest.mark.parametrize(
    ("thing", "names"),
    [
        ("CMA-ES on the Rastrigin function", ["CMA-ES", "Rastrigin"]),
        # a compound with words in lower case is read as its leading name: the collection says "KL" (in "KL-Constraint",
        # "KL-regularized"), and the comparison was refused saying no abstract mentions "KL-constrained"
        ("the KL-constrained iterative preference learning theory paper", ["KL"]),
        ("NPO-based unlearning", ["NPO"]),
        ("Full fine-tuning", []),
        # a name led by one letter and a hyphen is the whole name, not its tail ("FAC") nor nothing ("U-Net")
        ("the K-FAC deep hedging paper", ["K-FAC"]),
        ("U-Net and t-SNE", ["U-Net", "t-SNE"]),
        ("K-FAC-based training", ["K-FAC"]),
    ],
)
def test_the_names_of_a_compared_thing(thing: str, names: list[str]) -> None:
    assert name_words(thing) == names


class _Ranked(_Retriever):
    """A retriever double that ranks its papers in the order given and honours a paper-id filter and k."""

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None, **_: object):
        from rag.types import SearchResult

        hits = [
            h for h in self.hits if not (filters and filters.paper_ids) or h.paper_id in filters.paper_ids
        ]
        return SearchResult(query, hits[:k], {})


def test_a_compared_thing_that_counts_papers_is_that_many_papers() -> None:
    """ "Compare the two papers that route tokens ...": one thing described, two papers meant; it was resolved to
    one paper and the answer asked "compare it with what?"."""
    from rag.comparison import pick_papers
    from rag.config import RetrievalSettings

    moe = src(3, "Expert Routing at Scale", "We route tokens to experts in a large model.")
    retriever = _Ranked(BagOfWords(), _hits(ROUTING, moe, FORESTS))
    hits, named, missing = pick_papers(
        retriever,  # type: ignore[arg-type]
        "Compare the two papers that route tokens to experts: what does each gain?",
        None,
        None,
        RetrievalSettings(),
    )
    assert [h.paper_id for h in hits] == [ROUTING.paper_id, moe.paper_id] and named and not missing


def test_each_thing_a_comparison_names_is_another_paper() -> None:
    """ "'A New Look at Whitening's Preconditioner', the original Whitening paper, and ...": the second thing names
    Whitening, whose own paper is there; it was resolved to the first paper again, and the table had two rows."""
    from rag.comparison import entities, pick_papers
    from rag.config import RetrievalSettings

    look = src(1, "A New Look at Whitening's Preconditioner", "We study the Whitening preconditioner.")
    whitening = src(
        2, "Whitening: Preconditioned Tensor Optimization", "We propose Whitening, a preconditioner."
    )
    scalable = src(3, "Scalable Second Order Optimization", "We scale second order methods.")
    question = (
        "'A New Look at Whitening's Preconditioner', the original Whitening paper, and 'Scalable Second Order "
        "Optimization': how does each precondition?"
    )
    assert entities(question) == [look.title, "the original Whitening paper", scalable.title]
    retriever = _Ranked(BagOfWords(), _hits(look, whitening, scalable))
    hits, named, missing = pick_papers(retriever, question, None, None, RetrievalSettings())  # type: ignore[arg-type]
    assert [h.paper_id for h in hits] == [look.paper_id, whitening.paper_id, scalable.paper_id]
    assert named and not missing
    # ... but a thing that names the chosen paper again is that paper: "Llama 2 and the Llama 2 chat models" is one
    # paper, not also "Code Llama: ..."
    llama = src(4, "Llama 2: Open Foundation and Chat Models", "We release Llama 2 and Llama 2-Chat.")
    code = src(5, "Code Llama: Open Models for Code", "We release Code Llama, based on Llama 2.")
    retriever = _Ranked(BagOfWords(), _hits(llama, code))
    hits, _, _ = pick_papers(
        retriever, "Compare Llama 2 and the Llama 2 chat models.", None, None, RetrievalSettings()
    )  # type: ignore[arg-type]
    assert [h.paper_id for h in hits] == [llama.paper_id]
    # ... with an acronym beside one kept, as the abstract may define it ("SGD with Model Building (SMB)")
    assert entities(
        "Stochastic Rounding (SR) and 'Kahan Summation' both fix low-precision sums. What does each do?"
    ) == [
        "Stochastic Rounding (SR)",
        "Kahan Summation",
    ]
    # things listed before what they all do are the things, not what they do
    assert entities(
        "SmoothQuant, AWQ and the 'Outlier Channels' paper all quantize weights. What does each keep?"
    ) == [
        "SmoothQuant",
        "AWQ",
        "the Outlier Channels paper",
    ]


def test_a_questions_sentences_end_where_sentences_do() -> None:
    """Read for the kind of question sentence by sentence: an abbreviation's period ends none ("e.g.", "vs."), a
    period before a word typed in lower case does, and an opener is no part of the sentence."""
    from rag.answer import _clauses

    assert _clauses("Which methods, e.g. PPO, does DPO outperform?") == [
        "Which methods, e.g. PPO, does DPO outperform?"
    ]
    assert _clauses("quick q: i want papers on x vs. y. which ones fit?") == [
        "i want papers on x vs. y",
        "which ones fit?",
    ]


def test_a_parameter_count_written_as_a_size_answers_how_many_parameters() -> None:
    paper = src(
        1,
        "A Clipped Second-order Optimizer",
        "The optimizer adapts to the curvature of the parameters. On GPT-2 models of sizes ranging from 125M to "
        "770M, it halves the number of steps.",
    )
    asked = "How many parameters does the largest model in the experiments have?"
    assert Evidence(asked, [paper], BagOfWords(), EvidenceSettings()).unquantified(paper) is None
    unsized = src(
        1, paper.title, "The optimizer adapts to the curvature of the parameters. It needs fewer steps."
    )
    found = Evidence(asked, [unsized], BagOfWords(), EvidenceSettings()).unquantified(unsized)
    assert found is not None and "curvature" in found[1].text


def test_a_compound_is_matched_however_it_is_hyphenated_and_a_new_one_by_its_parts() -> None:
    held = {stem(w) for w in ("routing", "speed", "skill", "specific", "experts")}

    def rarity(stems: set[str]) -> dict[str, float]:
        return {t: 0.3 if t in held else 1.0 for t in stems}

    paper = src(1, "Sparse Routing", "Routing tokens to skill experts gives a 2x speed-up.")
    feats = Evidence("What speedup does routing give?", [paper], BagOfWords(), rarity=rarity).features(paper)
    assert feats["paper_cover"] == 1.0
    # "skill-specific", written by no abstract, is as rare as its rarest word; "GPT-5", "Skill-Tools" are names
    q = "Which skill-specific, GNN-learned experts does routing use with GPT-5 or Skill-Tools?"
    held |= {stem("GNN"), stem("learned")}
    e = Evidence(q, [paper], BagOfWords(), rarity=rarity)
    assert e.rarities({stem("skill-specific")})[stem("skill-specific")] == 0.3
    assert e.rarities({stem("GNN-learned")})[stem("GNN-learned")] < 1.0
    held |= {stem("text"), stem("speech")}
    e = Evidence("Which paper does text-to-speech?", [paper], BagOfWords(), rarity=rarity)
    assert e.rarities({stem("text-to-speech")})[stem("text-to-speech")] == 1.0  # a term of its own
    assert e.rarities({stem("GPT-5")})[stem("GPT-5")] == 1.0
    assert e.rarities({stem("Skill-Tools")})[stem("Skill-Tools")] == 1.0


SPLATS = src(
    1,
    "Fast Scene Capture with Learned Splats",
    "Capturing scenes from phone videos is slow. In this paper, we propose SplatCap, a capture pipeline for "
    "phones. First, we observe that most frames add little to the scene. Based on this observation, we design a "
    "keyframe selector that keeps frames by their parallax. We then fit the splats with a coarse-to-fine "
    "schedule. Experiments on ten scenes show that SplatCap is 4x faster than the best baseline.",
)


@pytest.mark.parametrize(
    ("question", "details"),
    [
        (
            "How do SplatCap and the other method differ in how they capture scenes?",
            ["Based on this observation, we design", "We then fit the splats"],
        ),
        (
            "What approach does each paper take?",
            ["Based on this observation, we design", "We then fit the splats"],
        ),
        # a comparison asking nothing in particular asks how each works first
        (
            "Compare SplatCap and NeRF-Phone.",
            ["Based on this observation, we design", "We then fit the splats"],
        ),
        # not asked how it works: a number, a result
        ("How much faster is each one than its baseline?", []),
        ("Compare SplatCap and NeRF-Phone: which is faster?", []),
        ("Which datasets do they evaluate on?", []),
    ],
)
def test_a_comparison_asking_how_each_works_quotes_what_the_method_is_made_of(
    question: str, details: list[str]
) -> None:
    """The sentences after the one presenting the method that say what it is made of; not what the paper observes
    ("First, we observe ...") nor a result ("Experiments ... show ... 4x faster")."""
    evidence = Evidence(question, [SPLATS], BagOfWords(), PLAIN_GATE)
    got = [s.text for s in method_details(evidence, 1, question)]
    assert [t[: len(d)] for t, d in zip(got, details, strict=False)] == details and len(got) == len(details)


def test_a_compound_the_question_hyphenates_is_spoken_of_by_its_words() -> None:
    """ "edit-sequence models" of "models trained on synthetic edit sequences": the number beside those words states
    what is asked (the part was read as speaking of nothing in the abstract: answer_missing 1.0, and refused); a
    size is said as a count ("ranging from 2.6B to 14B parameters")."""
    paper = src(
        1,
        "Training on Synthetic Edits",
        "We train a series of small models ranging from 2.6B to 14B parameters on synthetic edit sequences. "
        "Models trained on edit sequences outperform models trained on the baseline data by 20% on HumanEval.",
    )
    hyphenated = Evidence(
        "By how much do edit-sequence models beat baseline-trained ones on HumanEval?", [paper], BagOfWords()
    )
    assert hyphenated.answer_missing(paper) == 0.0
    sizes = Evidence("What range of model sizes did they train?", [paper], BagOfWords())
    assert sizes.answer_missing(paper) == 0.0
    # a compound none of whose words the abstract says speaks of nothing in it
    absent = Evidence(
        "By how much do retrieval-augmented models beat distilled ones on HumanEval?", [paper], BagOfWords()
    )
    assert absent.answer_missing(paper) == 1.0


@pytest.mark.parametrize(
    ("question", "things"),
    [
        (
            "How do the two pruning papers differ: the one about rewinding vs the one that prunes at initialization?",
            ["the one about rewinding (pruning)", "the one that prunes at initialization (pruning)"],
        ),
        # a name is searched as it is
        (
            "How do both diffusion papers differ: MicroDreamer vs the one that uses video generators?",
            ["MicroDreamer", "the one that uses video generators (diffusion)"],
        ),
    ],
)
def test_what_a_comparison_says_all_its_papers_are_goes_with_each_description(
    question: str, things: list[str]
) -> None:
    assert entities(question) == things


def test_a_number_asked_on_data_named_by_a_capitalised_word_is_reported_on_it_or_not() -> None:
    """ "on Mapillary" sets a condition as "on MBPP" does, though the word is only capitalised: the abstract names
    Mapillary as written but states its number on SynVid only, so the number asked isn't reported."""
    paper = src(
        1,
        "Segmenting Videos by Flow",
        "Extensive experiments on Mapillary and SynVid show that FlowSeg achieves state-of-the-art accuracy. "
        "On SynVid, FlowSeg saves 40% of the computation with a small backbone.",
    )
    asked = Evidence("How much computation does the flow method save on Mapillary?", [paper], BagOfWords())
    found = asked.unreported(paper)
    assert found is not None and found[0] == ["Mapillary"] and "Extensive experiments" in found[1].text
    stated = Evidence("How much computation does the flow method save on SynVid?", [paper], BagOfWords())
    assert stated.unreported(paper) is None


def test_a_question_close_to_a_paper_as_a_whole_but_saying_a_word_no_abstract_says_is_not_described() -> None:
    """The whole-paper rule answers a paper described in other words; a capitalised word of the question that no
    abstract says in any form ("Nowcasting") is what the collection lacks, however close the rest is."""
    weather = src(
        3, "Learning Data Assimilation", "We assimilate satellite observations with a deep network."
    )

    def rarity(stems: set[str]) -> dict[str, float]:
        return {t: 1.0 if t == stem("nowcasting") else 0.3 for t in stems}

    q = "Which paper does radar Nowcasting with a deep network?"
    close = {"paper_sim": 1.0}  # (PLAIN_GATE asks a whole-paper cosine of 1.0)
    on = Evidence(q, [weather], BagOfWords(), PLAIN_GATE, rarity=rarity)
    assert on.unsaid_anywhere == ["Nowcasting"] and not on.described(close)
    off = PLAIN_GATE.model_copy(update={"described_needs_words": False})
    assert Evidence(q, [weather], BagOfWords(), off, rarity=rarity).described(close)
    said = Evidence("Which paper assimilates satellite observations?", [weather], BagOfWords(), PLAIN_GATE)
    assert said.described(close)


THEORY = src(
    4,
    "Doubly Optimal Learning in Monotone Games",
    "We consider online learning in smooth monotone games. We propose the accelerated optimistic gradient (AOG) "
    "algorithm. Our algorithm achieves the optimal O(1/T) rate, an exponential improvement over the previous "
    "state-of-the-art O(T) bound.",
)


def test_a_previous_state_of_the_art_bound_is_no_sign_of_experiments() -> None:
    """A theory paper's "previous state-of-the-art O(T) bound" is a result, not empirical work: a question about its
    experiments asks a kind of detail it never states; "state-of-the-art accuracy" is empirical work."""
    question = "Which games are used to test AOG in experiments?"
    assert "experiments" in asked_kinds(question)
    assert not states("experiments", THEORY.text, question)
    assert not states("experiments", "We match the state-of-the-art sample complexity of O(1/eps).", question)
    assert states("experiments", "We reach state-of-the-art accuracy on three games.", question)


def test_a_paper_named_by_the_question_that_never_states_the_kind_asked_is_refused() -> None:
    """A question naming its paper (its title) and asking its experiments is refused when the paper has none,
    though the fitted model would pass it; the refusal says what the paper lacks. A chat model reads the abstract
    itself (names_asked=False), and the setting turns the rule off."""
    passes = PLAIN_GATE.model_copy(update={"gate_weights": {"paper_cover": 10.0}})  # kind_missing not weighed
    q = "Doubly Optimal Learning in Monotone Games: which games are used to test AOG in experiments?"
    verdict = Evidence(q, [THEORY], BagOfWords(), passes).gate()
    assert not verdict.ok and "it reports no experiments" in verdict.message
    assert Evidence(q, [THEORY], BagOfWords(), passes).gate(names_asked=False).ok
    off = passes.model_copy(update={"named_lacks_kind_refusal": False})
    assert Evidence(q, [THEORY], BagOfWords(), off).gate().ok
    # not named: the fitted model decides
    described = "Which games are used to test the accelerated optimistic gradient in experiments?"
    assert Evidence(described, [THEORY], BagOfWords(), passes).gate().ok


def test_an_adverb_after_the_kind_asked_leaves_it_asked() -> None:
    """ "which 7B model exactly" asks a model; "which model merging technique" asks a technique."""
    assert not _modified_kind(["7B", "model", "exactly"])
    assert _modified_kind(["model", "merging", "technique"])
    assert _modified_kind(["language", "family"])  # a noun in "-ly": the family is asked


def test_a_question_asking_which_paper_is_not_asking_for_a_name_the_paper_lacks() -> None:
    """ "Which work proposes enf2enf, an encoder-decoder ...?" asks for a paper, answered by its title: no
    "unnamed encoder" refusal, though the abstract names no encoder. "Which encoder does enf2enf use?" still asks
    for one."""
    paper = src(
        5,
        "Geometry aware inference of steady state PDEs using Equivariant Neural Fields representations",
        "Recent advances in Neural Fields have enabled powerful, discretization-invariant methods for learning neural "
        "operators that approximate solutions of Partial Differential Equations (PDEs) on general geometries. "
        "Building on these developments, we introduce enf2enf, an encoder--decoder methodology for predicting "
        "steady-state Partial Differential Equations with non-parameterized geometric variability, based on "
        "recently proposed Equivariant Neural Field architectures.",
    )
    which_paper = Evidence(
        "Which work proposes enf2enf, an encoder-decoder built on neural fields for steady-state PDEs?",
        [paper],
        BagOfWords(),
    )
    assert which_paper.unnamed(paper) is None
    which_encoder = Evidence("Which pretrained encoder does enf2enf use?", [paper], BagOfWords())
    assert which_encoder.unnamed(paper) is not None
    # ... and a part that asks for a thing besides, or names one with the word, is read as before
    assert asks_which_paper("quick q: which work proposes enf2enf?")
    for other in (
        "Which paper trains SparseDoc on which GPU?",
        "Which paper's model was used?",
        "What study design?",
    ):
        assert not asks_which_paper(other), other


@pytest.mark.parametrize(
    "question",
    [
        "I'm looking for satellite glacier tracking with Sparse Routing for Small Language Models",
        "Does Sparse Routing for Small Language Models track glaciers via satellites?",
    ],
)
def test_a_refusal_lists_topics_not_the_words_that_ask(question: str) -> None:
    """What a refusal says the abstract lacks are the question's topics, not the verb of its request ("looking" of
    "I'm looking for ...") nor a joining word the stopword list lacks ("via")."""
    routing = src(5, "Sparse Routing for Small Language Models", "We route tokens to experts.")
    verdict = Evidence(
        question, [routing], BagOfWords(), PLAIN_GATE, rarity=lambda t: {x: 0.3 for x in t}
    ).gate()
    assert not verdict.ok and verdict.reason == "detail"
    lacked = verdict.message.split("nothing about: ")[1].split(")")[0].split(", ")
    assert (
        lacked
        and {"looking", "via"}.isdisjoint(lacked)
        and set(lacked) <= {"satellite", "satellites", "glacier", "glaciers", "tracking", "track"}
    )


def test_a_number_refused_without_a_short_phrase_for_it_quotes_no_placeholder() -> None:
    # "How long does training take?" has no focus phrase: the refusal says so in words, not as a quoted '"what is
    # asked"' the question never wrote
    paper = src(
        1,
        "Imitation Learning via Differentiable Physics",
        "We propose ILD, a new imitation learning method. ILD is trained by back-propagating through the simulator. "
        "It significantly improves the training speed over IRL.",
    )
    evidence = Evidence("How long does training take for ILD?", [paper], BagOfWords(), EvidenceSettings())
    found = evidence.unquantified(paper)
    assert found is not None and found[0] == ""
    verdict = evidence.gate(threshold=0.0)
    assert not verdict.ok and "states no number for what is asked;" in verdict.message
    assert '"what is asked"' not in verdict.message


@pytest.mark.parametrize(
    ("abstract", "question", "refused"),
    [
        # no sentence states a lower bound: "lower" only as "lower-level", upper bounds only
        (
            "We study bilevel problems. When the lower-level problem is convex, our method needs O(eps^-3) "
            "oracle calls. With noisy oracles it needs at most O(eps^-5) calls.",
            "What lower bound on oracle complexity do they prove?",
            "lower bound on oracle complexity",
        ),
        # a lower bound is stated, but on another measure than the one asked
        (
            "We prove that our algorithm enjoys an O(d^{3/2}H^2K) regret. We also provide a lower bound showing "
            "that a minimal Omega(dM) communication complexity is required.",
            "What lower bound on regret is proved?",
            "lower bound on regret",
        ),
        # ... and on the one asked
        (
            "We prove that our algorithm enjoys an O(d^{3/2}H^2K) regret. We also provide a lower bound showing "
            "that a minimal Omega(dM) communication complexity is required.",
            "What lower bound on communication do they prove?",
            "",
        ),
        # a lower bound said without saying what it is on answers a question that doesn't say either
        (
            "For the sequentially interactive model, we show a similar lower bound of Omega(sqrt{dk}/(n eps)).",
            "What lower bound do they show in the sequentially interactive model?",
            "",
        ),
        # an upper bound is stated without the word: no question of one is read so
        (
            "Our algorithm achieves O(sqrt{T}) regret.",
            "What upper bound on regret does it achieve?",
            "",
        ),
    ],
)
def test_a_lower_bound_asked_is_answered_only_by_a_sentence_stating_one(
    abstract: str, question: str, refused: str
) -> None:
    paper = src(1, "Bounds for Tuning Problems", abstract)
    found = Evidence(question, [paper], BagOfWords(), EvidenceSettings()).unbounded(paper)
    if not refused:
        assert found is None
    else:
        assert found is not None and found[0] == refused


def test_a_name_a_method_is_built_on_is_not_data_it_is_evaluated_on() -> None:
    """ "the one based on KL loss" in a sentence about experiments names no dataset: "which datasets ...?" of
    "experimental results on various datasets" is refused as a kind spoken of without a name."""
    abstract = (
        "We study online regression for contextual bandits. Finally, our experimental results on various datasets "
        "demonstrate that our algorithms, especially the one based on KL loss, outperform existing algorithms."
    )
    paper = src(1, "Contextual Bandits with Online Regression", abstract)
    found = Evidence("Which datasets were used in its experiments?", [paper], BagOfWords()).unnamed(paper)
    assert found is not None and "various datasets" in found[1].text
    evaluated = abstract.replace("the one based on KL loss", "on CIFAR-10")
    named = src(1, "Contextual Bandits with Online Regression", evaluated)
    assert (
        Evidence("Which datasets were used in its experiments?", [named], BagOfWords()).unnamed(named) is None
    )


def test_a_share_of_a_variable_is_a_quantity() -> None:
    """ "strictly less than n/2" states the number of remaining zeros asked; no such share, no quantity."""
    abstract = (
        "We introduce a function which coincides with another whenever the number of remaining zeros in the search "
        "point is strictly less than n/2."
    )
    paper = src(1, "Hardest Monotone Functions", abstract)
    question = "Below what number of remaining zeros do the two functions coincide?"
    assert Evidence(question, [paper], BagOfWords()).unquantified(paper) is None
    vague = src(1, "Hardest Monotone Functions", abstract.replace("strictly less than n/2", "small"))
    assert Evidence(question, [vague], BagOfWords()).unquantified(vague) is not None


def test_a_percentage_asked_is_held_by_an_abstract_that_writes_percent_signs() -> None:
    with_sign = src(1, "Equivariant Motion Prediction", "It improves by 24.0/30.1/8.6/9.2% on four tasks.")
    in_words = src(1, "Equivariant Motion Prediction", "It improves on four tasks.")
    question = "What percentage improvements did it report?"
    assert Evidence(question, [with_sign], BagOfWords()).features(with_sign)["paper_cover"] == 1.0
    assert Evidence(question, [in_words], BagOfWords()).features(in_words)["paper_cover"] < 1.0


@pytest.mark.parametrize(
    ("abstract", "refused"),
    [
        # how many, not which, whatever name stands near
        (
            "We propose UDIM. UDIM consistently outperforms SAM variants across multiple DG benchmark datasets.",
            True,
        ),
        ("We propose UDIM. We evaluate it on one real-world noisy dataset.", True),
        # names after the kind name it
        ("We propose UDIM. UDIM outperforms SAM across several benchmark datasets (PACS, VLCS).", False),
        ("We propose UDIM. UDIM outperforms SAM on various datasets such as PACS and VLCS.", False),
    ],
)
def test_a_kind_spoken_of_by_how_many_is_not_named(abstract: str, refused: bool) -> None:
    paper = src(1, "Unknown Domain Inconsistency Minimization", abstract)
    found = Evidence("Which benchmark datasets were used in its evaluation?", [paper], BagOfWords()).unnamed(
        paper
    )
    assert (found is not None) == refused
    off = EvidenceSettings(vague_kind_unnamed=False)
    if refused and "SAM" in abstract:
        # without the rule, "SAM" near "datasets" reads as naming them
        assert (
            Evidence(
                "Which benchmark datasets were used in its evaluation?", [paper], BagOfWords(), off
            ).unnamed(paper)
            is None
        )


@pytest.mark.parametrize(
    ("question", "unstated"),
    [
        ("What accuracy loss does ResNet suffer under 4x speed-up?", ["4x"]),
        ("What accuracy loss does ResNet suffer under 2x speed-up?", []),
        # a name's digits, an example's, one in parentheses, one written in words: none is a condition unwritten
        ("What accuracy does it reach on CIFAR-10 with GPT-4 and pass@1?", []),
        ("Up to what model size (e.g., LLaMA 1B or 7B) did it scale?", []),
        ("Which algorithm like TD(0) do they instantiate?", []),
        ("What accuracy loss does ResNet suffer with 5 pruned layers?", []),
        # a number given roughly describes the paper ("squeezed below 3 bits" of "2.75-bit"), it sets no condition
        ("The paper that squeezed ResNet below 3 bits: what accuracy loss does it suffer?", []),
    ],
)
def test_a_quantity_the_question_conditions_on_must_be_written_in_the_abstract(
    question: str, unstated: list[str]
) -> None:
    paper = src(
        1,
        "Channel Pruning for Accelerating Very Deep Networks",
        "Our pruned VGG-16 achieves a 5x speed-up. ResNet and Xception suffer only 1.4%, 1.0% accuracy loss under "
        "2x speed-up respectively.",
    )
    found = Evidence(question, [paper], BagOfWords()).unstated_numbers(paper)
    assert (found[0] if found else []) == unstated


def test_a_name_that_says_what_a_method_is_based_on_is_no_condition_of_a_number() -> None:
    paper = src(
        1,
        "Channel Pruning for Accelerating Very Deep Networks",
        "We prune channels by LASSO regression based channel selection. ResNet and Xception suffer only 1.4%, 1.0% "
        "accuracy loss under 2x speed-up respectively.",
    )
    question = (
        "The LASSO-based channel pruning paper: what accuracy loss does Xception suffer under 2x speed-up?"
    )
    assert Evidence(question, [paper], BagOfWords()).unreported(paper) is None


def test_a_name_after_a_kind_spoken_of_by_how_many_still_names_it() -> None:
    paper = src(
        1,
        "Emergent Misalignment",
        "We finetune models on insecure code. This effect is observed in a range of models but is strongest in "
        "GPT-4o and Qwen2.5-Coder-32B-Instruct.",
    )
    assert (
        Evidence("Which models showed the effect most strongly?", [paper], BagOfWords()).unnamed(paper)
        is None
    )


@pytest.mark.parametrize(
    ("abstract", "question"),
    [
        # digits grouped by a comma, a decimal, a threshold asked of, a year: each is written or no condition
        (
            "With only 1,000 labeled examples, our method reaches 91.2% accuracy.",
            "What accuracy with 1,000 labels?",
        ),
        ("It gives a 4.0x speed-up on GPUs.", "What accuracy loss at 4x speed-up?"),
        ("Our method reaches 93.1% top-1 accuracy on CIFAR-10.", "Does it exceed 90% accuracy on CIFAR-10?"),
        (
            "Our pruned ResNet loses 1.4% accuracy.",
            "What does the 2024 channel pruning paper report for ResNet?",
        ),
    ],
)
def test_a_quantity_written_otherwise_or_no_condition_is_not_unstated(abstract: str, question: str) -> None:
    paper = src(1, "Channel Pruning for Deep Networks", abstract)
    assert Evidence(question, [paper], BagOfWords()).unstated_numbers(paper) is None


def test_a_lower_bound_that_names_no_other_measure_answers_and_so_does_an_elbo() -> None:
    matching = src(
        1,
        "Learning Halfspaces",
        "We study the sample complexity of learning halfspaces. We also prove a "
        "matching lower bound of Omega(d/eps^2).",
    )
    q = "What lower bound on sample complexity do they prove?"
    assert Evidence(q, [matching], BagOfWords()).unbounded(matching) is None
    elbo = src(1, "A Latent Model", "The model maximizes the ELBO of the marginal likelihood.")
    q = "What lower bound on the marginal likelihood does the model maximize?"
    assert Evidence(q, [elbo], BagOfWords()).unbounded(elbo) is None


def test_several_other_datasets_leaves_the_names_before_it() -> None:
    paper = src(
        1,
        "UDIM",
        "UDIM improves accuracy by 2% on PACS and VLCS and by 1% on several other benchmark datasets.",
    )
    assert (
        Evidence("Which benchmark datasets does UDIM improve on?", [paper], BagOfWords()).unnamed(paper)
        is None
    )


def _rarity_among(*abstracts: str) -> Callable[[set[str]], dict[str, float]]:
    """A collection's rarity of stems: 1.0 for one no abstract writes, 0.3 otherwise."""
    held = set().union(*(terms(a) for a in abstracts))
    return lambda stems: {t: 0.3 if t in held else 1.0 for t in stems}


@pytest.mark.parametrize(
    ("question", "unsaid"),
    [
        ("What approximation ratio does it get under a matroid constraint?", ["matroid"]),
        ("What approximation ratio does it get under a cardinality constraint?", None),
        # another abstract of the collection writes it: the gate's features weigh it, this check doesn't
        ("What approximation ratio does it get under a knapsack constraint?", None),
        # a typing slip of a word the paper writes is that word
        ("What approximation ratio does it get under a cardinalty constraint?", None),
        # before the question word, a condition says which paper is meant
        ("For the matroid-free dynamic algorithm, what approximation ratio does it get?", None),
        # what a change is measured in is what is asked; a verb's -ing form is no condition
        ("How big is the reduction in matroid count?", None),
        ("What update time does it reach when matroiding?", None),
        # not a number asked
        ("Which constraint does it handle under a matroid?", None),
    ],
)
def test_a_number_asked_under_a_condition_no_abstract_writes_is_unsaid(
    question: str, unsaid: list[str] | None
) -> None:
    paper = src(
        1,
        "Dynamic Constrained Submodular Optimization with Polylogarithmic Update Time",
        "We maintain a (1/2-epsilon)-approximate solution under cardinality constraint k using a polylogarithmic "
        "amortized update time.",
    )
    other = "We study submodular maximization under a knapsack constraint."
    rarity = _rarity_among(paper.text, other)
    found = Evidence(question, [paper], BagOfWords(), rarity=rarity).unsaid_conditions(paper)
    assert (found[0] if found else None) == unsaid
    off = EvidenceSettings(unsaid_condition_refusal=False)
    assert "unsaid condition" not in [
        c.name for c in Evidence(question, [paper], BagOfWords(), off)._detail_checks()
    ]


@pytest.mark.parametrize(
    "question, facets",
    [
        (
            "Which papers use GFlowNets to generate molecules or drug candidates?",
            [["GFlowNets", "generate molecules or drug candidates"]],
        ),
        # the request's verb is no part, nor more verbs before their object, nor a participle ending a part
        (
            "Which papers automatically optimize, search for or compress the prompts given to LLMs?",
            [["the prompts", "LLMs"]],
        ),
        # not split inside a hyphenated word; an exclusion ("rather than ...") is no part
        (
            "has anyone shown emergent misalignment from narrow finetuning in text-to-image diffusion models rather "
            "than LLMs?",
            [["emergent misalignment", "narrow finetuning", "text-to-image diffusion models"]],
        ),
        # examples end at the next preposition; a qualifying clause is no part
        (
            "Which papers use neural operators such as FNO or DeepONet for weather forecasting that scales?",
            [["neural operators", "weather forecasting"]],
        ),
        # two criteria, either met
        (
            "anything on equivariant neural networks, or on measuring how equivariant a model is?",
            [["equivariant neural networks"], ["measuring how equivariant a model is"]],
        ),
        ("Is there work on recommender systems?", [["recommender systems"]]),
        # an option of generic words alone ("training neural networks") is met by any paper: that part asks nothing
        ("Which papers apply ADMM to training or compressing neural networks?", [["ADMM"]]),
        # no request for papers: no criterion
        ("What FID does the model reach on ImageNet?", []),
        ("Which two clustering methods does it combine to remove the need to choose k?", []),
    ],
)
def test_a_list_questions_criterion_is_read_part_by_part(question: str, facets: list[list[str]]) -> None:
    from rag.question import criterion_facets

    assert [[f.text for f in criterion] for criterion in criterion_facets(question)] == facets
    # spacing is no part of the wording
    assert criterion_facets("  ".join(question.split()) + "\n") == criterion_facets(question)


def test_a_list_question_no_paper_meets_as_a_whole_is_refused_naming_a_paper_for_each_part() -> None:
    """Each part of "GFlowNets to generate molecules" is in the collection, in two papers, but no paper does both:
    refused, with the closest paper for each part (a part is met by a paper holding one of its options, "molecules
    or drug candidates"); a paper holding both parts meets it."""
    gflow = src(
        1, "Better Training of GFlowNets", "GFlowNets sample composite objects. We train GFlowNets better."
    )
    dock = src(2, "Molecular Docking", "We generate drug candidates and molecules that bind protein targets.")
    both = src(
        3, "GFlowNets for Molecules", "We use GFlowNets to generate drug candidates for protein targets."
    )
    q = "Which papers use GFlowNets to generate molecules or drug candidates?"
    settings = EvidenceSettings()
    refusal = Evidence(q, [gflow, dock], BagOfWords(), settings, many=True).combination()
    assert refusal is not None and not refusal.ok and refusal.reason == "combination"
    assert refusal.message.startswith(REFUSAL)
    assert '"GFlowNets" and "generate molecules or drug candidates"' in refusal.message
    assert (
        '"Better Training of GFlowNets" is about the first; "Molecular Docking" is about the second'
        in refusal.message
    )
    assert Evidence(q, [gflow, dock, both], BagOfWords(), settings, many=True).combination() is None
    # a part no paper covers is worded otherwise or absent, which the gate decides: no refusal of this kind
    q = "Which papers use GFlowNets for weather forecasting?"
    assert Evidence(q, [gflow, dock], BagOfWords(), settings, many=True).combination() is None
    # one part, or more parts than a criterion is read for: not refused so
    for q in (
        "Which papers study GFlowNets?",
        "Which papers use GFlowNets to generate molecules for docking with proteins in cells?",
    ):
        assert Evidence(q, [gflow, dock], BagOfWords(), settings, many=True).uncombined() is None


def test_a_list_criterions_hyphenated_compound_is_covered_by_its_parts_written_apart() -> None:
    """ "already-trained" is met by an abstract writing "already trained", and "PINN-style" by one writing "PINN" (a
    describing ending such as "-style" aside): the paper covering both parts of the criterion is found, so there is
    no combination refusal; without it the refusal stands."""
    steer = src(
        1, "Steering", "We steer an already trained diffusion model toward a reward, with PINN losses."
    )
    hyphenated = src(2, "Compounds", "Already-trained models and PINN-style training are studied here.")
    other = src(3, "Reward Models", "We learn a reward model from preferences.")
    settings = EvidenceSettings()
    for q in (
        "Which papers use already-trained models for a reward?",
        "Which papers use PINN-style training for a reward?",
    ):
        assert Evidence(q, [steer, hyphenated, other], BagOfWords(), settings, many=True).uncombined() is None
        assert Evidence(q, [hyphenated, other], BagOfWords(), settings, many=True).uncombined() is not None


def test_an_acronym_the_question_writes_is_held_where_a_sentence_spells_it_out() -> None:
    """ "... over plain SFT?": the sentence saying "standard supervised fine-tuning" holds "SFT" (the words in a row, a
    prefix like "super-" not split off), so it leads, and the detail checks do not call "SFT" a name the abstract
    never mentions; a clause whose words start with those letters, but not in a row, does not hold it."""
    from rag.compose import fact_sentences
    from rag.evidence import _spelled

    assert _spelled("a 5% gain over standard supervised fine-tuning", "SFT")
    paper = src(
        1,
        "Masked Thought",
        "Our approach masks tokens of the chain of thought and improves accuracy. "
        "On GSM8K, it achieved a 5% improvement in accuracy over standard supervised fine-tuning.",
    )
    q = "How much did masking improve GSM8K accuracy over plain SFT?"
    evidence = Evidence(q, [paper], BagOfWords())
    second = evidence.by_source[1][1]
    assert evidence.coverage({stem("SFT")}, second.text) == 1.0
    assert evidence.coverage({stem("SFT")}, "Supervised models are fine-tuned with tricks.") == 0.0
    assert "5% improvement" in fact_sentences(evidence, 1)[0].text
    assert (
        evidence.unreported(paper) is None
    )  # "SFT" is said, so it is no condition the abstract never mentions


def test_what_a_question_says_was_swapped_out_is_not_the_answer() -> None:
    """ "What did they swap in for LPIPS?" names what was replaced, as "instead of" does."""
    from rag.compose import _replaced_terms

    assert _replaced_terms("what did they swap in for LPIPS as the metric?") == {
        stem("LPIPS"),
        stem("metric"),
    }
    assert _replaced_terms("What was substituted for the teacher?") == {stem("teacher")}


def test_a_name_of_a_kind_the_abstract_never_says_may_stand_anywhere_in_a_sentence() -> None:
    """ "Which satellite instrument ...?" of an abstract that never says "instrument": the sentence naming one
    ("Advanced Geosynchronous Radiation Imager (AGRI) aboard Fengyun-4B") answers, not the one naming the paper's own
    method in another spelling ("FuxiDA" of the title's "Fuxi-DA"), nor one naming a field by capitalised words and
    the acronym it defines ("Numerical Weather Prediction (NWP)"); a first part that only says which paper is meant
    comes after the answer."""
    from rag.compose import fact_sentences

    paper = src(
        1,
        "Fuxi-DA: A Deep Learning Data Assimilation Framework for Satellite Observations",
        "Data assimilation is a crucial part of Numerical Weather Prediction (NWP) systems. "
        "We introduce FuxiDA, a deep learning framework for assimilating satellite observations. "
        "By assimilating data from Advanced Geosynchronous Radiation Imager (AGRI) aboard Fengyun-4B, it reduces "
        "analysis errors.",
    )
    q = "For the deep-learning data assimilation framework, which satellite instrument's observations were used?"
    picked = fact_sentences(Evidence(q, [paper], BagOfWords()), 1)
    assert "Fengyun-4B" in picked[0].text
    q2 = "Which satellite instrument's observations does the Fuxi-DA data assimilation framework assimilate?"
    assert "Fengyun-4B" in fact_sentences(Evidence(q2, [paper], BagOfWords()), 1)[0].text


def test_counted_papers_described_then_compared_make_a_comparison() -> None:
    """ "Two image inpainting papers: one ..., the other .... How do their core approaches differ?" compares the two
    described papers, as "... What does each ...?" does."""
    q = (
        "Two image inpainting papers: one with a pixel spread model mixing GANs and probabilistic modeling, the "
        "other steering diffusion with a tractable model. How do their core approaches differ?"
    )
    assert detect_kind(q) == "compare"
    assert [e.split(" (")[0] for e in entities(q)] == [
        "one with a pixel spread model mixing GANs and probabilistic modeling",
        "the other steering diffusion with a tractable model",
    ]


def test_a_list_question_naming_a_benchmark_lists_only_papers_that_say_it() -> None:
    """ "Which works use GSM8K ...?": a paper whose words match the rest of the question but never says GSM8K is no
    match, and one that says it is listed (as a possible match at least) whatever else it shares; a field's acronym
    ("LLMs", "ML-prediction-augmented") names nothing specific, and a name in parentheses, after "such as" or as
    one alternative of something unnamed ("MCTS or best-first search") is no criterion."""
    from rag.compose import data_names, list_matches, list_names

    assert list_names("Which works use GSM8K as an evaluation or training dataset?") == ["GSM8K"]
    assert list_names("Which papers fine-tune GPT-4 or Llama-2 on 3D scenes?") == ["GPT-4", "Llama-2"]
    assert list_names("Are there papers on ML-prediction-augmented algorithms for LLMs?") == []
    # names that gloss or illustrate are no criterion, nor one alternative of something else
    assert list_names("Which papers use mixture-of-experts (MoE) models?") == []
    assert list_names("Which papers make solvers such as RANSAC differentiable?") == []
    assert list_names("Which papers combine language models with MCTS or best-first search?") == []
    assert list_names("Which papers report experiments on CIFAR-10 or CIFAR-100?") == [
        "CIFAR-10",
        "CIFAR-100",
    ]
    papers = [
        src(1, "Evaluating Models", "We study evaluation of models trained on a training dataset."),
        src(2, "Math Agents", "We train agents with preference learning, tested on the GSM8K benchmark."),
    ]
    q = "Which works use GSM8K as an evaluation or training dataset?"
    settings = EvidenceSettings()
    listed = [s.n for s, _, _ in list_matches(Evidence(q, papers, BagOfWords(), settings, many=True), papers)]
    assert listed == [2]
    off = settings.model_copy(update={"list_names": False})
    assert 1 in [s.n for s, _, _ in list_matches(Evidence(q, papers, BagOfWords(), off, many=True), papers)]
    # a method's name is no data: a paper of its kind need not say it ("estimators of the SARAH type")
    assert data_names("Which papers build on estimators of the SARAH type?", ["SARAH"]) == []
    assert data_names(
        "Which papers report experiments on CIFAR-10 or CIFAR-100?", ["CIFAR-10", "CIFAR-100"]
    ) == [
        "CIFAR-10",
        "CIFAR-100",
    ]


def test_a_number_beside_the_benchmark_asked_answers_whatever_word_it_uses_for_the_measure() -> None:
    """ "What does it score on miniF2F-test?" is answered by "a pass of 68.4% on the miniF2F-test", though no
    sentence says "score"; an abstract that names the benchmark with no number beside it does not answer."""
    q = "HunyuanProver: what does it score on miniF2F-test?"
    scored = src(1, "HunyuanProver: Guided Tree Search", "It achieves a pass of 68.4% on the miniF2F-test.")
    plain = src(
        1, "HunyuanProver: Guided Tree Search", "It is evaluated on the miniF2F-test with tree search."
    )
    assert Evidence(q, [scored], BagOfWords()).features(scored)["answer_missing"] == 0.0
    assert Evidence(q, [plain], BagOfWords()).features(plain)["answer_missing"] > 0


def test_how_many_asks_about_what_it_counts_to_a_verb_or_the_end() -> None:
    from rag.question import focus

    assert focus("and how many viewers took part?") == ["viewers"]
    assert focus("Robust Losses paper: how many benchmark datasets?") == ["benchmark", "datasets"]
    assert focus("how many more tokens") == ["tokens"]


def test_the_gate_reads_the_paper_retrieval_ranks_first_beside_the_best_sentences_paper() -> None:
    """A question that describes its paper ("That paper recasting shallow nets as convex programs: ...") ranks it
    first, while another paper's sentence is closer to the detail asked ("the time cost of each iteration"): the
    answer comes from the likelier paper, the one described (``evidence.gate_first_hit``), when the question speaks
    of one paper ("that paper", "the ... method")."""
    described = src(
        1,
        "Efficient Global Optimization of Two-layer ReLU Networks",
        "We recast training shallow rectifier nets as convex programs. On the approximate program, the time cost of "
        "each ADMM iteration is quadratic.",
    )
    other = src(
        2,
        "Implicit Regularization of Stability",
        "The time cost of each iteration of gradient descent scales with how sharp the loss is.",
    )
    q = "That paper recasting shallow nets as convex programs: how does the time cost of each iteration scale?"
    settings = EvidenceSettings()
    evidence = Evidence(q, [described, other], BagOfWords(), settings)
    assert evidence.lead() is other  # the best sentence is the other paper's
    assert evidence.gate().paper == 1
    off = settings.model_copy(update={"gate_first_hit": False})
    assert Evidence(q, [described, other], BagOfWords(), off).gate().paper == 2
    # a question about no one paper ("Is there work on ...?") is not read so: its first hit only shares words
    from rag.evidence import _DEFINITE_PAPER

    assert _DEFINITE_PAPER.search(q) and _DEFINITE_PAPER.search(
        "the domain generalization paper built around X"
    )
    assert not _DEFINITE_PAPER.search("Is there work on knowledge graph completion or link prediction?")


def test_a_kind_the_question_qualifies_is_said_by_a_word_before_the_qualifier() -> None:
    """ "Which clustering algorithm is used?" of an abstract that never says "algorithm": "k-means clustering" says
    which one, and the question is answered; "clusters the data iteratively" says none, and it is refused as
    unnamed."""
    q = "Data selection for instruction tuning: which clustering algorithm is used?"
    named = src(
        1, "Diversify and Conquer", "Our method employs k-means clustering to select a diverse subset."
    )
    unnamed = src(1, "Diversify and Conquer", "Our method relies on clustering to select a diverse subset.")
    assert Evidence(q, [named], BagOfWords()).unnamed(named) is None
    assert Evidence(q, [unnamed], BagOfWords()).unnamed(unnamed) is not None


def test_every_comparison_of_a_sentence_is_read_for_the_rival_it_names() -> None:
    """ "it outperforms competitive baselines ...; 2) it achieves comparable accuracies ... comparing to vanilla
    empirical risk minimization": the second comparison names its rival, so "which baseline ...?" is not refused as
    unnamed; with only the generic comparison, it is."""
    q = "Which baseline does the domain-specific risk minimization paper match on every source domain?"
    both = src(
        1,
        "Domain-Specific Risk Minimization",
        "Experiments show that 1) it outperforms competitive baselines on shifts; 2) it achieves comparable "
        "accuracies on all source domains comparing to vanilla empirical risk minimization.",
    )
    generic = src(
        1, "Domain-Specific Risk Minimization", "Experiments show that it outperforms competitive baselines."
    )
    assert Evidence(q, [both], BagOfWords())._unnamed_rival(both, set()) is None
    assert Evidence(q, [generic], BagOfWords())._unnamed_rival(generic, set()) is not None


def test_a_bare_name_before_the_question_is_no_description_quoted_after_the_answer() -> None:
    """ "In Shampoo, what does each matrix act on?": "In Shampoo" names the paper, so the sentence it takes (the
    answer, which says "Shampoo") stays first; only a description of three words or more is quoted last."""
    from rag.compose import fact_sentences

    paper = src(
        1,
        "Shampoo: Preconditioned Stochastic Tensor Optimization",
        "Preconditioning requires storing large matrices. "
        "Shampoo maintains preconditioning matrices, each of which acts on a single dimension.",
    )
    picked = fact_sentences(
        Evidence("In Shampoo, what does each preconditioning matrix act on?", [paper], BagOfWords()), 1
    )
    assert "single dimension" in picked[0].text


def test_a_question_written_in_its_own_shorthand_is_read_as_the_abstract_says_it() -> None:
    """Words a researcher types for what an abstract writes otherwise: a name inside the abstract's camel-case name
    ("Verilog", "eval" of "VerilogEval"), data named without a data word ("on DTU and ETH3D"), and a comparative
    ("lighter") that says only the answer's form."""
    stereo = src(
        1,
        "PatchNet: Learned Patchmatch Stereo",
        "We present PatchNet, a cascade formulation of Patchmatch for high-resolution stereo. "
        "Experiments show strong results on DTU and ETH3D, at least 2.5 times faster than prior methods "
        "with twice less memory usage.",
    )
    q = "PatchNet - which datasets was it evaluated on and how much faster / lighter on memory is it?"
    evidence = Evidence(q, [stereo], BagOfWords())
    parts = evidence.asked.parts
    assert len(parts) == 2
    known = evidence.known_names(stereo)
    assert [evidence._part_answer_missing(stereo, part, known) for part in parts] == [0.0, 0.0]
    # the same question of an abstract that names no data: the data part is unanswered
    bare = src(
        2, "PatchNet: Learned Patchmatch Stereo", "We present PatchNet. It is 2.5 times faster than before."
    )
    bare_evidence = Evidence(q, [bare], BagOfWords())
    assert bare_evidence._part_answer_missing(bare, parts[0], bare_evidence.known_names(bare)) == 1.0
    # a name inside the abstract's camel-case name: said, and a part asking for it is spoken of there
    rtl = src(
        3,
        "ITERTL: Iterative Fine-tuning for RTL Code Generation",
        "Experimental results show 42.9% and 62.2% pass@1 rate on two VerilogEval evaluation datasets.",
    )
    q3 = "ITERTL paper: which eval benchmark did they use for the Verilog generation?"
    evidence = Evidence(q3, [rtl], BagOfWords(), rarity=lambda stems: {t: 1.0 for t in stems})
    # (0.5, not 1.0: a sentence speaks of what is asked, though beside it is no name the question doesn't say)
    assert evidence.unsaid_anywhere == [] and evidence.features(rtl)["answer_missing"] == 0.5
    plain = src(3, "ITERTL", "Experimental results show 42.9% pass@1 on two evaluation datasets.")
    evidence = Evidence(q3, [plain], BagOfWords(), rarity=lambda stems: {t: 1.0 for t in stems})
    assert evidence.unsaid_anywhere == ["Verilog"]


def test_a_time_scale_in_words_answers_how_much_faster() -> None:
    """ "How much faster ...?" is answered by "reduces computation times from minutes to milliseconds", as "how long
    ...?" is; a score asked is not."""
    text = "The model significantly reduces computation times, from minutes to milliseconds."
    assert states("number", text, "How much faster is it than MCMC?")
    assert states("number", text, "How long does inference take?")
    assert not states("number", text, "What accuracy does it reach?")
    # a time alone says how long, not by how much faster
    assert not states(
        "number", "The model trains in hours on one machine.", "How much faster is it than MCMC?"
    )
