"""Extraction grids: column kinds, what each kind of value looks like, rows from every source, and the outputs.

The rules are tested on sentences written for the purpose; the grid itself on the bundled store (462 papers), with
cells checked against the stored abstracts, and ``paper-rag grid`` as a real subprocess.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag import api
from rag.config import Settings
from rag.errors import RagError
from rag.evidence import Sentence
from rag.extraction import (
    _DATA_NAMED,
    MIN_CUE,
    column_kind,
    cue,
    field_acronyms,
    fill_cells,
    parse_columns,
    read_columns,
    supported_value,
    title_task,
)
from rag.question import abbreviations, own_names
from rag.text import split_sentences
from rag.types import NOT_STATED, Column, SearchFilters
from support import LlamaServer, OpenAIStub, answer_events, error, sse

# ------------------------------------------------------------------ columns


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("Dataset", "data"),
        ("Data / benchmarks", "data"),
        ("Model size: How many parameters does the model have?", "parameters"),
        ("Compute: What hardware or compute budget is used?", "hardware"),
        ("GPU", "hardware"),
        ("Baseline: Which baseline or prior method does it compare against or improve on?", "baseline"),
        ("Main result: What is the main quantitative result?", "number"),
        ("Key results", "results"),
        ("Approach", "approach"),
        ("Task: What problem or task does the paper address?", "task"),
        ("Code", "code"),
        ("License", "license"),
        ("Attack type: What kind of attack?", "generic"),
    ],
)
def test_a_column_kind_comes_from_its_label_and_question(spec: str, kind: str) -> None:
    assert column_kind(Column.parse(spec)) == kind


def test_columns_parse_from_strings_dicts_and_columns() -> None:
    cols = parse_columns(["Dataset", "Model size:  How many   parameters?", {"label": "GPU"}, Column("Task")])
    assert [(c.label, c.question) for c in cols] == [
        ("Dataset", ""),
        ("Model size", "How many parameters?"),
        ("GPU", ""),
        ("Task", ""),
    ]
    assert cols[0].query == "What is the dataset?" and cols[1].query == "How many parameters?"
    with pytest.raises(ValueError, match="given twice"):
        parse_columns(["Dataset", "dataset: which data?"])
    with pytest.raises(ValueError, match="needs a label"):
        parse_columns([": a question without a label"])


def test_columns_files_yaml_json_and_errors_name_the_file(tmp_path: Path) -> None:
    yml = tmp_path / "cols.yaml"
    yml.write_text("- Dataset\n- label: Model size\n  question: How many parameters?\n", encoding="utf-8")
    assert [c.label for c in read_columns(yml)] == ["Dataset", "Model size"]
    mapping = tmp_path / "map.yml"
    mapping.write_text("Dataset:\nCompute: What hardware is used?\n", encoding="utf-8")
    assert [(c.label, c.question) for c in read_columns(mapping)] == [
        ("Dataset", ""),
        ("Compute", "What hardware is used?"),
    ]
    js = tmp_path / "cols.json"
    js.write_text(json.dumps({"columns": ["Baseline", {"label": "Task"}]}), encoding="utf-8")
    assert [c.label for c in read_columns(js)] == ["Baseline", "Task"]
    for name, text, message in [
        ("bad.json", "{not json", "not valid JSON"),
        ("bad.yaml", "- [unclosed", "not valid YAML"),
        ("empty.yaml", "", "expected a list"),
        ("dup.yaml", "- A\n- a\n", "given twice"),
    ]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=message) as info:
            read_columns(path)
        assert str(path) in str(info.value)
    with pytest.raises(ValueError, match="can't read"):
        read_columns(tmp_path / "missing.yaml")


# ------------------------------------------------------------------ what a kind of value looks like


def test_data_needs_a_name_other_than_the_papers_own() -> None:
    assert cue("data", "Experiments on HumanEval, MBPP and xCodeEval show gains.") >= 2
    assert cue("data", "We evaluate on several benchmarks and datasets.") == 0
    assert cue("data", "Through experimentation with popular LLMs, beyond traditional benchmarks.") == 0
    own = own_names("FunBench: a benchmark", "We introduce FunBench, a dataset of functions.")
    assert cue("data", "FunBench is a dataset of 500 functions.", own) == 0
    # a named environment is data as a named dataset is
    assert cue("data", "We validate our approach in the WebShop environment, an e-commerce simulation.") >= 2
    # a name that says it is a benchmark, and a name of several words called a dataset, its citation between
    assert cue("data", "It improved the reward model on Rewardbench.") >= 2
    assert cue("data", "On five Big-Bench Hard tasks, it beats the CoT baselines.") >= 2
    assert (
        cue("data", "On the One Billion Word (Chelba et al., 2014) dataset, it trains 40 times faster.") >= 2
    )
    assert cue("data", "It is built for the test bench of our lab.") == 0
    # a dataset every reader knows by name, called nothing: a plain capitalised word ("Criteo"), after "e.g.", with
    # a split's suffix ("miniF2F-test")
    assert (
        cue("data", "It wins at click-through rate prediction on Criteo and on ImageNet.") >= MIN_CUE["data"]
    )
    assert (
        cue("data", "They range from classification (e.g. ImageNet) to detection (e.g. COCO).")
        >= MIN_CUE["data"]
    )
    assert cue("data", "It proves 4 IMO statements in miniF2F-test.") >= MIN_CUE["data"]
    # ... but not inside another word, nor as the paper's own
    assert cue("data", "We pretrain an ImageNetter-style model.") < MIN_CUE["data"]
    own = own_names("MNIST-2: a new digit benchmark", "We release MNIST-2.")
    assert (
        "mnist-2" in {n.lower() for n in own}
        and cue("data", "MNIST-2 holds 90k digits.", own) < MIN_CUE["data"]
    )


def test_numbers_are_quantities_not_names_years_or_enumerations() -> None:
    assert cue("number", "It improves accuracy by 4.2% over the baseline.") > 0
    # the size of the data a paper describes is no result; a result on that data is
    assert cue("number", "We compile 12.4 million sentence pairs from public corpora.") == 0
    assert cue("number", "The dataset includes 447 MRI series from 218 patients.") == 0
    assert cue("number", "On our dataset, which contains 900 scenes, it improves accuracy by 4%.") > 0
    assert cue("number", "The method achieves a rate of O(k^{-3}).") > 0
    # A bound alone, or a finding stated with a number, is a headline number.
    assert cue("number", "We give an O(n log n) time algorithm for the problem.") >= MIN_CUE["number"]
    assert cue("number", "We find that the best batch size can be less than 10.") >= MIN_CUE["number"]
    # ... and so is a rate or a speed-up in words.
    for text in (
        "Under mild conditions, CD methods converge Q-linearly to stationary points.",
        "We show that the method attains a sublinear convergence rate.",
        "It reduces computation times from minutes to milliseconds while matching accuracy.",
        # a count in words, a bound in LaTeX debris, a gain written as "\sim 8\% \uparrow" flattened
        "Empirically, PAIR often requires fewer than twenty queries to produce a jailbreak.",
        "The resulting oracle complexity is mathcal{O}( n + nLvarepsilon^{-1}).",
        "It achieves state-of-the-art results on NATURAL PLAN (sim8%uparrow) and GPQA (sim1%uparrow).",
        # a factor, a share or a rate written out
        "It is at least two and a half times faster and uses twice less memory than existing models.",
        "It matches the state of the art on six out of seven benchmarks.",
        "The network with instance-optimal parameters is superlinearly convergent.",
        # a bound in symbols other than O(...)
        "SGD-based OptEx enjoys an effective acceleration rate of Omega(sqrt(N)) over standard SGD.",
        "Its asymptotic time complexity is of NKD^2 for N data points and K components.",
        "The trace of the Hessian must be less than or equal to 2/eta, where eta is the learning rate.",
    ):
        assert cue("number", text) >= MIN_CUE["number"], text
    for text in (
        "We study the convergence of linear models.",  # no rate stated
        "Exponential families are widely used.",
        "We achieve strong results on CIFAR-10 with GPT-4.",
        "Since 2019, methods have improved.",
        "We propose two constraints: 1) an inter-token one; and 2) a self-attention one that improves quality.",
        "One of the two agents proposes a plan.",  # a count of things, no factor nor share of a result
        "The sample complexity of the problem is high.",
    ):
        assert cue("number", text) == 0, text


def test_a_named_equation_evaluated_on_is_data() -> None:
    text = (
        "We demonstrate superior performance on the turbulent Navier-Stokes equations with 150x compression."
    )
    assert cue("data", text) >= MIN_CUE["data"]
    assert cue("data", "Experiments on Burgers' equation and Darcy flow show the gains.") >= MIN_CUE["data"]
    # an equation the method is about, not evaluated on, names no data
    assert cue("data", "We solve the Poisson equation with a learned preconditioner.") < MIN_CUE["data"]


def test_data_named_as_such_counts_and_field_acronyms_do_not() -> None:
    own = own_names("FlowFix: ...", "We propose FlowFix. We introduce the CodeFlow dataset.")
    assert cue("data", "We introduce the CodeFlow dataset of refined samples.", own) >= MIN_CUE["data"]
    abstract = "Methods for continual learning (CL) need tuning. Large language models (LLMs) are costly."
    assert field_acronyms(abstract) >= {"cl", "llm", "llms"}
    assert field_acronyms("We use Exponential Moving Average (EMA) and the ImageNet (IN) data.") == set()
    assert field_acronyms("It beats direct preference optimization (DPO).") == set()  # a method, not a field
    text = "A CL scenario is constructed with a benchmark dataset."
    assert cue("data", text, own | field_acronyms(abstract)) == 0  # no data is named
    assert cue("data", text, own) > 0  # without the rule, the field's acronym reads as a dataset's name
    # a benchmark the paper introduces is its data, whether the word comes before its name or beside it
    coder = own_names(
        "CoderEval: A Benchmark of Pragmatic Code Generation", "We propose a benchmark named CoderEval."
    )
    assert (
        cue("data", "In this paper, we propose a benchmark named CoderEval, consisting of 230 tasks.", coder)
        >= 2
    )
    chameleon = own_names("GitChameleon: Unmasking ...", "we introduce GitChameleon, a novel dataset")
    introduced = (
        r"To address this gap, we introduce \GitChameleon{}, a novel, manually curated dataset comprising"
    )
    assert cue("data", introduced, chameleon) >= 2
    # ... but not a method set beside what it was evaluated on
    delta = "We present DeltaDock, a docking framework evaluated on the PDBbind dataset."
    assert _DATA_NAMED.findall(delta) == []
    assert _DATA_NAMED.findall(
        "We presented Samanantar, the largest publicly available parallel corpora collection"
    )


def test_parameter_counts_are_not_data_sizes() -> None:
    assert cue("parameters", "We train a 7B model and a 1.3 billion parameter model.") >= 2
    assert cue("parameters", "Our 150M parameter LM matches larger ones.") >= 2
    assert cue("parameters", "We collect 1.5M images and 20M tokens.") == 0
    # a count in words, not the field's commonplace
    assert cue("parameters", "Models with several hundred thousand parameters can be trained.") >= 2
    assert cue("parameters", "Deep networks exploiting millions of parameters are the norm.") == 0


def test_hardware_is_hardware() -> None:
    assert cue("hardware", "It takes 20 seconds on a single A100 GPU.") >= 2
    assert cue("hardware", "Training used 512 TPU-hours.") >= 2
    # hardware of another kind
    assert cue("hardware", "Our algorithm hence requires an analog thermodynamic computer.") >= 2
    assert cue("hardware", "It runs on Intel's neuromorphic research chip Loihi 2.") >= 2
    assert cue("hardware", "We study quantum error correction codes.") == 0
    # a budget says more than a mention of the same hardware
    assert cue("hardware", "We run expert iteration for more than 20,000 CPU days.") > cue(
        "hardware", "We found log-linear trends between proof length and CPU usage."
    )
    assert cue("hardware", "It reaches state-of-the-art results for the on-device model class.") == 0


def test_a_baseline_is_a_specific_thing_compared_with() -> None:
    own = own_names("FunCoder: ...", "We propose FunCoder, a framework.")
    assert cue("baseline", "FunCoder outperforms GPT-3.5 by 9.8%.", own) >= 2
    assert cue("baseline", "Our method is faster than stochastic gradient descent.", own) >= 2
    assert cue("baseline", "It surpasses strong baselines, such as DPO and RSO.", own) >= 2
    assert cue("baseline", "We propose a new variant of AMSGrad, a popular optimizer.", own) >= 2
    # The comparison may stand apart from its object, or be a listing of prior methods.
    assert cue("baseline", "Our loss gives better image quality than VGG-based perceptual losses.", own) >= 2
    assert cue("baseline", "It brings a 4% gain in recall over plain beam search.", own) >= 2
    assert cue("baseline", "We revisit popular pruning methods, such as SNIP and GraSP.", own) >= 2
    assert (
        cue("baseline", "Existing approaches for speeding up code like SOAP and PIE are limited.", own) >= 2
    )
    assert cue("baseline", "We propose a modification to two algorithms (Edge-Popup and Biprop).", own) >= 2
    assert cue("baseline", "The new optimizer shows a clear advantage against AdamW.", own) >= 2
    assert (
        cue("baseline", "It needs fewer operations when compared to algorithms in releases of LAPACK.") >= 2
    )
    # one method named by what it does
    assert cue("baseline", "It outperforms the greedy algorithm on every instance.", own) >= 2
    assert (
        cue("baseline", "The new strategy has an intrinsic advantage against the best response strategy.")
        >= 2
    )
    assert (
        cue("baseline", "This extends the previously identified curse of memory to nonlinear RNNs.", own) >= 2
    )
    # prior work named by what it is
    for text in (
        "In this paper, we study BNNs as alternatives to standard GP surrogates for optimization.",
        "It generates images with fewer steps than the conventional next-token-prediction paradigm.",
        "The first loss is based on the original triplet loss with a few modifications.",
        "A zeroth order variant keeps the projection-free nature of the vanilla Frank-Wolfe algorithm.",
        "We compare their code with three baselines: original, instruction-tuned, and PIE-tuned CodeLLMs.",
        # the object is what is compared with, described as it may be
        "It outperforms simple baselines, as well as, state-of-the-art Learning To Rank (LTR) baselines.",
        "Two-step sampling reduces FID further, surpassing those obtained via distillation.",
        "Compared to an alternative approach built on the well-known TextRank algorithm, it gains 8 points.",
        "This improves on the previous best rate of O(sqrt{d}/n).",
        "It gives an exponential improvement over the previous state-of-the-art O(T) bound.",  # "(T)" is its own
        "We propose a new formalism, subsuming the loss function proposed by Hyvaerinen for non-negative data.",
        "Extensive comparison of the CIRIM to CS as well as to other methods is performed: the E2EVN, RIM.",
        # what a method unifies, improves, or is set against
        "We introduce a family of models that unifies diffusion models and Poisson Flow Generative Models (PFGM).",
        "This technique, an improvement of classical weight decay, adds a regularization term.",
        "Our loss, in contrast to the supervised pre-training loss, needs no labels of optimal actions.",
        # prior work cited by its authors, with what it did
        "In MCMC sampling, a recent breakthrough in Doshi et al. (2023) shows that the walk lowers the variance.",
        "Scheibler et al. proposed the SparseFHT algorithm for the noiseless case.",
        "Jain, Netrapalli and Sanghavi~jns13 showed that alternating minimization recovers the matrix.",
        "EGN exceeds, or at most matches the generalization performance of well-tuned SGD, Adam, and SGN.",
        # a class of methods given by its examples, "existing" or not
        "Our analysis explains the success of many regularizers like CORAL, IRM, and Fishr.",
        "Tree search algorithms (e.g. MCTS) can boost LLM performance.",
        "It is competitive with optimizers such as Adam, L-BFGS and SGD.",
        # prior work named by what it is, its phrase ending at its head before a verb or its acronym
        "We show that the standard fixed-point iteration achieves a O(1/k) rate on the residual.",
        "Traditional knowledge distillation focuses on aligning the probabilities.",
        "The vanilla Frank-Wolfe algorithm makes no use of gradients.",
        "While the traditional back-propagation stochastic gradient descent (SGD) algorithm works, it gets stuck.",
        "The looped transformer performs comparably to the standard transformer in solving these problems.",
        # a noun ending in "-er" names; a comparative describes
        "It offers a significant teaching speed-up over repeated single-learner teaching.",
        # a proper name in capitalised words, not an acronym
        "Tree search algorithms (e.g. Monte Carlo Tree Search) can boost LLM performance.",
        "It converges in fewer steps than Newton's method on every problem.",
    ):
        assert cue("baseline", text, own) >= 2, text
    for text in (
        "FunCoder outperforms existing state-of-the-art methods.",
        "Our approach is better than a random guess, we show.",
        "The distribution of exceedance times is computed.",
        "We compare favourably.",
        "Evaluations show that FunCoder outperforms state-of-the-arts, demonstrating its strength.",
        "Our model achieved a relative improvement of 16.9% compared to the non-iterative method.",
        "It can even outperform the state-of-the-art (SOTA) open-source model.",
        "Existing methods, such as these, need labels.",
        "It shows an improvement in accuracy over existing approaches.",
        "Standard models often violate them, some exceeding 95% non-compliance.",
        "We achieve less than half the error of the MLP with 150x compression.",
        "Jiang et al. examine more than a dozen generalization bounds.",
        "We give evidence for the conjectures laid out by Sagun et al. (2016) on the Hessian.",  # examined
        "It brings an improvement of 5% in accuracy.",  # a figure
        "In contrast to prior work, we need no labels.",
        "The parameter vector is several orders of magnitude larger than the batch size.",  # a measure
        "It improves over the original model.",  # described, not named
        "It outperforms the proposed sampling strategy.",
        "It extends the ensemble learning concept to combine loss functions.",  # an idea, not a method
        "Our model has an advantage against the proposed sampling strategy.",
        "Empirically, PAIR often requires fewer than twenty queries to produce a jailbreak.",  # a count
        "We match the state-of-the-art complexity of standard BO problems with a single block.",  # a problem
        "However, conventional SDEs assume the noise follows a Brownian motion.",  # a class of models
        "We evaluate on standard benchmarks.",
        "It proves 17.0% of problems, compared to only 9.5% of problems before.",
        "The inner product of the gradients is large relative to the individual gradient norms.",
        "Our models go beyond them, outperforming many larger open-source and closed-source models.",
        "EnsLoss extends the ensemble learning concept to combine loss functions within the ERM framework.",
        "It outperforms existing methods on YABBOB and BBOB.",  # where, not with what
        "It achieves significant gains and improves on challenging tasks like BigCodeBench.",  # a task
        "It improves across all parameters when compared to the state-of-the-art (SOTA) benchmarks.",
        "Evaluation on large models like GPT-3 and Bloom shows that it saves energy.",  # models it is run on
        "We combine strategies such as gradual unfreezing with discriminative learning rates.",  # nothing named
        # a class, not one method: the head of the phrase is plural
        "However, traditional fine-tuning methods are computationally intensive.",
        "It is similar to the prior Thompson sampling algorithms under the regular RL setting.",
        "It differs from the previous attention attempts in that it points.",
        "The existing evaluation method fails to assess the capability.",  # a generic head, nothing named
        "It is faster than other state-of-the-art first-order and second-order methods.",
        "Our models go beyond them, outperforming many larger and stronger models.",
        # one capitalised word may be any proper noun, not a method ("with Brax")
        "It outperforms the others in continuous control tasks with Brax.",
    ):
        assert cue("baseline", text, own) == 0, text


def test_a_title_names_its_task_after_for_or_before_via() -> None:
    assert title_task("Coordinate Descent Methods for Fractional Minimization") == "Fractional Minimization"
    assert title_task("Boosting Tool Use of Large Language Models via Iterative Fine-Tuning") == (
        "Boosting Tool Use of Large Language Models"
    )
    assert title_task("EnsLoss: Stochastic Loss Ensembles for Preventing Overfitting in Classification") == (
        "Preventing Overfitting in Classification"
    )
    assert title_task("Reverse Derivative Ascent: A Categorical Approach to Learning Boolean Circuits") == (
        "Learning Boolean Circuits"
    )
    assert title_task("Pointer Networks") == ""
    assert title_task("Neural Collapse in Deep Linear Networks") == ""  # "in" names a setting, not a task


def test_data_is_not_a_model_a_measure_or_what_is_compared_with() -> None:
    own = own_names("UDIM: ...", "We propose UDIM.")
    for text in (
        "This effect is observed in a range of models but is strongest in GPT-4o and Qwen2.5-Coder-32B-Instruct.",
        "Based on the popular LLaVA-NeXT model, we demonstrate gains across multi-modal benchmarks.",
        "We use existing evaluations and a new metric based on the KL-divergence.",
        "UDIM consistently outperforms SAM variants across multiple benchmark datasets.",
        "We introduce a new set of benchmarks in 3D space with full Degree-of-Freedoms.",
    ):
        assert cue("data", text, own) < MIN_CUE["data"], text
    # an abstract's acronyms of lower-case words name concepts, not data
    text = "SIR reduces NFEs by repeatedly optimizing 3D parameters, unlike the single optimization in SDS."
    abstract = "Score distillation sampling (SDS) needs many function evaluations (NFEs). " + text
    assert cue("data", text, own, set(abbreviations(abstract))) < MIN_CUE["data"]
    # a comparison made on a named testbed still names the testbed
    assert cue("data", "It is compared to competitors on YABBOB, a BBOB comparable testbed.", own) >= 2
    assert cue("data", "These reach FID scores of 2.51 and 3.25 on CIFAR-10 and ImageNet.", own) >= 2


def test_a_name_called_a_benchmark_is_surer_data_than_names_of_models() -> None:
    own = own_names("IP-RLDF", "We propose IP-RLDF.")
    models = "We run experiments on three different models, including SDv2, GLIGEN, and SDXL."
    benchmark = "We improve by 15% on the spatial relation VISOR benchmark over previous RL methods."
    assert cue("data", benchmark, own) > cue("data", models, own)


def test_own_names_are_what_the_paper_defines_not_what_it_builds_on() -> None:
    abstract = (
        "We propose PQ Index (PQI) to measure compressibility. We propose a new variant of AMSGrad. "
        "Our Schedule-Free approach needs no schedule."
    )
    own = own_names("Pruning from a sparsity perspective", abstract)
    assert {"pq", "pqi", "schedule-free"} <= own
    assert "amsgrad" not in own
    assert "sophia" in own_names("Sophia: A Scalable Optimizer", "")


def _sentences(*texts: str) -> list[Sentence]:
    return [Sentence(1, t) for t in texts]


def test_story_columns_come_after_the_method_sentence_and_compare_cells_differ() -> None:
    s = _sentences(
        "Large models have achieved 90% accuracy on many tasks.",  # background with a number
        "We propose Foo, a method for sparse attention.",
        "On ImageNet and COCO benchmarks, Foo improves accuracy by 3.1%.",
    )
    kinds = ["approach", "number", "data"]
    sims = [[0.1, 0.2, 0.3]] * 3
    grid_picks = fill_cells(s, kinds, sims)
    assert [p.index if p else None for p in grid_picks] == [1, 2, 2]  # a grid may quote one sentence twice
    compare_picks = fill_cells(s, kinds, sims, distinct=True)
    assert [p.index if p else None for p in compare_picks] == [1, 2, None]  # a compare table never does
    # Without a method sentence, the opening sentence still isn't a result.
    assert fill_cells(s[:1] + s[2:], ["number"], [[0.9, 0.1]])[0].index == 1


def test_an_opening_sentence_of_background_is_the_baseline_only_when_no_later_one_names_one() -> None:
    opening = "Existing imitation learning methods such as inverse reinforcement learning (IRL) are slow."
    later = "Our method is faster than behavior cloning."
    rest = ["We propose Foo, a method that learns from physics.", "It needs one loop."]
    sims = [[0.9, 0.1, 0.1, 0.1]]
    assert fill_cells(_sentences(opening, *rest, later), ["baseline"], sims)[0].index == 3
    found = fill_cells(_sentences(opening, *rest, "It is fast."), ["baseline"], sims)[0]
    assert found is not None and found.index == 0


def _task_cells(tmp_path: Path, title: str, abstract: str, setting: str) -> dict[str, str]:
    """The task cell of one ingested paper with a grid setting off ("off") and at its default ("default")."""
    src = tmp_path / "paper.jsonl"
    src.write_text(json.dumps({"title": title, "abstract": abstract}) + "\n", encoding="utf-8")
    cells = {}
    for name, value in (("off", 0.0), ("default", getattr(Settings().grid, setting))):
        settings = Settings(home=tmp_path / "home", grid={setting: value})
        api.ingest([src], settings=settings)
        grid = api.grid(
            [title], columns=["Task: What problem or task does the paper address?"], settings=settings
        )
        cells[name] = grid.rows[0].cells[0].text
    return cells


# Each task-cell setting on its own (title, abstract, setting): at its default the cell is the first sentence
# named, with the setting off the second.
TASK_CASES = {
    # A title names the problem: the task cell is the sentence sharing its words (not the method's own name),
    # rather than an early generic "challenge" sentence; with the title-words weight off, the generic one wins.
    "title words": (
        "Wombat: Curriculum Learning for Protein Folding",
        "Deep networks have achieved impressive results in many tasks. "
        "The central challenge is that training is slow and unstable. "
        "Protein folding remains hard for curriculum learning, because easy structures are rare. "
        "We propose Wombat, which orders training examples by difficulty. Wombat trains twice as fast.",
        "task_title_terms",
        ("Protein folding remains hard", "The central challenge"),
    ),
    # "<method> for <task>": the words after the title's "for" name the problem, and weigh more than the method's
    # words (with the phrase weight off, the sentence repeating the method's words wins).
    "title task phrase": (
        "Curriculum Sampling Networks for Protein Folding",
        "Protein folding remains slow to learn from hard structures. "
        "We propose curriculum sampling networks, whose curriculum sampling orders the training examples. "
        "They train twice as fast.",
        "task_title_phrase",
        ("Protein folding remains slow", "We propose curriculum sampling networks"),
    ),
    # The problem is stated before "we propose ...": a later sentence that repeats the title's words describes the
    # method or its results, and loses to the problem sentence (with the penalty off, it wins).
    "before the method": (
        "Curriculum Learning in Protein Folding",
        "Predicting how proteins fold is slow when training sees hard structures first. "
        "We propose Wombat, which orders training examples by difficulty. "
        "Wombat applies curriculum learning to protein folding and trains folding models twice as fast.",
        "task_after_method",
        ("Predicting how proteins fold", "Wombat applies curriculum learning"),
    ),
    # A sentence that continues another ("However, ...") is not where the problem is stated, though it repeats the
    # title's words (with the penalty off, it wins).
    "continues": (
        "Summarizing Long Documents with Sparse Attention",
        "Summarizing long documents is a core problem of text generation. "
        "However, summarizing long documents with sparse attention loses facts. "
        "We propose Lynx, a sparse attention layer. Lynx keeps more facts.",
        "task_continues",
        ("Summarizing long documents is a core problem", "However, summarizing long documents"),
    ),
}


@pytest.mark.parametrize("case", list(TASK_CASES))
def test_a_task_cell_setting_picks_the_problem_sentence(tmp_path: Path, case: str) -> None:
    title, abstract, setting, (at_default, when_off) = TASK_CASES[case]
    cells = _task_cells(tmp_path, title, abstract, setting)
    assert cells["default"].startswith(at_default)
    assert cells["off"].startswith(when_off)


# ------------------------------------------------------------------ the grid on the bundled store


def _sentences_of(abstract: str) -> set[str]:
    return set(split_sentences(abstract))


COLUMNS = [
    "Dataset",
    "Model size: How many parameters does the model have?",
    "Compute: What hardware or compute budget is used?",
]


def test_a_grid_of_named_papers_quotes_their_own_sentences(bundled_settings: Settings) -> None:
    papers = api.papers(settings=bundled_settings)
    picked = [papers[i] for i in range(0, 40, 4)]  # 10 papers, by id
    seen: list[tuple[int, int]] = []
    grid = api.grid(
        [p.paper_id for p in picked],
        columns=COLUMNS,
        settings=bundled_settings,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(i, 10) for i in range(1, 11)]  # one call per row, in order
    assert [r.paper_id for r in grid.rows] == [p.paper_id for p in picked]
    assert [r.n for r in grid.rows] == list(range(1, 11))
    assert [c.label for c in grid.columns] == ["Dataset", "Model size", "Compute"]
    abstracts = {p.paper_id: p.abstract for p in picked}
    stated = 0
    for row in grid.rows:
        assert len(row.cells) == 3
        for cell in row.cells:
            if cell.stated:
                stated += 1
                assert cell.text in _sentences_of(abstracts[row.paper_id])
            else:
                assert cell.text == NOT_STATED
    assert 0 < stated < 30  # some stated, and "not stated" said where the abstracts don't say


def test_rows_from_titles_a_query_a_list_question_and_filters(bundled_settings: Settings) -> None:
    by_title = api.grid(["FlashAttention", "Monarch"], settings=bundled_settings)
    assert len(by_title.rows) == 2 and all("FlashAttention" in by_title.rows[0].title for _ in [0])
    assert [c.label for c in by_title.columns] == [c.label for c in api.DEFAULT_GRID_COLUMNS]

    query = api.grid(query="diffusion models for image generation", limit=7, settings=bundled_settings)
    assert query.rows_from == "query" and len(query.rows) == 7
    top = api.search("diffusion models for image generation", k=7, settings=bundled_settings)
    assert [r.paper_id for r in query.rows] == [h.paper_id for h in top.hits]

    listed = api.grid(
        list_question="Which papers study jailbreak attacks on LLMs?", settings=bundled_settings
    )
    assert listed.rows_from == "list question" and listed.checked >= len(listed.rows) >= 2
    assert all(
        "jailbreak" in (r.title + api.find_paper(r.paper_id, bundled_settings).abstract).lower()
        for r in listed.rows
    )

    yearly = api.grid(
        filters=SearchFilters(year_from=2019, year_to=2019, include_undated=False), settings=bundled_settings
    )
    in_2019 = api.papers(
        settings=bundled_settings, filters=SearchFilters(year_from=2019, year_to=2019, include_undated=False)
    )
    assert yearly.rows_from == "filters" and {r.paper_id for r in yearly.rows} == {
        p.paper_id for p in in_2019
    }


def test_a_list_question_about_nothing_in_the_collection_gives_no_rows_and_says_why(
    bundled_settings: Settings,
) -> None:
    question = "Which papers study medieval French poetry?"
    grid = api.grid(list_question=question, settings=bundled_settings)
    assert grid.rows == [] and grid.notes and "does not contain" in grid.notes[0]
    assert api.ask(question, settings=bundled_settings).refused  # the list answer refuses it too


def test_bad_requests_are_one_clear_error(bundled_settings: Settings) -> None:
    cases = [
        ({}, "needs rows"),
        ({"papers": ["FlashAttention"], "query": "attention"}, "one way"),
        ({"papers": ["no such paper zzzq"]}, "no stored paper matches"),
        ({"papers": ["FlashAttention"], "columns": ["A", "a"]}, "given twice"),
        ({"papers": ["FlashAttention"], "columns": [f"C{i}" for i in range(13)]}, "at most 12"),
    ]
    for kwargs, message in cases:
        with pytest.raises(RagError, match=message):
            api.grid(settings=bundled_settings, **kwargs)


def test_outputs_cite_every_row(bundled_settings: Settings) -> None:
    grid = api.grid(query="speculative decoding", limit=4, columns=COLUMNS, settings=bundled_settings)
    md = api.grid_markdown(grid)
    assert md.splitlines()[0] == "| Paper | Dataset | Model size | Compute |"
    for row in grid.rows:
        assert f"{row.title} [{row.n}]" in md and f"[{row.n}] {row.title}" in md  # table row and reference
        for cell in row.cells:
            assert (f"[{row.n}]" in api.grid_markdown(grid)) and (cell.stated or cell.text == NOT_STATED)
    table = list(csv.reader(io.StringIO(api.grid_csv(grid))))
    assert table[0] == ["n", "paper", "paper_id", "date", "Dataset", "Model size", "Compute"]
    assert [r[2] for r in table[1:]] == [r.paper_id for r in grid.rows]
    data = json.loads(json.dumps(grid.to_dict()))
    assert [r["paper_id"] for r in data["rows"]] == [r.paper_id for r in grid.rows]
    assert set(data["rows"][0]["cells"]) == {"Dataset", "Model size", "Compute"}
    text = api.grid_text(grid)
    assert text.endswith("cells are not stated in the abstracts.") and "speculative decoding" in text


def test_the_compare_table_and_a_default_grid_pick_the_same_kinds(bundled_settings: Settings) -> None:
    """Compare's cells and the grid's default columns come from one rule set: every stated compare cell's sentence
    is of the kind the grid's column of that name wants."""
    answer = api.compare("Compare FlashAttention and Monarch", settings=bundled_settings)
    assert len(answer.table) == 2
    for row in answer.table:
        for kind, cell in (("approach", row.approach), ("data", row.data), ("results", row.results)):
            if cell != NOT_STATED:
                assert cue(kind, cell) > 0, (kind, cell)


# ------------------------------------------------------------------ the command line


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPER_RAG_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "grid", "--no-progress", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_grid_csv_json_and_errors(bundled_settings: Settings, tmp_path: Path) -> None:
    home = bundled_settings.home
    cols = tmp_path / "cols.yaml"
    cols.write_text("- Dataset\n- label: Speed-up\n  question: How much faster is it?\n", encoding="utf-8")
    out = _cli(home, "--paper", "FlashAttention", "--paper", "Monarch", "--columns", str(cols), "--csv")
    assert out.returncode == 0, out.stderr
    table = list(csv.reader(io.StringIO(out.stdout)))
    assert table[0][4:] == ["Dataset", "Speed-up"] and len(table) == 3

    out = _cli(home, "--query", "speculative decoding", "--limit", "3", "--column", "Dataset", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (
        data["rows_from"] == "query" and len(data["rows"]) == 3 and data["columns"][0]["label"] == "Dataset"
    )

    out = _cli(home, "--paper", "FlashAttention", "--column", "Dataset")
    assert out.returncode == 0 and "[1] " in out.stdout and "    Dataset: " in out.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("- [unclosed", encoding="utf-8")
    for args, message in [
        (("--paper", "FlashAttention", "--columns", str(bad)), f"error: {bad}: not valid YAML"),
        (
            (
                "--paper",
                "zzzq no such paper",
            ),
            "error: no stored paper matches",
        ),
        ((), "error: a grid needs rows"),
    ]:
        out = _cli(home, *args)
        assert out.returncode == 1 and out.stderr.strip().startswith(message), out.stderr
        assert "Traceback" not in out.stderr


# ------------------------------------------------------------------ short values from an LLM, checked


def test_a_value_is_kept_only_when_its_sentence_says_it() -> None:
    sentence = "FlashAttention gives a 3x speedup on GPT-2 and 2.4x on long-range arena."
    assert supported_value("3x speedup on GPT-2", sentence)
    assert supported_value("GPT-2", sentence)
    for value in ("NONE", "", "5x speedup", "GPT-3", "ImageNet", "a " * 13):
        assert not supported_value(value, sentence), value


def test_an_llm_writes_short_values_that_are_checked(
    bundled_settings: Settings, openai_stub: OpenAIStub
) -> None:
    def value(request: dict) -> list[dict]:
        prompt = request["body"]["messages"][-1]["content"]
        sentence = prompt.split("Sentence: ", 1)[1]
        # A model that is right about GPT-2 and makes up a dataset otherwise.
        return answer_events("GPT-2" if "GPT-2" in sentence else "ImageNet-21k")

    openai_stub.actions = [sse(value)]
    settings = bundled_settings.override(
        llm={"base_url": openai_stub.url, "api_key": "sk-test", "model": "m"}
    )
    grid = api.grid(
        ["FlashAttention", "Sophia: A Scalable"],
        columns=["Speed-up: How much faster is it?"],
        backend="openai",
        settings=settings,
    )
    assert grid.backend == "openai" and not grid.notes
    cells = [row.cells[0] for row in grid.rows]
    assert all(c.stated for c in cells)
    for cell in cells:
        # "GPT-2" where the sentence says GPT-2; the made-up "ImageNet-21k" never shown.
        assert cell.value == ("GPT-2" if "GPT-2" in cell.text else "")
    assert "GPT-2 - " in api.grid_markdown(grid)
    assert len(openai_stub.history) == len(cells)


def test_a_failing_llm_leaves_the_sentences_with_a_note(
    bundled_settings: Settings, openai_stub: OpenAIStub
) -> None:
    openai_stub.actions = [error(500, "server on fire")]
    settings = bundled_settings.override(
        llm={"base_url": openai_stub.url, "api_key": "sk-test", "model": "m"}
    )
    grid = api.grid(["FlashAttention"], columns=["Dataset"], backend="openai", settings=settings)
    assert grid.rows[0].cells[0].stated and grid.rows[0].cells[0].value == ""
    assert len(grid.notes) == 1 and grid.notes[0].startswith("short values unavailable")


@pytest.mark.slow
def test_values_from_a_real_model_on_loopback_are_checked(
    llama_server: LlamaServer, bundled_settings: Settings
) -> None:
    """The bundled 270M model served by llama.cpp as an OpenAI-compatible peer: whatever it writes, a value shown
    is one its sentence supports, and every cell keeps its sentence."""
    settings = bundled_settings.override(
        llm={
            "base_url": llama_server.url,
            "api_key": "sk-local",
            "model": "gemma-270m",
            "context_window": 2048,
        }
    )
    plain = api.grid(
        ["FlashAttention", "Sophia: A Scalable", "Monarch"],
        columns=[*COLUMNS[:1], "Speed-up"],
        settings=settings,
    )
    grid = api.grid(
        ["FlashAttention", "Sophia: A Scalable", "Monarch"],
        columns=[*COLUMNS[:1], "Speed-up"],
        backend="openai",
        settings=settings,
    )
    assert grid.backend == "openai" and "values" in grid.timings_ms
    for before, after in zip(plain.rows, grid.rows, strict=True):
        for a, b in zip(before.cells, after.cells, strict=True):
            assert (a.text, a.stated) == (b.text, b.stated)  # values never change which sentence fills a cell
            assert b.value == "" or supported_value(b.value, b.text)


@pytest.mark.parametrize(
    ("sentence", "presents"),
    [
        ("We propose a novel solver.", True),
        ("We address this issue and propose a novel fast and simple SB solver.", True),
        ("While existing methods approximate it, this paper proposes to exploit tractable models.", True),
        (
            "Specifically, this paper adopts a class of expressive TPMs termed Probabilistic Circuits (PCs).",
            True,
        ),
        (
            "It turns out that there is no principal solver, just like the k-means method in clustering.",
            False,
        ),
        ("Empirical results suggest that our approach can consistently improve quality.", False),
    ],
)
def test_an_approach_sentence_is_one_that_presents_the_papers_method(sentence: str, presents: bool) -> None:
    """The approach cell's cue: the paper presenting its method ("we ... propose", "this paper proposes / adopts")
    outweighs a sentence that only uses method words (a background sentence, a result "of our approach")."""
    assert (cue("approach", sentence) >= 3.0) == presents
