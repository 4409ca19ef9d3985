"""Evidence: which sentences of the retrieved abstracts answer a question, and whether any do.

One :class:`Evidence` is built per answer. It splits every source into sentences (:func:`rag.text.split_sentences`;
sentences addressed to an assistant are never evidence), embeds each distinct text once, and answers every question
the answer chain has about them:

* :meth:`Evidence.top` / :attr:`Evidence.ranked`: sentences scored against the question (cosine similarity of the
  embeddings, plus the share of the question's content terms they contain; weights in ``Settings.evidence``);
* :meth:`Evidence.gate`: is there enough to answer? Two ways to fail, each with its refusal text: nothing relevant
  (the topic is absent), or the paper is there but its abstract doesn't state the detail asked for;
* :meth:`Evidence.support`: which source supports a sentence someone wrote (an LLM's, or a citation to check);
* :meth:`Evidence.highlight`: the sentence of a source an answer relies on, for the UI to mark.

Every threshold is a field of :class:`rag.config.EvidenceSettings`. Deliberately not here: any LLM call, retrieval,
or the wording of answers other than refusals.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import Any, Protocol

import numpy as np

from rag.config import EvidenceSettings
from rag.embeddings import Embedder
from rag.question import (
    LOWER_KINDS,
    NAME_TOKEN,
    NAMES_OF,
    TIME_ASKED,
    TIME_SCALE,
    Facet,
    Question,
    abbreviations,
    analyze,
    asked_kinds,
    asks_name,
    asks_proper_name,
    asks_which_paper,
    criterion_facets,
    distinct_names,
    focus,
    is_generic,
    kind_compound,
    kind_named,
    mentions,
    new_name,
    own_names,
    proper_kind,
    proper_kind_span,
    says_name,
    says_title,
    spells_out,
    states,
    title_name,
    unstated_units,
)
from rag.text import (
    BENCH_NAME,
    BIG_O,
    METHOD_CUES,
    MODEL_FAMILIES,
    NAME_LIKE,
    NOT_AN_ABBREVIATION,
    absent_sentence,
    capitalised_word,
    compact,
    compound_parts,
    coverage,
    function_words,
    generic_stems,
    looks_like_instruction,
    neutralize_markers,
    numbers,
    quantities,
    quantity_spans,
    quoted_list,
    split_sentences,
    stem,
    stopwords,
    strip_invisible,
    terms,
    words,
)

REFUSAL = "The collection does not contain enough information to answer this."

# rarity(stems) -> {stem: rarity in [0, 1]}: 1 for a term no abstract holds, near 0 for one most abstracts hold.
Rarity = Callable[[set[str]], dict[str, float]]

# The answerability features, in the order of Settings.evidence.gate_weights (see gate_features).
FEATURES = (
    "best_sim",
    "lead_sim",
    "lead_lexical",
    "paper_cover",
    "collection_cover",
    "missing_rare",
    "named",
    "kind_missing",
    "unknown_name",
    "answer_missing",
    "name_missing",
)

# A word that looks like a name: an inner capital or a digit next to letters ("AlphaFold", "GPT-5", "ResNet50").

_CACHE_SIZE = 50_000
_caches: weakref.WeakKeyDictionary[Embedder, OrderedDict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _embed_cached(embedder: Embedder, texts: list[str]) -> list[np.ndarray]:
    """Embeddings of ``texts``, from a per-embedder LRU cache where seen before (abstract sentences recur)."""
    with _cache_lock:
        try:
            cache = _caches.setdefault(embedder, OrderedDict())
        except TypeError:  # an embedder that can't be weakly referenced: no cache
            cache = OrderedDict()
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
    if missing:
        fresh = {t: np.asarray(v) for t, v in zip(missing, embedder.embed_batch(missing), strict=True)}
    else:
        fresh = {}
    with _cache_lock:
        out = [fresh[t] if t in fresh else cache[t] for t in texts]
        for t, v in fresh.items():
            cache[t] = v
        for t in texts:
            if t in cache:
                cache.move_to_end(t)
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return out


def _initials(text: str, *, prefixes: bool = False) -> str:
    """The first letters of a text's words, hyphenated parts counted apart ("multi-layer perceptron": "mlp"); with
    ``prefixes``, a word's prefix counted apart too ("multilayer perceptron": "mlp", "autoencoder": "ae")."""
    parts = [p for w in words(text) for p in w.split("-") if p[:1].isalpha()]
    if prefixes:
        parts = [q for p in parts for q in _split_prefix(p)]
    return "".join(p[0].lower() for p in parts)


# A prefix an acronym may take a letter of, when the rest of the word is long enough to be a word of its own.
_PREFIX = re.compile(r"(multi|inter|intra|hyper|super|semi|self|cross|auto|over|under|post)([a-z]{4,})", re.I)


# A question word, after which a number question's conditions follow ("what approximation ratio does it get under
# a matroid constraint?"); what comes before it says which paper is meant.
_QUESTION_WORD = re.compile(r"\b(?:what|which|how)\b", re.I)
# A condition: a preposition and up to four words, to punctuation or the next preposition, conjunction or verb.
_CONDITION = re.compile(
    r"\b(?:on|for|under|at|with|when|using|without|during|in)\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?"
    r"((?:[\w-]+\s+){0,3}?[\w-]+)(?=\s*(?:[?,;:]|$)|\s+(?:and|or|with|on|for|under|at|when|using|compared|"
    r"relative|over|than|versus|vs|of|is|are|was|were|does|do|did|in|to|by|from)\b)",
    re.I,
)
# ... but what a change is measured in is what is asked, not a condition ("the reduction in parameter count")
_CHANGE_OF = re.compile(
    r"\b(?:reduction|improvement|increase|decrease|drop|gain|speed-?up|boost|change|savings?|loss|error|growth|"
    r"cut|difference|gap)s?\s*$",
    re.I,
)
# A capitalised word after a preposition of where a number is measured: "save on Cityscapes", "in Atari".
_ON_CAPITALISED = re.compile(r"\b(?:on|in|across|over)\s+([A-Z][a-z]{2,}[\w-]*)")


# A name of capitalised words written together: "VerilogEval", "PatchmatchNet" (each part three letters or more).
_CAMEL_NAME = re.compile(r"(?<![\w-])[A-Z][a-z]{2,}(?:[A-Z][a-z]{2,})+(?![\w-])")


def _camel_parts(text: str) -> list[str]:
    """The parts of ``text``'s camel-case names (:data:`_CAMEL_NAME`): "Verilog", "Eval" of "VerilogEval"."""
    return [p for m in _CAMEL_NAME.finditer(text) for p in _CAMEL_PART.findall(m.group(0))]


def _hyphen_terms(text: str) -> set[str]:
    """A text's terms with its hyphenated words' parts counted apart too ("llm" of "LLM-based"), and its camel-case
    names' ("eval" of "VerilogEval")."""
    return terms(text) | terms(text.replace("-", " ")) | terms(" ".join(_camel_parts(text)))


_ADVERBS_AFTER = frozenset("exactly specifically precisely only mainly primarily actually".split())
# How a refusal says a detail kind (rag.question.DETAIL_KINDS) the abstract never states.
_KIND_SAID = {
    "number": "number",
    "parameters": "parameter count",
    "hyperparameters": "training settings",
    "duration": "time or duration",
    "unit": "quantity in that unit",
}


def _modified_kind(phrase: list[str]) -> bool:
    """Whether the kind a "which ..." phrase names is not what it asks for but a word before another noun: "what
    reward model problem" asks a problem, "which model merging technique" a technique. A verb in the past after the
    kind ("Which LLMs generated the code ...") or an adverb ("which model exactly") and "data sets" leave the kind
    asked."""
    at = [i for i, w in enumerate(phrase) if kind_named(w)]
    after = phrase[at[-1] + 1 :] if at else []
    if not after or " ".join(phrase[-2:]).lower() in ("data sets", "data set"):
        return False
    if after[0].lower() in ("or", "and", "and/or", "/") and len(after) == 2:
        return False  # "which MIPS library or solver": two kinds asked, neither modifies the other
    # an adverb after the kind leaves it asked: "which 7B model exactly", "which dataset specifically" (not a noun
    # in "-ly": "which language family")
    return not (after[0].lower().endswith("ed") or after[0].lower() in _ADVERBS_AFTER)


def _prefixes(name: str) -> list[str]:
    """A hyphenated name's leading parts: "vif-rag" and "vif" of "vif-rag-qa"."""
    parts = name.split("-")
    return ["-".join(parts[:i]) for i in range(1, len(parts))]


# Capitalised words and the acronym they are abbreviated to: "Sharpness-Aware Minimization (SAM)".
_EXPANDED = re.compile(r"((?:[A-Z][\w-]*\s+){0,5}[A-Z][\w-]*)\s+\(([A-Z][\w-]*)\)")
# A name followed by its words spelled out: "MUVERA (MUlti-VEctor Retrieval Algorithm)".
_SPELLED_AFTER = re.compile(r"\b([A-Z][\w-]*[A-Z][\w-]*)\s+\(((?:[A-Z][\w-]*\s+){1,5}[A-Z][\w-]*)\)")


# An acronym of capitals, a plural "s" allowed ("SFT", "MLPs").
_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")


def _split_prefix(word: str) -> tuple[str, ...]:
    m = _PREFIX.fullmatch(word)
    return m.groups() if m else (word,)


def _spelled(text: str, name: str) -> bool:
    """Whether ``text`` spells out the acronym ``name`` in words of any case within one clause, a word's prefix
    counted apart ("multilayer perceptrons" for "MLPs"). Looser than :func:`rag.question.spells_out` ("machine
    learning problems" spells "MLP" too): for saying a name is *not* mentioned, where looser is safer."""
    letters = "".join(c for c in name if c.isupper()).lower()
    if not (2 <= len(letters) <= 6 and name.isalpha()):
        return False
    for clause in re.split(r"[.,;:()\[\]]", text):
        plain = " ".join(w for w in words(clause) if w.lower() not in function_words())
        # a prefix counted apart or not: "multilayer perceptrons" spells "MLPs", "supervised fine-tuning" "SFT"
        if letters in _initials(plain, prefixes=True) or letters in _initials(plain):
            return True
    return False


class _NameIndex:
    """A text's written forms, worked out once for every name looked up in it: without case or punctuation, and
    its words' initials (for acronyms)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.compact = compact(text)
        self.initials = _initials(text)

    @cached_property
    def prefixed(self) -> str:
        """The initials with words' prefixes counted apart: read only when the plain initials miss a name."""
        return _initials(self.text, prefixes=True)

    def holds(self, name: str) -> bool:
        """Whether the text holds ``name``: a plural's "s" and plain lower-case words joined to the name
        ("MLPerf-record") don't count; an acronym ("ML", "NeRF") is held where its words are."""
        name = "-".join(part for part in name.split("-") if not (part.isalpha() and part.islower())) or name
        if len(name) > 2 and name[-1] == "s" and name[-2].isupper():  # "NeRFs", "LLMs"
            name = name[:-1]
        key = compact(name)
        if key and key in self.compact:
            return True
        capitals = "".join(c for c in name if c.isupper())
        if name.isalpha() and len(name) <= 6 and len(capitals) >= 2:
            return capitals.lower() in self.initials or capitals.lower() in self.prefixed
        return False


def _holds(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name``: a short name (4 letters or fewer: "ARC", "SDD") as a word
    (:func:`rag.question.says_name`, not inside "research"), a longer one in any written form (:class:`_NameIndex`:
    "ResNet50" for "ResNet-50"); a name with a size holds where its head does ("ImageNet-1K")."""
    key = compact(name)
    found = says_name(text, name) if len(key) <= 4 else _NameIndex(text).holds(name)
    head = _SIZE_TAIL.sub("", name)
    return found or (head != name and len(compact(head)) > 2 and _holds(text, head))


holds = _holds  # (public: rag.compose reads a list question's names with it)


# A size a name ends in: "-1K" of "ImageNet-1K" (not a version: "GPT-4" is not "GPT-3.5").
_SIZE_TAIL = re.compile(r"-?\d+(?:\.\d+)?[kKMB]$")


# the words of a name written in camel case: "Layer", "Norm" of "LayerNorm"; "Res", "Net" of "ResNet"
_CAMEL_PART = re.compile(r"[A-Z][a-z]+|[a-z]+")


def _spells_camel(text: str, name: str) -> bool:
    """Whether ``text`` writes the camel-case ``name`` as words, each starting with its part: "layer
    normalization" for "LayerNorm", "residual network" for "ResNet", "Batch Norm" for "BatchNorm"."""
    parts = _CAMEL_PART.findall(name)
    if len(parts) < 2 or "".join(parts) != name:
        return False
    pattern = r"[\s-]+".join(rf"{re.escape(p)}[a-z]*" for p in parts)
    return bool(re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, re.I))


# an acronym a question may write for words an abstract spells out (rag.question.spells_out): two letters too
# ("KD" of "knowledge distillation"), since a spelling out only spares a name from the refusal
_ACRONYM_NAME = re.compile(r"([A-Z]{2,6})s?")


class SourceLike(Protocol):
    n: int
    title: str
    text: str


@dataclass
class Sentence:
    source: int  # the source's number, 1-based
    text: str
    sim: float = 0.0  # cosine similarity to the question
    lexical: float = 0.0  # share of the question's content terms it contains
    score: float = 0.0  # the two, weighted by Settings.evidence.similarity_weight


@dataclass(frozen=True)
class DetailCheck:
    """One of the gate's detail checks: ``check(src, parts=None)`` returns what ``src`` lacks and its closest
    sentence (or None), ``lacks(what, closest)`` says it in a refusal; ``per_part``: it can read one part of a
    question alone."""

    name: str
    check: Callable[..., tuple[Any, Sentence | None] | None]
    lacks: Callable[[Any, Sentence | None], str]
    per_part: bool = True


@dataclass
class Verdict:
    """The gate's decision. ``reason``: "" (answerable), "empty", "topic", "detail" or "combination" (a list question
    no paper meets as a whole: :meth:`Evidence.combination`)."""

    ok: bool
    reason: str = ""
    message: str = ""  # the refusal, for the user
    paper: int | None = None  # the source the decision was about (the answer's lead paper when ok)
    missing: list[str] = field(default_factory=list)  # the question's words the paper doesn't state
    probability: float | None = None  # the fitted model's P(answerable)
    features: dict[str, float] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)  # names the refusal says no abstract mentions
    part: str = ""  # a "detail" refusal of one part of a question of several: that part


_OR = re.compile(r"\s+or\s+", re.I)
_ASIDE = re.compile(r"\([^()]*\)")
# A value asked: "what temperature value", "which value of k", "what values of the step size".
_VALUE_ASKED = re.compile(
    r"\b(?:what|which)(?:'s|\u2019s|\s+is|\s+are|\s+was)?\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?values?\b", re.I
)
# One paper the question describes: "that paper on ...", "the domain generalization paper built around ...", "the
# framework that ...".
_DEFINITE_PAPER = re.compile(
    r"\b(?:the|that|this)\s+(?:[\w'-]+\s+){0,6}?(?:paper|work|study|article|method|approach|framework|model|"
    r"algorithm|technique|system|one)\b",
    re.I,
)
# The paper spoken of as a pronoun: "what does it score ...?"
_PRONOUNS = frozenset("it they this these we he she".split())
# A count asked: "how many X", "the number of X".
_COUNT_ASKED = re.compile(r"\bhow many\b|\b(?:what|which|the)\s+(?:total\s+|exact\s+)?number of\b", re.I)
_WORD = re.compile(r"[A-Za-z]+")
# Words a refusal never lists as what an abstract lacks: joining words the stopword list doesn't hold, and the verb of
# a request ("I'm looking for ...", "searching for").
_NOT_LACKED = frozenset("via per versus vs etc".split())
_LOOKING_FOR = re.compile(r"\b(looking|searching|hunting)\s+for\b", re.I)
# A number glued to what it measures: "a 13-layer transformer", "depth-2 networks".
_GLUED = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?-([A-Za-z]+)\b|\b([A-Za-z]+)-\d+(?:\.\d+)?(?![\w.-])")


def _glued_number(text: str, wanted: set[str]) -> bool:
    """Whether ``text`` glues a number to a word of ``wanted`` ("13-layer" of layers, "depth-2" of depth)."""
    return any(wanted & terms(m.group(1) or m.group(2)) for m in _GLUED.finditer(text))


# What counts a thing only vaguely, before it: "a fixed number of", "the number of", "several", "multiple".
_VAGUE_COUNT = re.compile(
    r"\b(?:(?:a|an|the)\s+(?:\w+\s+){0,2}?(?:number|set|handful|variety|range|couple|collection|subset)\s+of|"
    r"several|multiple|various|numerous|many|some|few|diverse|varying|different|a\s+few)\s+$",
    re.I,
)


def _vaguely_counted(text: str, wanted: set[str]) -> bool:
    """Whether every mention in ``text`` of what ``wanted`` names counts it only vaguely: a vague quantifier
    (:data:`_VAGUE_COUNT`) up to three words before it ("a fixed number of sensors", "several popular benchmarks"),
    and no digit after it ("reducing the number of compute nodes from 21 to 16" counts them)."""
    tokens = list(re.finditer(r"[\w-]+", text))
    at = [i for i, m in enumerate(tokens) if wanted & terms(m.group(0))]
    if not at:
        return False
    for i in at:
        starts = [tokens[j].start() for j in range(max(0, i - 3), i + 1)]
        if not any(_VAGUE_COUNT.search(text[:start]) for start in starts):
            return False
        if re.search(r"\d", text[tokens[i].end() :]):
            return False
    return True


_PHRASE_ENDS = frozenset("of in on for with from to by at and or that which across over than per".split())
# A sentence that goes on about what the one before spoke of.
_GOES_ON = re.compile(
    r"\s*(?:it|this|these|that|those|they|such|its|their|our|here|there|thus|hence|therefore|consequently|"
    r"as a result|in particular|specifically|for (?:example|instance)|e\.g\.|moreover|furthermore|in addition|"
    r"additionally|also|the (?:resulting|proposed|new|same)|with (?:it|this|these|such))\b",
    re.I,
)
# A name written in camel case from a lower-case start ("miniImageNet", "muCode").
_CAMEL = re.compile(r"[a-z]+[A-Z][\w@.+-]*")
# A quoted title or phrase: double quotes, curly quotes, or single quotes that open before a letter and close at a
# word's end ("the 'principled acceleration ...' paper"; not "'90s-era ... authors'").
_QUOTED = re.compile(r"\"[^\"]+\"|“[^”]+”|‘[^’]+?’(?!\w)|(?<!\w)'(?=[A-Za-z])[^']{3,}'(?!\w)")
# What asks for a quantity, though its question reads "which ..." / "what range of ...": no name answers it.
_QUANTITY_ASKED = re.compile(
    r"\b(?:range|sizes?|scales?|numbers?|counts?|amounts?|values?|versions?)\b", re.I
)
# Where a question's sentence or clause starts: a capitalised word after it names nothing ("...? Please be brief").
# An abbreviation's period ends no sentence ("e.g. Burgers", "vs. Adam", "et al. Their").
_SENTENCE_START = re.compile(rf"(?:{NOT_AN_ABBREVIATION}\.|[?!:;])\s+|\n+", re.I)
# The lower-case words a compound ends in: "-based" of "NPO-based", "-prediction-augmented" of "ML-...".
LOWER_TAIL = re.compile(r"(?:-[a-z][a-z-]*)+$")
# A link, with or without its scheme.
# A count, a share or a factor in words: "only a single sample", "once every d iterations", "twice as fast".
_NUMBER_WORDS = frozenset(
    "single once twice thrice two three four five six seven eight nine ten eleven twelve fifteen twenty thirty "
    "fifty hundred hundreds thousand thousands million millions billion billions dozen dozens half halves "
    "double doubles doubling triple quarter third majority".split()
)
# "one" counts what follows it only where nothing else can be meant: "requiring only one expert demonstration" counts
# demonstrations (not "one of the"); it states no quantity otherwise (no time, no size).
_ONLY_ONE = re.compile(r"\b(?:only|just|exactly)\s+one\b", re.I)
# A rate or an order of growth in words: "exponentially faster", "linear convergence", "orders of magnitude".
_RATE_WORDS = re.compile(
    r"\b(?:(?:sub|super)?linear(?:ly)?|quadratic(?:ally)?|exponential(?:ly)?|logarithmic(?:ally)?|polynomial(?:ly)?|"
    r"constant factor|orders? of magnitude|optimal rate|minimax|[a-z]+-?fold)\b",
    re.I,
)
# "the number of ..." a question only mentions ("a loss that makes training cost independent of the number of
# output classes", "confidence intervals for the number of distinct elements"), unless asked after one of these
# words: "what is the number of ...", "the largest / total number of ...".
_NUMBER_OF = re.compile(r"\b(?:the\s+)?number of\b", re.I)
_ASKS_NUMBER_OF = frozenset(
    "what which is was are what's largest smallest maximum minimum total average exact".split()
)


def _mentioned_counts(text: str) -> str:
    """``text`` with each "(the) number of" it only mentions blanked (:data:`_NUMBER_OF`)."""

    def blank(m: re.Match[str]) -> str:
        before = text[: m.start()].split()
        return m.group(0) if before and before[-1].lower() in _ASKS_NUMBER_OF else " "

    return _NUMBER_OF.sub(blank, text)


# A parameter count written as a model's size ("Hunyuan 7B", "a 1.3B-parameter model", "from 125M to 770M").
_PARAMETER_WORDS = frozenset(terms("parameter parameters"))
# ... in a sentence about a model ("3M simulated flights" is no model's size).
_MODEL_WORD = re.compile(r"\b(?:models?|parameters?|params|LLMs?|networks?|transformers?|weights)\b", re.I)
_PARAMETER_COUNT = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s?[BMK]\b|\b\d+(?:\.\d+)?\s?(?:billion|million)\b", re.I
)
_TIMES = re.compile(
    r"\btimes\s+(?=(?:faster|slower|more|less|larger|smaller|higher|lower|better|fewer|cheaper)\b)", re.I
)
# A part asking a factor ("how many times faster", "by what factor", "what speed-up", "how much faster"), and what
# states one: a multiple or a share ("200 times", "4x", "30%", "tenfold", "twice", "orders of magnitude", "from hours
# to minutes", "exponentially faster"). "three types of problems" beside "out-performing ... CPU times" is no factor.
_FACTOR_ASKED = re.compile(
    r"\bhow many times\b|\bby what factor\b|"
    r"\bwhat(?:'s|\u2019s| is| was)?\s+(?:the\s+)?(?:\S+ )?(?:speed-?ups?|factor)\b|"
    r"\bhow much (?:faster|slower|quicker|cheaper|smaller|larger|less|more efficient)\b|"
    # a percentage is a factor's form too ("By what percentage does it reduce error?")
    r"\bwhat(?:'s|\u2019s| is| was)?\s+(?:the\s+)?percent(?:age)?\b|\bhow many percent",
    re.I,
)
# A question that wants the figure itself ("what exact query budget", "as an exact speed-up factor"), which a
# quantity in words only sizes ("a few dozen", "orders of magnitude faster"): :data:`_ROUGH_QUANTITY`.
# "Exact" of a technique's name is no such ask ("exact match", "exact GP inference", "exact attention").
_EXACT_ASKED = re.compile(
    r"\b(?:exact(?:ly)?|precise(?:ly)?)\b(?![\s-]+(?:match(?:es|ing)?|inference|recovery|attention|solutions?|"
    r"solvers?|gradients?|computation|posteriors?|GPs?|Gaussian|algorithms?|line search)\b)",
    re.I,
)
_ROUGH_QUANTITY = re.compile(
    r"\borders? of magnitude\b|\b(?:a few|several|many|some|tens of|hundreds of)\s+(?:dozens?|hundreds?|"
    r"thousands?|millions?|billions?)\b|\b(?:dozens|hundreds|thousands|millions|billions)(?:\s+of)?\b|"
    r"\b(?:exponentially|quadratically|linearly|polynomially|significantly|substantially|dramatically)\b|"
    r"\b(?:many|several|multi)-?fold\b",
    re.I,
)
_FACTOR_STATED = re.compile(
    r"\d[\d.,]*\s*(?:x|\u00d7|times|-?fold|\\?%|percent)(?![a-z])|\d[\d.,]*\s*(?:percentage points?|pp\b|per\s?cent)|\b(?:twice|double[sd]?|halve[sd]?|half|triple[sd]?)\b|"
    r"\b[a-z]+-?fold\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|hundred|thousand)\s+(?:times|per\s?cent)\b|"
    r"\borders? of magnitude\b|\b(?:exponentially|quadratically|linearly|polynomially)\s+(?:faster|slower|fewer|"
    r"smaller|larger|less|more)\b|\b(?:sub|super)?linear speed-?ups?\b|\bfrom\s+(?:days|hours|minutes|seconds)\s+to\b",
    re.I,
)
# The comparative a factor is asked of, and what it is measured in: "faster" and "CPU time" of "how many times
# faster in CPU time than ...".
_FACTOR_OF = re.compile(
    r"\b(faster|slower|quicker|cheaper|smaller|larger|less|fewer|more)\b(?:\s+(?:in|of|for)\s+((?:[\w-]+\s+){0,2}?[\w-]+)"
    r"(?=\s+(?:than|compared|over|relative|is|does|did|on|when|with)\b|\s*[?,.;]|\s*$))?",
    re.I,
)
# Nouns that make a "which ..." phrase ask a method, whatever kind of thing follows it.
_METHOD_HEADS = frozenset(
    stem(w)
    for w in "method approach technique algorithm framework strategy scheme procedure paper work system pipeline".split()
)
# A natural language by name, as a language pair writes it ("Chinese-English").
_NATURAL_LANGUAGE = (
    r"(?:English|Chinese|German|French|Spanish|Japanese|Korean|Russian|Arabic|Hindi|Portuguese|Italian|Dutch|Turkish|"
    r"Vietnamese|Czech|Romanian|Finnish|Estonian|Latvian|Lithuanian|Kazakh|Gujarati|Bengali|Tamil|Telugu|Urdu|"
    r"Indonesian|Swahili|Hebrew|Polish|Greek|Ukrainian|Persian|Thai)"
)
# Well-known things of a kind, which an abstract names without the kind's word ("a Python interface", "on A100s").
_INSTANCES: list[tuple[frozenset[str], re.Pattern[str]]] = [
    (
        frozenset(terms("language languages")),
        re.compile(
            r"\b(?:Python|Julia|Rust|C\+\+|Java(?:Script)?|MATLAB|Haskell|Lean ?4?|Coq|Verilog|SQL|Fortran)\b"
        ),
    ),
    # "which language pairs ...?" of "Chinese-English and English-German": two natural languages joined
    (
        frozenset(terms("language languages pair pairs")),
        re.compile(rf"\b{_NATURAL_LANGUAGE}\s*(?:-|\u2013|\u2192|to|->)\s*{_NATURAL_LANGUAGE}\b"),
    ),
    # "on which cloud platform ...?" of "trained on AWS Lambda"
    (
        frozenset(terms("cloud platform platforms cluster clusters service services infrastructure")),
        re.compile(
            r"\b(?:AWS|Amazon Web Services|EC2|Lambda|Azure|Google Cloud|GCP|Kubernetes|Slurm|Spark|Hadoop|Colab)\b"
        ),
    ),
    # "what simulator / physics engine ...?" of "continuous control tasks in Brax"
    (
        frozenset(terms("simulator simulators engine engines")),
        re.compile(
            r"\b(?:MuJoCo|Brax|Isaac ?(?:Gym|Sim|Lab)|PyBullet|Bullet|CARLA|Habitat|Gazebo|Unity|Unreal|"
            r"DeepMind Control|dm_control|OpenAI Gym|Gymnasium|Atari|ALE|ManiSkill|SAPIEN|Genesis)\b"
        ),
    ),
    # "what base model / backbone ...?" of "fine-tuned from Hunyuan 7B": a pretrained family, or a size in billions,
    # where a sentence builds on it (not "competitive with GPT-4")
    (
        frozenset(terms("base backbone backbones foundation")),
        re.compile(
            r"\b(?:fine-?tun\w*|finetun\w*|based on|built (?:on|upon)|initiali[sz]ed (?:from|with)|on top of|"
            r"start(?:s|ing)? from|backbones?|adapt\w* from)\W+(?:[\w.-]+\W+){0,6}?"
            rf"(?:\b{MODEL_FAMILIES}(?![a-z])[\w./-]*|\b(?:Code Llama|Stable Diffusion|DiT)\b|\b[A-Z][\w.-]*[ -]\d+(?:\.\d+)?B\b)"
        ),
    ),
    (
        frozenset(terms("library libraries framework frameworks package packages toolkit toolkits software")),
        re.compile(
            r"\b(?:PyTorch|TensorFlow|JAX|Keras|scikit-learn|NumPy|SciPy|Hugging ?Face|Transformers|Qiskit|LAPACK|"
            r"CUDA|Triton|OpenAI Gym|Gymnasium|MuJoCo|vLLM|DeepSpeed|Megatron)\b"
        ),
    ),
    (_PARAMETER_WORDS, _PARAMETER_COUNT),
    # "what range of model sizes ...?" of "LLMs ranging from 2.6B to 14B parameters": a size is said as a count
    (frozenset(terms("size sizes")), _PARAMETER_COUNT),
    (
        frozenset(terms("gpu gpus hardware accelerator accelerators chip chips device devices")),
        re.compile(
            r"\b(?:[AHV]100s?|A6000|RTX ?\d{4}|TPUs?(?: ?v\d)?|GPUs?|CPUs?|FPGAs?|Apple M\d|Jetson)\b"
        ),
    ),
]


# Words that end a phrase without naming anything: "a solver, a simple one", "a model, a kind that ...".
_NO_HEAD = frozenset("which that where one ones kind type".split())


def _appositive(text: str, kind_word: str, said: set[str]) -> bool:
    """Whether a mention of ``kind_word`` in ``text`` is followed by an appositive that says which one, in words the
    question doesn't say ("a solvable model, a diagonal linear network"; "a solver, namely interior point"): a
    phrase of two to four lower-case words after a comma and "a", "an" or "namely", whose head is no other thing of
    the kind (a list's next item: "a dataset, a material benchmark")."""
    kind = stem(kind_word)
    family = {kind} | (_DATA_WORDS if kind in _DATA_WORDS else set())
    for m in re.finditer(
        rf"(?<![\w-]){re.escape(kind_word)},\s+(?:an?|namely)\s+((?:[a-z][\w-]*\s+){{1,3}}[a-z][\w-]*)", text
    ):
        phrase = m.group(1).split()
        head = phrase[-1]
        # a sibling in a list of things of the kind, not a name for it ("a high-fidelity aerodynamic dataset, a
        # hyper-elastic material benchmark, and ...")
        if stem(head) in family or head in function_words() or head in _NO_HEAD:
            continue
        if any(
            w not in function_words() and stem(w) not in said and not _DESCRIBING.search(w) for w in phrase
        ):
            return True
    return False


def _instance_named(wanted: set[str], sentences: Iterable[Sentence], *, own_word: bool = False) -> bool:
    """Whether a sentence names a well-known thing of a kind ``wanted`` (stems) asks which of (:data:`_INSTANCES`):
    "which language ...?" of "a Python interface", "what simulator ...?" of "tasks with Brax". The kind's own word
    names none ("GPUs" of "which GPU ...?") unless ``own_word``."""
    patterns = [rx for kind, rx in _INSTANCES if wanted & kind]
    kind = {w.rstrip("s") for w in wanted}  # (an acronym's plural has a stem of its own: "GPUs")
    said = (
        {w.rstrip("s") for w in terms(m.group(0))}
        for rx in patterns
        for s in sentences
        for m in rx.finditer(s.text)
    )
    return any(own_word or not found or not found <= kind for found in said)


# "Which baselines does X outperform?", "Which methods was it compared with?": the methods compared with are asked.
_BASELINE_ASKED = re.compile(
    r"\b(?:which|what)\s+(?:\S+\s+){0,4}?(?:baselines?|methods?|approaches|techniques|algorithms?|models?|systems?|"
    r"solvers?|competitors?|alternatives?)\b.{0,80}?\b(?:outperform\w*|beat\w*|surpass\w*|compar\w*|better than|"
    r"improv\w*\s+(?:on|over|upon)|against|versus)\b"
    r"|\bwhich baselines?\b|\b(?:compared?|comparisons?|evaluated|benchmarked)\s+(?:against|with|to)\s+which\b",
    re.I,
)
# A sentence comparing the paper's method with others, from its comparing word on.
_COMPARES = re.compile(
    r"\b(?:outperform\w*|surpass\w*|beat\w*|exceed\w*|better than|superior to|compar\w*|baselines?|against|"
    r"versus|vs\b|unlike|relative to|improv\w*\s+(?:on|upon)|"
    r"over (?:the )?(?:state|prior|previous|existing|strong|competing|current))",
    re.I,
)
# Where a comparison's object ends: the clause's end, or where or on what it is made ("... on non-differentiable
# queries", "... across four benchmarks").
_RIVAL_END = re.compile(
    r"[.;:]\s|,\s*(?:while|whereas|which|but|thus|thereby|and\s+(?:we|it|they))\b|"
    r"\s(?:on|across|under|within|at)\s|"
    # ... but not a rival's versions ("compared to algorithms in different releases of LAPACK")
    r"\sin\s(?!(?:the\s+)?(?:[\w-]+\s+)?(?:releases?|versions?|implementations?|variants?|editions?)\s+of\s)",
    re.I,
)
# What names a measure, or states one: a metric's word, a well-known metric, a number ("a metric asked of an
# abstract that measures nothing by name").
_MEASURED = re.compile(
    r"\b(?:metrics?|measures?|measured|measuring|scores?|accura\w*|errors?|precision|recall|f1|bleu|rouge\w*|"
    r"fid|psnr|ssim|lpips|auc|auroc|map|iou|perplexit\w*|pass@\w+|win[- ]rates?|mse|rmse|mae|regret|latency|"
    r"throughput|fidelity|coherence|diversity|similarity|distance|divergence|likelihood|rewards?|"
    r"success rates?|norm|residual|gap|rates?)\b|\d",
    re.I,
)


# A count written as a product of variables: "a single NN with T times J neurons", "k x d entries".
_SYMBOLIC_PRODUCT = re.compile(
    r"(?<![\w'-])[A-Za-z]\s*(?:times|x|\u00d7|\*|\u00b7|\u22c5)\s*[A-Za-z](?![\w'-])"
)


def _symbolic_product(tokens: Sequence[str], j: int) -> bool:
    """Whether ``tokens[j]`` is the "times" of a product of two one-letter variables ("T times J")."""
    return (
        0 < j < len(tokens) - 1
        and tokens[j].lower() in ("times", "x", "\u00d7")
        and all(len(t) == 1 and t.isalpha() for t in (tokens[j - 1], tokens[j + 1]))
    )


# The words for any measure, which name none.
_MEASURE_WORDS = frozenset(
    stem(w) for w in "metric metrics measure measures measured measuring score scores".split()
)
# A question asking which metric or measure.
_METRIC_ASKED = re.compile(r"\b(?:which|what)\s+(?:\S+\s+){0,3}?(?:metrics?|measures?)\b", re.I)


def _measures(text: str) -> set[str]:
    """The stems of the measures ``text`` names: a metric's word, a well-known metric (:data:`_MEASURED`) or a
    speed ("speedup", "latency")."""
    named = {stem(m.group(0)) for m in _MEASURED.finditer(text) if not m.group(0).isdigit()}
    return named | (terms(text) & _SPEED_WORDS)


# A capital joined to a capitalised word names a method too ("K-FAC", "L-BFGS"; rag.question.LETTER_LED_NAME also
# takes a lower-case letter, "t-SNE", for compared things).
_CAPITAL_JOINED = re.compile(r"\b[A-Z]-[A-Z][\w-]*")
# Rivals called by a class in the plural, not a name: "methods based on stacked CNN and iterative algorithms",
# "episodic memory- and mask-based approaches" (a singular kind may be a name in lower case: "a 33B model").
_CLASS_RIVAL = re.compile(
    r"\b(?:methods|approaches|techniques|algorithms|baselines|models|systems|solvers|schemes|strategies|frameworks|"
    r"optimizers|heuristics|architectures)\b",
    re.I,
)
# Rivals called by a kind, not a name: "state-of-the-art methods", "strong baselines", "existing approaches".
_GENERIC_RIVAL = re.compile(
    r"\b(?:state[- ]of[- ]the[- ]arts?|sota|baselines?|existing|prior|previous|competing|competitive|strong|other|"
    r"conventional|current|recent|leading|alternative|standard|traditional|classical|popular|"
    # ... or a word pointing back at them ("compared to the nonintrusive ones", "outperforms them")
    r"ones|them|those|these)\b",
    re.I,
)
# Counts written as words.
_CARDINALS = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
    "nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands million "
    "millions billion billions dozen dozens".split()
)
# Words for speed: a speed-up asked for is spoken of by any of them.
_SPEED_WORDS = frozenset(terms("speed speedup speed-up faster accelerate acceleration latency throughput"))
# What data is asked about: "which datasets / benchmarks / corpora ...?"
_DATA_WORDS = frozenset(terms("dataset datasets benchmark benchmarks corpus corpora"))
# A name that says it is a benchmark ("... the reward model on Rewardbench").
_BENCH_WORD = re.compile(rf"\b{BENCH_NAME}\b")
# A sentence about experiments or results, and a name it was evaluated on.
_EVALUATION = re.compile(
    r"\b(?:experiments?|experimental|empirical(?:ly)?|evaluat\w*|tested|tests|results|benchmarked|validated)\b",
    re.I,
)
ON_A_NAME = re.compile(
    r"\b(?:on|in|across)\s+(?:the\s+)?([A-Z][\w.-]*[A-Z0-9][\w.-]*|[A-Z][a-z]+[A-Z][\w.-]*)"
)
# "Which <kind> ...?" of a kind often named in lower case ("stochastic gradient descent", "cross-entropy loss"),
# with up to four words before it; not methods, approaches or techniques (as often the paper's own as another's).
# (a possessive or a verb after "what" is a clause about the paper's own: "what makes its algorithms scalable?")
_LOWER_KIND = re.compile(
    r"\b(?:which|what)\s+(?:(?!(?:does|did|do|is|are|was|were|has|have|had|of|for|in|on|to|by|with|from|"
    r"its|their|our|his|her|makes?|made)\b)\S+\s+)"
    rf"{{0,4}}?(?P<kind>{'|'.join(k + ('(?:es)?' if k.endswith('s') else 's?') for k in LOWER_KINDS)}|methods)\b",
    re.I,
)
# What an optimizer or a solver is called as often: an algorithm or a method ("first-order methods").
_KIND_SYNONYMS = {
    kind: {"algorithm", "algorithms", "method", "methods"} for kind in ("optimizer", "optimiser", "solver")
}
# ... and for choosing the sentence that answers (not for refusing), the kinds a paper's own method is as often
# called by too: "Which existing training method ...?", "What harmonic-analysis technique ...?"
_ANSWER_KIND = re.compile(
    _LOWER_KIND.pattern.replace(
        "|methods)", "|methods?|techniques?|approach(?:es)?|schemes?|strategy|strategies|rules?)"
    ),
    re.I,
)
_PLURALS = {"strategy": "strategies", "approach": "approaches"}


def asks_lower_kind(part: str) -> bool:
    """Whether a question part asks which thing of a kind often named in lower case (:data:`_ANSWER_KIND`)."""
    return bool(_ANSWER_KIND.search(NAMES_OF.sub("which ", part)))


def _kind_forms(kind: str) -> tuple[str, str, set[str]]:
    """A kind's word in the singular and the plural, and every word a mention of it may use (its synonyms)."""
    kind = kind.lower()
    singular = next((one for one, many in _PLURALS.items() if kind == many), "")
    if not singular:
        singular = (
            kind[:-2] if kind.endswith("sses") else kind if kind.endswith("ss") else kind.removesuffix("s")
        )
    plural = _PLURALS.get(singular) or (f"{singular}es" if singular.endswith("ss") else f"{singular}s")
    return singular, plural, {singular, plural} | _KIND_SYNONYMS.get(singular, set())


# A LaTeX macro left in an abstract ("we define the \\mainAlgorithm algorithm") names nothing a reader can use.
_MACRO = re.compile(r"\\[A-Za-z]+")


def _plain(text: str, known_names: set[str]) -> str:
    """``text`` without LaTeX macros (:data:`_MACRO`) and without the words of a known name spelled out after it
    ("MUVERA (MUlti-VEctor Retrieval Algorithm)": the paper's own algorithm, no answer to which one it uses)."""
    text = _MACRO.sub(" ", text)
    return _SPELLED_AFTER.sub(lambda m: m.group(1) if m.group(1).lower() in known_names else m.group(0), text)


def _specified_at(
    tokens: Sequence[str], j: int, said: set[str], known_names: set[str], *, predicated: bool = True
) -> bool:
    """Whether the mention of a kind at ``tokens[j]`` says which one: a name or a naming word right after it
    ("solvers such as ...", "a solver, CPLEX"), a word before it that neither the question says, nor only
    determines or describes ("a proximal point algorithm"; not "an efficient iterative algorithm"), or a subject it
    is said of ("perplexity is often used as the evaluation metric", :func:`_predicated`; with ``predicated``:
    enough not to refuse, too loose to choose the answer by: "Gradient regularization (GR) is a method ...")."""
    after = tokens[j + 1 : j + 2]
    if after and (_names_next(tokens, j + 1) or new_name(after[0], known_names)):
        return True
    for w in reversed(tokens[max(0, j - 4) : j]):
        if w.lower() in function_words() or w.lower() in _INDEFINITE or w.lower() in _PHRASE_STARTS:
            return predicated and _predicated(tokens, j, said)
        if _unsaid(w, said):
            return True
    return predicated and _predicated(tokens, j, said)


# Words that start the phrase a kind ends, as a preposition does: "methods using well-understood learning algorithms"
# (what comes before them is no word of the kind's).
_PHRASE_STARTS = frozenset("using via through without across containing including".split())
# Words before a kind that say no more which one it is than a determiner does ("the true MDP model").
# (besides the determiners and describing words :func:`_unsaid` already leaves out: "given", "actual")
_NOT_SPECIFYING = frozenset("true unknown same whole entire full corresponding resulting".split())


def _specified_by_word(text: str, kind: Sequence[str], said: set[str]) -> bool:
    """Whether ``text`` writes a kind asked of a name the question gives ("MDP model" of "Which MDP model ...?")
    after a lower-case word the question doesn't say and that doesn't only describe: "the linear MDP model" says
    which one. A kind of one word ("a strong LLM") is not read so."""
    if len(kind) < 2 or not NAME_TOKEN.fullmatch(kind[0]):
        return False
    tokens = words(text)
    low = [w.lower() for w in tokens]
    n = len(kind)
    wanted = [w.lower() for w in kind]
    return any(
        low[j : j + n] == wanted
        and tokens[j - 1].isalpha()
        and tokens[j - 1].islower()
        and not tokens[j - 1].endswith("ing")  # "the underlying MDP model"
        and tokens[j - 1] not in _NOT_SPECIFYING
        and _unsaid(tokens[j - 1], said)
        for j in range(1, len(tokens) - n + 1)
    )


def _unsaid(word: str, said: set[str]) -> bool:
    """Whether ``word`` is a content word the question doesn't say, nor a determiner, a describing word or a count
    ("six OoD methods" says how many, not which)."""
    low = word.lower()
    return not (
        low in function_words()
        or low in _INDEFINITE
        or low in _CARDINALS
        or low.isdigit()
        or _DESCRIBING.search(word)
        or stem(word) in said
        or low in said
    )


# "X is (often) used as the metric", "X is the standard solver": what the kind is said of names it.
_USED_AS = frozenset("used adopted employed chosen taken serves serve served".split())
_COPULA = frozenset("is are was were".split())
_ADVERBS = frozenset("often commonly widely typically usually generally mostly frequently also".split())
# ... but not the paper's own: "Our method is the first algorithm ...", "which is a solver ..."
_OWN_SUBJECT = frozenset("we our this these it its which that they their".split())


def _predicated(tokens: Sequence[str], j: int, said: set[str]) -> bool:
    """Whether the mention of a kind at ``tokens[j]`` is the complement of a subject that names it, a content word
    the question doesn't say within the six words before "is (often used as) the <kind>"."""
    k = j - 1
    while k >= 0 and tokens[k].lower() not in ("the", "a", "an") and not _unsaid(tokens[k], said):
        k -= 1  # "the evaluation metric": words the question says or that describe
    if k < 1 or tokens[k].lower() not in ("the", "a", "an"):
        return False
    k -= 1
    if tokens[k].lower() == "as" and k >= 1 and tokens[k - 1].lower() in _USED_AS:
        k -= 2
        while k >= 0 and (tokens[k].lower() in _COPULA or tokens[k].lower() in _ADVERBS):
            k -= 1
        subject = tokens[max(0, k - 5) : k + 1]
    elif tokens[k].lower() in _COPULA:
        subject = tokens[max(0, k - 6) : k]
    else:
        return False
    if any(w.lower() in _OWN_SUBJECT for w in subject):
        return False
    return any(_unsaid(w, said) for w in subject)


# What the paper itself proposes is answered by its own method, described or named.
_PROPOSES = re.compile(
    r"\b(?:do|does|did)\s+(?:\S+\s+){0,8}?(?:propose|introduce|present|develop|design|invent|create)\b|"
    r"\b(?:proposed|introduced|presented|developed|designed)\s+(?:in|by)\s+(?:the|this|that|its)\b",
    re.I,
)
# Words that leave a kind unspecified: determiners and vague qualifiers ("an", "different", "off-the-shelf").
_INDEFINITE = frozenset(
    """a an the any some several various different many multiple other existing standard off-the-shelf popular
    common commonly widely used general generic simple specific certain particular suitable appropriate given
    fixed arbitrary typical modern recent recently classical conventional traditional state-of-the-art new novel
    such this these that those their its our first-order second-order zeroth-order online offline iterative
    prior previous well-known known efficient effective fast faster scalable robust principled provable
    practical lightweight accurate powerful improved better first only main each every all both either neither
    another per""".split()
)
# Words that describe rather than specify: adjective and adverb endings ("iterative", "proposed", "provably").
# ("well-understood", "multi-player", "non-convex")
_DESCRIBING = re.compile(r"(?:ive|al|ous|ed|able|ible|ful|less|est|ly)$|^(?:well|non)-", re.I)
# What opens an aside of examples in a question: "which pretrained diffusion model, e.g. which Stable Diffusion ..."
_EXAMPLE_WORDS = frozenset("e.g. e.g eg i.e. i.e such".split())
# What names a kind right after its word: "algorithms such as ...", "solver called ...", "loss (CE)".
_NAMING_NEXT = frozenset("such like including e.g called named dubbed termed namely i.e".split())
# ... unless a preposition follows: "the algorithm, including at convergence", "a method like in [3]"
_NOT_NAMING_AFTER = frozenset("at in on for from to by of with when where during after before under".split())


def _names_next(tokens: Sequence[str], i: int) -> bool:
    """Whether ``tokens[i]`` is a word that names what comes before it by what follows ("algorithms such as ...",
    "a solver called ..."), not "including" or "like" before a preposition ("including at convergence")."""
    if i >= len(tokens) or tokens[i].lower() not in _NAMING_NEXT:
        return False
    return not (
        tokens[i].lower() in ("including", "like")
        and i + 1 < len(tokens)
        and tokens[i + 1].lower() in _NOT_NAMING_AFTER
        and " ".join(tokens[i + 1 : i + 3]).lower() not in ("in particular", "for example", "for instance")
    )


_TITLE_WORD = re.compile(r"[A-Z][a-z]+")
# A run of capitalised words: the names an aside of examples gives ("e.g. which Stable Diffusion version").
_CAPITALISED_RUN = re.compile(r"[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*")


def _titled_modifier(tokens: Sequence[str], j: int) -> bool:
    """Whether the capitalised run at ``tokens[j]`` goes on to a lower-case noun ("the Hyperparameter Tuning phase"),
    not a name standing alone ("on Natural Questions")."""
    k = j
    while k < len(tokens) and tokens[k][:1].isupper():
        k += 1
    return k < len(tokens) and tokens[k].islower() and tokens[k].isalpha()


_BUILT_KIND = re.compile(r"models?|networks?|llms?", re.I)  # what a paper may build rather than use
_MODEL_KIND = re.compile(r"models?|llms?|backbones?|teachers?|encoders?|decoders?|networks?", re.I)
# An adjective made of a person's name: "Bayesian optimization", "Gaussian noise", "Euclidean distance".
_EPONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean)")
# What a person's name before it makes a method or a piece of mathematics of: "Thompson sampling", "Langevin
# dynamics", "Newton method", "Markov chain".
_EPONYMOUS = frozenset(
    stem(w)
    for w in """sampling sampler optimization optimisation dynamics method methods algorithm process processes
    distribution distributions noise chain chains search descent regression inference kernel kernels equation
    equations iteration iterations step steps decomposition transform transforms loss bound bounds inequality
    """.split()
)


def _eponym(word: str, before: list[str], after: list[str]) -> bool:
    """Whether ``word`` is (part of) a person's name used for a method or a piece of mathematics, not the name of a
    thing one could use or run: an adjective made of it ("Bayesian", "Gaussian") and what it qualifies ("Bayesian
    Optimization"), or a plain capitalised word before what it names ("Thompson sampling", "Langevin dynamics").
    ``before`` / ``after``: the word before and after it (none at either end)."""
    if _EPONYM.fullmatch(word) or (before and _EPONYM.fullmatch(before[0]) and word.istitle()):
        return True
    return bool(re.fullmatch(r"[A-Z][a-z]+", word)) and bool(after) and stem(after[0]) in _EPONYMOUS


_GLUED_STOP = re.compile(r"(?<=[a-z]{2})\.(?=[A-Z][a-z])")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|io|net|ai|dev)/\S*", re.I)
# Words of a question's focus that say what form the answer takes, not what it is about: an abstract states "3x
# fewer evaluations" for "by what factor ...?", "improves by 9%" for "how much does it gain?".
_ANSWER_FORM_WORDS = (
    "factor share fraction percentage percent proportion ratio big bigger larger smaller faster slower higher "
    "lower worse gain gains cut biggest largest smallest highest lowest best worst maximum minimum exact exactly "
    "precise precisely quicker cheaper lighter heavier fewer shorter longer tighter stronger weaker"
)


# The measure a part asks how much of: the object of a verb of change ("by how much does it reduce circuit depth on
# ...", up to a preposition or the end) or, when the part asks "what <measure> ...", the focus words before a name.
_MEASURE_CHANGED = re.compile(
    r"\b(?:reduc|cut|lower|decreas|improv|increas|boost|rais|shrink)\w*\s+(?:the\s+|its\s+|their\s+)?"
    r"((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*?)"
    r"(?=\s+(?:on|over|than|compared|relative|versus|vs|in|for|across|when|while|with|by|at|from|of|to)\b|\s*[?,.;]|\s*$)",
)


def _measures_asked(part: str, asked: Sequence[str]) -> list[str]:
    """The measures ``part`` asks a quantity of, each a short phrase ending in its head word ("circuit depth",
    "classification accuracy"), the name it is of left out ("... accuracy SEMI-PointRend gets"); none whose head
    only says a number is asked ("what pass@1 score": the name is the measure, the names checks read it)."""
    phrases: list[list[str]] = []
    if m := _MEASURE_CHANGED.search(part):
        phrases = [m.group(1).split()]
    elif asked and asked[0].lower() not in ("do", "does", "did"):
        current: list[str] = []
        for w in [*asked, "and"]:
            if w.lower() in ("and", "or"):
                while current and re.search(r"[A-Z0-9@]", current[-1]):
                    current.pop()  # the name the measure is of
                phrases.append(current)
                current = []
            else:
                current.append(w)
    else:
        return []
    return [
        " ".join(p)
        for p in phrases
        if p and p[-1].isalpha() and p[-1].islower() and p[-1] not in _A_NUMBER_ASKED
    ]


# Words that say only that a number is asked ("what score", "which value"), not of what; and measures so general
# that an abstract states them in other words ("the asymptotic cost" as "complexity from O(L^6) to O(L^3)").
_A_NUMBER_ASKED = frozenset(
    "score scores value values number numbers rate rates amount level figure result results cost costs time "
    "times performance efficiency quality complexity overhead improvement improvements gain gains error errors "
    "size sizes compute computation resources budget memory footprint usage".split()
)


@cache
def _answer_form() -> frozenset[str]:
    return frozenset(terms(_ANSWER_FORM_WORDS))


def alternatives(question: str) -> list[set[str]]:
    """A question about "X or Y" read once per alternative: its content terms without Y's, and without X's. Y is
    up to five words after "or" (to the question mark or a comma); X the words before it back to the last
    stopword ("on wireless communications or antenna design"). A single word X before a longer Y shares Y's tail
    ("write or assess scientific peer reviews"; not the last of a list, "molecules, proteins or drug discovery"):
    then the alternatives differ only in X and Y's first word.
    Empty when the question has no single "or"."""
    parts = _OR.split(question.strip().rstrip(" ?.!"))
    if len(parts) != 2:
        return []
    after = re.split(r"[,;:]", parts[1])[0].split()
    listed = re.split(r"[,;:]", parts[0])
    before = listed[-1].split()
    stop = stopwords()
    cut = max((i for i, w in enumerate(before) if w.lower() in stop), default=-1)
    before = before[cut + 1 :]
    if not after or not before or len(after) > 5:
        return []
    whole = terms(question)
    if len(before) == 1 and len(after) > 1 and len(listed) == 1:
        x, y = terms(before[0]), terms(after[0])
    else:
        x, y = terms(" ".join(before)), terms(" ".join(after))
    if not x or not y or x == y:
        return []
    return [whole - (y - x), whole - (x - y)]


# A lower bound asked ("What lower bound on regret ...?", "the lower bound they prove for ..."), with what it is on
_LOWER_BOUND_ASKED = re.compile(
    r"\blower[- ]bounds?\b(?:\s+(?:on|of|for)\s+(?:the\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)(?=\s+(?:is|are|was|were|do|does|did|"
    r"they|that|which|in|for|of|under|when|with|proved|proven|shown|given|obtained)\b|[?,;.]|$))?",
    re.IGNORECASE,
)
# What a bound may be on: a sentence naming one of these states a bound on it, not on what is asked
_BOUND_ON = re.compile(
    r"\b(?:complexity|regret|error|risk|rate|loss|cost|runtime|time|communication|samples?|queries|iterations|"
    r"memory|space|gap|likelihood|accuracy)\b",
    re.IGNORECASE,
)
# ... and what states one: the words, an Omega, a bound that must be met
_LOWER_BOUND_STATED = re.compile(
    r"\blower[- ]bound|\bELBO\b|\bvariational bound|\\?Omega\b|\u03a9|\bat least\b|\bnecessar(?:y|ily)\b|\bimpossib|\btight"
    r"|\boptimal|\bmatching\b|\bcannot\b|\bno (?:algorithm|method)\b",
    re.IGNORECASE,
)


# A share of a variable ("less than n/2", "d/4 dimensions"): a quantity, though written with no digit alone
_SYMBOLIC_FRACTION = re.compile(r"(?<![\w/])(?![wW]/)[a-zA-Z]/\d+\b|(?<![\w/.])\d+/[a-rt-zA-Z](?![\w/])")
# A kind spoken of by how many, not which: "various datasets", "multiple DG benchmark datasets", "one real-world
# noisy dataset", "some recently proposed state-of-the-art algorithms"; not when names follow it ("several datasets
# (MNIST, SVHN)", "benchmarks such as MMLU", "datasets: X and Y")
_VAGUE_KIND = re.compile(
    r"\b(?:various|multiple|several|many|some|diverse|different|numerous|a few|one|"
    r"a (?:variety|range|number|set|suite|series|collection) of)(?!\s+(?:other|more|additional|further)\b)"
    r"((?:\s+[\w-]+){1,4})",
    re.IGNORECASE,
)
_NAMES_FOLLOW = re.compile(
    r"\s*(?:\(|:|,?\s*(?:e\.g\.|i\.e\.|(?:such as|including|like|namely|from|of)\b))", re.IGNORECASE
)


def _vaguely_spoken(text: str, kind: set[str]) -> str:
    """Where ``text`` speaks of the kind asked (a stem of ``kind``) by how many of it there are, with no name
    set after it (:data:`_VAGUE_KIND`): the text from that word of the kind on ("datasets." of "... outperforms SAM
    variants across multiple DG benchmark datasets."), in which a name that answers must stand ("models but is
    strongest in GPT-4o and Qwen2.5-Coder-32B-Instruct" of "observed in a range of models but ..."); "" when it
    never does so."""
    for m in _VAGUE_KIND.finditer(text):
        # the phrase's last word of the kind ("datasets" of "several benchmark datasets (PACS, VLCS)")
        said = [w for w in re.finditer(r"[\w-]+", m.group(1)) if stem(w.group(0)) in kind]
        if said and not _NAMES_FOLLOW.match(text, m.start(1) + said[-1].end()):
            return text[m.start(1) + said[-1].start() :]
    return ""


# An example the question gives ("e.g. LLaMA 1B or 7B"), up to the next comma or the question's end
_EXAMPLE_ASIDE = re.compile(
    r"(?:\be\.g\.|\bi\.e\.|\bfor example\b|\bfor instance\b|\bsuch as\b|\blike\s+(?=[A-Z0-9]))[^,;?]*",
    re.IGNORECASE,
)
# A number given roughly, as a description of the paper rather than a condition ("squeezed LLaMA-2-70B below 3
# bits" of "our 2.75-bit LLaMA-2-70B model"; "over 100 languages", "about 7B"): found on a test question
_ROUGHLY = re.compile(
    r"\b(?:below|above|over|more than|less than|fewer than|at least|at most|up to|nearly|almost|about|around|"
    r"roughly|approximately|some|sub|exceeds?|exceeding|surpass(?:es|ing)?|beyond)[\s-]+~?\d[\d.,]*\s?\w*|[~<>\u2248\u2264\u2265]\s?\d[\d.,]*\s?\w*",
    re.IGNORECASE,
)
# Digits grouped by commas ("1,000"), and a year
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_A_YEAR = re.compile(r"(?:19|20)\d\d")
# Counts written as words, and their values ("half" writes 50, as a share)
_CARDINAL_VALUES = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
} | {"single": 1, "twice": 2, "double": 2, "triple": 3, "half": 50, "hundred": 100, "thousand": 1000}
# What a method is built on, not evaluated on: "based on", "relies on"
_BUILT_ON = re.compile(r"\b(?:based|built|relies|rely|relying|depends?|depending)\s*$", re.IGNORECASE)
# What "%" writes
_PERCENT_WORDS = frozenset(terms("percentage percent percentages"))
# The end of a name that says what a method is built on or like ("LASSO-based", "BERT-style"): it describes the
# method, it sets no condition
_DESCRIBING_ENDINGS = ("based", "driven", "style", "like", "guided", "inspired")
_DESCRIBES = re.compile(rf"-(?:{'|'.join(_DESCRIBING_ENDINGS)})$", re.IGNORECASE)
_DESCRIBING_PARTS = frozenset(stem(w) for w in _DESCRIBING_ENDINGS)


def _facet_cover(
    body: set[str], facet: Facet, rarity: dict[str, float], compounds: dict[str, list[str]] | None = None
) -> float:
    """The share of ``facet``'s words (weighted by ``rarity``) that ``body`` holds, for its best-held option. A
    compound of the question (``compounds``: its stem -> its parts' stems) is held where ``body`` holds its parts
    ("already trained" for "already-trained"), a describing ending aside ("PINN" for "PINN-style")."""
    compounds = compounds or {}

    def held(t: str) -> bool:
        if t in body:
            return True
        parts = [p for p in compounds.get(t, []) if p not in _DESCRIBING_PARTS]
        return bool(parts) and all(p in body for p in parts)

    return max(
        (
            sum(rarity.get(t, 0.0) for t in option if held(t))
            / (sum(rarity.get(t, 0.0) for t in option) or 1.0)
            for option in facet.options
        ),
        default=0.0,
    )


class Evidence:
    """The sentences of one answer's sources, embedded once, and every decision made from them."""

    def __init__(
        self,
        question: str,
        sources: Sequence[SourceLike],
        embedder: Embedder,
        settings: EvidenceSettings | None = None,
        rarity: Rarity | None = None,
        *,
        many: bool = False,
        said: Callable[[str], bool] | None = None,
        names_data: Callable[[SourceLike, Sequence[Sentence]], bool] | None = None,
    ) -> None:
        self.question = question
        self.said = said  # whether the collection says a name as written (Retriever.said); see unsaid_names
        # whether a paper's sentences name data as the extraction grid reads it (rag.extraction.names_data, which
        # builds on this module, so it is handed in); without it "which datasets ...?" is read by names alone
        self.names_data = names_data
        self.asked: Question = analyze(question)
        self.many = many  # a list question ("which papers ...?"): answered by several papers
        self.sources = list(sources)
        self.embedder = embedder
        self.settings = settings or EvidenceSettings()
        self.rarity: Rarity = rarity or (lambda stems: {t: 0.5 for t in stems})
        self._vectors: dict[str, np.ndarray] = {}
        self._rarity_cache: dict[frozenset[str], dict[str, float]] = {}
        self._bodies: dict[
            tuple[str, str], set[str]
        ] = {}  # each source's title and abstract terms (facet_covers)
        self.by_source: dict[int, list[Sentence]] = {}
        for src in self.sources:
            # Abstracts are data: a "[2]" inside one can't cite, hidden characters are dropped, and a sentence
            # addressed to an assistant is never evidence (for stores ingested before ingest cleaned them, too).
            self.by_source[src.n] = [
                Sentence(src.n, neutralize_markers(s))
                for s in split_sentences(strip_invisible(src.text))
                if not looks_like_instruction(s)
            ]
        sentences = [s for group in self.by_source.values() for s in group]
        self._embed([question, *(s.text for s in sentences)])
        q = self._vectors[question]
        self.q_terms = q_terms = terms(question)
        w = self.settings.similarity_weight
        self._acronyms = list(dict.fromkeys(_ACRONYM.findall(question)))
        for s in sentences:
            s.sim = float(self._vectors[s.text] @ q)
            s.lexical = self.coverage(q_terms, s.text)
            s.score = w * s.sim + (1 - w) * s.lexical
        self.ranked: list[Sentence] = sorted(sentences, key=lambda s: -s.score)

    def coverage(self, wanted: set[str], text: str) -> float:
        """Share of the terms ``wanted`` that ``text`` holds (:func:`rag.text.coverage`), an acronym of the question
        counted as held where ``text`` spells it out in words ("SFT": "supervised fine-tuning")."""
        if not wanted:
            return 0.0
        return len(wanted & self.held(text)) / len(wanted)

    def held(self, text: str) -> set[str]:
        """The terms of ``text``, and the stem of each acronym of the question that ``text`` spells out in words in a
        row (:func:`rag.question.spells_out`, in any case)."""
        held = terms(text)
        return held | {
            t
            for a in self._acronyms
            if (t := stem(a)) not in held
            and spells_out(text, "".join(c for c in a if c.isupper()), loose=True)
        }

    # ------------------------------------------------------------------ embeddings, once per distinct text

    def _embed(self, texts: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            for text, vec in zip(new, _embed_cached(self.embedder, new), strict=True):
                self._vectors[text] = vec

    def vector(self, text: str) -> np.ndarray:
        """The embedding of ``text`` (embedded once, cached): any text, e.g. a grid column's question."""
        self._embed([text])
        return self._vectors[text]

    def similarities(self, text: str, sentences: Iterable[Sentence]) -> list[float]:
        """Cosine similarity of ``text`` (embedded once, cached) to each of ``sentences``."""
        self._embed([text])
        vec = self._vectors[text]
        return [float(self._vectors[s.text] @ vec) for s in sentences]

    @property
    def texts_embedded(self) -> int:
        return len(self._vectors)

    # ------------------------------------------------------------------ ranking

    def top(self, n: int | None = None, *, source: int | None = None) -> list[Sentence]:
        """The best ``n`` sentences (all when None), optionally of one source."""
        pool = self.ranked if source is None else [s for s in self.ranked if s.source == source]
        return pool if n is None else pool[:n]

    def best_by_source(self) -> dict[int, Sentence]:
        """Each source's best sentence."""
        best: dict[int, Sentence] = {}
        for s in self.ranked:
            best.setdefault(s.source, s)
        return best

    def covers_question(self, text: str) -> bool:
        """Whether ``text`` holds every content term of the question."""
        return coverage(self.q_terms, text) == 1.0

    def source(self, n: int) -> SourceLike | None:
        return next((s for s in self.sources if s.n == n), None)

    # ------------------------------------------------------------------ the gate

    def names(self, src: SourceLike) -> float:
        """How much the question names this paper: 1.0 when it says the name the title starts with ("PFGM++"),
        else the shared title terms as a share of either side (0 if fewer than 2)."""
        return self.title_overlap(self.question, src.title)

    @staticmethod
    def title_overlap(question: str, title: str) -> float:
        """:meth:`names` for any question and title."""
        name = title_name(title)
        if name and mentions(question, name):
            return 1.0
        q_terms, t_terms = terms(question), terms(title)
        shared = q_terms & t_terms
        if len(shared) < 2:
            return 0.0
        return max(len(shared) / len(t_terms), len(shared) / len(q_terms))

    def lead(self) -> SourceLike | None:
        """The source of the best sentence (the first source when no sentence was found)."""
        if self.ranked:
            return self.source(self.ranked[0].source)
        return self.sources[0] if self.sources else None

    def features(self, src: SourceLike, wanted: set[str] | None = None) -> dict[str, float]:
        """The answerability features of ``src`` as the paper answering the question (names: :data:`FEATURES`).

        * ``best_sim`` / ``lead_sim``: cosine of the question's closest sentence, over all sources / in ``src``;
        * ``lead_lexical``: the largest share of the question's content terms one sentence of ``src`` holds;
        * ``paper_cover`` / ``collection_cover``: the share of the question's specific terms (content terms that
          aren't generic), weighted by rarity in the collection, that ``src`` / any abstract holds;
        * ``missing_rare``: the rarity of the rarest specific term ``src`` lacks (0 when it lacks none);
        * ``named``: how much the question names ``src`` (:meth:`names`);
        * ``kind_missing``: 1 when the question asks for a kind of detail ``src`` never states (a number, hardware,
          a license, a parameter count, code, a duration, experiments; :mod:`rag.question`);
        * ``unknown_name``: 1 when a name-like word of the question ("AlphaFold", "GPT-5") is in no abstract
          (:attr:`unknown_names`; fitted when it read the index's stems alone);
        * ``name_missing``: the share of the question's names that other abstracts hold and ``src`` doesn't
          (:meth:`names_missing`: "... on MBPP?" of a paper evaluated on HumanEval only);
        Not here, and not in the fitted model: ``paper_sim`` (:meth:`paper_sim`), which :meth:`gate` adds only
        where the model refuses (embedding a whole abstract costs about 85 ms on 2 cores) for the whole-paper rule.
        """
        mine = self.by_source.get(src.n, [])
        q_terms = self.q_terms if wanted is None else wanted
        specific = q_terms - generic_stems()
        rarity = self.rarities(specific)
        body = terms(f"{src.title} {src.text}")
        if "%" in src.text:
            body |= _PERCENT_WORDS  # "what percentage improvement" of "improving by 24.0/30.1/8.6/9.2%"
        if self.many:  # a list question is answered by several papers: their terms together
            for other in self.sources[: self.settings.list_cover_papers]:
                body |= terms(f"{other.title} {other.text}")
        total = sum(rarity.values())
        if total > 0:
            paper_cover = sum(r for t, r in rarity.items() if t in body) / total
            collection_cover = sum(r for t, r in rarity.items() if r < 1.0) / total
        else:
            paper_cover = collection_cover = 1.0
        missing = [r for t, r in rarity.items() if t not in body]
        return {
            "best_sim": max((s.sim for s in self.ranked), default=0.0),
            "lead_sim": max((s.sim for s in mine), default=0.0),
            "lead_lexical": max(
                (s.lexical if wanted is None else coverage(q_terms, s.text) for s in mine), default=0.0
            ),
            "paper_cover": paper_cover,
            "collection_cover": collection_cover,
            "missing_rare": max(missing, default=0.0),
            "named": self.names(src),
            "kind_missing": float(bool(self.missing_kinds(src))),
            "unknown_name": float(bool(self.unknown_names)),
            "answer_missing": self.answer_missing(src),
            "name_missing": self.names_missing(src),
        }

    def facet_covers(self, src: SourceLike, facets: Sequence[Facet]) -> list[float]:
        """Per part of a list question's criterion (:func:`rag.question.criterion_facets`), the share of its words,
        weighted by rarity in the collection, that ``src``'s title and abstract hold, for the part's best-held
        option ("molecules or drug candidates")."""
        rarity = self.rarities({t for f in facets for option in f.options for t in option})
        return [_facet_cover(self._body(src), f, rarity, self._compounds) for f in facets]

    def _body(self, src: SourceLike) -> set[str]:
        key = (src.title, src.text)  # not the number: a list answer renumbers its sources
        if key not in self._bodies:
            self._bodies[key] = terms(f"{src.title} {src.text}")
        return self._bodies[key]

    @cached_property
    def _criteria(self) -> list[list[Facet]]:
        """The question's criteria part by part (:func:`rag.question.criterion_facets`), read once."""
        return criterion_facets(self.question)

    def uncombined(
        self, sources: Sequence[SourceLike] | None = None
    ) -> tuple[list[Facet], list[SourceLike]] | None:
        """A list question whose criterion's parts ("GFlowNets", "generate molecules or drug candidates") no paper
        of ``sources`` (default: the evidence's) covers together, though each is covered by one: those parts and,
        for each, the paper covering it best. A part no paper covers is left out: worded otherwise in the
        abstracts, or absent from the collection, which the gate decides. None when one paper covers every part,
        when the question asks for no papers, or when a criterion has one part or more than
        ``combination_max_facets``.

        A paper covers a part when :meth:`facet_covers` gives it ``facet_cover``. Words alone: an abstract may say
        a part otherwise ("speed up" for "accelerate"), which is why a criterion of many parts is left alone
        (measured: evals/README.md)."""
        cfg = self.settings
        sources = list(self.sources if sources is None else sources)
        criteria = self._criteria
        if (
            not sources
            or not criteria
            or any(not 2 <= len(c) <= cfg.combination_max_facets for c in criteria)
        ):
            return None
        first: tuple[list[Facet], list[SourceLike]] | None = None
        for facets in criteria:
            covers = [self.facet_covers(src, facets) for src in sources]
            live = [i for i in range(len(facets)) if any(row[i] >= cfg.facet_cover for row in covers)]
            if len(live) < 2 or any(all(row[i] >= cfg.facet_cover for i in live) for row in covers):
                return None
            if first is None:
                best = [max(range(len(sources)), key=lambda k, i=i: covers[k][i]) for i in live]  # type: ignore[misc]
                first = ([facets[i] for i in live], [sources[k] for k in best])
        return first

    def combination(self, sources: Sequence[SourceLike] | None = None) -> Verdict | None:
        """The refusal of a list question no paper meets as a whole (:meth:`uncombined`), naming the closest paper
        for each part: 'None of the 15 papers checked is about both "GFlowNets" and "generate molecules or drug
        candidates": "Better Training of GFlowNets ..." is about the first, "Multi-scale Iterative Refinement ..."
        about the second.' None when the question is not refused so."""
        found = self.uncombined(sources)
        if found is None:
            return None
        facets, closest = found
        checked = len(self.sources if sources is None else sources)
        parts = [f'"{f.text}"' for f in facets]
        both = (
            f"both {parts[0]} and {parts[1]}"
            if len(parts) == 2
            else f"all of {', '.join(parts[:-1])} and {parts[-1]}"
        )
        ordinals = ["the first", "the second", "the third", *(f"part {i}" for i in range(4, len(parts) + 1))]
        said = [f'"{src.title}" is about {ordinals[i]}' for i, src in enumerate(closest)]
        noun = "paper" if checked == 1 else "papers"
        message = (
            f"{REFUSAL} None of the {checked} {noun} checked is about {both} together: {'; '.join(said)}."
        )
        return Verdict(False, "combination", message, paper=closest[0].n, missing=[f.text for f in facets])

    def missing_kinds(self, src: SourceLike) -> list[str]:
        """The detail kinds the question asks for (:attr:`Question.asks`) that ``src``'s title and abstract never state
        (:func:`rag.question.states`), sorted."""
        text = f"{src.title}. {src.text}"
        return [kind for kind in sorted(self.asked.asks) if not states(kind, text, self.asked.text)]

    def claimed(self) -> list[SourceLike]:
        """The sources whose abstract holds a name the question gives a paper's own method, model or benchmark
        ("OTOv3", "Tastle": :func:`rag.question.own_names`); empty when the question names none, or for a list
        question, which several papers answer."""
        if self.many:
            return []
        mentioned = {
            name
            for src in self.sources
            for name in distinct_names(own_names(src.title, src.text))
            if mentions(self.question, name)
        }
        if not mentioned:
            return []
        return [
            src
            for src in self.sources
            if any(mentions(f"{src.title}. {src.text}", name) for name in mentioned)
        ]

    @cached_property
    def question_names(self) -> list[str]:
        """Name-like words of the question ("MBPP", "ResNet-50", "AlpacaEval"), but not a capitalised first word."""
        return [
            word
            for i, word in enumerate(words(self.question))
            if NAME_LIKE.match(word) and not (i == 0 and word.istitle())
        ]

    def names_missing(self, src: SourceLike) -> float:
        """The share of the question's names (:meth:`question_names`) that other abstracts hold but ``src``
        doesn't: "What pass@1 does <paper> reach on MBPP?" of a paper that never says MBPP. Written forms are
        compared without case or punctuation ("ResNet-50" is "ResNet50"), and an acronym is held where its words
        are ("NeRF": "neural radiance fields"). Names no abstract holds are ``unknown_name``'s; 0.0 without names."""
        unknown = set(self.unknown_names)
        # a generic name with lower-case words joined to it ("LLM-driven", "DNN-based") says what kind of method,
        # not which one: no name a paper must hold; nor is a generic one where the paper names another thing of its
        # kind ("Does SparseProp need a GPU?" of "an implementation on commodity CPUs")
        mine = self.by_source.get(src.n, [])
        names = [
            w
            for w in self.question_names
            if w not in unknown
            and not kind_compound(w)
            and not (is_generic(w) and _instance_named({stem(w)}, mine))
        ]
        if not names:
            return 0.0
        # a list question is answered by every paper gathered: a name one of them holds is no name missing
        # (whether they meet the criterion together is the combination rule's to say)
        index = self._gathered_names if self.many else _NameIndex(f"{src.title} {src.text}")
        return sum(not index.holds(name) for name in names) / len(names)

    @cached_property
    def _gathered_names(self) -> _NameIndex:
        """The written forms of every source's title and abstract together (a list question's, read once)."""
        return _NameIndex(" ".join(f"{o.title} {o.text}" for o in self.sources))

    def answer_missing(self, src: SourceLike) -> float:
        """For a question asking for a number or a name, whether ``src`` states one where it speaks of what is asked:
        1.0 when no sentence holds a word of the question's focus (:func:`rag.question.focus`: "base LLM" of "which
        base LLM ..."), 0.5 when some do but none has a new number or name (one not in the question or the title)
        within ``answer_window`` words of a focus word, 0.0 when one does or the question asks for neither. Words
        of the answer's form ("by what factor", "how much larger") are not focus words; nor are generic names
        ("LLMs"), names built on the question's ("NPO-based") or a URL's path new names. A multi-part question
        is read part by part and the worst part counts ("what score ..., and on which GPU?" is not answered by the
        score alone)."""
        known_names = self.known_names(src)
        return max(self._part_answer_missing(src, part, known_names) for part in self._parts())

    def _parts(self) -> list[str]:
        return self.asked.parts if len(self.asked.parts) > 1 else [self.asked.text]

    def known_names(self, src: SourceLike) -> set[str]:
        """Names no answer states, lower-cased: the question's and the title's (and their capitalised words:
        "Training Algorithms" of the AlgoPerf paper's, "Bonsai" of the question's), the start of a hyphenated one ("VIF-RAG" of "VIF-RAG-QA"),
        the words of an acronym the question gives or of a generic one ("Sharpness-Aware Minimization (SAM)" where
        the question says SAM, "Large Language Model (LLM)"), a concept's acronym ("gradient ascent (GA)" is no
        name to answer "which base LLM ...?" with) and an acronym of the question's or the title's words ("DG"
        where the question says "domain generalization")."""
        known = {m.lower() for m in NAME_TOKEN.findall(f"{self.question} {src.title}")}
        known |= {p.lower() for k in list(known) for p in _prefixes(k)}
        for m in _EXPANDED.finditer(src.text):
            if m.group(2).lower() in known or is_generic(m.group(2)):
                known |= {w.lower() for w in m.group(1).split()}
        known |= {w.lower() for w in words(src.title) if w[:1].isupper()}
        # ... and the question's capitalised words ("Bonsai" of "The Bonsai initialization helps which methods?")
        known |= {w.lower() for w in words(self.question)[1:] if capitalised_word(w)}
        # ... in either spelling of a hyphenated one ("FuxiDA" of the title's "Fuxi-DA")
        known |= {k.replace("-", "") for k in known if "-" in k}
        return known | set(abbreviations(src.text)) | self._initialisms(src)

    def _initialisms(self, src: SourceLike) -> set[str]:
        """Acronyms of ``src``'s abstract spelled by consecutive words of the question or the title, lower-cased."""
        spoken = [
            p.lower() for w in words(f"{self.question} {src.title}") for p in w.split("-") if p[:1].isalpha()
        ]
        runs = {
            "".join(w[0] for w in spoken[i : i + n]) for n in range(2, 6) for i in range(len(spoken) - n + 1)
        }
        return {
            m.lower()
            for m in re.findall(r"\b[A-Z]{2,5}s?\b", src.text)
            if m.lower().removesuffix("s") in runs
        }

    def _detail_checks(self) -> list[DetailCheck]:
        """The detail checks ``Settings.evidence`` turns on, in the order the gate asks them, each with what its
        refusal says the abstract lacks."""
        cfg = self.settings
        checks = (
            (
                cfg.unnamed_refusal,
                DetailCheck("unnamed", self.unnamed, lambda what, _: f"does not name {what}"),
            ),
            (
                cfg.unreported_refusal,
                DetailCheck(
                    "unreported",
                    self.unreported,
                    lambda what, closest: (
                        f"{'states no number for' if closest else 'does not mention'} {quoted_list(what)}"
                    ),
                ),
            ),
            (
                cfg.unsaid_condition_refusal,
                DetailCheck(
                    "unsaid condition",
                    self.unsaid_conditions,
                    lambda what, _: f"does not mention {quoted_list(what)}, nor does any other abstract",
                ),
            ),
            (
                cfg.unquantified_refusal,
                DetailCheck(
                    "unquantified",
                    self.unquantified,
                    lambda what, _: (
                        f'states no number for "{what}"' if what else "states no number for what is asked"
                    ),
                ),
            ),
            (
                cfg.lower_bound_refusal,
                DetailCheck("unbounded", self.unbounded, lambda what, _: f"states no {what}"),
            ),
            (
                cfg.unstated_number_refusal,
                DetailCheck(
                    "unwritten",
                    self.unstated_numbers,
                    lambda what, _: f"reports nothing at {quoted_list(what)}",
                    per_part=False,  # a number the whole question conditions on is no part's
                ),
            ),
        )
        return [check for on, check in checks if on]

    def answers_part(self, src: SourceLike, part: str) -> bool:
        """Whether ``src`` answers ``part`` of the question as far as the detail checks that
        ``Settings.evidence`` turns on and that read one part can tell (:meth:`_detail_checks`)."""
        return not any(c.check(src, [part]) for c in self._detail_checks() if c.per_part)

    def unanswered_part(self, src: SourceLike) -> str:
        """Of a question of several parts, the first that ``src`` doesn't answer (:meth:`answers_part`); "" for a
        question of one part, or when it answers every part."""
        if len(self.asked.parts) < 2:
            return ""
        return next((part for part in self.asked.parts if not self.answers_part(src, part)), "")

    def unnamed(self, src: SourceLike, parts: Sequence[str] | None = None) -> tuple[str, Sentence] | None:
        """For a question part asking which thing of a kind that has proper names ("Which teacher model does
        PRLCoder use ...?": a model, dataset, benchmark, library, language, hardware ...; not a metric or a method,
        often named in lower case) and not how many: what it asks for ("the teacher model") and the sentence of
        ``src`` that speaks of it without naming one ("... through a teacher model ..."). A name here is any name
        but the known ones (:meth:`known_names`), also one in camel case from a lower-case start ("miniImageNet").
        A part asking which methods the paper's is compared with ("Which baselines does muCode outperform?") is
        answered by :meth:`_unnamed_rival` ("the methods it is compared with"). None when every such part is
        answered by a name near what it asks about, when no sentence speaks of it at all (the fitted model weighs
        that), or for a list question. ``parts``: the parts to read (the question's, by default)."""
        if self.many:
            return None
        # the question's and title's names written in camel case count as known too ("cuRobo")
        known_names = self.known_names(src) | {
            m.lower() for m in _CAMEL.findall(f"{self.question} {src.title}")
        }
        if not (
            _PROPOSES.search(self.question) or NAMES_OF.search(self.question) or self.q_terms & _DATA_WORDS
        ):
            # the names the paper gives its own method answer no question of what it uses or is compared with
            # ("Which hardware's quantization forms is EQ-Net's space meant to cover?"); its own benchmark may be
            # the data it evaluates on
            known_names |= {n.lower() for n in own_names(src.title, src.text)}
        for asked_part in self._parts() if parts is None else parts:
            # a title the follow-up rewrite quoted for "it" is no part of what is asked about
            part = _QUOTED.sub(" ", asked_part)
            if _BASELINE_ASKED.search(part):
                rival = self._unnamed_rival(src, known_names)
                if rival is not None:
                    return "the methods it is compared with", rival
                continue
            if asks_which_paper(part):
                continue  # "which work proposes enf2enf, an encoder-decoder ...?" asks for a paper: its title names it
            asked = focus(part)
            # an aside: "(e.g. ...)", ", e.g. which Stable Diffusion version,"
            aside = next(
                (
                    i
                    for i, w in enumerate(asked)
                    if w.startswith("(") or w.lower().rstrip(",") in _EXAMPLE_WORDS
                ),
                len(asked),
            )
            # the kind asked is the first after "which": "which policy optimization algorithm fine-tunes the LLM"
            # asks an algorithm, not an LLM
            asked_which = NAMES_OF.sub("which ", part)
            named_span = proper_kind_span(asked_which)
            lower = _LOWER_KIND.search(asked_which)
            if named_span is None or (
                lower and named_span[0] <= lower.start() and lower.end() < named_span[1]
            ):
                spoken = self._unspecified(src, part, known_names)
                if spoken is not None:
                    return spoken
                continue
            if (
                not asks_proper_name(part)
                or "number" in asked_kinds(part)
                or _QUANTITY_ASKED.search(" ".join(asked[:aside]))
                or _modified_kind(asked[:aside])
            ):
                continue
            # an example the question gives in its aside answers it when the abstract says it ("e.g. which Stable
            # Diffusion version" of "We build on Stable Diffusion 2.1")
            examples = _CAPITALISED_RUN.findall(" ".join(asked[aside + 1 :]))
            if examples and any(
                says_name(s.text, n) for n in examples for s in self.by_source.get(src.n, [])
            ):
                continue
            # the kind asked is asked about, generic or not ("LLM" of "Which base LLM ...?"); data is spoken of by
            # any of its words ("which datasets" of "on various ... benchmarks")
            wanted = (terms(" ".join(asked)) - generic_stems() - _answer_form()) | terms(
                " ".join(w for w in asked if kind_named(w))
            )
            if wanted & _DATA_WORDS:
                wanted |= _DATA_WORDS
            mine = self.by_source.get(src.n, [])
            # (a hyphen's parts speak of it too: "an LLM-based optimizer" of "Which LLM ...?")
            spoken_terms = [_hyphen_terms(s.text) for s in mine]
            pool = [s for s, t in zip(mine, spoken_terms, strict=True) if wanted & t]
            if wanted & _DATA_WORDS and any(self._evaluated_on(s.text, known_names) for s in mine):
                continue  # "which datasets ...?" of "Through experiments on CIFAR-100 and ImageNet-100, ..."
            if wanted & _DATA_WORDS and any(
                n.lower() not in known_names for s in mine for n in _BENCH_WORD.findall(s.text)
            ):
                continue  # a name that says it is a benchmark ("... the reward model on Rewardbench")
            if _instance_named(wanted, mine):
                continue  # "what simulator ...?" of "continuous control tasks with Brax"
            # a name answers when it stands near the kind asked ("benchmarks" of "which four reasoning benchmarks"),
            # where the abstract speaks of that kind; a name near a word that only qualifies it ("an Assessment
            # Misalignment problem" near "reasoning") is no answer
            head = terms(" ".join(w for w in asked[:aside] if kind_named(w)))
            head |= {f"{h}s" for h in head}  # an acronym's plural has a stem of its own ("LLMs")
            if head & _DATA_WORDS:
                head |= _DATA_WORDS
            # a qualifier of two words or more is a kind of its own ("audio classification (e.g. DCASE) tasks")
            qualifier = terms(" ".join(w for w in asked[:aside] if not kind_named(w))) - generic_stems()
            if len(qualifier - {stem(w) for w in _NUMBER_WORDS}) >= 2:
                head |= qualifier
            # ... unless the phrase asks a method, the kind only what it acts on ("Which method aligns LLMs ...?")
            acts_on = any(stem(w) in _METHOD_HEADS for w in asked[:aside])
            # a model may be named after a person ("a Gaussian mixture model"); data, hardware and software aren't
            models = any(_MODEL_KIND.fullmatch(w) for w in asked[:aside])
            near = head if head and not acts_on and any(head & t for t in spoken_terms) else wanted
            built = any(_BUILT_KIND.fullmatch(w) for w in asked[:aside])
            if (
                not pool
                and mine
                and not built
                and (
                    not any(
                        self.states_near(
                            s.text, set(), number=False, name=True, known_names=known_names, eponyms=models
                        )
                        for s in mine
                    )
                    or (
                        wanted & _DATA_WORDS
                        and self.names_data is not None
                        and not self.names_data(src, mine)
                    )
                )
            ):
                # no sentence speaks of the kind, and the abstract names nothing new at all, or for data nothing that
                # reads as data (the extraction grid's data cue: "an one-step recoverable MDP" is no benchmark):
                # nothing answers (but a model may be the paper's own, described, not named: "we derive a dynamic
                # Bayesian network")
                pool = [max(mine, key=lambda s: s.sim)]
                near = set()
            if pool and not any(
                self.states_near(
                    # "across multiple DG benchmark datasets" says there are some, not which: a name before it
                    # ("outperforms SAM variants across ...") names none of them, one after it may
                    (self.settings.vague_kind_unnamed and _vaguely_spoken(s.text, wanted)) or s.text,
                    near,
                    number=False,
                    name=True,
                    known_names=known_names,
                    loose=True,
                    eponyms=models,
                )
                for s in pool
            ):
                # the kind asked, with at most two words before it, no count ("the regression benchmarks" of "the
                # four imbalanced regression benchmarks", "the LLMs" of "LLMs generated the code solutions")
                nouns = [i for i, w in enumerate(asked[:aside]) if kind_named(w)]
                upto = asked[: nouns[-1] + 1] if nouns else []
                kind = [w for w in upto if w.lower() not in _NUMBER_WORDS and not w[:1].isdigit()][-3:]
                while kind and (kind[0].lower() in ("and", "or") or kind[0].endswith("-")):
                    kind = kind[1:]  # "graph-classification datasets" of "node- and graph-classification ..."
                if any(_specified_by_word(s.text, kind, self._said) for s in pool):
                    continue  # "the linear MDP model" says which MDP model
                if kind and any(_appositive(s.text, kind[-1], self._said) for s in pool):
                    continue  # "a solvable model, a diagonal linear network" says which model
                # no phrase of what is asked ("what simulator produced ...", "... model (e.g. ...) serves"): the
                # kind the part asks which of
                named = " ".join(kind) or proper_kind(part)
                what = f"the {named}" if named else "it"
                return what, max(pool, key=lambda s: (len(wanted & terms(s.text)), s.sim))
        return None

    def _unspecified(self, src: SourceLike, part: str, known_names: set[str]) -> tuple[str, Sentence] | None:
        """For a part asking which thing of a kind often named in lower case ("Which first-order optimizer ...?",
        "Which bandit algorithm ...?", "measured by which metric?", "which OoD methods ...?"; :data:`_LOWER_KIND`),
        not what the paper proposes (unless it asks its name): what it asks for and the sentence of ``src`` that
        speaks of that kind, when every mention of the kind in ``src`` leaves it unspecified: a class in the plural
        of a broader word ("decentralized deep learning algorithms" of an optimizer), or a determiner with words the
        question already says or that only describe ("an iterative first-order algorithm"), with no name near it
        and nothing naming it after it ("algorithms such as ...", "a solver, CPLEX"). A kind the abstract never
        calls by its word is spoken of by the question's words for it ("with reinforcement learning (RL)" of
        "which RL algorithm"). None when a mention specifies it ("the cross-entropy loss", "a proximal point
        algorithm"), when nothing in ``src`` speaks of it (the fitted model weighs that), when the part asks what
        the paper proposes, or asks the name of what it proposes and the paper names its method."""
        part = NAMES_OF.sub("which ", part)
        # a concept the abstract abbreviates names nothing ("out-of-distribution (OOD)")
        known_names = known_names | {a.lower() for a in abbreviations(src.text)}
        m = _LOWER_KIND.search(part)
        if m is None or re.match(r"\S+\s+\S+['’]s\b", m.group(0)):
            return None  # "Which country's lottery game ...?" asks a country
        if _PROPOSES.search(part) and (
            not NAMES_OF.search(self.question) or distinct_names(own_names(src.title, src.text))
        ):
            return None  # "which algorithm do they propose?" is answered by what they propose, named or not
        singular, plural, forms = _kind_forms(m.group("kind"))
        # the question's own words for the kind, those that say which family it is of ("RL" of "Which RL
        # algorithm"): not a determiner nor a describing word
        qualifier = [
            w
            for w in m.group(0).split()[1:-1]
            if w.lower() not in _INDEFINITE
            and w.lower() not in function_words()
            and not _DESCRIBING.search(w)
        ]
        said = self._said
        # (a method is often named after a person: "Thompson sampling", "Adam optimization", "Newton's method")
        # the answer may not use the kind's word: a sentence with a new name that says what else the question does,
        # beyond the title ("This framework includes multi-turn DPO ..." for "which algorithms does the framework
        # include?")
        rest = terms(self.question) - terms(src.title) - {stem(f) for f in forms} - generic_stems()
        mine = self.by_source.get(src.n, [])
        # (not in the background the abstract opens with, before its method: prior work's names answer nothing
        # the question asks of this paper)
        method_at = next((i for i, s in enumerate(mine) if METHOD_CUES.search(s.text)), 0)
        for s in mine[method_at:]:
            if len(rest & terms(s.text)) >= 2 and self.states_near(
                s.text, set(), number=False, name=True, known_names=known_names, eponyms=True
            ):
                return None
        mentions_: list[tuple[Sentence, str, list[str], int]] = []
        for s in mine:
            plain = _plain(s.text, known_names)
            tokens = words(plain)
            mentions_ += [(s, plain, tokens, j) for j, w in enumerate(tokens) if w.lower() in forms]
        spoken: list[Sentence] = []
        if not mentions_:
            # no sentence calls it by its word: the sentences that say the question's words for it speak of it
            # ("We enable this framework with reinforcement learning (RL)"), when it has such words
            wanted = terms(" ".join(qualifier)) - generic_stems()
            spoken = [s for s in mine if wanted and wanted <= terms(s.text)]
            if (
                not spoken
                and singular == "metric"
                and mine
                and not any(_MEASURED.search(s.text) for s in mine)
            ):
                # a metric asked of an abstract that measures nothing by name: no metric's word, no number, no
                # word of a measure ("state-of-the-art performance" only)
                return f"the {' '.join(m.group(0).split()[1:])}", max(mine, key=lambda s: s.sim)
            if not spoken:
                return None
            if singular == "metric" and any(self._new_measures(s.text) for s in spoken):
                return None  # "which registration metric" of "... in terms of registration recall"
            for s in spoken:
                tokens = words(s.text)
                if self.states_near(
                    s.text,
                    wanted,
                    number=False,
                    name=True,
                    known_names=known_names,
                    loose=True,
                    eponyms=True,
                ) or any(_names_next(tokens, i) for i in range(len(tokens))):
                    return None
                # ... or a word right before them says which ("k-means clustering" of "which clustering
                # algorithm"; a lower-case word: an acronym's expansion says none, "reinforcement learning (RL)")
                if any(
                    stem(w) in wanted
                    and w.islower()
                    and i > 0
                    and _unsaid(tokens[i - 1], said)
                    and tokens[i - 1].lower() not in function_words()
                    and not _DESCRIBING.search(tokens[i - 1])
                    for i, w in enumerate(tokens)
                ):
                    return None
        for _s, plain, tokens, j in mentions_:
            if self.states_near(
                plain,
                {stem(f) for f in forms},
                number=False,
                name=True,
                known_names=known_names,
                loose=True,
                eponyms=True,
            ):
                return None
            if tokens[j].lower().endswith("s") and tokens[j].lower() not in (singular, plural):
                # a broader word in the plural, no name near it: a class ("decentralized deep learning
                # algorithms" says no optimizer; "graph-based proximity solvers" says which solvers) ...
                after = tokens[j + 1 : j + 2]
                if after and (_names_next(tokens, j + 1) or new_name(after[0], known_names)):
                    return None  # ... unless it is listed: "algorithms such as ..."
                continue
            if _specified_at(tokens, j, said, known_names):
                return None
            if _appositive(plain, tokens[j], said):
                return None
        what = " ".join(w for w in m.group(0).split()[1:] if w.lower() not in ("the", "specific", "exact"))
        pool = [s for s, _, _, _ in mentions_] or spoken
        return f"the {what}", max(pool, key=lambda s: s.sim)

    @cached_property
    def _said(self) -> set[str]:
        """What the question says: its content terms and its names, lower-cased (read per sentence by
        :meth:`specifies` and per paper by :meth:`_unspecified`)."""
        return terms(self.question) | {n.lower() for n in NAME_TOKEN.findall(self.question)}

    def specifies(self, text: str, part: str, known_names: set[str]) -> bool:
        """Whether ``text`` says which thing of the kind ``part`` asks for, a kind often named in lower case
        (:data:`_ANSWER_KIND`: "Which existing training method ...?"): a mention of the kind that a word before it
        specifies ("the flooding method"), or with a name or a list near it. False when the part asks no such
        kind."""
        m = _ANSWER_KIND.search(NAMES_OF.sub("which ", part))
        if m is None:
            return False
        _, _, forms = _kind_forms(m.group("kind"))
        said = self._said
        tokens = words(text)
        at = [j for j, w in enumerate(tokens) if w.lower() in forms]
        return bool(at) and (
            any(_specified_at(tokens, j, said, known_names, predicated=False) for j in at)
            or self.states_near(
                text, {stem(f) for f in forms}, number=False, name=True, known_names=known_names, loose=True
            )
        )

    def _unnamed_rival(self, src: SourceLike, known_names: set[str]) -> Sentence | None:
        """For a question asking which methods ``src``'s is compared with: the sentence that compares it with what
        it doesn't name ("ChainCoder outperforms state-of-the-arts"), when every sentence that compares names no
        rival after its comparing word and calls the rivals generically (state of the art, strong baselines,
        existing methods) or by a class in the plural ("methods based on stacked CNN ..."). None when one names a
        rival ("beats cosine annealing" is no generic rival, "outperforms K-means" names one), or when no sentence
        compares (the fitted model weighs that)."""
        mine = self.by_source.get(src.n, [])
        # every comparison of a sentence ("outperforms competitive baselines ...; comparable accuracies ... comparing
        # to vanilla empirical risk minimization")
        comparing = [(s, m.start()) for s in mine for m in _COMPARES.finditer(s.text)]
        if not comparing:
            # no sentence compares: left to the fitted model (refusing here was measured and backed out: 3 false
            # refusals on the answers and details test splits, rivals named after "than" or "over")
            return None
        # what is compared with, up to where or on what the comparison is made ("against baseline algorithms on
        # data derived from the American Community Survey" names data, not a rival)
        compared = [(s, _RIVAL_END.split(s.text[at:], maxsplit=1)[0]) for s, at in comparing]
        for _s, rival in compared:
            if self.states_near(
                rival, set(), number=False, name=True, known_names=known_names, loose=True
            ) or any(n.lower() not in known_names for n in _CAPITAL_JOINED.findall(rival)):
                return None
        generic = [s for s, rival in compared if _GENERIC_RIVAL.search(rival) or _CLASS_RIVAL.search(rival)]
        if len(generic) < len(comparing):
            return None
        return max(generic, key=lambda s: s.sim) if generic else None

    @staticmethod
    def _evaluated_on(text: str, known_names: set[str]) -> bool:
        """Whether ``text`` says its method was evaluated on something it names, a new name after "on / in / across"
        in a sentence about experiments or results: data named without a data word ("Through experiments on
        CIFAR-100 and ImageNet-100, ...")."""
        if not _EVALUATION.search(text):
            return False
        return any(
            new_name(m.group(1), known_names)
            for m in ON_A_NAME.finditer(text)
            if not _BUILT_ON.search(text[: m.start()])  # "the one based on KL loss" is no data
        )

    def unreported(
        self, src: SourceLike, parts: Sequence[str] | None = None
    ) -> tuple[list[str], Sentence | None] | None:
        """For a question part asking for a number under conditions it names ("What pass@1 does Scattered Forest
        Search reach on MBPP?"): those names, when ``src`` holds them (not in its title, not its own method's, not
        what is asked: "F1" of "What F1 scores ...", not a generic "LLMs") but no sentence of it states a new quantity beside any of them, nor the next sentence when that one names nothing else, and
        the sentence that names them ("Extensive experiments on HumanEval, MBPP, APPS ... reveal significant
        improvements"): the abstract reports on them, not the number asked. A name ``src`` doesn't hold at all
        (nor its head: "ImageNet" of "ImageNet-1K"), though other abstracts do ("What AlpacaEval win rate does SAMI
        reach?" of an abstract with other win rates), is returned with no sentence: the abstract doesn't mention
        it, even as what is asked. None when no part asks so, or for a list question; like :meth:`unnamed`, one
        such part decides for the whole question. ``parts``: the parts to read (the question's, by default)."""
        if self.many:
            return None
        mine = self.by_source.get(src.n, [])
        title = src.title
        own = distinct_names(own_names(src.title, src.text))
        whole = f"{src.title}. {src.text}"
        # names a next sentence may give without speaking of something else: the question's, the title's, its own
        known = {m.lower() for m in NAME_TOKEN.findall(f"{self.question} {src.title}")} | {
            o.lower() for o in own
        }
        unknown = set(self.unknown_names)
        concepts = {a.removesuffix("s") for a in abbreviations(src.text)}
        for part in self._parts() if parts is None else parts:
            if "number" not in asked_kinds(part):
                continue
            # a name only in parentheses describes the paper, it sets no condition ("Distribution Transformers (GMM
            # prior-to-posterior mapping with attention)")
            said = set(words(_ASIDE.sub(" ", part)))
            asked = terms(" ".join(focus(part)))  # what is asked ("F1 scores"), not where
            # ... and a capitalised word the part says a number is on, which the abstract writes as a name ("on
            # Cityscapes" of "Extensive experiments on CamVid and Cityscapes ...")
            placed = [
                w
                for w in _ON_CAPITALISED.findall(part)
                if w not in self.question_names and re.search(rf"[a-z,;:]\s+{re.escape(w)}\b", src.text)
            ]
            conditions = [
                n
                for n in [*self.question_names, *placed]
                if n in said
                # "LASSO-based" says how the paper's method works, not where a number is asked
                and not _DESCRIBES.search(n)
                and not is_generic(n)
                # a title's words spell its acronyms ("CP" of "... Based on Constraint Programming")
                and not (_holds(title, n) or compact(n) in _initials(title))
                and not any(n.lower() == o.lower() or mentions(o, n) for o in own)
                # a concept the abstract abbreviates is no condition ("PDE" of "partial differential equations
                # (PDEs)": "... when generating PDE training data?")
                and n.lower().removesuffix("s") not in concepts
            ]
            # "does not mention" only of a name in no written form ("MLPs" is in "multilayer perceptrons")
            gone = [
                n for n in conditions if not (_holds(whole, n) or _spelled(whole, n)) and n not in unknown
            ]
            if gone:
                return gone, None
            names = [n for n in conditions if _holds(whole, n) and not terms(n) & asked]
            if not names:
                continue
            held = [
                sum(_holds(s.text, n) for n in names) for s in mine
            ]  # how many of them each sentence says

            def reports(i: int) -> bool:
                """A new quantity in sentence ``i`` (a bound too: "SA can be computed in time O(nd log n)" of "how
                fast can SA be computed?"), or in the next one when that one names nothing else."""
                if (
                    self._new_quantity(mine[i].text)
                    or self._times(mine[i].text)
                    or BIG_O.search(mine[i].text)
                ):
                    return True
                after = mine[i + 1].text if i + 1 < len(mine) else ""
                return self._new_quantity(after) and all(
                    m.lower() in known for m in NAME_TOKEN.findall(after)
                )

            elsewhere = self._reported_elsewhere(part, names, mine, src)
            if elsewhere is not None:
                return elsewhere
            if any(held[i] and reports(i) for i in range(len(mine))):
                continue
            naming = [i for i in range(len(mine)) if held[i]]
            if naming:
                best = max(naming, key=lambda i: (held[i], mine[i].sim))
                return names, mine[best]
        return None

    def unsaid_conditions(
        self, src: SourceLike, parts: Sequence[str] | None = None
    ) -> tuple[list[str], None] | None:
        """For a question part asking for a number under conditions in lower-case words ("What approximation ratio
        does it get under a matroid constraint?"): the words of those conditions that no abstract of the collection
        writes, in any form (``src``'s by a word's stem or its start, a typing slip of one of its words; the
        collection's by the index), when there are any: no abstract reports a number under them. Only the words
        after the question word (what comes before it says which paper is meant), not a verb's "-ing" or "-ed"
        form ("when running on-chip"), a generic word, what is asked, nor the question's names (which :meth:`unreported`
        reads). None otherwise, or for a list question."""
        if self.many:
            return None
        names = terms(" ".join(self.question_names))

        def written(word: str) -> bool:
            # (read only for a word no abstract holds, which is rare: the paper's words are gathered then)
            whole = f"{src.title}. {src.text}"
            held = _hyphen_terms(whole)
            t = stem(word)
            return (
                t in held
                or any(len(t) >= 5 and len(h) >= 5 and (h.startswith(t) or t.startswith(h)) for h in held)
                or bool(
                    difflib.get_close_matches(
                        word.lower(), {w.lower() for w in words(whole)}, n=1, cutoff=0.8
                    )
                )
            )

        for part in self._parts() if parts is None else parts:
            if "number" not in asked_kinds(part):
                continue
            start = _QUESTION_WORD.search(part)
            if not start:
                continue
            asked = terms(" ".join(focus(part)))
            tail = _ASIDE.sub(" ", part[start.end() :])
            for m in _CONDITION.finditer(tail):
                if _CHANGE_OF.search(tail[: m.start()]):
                    continue
                found = [
                    w
                    for w in words(m.group(1))
                    if w[:1].islower()
                    and not re.search(r"(?:ing|ed)$", w)
                    and (t := stem(w)) in terms(w)  # no stopword
                    and t not in generic_stems() | _answer_form() | asked | names
                ]
                if not found:
                    continue
                rarity = self.rarities({stem(w) for w in found})
                gone = [w for w in found if rarity.get(stem(w), 0.0) >= 1.0 and not written(w)]
                if gone:
                    return gone, None
        return None

    def _reported_elsewhere(
        self, part: str, names: list[str], mine: Sequence[Sentence], src: SourceLike
    ) -> tuple[list[str], Sentence] | None:
        """For a number asked on a benchmark or model the question names ("... improve perplexity on
        BERT-large?"): that name and the sentence of ``src`` that holds it, when the sentences that state a number
        of what is asked (a word of the part that is no name, nor the title's) all state it on another name ("0.7
        better perplexity on GPT-2") and none holds the one asked: the abstract reports it for another condition.
        None otherwise."""
        if not self.settings.reported_elsewhere:
            return None
        slot = [n for n in names if re.search(rf"\b(?i:on|in)\s+(?:the\s+)?{re.escape(n)}(?![\w-])", part)]
        if not slot:
            return None
        metric = (
            terms(part)
            - terms(" ".join(self.question_names))
            - terms(src.title)
            - generic_stems()
            - _answer_form()
        )
        stating = [s for s in mine if metric & terms(s.text) and self._new_quantity(s.text)]
        if not stating or not all(ON_A_NAME.search(s.text) for s in stating):
            return None
        for n in slot:
            if any(_holds(s.text, n) for s in stating):
                continue
            holding = [s for s in mine if _holds(s.text, n)]
            # a number beside the name asked is of another measure only when its sentence names one the question
            # doesn't ("15% end-to-end wall-clock speedup on BERT-large"); "On BERT-large, PPL drops by 0.3" may
            # be the number asked, written otherwise
            if holding and all(
                _measures(s.text) - self._said
                for s in holding
                if self._new_quantity(s.text) or self._times(s.text)
            ):
                return [n], max(holding, key=lambda s: s.sim)
        return None

    def unquantified(
        self, src: SourceLike, parts: Sequence[str] | None = None
    ) -> tuple[str, Sentence] | None:
        """For a question part asking how much or how many of something ("By how much does it reduce circuit
        depth?"): what it asks about and the sentence of ``src`` that speaks of it, when sentences of ``src`` speak
        of it (hold a word of the part's focus, :func:`rag.question.focus`) but none of them, nor the sentence after
        one, states a quantity in digits or words ("significantly faster than Gaussian processes"). None when no
        part asks so, when its focus has no word but generic or answer-form ones, when no sentence speaks of it
        (``answer_missing`` weighs that), or for a list question. ``parts``: the parts to read (the question's, by default)."""
        if self.many:
            return None
        every = self.by_source.get(src.n, [])
        for part in self._parts() if parts is None else parts:
            if "number" not in asked_kinds(_mentioned_counts(part)):
                continue
            # an exact figure asked is not stated by a rough one: each sentence is read without those
            mine = (
                [replace(s, text=_ROUGH_QUANTITY.sub(" ", s.text)) for s in every]
                if _EXACT_ASKED.search(part)
                else every
            )
            # "how many times faster than X": the times are the answer's form
            asked = focus(_TIMES.sub("", part))
            count_asked = bool(_COUNT_ASKED.search(part))
            counting = self.settings.count_of_what_is_asked and count_asked
            # what a count counts is asked, however generic ("how many problems")
            generic = set() if counting else generic_stems()
            wanted = terms(" ".join(asked)) - generic - _answer_form() - terms(src.title)
            if asked and asked[0].lower() in ("do", "does", "did"):
                # "by how much did the LSTM model trained with K-FAC lower transaction costs ...?": the phrase is
                # the clause's subject, not what is asked; any word of the part may speak of it
                subject = terms(" ".join(asked))
                asked = []
                wanted = terms(part) - generic - _answer_form() - terms(src.title)
                wanted = (wanted - subject) or wanted
            factor = not counting and bool(_FACTOR_ASKED.search(part))
            # "what temperature value ...?": a value is written in digits, beside what it is the value of
            valued = not counting and not factor and bool(_VALUE_ASKED.search(part))
            if factor and (m := _FACTOR_OF.search(part)):
                # "how many times faster in CPU time ...": the factor is one of CPU time, and of speed
                wanted |= (terms(m.group(2) or "") - generic - terms(src.title)) | (
                    _SPEED_WORDS if m.group(1).lower() in ("faster", "slower", "quicker") else set()
                )
            if wanted & _PARAMETER_WORDS and any(
                _PARAMETER_COUNT.search(s.text) and _MODEL_WORD.search(s.text) for s in mine
            ):
                continue  # "how many parameters ...?" of "GPT-2 models of sizes ranging from 125M to 770M"
            if self.settings.unsaid_measure_refusal and not count_asked and not factor:
                # the measure asked is one the paper never says ("by how much does it reduce circuit depth?" of an
                # abstract reporting only "an average decrease of 18.9% in SWAP gate count"): a number is of
                # something else. Its head word is read loosely, by its first five letters ("accurate" says
                # "accuracy")
                body = self._body(src) | _hyphen_terms(src.text)
                for measure in _measures_asked(part, asked):
                    head = terms(measure.split()[-1]) - generic_stems() - _answer_form() - _SPEED_WORDS
                    if head and not any(t[:5] == h[:5] for h in head for t in body):
                        best = max(range(len(every)), key=lambda i: every[i].sim) if every else None
                        if best is not None:
                            return measure, every[best]
            if wanted & _SPEED_WORDS:
                wanted |= _SPEED_WORDS  # "what speed-up ...?" of "SJD accelerates ..."
            # a compound speaks of its parts ("low-rank updates" of the rank)
            pool = [i for i, s in enumerate(mine) if wanted & _hyphen_terms(s.text)]
            what = " ".join(asked) if 0 < len(asked) <= 4 else ""  # "": no short phrase says what is asked
            if not pool:
                # no sentence speaks of it in the question's words, and the abstract states no quantity at all
                # ("What speed-up factor ...?" of an abstract that says only "accelerate")
                if mine and not any(
                    _FACTOR_STATED.search(s.text) if factor else self._counts(s.text) for s in mine
                ):
                    return what, every[max(range(len(mine)), key=lambda i: mine[i].sim)]
                continue
            # a count asked of what the abstract counts only vaguely, wherever it speaks of it ("at a fixed number
            # of sensors", "symbolic forms for a number of commonly used DPA variants", "on several benchmarks"),
            # and counts nowhere: the abstract says there are some, not how many
            # (what is counted is the phrase's last word: "variants" of "how many commonly used DPA variants")
            counted = (terms(asked[-1]) & wanted if asked else set()) or wanted
            vague = [i for i, s in enumerate(mine) if counted & terms(s.text)] if count_asked else []
            if (
                vague
                and all(_vaguely_counted(mine[i].text, counted) for i in vague)
                and not any(self._counted(s.text, wanted) or _glued_number(s.text, wanted) for s in mine)
            ):
                return what, every[max(vague, key=lambda i: mine[i].sim)]
            # the next sentence answers only when it goes on about the same thing ("It reaches 40% ...");
            # "Through extensive evaluation ..., a 7% increase" after one on clusters says no number of clusters.
            # A count asked ("How many coding problems ...?") is answered by a quantity of what it counts ("116
            # Python code completion problems"), not of something else ("across 30 popular LLMs").
            if any(
                (
                    self._counted(mine[j].text, wanted)
                    if counting
                    else bool(_FACTOR_STATED.search(mine[j].text))
                    if factor
                    else self._valued(mine[j].text, wanted)
                    if valued
                    else self._counts(mine[j].text) or (count_asked and self._one_of(mine[j].text, wanted))
                )
                or _glued_number(mine[j].text, wanted)
                for i in pool
                for j in (i, i + 1)
                if j < len(mine) and (j == i or _GOES_ON.match(mine[j].text))
            ):
                continue
            best = max(pool, key=lambda i: (len(wanted & terms(mine[i].text)), mine[i].sim))
            return what, every[best]
        return None

    def unbounded(self, src: SourceLike, parts: Sequence[str] | None = None) -> tuple[str, Sentence] | None:
        """For a question part asking a lower bound ("What lower bound on regret do they prove?"): what it asks
        ("lower bound on regret") and the sentence of ``src`` closest to the question, when no sentence of
        ``src`` states one (says "lower bound", Omega(...), "necessary", "at least", "tight", "optimal" ...), or,
        when the part says what the bound is on and the abstract speaks of that, none that states one says it
        ("a lower bound showing Omega(dM) communication complexity" answers no lower bound on regret). An upper
        bound is not read so: "achieves O(sqrt T) regret" states one without saying "upper". None when no part
        asks a lower bound, or for a list question."""
        if self.many:
            return None
        mine = self.by_source.get(src.n, [])
        if not mine:
            return None
        for part in self._parts() if parts is None else parts:
            m = _LOWER_BOUND_ASKED.search(part)
            if not m:
                continue
            stating = [s for s in mine if _LOWER_BOUND_STATED.search(s.text)]
            on = terms(m.group(1) or "") - generic_stems() - _answer_form()
            held = on & terms(f"{src.title} {src.text}")
            if stating and (
                not held or any(held & _hyphen_terms(s.text) or not _BOUND_ON.search(s.text) for s in stating)
            ):
                continue  # ... or one that says what it is on no more than "a matching lower bound of Omega(d)"
            what = f"lower bound on {m.group(1).strip()}" if held else "lower bound"
            return what, max(mine, key=lambda s: s.sim)
        return None

    def unstated_numbers(self, src: SourceLike) -> tuple[list[str], Sentence] | None:
        """The quantities the question states as conditions of what it asks ("under 4x speed-up", "with 10 images
        per class", "at 500 hPa") that ``src``'s title and abstract never write, in digits or in words, with the
        sentence of ``src`` closest to the question: the abstract reports nothing at that value. Not a name's digits
        ("GPT-4", "CIFAR-10", "pass@1"), nor an example's ("e.g. LLaMA 7B"), nor one in parentheses, nor one given
        roughly ("below 3 bits", "about 7B": :data:`_ROUGHLY`). None when every one is written, or for a list
        question."""
        if self.many:
            return None
        mine = self.by_source.get(src.n, [])
        if not mine:
            return None
        asked = _ROUGHLY.sub(" ", _EXAMPLE_ASIDE.sub(" ", _ASIDE.sub(" ", self.asked.text)))
        whole = _THOUSANDS.sub("", f"{src.title}. {src.text}")  # "1,000" writes 1000
        written = {float(n) for n in numbers(whole)} | {
            float(_CARDINAL_VALUES[w.lower()]) for w in words(whole) if w.lower() in _CARDINAL_VALUES
        }
        unstated = [
            q
            for q in sorted(quantities(asked))
            if not _A_YEAR.fullmatch(q) and not {float(n) for n in numbers(q)} <= written
        ]
        if not unstated:
            return None
        return unstated, max(mine, key=lambda s: s.sim)

    def _new_measures(self, text: str) -> set[str]:
        """The measures ``text`` names (:func:`_measures`) that the question doesn't, but the words for any measure
        ("metric", "score", "measured")."""
        return _measures(text) - self.q_terms - _MEASURE_WORDS

    def _counts(self, text: str) -> bool:
        """Whether ``text`` states a quantity the question doesn't, in digits or in words ("two datasets",
        "a single sample", "exponentially faster", "orders of magnitude") or a bound ("O(log n) samples") or
        a product of variables ("T times J neurons")."""
        return (
            self._new_quantity(text)
            or any(w.lower() in _NUMBER_WORDS and w.lower() not in self._question_words for w in words(text))
            or bool(
                _RATE_WORDS.search(text)
                or BIG_O.search(text)
                or _SYMBOLIC_PRODUCT.search(text)
                or _SYMBOLIC_FRACTION.search(text)
            )
            or self._times(text)
        )

    @staticmethod
    def _one_of(text: str, wanted: set[str]) -> bool:
        """Whether ``text`` counts one of something ``wanted`` names: "only one expert demonstration" (within the
        three words after "only / just / exactly one"; not "only one of the tested domains")."""
        for m in _ONLY_ONE.finditer(text):
            after = text[m.end() :].split()[:3]
            if after and after[0].lower() != "of" and wanted & terms(" ".join(after)):
                return True
        return False

    def _valued(self, text: str, wanted: set[str]) -> bool:
        """Whether ``text`` states a value in digits, one the question doesn't, within four words of a word of
        ``wanted`` ("a temperature of 0.07", "tau = 0.5"); "a good choice of temperature can compromise these two
        properties" states none."""
        tokens = words(text)
        known = numbers(self.question)
        at = [i for i, w in enumerate(tokens) if wanted & terms(w)]
        return any(
            abs(i - j) <= 4 and bool(numbers(w) - known)
            for j, w in enumerate(tokens)
            if any(c.isdigit() for c in w)
            for i in at
        )

    def _counted(self, text: str, wanted: set[str]) -> bool:
        """Whether ``text`` states a quantity of something ``wanted`` names, in digits or in words, within the four
        words after it, up to a preposition or a conjunction ("116 Python code completion problems" counts problems; "30 popular LLMs" doesn't)."""
        spans = quantity_spans(text) if self._new_quantity(text) else []
        for start, _ in spans:
            # "atomic instructions (<100)": a quantity in parentheses after what it counts
            before = re.match(r"(.*?)\(\s*[<>~\u2248]?\s*$", text[:start], re.S)
            if before:
                words_before = before.group(1).split()[-3:]
                while words_before and words_before[0].lower() in _PHRASE_ENDS:
                    words_before.pop(0)
                if wanted & terms(" ".join(words_before)):
                    return True
        ends = [end for _, end in spans]
        ends += [
            m.end()
            for m in _WORD.finditer(text)
            if m.group(0).lower() in _NUMBER_WORDS and m.group(0).lower() not in self._question_words
        ]
        ends += [m.end() for m in (*BIG_O.finditer(text), *_RATE_WORDS.finditer(text))]  # "O(log n) samples"
        ends += [m.end() for m in _ONLY_ONE.finditer(text)]
        ends += [m.end() for m in _SYMBOLIC_PRODUCT.finditer(text)]  # "T times J neurons"
        for end in ends:
            # the phrase it counts ends at a preposition or a conjunction ("two subsets of our problem set")
            after = " ".join(
                itertools.takewhile(lambda w: w.lower() not in _PHRASE_ENDS, text[end:].split()[:4])
            )
            if wanted & _hyphen_terms(after):
                return True
        return False

    def _times(self, text: str) -> bool:
        """Whether ``text`` answers in words a question asking how long ("from minutes to milliseconds")."""
        return self._asks_time and bool(TIME_SCALE.search(text))

    @cached_property
    def _asks_time(self) -> bool:
        """Whether the question asks how long (read once, not per sentence)."""
        return bool(TIME_ASKED.search(self.asked.text))

    @cached_property
    def _question_words(self) -> frozenset[str]:
        return frozenset(w.lower() for w in words(self.question))

    def _new_quantity(self, text: str) -> bool:
        """Whether ``text`` states a quantity the question doesn't ("87.2%" of "... beyond 80%?" is; "80%" isn't)."""
        known = numbers(self.question)
        return any(re.sub(r"[^\d.]", "", q) not in known for q in quantities(text))

    def _part_answer_missing(self, src: SourceLike, question: str, known_names: set[str]) -> float:
        asked_number = "number" in asked_kinds(question)
        asked_name = asks_name(question)
        if not (asked_number or asked_name):
            return 0.0
        mine = self.by_source.get(src.n, [])
        if asked_name and _BASELINE_ASKED.search(question):
            # "which baseline did they compare against?": a rival is named where a sentence compares ("outperforms
            # Mask R-CNN by 18.8%"), whatever word it uses for it
            for s in mine:
                if (m := _COMPARES.search(s.text)) and self.states_near(
                    s.text[m.start() :], set(), number=False, name=True, known_names=known_names
                ):
                    return 0.0
        if asked_name and _METRIC_ASKED.search(question) and any(self._new_measures(s.text) for s in mine):
            return 0.0  # "which metric ...?" is answered by a metric's name, in lower case too ("registration recall")
        asked = focus(question)
        wanted = _hyphen_terms(" ".join(asked)) - generic_stems() - _answer_form()
        # "what does it score on miniF2F-test?": no noun says what is measured (the paper itself is the subject),
        # so the name it is measured on does
        pronoun = (
            len(asked) > 1 and asked[0].lower() in ("do", "does", "did") and asked[1].lower() in _PRONOUNS
        )
        if asked_number and (not asked or pronoun) and self._number_where_asked(src, question):
            return 0.0
        if not wanted:
            pool = self.top(self.settings.answer_check_sentences, source=src.n)
        else:
            # a compound speaks of its parts ("the recently-proposed monotone DEQ" of "which recently proposed
            # model"), and the question's compounds are spoken of by theirs ("edit-sequence models" of "models
            # finetuned on synthetic edit sequences")
            pool = [s for s in self.by_source.get(src.n, []) if wanted & _hyphen_terms(s.text)]
            if not pool:
                # "which language ...?" of "a Python interface": a well-known thing of the kind asked answers it
                # though the abstract never says the kind's word
                # (the kind's own word counts here: "on GPUs" says what is asked of, as the fitted weights read it)
                if _instance_named(wanted, mine, own_word=True):
                    return 0.0
                # "which datasets ...?" of "experiments on DTU, Tanks & Temples and ETH3D": data named without a
                # data word (as the unnamed check reads it)
                data = wanted & _DATA_WORDS and any(self._evaluated_on(s.text, known_names) for s in mine)
                return 0.0 if data else 1.0
        for s in pool:
            if self.states_near(
                s.text, wanted, number=asked_number, name=asked_name, known_names=known_names
            ):
                return 0.0
        return 0.5

    def _number_where_asked(self, src: SourceLike, part: str) -> bool:
        """Whether ``src`` states a new number beside a name the ``part`` asks it on ("what does it score on
        miniF2F-test?": "achieves a pass of 68.4% on the miniF2F-test"), whatever word it uses for the measure; not
        a name of the title's or a generic one."""
        title = terms(src.title)
        placed = {
            t
            for w in words(part)
            if NAME_LIKE.match(w) and not is_generic(w)
            for t in _hyphen_terms(w)
            if t not in title and t not in generic_stems()
        }
        return bool(placed) and any(
            placed & _hyphen_terms(s.text) and self.states_near(s.text, placed, number=True)
            for s in self.by_source.get(src.n, [])
        )

    def states_near(
        self,
        text: str,
        wanted: set[str],
        *,
        number: bool,
        name: bool = False,
        known_names: set[str] | None = None,
        loose: bool = False,
        eponyms: bool = True,
    ) -> bool:
        """Whether ``text`` has a new number (``number``) or name (``name``), one the question doesn't already
        state, within ``answer_window`` words of a word whose stem is in ``wanted`` (anywhere when it's empty).
        Without ``eponyms``, a person's name made a method's or an adjective (:func:`_eponym`: "Bayesian",
        "Thompson sampling") is no name: it names no dataset, simulator or hardware ("a simulation ... including
        Bayesian Optimization")."""
        known_numbers = numbers(self.question)
        known = (
            known_names if known_names is not None else {m.lower() for m in NAME_TOKEN.findall(self.question)}
        )
        # a URL's path is no answer ("github.com/ZJU-CTAG/B4")
        # a sentence glued to the one before it ("... of the model.Extensive experiments ...") starts anew
        tokens: list[str] = []
        starts: set[int] = set()
        for piece in _GLUED_STOP.split(_URL.sub(" ", text)):
            starts.add(len(tokens))
            tokens += words(piece)
        at = [i for i, w in enumerate(tokens) if stem(w) in wanted] if wanted else list(range(len(tokens)))
        window = self.settings.answer_window
        for j, w in enumerate(tokens):
            # a count in words is a number too ("nine models", "hundreds of CPUs")
            states_number = number and (
                bool(numbers(w) - known_numbers)
                or (w.lower() in _CARDINALS and w.lower() not in self._question_words)
                or _symbolic_product(tokens, j)
            )
            # a capitalised word inside a sentence names something too ("in Python", "on Spanish TV"); a plain
            # word capitalised only because it starts the sentence names nothing ("Real-world data ...")
            plain_start = j in starts and w[1:].replace("-", "").isalpha() and w[1:].islower()
            states_name = (
                name
                and not plain_start
                and (
                    new_name(w, known)
                    or (j not in starts and capitalised_word(w) and w.lower() not in known)
                    or (loose and bool(_CAMEL.fullmatch(w)) and w.lower() not in known)
                )
                # a capitalised word the question says, in a run that goes on to a lower-case noun, names nothing
                # new ("the Hyperparameter Tuning phase" of a question about "separate tuning and evaluation
                # phases"; "on Natural Questions" still names a dataset)
                and not (_TITLE_WORD.fullmatch(w) and stem(w) in self.q_terms and _titled_modifier(tokens, j))
                # checked last: only a word that would name something is read against its neighbours
                and (eponyms or not _eponym(w, tokens[j - 1 : j], tokens[j + 1 : j + 2]))
            )
            if (states_number or states_name) and any(abs(i - j) <= window for i in at):
                return True
        return False

    def rarities(self, stems: set[str]) -> dict[str, float]:
        """Each stem's rarity in the collection (:data:`Rarity`), cached per set of stems. A compound of the question
        ending in a lower-case word that no abstract writes, joined or hyphenated ("skill-specific", "GNN-learned"),
        is as rare as its rarest part: its words are the collection's though the compound isn't. Not a name
        ("OR-Tools", "GPT-5", "CIFAR-100"): a name no abstract writes is no "tools" nor "GPT" the collection holds."""
        key = frozenset(stems)
        if key not in self._rarity_cache:
            out = self.rarity(set(stems)) if stems else {}
            unwritten = {s: self._compounds[s] for s in out if out[s] >= 1.0 and self._compounds.get(s)}
            if unwritten:
                parts = self.rarity({p for ps in unwritten.values() for p in ps})
                out = {**out, **{s: max(parts[p] for p in ps) for s, ps in unwritten.items()}}
            self._rarity_cache[key] = out
        return self._rarity_cache[key]

    @cached_property
    def _compounds(self) -> dict[str, list[str]]:
        """The question's hyphenated words that end in a lower-case word, without digits: {stem: the stems of its
        parts, function words aside}."""
        return {
            stem(w): compound_parts(w)
            for w in words(self.question)
            if "-" in w
            and w.split("-")[-1].islower()
            and w.replace("-", "").isalpha()
            # a phrase joined by a function word is a term of its own ("text-to-speech", "in-context"), missing
            # where no abstract writes it
            and not any(part.lower() in function_words() for part in w.split("-"))
        }

    @cached_property
    def _source_texts(self) -> list[str]:
        """Each source's title and text, as the name checks read them."""
        return [f"{s.title}. {s.text}" for s in self.sources]

    @cached_property
    def unknown_names(self) -> list[str]:
        """Name-like words of the question that no abstract in the collection contains: the index holds no stem of
        them, and no retrieved paper says them in another written form (:func:`rag.question.says_name`: "GRUs" by "the
        Gated Recurrent Unit", "DPO-style" by "DPO")."""
        unknown = [w for w in self.question_names if self.rarities({stem(w)}).get(stem(w), 0.0) >= 1.0]
        if not unknown:
            return unknown
        texts = self._source_texts
        return [w for w in unknown if not any(says_name(t, LOWER_TAIL.sub("", w) or w) for t in texts)]

    @cached_property
    def unsaid_names(self) -> list[str]:
        """The question's names that no title or abstract says: :attr:`unknown_names` (the index holds no stem of
        them) and capitalised words inside a sentence the index lacks ("compare Mamba with ..."), checked as written
        with ``said`` (case aside: "Claude-3.5-Sonnet", "GRUs" are said where the index's stems miss them). A
        compound with words in lower case is read as its leading name ("NPO" of "NPO-based"; "ML-prediction-
        augmented" is "ML"). What an answer or refusal tells the reader the collection lacks; the gate's feature
        (``unknown_name``) reads :attr:`unknown_names`, the index's stems less what a retrieved paper says."""
        capitalised = [
            w
            for sentence in _SENTENCE_START.split(self.question)
            for i, w in enumerate(words(sentence))
            if i > 0 and capitalised_word(w) and self.rarities({stem(w)}).get(stem(w), 0.0) >= 1.0
        ]
        names = []
        for name in [*self.unknown_names, *capitalised]:
            head = LOWER_TAIL.sub("", name)
            if head and (NAME_LIKE.match(head) or capitalised_word(head)) and head not in names:
                names.append(head)
        if self.said is None:
            return names
        return [name for name in names if not self.said(name)]

    @cached_property
    def unsaid_anywhere(self) -> list[str]:
        """:attr:`unsaid_names` that no retrieved paper says in a form a reader would take for them either: glued to
        the number the question writes before it ("3DGS", which the question's words split as "3", "DGS"), an
        acronym spelled out in lower case ("SPD" by "symmetric, positive-definite"), or a camel-case name written as
        words ("LayerNorm" by "layer normalization"). What an answer's heading and a refusal say the collection
        lacks."""
        texts = self._source_texts
        out = []
        for name in self.unsaid_names:
            glued = re.search(rf"\b(\d+{re.escape(name)})\b", self.question)
            if glued and any(glued.group(1).lower() in t.lower() for t in texts):
                continue
            # a size, not a name: "64x64" is said as "64 x 64", "64×64" or "64times 64" (a dropped LaTeX \times)
            size = re.fullmatch(r"(\d+)[x×](\d+)", glued.group(1)) if glued else None
            if size:
                said = rf"(?<![\d.]){size[1]}\s*(?:[x×]|\\?times|by)\s*{size[2]}(?!\d)"
                if not any(re.search(said, t) for t in texts):
                    out.append(size[0])  # "No abstract mentions "512x512"", not "x512"
                continue
            acronym = _ACRONYM_NAME.fullmatch(name)
            if acronym and any(spells_out(t, acronym.group(1), loose=True) for t in texts):
                continue
            # a part of a name written together ("Verilog" of "two VerilogEval evaluation datasets")
            if any(name.lower() == p.lower() for t in texts for p in _camel_parts(t)):
                continue
            if any(_spells_camel(t, name) for t in texts):
                continue
            out.append(name)
        return out

    @cached_property
    def unsaid_refused(self) -> list[str]:
        """The names of :attr:`unsaid_anywhere` a refusal may rest on: written as a name is ("CTGAN", "NBA",
        "LiveCodeBench"; not a capitalised word such as a place or a person the question mentions in passing, "for
        my Kaggle project"), and no mistyping of a word of the retrieved papers ("FlashAtention": one letter off, the
        same digits, six letters or more; "HumanEvalX" is not refused for "HumanEval", but its heading still says
        no abstract mentions it)."""
        texts = self._source_texts
        vocabulary = {w.lower() for t in texts for w in words(t) if len(w) > 5}
        out = []
        for name in self.unsaid_anywhere:
            if not NAME_LIKE.match(name):
                continue
            digits = re.findall(r"\d+", name)
            close = (
                difflib.get_close_matches(name.lower(), vocabulary, n=3, cutoff=0.88) if len(name) > 5 else []
            )
            if any(re.findall(r"\d+", c) == digits for c in close):
                continue
            out.append(name)
        return out

    def paper_sim(self, src: SourceLike) -> float:
        """Cosine of the question to ``src``'s title and abstract as a whole: a paper described in other words
        ("point-set networks that need no special layers to ignore turning ...") is close as a whole though no one
        sentence is; a topic the collection lacks is not."""
        return float(self.vector(self.question) @ self.vector(f"{src.title}. {src.text}"))

    def described(self, features: dict[str, float]) -> bool:
        """Whether the question describes one paper in its own words: close to its abstract as a whole
        (``paper_sim`` at least ``Settings.evidence.whole_paper_sim``) and asking for nothing the paper lacks (no
        detail kind, name or answer missing, no name unknown to the collection, nor, with
        ``Settings.evidence.described_needs_words``, a word no abstract says in any form: :attr:`unsaid_anywhere`).
        Such a question shares few of the paper's rare words, which the fitted model counts against it. A list
        question is never one."""
        if self.many:
            return False
        if self.settings.described_needs_words and self.unsaid_anywhere:
            return False  # a word no abstract says in any form ("nowcasting") is what the collection lacks
        return features.get("paper_sim", 0.0) >= self.settings.whole_paper_sim and not any(
            features.get(name, 0.0)
            for name in ("kind_missing", "answer_missing", "name_missing", "unknown_name")
        )

    def probability(self, features: dict[str, float]) -> float:
        """P(answerable) under the fitted logistic model of ``Settings.evidence`` (gate_weights, gate_bias)."""
        cfg = self.settings
        z = cfg.gate_bias + sum(cfg.gate_weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def gate(
        self, *, threshold: float | None = None, scoped: bool = False, names_asked: bool = True
    ) -> Verdict:
        """Whether the sources answer the question; when not, the refusal says what the collection does hold.

        The decision is the fitted model's P(answerable) against ``threshold`` (default
        ``Settings.evidence.gate_threshold``), for the best sentence's paper and for a paper the question names,
        whichever is likelier. ``scoped``: the user limited the search to these papers, so a refusal is about them.
        ``names_asked``: with ``Settings.evidence.unnamed_refusal``, a question asking which thing is refused when
        the paper speaks of that thing without naming it (:meth:`unnamed`), and with
        ``Settings.evidence.unreported_refusal`` a number asked under a condition the paper names but states no
        number beside (:meth:`unreported`); never for a chat model, which reads the abstract itself. With
        ``Settings.evidence.named_lacks_kind_refusal``, a question that names its paper (:meth:`names` 1.0) and asks a
        kind of detail it never states (the ``kind_missing`` feature) is refused whatever the model says.
        """
        cfg = self.settings
        if not self.sources:
            return Verdict(False, "empty", f"{REFUSAL} The collection has no papers matching the question.")
        lead = self.lead()
        assert lead is not None
        candidates = [lead]
        named = max(self.sources, key=self.names)
        if named is not lead and self.names(named) >= cfg.names_paper:
            candidates.append(named)
        first = self.sources[0]
        if (
            cfg.gate_first_hit
            and not self.many
            and first not in candidates
            and _DEFINITE_PAPER.search(self.question)
            and self.paper_sim(first) > self.paper_sim(lead)
        ):
            # the paper retrieval ranks first, for a question about one paper it describes ("That paper on ...",
            # "the domain generalization paper built around ...") and closer to it as a whole than to the best
            # sentence's paper: described in the question's own words, though another paper's sentence is closer
            # to the detail it asks ("That paper on globally optimizing two-layer ReLU nets ..., how does the time
            # cost of each ADMM iteration scale?"); not "Is there work on X?", whose first hit only shares words
            candidates.append(first)
        claimed = self.claimed()
        if claimed and lead not in claimed:
            # the question names a paper's own method ("What FLOPs reduction does OTOv3 ...?") and the best
            # sentence's paper never says that name: that paper can't answer for it
            candidates = claimed
        titled = [] if self.many else [src for src in self.sources if says_title(self.question, src.title)]
        if len(titled) == 1 and all(src in titled for src in claimed):
            # the question says one paper's whole title (and names no other's method): it asks about that paper,
            # whatever another one says
            candidates = titled
        scored: list[tuple[float, int, SourceLike, dict[str, float]]] = []
        # "X or Y": a paper answers when it matches either alternative, so each is read on its own too
        readings: list[set[str] | None] = [None, *alternatives(self.question)]
        for src in candidates:
            for wanted in readings:
                feats = self.features(src, wanted)
                scored.append((self.probability(feats), -len(scored), src, feats))
        p, _, top, feats = max(scored, key=lambda row: (row[0], row[1]))
        limit = cfg.gate_threshold if threshold is None else threshold
        # a name the question asks about that no abstract says in any form ("CTGAN" of a paper on "various DGMs",
        # "NBA" of a soccer-betting paper): the nearest sentences can't answer for it, however close they are
        lacks_name = names_asked and cfg.unsaid_refusal and not self.many and bool(self.unsaid_refused)
        # the question names its paper and asks a kind of detail that paper never states ("which games are used in
        # the experiments?" of a theory paper named by its title): no other paper answers for it
        lacks_kind = (
            names_asked
            and cfg.named_lacks_kind_refusal
            and not self.many
            and bool(feats["kind_missing"])
            and feats["named"] >= 1.0
        )
        if p >= limit and not lacks_name and not lacks_kind:
            # the paper is there and passes the gate, but says nothing that answers; the first check that finds so
            # decides (extractive only: a chat model reads the abstract itself)
            checks = self._detail_checks() if names_asked else []
            found = next(
                ((check, result) for check in checks if (result := check.check(top)) is not None), None
            )
            if found is None:
                return Verdict(True, paper=top.n, probability=p, features=feats)
            check, (what, closest) = found
            where = (
                f'The abstract of "{top.title}"'
                if scoped
                else f'The collection has "{top.title}", but its abstract'
            )
            lacks = check.lacks(what, closest)
            message = f"{REFUSAL} {where} {lacks}" + (
                f'; the closest it comes: "{closest.text}"' if closest else "."
            )
            part = self.unanswered_part(top)
            return Verdict(False, "detail", message, paper=top.n, probability=p, features=feats, part=part)
        feats = {**feats, "paper_sim": self.paper_sim(top)}
        if not lacks_name and self.described(feats):
            return Verdict(True, paper=top.n, probability=p, features=feats)
        # a refusal speaks of the paper the question names, when it names one, not of a likelier other paper
        # (by the name its abstract gives its method, or by its title's name: sharing title words is weaker)
        subjects = [row for row in scored if row[2] in claimed or self.names(row[2]) >= 1.0]
        if subjects and top not in [row[2] for row in subjects]:
            _, _, top, feats = max(subjects, key=lambda row: (self.names(row[2]), row[0], row[1]))
        specific = self.q_terms - generic_stems()
        held = terms(f"{top.title} {top.text}")
        absent = specific - held
        rarity = self.rarities(specific)
        # what the question asks about first ("GPU" of "What GPU was X run on?", not the verb "run"), then the
        # rarest; among equally rare terms, in the question's order (a set's order changes from run to run)
        asked = words(self.question)
        stems = [stem(w) for w in asked]
        asked_about = terms(" ".join(focus(self.question)))
        ordered = sorted(
            absent, key=lambda t: (-rarity.get(t, 0.0), stems.index(t) if t in stems else len(stems))
        )
        ordered = [t for t in ordered if t in asked_about] or ordered
        # the first half of "node- and graph-classification" is "node", said when the abstract lacks it; the words
        # that only ask ("looking" of "I'm looking for ...") or join ("via") are no topic the abstract lacks
        asking = {stem(w) for w in _NOT_LACKED} | {stem(m[1]) for m in _LOOKING_FOR.finditer(self.question)}
        shown = [
            t for t in ordered if t not in asking and not (t.endswith("-") and stem(t.rstrip("-")) in held)
        ]
        # a name keeps its form ("GPT-4", "GPU"); a plain word is said in lower case
        missing = list(
            dict.fromkeys(
                (w if re.search(r"[A-Z0-9]", w[1:]) else w.lower()).rstrip("-")
                for t in shown[:3]
                for w, st in zip(asked, stems, strict=True)
                if st == t
            )
        )
        # a quantity asked in a unit the abstract never states it in is what it lacks, said by its name ("frame
        # rate", not the words of "frames per second" it happens not to hold)
        units = unstated_units(self.asked.text, f"{top.title}. {top.text}")
        # "the paper is there, the detail isn't": the question names it (by its title or by a name its abstract
        # gives its method: "GraNet"), or describes it (close to its abstract as a whole: "the active-search paper
        # on rare traffic signs", which is no paper "about other topics"), or its sentences are close and every term
        # of the question is somewhere in the collection (a word no abstract holds is a topic the collection lacks)
        about_paper = (
            scoped
            or (lacks_name and p >= limit)
            or feats["named"] >= cfg.names_paper
            or any(mentions(self.question, name) for name in distinct_names(own_names(top.title, top.text)))
            or feats.get("paper_sim", 0.0) >= cfg.whole_paper_sim
            or (feats["lead_sim"] >= cfg.confident_sim and feats["collection_cover"] >= 1.0)
        )
        verdict = Verdict(
            False,
            "detail" if about_paper else "topic",
            paper=top.n,
            missing=units or missing,
            probability=p,
            features=feats,
        )
        unknown = self.unsaid_anywhere
        verdict.absent = list(unknown)
        # a name no abstract says is the collection's gap, not only this paper's ("AlphaFold" of a docking paper)
        nowhere = f" {absent_sentence(unknown)}." if unknown else ""
        if about_paper:
            unstated = ", ".join(missing) or "that detail"
            where = (
                f'The abstract of "{top.title}" does not state this'
                if scoped
                else f'The collection has "{top.title}", but its abstract does not state this'
            )
            kinds = [_KIND_SAID.get(k, k) for k in self.missing_kinds(top)] if lacks_kind else []
            if units:
                lacks = f"it states no {' or '.join(units)}"
            elif kinds:
                lacks = f"it reports no {' or '.join(kinds)}"
            else:
                lacks = f"nothing about: {unstated}"
            verdict.message = f"{REFUSAL} {where} ({lacks}).{nowhere}"
        else:
            near = "; ".join(f'"{s.title}"' for s in self.sources[:3])
            verdict.message = (
                f"{REFUSAL}{nowhere} The closest papers in the collection are about other topics: {near}."
            )
        return verdict

    # ------------------------------------------------------------------ support and highlighting

    def support(self, claim: str, among: Iterable[int] | None = None) -> tuple[int | None, float]:
        """The source (of ``among``, default all) whose sentences best support ``claim``, and the support score.

        Supported means: a sentence at least ``support_sim`` similar, or sharing ``support_overlap`` of the claim's
        content terms while at least ``support_min_sim`` similar; and every number the claim states is in that
        sentence. None when no source supports it.
        """
        claim = claim.strip()
        allowed = set(among) if among is not None else set(self.by_source)
        pool = [s for n in allowed for s in self.by_source.get(n, [])]
        if not claim or not pool:
            return None, 0.0
        self._embed([claim])
        cvec = self._vectors[claim]
        cfg = self.settings
        c_terms = terms(claim)
        c_numbers = numbers(claim)
        best_n, best = None, 0.0
        for s in pool:
            if c_numbers and not c_numbers <= numbers(s.text):
                continue  # a number the source sentence doesn't state is not supported by it
            sim = float(self._vectors[s.text] @ cvec)
            lex = coverage(c_terms, s.text)
            supported = sim >= cfg.support_sim or (lex >= cfg.support_overlap and sim >= cfg.support_min_sim)
            if supported and sim + lex > best:
                best_n, best = s.source, sim + lex
        return best_n, best

    def highlight(self, n: int, claim: str) -> str:
        """The sentence of source ``n`` closest to ``claim`` ("" when the source has none)."""
        pool = self.by_source.get(n, [])
        claim = claim.strip()
        if not pool or not claim:
            return ""
        self._embed([claim])
        cvec = self._vectors[claim]
        return max(pool, key=lambda s: float(self._vectors[s.text] @ cvec)).text
