"""What a question asks, from its wording (rag.question), and the composition rules built on it (rag.compose): pure
functions, table-driven, no models."""

from __future__ import annotations

import pytest

from rag import compose
from rag.question import (
    abbreviations,
    analyze,
    asked_kinds,
    asks_genre,
    asks_name,
    asks_proper_name,
    bare_reference,
    focus,
    genre_sentence,
    genre_topic,
    mentions_genre,
    new_name,
    own_names,
    paper_names,
    proper_kind,
    resolve_ones,
    says_name,
    says_phrase,
    says_title,
    split_parts,
    states,
    summary_name,
    summary_subject,
    title_name,
    unframed,
    unstated_units,
    without_description,
    without_genre,
)
from rag.text import stem


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("What FID does PFGM++ report on CIFAR-10?", ["What FID does PFGM++ report on CIFAR-10"]),
        (
            "Which benchmark does X introduce, how many problems does it have and what does GPT-4 score?",
            ["Which benchmark does X introduce", "how many problems does it have", "what does GPT-4 score"],
        ),
        ("What is it? And how fast is it?", ["What is it", "And how fast is it"]),
        ("Which approach, and why?", ["Which approach, and why"]),  # a two-word tail is not a part
        (
            "By how much does it speed up grokking, and on which graph dataset was that shown?",
            ["By how much does it speed up grokking", "on which graph dataset was that shown"],
        ),
        (
            "What does the method do with data from which sensor?",
            ["What does the method do with data from which sensor"],
        ),
        (
            "Which two models was it validated with, and on how many benchmarks did it gain?",
            ["Which two models was it validated with", "on how many benchmarks did it gain"],
        ),
        (
            "Which loss is it built on, and by how many points does it beat the baselines?",
            ["Which loss is it built on", "by how many points does it beat the baselines"],
        ),
        # the comma that closes an aside of examples goes on with the same question
        (
            "Which base model, e.g. which Llama version, did they fine-tune?",
            ["Which base model, e.g. which Llama version, did they fine-tune"],
        ),
        # ... but not a part that asks something of its own after an example, nor "for example" in running text
        (
            "Which datasets do they use, e.g. ImageNet, and does it beat GPT-4?",
            ["Which datasets do they use, e.g. ImageNet", "does it beat GPT-4"],
        ),
        (
            "Which model generates data for example selection, and does it beat GPT-4?",
            ["Which model generates data for example selection", "does it beat GPT-4"],
        ),
        # a part may open with any preposition before its question word
        (
            "Which radar does the method read, and aboard which aircraft is it flown?",
            ["Which radar does the method read", "aboard which aircraft is it flown"],
        ),
        (
            "Which layers does it prune, and using which criterion are they ranked?",
            ["Which layers does it prune", "using which criterion are they ranked"],
        ),
        # ... or a preposition of two words ("up to what", "compared to which")
        (
            "Under what conditions is extrapolation possible, and up to what transformation is it identifiable?",
            [
                "Under what conditions is extrapolation possible",
                "up to what transformation is it identifiable",
            ],
        ),
        (
            "Which loss does it use, and compared to which baseline is it faster?",
            ["Which loss does it use", "compared to which baseline is it faster"],
        ),
        # a relative clause after a comma asks nothing of its own
        (
            "What reward model does it train, after which the policy is tuned on GLUE?",
            ["What reward model does it train, after which the policy is tuned on GLUE"],
        ),
        # a sentence that says which paper is meant is a part of its own before the sentence that asks, "etc." too
        (
            "I remember a paper on masked thoughts. What does it improve over SFT?",
            ["I remember a paper on masked thoughts", "What does it improve over SFT"],
        ),
        (
            "a study of planning, navigation etc. how many models did it test?",
            ["a study of planning, navigation etc", "how many models did it test"],
        ),
        # ... but "e.g." and "vs." end no sentence
        ("Compare A vs. what B does", ["Compare A vs. what B does"]),
        # a bare "Which <kind>?" after a statement asks that kind: a part of its own, short as it is
        (
            "A paper shows that pruning with one classic saliency score keeps accuracy. Which score?",
            ["A paper shows that pruning with one classic saliency score keeps accuracy", "Which score"],
        ),
        ("Sophia is fast. What for?", ["Sophia is fast. What for"]),
        (
            "Does it say some method already does this? which one",
            ["Does it say some method already does this? which one"],
        ),
    ],
)
def test_split_parts(question: str, parts: list[str]) -> None:
    assert split_parts(question) == parts


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many GPUs were used?", {"number", "hardware"}),
        ("What FID does it reach?", {"number"}),
        ("Under which license is the code released?", {"license", "code"}),
        ("How many parameters does the model have?", {"number", "parameters"}),
        ("Where can I find the source code?", {"code"}),
        ("How long does it take to train?", {"number", "duration"}),
        ("What is the main idea?", set()),
        ("Which games are used in the experiments?", {"experiments"}),
        ("How many agents were simulated?", {"number", "experiments"}),
        ("What datasets was it evaluated on?", {"experiments"}),
        ("What learning rate and batch size did they train with?", {"number", "hyperparameters"}),
        ("Which privacy budget (epsilon) does it use?", {"hyperparameters"}),
        # a setting named as the topic, not asked for
        ("Which paper forecasts sea surface temperature?", set()),
        # a "how much" clause the question only mentions is not asked; after a preposition or a verb of telling it is
        ("How does the sampler decide how many proposals to draw?", set()),
        ("Which model controls how long the search runs?", set()),
        ("On how many tasks was it tested?", {"number"}),
        ("Does the abstract report how many GPUs were used?", {"number", "hardware"}),
        # a metric as the subject of another verb is not asked ("what else do the scores give?")
        ("What else do the confidence scores give?", set()),
        ("What does the prover score on the formal benchmark?", {"number"}),
        # detection and retrieval metrics, and a factor, ask numbers too
        ("What mAP does the detector reach on COCO?", {"number"}),
        ("What mIoU does the segmenter reach?", {"number"}),
        ("By what factor does it cut the cost?", {"number"}),
        # ... a factor of something that scales, and a factor described ("by what constant factor")
        ("What acceleration factor was used for the knee data?", {"number"}),
        ("By what constant factor do its sample counts grow?", {"number"}),
        ("What factors explain the gap?", set()),
        ("Which factor matters most for transfer?", set()),
        # "what is the <up to three words> improvement" asks one as "what's the ..." does
        ("What is the best utility improvement at inference time?", {"number"}),
        ("Which papers analyse learning-rate schedules?", set()),
        ("Where is the open-source implementation of the optimizer hosted?", {"code"}),
        # a model's size asked in other words
        ("What parameter sizes of Qwen2 were used?", {"parameters"}),
        ("Which sizes of OPT were fine-tuned?", {"parameters"}),
        # a quantity asked by its noun, when the noun is the phrase's head
        ("What rank does the adapter use?", {"number"}),
        ("At what carrier frequency does the system operate?", {"number", "unit"}),
        ("What depth of network do they study?", {"number"}),
        ("What Reynolds number is the dataset run at?", {"number"}),
        ("What's the context length of the model?", {"number"}),
        ("What output dimension do the token vectors have?", {"number"}),
        ("What dimensions do the embeddings have?", {"number"}),
        # ... but "which dimensions" asks which aspects
        ("Which dimensions can be made elastic in the quantization space?", set()),
        ("Which three dimensions does the search space span?", set()),
        ("Which cost function do they minimise?", set()),
        ("Which steps does the pipeline take?", set()),
        ("What value does the method add?", set()),
        # ... and not after a preposition: "what metric of computation amount" asks a metric
        ("What metric of computation amount do they propose?", set()),
        # a quantity with a unit of its own, asked as a quantity
        ("How much GPU memory does it need to generate a mesh?", {"number", "hardware", "unit"}),
        ("At how many frames per second does it run?", {"number", "unit"}),
        ("How many tokens does the corpus hold?", {"number", "unit"}),
        ("By what factor does it reduce memory usage?", {"number", "unit"}),
        # ... not a quantity the question only mentions
        ("On which GPU did it show its memory savings?", {"hardware"}),
        ("Which paper removes high-frequency artifacts?", set()),
        ("What memory mechanism does the agent use?", set()),
        ("What property must the energy function have?", set()),
        ("What memory-efficient optimizer do they propose?", set()),
        ("What exact memory overhead factor do they report?", {"unit"}),
        ("What's the peak GPU memory usage?", {"hardware", "unit"}),
        ("How much does LoRA reduce GPU memory?", {"number", "hardware", "unit"}),
        ("How much power does the accelerator consume?", {"hardware", "number", "unit"}),
        # ... and not a quantity only spoken of (a review's probes)
        ("How much does episodic memory help in incremental learning?", {"number"}),
        ("What memory reduction technique does FRUGAL use?", {"number"}),
        ("At what frequency should the Hessian be updated?", {"number"}),
        ("What frequency-domain loss do they use?", set()),
        ("How does the model handle variable frame rates?", set()),
        ("Which paper reduces the number of visual tokens?", {"number"}),
    ],
)
def test_asked_kinds(question: str, asks: set[str]) -> None:
    assert analyze(question).asks == asks


def test_an_abstract_states_a_kind_or_not() -> None:
    assert states("hardware", "trained on 8 A100 GPUs") and not states("hardware", "a new loss for ranking")
    assert states("number", "improves by 4.5%") and states("number", "twice as fast")
    assert not states("license", "we study ranking losses")
    # a digit inside a name is no number: an abstract that only says "miniF2F" or "GPT-4" states none
    assert not states("number", "state of the art on miniF2F with GPT-4 and an L_2 loss")
    assert states("number", "solves 41% of miniF2F") and states("number", "SE(3) equivariance")
    # a count, a frequency or a factor in words
    assert states("number", "trained on a single example") and states(
        "number", "refreshed once every k steps"
    )
    assert states("number", "cuts the cost by a factor d") and not states("number", "from minutes to seconds")
    # ... though a time scale answers a question asking how long
    assert states(
        "number", "from minutes to milliseconds", "What computation time does it bring inference to?"
    )
    assert states("number", "runs in real time", "How fast is it?")
    # training settings: named or not ("momentum" in the abstract may state it; an abstract that never names one
    # doesn't)
    assert states("hyperparameters", "trained for 300 epochs") and states(
        "hyperparameters", "(epsilon=1) privacy"
    )
    assert not states(
        "hyperparameters", "We propose PowerNorm, which keeps running statistics for normalization."
    )
    # ... but of the settings a question names, only those count: an epsilon is no learning rate
    bound = "It finds an epsilon-stationary point in O(epsilon^-4) iterations."
    assert states("hyperparameters", bound) and states("hyperparameters", bound, "Which epsilon does it use?")
    assert not states("hyperparameters", bound, "What learning rate was used to train it?")
    assert states("hyperparameters", "with a step size of 1/L", "What learning rate was used to train it?")
    assert not states("hyperparameters", "trained for 300 epochs", "What batch size and learning rate?")
    assert states("hyperparameters", "trained with mini-batches of 64", "What batch size did they use?")
    # a quantity with a unit of its own: stated in the unit or beside its word, not by a number of something else
    memory = "How much GPU memory does it need?"
    assert not states("unit", "It generates a mesh in about 20 seconds on a single A100 GPU.", memory)
    assert unstated_units(memory, "It generates a mesh in 20 seconds on one A100 GPU.") == ["memory figure"]
    assert states("unit", "The 2.75-bit model requires 27GB of GPU memory.", memory)
    assert states("unit", "It reduces memory usage by 3x.", memory) and states(
        "unit", "40% less memory", memory
    )
    assert states("unit", "It runs at 30 fps.", "At how many frames per second does it run?")
    assert not states("unit", "It runs in near real-time.", "How many FPS does it reach?")
    frequency = "At what carrier frequency are the simulations run?"
    assert states("unit", "simulated at 2.4 GHz", frequency) and not states(
        "unit", "a low-frequency band", frequency
    )
    tokens = "How many tokens was it trained on?"
    assert states("unit", "pre-trained on 300B tokens", tokens) and states(
        "unit", "on 2 trillion tokens", tokens
    )
    assert not states("unit", "a 7B model with a 4k context", tokens)
    # ... in the ways abstracts write them (a review's probes)
    fps = "How many FPS does it reach?"
    assert all(states("unit", t, fps) for t in ("runs at 30fps", "at 60 frames/s", "at 25 frames per second"))
    assert not states("unit", "videos of high frame rates", fps)
    assert states("unit", "a 28-GHz phased array", frequency) and states("unit", "at 28 gigahertz", frequency)
    assert all(
        states("unit", t, tokens)
        for t in (
            "on a 2T-token corpus",
            "on 3 trillion English and code tokens",
            "prunes 50% of visual tokens",
        )
    )
    assert all(
        states("unit", t, memory)
        for t in (
            "on a single 48-GB GPU",
            "The memory footprint is reduced to one third.",
            "fits in 16 gigabytes",
        )
    )
    energy = "How much energy does the chip use per inference?"
    assert all(states("unit", t, energy) for t in ("at 5 pJ per operation", "draws 1.5mW", "uses 40 joules"))
    # ... but not a digit of a name, nor a number in the next sentence
    assert not states("unit", "We fine-tune LLaMA-2 with less memory.", memory)
    assert not states("unit", "It is memory-efficient. We evaluate on 3 benchmarks.", memory)
    assert not states("unit", "a manifold of low memory", memory)
    # ... and a question asking none is stated by anything
    assert states("unit", "anything", "What is the main idea?")
    # a theory abstract states no experiments; any sign of empirical work does
    assert not states("experiments", "We prove a regret bound of order sqrt(T) for monotone games.")
    assert states("experiments", "Simulations confirm the bound.") and states(
        "experiments", "It beats SGD on CIFAR-10 by 3%."
    )


@pytest.mark.parametrize(
    ("question", "intent", "which"),
    [
        ("Summarize PFGM++", "summary", False),
        ("tl;dr of the Sophia paper", "summary", False),
        ('What is "Hopular" about?', "summary", False),
        ("When was FlashAttention published?", "metadata", False),
        ("Who wrote the Shampoo paper?", "metadata", False),
        ("Who are the authors of FlashAttention?", "metadata", False),
        ("How many authors does the Sophia paper have?", "metadata", False),
        ("List the authors of the Shampoo paper", "metadata", False),
        ("authors of PFGM++?", "metadata", False),
        # what its authors did is asked, not who they are
        ("Where do the authors of Gradient-Normalized Smoothness show global linear rates?", "fact", False),
        (
            "In what setting do the authors of the sketching paper study pruning at initialization?",
            "fact",
            False,
        ),
        ("Which method aligns LLMs with human preferences?", "fact", True),
        ("Is there a paper on tabular Hopfield networks?", "fact", True),
        ("I'm looking for the dynamic pruning paper inspired by Hebbian learning.", "fact", True),
        ("quick q: was there a study replacing ColBERT's projection layer?", "fact", True),
        ("Any paper that learns preconditioners with a GNN?", "fact", True),
        ("I'm looking at the results: how much faster is it?", "fact", False),
        ("How much faster is it?", "fact", False),
    ],
)
def test_intent_and_which(question: str, intent: str, which: bool) -> None:
    asked = analyze(question)
    assert asked.intent == intent and asked.which == which


def test_the_names_of_things_ask_which_things() -> None:
    q = "What are the names of the four regression benchmarks used in the evaluation?"
    assert asks_proper_name(q) and asks_name(q)
    assert focus(q) == ["four", "regression", "benchmarks"]


def test_the_kind_a_which_question_asks_which_of() -> None:
    # read from the question itself where no "which ... <verb>" phrase says it (the refusal names it)
    assert proper_kind("In the grasping study, what robot arm carried out the grasps?") == "robot arm"
    q = "Which pretrained speech encoder (e.g., a wav2vec variant) feeds the tagger?"
    assert focus(q) == [] and proper_kind(q) == "pretrained speech encoder"
    assert proper_kind("What speed-up does it give, and on which models?") == "models"
    assert proper_kind("What are the names of the four benchmarks used?") == "benchmarks"
    assert proper_kind("Which RL benchmark suite was used?") == "RL benchmark suite"
    assert proper_kind("How much faster is it?") == ""


def test_a_bare_which_ones_asks_for_what_the_sentence_before_names() -> None:
    q = "ConR was tested on four large-scale benchmarks. Which ones?"
    assert resolve_ones(q) == "ConR was tested on four large-scale benchmarks. Which benchmarks?"
    assert asks_proper_name(analyze(q).parts[-1]) and focus(analyze(q).parts[-1]) == ["benchmarks"]
    assert (
        resolve_ones("It beats three baselines - which ones?")
        == "It beats three baselines - which baselines?"
    )
    assert resolve_ones("Which ones?") == "Which ones?"  # nothing before it to ask for


def test_focus_and_names() -> None:
    assert focus("Which base LLM was unlearned with NPO?") == ["base", "LLM"]
    assert focus("What AlpacaEval win rate does the model reach?") == ["AlpacaEval", "win", "rate"]
    assert focus("How does it work?") == []
    assert asks_name("Which robot arm is used?") and not asks_name("How does it work?")
    assert asks_name("What is the actual name of the algorithm?")
    assert not asks_name("Which papers build LLM-based theorem provers?")  # papers asked for, not a name
    # the data something was evaluated or trained on is asked by its name; a data structure or kinds of data are not
    assert asks_name("What data was Private-GSD evaluated on?") and asks_name(
        "Which market data did it train on?"
    )
    assert not asks_name("Which data structure is used to cut the cost?")
    assert not asks_name("Which two kinds of data were used to show off APEN?")
    assert analyze("What optimality gap does it reach?").asks == {"number"}
    assert analyze("What research gap does the paper address?").asks == frozenset()
    # "what number of X" asks how many X
    assert focus("What number of k-means clusters does it use?") == ["k-means", "clusters"]
    assert focus("What size of total query budget is it designed for?") == ["total", "query", "budget"]
    # a verb in "-s" before a name or a determiner ends the phrase ...
    assert focus("Which underlying LLM powers OptoPrime, the optimizer for workflows?") == [
        "underlying",
        "LLM",
    ]
    assert focus("Which LLM drives the agent in the game?") == ["LLM"]
    assert focus("Which classifier supplies the feedback to the model?") == ["classifier"]
    # ... not a plural noun, when the phrase ends at a verb of its own, nor a noun in "-s"
    assert focus("Which loss functions the model uses were compared?") == [
        "loss",
        "functions",
        "the",
        "model",
    ]
    assert focus("Which model weights the authors released were used?")[:2] == ["model", "weights"]
    assert focus("Which model series GPT-4 belongs to?")[:2] == ["model", "series"]
    assert focus("Which reward model problems does it solve?") == ["reward", "model", "problems"]
    assert title_name("PFGM++: Unlocking the Potential of Physics-Inspired Generative Models") == "PFGM++"
    assert title_name("Pointer Networks") == ""
    assert title_name("A very long preamble of many words: then a subtitle") == ""


def test_abbreviations_of_lower_case_words_are_concepts_not_names() -> None:
    text = (
        "Most methods use gradient ascent (GA); a mixture of experts (MoE) helps. "
        "We propose Negative Preference Optimization (NPO)."
    )
    assert abbreviations(text) == {"ga": "gradient ascent", "moe": "mixture of experts"}


def test_a_new_name_is_not_generic_nor_built_on_a_known_one() -> None:
    known = {"npo", "b4"}
    assert new_name("Llama-2-7B", known) and new_name("TOFU", set())
    assert not new_name("LLMs", known)  # a kind of model, not one
    assert not new_name("NPO-based", known) and not new_name("LLM-generated", known)
    assert not new_name("B4", known) and not new_name("results", known)
    assert new_name("API-Bank", known) and new_name("QA-LoRA", known)  # a generic part, but another name


def test_own_names_live_with_the_other_name_rules() -> None:
    own = own_names(
        "Training LMs on Edit Sequences", "We develop an algorithm called LintSeq. It beats Codex."
    )
    assert "lintseq" in own and "codex" not in own


def test_a_bare_pronoun_needs_an_antecedent() -> None:
    assert bare_reference("What datasets did it use?", specific_terms=1)
    assert not bare_reference(
        "How can LLM-generated text be watermarked so it can be detected?", specific_terms=5
    )
    assert not bare_reference("What datasets did FlashAttention use?", specific_terms=2)  # no pronoun
    # a name before the pronoun is its antecedent; a generic acronym ("GPU") is no name of a paper's subject
    assert not bare_reference("How big is PaLM 2, and how was it trained?", specific_terms=2)
    assert not bare_reference("What does Sophia do and how is it tuned?", specific_terms=2)
    assert bare_reference("What GPU was it trained on?", specific_terms=1)


def test_defined_name_and_heading() -> None:
    abstract = "We formulate the problem as a game and propose a novel algorithm, iterative Nash policy optimization (INPO)."
    assert compose.defined_name("INPO: Aligning LLMs", abstract) == "INPO"  # the title's name first
    assert (
        compose.defined_name("A Four Word Name: Aligning LLMs", "We study games.") == ""
    )  # too long a prefix
    assert compose.defined_name("Aligning LLMs with General Preferences", abstract) == "INPO"
    assert compose.defined_name("Pointer Networks", "We study sequences.") == ""

    class Src:
        n, title, text = 2, "Aligning LLMs with General Preferences", abstract

    assert compose.heading(Src()) == '"Aligning LLMs with General Preferences" (INPO) [2]:'


def test_a_quoted_title_or_a_papers_own_name_is_not_what_a_sentence_must_match() -> None:
    """Asked "<Title>: for which kind of codes ...?" or "What's the maximum speedup <Name> gives?", the sentences
    that restate the title or define the name match the question's words, not the one with the answer; the answer
    is looked for with the question without them."""
    title = "Automated Quantum Circuit Design with Nested Monte Carlo Tree Search"
    q = f"{title}: for which kind of codes did they search for an encoding circuit?"
    assert (
        compose.without_title(q, title) == "for which kind of codes did they search for an encoding circuit?"
    )
    assert (
        compose.without_title(
            "In 'A Sublinear Adversarial Training Algorithm', which data structure is used?",
            "A Sublinear Adversarial Training Algorithm",
        )
        == "In , which data structure is used?"
    )
    assert compose.without_title("What is LoRA?", "LoRA: Low-Rank Adaptation of Large Language Models") == (
        "What is LoRA?"
    )
    abstract = "We propose a novel method, namely Sorting Krylov Recycling (SKR), to boost the efficiency."
    names = paper_names("Accelerating Data Generation via Krylov Subspace Recycling", abstract)
    assert {"skr", "Sorting Krylov Recycling"} <= names
    assert compose.without_names("What's the maximum speedup Sorting Krylov Recycling gives?", names) == (
        "What's the maximum speedup gives?"
    )
    assert compose.without_names("What is SKR?", names) == "What is SKR?"  # too little would be left
    # what describes the paper after its name says which paper, not what is asked of it
    assert compose.without_names(
        "Which two kinds of data did SKR, the Krylov recycling method, use?", names
    ) == ("Which two kinds of data did use?")
    # ... but a clause that asks is no description
    assert compose.without_names(
        "Across the runs reported for SKR, the number of iterations falls by what factor?", names
    ) == ("Across the runs reported for , the number of iterations falls by what factor?")
    assert "number" in analyze("What's the maximum speedup it gives?").asks


@pytest.mark.parametrize(
    ("text", "name", "said"),
    [
        ("physics-informed networks (PINNs) fail on stiff problems", "PINN", True),
        ("a GRU encoder", "GRUs", True),
        ("fine-tuned Qwen2.5-7B-Instruct and Llama-3 models", "Qwen", True),
        ("fine-tuned Qwen2.5-7B-Instruct and Llama-3 models", "llama", True),
        ("GPT-45 is no model", "GPT-4", False),
        ("we beat GPT-4o", "GPT-4", False),
        ("the Qwenlike tokenizer", "Qwen", False),
        ("we release YOLOv9 and Llama-v2", "YOLO", True),  # a version written with a "v"
        ("we release YOLOv9 and Llama-v2", "Llama", True),
        ("a YOLOvision model", "YOLO", False),
        ("pre-Mamba models", "Mamba", False),
        ("a CNN-based detector", "CNN", False),
        ("", "PINN", False),
        ("PINN", "", False),
        # an acronym spelled out, of content words in a row
        ("we discovered the efficacy of the Gated Recurrent Unit", "GRUs", True),
        ("Neural Ordinary Differential Equations", "ODE", True),
        ("a small Multi-Layer Perceptron", "MLP", True),
        ("the State Of The Art", "SOTA", False),  # function words spell out nothing
        ("machine learning problems", "MLP", False),  # nor words in lower case
        ("we Scale. Datasets Equivariant", "SDE", False),  # nor words across a sentence's end
        ("Large Language Model", "LLM", True),
        ("Text Retrieval Augmented Neural Search Engine", "TransE", False),  # a mixed-case name is no acronym
        ("Key Value", "KV", False),  # two letters spell out too many word pairs
        # a norm typed plainly is said as an abstract writes it
        ("One popular approach for such ell_2 regression problems", "l2", True),
        ("an ell_infty guarantee", "l_infinity", True),
        ("the \u2113_{p} norm", "Lp", True),
        ("an ell_2 guarantee", "l1", False),
    ],
)
def test_says_name_reads_plural_acronyms_numbered_versions_and_spelled_out_acronyms(
    text: str, name: str, said: bool
) -> None:
    assert says_name(text, name) is said


def test_a_which_question_may_open_a_later_sentence_of_the_question() -> None:
    # ... or follow a dash written as two hyphens
    assert asks_proper_name("For 'A Fast Incremental GMM' -- which specific datasets did they run it on?")
    assert asks_proper_name(
        "The paper reports speedups of 3 orders of magnitude. On which GPU were they measured?"
    )
    assert not asks_proper_name(
        "The paper reports speedups of 3 orders of magnitude. They match what the GPU says."
    )
    assert not asks_proper_name("The paper reports speedups that match what the GPU model predicts.")


@pytest.mark.parametrize(
    ("question", "subject", "name"),
    [
        ("What are the main contributions of Transfer Q*?", "Transfer Q*", "Transfer Q*"),
        ("tl;dr of the Grokfast paper", "the Grokfast paper", "Grokfast"),
        ("Summarize the AlphaFold 3 paper.", "the AlphaFold 3 paper", "AlphaFold 3"),
        ("Give me an overview of Schedule-Free.", "Schedule-Free", "Schedule-Free"),
        ("What's the key idea of the muCode paper?", "the muCode paper", "muCode"),
        (
            "What is the paper on learning nonlinear operators about?",
            "the paper on learning nonlinear operators",
            "",
        ),
        ("Explain how LoRA works", "how LoRA works", ""),
        ("summary", "summary", ""),
    ],
)
def test_a_summary_request_is_read_as_what_it_asks_to_summarise(
    question: str, subject: str, name: str
) -> None:
    """The words of the request ("contributions", "tl;dr") are nothing an abstract states; the subject is what the
    paper is found and decided by, and a short subject of capitalised words is the paper's name."""
    assert analyze(question).intent == "summary" or question == "summary"
    assert summary_subject(question) == subject
    assert summary_name(subject) == name


def test_says_phrase_reads_a_name_of_several_words_as_those_words_in_a_row() -> None:
    assert says_phrase("Theoretical analyses of Transfer $Q^*$ provide", "Transfer Q*")
    assert not says_phrase("architectures such as diffusion models and AlphaFold, inherently", "AlphaFold 3")
    assert says_phrase("we fine-tune Qwen2.5-7B", "Qwen") and not says_phrase("Qwenlike", "Qwen")


def test_what_is_asked_in_the_ways_researchers_phrase_it() -> None:
    """A count asked as "the largest number of", a contraction, an adverb before a participle, a bare "which ..."
    after a dash, and the imperative "Name the ..." all ask about the thing they name."""
    assert focus("What is the largest number of constraints it handles?") == ["constraints"]
    assert focus("How many commonly used DPA variants did the paper give forms for?") == [
        "commonly-used",
        "DPA",
        "variants",
    ]
    assert focus("It reaches state-of-the-art performance - measured by which evaluation metric?") == [
        "evaluation",
        "metric",
    ]
    asked = analyze("What's the base LLM used as the reference model?")
    assert focus(asked.parts[0]) == ["base", "LLM"] and asks_proper_name(asked.parts[0])
    assert analyze("Name the datasets used in the experiments.").text.startswith("which datasets")
    assert focus("How does it work?") == [] and focus("what is it used for") == ["it"]


def test_a_question_splits_at_a_preposition_before_what() -> None:
    parts = split_parts(
        "Under which loss are the constraints applied, by what accuracy margin does it beat metric learning, "
        "and as what kind of problems are the losses formalized?"
    )
    assert [p.split()[0] for p in parts] == ["Under", "by", "as"]


def test_a_name_given_after_namely_or_we_design_is_the_papers_own() -> None:
    assert own_names("Bilevel Optimization", "We design a new algorithm, namely BO-REP, for this.") == {
        "bo-rep"
    }


def test_a_word_and_an_acronym_joined_by_a_hyphen_is_a_name_the_paper_defines() -> None:
    abstract = "Therefore, we propose Private-GSD, a private genetic algorithm. We also propose Minimax-DQN."
    assert own_names("Generating Private Synthetic Data", abstract) == {"private-gsd", "minimax-dqn"}
    # a capitalised compound of words is no name: "a Multi-Agent framework", "Self-Repellent walks"
    assert (
        own_names("A title", "We propose a Multi-Agent framework and introduce Self-Repellent walks.")
        == set()
    )


@pytest.mark.parametrize(
    ("question", "read"),
    [
        # a clause that only says how the question is asked goes, at the start or at the end
        ("I don't remember exactly, but what speed-up does Sophia get?", "what speed-up does Sophia get?"),
        ("Not sure I'm remembering this right: which papers prune LLMs?", "which papers prune LLMs?"),
        ("I haven't read it closely - HF-Diff: what CLIPIQA?", "HF-Diff: what CLIPIQA?"),
        ("What speed-up does Sophia get, if I recall correctly?", "What speed-up does Sophia get?"),
        ("Hi! What speed-up does Sophia get? I can't remember.", "What speed-up does Sophia get?"),
        ("How many layers? Not sure.", "How many layers?"),
        # one that says anything else, or asks, stays ("Do you remember which ..." asks which, not which paper)
        ("Do you remember which TD methods it recovers?", "Do you remember which TD methods it recovers?"),
        (
            "Do you remember the paper on GANs? What accuracy?",
            "Do you remember the paper on GANs? What accuracy?",
        ),
        ("I remember a paper on pruning - which dataset?", "I remember a paper on pruning - which dataset?"),
        ("SDBV: what fixed dimension n is used?", "SDBV: what fixed dimension n is used?"),
        ("Quick question about IGN: how many steps?", "Quick question about IGN: how many steps?"),
        ("What precision and recall does GPT-4 reach?", "What precision and recall does GPT-4 reach?"),
        ("Sophia, Adam, Lion: which is fastest?", "Sophia, Adam, Lion: which is fastest?"),
        ("Summarize Sophia.", "Summarize Sophia."),
        ("I forget.", "I forget."),  # nothing else: as typed
        # a part of the question, a name, a number, a quote: no aside of the asker's, whatever its words
        ("What's its precision? And recall?", "What's its precision? And recall?"),
        ("Who are the authors, and the title?", "Who are the authors, and the title?"),
        ("Do they report recall, or only precision?", "Do they report recall, or only precision?"),
        ("The Right to Be Forgotten: which paper?", "The Right to Be Forgotten: which paper?"),
        ("MIND: what does it do?", "MIND: what does it do?"),
        ("Which paper on pruning, in 2023 I think?", "Which paper on pruning, in 2023 I think?"),
        ('"Just Ask: Learning to Answer"\'s dataset?', '"Just Ask: Learning to Answer"\'s dataset?'),
        ("Which paper proposes LoRA?! I forget.", "Which paper proposes LoRA?"),
    ],
)
def test_a_question_is_read_without_the_clauses_that_only_frame_it(question: str, read: str) -> None:
    assert unframed(question) == read


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("What kind of attacks was it inspired by?", ["attacks"]),
        ("what range of model sizes did they instruction-finetune?", ["model", "sizes"]),
        ("Which type of regularization is used?", ["regularization"]),
        ("Which specific family of losses does it beat?", ["losses"]),
        ("Which base LLM was unlearned?", ["base", "LLM"]),  # unchanged
    ],
)
def test_what_kind_of_thing_asks_about_the_thing(question: str, about: list[str]) -> None:
    assert focus(question) == about


@pytest.mark.parametrize(
    ("part", "asked"),
    [
        ("that sparse-routing paper with eight experts: what router does it use", "what router does it use"),
        (
            "which quantity does the agent learn to pick in the paper that treats bundle adjustment as a game?",
            "which quantity does the agent learn to pick",
        ),
        (
            "In the paper deriving an optimal selection strategy from unreliable tests, what kind of problem is it",
            "what kind of problem is it",
        ),
        ("LQ-LoRA: what rank does it use?", "LQ-LoRA: what rank does it use?"),  # a name, not a description
        ("What accuracy does it reach on ImageNet?", "What accuracy does it reach on ImageNet?"),
        ("For X: how fast?", "For X: how fast?"),  # too little would be left
        # the subject of a passive verb of evaluation describes the paper
        (
            "On what kind of graphs was the message-passing sampler for sparse Ising models evaluated",
            "On what kind of graphs was it evaluated",
        ),
        ("which robots were the two grasp planning methods tested on", "which robots were they tested on"),
        ("What was the model trained on", "What was the model trained on"),  # no description: "the model"
        # the subject is what is asked about, not the paper's method
        (
            "in which areas are the empirical case studies run",
            "in which areas are the empirical case studies run",
        ),
        (
            "How was the contrastive pretraining scheme evaluated",
            "How was the contrastive pretraining scheme evaluated",
        ),
    ],
)
def test_a_part_is_read_without_the_description_of_its_paper(part: str, asked: str) -> None:
    assert without_description(part) == asked


def test_papers_of_a_genre_are_asked_for_by_the_genre_and_found_by_what_they_say_of_themselves() -> None:
    assert asks_genre("Which papers in the collection are tutorials or monographs?")
    assert asks_genre("Is there a survey of diffusion models?") and asks_genre(
        "Are there surveys on LLM agents?"
    )
    # a genre as a topic, as data, or a description of one paper asks for no genre
    assert not asks_genre("Has anyone used LLMs to write scientific peer reviews?")
    assert not asks_genre("Which survey's data was it evaluated on?")
    assert not asks_genre("The big review of optimization methods works through which two applications?")
    assert genre_topic("Is there a survey of diffusion models?") == {stem("diffusion")}
    assert genre_topic("Any tutorials or review-style papers in the collection?") == set()
    assert without_genre("is there a tutorial-style overview of sparse coding?").split() == [
        "is",
        "there",
        "a",
        "of",
        "sparse",
        "coding?",
    ]
    says = ["Deep nets are popular.", "This monograph presents the main complexity theorems."]
    assert genre_sentence("Convex Optimization: Algorithms and Complexity", says) == says[1]
    assert genre_sentence("Tutorial on amortized optimization", ["Amortization predicts solutions."]) == (
        "Amortization predicts solutions."
    )
    # the cheap test before an abstract is split: every word genre_sentence looks for, not a notebook
    assert mentions_genre("This book covers X.") and not mentions_genre("We propose X in a notebook.")
    # a paper that reviews prior work on its way to its own method is none
    assert (
        genre_sentence("A New Optimizer", ["We propose X.", "It beats the methods we compare with."]) is None
    )


def test_a_title_is_said_by_its_head_before_a_colon_or_question_mark() -> None:
    title = "How Realistic Is Your Synthetic Data? Constraining Deep Generative Models for Tabular Data"
    assert says_title("How Realistic Is Your Synthetic Data? - what gain does the layer give?", title)
    assert says_title(
        "In 'Fire Together Wire Together', which methods?",
        "Fire Together Wire Together: A Dynamic Pruning Approach",
    )
    # a head of fewer than four words is no title said; nor a head written in another case below six words
    assert not says_title("neural collapse in deep nets", "Neural Collapse: A Review of What Is Known")
    assert not says_title(
        "how realistic is your data here", "How Realistic Is Your Data: A Study of Tabular Data"
    )


def test_a_training_time_condition_is_not_a_duration_asked() -> None:
    assert "duration" in asked_kinds("What was the training time of the model?")
    assert "duration" not in asked_kinds("What is the improvement when the layer is used at training time?")


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        # a verb of any kind ends what is asked ...
        ("Which models serve as the helper models?", ["models"]),
        ("Which reward model scores the rollouts?", ["reward", "model"]),
        # a verb of the usual ones still ends it first
        ("Which datasets did they use?", ["datasets"]),
    ],
)
def test_what_is_asked_ends_at_any_verb_or_the_questions_end(question: str, asked: list[str]) -> None:
    assert focus(question) == asked


def test_a_titles_head_is_said_only_as_the_title_writes_it() -> None:
    title = "Large Language Models for Code Generation: A Survey of Methods and Benchmarks"
    assert says_title("Large Language Models for Code Generation: which benchmarks?", title)
    assert not says_title("How do large language models for code generation handle long contexts?", title)
