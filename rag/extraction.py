"""Extraction grids: any set of papers x the columns a researcher names, every cell a cited sentence or "not stated".

A cell is the sentence of that paper's abstract that answers the column best. How "best" is judged depends on the
column's *kind*, read from its label and question (:func:`column_kind`): a "Dataset" column wants a sentence that
names data, "Model size" a parameter count, "Compute" hardware, "Baseline" a named method it is compared with, "Main
result" a number. Each kind has a cue score (:func:`cue`) that says how much a sentence looks like it states such a
value; a sentence below the kind's minimum can't fill the cell, and a cell no sentence can fill says "not stated in
the abstract" instead of quoting the nearest sentence. Among the sentences that can, the one with the best weighted
sum of cue, similarity to the column's question and share of its words wins (weights in ``Settings.grid``).

The chat's "Compare A and B" table is a grid of the default columns' kinds: :mod:`rag.comparison` fills it with
:func:`compare_cells` over the answer's evidence (similarity to the comparison question), so both use the same rules.

Deliberately not here: how rows are chosen (:func:`rag.api.grid`), rendering for people (CLI, UI) and LLM calls.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from rag.compose import first_method
from rag.config import GridSettings, redact_secrets
from rag.evidence import ON_A_NAME, Evidence, Sentence, SourceLike
from rag.llm.base import LLM, Message
from rag.prompts import sanitize
from rag.question import NAME_TOKEN, abbreviations, is_generic, new_name, own_names
from rag.text import (
    BENCH_NAME,
    BIG_O,
    METHOD_CUES,
    MODEL_FAMILIES,
    function_words,
    generic_stems,
    numbers,
    terms,
)
from rag.types import NOT_STATED, Column, Grid, GridCell, GridRow, Source

_I = re.IGNORECASE

DEFAULT_COLUMNS = (
    Column("Approach", "What method or approach does the paper propose?"),
    Column("Data / benchmarks", "Which datasets or benchmarks is it evaluated on?"),
    Column("Key results", "What are the main results?"),
)

# ------------------------------------------------------------------ column kinds

# (kind, pattern over "label: question"), most specific first: "Model size: how many parameters?" is a parameter
# count, not a number; "Baseline: which prior method ..." a baseline, not an approach.
_KIND_OF_COLUMN: list[tuple[str, re.Pattern[str]]] = [
    ("license", re.compile(r"\blicen[cs]e", _I)),
    (
        "code",
        re.compile(r"\b(?:code|github|repositor(?:y|ies)|open[- ]source|implementation available)\b", _I),
    ),
    (
        "parameters",
        re.compile(
            r"\b(?:model size|size of the model|parameters?|params|how (?:big|large) is the model)\b", _I
        ),
    ),
    (
        "hardware",
        re.compile(
            r"\b(?:compute|hardware|gpus?|tpus?|accelerators?|training (?:cost|budget|time)|flops|gpu[- ]hours)\b",
            _I,
        ),
    ),
    (
        "baseline",
        re.compile(
            r"\b(?:baselines?|compared? (?:to|with|against)|competitors?|prior (?:methods?|work|art)|"
            r"improves? (?:on|over|upon)|outperforms?)\b",
            _I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(?:quantitative|how (?:many|much|fast)|by how much|accuracy|score|speed-?up|latency|throughput|"
            r"error rate|win rate|percentage|main number|headline number)\b",
            _I,
        ),
    ),
    ("data", re.compile(r"\b(?:datasets?|benchmarks?|data|corpus|corpora|test sets?|evaluated on)\b", _I)),
    ("results", re.compile(r"\b(?:results?|findings?|performance|improvements?|gains?|outcomes?)\b", _I)),
    ("approach", re.compile(r"\b(?:approach|method|methodology|technique|architecture|idea|model)\b", _I)),
    ("task", re.compile(r"\b(?:task|problem|goal|application|domain|topic|area|addresses?|studies)\b", _I)),
]

KINDS = (*(kind for kind, _ in _KIND_OF_COLUMN), "generic")


def column_kind(column: Column) -> str:
    """What kind of value a column asks for (one of :data:`KINDS`), from its label and question."""
    text = f"{column.label}: {column.question}"
    return next((kind for kind, pattern in _KIND_OF_COLUMN if pattern.search(text)), "generic")


# ------------------------------------------------------------------ what each kind of value looks like


# A parameter count, in digits ("a 7B model", "1.3 billion parameters") or in words with a count: what a model-size
# cell needs (a mention of "parameters" alone only adds to it).
_PARAMETER_COUNTS: list[tuple[re.Pattern[str], float]] = [
    (
        re.compile(
            r"(?<![\w.])(?<!Fig\. )(?<!Figure )(?<!Table )(?<!Eq\. )"
            r"\d+(?:\.\d+)?\s?(?:[BMT]\b|(?:million|billion|trillion)\b)(?!\s*(?:tokens?|images?|"
            r"samples?|examples?|pairs?|hours?|steps?|words?|videos?|documents?|frames?|users?|queries|"
            r"instructions?|problems?|questions?|sentences?|clips?|rows?|records?))",
            _I,
        ),
        2.0,
    ),
    # ... or in words, with a count: "models with several hundred thousand parameters" (not "millions of
    # parameters", which counts nothing)
    (
        re.compile(
            r"\b(?:several|a few|a couple of|one|two|three|four|five|six|seven|eight|nine|ten|hundreds? of)\s+"
            r"(?:hundred|thousand|million|billion)(?:\s+(?:thousand|million|billion))?\s+(?:parameters|params)\b",
            _I,
        ),
        2.0,
    ),
]

# (pattern, weight): a sentence's cue score for a kind is the weighted count of matches.
_CUES: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "approach": [
        # "we propose", "this paper proposes to exploit", "Specifically, this paper adopts", "We address this issue
        # and propose ..."
        (
            re.compile(
                r"\b(?:we|this (?:paper|work|study))\s+(?:[\w-]+\s+){0,5}?"
                r"(?:propose|introduce|present|develop|design|formulate|adopt)s?\b",
                _I,
            ),
            3.0,
        ),
        (re.compile(r"\b(?:framework|method|algorithm|approach|architecture|technique)\b", _I), 1.0),
    ],
    "data": [
        (re.compile(r"\b(?:datasets?|benchmarks?|corpora|corpus)\b", _I), 2.0),
        (re.compile(rf"\b{BENCH_NAME}\b"), 2.0),  # a name that says it: "Rewardbench", "Big-Bench Hard"
        (re.compile(r"\b(?:experiments?|evaluat\w*|tested|simulations?)\b", _I), 1.0),
    ],
    "results": [
        (re.compile(r"\d+(?:\.\d+)?\s*(?:%|x\b|×|times)", _I), 2.0),
        (
            re.compile(
                r"\b(?:outperform\w*|achiev\w*|improv\w*|speed-?ups?|state-of-the-art|faster|surpass\w*)", _I
            ),
            1.0,
        ),
    ],
    "task": [
        (
            re.compile(
                r"\b(?:we (?:study|address|tackle|consider|investigate|focus on|explore)|this (?:paper|work) "
                r"(?:studies|addresses|tackles|considers|investigates|focuses on|explores|proposes|introduces)|"
                r"task|problem|challenge)\b",
                _I,
            ),
            1.0,
        ),
    ],
    "parameters": [
        *_PARAMETER_COUNTS,
        (re.compile(r"\b(?:parameters?|params)\b", _I), 1.0),
    ],
    "hardware": [
        (
            re.compile(
                r"\b(?:GPUs?|TPUs?|[AHV]100s?|RTX\s?\d+\w*|CPUs?|FPGAs?|NPUs?|accelerators?|"
                r"(?:peta|tera|exa)?FLOPs|compute budget|single (?:GPU|machine|node)|consumer hardware)\b",
                _I,
            ),
            2.0,
        ),
        # hardware of another kind than a GPU's: "an analog thermodynamic computer", "Intel's neuromorphic research
        # chip Loihi 2", "a quantum processor"
        (
            re.compile(
                r"\b(?:analog|thermodynamic|neuromorphic|quantum|optical|photonic)\s+(?:[\w-]+\s+)?"
                r"(?:computers?|processors?|chips?)\b",
                _I,
            ),
            2.0,
        ),
        # a budget says more than a mention: "more than 20,000 CPU days" over "CPU usage"
        (re.compile(r"\b(?:[CGT]PU|accelerator)[- ](?:hours?|days?|months?|years?)\b", _I), 1.0),
    ],
    "code": [
        (re.compile(r"github|https?://", _I), 2.0),
        (
            re.compile(r"\bcode\b.{0,40}\bavailable\b|\bopen[- ]source|\bwe (?:release|open-source)\b", _I),
            1.0,
        ),
    ],
    "license": [(re.compile(r"\blicen[cs]e|\bapache\b|\bMIT\b|\bcreative commons\b", _I), 2.0)],
}
# A number column wants the headline number: a result's words, or a finding stated with a number ("we find that
# the optimal number of samples can be less than 10"), or a beaten figure ("beating the O(n m log m) time").
_CUES["number"] = [
    *_CUES["results"],
    (re.compile(r"\bwe (?:find|show|prove|observe|obtain|demonstrate|report)\b|\bbeat(?:s|ing)?\b", _I), 1.0),
]

# The cue score a sentence needs to fill a cell of each kind. A data cell names data (a dataset or benchmark word,
# or an evaluation on a named thing), not just any capitalised word ("Theoretically, we show that Sophia ...").
MIN_CUE = {
    "approach": 1.0,
    "data": 2.0,
    "results": 1.0,
    "number": 1.0,
    "task": 0.0,
    "parameters": 2.0,
    "hardware": 2.0,
    "baseline": 2.0,
    "code": 1.0,
    "license": 2.0,
    "generic": 0.0,
}

# A sentence that describes the data: what it holds, how it was collected or split.
_DESCRIBES_DATA = re.compile(
    r"\b(?:dataset|data|corpus|corpora|benchmark|collection)s?\b.{0,80}?\b(?:consist(?:s|ing)? of|featur(?:es|ing)|"
    r"contain(?:s|ing)|includ(?:es|ing)|compris(?:es|ing)|spanning|divided into|split into|collected)\b|"
    r"\b(?:we|was|were|is|are)\s+(?:compile[sd]?|collect(?:s|ed)?|mine[sd]?|curate[sd]?|gather(?:s|ed)?)\b|"
    r"\bcollected from\b",
    _I,
)
# A number that is a quantity, not part of a name ("CIFAR-10", "GPT-4", "3D") or a year.
_QUANTITY = re.compile(
    r"(?:(?<![\w.\-/])|(?<=\bsim)|(?<=\bapprox))(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?(?![\w-]*[A-Za-z](?<![%x]))(?!\))"
)
# A comparison with something: its object (the words after it) may be a baseline.
_COMPARED = re.compile(
    r"\b(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beat(?:s|ing)?|exceed(?:s|ed|ing)?|superior to|inferior to|prevails? over|"
    r"compar(?:e|es|ed|ing) (?:it |them |this |these |our \w+ |their \w+ )?(?:to|with|against)|comparable (?:to|with)|"
    r"competitive with|on par with|match(?:es|ed|ing)?\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?performance\s+of|"
    r"(?:better|faster|stronger|higher|lower|cheaper|smaller|larger|fewer)(?:\s+[\w-]+){0,3}?\s+than|"
    r"(?:more|less)(?:\s+[\w-]+){1,3}?\s+than|"  # not "more than a dozen", "less than half"
    r"(?:improv\w*|gains?|advantages?|speed-?ups?)(?:\s+(?:in|of)\s+[\w-]+(?:\s+[\w-]+)?)?\s+(?:over|upon|against)|"
    r"improv(?:es|ed|ing) on|improvements? of|"
    # a contrast with something named: "in contrast to the supervised pre-training loss"
    r"in contrast (?:to|with)|as opposed to|"
    r"versus|vs\.?|rivals?|unif(?:y|ies|ying)|"
    r"(?:variant|extension|generali[sz]ation|modification)s? (?:of|to)|builds? (?:on|upon)|extends|extending|"
    # what a method subsumes, and a comparison as a noun: "subsuming the loss proposed by Hyvaerinen",
    # "Extensive comparison of the CIRIM to CS as well as to other methods is performed: the E2EVN, ..."
    r"subsum(?:es|ing)|comparisons? (?:of (?:the )?[\w-]+ )?(?:to|with|against)|"
    # prior work named as such: "recent ranking-based alignment methods, such as DPO, RRHF", "existing approaches
    # for optimizing code efficiency like SOAP and PIE"
    r"(?:existing|recent|prior|previous|popular|current|classical|conventional|traditional|standard)"
    r"(?:\s+[\w()-]+){0,3}?\s+(?:methods|approaches|baselines|algorithms|techniques|models|works)"
    r"(?:\s+[\w()-]+){0,5}?\s*,?\s*(?:such as|including|e\.g\.,?|like))\s+",
    _I,
)
_COUNT_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|fifty|hundred"
# A rate or a speed-up in words: "converge Q-linearly", "a sublinear convergence rate", "exponentially slower",
# "from minutes to milliseconds".
_RATE = re.compile(
    r"\b(?:(?:sub|super)?linear(?:ly)?|quadratic(?:ally)?|geometric(?:ally)?|exponential(?:ly)?)\s+"
    r"(?:convergence|rate|speed-?up)|\bconverges?\s+(?:[QR]-)?(?:(?:sub|super)?linearly|quadratically|"
    r"geometrically|exponentially)\b|\bexponentially\s+(?:faster|slower|smaller|larger|fewer|more)\b|"
    r"\bfrom\s+(?:days|hours|minutes|seconds)\s+to\s+(?:hours|minutes|(?:milli)?seconds)\b|"
    # a count or a factor in words: "fewer than twenty queries", "orders of magnitude faster", "tenfold"
    r"\b(?:fewer|less)\s+than\s+(?:a\s+)?(?:two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|"
    r"hundred|thousand|dozen|half)\b|\borders?\s+of\s+magnitude\b|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|hundred)-?fold\b|"
    # ... a factor, a share or a rate written out: "two and a half times faster", "twice less memory", "on six out of
    # seven benchmarks", "superlinearly convergent"
    rf"\b(?:{_COUNT_WORDS})(?:\s+and\s+a\s+half)?\s+times\s+(?:as|faster|slower|smaller|larger|fewer|more|less|"
    r"higher|lower|the)\b|\btwice\s+(?:as|faster|slower|smaller|larger|fewer|more|less|higher|lower|the)\b|"
    rf"\b(?:{_COUNT_WORDS}|\d+)\s+out\s+of\s+(?:{_COUNT_WORDS}|\d+)\b|"
    r"\b(?:(?:sub|super)?linearly|quadratically|geometrically|exponentially)\s+convergent\b",
    _I,
)
# A bound in symbols other than O(...): "a rate of Omega(N)", "Theta(n log n)", "its time complexity is of NKD^2",
# "less than or equal to 2/eta".
_BOUND = re.compile(
    r"(?<![A-Za-z])(?:Omega|Theta)\s*\(|\bcomplexity\s+(?:is\s+)?(?:of\s+)?(?:order\s+)?[A-Za-z]+\^|"
    r"\b(?:less|greater|smaller|larger)\s+than\s+or\s+equal\s+to\s+[\w.]*[/^][\w{}]+"
)
# The object of a comparison that is a figure, not a method ("exceeding 95% ...", "over 3x ...").
_A_NUMBER = re.compile(
    r"(?:only|just|about|around|roughly|nearly|approximately|up to|over|under)?\s*[\d.,]+\s*(?:%|x\b|times)",
    _I,
)
# After "fewer / more ... than", any count is a figure: "fewer than twenty queries", "more than a few".
_A_COUNT = re.compile(
    r"(?:a\s+)?(?:few|handful|half|dozens?|hundreds?|thousands?|millions?|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|twenty|fifty|[\d.,]+)\b",
    _I,
)
_CLAUSE_END = re.compile(
    r"\.(?!\d)|[;)]|(?<!baselines):|,\s*(?:we|which|while|but|whereas|thus|thereby|and thus|showing|i\.e\.)\b",
    _I,
)
# Words that stand for "the others" or a measure, not for a method one could name.
_NOT_A_BASELINE = frozenset(
    """a an the this that these those its their our all other others several many most some any each both
    existing previous prior state-of-the-art sota strong strongest simple naive competing competitive standard
    conventional traditional current recent popular alternative alternatives counterpart counterparts leading
    best classical common typical well-known widely used baseline baselines method methods approach approaches
    model models technique techniques algorithm algorithms system systems solution solutions work works one ones
    framework frameworks performance accuracy results result quality efficiency speed cost times time number
    previously existing-methods human humans expert experts random guess guessing chance significantly substantially
    considerably much far by up to over of in on with and or as well state art state-of-the-arts""".split()
)
_QUANTIFIER = re.compile(
    r"^\s*(?:a|an|the)?\s*(?:wide\s+)?(?:variety|range|number|set|family|host|series|couple|handful|suite|class)\s+of\s+",
    _I,
)
_PHRASE_END = re.compile(
    r",|(?<![\w-])(?:on|in|for|across|with|by|at|when|under|while|and|or|to|that|which|from|of|as|such|its|their)"
    r"(?![\w-])",
    _I,
)
_CLASS_HEADS = frozenset(
    """methods algorithms approaches models techniques baselines systems works implementations solutions frameworks
    optimizers networks architectures variants alternatives ones strategies schemes heuristics policies
    counterparts competitors methodologies procedures tools method algorithm approach model technique baseline
    system implementation solution framework optimizer network architecture variant strategy scheme heuristic
    policy methodology procedure tool""".split()
)
# "on HumanEval", "in MBPP", "across ImageNet": an evaluation on a named thing.
_ON_NAME = re.compile(r"\b(?:on|in|across|over|using|from)\s+(?:the\s+)?(?=[A-Z][\w-]*[A-Z0-9])")


# "the CodeFlow dataset", "CFDBench benchmark", "the WebShop environment": a dataset, benchmark or environment named
# as one, the paper's own included.
_NAMED_DATA = re.compile(
    r"\b([A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+[A-Z]\w*)\s+(?:dataset|benchmark|corpus|testbed|environment|suite)\b"
    # a name of several capitalised words, its citation between ("the One Billion Word (Chelba et al., 2014)
    # dataset", "the Penn Treebank corpus")
    r"|\b((?:[A-Z][\w-]*\s+){1,3}[A-Z][\w-]*)\s+(?:\([^()]{0,60}\)\s+)?(?:dataset|benchmark|corpus)\b"
    # a name that says it is a benchmark: "Rewardbench", "3DIEBench", "Big-Bench Hard", "SWE-bench"
    rf"|\b({BENCH_NAME})\b"
)
# ... or a name given after the word, or set beside it: "a benchmark named CoderEval", "we introduce GitChameleon, a
# novel, manually curated dataset", "Samanantar, the largest publicly available parallel corpora collection"
_DATA_NAMED = re.compile(
    r"\b(?:dataset|benchmark|corpus|testbed|suite)\s+(?:named|called|dubbed|termed)\s+([A-Z][\w-]*)"
    r"|\b(?:introduc|present|propos|releas|construct|buil[dt]|curat|collect)\w*\s+\\?"
    r"([A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+[A-Z]\w*|[A-Z][a-z]{3,})(?:\{\})?,\s+(?:a|an|the)\s+"
    # what it is, in a few describing words: not "a docking framework evaluated on the PDBbind dataset"
    r"(?:(?!(?:on|in|of|for|with|from|to|by|and|that|which|using|evaluated|trained|tested|used)\b)[\w-]+,?\s+)"
    r"{0,4}?(?:dataset|benchmark|corpus|corpora)\b"
)
# An evaluation on a named equation or flow: "on the turbulent Navier-Stokes equations", "for Burgers' equation".
_ON_EQUATION = re.compile(
    r"\b(?:on|for|to|in|including)\s+(?:the\s+)?(?:(?:[a-z][\w-]*|\d+D)\s+){0,2}?"
    r"([A-Z][a-z][\w-]*(?:['\u2019]s?)?(?:[- ](?:[A-Z][a-z][\w'-]*))*)\s+(?:equations?|flows?)\b"
)
# Datasets, benchmarks and environments every reader of the field knows by name, written from general knowledge of
# the field (not from the grid's gold): a sentence naming one names data, though it calls it nothing ("click-through
# rate prediction on Criteo", "classification (e.g. ImageNet)"). Case-sensitive, whole names; a variant's suffix
# is read with its name ("ImageNet-1K", "WikiText-103", "miniF2F-test"), so the list holds each name once.
KNOWN_DATA = frozenset(
    """
    ImageNet Tiny-ImageNet TinyImageNet miniImageNet tieredImageNet
    CIFAR-10 CIFAR-100 CIFAR10 CIFAR100 MNIST Fashion-MNIST FashionMNIST EMNIST KMNIST SVHN STL-10 Omniglot CelebA
    FFHQ LSUN COCO MS-COCO MSCOCO Cityscapes ADE20K CUB Places365 KITTI ShapeNet ModelNet40
    ScanNet nuScenes Kinetics UCF101 HMDB51 DomainBed PACS VLCS Office-Home OfficeHome DomainNet
    TerraIncognita DIV2K Set5 Set14 Urban100 RealSR DRealSR LAION
    WikiText PTB GLUE SuperGLUE SQuAD MNLI SST-2 IMDB WMT14 WMT16 WMT IWSLT IWSLT14 C4
    OpenWebText BookCorpus LAMBADA HellaSwag MMLU GSM8K HumanEval HumanEval+ MBPP APPS CodeContests LiveCodeBench
    BigCodeBench DS-1000 MT-Bench AlpacaEval Arena-Hard TruthfulQA BBH BIG-Bench PIQA WinoGrande BoolQ TriviaQA
    HotpotQA MS-MARCO BEIR LoTTE XSum miniF2F MiniF2F ProofNet LeanWorkbook StrategyQA WebShop ALFWorld SWE-bench
    Atari MuJoCo D4RL Procgen Brax Meta-World MetaWorld NetHack MiniGrid
    Criteo Avazu MovieLens Cora Citeseer CiteSeer PubMed OGB QM9 ZINC MD17 OC20 PDBbind
    LibriSpeech CommonVoice AudioSet ESC-50 DCASE VoxCeleb BraTS MIMIC-III MIMIC-IV fastMRI CheXpert
    """.split()
)
_KNOWN_DATA = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(n) for n in sorted(KNOWN_DATA, key=len, reverse=True))
    + r")(?:-\w+)?(?![\w-])"  # "miniF2F-test", "CIFAR-10-C"
)
DATA_KNOWN = 1.0  # a name of KNOWN_DATA in the sentence

DATA_CALLED = 0.5  # measured at 0 / 0.5 / 1 / 2 on the grid's dev split (Dataset 0.720, 0.760, 0.760, 0.760)
# "continual learning (CL)", "large language models (LLMs)": an abbreviation of a field's lower-case term, whose
# last word is one of _FIELD_HEADS.
_FIELD_HEADS = frozenset(
    "learning model models network networks processing vision intelligence agent agents system systems "
    "generation recognition understanding".split()
)


def field_acronyms(abstract: str) -> set[str]:
    """Acronyms an abstract defines for lower-case terms ("continual learning (CL)"), lower-cased: the name of a
    field or a kind of model, not of a dataset or a method one could compare with ("direct preference
    optimization (DPO)" is one)."""
    found = set()
    for acronym, words_ in abbreviations(abstract).items():
        if words_.split()[-1].lower() in _FIELD_HEADS:
            singular = acronym.removesuffix("s")
            found.update({singular, singular + "s"})
    return found


def names_data(src: SourceLike, sentences: Sequence[Sentence]) -> bool:
    """Whether a sentence of ``src`` may name data as the grid's Dataset column reads it: a name, not the paper's
    own nor a concept it abbreviates, beside a data word or after "on / in / across" ("It improves on SQuAD");
    half the cue a grid cell needs, since it only keeps "which datasets ...?" from being refused
    (:meth:`rag.evidence.Evidence.unnamed`)."""
    own = own_names(src.title, src.text) | field_acronyms(src.text)
    concepts = set(abbreviations(src.text))
    known = {n.lower() for n in own | concepts}
    return any(
        cue("data", s.text, own, concepts) >= MIN_CUE["data"] / 2
        or any(new_name(m.group(1), known) for m in ON_A_NAME.finditer(s.text))
        for s in sentences
    )


def _names(text: str, own: set[str]) -> list[str]:
    """The names in ``text`` of things other than the paper's own (``own``, lower-cased): acronyms, CamelCase,
    names with digits; not generic acronyms ("LLMs") nor a sentence's first word ("Second-order ...")."""
    found = []
    for m in NAME_TOKEN.finditer(text):
        name = m.group(0)
        if m.start() == len(text) - len(text.lstrip()) and re.fullmatch(r"[A-Z][a-z]+-\w+", name):
            continue
        key = name.lower()
        if key in own or is_generic(name):
            continue
        found.append(name)
    return found


# Names that are a measure, not data ("FID", "F1", "top-1", "KL-divergence").
_METRIC = re.compile(
    r"(?:FID|F1|BLEU[\w-]*|ROUGE[\w-]*|KL(?:-divergence)?|AUC|AUROC|AUPRC|mAP|m?IoU|PSNR|SSIM|LPIPS|top-\w+|pass@\w+|"
    r"nDCG[\w@]*|MRR|WER|CER|EM|Elo|RMSE|MAE|NFEs?)",
    _I,
)
# A model, not data: a family of pretrained models, or a name with a size in it ("Qwen2.5-Coder-32B-Instruct").
_MODEL = re.compile(rf"{MODEL_FAMILIES}(?![a-z])|.*\d(?:\.\d+)?[BM](?![a-z])")


# The head of a hyphenated phrase, not a name: "Degree-of" of "Degree-of-Freedoms", "Chain-of" of "Chain-of-Thought".
_HYPHEN_DEBRIS = re.compile(r"[A-Z][a-z]+-(?:of|the|to|and|in|on|for|with|like|based)", _I)


def _data_names(text: str, known: set[str]) -> list[str]:
    """The names in ``text`` that may be data: :func:`_names` (not ``known``, lower-cased) less measures ("FID"),
    models ("GPT-4o", "LLaVA-NeXT"), words joined by a hyphen ("Degree-of-Freedoms") and what the sentence
    compares with ("outperforms SAM variants")."""
    compared = {name for _, obj in _compared(text, _DATA_CONTEXT) for name in _names(obj, known)}
    out = []
    for name in _names(text, known):
        bare = name.rstrip(".,;:")
        if bare in compared or _METRIC.fullmatch(bare) or _MODEL.match(bare):
            continue
        if _HYPHEN_DEBRIS.fullmatch(bare):
            continue
        out.append(bare)
    return out


def cue(kind: str, text: str, own_names: set[str] | None = None, concepts: set[str] | None = None) -> float:
    """How much ``text`` looks like it states a value of ``kind`` (0 when it can't: e.g. a "number" sentence
    without a quantity, a "baseline" sentence without a named method other than the paper's own). ``concepts``
    (lower-cased) are more names that are no data: the acronyms the abstract defines for lower-case words ("score
    distillation sampling (SDS)")."""
    score = sum(weight * len(p.findall(text)) for p, weight in _CUES.get(kind, []))
    if kind == "number":
        # A quantity is what a number column wants; words of a result ("outperforms", "achieves") say it is one.
        # The size of the data a paper describes is no result ("we compile 12.4 million sentence pairs", "a
        # dataset featuring 63,600 image pairs", "divided into a training (179 patients) ...").
        if _DESCRIBES_DATA.search(text) and not any(p.search(text) for p, _ in _CUES["results"]):
            return 0.0
        # a rate or a bound is a theory paper's result in itself, in symbols or in words
        bounds = len(BIG_O.findall(text)) + len(_RATE.findall(text)) + len(_BOUND.findall(text))
        quantities = len(_QUANTITY.findall(text)) + bounds
        return score + min(quantities, 2) * 0.5 + min(bounds, 1) * 0.5 if quantities else 0.0
    if kind == "parameters" and not any(p.search(text) for p, _ in _PARAMETER_COUNTS):
        return 0.0
    if kind == "data":
        # Data is named: a dataset or benchmark word, or an evaluation, next to a name that isn't the paper's own.
        # The paper's own dataset or benchmark is data too ("we introduce the CodeFlow dataset").
        names = _data_names(text, (own_names or set()) | (concepts or set()))
        known = {n.lower() for n in (own_names or set())}
        called = [
            called or several or bench
            for called, several, bench in _NAMED_DATA.findall(text)
            if not (bench and bench.lower() in known)  # "FunBench is a dataset of ..." by FunBench's paper
        ]
        called += [after or beside for after, beside in _DATA_NAMED.findall(text)]
        # a named equation or flow a method is evaluated on is its benchmark ("on the turbulent Navier-Stokes
        # equations", "on Burgers' equation and Darcy flow")
        equations = _ON_EQUATION.findall(text)
        called += [n for n in equations if n.lower() not in known]
        # a dataset every reader knows by name, not the paper's own ("the CodeFlow dataset" of CodeFlow's paper is)
        famous = [n for n in _KNOWN_DATA.findall(text) if n.lower() not in known]
        named = list(dict.fromkeys(names + called + famous))
        if not named:
            return 0.0
        # a name called a dataset or benchmark ("the VISOR benchmark") is surer than a name next to "on"
        on_data = sum(
            1
            for m in _ON_NAME.finditer(text)
            if NAME_TOKEN.match(text, m.end()) and any(text.startswith(n, m.end()) for n in names)
        )
        on_data += len(equations)  # an evaluation on it, by what it is
        called_data = bool(_NAMED_DATA.search(text) or _DATA_NAMED.search(text) or equations)
        return (
            score + on_data + 0.5 * min(len(named), 3) + DATA_CALLED * called_data + DATA_KNOWN * bool(famous)
        )
    if kind == "baseline":
        return _baseline_cue(text, own_names or set())
    return score


# Where or how a comparison is made, not with what: "compared to competitors on YABBOB", "extends the concept to
# combine loss functions within the ERM framework".
# Lower case only ("Learning To Rank" is a name), and not what describes it ("an approach built on TextRank").
_CONTEXT = re.compile(
    r"(?<!built )(?<!based )(?<!trained )(?<!relying )\b(?:on|across|at|under|using|within|to)\b"
)
# ... and for data, also "outperforms X in <benchmark>", "improves over X for <task>"
_DATA_CONTEXT = re.compile(rf"{_CONTEXT.pattern}|\b(?:in|over|for)\b")


def _clause(text: str) -> str:
    """``text`` up to its clause's end (:data:`_CLAUSE_END`); a closing parenthesis ends it only when it closes one
    opened before ``text`` ("... (outperforming X)"), not one of its own ("the previous O(T) bound")."""
    depth, start = 0, 0
    for m in _CLAUSE_END.finditer(text):
        depth += text.count("(", start, m.start()) - text.count(")", start, m.start())
        start = m.end()
        if m.group(0) != ")":
            return text[: m.start()]
        if depth <= 0:
            return text[: m.start()]
        depth -= 1
    return text


def _compared(text: str, stop: re.Pattern[str] = _CONTEXT) -> list[tuple[re.Match[str], str]]:
    """Each comparison in ``text`` (:data:`_COMPARED`) with its object: the words after it up to the clause's end
    (a stop, a closing parenthesis, ", we / which / while ...") or a word of ``stop``, at most 12 words."""
    out = []
    for m in _COMPARED.finditer(text):
        tail = _clause(text[m.end() : m.end() + 120])
        tail = stop.split(tail, maxsplit=1)[0]
        out.append((m, " ".join(tail.split()[:12])))
    return out


def _baseline_cue(text: str, own: set[str]) -> float:
    """A baseline is what a comparison is made with: 2 for each comparison ("outperforms", "superior to", "faster
    than", "better image quality than", "an improvement in accuracy over", "a variant of", "recent methods, such
    as") whose object is specific, plus 1 for each name in those objects. A specific object is no number
    ("exceeding 95%") and has a name ("GPT-3.5", "LTR"), "such as ..." / "including ...", or a content word that
    isn't a stand-in for "the others" ("outperforms existing methods" names no baseline; "faster than stochastic
    gradient descent" does).
    """
    score = 0.0
    compared = _compared(text)
    for m, obj in compared:
        if _A_NUMBER.match(obj) or (m.group(0).rstrip().lower().endswith("than") and _A_COUNT.match(obj)):
            continue  # "exceeding 95% non-compliance": a number, not a method
        if any(w.lower() in _NOT_METHODS for w in obj.split()[:3]):
            continue  # "improves on challenging tasks like BigCodeBench": a task, not a method
        names = _names(obj, own) + _proper_names(obj, own)
        listed = bool(re.search(r"\b(?:such as|including|e\.g\.|like)\s+\S", obj, _I))
        if names or listed or _names_a_method(obj):
            score += 2.0 + min(len(names), 3)
    for m in _PRIOR.finditer(text):
        # prior work named by what it is: "the vanilla Frank-Wolfe algorithm", "the standard fixed-point iteration",
        # "the original triplet loss", "standard GP surrogates"; not "standard benchmarks" nor "existing methods"
        phrase = _PHRASE_END.split(text[m.end() : m.end() + 80], maxsplit=1)[0]
        words = re.findall(r"[A-Za-z][A-Za-z-]*", phrase)[:5]
        # the phrase ends at its head, not at the verb after it: "the standard fixed-point iteration achieves ...",
        # "Traditional knowledge distillation focuses on ..."
        # (a generic head only after a name: "the vanilla Frank-Wolfe algorithm", not "the existing evaluation
        # method fails")
        # (and only before a verb or its acronym: "traditional fine-tuning methods", "the prior Thompson sampling
        # algorithms", "the previous attention attempts" are classes; "the traditional back-propagation stochastic
        # gradient descent (SGD) algorithm" is one)
        at = next((i for i, w in enumerate(words) if w.lower() in _METHOD_HEADS), None)
        if (
            at is not None
            and (at + 1 == len(words) or _A_VERB.fullmatch(words[at + 1]) or words[at + 1].isupper())
            and (words[at].lower() not in _GENERIC_HEADS or _names("the " + " ".join(words[:at]), own))
        ):
            words = words[: at + 1]
        if not words:
            continue
        head = words[-1]
        if any(w.lower() in _NOT_PRIOR_HEADS for w in words) or re.fullmatch(r"[A-Z]{2,}s", head):
            continue  # "standard BO problems", "conventional SDEs": a problem or a class, not one method
        # enough to fill a cell, less than a comparison with it ("outperforms TextRank") weighs
        one_word = len(words) == 1 and head.lower() in _ONE_METHOD_HEADS  # "the standard transformer"
        if head in _names(" ".join(words), own) or (
            (len(words) >= 2 or one_word) and head.lower() in _METHOD_HEADS
        ):
            score += 2.0
    if _CITED.search(text):
        score += 2.0  # prior work cited by its authors: what the paper sets itself against or builds on
    for m in _EXAMPLES.finditer(text):
        # a class of methods by its examples, prior work whether or not the sentence says "existing": "tree search
        # algorithms (e.g. Monte Carlo Tree Search)", "regularizers like CORAL, IRM, V-REx"
        if any(c.start() <= m.start() < c.end() + 60 for c, _ in compared):
            continue  # counted above as "existing methods such as ..."
        clause = _clause(text[m.end() : m.end() + 120])
        names = _names(clause, own) + _proper_names(clause, own)
        if names:
            score += 2.0 + min(len(names), 3)
    return score


# A proper name in words: capitalised words that aren't a name token ("Monte Carlo Tree Search", "Newton's method"),
# possibly joined by "of" ("Best of N"); :func:`_proper_names` keeps only those of several words or with "'s".
_PROPER = re.compile(r"\b[A-Z][a-z]+(?:['’]s)?(?:(?:\s+of)?[\s-]+[A-Z][\w]*)*")


def _proper_names(text: str, own: set[str]) -> list[str]:
    """The proper names in ``text`` written as capitalised words, not counted by :func:`_names` (no acronym, no
    CamelCase): not the paper's own (``own``, lower-cased), no word that stands for "the others" ("Existing") nor a
    function word ("The", "Our")."""
    out = []
    for m in _PROPER.finditer(text):
        name = m.group(0)
        first = re.split(r"[\s'’-]", name)[0].lower()
        if NAME_TOKEN.match(name) or name.lower() in own or first in own or is_generic(name):
            continue
        if first in _NOT_A_BASELINE or first in function_words():
            continue
        if not re.search(r"\s|['’]s$", name):
            continue  # one capitalised word may be any proper noun ("with Brax"): a name only in several
        out.append(name)
    return out


# A plural head of a class of methods, then its examples: "algorithms (e.g.", "regularizers like", "optimizers such
# as". Not "models": the models a paper evaluates are listed so too ("large models like GPT-3 and Bloom").
_EXAMPLES = re.compile(
    r"\b(?:methods|approaches|baselines|algorithms|techniques|optimizers|regularizers|"
    r"heuristics|strategies|schemes|solvers|estimators|losses)\s*[(,]?\s*"
    r"(?:such as|including|e\.g\.,?|like)\s+",
    _I,
)


# Prior work named by its authors and what it did: "Doshi et al. (2023) shows that ...", "Scheibler et al. proposed
# ...", "Jain, Netrapalli and Sanghavi showed ..." (not work only examined or followed: "conjectures laid out by
# Sagun et al.").
_CITED = re.compile(
    r"\b(?:[A-Z][A-Za-z'-]+(?:\s+(?:and|&)\s+[A-Z][A-Za-z'-]+)?\s+et\s+al\b\.?|"
    r"[A-Z][a-z'-]+,\s+[A-Z][a-z'-]+,?\s+and\s+[A-Z][a-z'-]+)\W+(?:\S+\s+){0,2}?"
    r"(?:shows?|showed|proposed?|introduced?|proved?|established?|developed?|achieved?)\b"
)
_PRIOR = re.compile(
    r"\b(?:existing|prior|previous|traditional|conventional|standard|classical|classic|vanilla|original)\s+",
    _I,
)
# What one prior method is called by ("the standard fixed-point iteration"): a kind of method, in the singular or
# for a family of one method ("surrogates").
_METHOD_HEADS = frozenset(
    """algorithm iteration iterations loss losses decoding distillation descent surrogate surrogates paradigm training
    fine-tuning finetuning attention regularization regularizer optimizer sampling sampler estimator transformer
    pruning quantization solver scheme method approach technique architecture update updates rule backpropagation
    """.split()
)
# A word that ends a noun phrase as its verb: "achieves", "makes", "focuses", "is", "failed" (not a plural noun).
_A_VERB = re.compile(
    r"(?!(?:"
    + "|".join(
        sorted(
            _CLASS_HEADS | {"attempts", "efforts", "studies", "mechanisms", "modules", "layers", "designs"}
        )
    )
    + r")\b)[a-z]+(?:s(?<!ss)(?<!us)(?<!is)|ed)|is|are|was|were|has|have|had|can|could|may|might|will|would|must|"
    r"does|do|did|fail|suffer|require|need"
)
# Heads that name no method by themselves: only after a name ("the vanilla Frank-Wolfe algorithm").
_GENERIC_HEADS = frozenset(
    "method approach technique scheme architecture algorithm rule update updates".split()
)
# Heads that name one method by themselves after "standard", "vanilla", "conventional": "the standard transformer",
# "vanilla attention", "conventional fine-tuning" (not "the standard method", "existing training").
_ONE_METHOD_HEADS = frozenset(
    "transformer attention fine-tuning finetuning distillation backpropagation".split()
)


# Heads of what is not a method: "extends the ensemble learning concept", "variants of learning problems".
_NOT_METHOD_HEADS = frozenset(
    "concept concepts idea ideas notion notions paradigm problem problems task tasks benchmark benchmarks dataset "
    "datasets metrics size sizes dimension dimensions length depth width count budget ratio magnitude".split()
)
# ... but "the conventional next-token-prediction paradigm" is prior work named by what it is
_NOT_PRIOR_HEADS = _NOT_METHOD_HEADS - {"paradigm"}
# What a comparison's first words say it is made on, not with: "improves on challenging tasks like BigCodeBench"
# (plural only: "metric learning" is a method).
_NOT_METHODS = frozenset("tasks problems benchmarks datasets metrics".split())
# Words that describe rather than name ("non-iterative", "original", "proposed", "previous").
_ADJECTIVE_END = re.compile(r"(?:ive|al|ic|ous|ed|ing|ary|ful|less|able|ible|est)$", _I)
# ... and the comparatives ending in "-er" ("larger", "the more expressive ones"), not the nouns that do
# ("transformer", "single-learner", "optimizer")
_COMPARATIVE = re.compile(
    r"(?:larg|small|fast|slow|deep|shallow|wid|narrow|strong|weak|bett|low|high|simpl|long|short|earli|lat|new|old|"
    r"cheap|bigg|great|few|rich|hard|easi|light|heavi|tight|loos|fin|coars|broad|smart|clean|dens|spars)er$",
    _I,
)


def _describes(word: str) -> bool:
    """Whether a word describes rather than names: an adjective's ending ("non-iterative", "larger") or a compound
    one ("open-source", "LLM-based", "large-scale")."""
    return bool(
        _ADJECTIVE_END.search(word)
        or _COMPARATIVE.search(word)
        or re.search(r"-(?:source|based|like|scale|sized|art|order)$", word, _I)
    )


def _names_a_method(obj: str) -> bool:
    """Whether the words after a comparison name one method in lower case ("stochastic gradient descent",
    "standard supervised fine-tuning") rather than a class ("reward based methods", "a variety of iterative
    algorithms": a plural generic head) or the others ("existing ones", "prior state of the art")."""
    obj = _QUANTIFIER.sub("", obj)
    phrase = _PHRASE_END.split(obj, maxsplit=1)[0]
    words = re.findall(r"[A-Za-z][A-Za-z-]+", phrase)
    content = [w for w in words if w.lower() not in _NOT_A_BASELINE]
    if not content:
        return False
    if words[-1].lower() in _NOT_METHOD_HEADS:
        return False
    if words[-1].lower() in _CLASS_HEADS:
        # "... methods": a class of methods; "the non-iterative method", "the original model": one left unnamed;
        # but "the best response strategy", "the greedy algorithm": one method, named by what it does
        # (not "the state-of-the-art (SOTA) open-source model": described, not named)
        modifiers = [w for w in words[1:-1] if w.lower() not in _NOT_A_BASELINE and not _describes(w)]
        return bool(modifiers) and not words[-1].lower().endswith("s") and words[0].lower() == "the"

    if all(_describes(w) for w in content):
        return False  # only described: "many larger open-source models", "the more expressive ones"
    return not (len(content) == 1 and content[0].endswith("ing") and "-" not in content[0])


# ------------------------------------------------------------------ filling cells


@dataclass
class _Pick:
    index: int
    score: float


def pick(
    sentences: Sequence[Sentence],
    kind: str,
    sims: Sequence[float],
    *,
    blocked: set[int] | frozenset[int] = frozenset(),
    cue_weight: float = 1.0,
    lexical: Sequence[float] | None = None,
    lexical_weight: float = 0.0,
    own_names: set[str] | None = None,
    concepts: set[str] | None = None,
    min_similarity: float = 0.0,
) -> _Pick | None:
    """The sentence that fills a cell of ``kind`` best: the highest ``cue_weight * cue + sim + lexical_weight *
    lexical`` among those with the kind's minimum cue (and, for a column of no known kind, ``min_similarity``);
    None when no sentence can fill it."""
    best: _Pick | None = None
    for i, sentence in enumerate(sentences):
        if i in blocked:
            continue
        c = cue(kind, sentence.text, own_names, concepts)
        if c < MIN_CUE[kind]:
            continue
        if kind == "generic" and sims[i] < min_similarity:
            continue
        score = cue_weight * c + sims[i] + lexical_weight * (lexical[i] if lexical is not None else 0.0)
        if best is None or score >= best.score:  # ties: the later sentence (results follow their set-up)
            best = _Pick(i, score)
    return best


# The kinds of a paper's story: its method, then what it was tested on and found. They take different sentences,
# and results and data come after the method sentence (or, with none, after the opening one): abstracts open with
# the problem, and a background sentence ("LLMs have achieved ...") is no result.
_STORY = ("approach", "results", "number", "data")


def fill_cells(
    sentences: Sequence[Sentence],
    kinds: Sequence[str],
    sims: Sequence[Sequence[float]],
    *,
    lexical: Sequence[Sequence[float]] | None = None,
    own: set[str] | None = None,
    concepts: set[str] | None = None,
    cue_weight: float = 1.0,
    lexical_weight: float = 0.0,
    min_similarity: float = 0.0,
    distinct: bool = False,
) -> list[_Pick | None]:
    """One paper's cells: for each column (its kind, each sentence's similarity to it and share of its words), the
    sentence that fills it (:func:`pick`), None for "not stated". Story columns (approach, results, numbers, data)
    are filled in that order, results and data after the method sentence, and with ``distinct`` (a compare table's
    three columns) each from a different sentence; an approach column always gets a sentence (the closest, when
    none says "we propose ...")."""
    order = sorted(
        range(len(kinds)), key=lambda j: _STORY.index(kinds[j]) if kinds[j] in _STORY else len(_STORY)
    )
    used: set[int] = set()
    out: list[_Pick | None] = [None] * len(kinds)
    for j in order:
        kind = kinds[j]
        blocked: set[int] = set()
        # An opening sentence of background: what it compares is the paper's baseline only when no later sentence
        # names one ("Existing imitation learning methods such as inverse reinforcement learning ...").
        background = kind == "baseline" and len(sentences) > 2 and not METHOD_CUES.search(sentences[0].text)
        if background:
            blocked = {0}
        if kind in _STORY:
            start = min(used) + 1 if used else 1
            blocked = used | set(range(start)) if kind != "approach" else set(used)
        for skip in (blocked, set()) if background else (blocked,):
            found = pick(
                sentences,
                kind,
                sims[j],
                blocked=skip,
                cue_weight=cue_weight,
                lexical=lexical[j] if lexical is not None else None,
                lexical_weight=lexical_weight,
                own_names=own,
                concepts=concepts,
                min_similarity=min_similarity,
            )
            if found is not None:
                break
        if found is None and kind == "approach" and sentences:
            i = max(range(len(sentences)), key=lambda x: sims[j][x])
            found = _Pick(i, sims[j][i])
        if found is not None and (kind == "approach" or (distinct and kind in _STORY)):
            used.add(found.index)
        out[j] = found
    return out


def compare_cells(sentences: Sequence[Sentence]) -> dict[str, tuple[int | None, float]]:
    """The compare table's three cells of one paper: {kind: (sentence index or None, score)} for approach, results
    and data (:func:`fill_cells`, similarity to the comparison question, cue weight 1)."""
    kinds = ("approach", "results", "data")
    sims = [s.sim for s in sentences]
    picks = fill_cells(sentences, kinds, [sims] * len(kinds), distinct=True)
    return {k: (p.index, p.score) if p else (None, 0.0) for k, p in zip(kinds, picks, strict=True)}


# A title's task phrase: "<method> for <task>" (the last "for"), "<task> via / with / by / using <method>".
_TITLE_FOR = re.compile(
    r"\sfor\s(?!(?:the|a|an)\s+(?:first|new)\b)|\s(?:approach|solution|route|path)e?s?\s+to(?:wards)?\s", _I
)
_TITLE_BY = re.compile(r"\s(?:via|with|by|using|through)\s", _I)


def title_task(title: str) -> str:
    """The part of a title that names the problem rather than the method: after its last "for" ("Coordinate Descent
    Methods for Fractional Minimization", "... Alignment Learning for Stronger Adaptation in RLHF"), else before
    "via" / "with" / "by" / "using" / "through" ("Boosting Tool Use of Large Language Models via ..."); "" when it
    has neither. A leading "Name:" of one or two words is dropped first. Not "in": "Neural Collapse in Deep Linear
    Networks" names where the problem is studied."""
    head, sep, rest = title.partition(":")
    text = rest if sep and len(head.split()) <= 2 and rest.strip() else title
    parts = _TITLE_FOR.split(text)
    if len(parts) > 1:
        return parts[-1].strip()
    parts = _TITLE_BY.split(text, maxsplit=1)
    return parts[0].strip() if len(parts) > 1 else ""


# The opening words of a sentence that continues another: a contrast, a next point, an example, a consequence.
CONTINUES = re.compile(
    r"(?:however|but|yet|to (?:address|tackle|solve|overcome|remedy|fill|bridge) (?:this|these|that|such)|"
    r"second(?:ly)?|third(?:ly)?|moreover|furthermore|in addition|additionally|also|finally|specifically|"
    r"for (?:example|instance)|in particular|as a result|consequently|therefore|thus|hence|nevertheless|"
    r"nonetheless|unfortunately|despite)\b",
    _I,
)


@dataclass
class _Plan:
    """What a grid needs to know of one column, worked out once per grid: its kind, its question's content terms,
    and (per batch of rows) its question's embedding."""

    column: Column
    kind: str
    wanted: set[str]
    vector: np.ndarray | None = None


def fill_row(
    evidence: Evidence, src: Source, plans: Sequence[_Plan], settings: GridSettings
) -> list[GridCell]:
    """The cells of one paper (``src``, its sentences in ``evidence``) for the columns ``plans`` describe: each the
    sentence that fills it best for its kind, or "not stated"."""
    sentences = evidence.by_source.get(src.n, [])
    if not sentences:
        return [GridCell(NOT_STATED, False) for _ in plans]
    matrix = np.stack([evidence.vector(s.text) for s in sentences])
    sentence_terms = [terms(s.text) for s in sentences]
    own = own_names(src.title, src.text)
    # A task sentence shares the title's words, not counting the method's own name, each weighted by its rarity in
    # the collection; and it comes before the method (worked out once per row).
    # Only a grid with a task column needs them (a rarity lookup per row is an index read).
    title_words: set[str] = set()
    title_rarity: dict[str, float] = {}
    method_at: int | None = None
    if any(plan.kind == "task" for plan in plans):
        title_words = terms(src.title) - generic_stems() - {t for name in own for t in terms(name)}
        rarity = evidence.rarity(title_words) if title_words else {}
        # the words of the title's task phrase ("... for Fractional Minimization") count more than the method's
        task_words = terms(title_task(src.title)) & title_words
        rarity = {w: r * (1.0 + settings.task_title_phrase * (w in task_words)) for w, r in rarity.items()}
        title_rarity = {w: r / (sum(rarity.values()) or 1.0) for w, r in rarity.items()}
        method_at = first_method(sentences)
    sims, lexical = [], []
    for plan in plans:
        assert plan.vector is not None
        column_sims = matrix @ plan.vector
        if plan.kind == "task":
            # What a paper is about is said in its title and at the start of its abstract: a task sentence is close
            # to the title, shares its words (not the method's own name), and is early.
            position = np.linspace(settings.task_position, 0.0, num=len(sentences))
            column_sims = column_sims + matrix @ evidence.vector(src.title) + position
            if settings.task_title_terms and title_words:
                # each title word weighs its rarity: "collapse" says more of the topic than "networks"
                share = np.array([sum(title_rarity[w] for w in title_words & t) for t in sentence_terms])
                column_sims = column_sims + settings.task_title_terms * share
            # A sentence that continues another ("However, ...", "To address this, ...") is not where the problem
            # is stated.
            if settings.task_continues:
                continues = np.array([bool(CONTINUES.match(s.text)) for s in sentences])
                column_sims = column_sims - settings.task_continues * continues
            # The problem is stated before the method: what follows "we propose ..." describes it or its results.
            if settings.task_after_method and method_at is not None:
                column_sims = column_sims - settings.task_after_method * (
                    np.arange(len(sentences)) > method_at
                )
        sims.append([float(x) for x in column_sims])
        lexical.append(
            [len(plan.wanted & t) / len(plan.wanted) if plan.wanted else 0.0 for t in sentence_terms]
        )
    picks = fill_cells(
        sentences,
        [plan.kind for plan in plans],
        sims,
        lexical=lexical,
        own=own | field_acronyms(src.text),  # names that are not data nor baselines either
        concepts=set(abbreviations(src.text)),  # nor data
        cue_weight=settings.cue_weight,
        lexical_weight=settings.lexical_weight,
        min_similarity=settings.min_similarity,
    )
    return [
        GridCell(sentences[p.index].text, True, p.score) if p else GridCell(NOT_STATED, False) for p in picks
    ]


def fill(
    sources: Sequence[Source],
    columns: Sequence[Column],
    evidence_for: Callable[[Sequence[Source]], Evidence],
    settings: GridSettings,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 16,
) -> list[GridRow]:
    """Every row of a grid: one per source, in order, numbered by the source's ``n``. Sources are read
    ``batch`` at a time (``evidence_for`` embeds a batch's sentences), so ``progress(done, total)`` moves while a
    cold grid embeds its abstracts."""
    plans = [_Plan(c, column_kind(c), terms(c.query) - generic_stems()) for c in columns]
    rows = []
    for start in range(0, len(sources), batch):
        chunk = sources[start : start + batch]
        evidence = evidence_for(chunk)
        for plan in plans:
            plan.vector = evidence.vector(plan.column.query)  # cached by the embedder: embedded once per grid
        for src in chunk:
            cells = fill_row(evidence, src, plans, settings)
            rows.append(GridRow(src.n, src.paper_id, src.title, src.published, cells))
            if progress is not None:
                progress(len(rows), len(sources))
    return rows


# ------------------------------------------------------------------ short values, written by an LLM and checked

VALUE_SYSTEM = (
    "You read one sentence from a research paper's abstract and write the value it states for one column of a "
    "literature-review table. Reply with the value only: at most 8 words, copied from the sentence (names and "
    "numbers exactly as written), or NONE when the sentence does not state it."
)


def value_prompt(llm: LLM, column: Column, sentence: str) -> list[Message] | str:
    """The request for one cell's value: chat messages, or a completion prompt for a base model."""
    asked = f"{column.label} ({column.question})" if column.question else column.label
    text = sanitize(sentence)
    if llm.is_chat:
        return [
            {"role": "system", "content": VALUE_SYSTEM},
            {"role": "user", "content": f"Column: {asked}\nSentence: {text}\nValue:"},
        ]
    return (
        "Copy the value the sentence states for the column, in a few words.\n"
        "Column: Dataset\nSentence: We evaluate on ImageNet and COCO, improving mAP by 2.1.\nValue: ImageNet, COCO\n"
        "Column: Model size\nSentence: Our 7B model matches larger ones.\nValue: 7B\n"
        f"Column: {asked}\nSentence: {text}\nValue:"
    )


def supported_value(value: str, sentence: str) -> bool:
    """Whether a value an LLM wrote is what the sentence says: short, not NONE, and every number and content word
    of it in the sentence (so "ImageNet, COCO" passes for a sentence naming both, "ImageNet-21k" doesn't)."""
    value = value.strip()
    if not value or value.upper().startswith("NONE") or len(value.split()) > 12:
        return False
    if not numbers(value) <= numbers(sentence):
        return False
    wanted = terms(value)
    return bool(wanted) and wanted <= terms(sentence)


def add_values(
    grid: Grid,
    llm: LLM,
    deadline_s: float,
    progress: Callable[[int, int], None] | None = None,
    base_url: str | None = None,
) -> str:
    """Give each stated cell a short value from ``llm``, kept only when :func:`supported_value` (a cell keeps its
    sentence either way). Returns a note for people when the backend failed or ran out of time ("" otherwise);
    the cells it didn't reach keep their sentences."""
    t0 = time.perf_counter()
    todo = [(row, j) for row in grid.rows for j, cell in enumerate(row.cells) if cell.stated]
    seen: dict[tuple[str, str], str] = {}
    for done, (row, j) in enumerate(todo, start=1):
        if time.perf_counter() - t0 > deadline_s:
            return f"short values stopped after {deadline_s:g} s (PAPER_RAG_LLM__DEADLINE_S); the rest show sentences"
        cell, column = row.cells[j], grid.columns[j]
        key = (column.query, cell.text)
        if key not in seen:
            try:
                reply = "".join(
                    llm.stream(
                        value_prompt(llm, column, cell.text), max_tokens=32, temperature=0.0, stop=["\n"]
                    )
                )
            except Exception as exc:  # any backend failure: the sentences stand, with a note saying why
                return f"short values unavailable ({type(exc).__name__}: {redact_secrets(str(exc), base_url)[:200]}); cells show sentences"
            value = reply.strip().strip("\"'").rstrip(".").strip()
            seen[key] = value if supported_value(value, cell.text) else ""
        cell.value = seen[key]
        if progress is not None:
            progress(done, len(todo))
    return ""


# ------------------------------------------------------------------ columns from people


def parse_columns(specs: Sequence[str | Column | dict[str, str]]) -> list[Column]:
    """Columns from labels, "Label: question" strings, {"label", "question"} dicts or :class:`Column` s; a label
    given twice is an error (cells are looked up by label)."""
    out: list[Column] = []
    for spec in specs:
        if isinstance(spec, Column):
            column = spec
        elif isinstance(spec, dict):
            if not str(spec.get("label", "")).strip():
                raise ValueError(f"a column needs a label: {spec!r}")
            column = Column(
                " ".join(str(spec["label"]).split()), " ".join(str(spec.get("question") or "").split())
            )
        else:
            column = Column.parse(str(spec))
        if column.label.lower() in {c.label.lower() for c in out}:
            raise ValueError(f"column {column.label!r} is given twice")
        out.append(column)
    return out


def read_columns(path: Path) -> list[Column]:
    """Columns from a YAML or JSON file: a list of labels / "Label: question" strings / {label, question}
    mappings, or one mapping {label: question}. Errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: can't read the columns file ({exc})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'} ({exc})"
        ) from None
    if isinstance(data, dict) and "columns" in data:
        data = data["columns"]
    if isinstance(data, dict):
        data = [{"label": k, "question": v or ""} for k, v in data.items()]
    if not isinstance(data, list) or not data:
        raise ValueError(f"{path}: expected a list of columns (or a mapping of label: question)")
    try:
        return parse_columns(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# ------------------------------------------------------------------ output


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cell_text(cell: GridCell, n: int) -> str:
    """A cell as people read it: the value (if any), the sentence and the row's marker; or "not stated"."""
    if not cell.stated:
        return NOT_STATED
    sentence = cell.text.rstrip(".")
    return f"{cell.value} - {sentence} [{n}]" if cell.value else f"{sentence} [{n}]"


def grid_markdown(grid: Grid) -> str:
    """The grid as GitHub Markdown, every row and stated cell cited, then the numbered references."""
    lines = [
        "| Paper | " + " | ".join(_md_cell(c.label) for c in grid.columns) + " |",
        "| --- | " + " | ".join("---" for _ in grid.columns) + " |",
    ]
    for r in grid.rows:
        cells = " | ".join(_md_cell(cell_text(c, r.n)) for c in r.cells)
        lines.append(f"| {_md_cell(r.title)} [{r.n}] | {cells} |")
    return "\n".join(lines) + "\n\n" + references(grid)


def references(grid: Grid) -> str:
    """The rows' plain citations, one per line: "[n] Title (date). paper-rag id: ..."."""
    out = []
    for r in grid.rows:
        date = f" ({r.published})" if r.published else ""
        out.append(f"[{r.n}] {r.title}{date}. paper-rag id: {r.paper_id}")
    return "\n".join(out)


def grid_text(grid: Grid) -> str:
    """The grid for a terminal: one block per paper, a line per column, then what it covers."""
    out = []
    for r in grid.rows:
        date = f" ({r.published})" if r.published else ""
        out.append(f"[{r.n}] {r.title}{date}")
        for column, cell in zip(grid.columns, r.cells, strict=True):
            out.append(f"    {column.label}: {cell_text(cell, r.n)}")
        out.append("")
    cells = len(grid.rows) * len(grid.columns)
    unstated = sum(1 for r in grid.rows for c in r.cells if not c.stated)
    where = {
        "papers": "the papers given",
        "query": f'the top {len(grid.rows)} papers for "{grid.request}"',
        "list question": f'the papers that match "{grid.request}" ({grid.checked} checked)',
        "filters": "every paper the filters accept",
    }.get(grid.rows_from, grid.rows_from)
    out.append(
        f"{len(grid.rows)} papers x {len(grid.columns)} columns ({where}); "
        f"{unstated} of {cells} cells are not stated in the abstracts."
    )
    return "\n".join(out)


def grid_csv(grid: Grid) -> str:
    """The grid as CSV: n, paper, paper_id, date, then one column per grid column (the sentence, or "not stated";
    a value an LLM normalised goes in an extra "<label> (value)" column when any cell has one)."""
    with_values = [any(r.cells[j].value for r in grid.rows) for j in range(len(grid.columns))]
    header = ["n", "paper", "paper_id", "date"]
    for column, has_value in zip(grid.columns, with_values, strict=True):
        header.append(column.label)
        if has_value:
            header.append(f"{column.label} (value)")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for r in grid.rows:
        row: list[object] = [r.n, r.title, r.paper_id, r.published or ""]
        for cell, has_value in zip(r.cells, with_values, strict=True):
            row.append(cell.text if cell.stated else NOT_STATED)
            if has_value:
                row.append(cell.value)
        writer.writerow(row)
    return buf.getvalue()
