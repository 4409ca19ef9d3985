"""What a question asks for, from its wording alone: its parts, the kinds of detail it wants, and its intent.

One :func:`analyze` per question, used by the evidence gate (is the kind of detail asked for in the paper at all?)
and by answer composition (one sentence per part; a number for "how much" parts; the paper named first for
"which paper" questions; a summary for "summarize X"; stored metadata for "when was X published").

* **parts**: "Which benchmark does X introduce, how many problems does it have and what does GPT-4 score?" has three
  parts; each is answered from its own best sentence.
* **asks**: detail kinds (:data:`DETAIL_KINDS`): ``number``, ``hardware``, ``license``, ``parameters``, ``code``,
  ``duration``, ``experiments``, ``hyperparameters``. Each has a cue in questions and a cue in abstracts
  (:func:`states`): a question asking which GPU was used is not answered by an abstract that never names hardware,
  nor one asking the learning rate by an abstract that never names a training setting.
* **intent**: ``fact`` (default), ``summary`` ("summarize X", "tl;dr", "what is X about?"), or ``metadata`` (dates,
  authors, sources; answered from the stored metadata, not the abstract).

Deliberately not here: embeddings, retrieval or settings; every rule is a regular expression over the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from rag.text import (
    NOT_AN_ABBREVIATION,
    capitalised_word,
    function_words,
    generic_stems,
    stopwords,
    terms,
    uncontract,
    words,
)

_I = re.IGNORECASE

# Words a question part starts with ("..., how many problems does it have and what does GPT-4 score?").
_WH = (
    r"(?:what|which|who|whom|whose|when|where|why|how|does|do|did|is|are|was|were|can|could|"
    r"(?:in|on|for|with|from|at|against|over|under|to|as|into|through|via|across|within|among|between|aboard|onto|"
    r"upon|beyond|inside|using|up to|down to|according to|relative to|compared (?:to|with)) "
    r"(?:what|which|how many|how much)|by what|by how (?:much|many)|roughly how|approximately how)"
)
# A part of a question that asks something: a question word, or a verb it opens with ("In 'The simple essence of
# AD'" asks nothing).
_ASKS = re.compile(rf"\b(?:what|which|who|whom|whose|when|where|why|how)\b|^\s*{_WH}\b", _I)
# (and at a sentence's end before a question word: "I remember a paper on X, spatial reasoning etc. how many models
# ...?" says which paper in one sentence and asks in the next; not after "e.g." or "vs.")
_PART_SPLIT = re.compile(
    rf"\s*(?:[;?]|,\s*(?:and\s+|or\s+)?(?={_WH}\b)|\s+and\s+(?={_WH}\b)"
    rf"|(?:{NOT_AN_ABBREVIATION}\.|!)\s+(?={_WH}\b))\s*",
    _I,
)

# The verbs a question's phrase of what it asks ends at ("Which model *does* ...", "how many problems *are* ...").
_AUXILIARY = "does|do|did|is|are|was|were|has|have|had|can|could|would|will|should"

# Nouns of a quantity: "what <noun>" asks a number ("What rank ...", "At what carrier frequency ..."). Not "steps"
# ("Which steps ...?" asks what is done), nor "value" alone ("What value does it add?"), nor "factors", nor "cost"
# or "memory", which are as often a kind ("which extra cost ... does it minimize?"), nor "sizes", which a model's
# parameters answer (the "parameters" kind).
_QUANTITY_NOUN = (
    r"(?:ranks?|dimensions?|dimensionality|frequency|frequencies|wavelengths?|temperatures?|resolutions?|depth|"
    r"width|(?:context |sequence |window )?lengths?|thresholds?|budgets?|durations?|time|epochs|horizon|"
    r"bit-?widths?|bits|step sizes?|batch sizes?|radius|distances?|energy|speed|proportion|magnitude|"
    r"amounts?|values? of|\S+ values?|counts?|(?:\w+ )?number|capacity|price|bandwidth|"
    # a factor of something that scales ("what acceleration factor", not "what factors explain ...")
    r"(?:acceleration|speed-?up|compression|scaling|approximation|reduction|expansion|undersampling|"
    r"downsampling|upsampling|growth|slowdown|constant) factors?)"
    # the noun is the phrase's head: a verb, a preposition or the end follows ("Which cost function ..." asks a
    # function)
    rf"(?=\s*[?,.;:]|\s*$|\s+(?:{_AUXILIARY}|of|for|in|on|"
    r"at|to|with|from|they|it|its|their|the|this|that|reached?|achieved?|used?|uses|gives?|needed|required|"
    r"recommended|set|chosen)\b)"
)

# A digit that starts a number; one inside a name ("miniF2F", "GPT-4", "L_2", "LLaMA-2") starts none.
_DIGIT = r"(?<![\w-])\d"
# A quantity in digits or words, for a unit's word to be near ("memory ... by 3x", "40% less memory", "linear
# memory", "reduced to one third"); a count of something else in words ("two sources of energy bloat") is none.
_QUANTITY = (
    rf"(?:{_DIGIT}|\b(?:twice|half|halv\w*|double[sd]?|(?:one|a|two) thirds?|quarter|linear|constant|sublinear|"
    r"quadratic|logarithmic|hundreds?|thousands?|millions?|billions?|orders? of magnitude|fraction|factor of|"
    r"(?:two|three|four|five|six|eight|ten|many|several|multi)-?fold|(?:two|three|four|five|six|eight|ten) times)\b)"
)


def _beside(word: str, span: int = 10) -> str:
    """A pattern for a quantity within ``span`` words of ``word`` (a pattern), before or after it, in one clause (the
    gap crosses no full stop or semicolon: "... memory overhead. On language modeling with GPT-2" states none)."""
    gap = rf"(?:[^\w.;]+\w+){{0,{span}}}?[^\w.;]+"
    return rf"\b{word}\b{gap}{_QUANTITY}|{_QUANTITY}\S*{gap}{word}\b"


# "How much / by how much / by what factor ... <word>" asking an amount of it: the word within three words, no verb
# between ("How much GPU memory does it need?"), or after a verb of using or saving ("How much does LoRA reduce GPU
# memory?"); "How much does episodic memory help?" asks how much it helps.
def _amount_of(word: str) -> str:
    return (
        rf"\b(?:how much|by how much|by what factor)(?:\s+(?!(?:{_AUXILIARY})\b)\S+){{0,3}}?\s+{word}\b(?!-)"
        rf"|\b(?:how much|by how much|by what factor)\s+(?:{_AUXILIARY})\s+(?:\S+\s+){{0,4}}?"
        rf"(?:save|reduce|cut|use|need|require|consume|lower|shrink|decrease|take)\w*\s+(?:\S+\s+){{0,2}}?{word}\b(?!-)"
    )


# "what <word> <amount> ..." asking one ("What memory overhead ...?", "What's the peak GPU memory usage?"); "What memory
# mechanism ...?", "What energy function ...?" and "What memory reduction technique ...?" ask none.
_WHAT = r"\bwhat(?:'s|\u2019s| is| was| are| were)?\s+(?:the\s+|its\s+|their\s+)?(?:\S+\s+){0,3}?"
_AMOUNT = (
    r"(?:footprint|usage|use|overhead|consumption|cost|requirements?|savings?|reduction|budget|efficiency)\b"
    r"(?!\s+(?:techniques?|methods?|patterns?|models?|functions?|metrics?|schemes?|strateg(?:y|ies)|approach(?:es)?|"
    r"mechanisms?)\b)"
)

# Quantities with a unit of their own, one by one: what a question asks (first) and what an abstract stating it says
# (second): the unit ("27GB", "a 48-GB GPU", "30fps", "2.4 GHz", "300B tokens", "1.2 mW") or a quantity beside the
# quantity's word. A checked list (a review's probes: "30fps", "60 frames/s", "a 2T-token corpus", "5 pJ", "reduced to
# one third") is in tests/rag/test_question.py.
_UNITS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    unit: (re.compile(asked, _I), re.compile(said))
    for unit, asked, said in (
        (
            "memory figure",
            # asked as a quantity, not only mentioned ("On which GPU did it show its memory savings?" asks a GPU)
            rf"{_amount_of('(?:memory|vram|ram)')}|{_WHAT}(?:memory|vram|ram) {_AMOUNT}"
            r"|\bhow many (?:[KMGT]i?B|gigabytes|megabytes)\b",
            r"\d\s?-?(?:[KMGT]i?B|bytes?)\b|(?i:\b(?:giga|mega|tera|kilo)bytes?\b)"
            rf"|(?i:{_beside('(?:memory|vram|ram)')})",
        ),
        (
            "frame rate",
            r"\bhow many (?:\S+ )?(?:fps|frames? per second)\b|\bat what (?:\S+ )?(?:fps|frame[- ]rate)\b"
            rf"|{_WHAT}(?:fps|frame[- ]rate|frames? per second)\b|\bhow (?:high|fast) is (?:the |its )?frame[- ]rate\b",
            r"(?i:\d\s?-?(?:fps|frames?\s*(?:per|/)\s*s(?:ec(?:ond)?)?)\b)|\d\s?-?Hz\b"
            rf"|(?i:{_beside('(?:fps|frame[- ]rates?|frames? per second)')})",
        ),
        (
            # a physical frequency ("What carrier frequency ...?"), not how often something is done ("At what
            # frequency should the Hessian be updated?") nor a "frequency-domain loss"
            "frequency",
            r"\b(?:what|which)\b(?:\s+[\w-]+){0,3}?\s+(?:carrier|operating|clock|sampling|cent(?:re|er)|cut-?off|"
            r"resonant|resonance|radio|transmit|transmission)\s+frequenc(?:y|ies)\b(?!-)",
            r"\d\s?-?[kMGT]?Hz\b|(?i:\b(?:giga|mega|kilo)?hertz\b)",
        ),
        (
            "energy figure",
            rf"{_amount_of('energy')}|{_WHAT}energy {_AMOUNT}|{_WHAT}power (?:consumption|draw|usage)\b"
            rf"|{_amount_of('power')}",
            r"\d\s?-?(?:[kMGT]?Wh|[pn\u00b5umkMG]?J|[\u00b5umkMG]?W|joules?|watts?)\b|TOPS/W"
            rf"|(?i:{_beside('(?:energy|power)')})",
        ),
        (
            "token count",
            r"\bhow many (?:\S+ ){0,2}?tokens\b|\bwhat(?:'s| is| was) the number of (?:\S+ )?tokens\b",
            r"(?i:(?:\d[\d.,]*\s?[KMBT]?\+?|\b(?:millions?|billions?|trillions?))[\s-]+(?:[\w-]+\s+){0,3}?tokens?\b"
            r"|\d[\d.,]*\s?(?:%|x|\u00d7)\s+(?:\w+\s+){0,2}?tokens\b)",
        ),
    )
}

# (cue in a question, cue in an abstract) per kind of detail.
DETAIL_KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "number": (
        re.compile(
            r"\bhow (?:many|much|fast|large|big|long|often|close|accurate|well)\b|\bby how much\b|\bwhat fraction\b"
            r"|\bnumber of\b|\bby what (?:\w+ )?factors?\b"
            # a quantity asked by its noun: "What rank ...", "At what carrier frequency ...", "What temperature
            # value ...", "What's the context length ...", "What depth of network ...", "What Reynolds number ..."
            # (its own phrase: not "Which papers cut the memory needed ...")
            # ("which dimensions ..." asks which aspects, as "which three dimensions does the space span?" does; "what
            # dimensions" and "which output dimension" ask numbers)
            rf"|\b(?:what|which(?!\s+(?:\S+\s+){{0,3}}?dimensions\b))(?:'s|\u2019s)?\s+(?:(?:is|are|was|were)\s+)?(?:the\s+)?"
            rf"(?:(?!(?:the|a|an|their|its|papers?|works?|studies|methods?|of|for|in|on|to|with|by|from|at)\b)\S+\s+)"
            rf"{{0,3}}?{_QUANTITY_NOUN}"
            r"|\bwhat(?:'s|\u2019s| is| are| was| were)? (?:\S+ ){0,3}?(?:score|accuracy|fid|bleu|rouge|f1|auc|perplexity|error|"
            r"(?-i:mAP)|miou|iou|auroc|auprc|ndcg|mrr|wer|cer|"
            r"speed-?up|percentage|share|rate|ratio|gain|improvement|reduction|pass@\d+|latency|throughput|"
            r"compression|win rate|margin|top-1|top-5|mae|rmse|mse|psnr|ssim|success rate|(?:optimality|duality|integrality|generali[sz]ation|performance|accuracy) gap)s?\b",
            _I,
        ),
        re.compile(
            _DIGIT
            + r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|twice|double|half|hundreds?|thousands?|"
            r"millions?|billions?|dozens?|orders? of magnitude)\b"
            # a count, a frequency or a factor in words: "a single sample", "once every d iterations", "by a factor d"
            # (not a change of scale: "from minutes to milliseconds" says how many of nothing; measured on dev)
            + r"|\b(?:a single|only one|exactly one|once (?:every|per)|every \w+ (?:iterations?|steps?|epochs?|rounds?)|"
            r"by a factor)\b",
            _I,
        ),
    ),
    "hardware": (
        re.compile(r"\b(?:gpus?|tpus?|hardware|a100s?|h100s?|v100s?|accelerators?|graphics cards?)\b", _I),
        re.compile(
            r"\b(?:gpus?|tpus?|a100|h100|v100|cpus?|hardware|accelerators?|chips?|fpgas?|on-device)\b", _I
        ),
    ),
    "license": (
        re.compile(r"\blicen[cs]e[sd]?\b", _I),
        re.compile(r"\blicen[cs]e|\bopen[- ]source|\bapache\b|\bMIT\b|\bcreative commons\b", _I),
    ),
    "parameters": (
        re.compile(
            r"\bhow many (?:\S+ )?parameters\b|\bparameter (?:count|sizes?)\b|\bnumber of parameters\b"
            r"|\bmodel sizes?\b|\bwhat (?:\S+ )?sizes? of\b|\bwhich sizes? of\b",
            _I,
        ),
        re.compile(r"\b\d+(?:\.\d+)?\s?[MBK]\b|\b(?:million|billion)\b|\bparameters?\b", _I),
    ),
    "code": (
        re.compile(
            r"\bgithub\b|\bsource code\b|\brepositor(?:y|ies)\b"
            r"|\bcode (?:is |was )?(?:available|released|public|published|hosted)\b"
            r"|\bwhere (?:is|are|was|were) (?:the |its |their )?(?:[\w-]+ ){0,2}?(?:code|implementation)\b"
            r"|\b(?:code|implementation|repository) (?:is |was )?hosted\b"
            r"|\bwhere can i (?:find|get|download)\b|\burl\b",
            _I,
        ),
        re.compile(
            r"github|https?://|\bcode\b.{0,40}\bavailable\b|\bopen[- ]source|\bwe release\b|\breleased?\b", _I
        ),
    ),
    "duration": (
        re.compile(
            r"\bhow long (?:does|did|do|would) (?:it|they|the \w+) (?:take|need|train|run)\b"
            # (not the phase: "when it is used at training time")
            r"|(?<!\bat )(?<!\bduring )\btraining time\b"
            r"|\bwall[- ]?clock\b|\bgpu[- ]hours\b",
            _I,
        ),
        re.compile(r"\b(?:hours?|days?|weeks?|minutes?|seconds?|GPU-hours)\b|\b\d+\s?(?:h|min|s)\b", _I),
    ),
    # "How many epochs ...?", "What learning rate / momentum / batch size ...?": training settings, which abstracts
    # seldom state; an abstract that never names the setting asked for doesn't state its value.
    "hyperparameters": (
        re.compile(
            r"\b(?:what|which|how many|how much|how large|how long)\s+(?!(?:papers?|works?|studies)\b)"
            r"(?:\S+\s+){0,2}?(?:epochs?|batch[- ]sizes?|"
            r"learning[- ]rates?|momentum|decay (?:rate|factor)|weight decay|warm-?up steps|dropout|temperature|"
            r"random seeds?|privacy budget|epsilon|hyper-?parameter values?)\b",
            _I,
        ),
        re.compile(
            r"\b(?:epochs?|batch[- ]sizes?|learning[- ]rates?|momentum|decay|warm-?up|dropout|temperature|seeds?|"
            r"privacy budget|epsilon|\u03b5|hyper-?parameters?|step ?sizes?)\b",
            _I,
        ),
    ),
    # "Which games are used in the experiments?" of a theory paper: an abstract with no sign of empirical work
    # (no experiment, data, benchmark, evaluation or measured result) answers no question about its experiments.
    "experiments": (
        re.compile(
            r"\b(?:experiments?|experimental(?:ly)?|empirical(?:ly)?|simulat(?:ed|ions?|ing)|in practice|"
            r"(?:evaluated|tested|benchmarked|validated|trained) on|case stud(?:y|ies))\b",
            _I,
        ),
        re.compile(
            r"experiment|empiric|simulat|evaluat|benchmark|data|\btest|\btrain|case stud|real[- ]world|"
            r"outperform|\bshow (?:that )?(?:our|the) (?:method|approach|model)|practice|numerical|\d\s?%|"
            # (a theory paper's "previous state-of-the-art O(T) bound" is no experiment)
            r"accura|speed-?up|faster|state[- ]of[- ]the[- ]art(?!\s+(?:\S+\s+){0,2}?(?:bounds?|rates?|regret|"
            r"complexit\w*|guarantees?)\b)|tasks?\b|applications?\b|demonstrat",
            _I,
        ),
    ),
    # "How much GPU memory ...?", "At how many frames per second ...?", "What carrier frequency ...?": a quantity
    # with a unit of its own (:data:`_UNITS`), which a number of something else doesn't state ("takes about 20
    # seconds on a single A100 GPU" says no memory).
    "unit": (
        re.compile("|".join(f"(?:{asked.pattern})" for asked, _ in _UNITS.values()), _I),
        re.compile(r"(?!)"),
    ),
}

# "Which paper/method ... ?": the answer should start by naming the paper (and its method's name).
_WHICH = re.compile(
    r"^\s*(?:(?:so|and|ok|okay),?\s+)?(?:which|what)\s+(?:\S+\s+){0,2}?(?:paper|work|study|method|model|approach|"
    r"framework|benchmark|dataset|technique|architecture|algorithm|system|tool|library|optimizer|one)s?\b"
    r"|\b(?:is there|are there|has anyone|have people|do you know|i remember|there(?:'s| is) (?:a|an|some))\b"
    # "I'm looking for the paper that ...", "was there a study showing ...", "any paper that ...?"
    r"|\b(?:i'?m|i am|we'?re|we are) (?:looking|searching) for\b|\bwas there\b|^\W*any (?:paper|work|study)s?\b"
    r"|\bwhat(?:'s| is| was) (?:it|the paper|that paper|the method|that method) called\b"
    r"|\bwhat(?:'s| is| was) the name\b",
    _I,
)

_SUMMARY = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|summary|sum up|tl;?dr|give me (?:a |an |the )?(?:summary|gist|overview|"
    r"tl;?dr)|(?:an )?overview of|explain)\b"
    r"|\bwhat(?:'s| is| are| was) (?:the paper |the work |the study )?[\"“]?.{2,300}?[\"”]? "
    r"(?:about|all about)\s*\??\s*$"
    r"|\b(?:main|key) (?:idea|contribution|takeaway|findings?)s? of\b"
    r"|\btl;?dr\b",
    _I,
)

# The words of a summary request around what is to be summarised ("Summarize", "tl;dr of", "What is ... about?",
# "What are the main contributions of"), for summary_subject.
_SUMMARY_WORDS = re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could) you\s+)?(?:summari[sz]e|summary of|sum up|tl;?dr(?: of)?|"
    r"give me (?:a |an |the )?(?:short |brief |quick )?(?:summary|gist|overview|tl;?dr)(?: of)?|(?:an )?overview of|"
    r"explain)\s*[:,-]?\s+"
    r"|^\s*what(?:'s| is| are| was| were)\s+(?:the\s+)?"
    r"(?=.*\b(?:main|key) (?:idea|contribution|takeaway|finding)s? of\b)"
    r"|\b(?:the\s+)?(?:main|key) (?:idea|contribution|takeaway|finding)s? of\s+"
    r"|^\s*what(?:'s| is| are| was)\s+(?=.+\babout\s*\??\s*$)|\s+(?:all\s+)?about\s*\??\s*$",
    _I,
)


def summary_subject(text: str) -> str:
    """What a summary request asks to have summarised: ``text`` without its summary words ("What are the main
    contributions of Transfer Q*?" -> "Transfer Q*"; "tl;dr of the Grokfast paper" -> "the Grokfast paper"). Those
    words ("contributions", "summarize") are nothing an abstract states, so the answer is decided on the rest."""
    rest = _SUMMARY_WORDS.sub(" ", text)
    return " ".join(rest.split()).strip(" ?.!") or text


_PAPER_WORDS = r"(?:paper|work|study|article|report|preprint|method|model|approach|algorithm|framework)"
_SUMMARY_NAME = re.compile(
    rf"^(?:(?:the|a|an)\s+)?(?P<name>.+?)(?:'s)?(?:\s+{_PAPER_WORDS})?(?:'s)?(?:\s+{_PAPER_WORDS})?$", _I
)


def summary_name(subject: str) -> str:
    """The name a summary request calls its paper by, when its subject is a name ("the Grokfast paper" ->
    "Grokfast", "AlphaFold 3" -> "AlphaFold 3"): at most three words, each with a capital or a digit. Empty for a
    description ("the paper on learning nonlinear operators ...", "how LoRA works")."""
    m = _SUMMARY_NAME.match(subject.strip())
    name = m.group("name").strip() if m else ""
    tokens = name.split()
    if not 0 < len(tokens) <= 3 or not all(re.search(r"[A-Z0-9]", t) for t in tokens):
        return ""
    return name


def says_phrase(text: str, phrase: str) -> bool:
    """Whether ``text`` says ``phrase``: one word as :func:`says_name` reads it, several as the same words in a
    row whatever stands between them ("Transfer Q*" is said by "Transfer $Q^*$"; "AlphaFold 3" is not said by
    "AlphaFold, ...")."""
    tokens = re.findall(r"\w+", phrase)
    if len(tokens) <= 1:
        return says_name(text, phrase)
    pattern = r"\W+".join(re.escape(t) for t in tokens)
    return bool(re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, _I))


_METADATA = {
    "date": re.compile(
        r"\b(?:when was|when were|what year|which year|publication date|published (?:in|on|when|after|before|"
        r"between|during)|date of)\b|\bfrom (?:19|20)\d\d\b|\bin (?:19|20)\d\d\b.*\bpublished|\bpublished\b.*\b(?:19|20)\d\d\b",
        _I,
    ),
    # who wrote it, not what its authors did: "Who are the authors of X?", "How many authors ...?", "List the authors
    # of X" (read as "which authors"), "authors of X?"; not "Where do the authors of X show ...?"
    "authors": re.compile(
        r"\bwho\s+(?:wrote|authored|(?:are|were|is|was)\s+(?:the\s+)?(?:authors?|writers?))\b|\bhow many authors\b|"
        r"\bauthor list\b|\blist of authors\b|\bwritten by\b|\b(?:what|which)\s+(?:are|were)\s+(?:the\s+)?authors\b|"
        r"\bwhich authors\b|\b(?:tell|give|show)\s+me\s+(?:all\s+)?(?:the\s+)?authors\b|^\W*(?:the\s+)?authors?\s+of\b",
        _I,
    ),
    "source": re.compile(
        r"\b(?:which|what) (?:listing )?(?:page|source|daily papers page)\b|\bwhere (?:was|is) (?:it|this|the paper) listed\b",
        _I,
    ),
}

# References back to an earlier turn: "it", "this paper", "their" (rag.conversation resolves them).
SINGULAR = re.compile(
    r"\b(this paper|that paper|the paper|this work|that work|this method|that method|the method|"
    r"this model|the model|this approach|the approach|this technique|the technique|it)\b",
    _I,
)
POSSESSIVE = re.compile(r"\b(its|this paper's|the paper's)\b", _I)
PLURAL = re.compile(r"\b(these papers|those papers|these methods|both papers|both|they|them|their)\b", _I)
OPENERS = re.compile(r"^\s*(and|also|what about|how about|and what about)\b", _I)
# "this" or "that" standing for the paper just discussed: at a clause's end ("What application motivated this?")
# or before its verb ("How does this compare with Adam?"); "this dataset" or "methods that use X" are no reference.
BARE_THIS = re.compile(
    r"\b(?:this|that)(?=\s*(?:[?!.,;]|$))|\bthis(?=\s+(?:is|was|does|did|has|can|could|would|will|works?|"
    r"compares?|scales?|performs?|improves?|differs?|holds?|appl(?:y|ies)|relates?)\b)",
    _I,
)


def refers_back(text: str) -> bool:
    """Whether ``text`` refers to something earlier in a conversation ("it", "their", "and what about ...")."""
    return bool(
        SINGULAR.search(text)
        or POSSESSIVE.search(text)
        or PLURAL.search(text)
        or OPENERS.search(text)
        or BARE_THIS.search(text)
    )


def bare_reference(text: str, specific_terms: int) -> bool:
    """A short question whose paper is only a pronoun ("What datasets did it use?"): it needs an antecedent.
    ``specific_terms``: how many content terms it has besides generic ones (few: nothing else says what it's about).
    A name before the pronoun is its antecedent ("How many parameters does PaLM 2 have, and how was it trained?")."""
    found = [m for p in (SINGULAR, POSSESSIVE, BARE_THIS) if (m := p.search(text))]
    if len(text.split()) > 14 or specific_terms > 2 or not found:
        return False
    before = text[: min(m.start() for m in found)]
    named = [n for n in NAME_TOKEN.findall(before) if not is_generic(n)]  # "What GPU was it ...?" names none
    return not (named or any(capitalised_word(w) for w in words(before)[1:]))


# A title that starts with its method's name: "PFGM++: Unlocking ...", "Sirius - Contextual ...".
_TITLE_NAME = re.compile(r"^\s*([^:–—]{2,40}?)\s*(?::|\s[–—-]\s)")


def title_words(text: str) -> list[str]:
    """The lower-cased words of ``text``, without punctuation: how a whole title is found said in a question
    (quoted or not, with or without its colon)."""
    return re.findall(r"[a-z0-9]+", text.lower())


# A whole title said by a question names its paper: one of this many words or more in any case; a shorter one
# ("Nonparametric Iterative Machine Teaching") only as the title writes it, since in lower case it is a topic.
_TITLE_ANY_CASE = 6
_TITLE_MIN_WORDS = 4


def says_title(question: str, title: str, *, said: str | None = None) -> bool:
    """Whether ``question`` says the whole ``title``, or its head before a colon or question mark
    (:data:`_TITLE_MIN_WORDS` words or more; punctuation aside; in any case from :data:`_TITLE_ANY_CASE` words). ``said``: the question's :func:`title_words` joined by spaces,
    padded with one, when a caller reads many titles against one question."""
    if said is None:
        said = f" {' '.join(title_words(question))} "
    # a title's head, before its colon or question mark, is said for the title ("How Realistic Is Your Synthetic
    # Data?" of "How Realistic Is Your Synthetic Data? Constraining Deep Generative Models ...")
    # (as the title writes it, however long: "Large Language Models for Code Generation" is also a topic)
    head = _TITLE_HEAD.match(title)
    return _says_words(question, said, title) or bool(
        head and _says_words(question, said, head.group(1), any_case=False)
    )


def _says_words(question: str, said: str, title: str, *, any_case: bool = True) -> bool:
    """:func:`says_title` for one wording of a title; ``any_case``: in any case from :data:`_TITLE_ANY_CASE` words."""
    full = title_words(title)
    if len(full) < _TITLE_MIN_WORDS or f" {' '.join(full)} " not in said:
        return False
    if any_case and len(full) >= _TITLE_ANY_CASE:
        return True
    written = re.findall(r"[A-Za-z0-9]+", title)
    return f" {' '.join(written)} " in f" {' '.join(re.findall(r'[A-Za-z0-9]+', question))} "


# A title's head: what comes before its colon or question mark, when something of four words or more follows
_TITLE_HEAD = re.compile(r"([^:?]+)[:?]\s+(?=(?:\S+\s+){3}\S)")


def title_name(title: str) -> str:
    """The name a title starts with ("PFGM++" of "PFGM++: Unlocking ..."), "" when it has none (or a long one)."""
    m = _TITLE_NAME.match(title)
    return m.group(1).strip() if m and len(m.group(1).split()) <= 3 else ""


# What an abstract defines as its own: "we propose FunCoder", "called LintSeq", "PQ Index (PQI)".
DEFINES = re.compile(
    r"\b(?:propose[sd]?|introduce[sd]?|presents?|we (?:call|name|dub|term|develop|release|design|devise)|called|named|"
    r"dubbed|termed|coined|namely)"
    r"\s+(?:(?:a|an|the|our|this)\s+)?(?:[\w,-]+\s+){0,8}?\(?([A-Z][A-Za-z0-9]*[A-Z0-9+][\w+.-]*|[A-Z][a-z]+[A-Z][\w+-]*|"
    r"[A-Z][a-z]+-[A-Z0-9]{2,}[\w+.-]*)\)?"
)

_BUILDS_ON = re.compile(
    r"\b(?:variant|extension|version|generali[sz]ation|improvement)s?\s+of\b|\bbased on\b|\bbuilt on\b", _I
)


def own_names(title: str, abstract: str) -> set[str]:
    """The names of the paper's own method, model or benchmark (lower-cased): its title's "Name:", what the
    abstract defines ("we propose FunCoder", "called LintSeq", "PQ Index (PQI)") and calls "our X"; not what it
    builds on ("a new variant of AMSGrad")."""
    own = {title_name(title).lower()} - {""}
    for m in DEFINES.finditer(abstract):
        if not _BUILDS_ON.search(m.group(0)):
            own.add(m.group(1).rstrip(".,;").lower())
            tail = abstract[m.end() : m.end() + 40]
            own.update(a.lower() for a in re.findall(r"^\s*(?:[\w-]+\s+){0,3}\(([A-Z][\w-]+)\)", tail))
    ours = re.findall(r"\b[Oo]ur\s+([A-Z][\w+.-]*[A-Z0-9][\w+-]*|[A-Z][a-z]+-[A-Z]\w*)", abstract)
    own.update(m.lower() for m in ours)
    return own


# Papers of a genre asked for ("Are there any surveys or tutorials in the collection?", "Is there a review of X?"):
# the genre is what the paper is, not a topic its abstract speaks of. Not a genre named as a topic ("peer
# reviews"), as data ("the American Community Survey's data", "which survey's data") or a paper's own description
# ("Give me an overview of X" asks a summary; "the big review of optimization methods: on which applications?").
_GENRE_NOUNS = (
    r"surveys?|tutorials?|reviews?|review-style|overviews?|monographs?|primers?|textbooks?|lecture notes"
)
_GENRE_ASKED = re.compile(
    rf"\b(?:any|which|what|some|a|an|all(?: the)?|there|are)\s+(?:[\w-]+\s+){{0,2}}?(?<!peer )(?<!peer-)(?:{_GENRE_NOUNS})\b"
    r"(?!['\u2019]s\b|\s+(?:data|of the data)\b)",
    _I,
)
# What a paper of such a genre says of itself: its title ("...: A Survey", "Tutorial on ...", "An overview of
# ...") or its abstract ("This monograph presents ...", "This article reviews ...", "we give the first comprehensive
# account of this new field").
_GENRE_TITLE = re.compile(
    r"\b(?:a survey|survey of|tutorial|an overview|overview of|a review|review of|a primer|primer on|lecture notes|"
    r"monograph|an introduction to)\b",
    _I,
)
_GENRE_SAYS = re.compile(
    r"\b(?:this|our|the present) (?:survey|tutorial|review|overview|monograph|book|primer|lecture notes)\b"
    r"|\bwe (?:survey|review)\s+(?:the|recent|existing|current|a|an|\w+ing)\b"
    r"|\b(?:this|the present) (?:paper|article|chapter|work) (?:surveys|reviews)\b"
    r"|\b(?:provide|give|present|offer)s?\s+(?:a|an|the first)\s+(?:[\w-]+\s+){0,2}?(?:overview|survey|review|"
    r"tutorial|account of)\b",
    _I,
)
GENRE_LABEL = "surveys, tutorials or reviews"


def asks_genre(text: str) -> bool:
    """Whether ``text`` asks for papers of a genre: surveys, tutorials, reviews, overviews, monographs, primers."""
    return bool(_GENRE_ASKED.search(text))


@cache
def _genre_terms() -> frozenset[str]:
    """The terms of the genre words, which say what a paper is rather than what it is about."""
    return frozenset(
        terms(
            "survey surveys tutorial tutorials review reviews review-style style overview overviews monograph "
            "monographs primer primers textbook textbooks lecture notes book books list"
        )
    )


def genre_topic(text: str) -> set[str]:
    """The content terms of ``text`` left without its genre words ("Is there a survey of diffusion models?" ->
    {"diffus"}): what the genre's papers are asked to be about; empty when they may be about anything."""
    return terms(text) - _genre_terms() - generic_stems()


def without_genre(text: str) -> str:
    """``text`` without its genre words ("is there a tutorial-style overview of amortized optimization?" -> "is
    there a of amortized optimization?"): what to search for papers on its topic with."""
    return re.sub(rf"\b(?:(?:tutorial|survey|review)-style|{_GENRE_NOUNS})\b", " ", text, flags=_I)


_GENRE_WORD = re.compile(
    r"survey|tutorial|review|overview|monograph|primer|\bbook\b|lecture notes|introduction to|account of", _I
)


def mentions_genre(text: str) -> bool:
    """Whether ``text`` holds a word :func:`genre_sentence` looks for at all (a cheap test before splitting it)."""
    return bool(_GENRE_WORD.search(text))


def genre_sentence(title: str, sentences: Sequence[str]) -> str | None:
    """The sentence of an abstract that says its paper is a survey, tutorial, review or the like (its first
    sentence when only the title says so); None when neither does."""
    said = next((s for s in sentences if _GENRE_SAYS.search(s)), None)
    if said is not None:
        return said
    return sentences[0] if sentences and _GENRE_TITLE.search(title) else None


def paper_names(title: str, abstract: str) -> set[str]:
    """The paper's own names (:func:`own_names`) and what each acronym of them stands for ("Sorting
    Krylov Recycling (SKR)")."""
    names = own_names(title, abstract)
    for name in list(names):
        m = re.search(rf"((?:[A-Z][\w-]*\s+){{1,6}})\((?i:{re.escape(name)})\)", abstract)
        if m:
            names.add(m.group(1).strip())
    return names


def distinct_names(names: set[str]) -> set[str]:
    """Of a paper's names, those that name it alone: not a word of another of its names ("LoRA" of "Chain of LoRA",
    which builds on LoRA) and longer than two letters."""
    return {n for n in names if len(n) > 2 and not any(n != other and mentions(other, n) for other in names)}


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` contains ``name`` as a whole word (case-insensitive)."""
    return bool(name) and bool(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, _I))


def says_name(text: str, name: str) -> bool:
    """Whether ``text`` says ``name`` in one of the forms a name is written in, case aside: as is, an acronym's
    plural or a plural acronym's singular ("PINN" is said by "PINNs", "GRUs" by "GRU"), or a numbered version of a
    name that ends in a letter ("Qwen" is said by "Qwen2.5-7B", "Llama" by "Llama-3", "YOLO" by "YOLOv9"; "GPT-4"
    is not said by "GPT-45"), or an acronym of 3-6 capitals spelled out (:func:`spells_out`: "GRU" by "Gated Recurrent Unit")."""
    if not name:
        return False
    base = name[:-1] if re.fullmatch(r"[A-Z][A-Z0-9]+s", name) else name
    plural = "s?" if re.fullmatch(r"[A-Z][A-Z0-9]+", base) else ""
    version = r"(?:-?v?\d[\w.]*(?:-[\w.]+)*)?" if base[-1].isalpha() else ""
    if re.search(rf"(?<![\w-]){re.escape(base)}{plural}{version}(?![\w-])", text, _I):
        return True
    if norm := _NORM.fullmatch(name):
        return bool(re.search(_norm_written(norm.group(1)), text))
    return bool(_ACRONYM.fullmatch(base)) and spells_out(text, base)


# A norm or space typed plainly: "l2", "L_1", "l_inf", "Lp" (abstracts write "ell_2", "ell_infty", "ℓ_p").
_NORM = re.compile(r"[lL]_?\{?(\d|p|q|inf(?:ty|inity)?|\u221e)\}?")


def _norm_written(index: str) -> str:
    """A pattern for the norm of ``index`` ("2", "p", "inf") as an abstract may write it: "ell_2", "ell_{2}", "ℓ2",
    "L_2", "l2"; infinity as "infty", "infinity", "inf" or "∞"."""
    tail = (
        r"(?:inf(?:ty|inity)?|\u221e)" if index.startswith("inf") or index == "\u221e" else re.escape(index)
    )
    return rf"(?<![\w-])(?:ell|\u2113|[lL])\s*_?\s*\{{?\s*{tail}(?![\w-])"


# An acronym one may write for words spelled out: "GRU", "ODE", "MLP" (3-6 capitals; two letters spell out too many
# word pairs, and a mixed-case name such as "TransE" is no acronym).
_ACRONYM = re.compile(r"[A-Z]{3,6}")


def spells_out(text: str, acronym: str, *, loose: bool = False) -> bool:
    """Whether ``text`` spells ``acronym`` out: capitalised words in a row within one clause, none a function word,
    whose initials are its letters ("Gated Recurrent Unit" for "GRU", "Neural Ordinary Differential Equations" for
    "ODE"; hyphenated parts count apart). Capitals only: "machine learning problems" is no "MLP". ``loose``: words
    in any case, across commas ("sparse, symmetric, positive-definite" spells "SPD"), for asking whether a reader
    could take the text to say the acronym, not whether it defines it."""
    letters = acronym.lower()
    if not letters:
        return False
    for clause in re.split(r"[.;:()\[\]]" if loose else r"[.,;:()\[\]]", text):
        parts = [p for w in words(clause) for p in w.split("-") if p]
        for i in range(len(parts) - len(letters) + 1):
            run = parts[i : i + len(letters)]
            if all(
                len(p) > 1
                and (loose or p[0].isupper())
                and p[0].lower() == c
                and p.isalpha()
                and p.lower() not in function_words()
                for p, c in zip(run, letters, strict=True)
            ):
                return True
    return False


_YEAR = re.compile(r"\b(19|20)\d\d\b")

# "Which base LLM / what robot arm / which datasets ...": the answer is a name.
# Kinds of thing with names that an abstract often names without the kind's word (:data:`_NAMED_THINGS`).
_NAMED_THING_KINDS = (
    "instruments?|sensors?|satellites?|devices?|cameras?|processors?|accelerators?|databases?"
)
_ASKS_NAME = re.compile(
    r"\b(?:which|what)\s+(?:\S+\s+){0,3}?(?:models?|llms?|datasets?|benchmarks?|robots?|arms?|solvers?|"
    r"architectures?|backbones?|librar(?:y|ies)|frameworks?|software|languages?|teachers?|encoders?|decoders?|"
    r"optimizers?|baselines?|metrics?|tools?|simulators?|engines?|families|networks?|games?|environments?|"
    rf"compilers?|platforms?|chips?|gpus?|hardware|corpora|corpus|suites?|toolkits?|packages?|{_NAMED_THING_KINDS})\b"
    r"|\bthe (?:actual |exact |full )?names? of\b"
    # "What data was Private-GSD evaluated on?", "which market data did it train on?": the data's name is asked
    # ("what data structure is used" and "which two kinds of data" ask no name)
    r"|\b(?:which|what)\s+(?:\S+\s+){0,2}?data(?:\s*sets?|\s+sources?)?\s+(?:was|were|did|does|do|is|are|has|have)\b"
    # "what is the new architecture they propose called?", "what do they call it?"
    r"|\bwhat(?:'s|\u2019s|\s+(?:is|are|was|were))\s+(?:\S+\s+){0,10}?(?:called|named|dubbed)\s*[?.]?\s*$"
    r"|\bwhat\s+(?:do|did|does)\s+(?:they|the authors|it)\s+(?:call|name)\b",
    _I,
)
# "Which <kind> ...?" of a kind whose things have proper names (models, datasets, hardware ...): a subset of
# _ASKS_NAME's kinds, less metrics, methods, baselines and games, often named in lower case ("perplexity",
# "stochastic gradient descent", "chess"). The "which" opens the question, a sentence or a clause of it ("..., and on which
# GPU?"), not a description ("... match what the LLM says").
_KINDS_NAMED = (
    r"(?:models?|llms?|datasets?|benchmarks?|corpora|corpus|robots?|arms?|librar(?:y|ies)|frameworks?|software|"
    r"languages?|simulators?|engines?|platforms?|chips?|gpus?|hardware|compilers?|backbones?|teachers?|encoders?|"
    r"decoders?|environments?|computers?|smartphones?|phones?|suites?|toolkits?|packages?)"
)
_PROPER_KIND = re.compile(
    r"(?:^|[:;,.?!]\s+|\s(?:--|[-–—])\s+|\s(?:and|or)\s+)(?:(?:on|in|with|for|from|by|under|to|at|of)\s+)?"
    r"(?:(?:which|what)\s+(?:(?:is|are|was|were)\s+the\s+)?"
    r"(?:(?!(?:does|did|do|is|are|was|were|has|have|had|on|in|of|for|with|to|from|by|at|using|used|trained|"
    r"evaluated|tested)\b)\S+\s+(?:/\s+)?){0,5}?|"
    r"what (?:are|were|is|was) the (?:exact |actual |full )?names? of\s+(?:\S+\s+){0,5}?)"
    rf"{_KINDS_NAMED}\b",
    _I,
)
_KIND_NAMED = re.compile(_KINDS_NAMED, _I)
# Acronyms that name a field or a kind of model, not one thing one could name in an answer ("LLMs", "GPU").
GENERIC_NAMES = frozenset(
    "llm llms vlm vlms mllm mllms lmm lmms ai agi nlp ml rl dl cv dnn dnns gnn gnns sota api apis qa gpu gpus cpu "
    "cpus tpu tpus nerf 2d 3d 4d rgb ood iid sgd mse hd 4k".split()
)


_ABBREVIATED = re.compile(r"\b((?:[A-Za-z][a-z-]*\s+)(?:[a-z][a-z-]*\s+){0,5})\(([A-Z][A-Za-z]{1,6})\)")


def abbreviations(text: str) -> dict[str, str]:
    """Acronyms ``text`` defines for lower-case words, lower-cased, each with its words: "gradient ascent (GA)",
    "Continual learning (CL)". They abbreviate a concept, not a name ("Negative Preference Optimization (NPO)")."""
    out = {}
    for m in _ABBREVIATED.finditer(text):
        acronym = m.group(2)
        letters = acronym[:-1] if acronym.endswith("s") and len(acronym) > 2 else acronym
        parts = [p for p in re.split(r"[\s-]+", m.group(1).strip()) if p]
        if (
            len(parts) >= len(letters)
            and "".join(p[0] for p in parts[-len(letters) :]).lower() == letters.lower()
        ):
            out[acronym.lower()] = " ".join(parts[-len(letters) :])
    return out


def kind_named(word: str) -> bool:
    """Whether ``word`` is a kind of thing that has proper names ("model", "LLMs", "datasets", "GPU"; not "method")."""
    return bool(_KIND_NAMED.fullmatch(word))


def proper_kind_span(text: str) -> tuple[int, int] | None:
    """Where ``text`` asks which thing of a kind with proper names (:func:`asks_proper_name`): its "which ...
    <kind>" phrase's span, None when it asks none."""
    m = _PROPER_KIND.search(text)
    return m.span() if m else None


def asks_proper_name(text: str) -> bool:
    """Whether the question asks which thing of a kind that has proper names ("Which teacher model ...?", "..., and
    on which GPU?"), where an abstract that speaks of the thing without a name for it does not answer."""
    return bool(_PROPER_KIND.search(text))


# Words of a "which ..." phrase that count or point, not say the kind ("the four benchmarks").
_NOT_KIND_WORDS = frozenset(
    "the a an two three four five six seven eight nine ten several multiple many specific exact particular".split()
)


# Kinds of thing with names that an abstract often names without the kind's word ("data from Advanced Geosynchronous
# Radiation Imager (AGRI) aboard Fengyun-4B" for "which satellite instrument ...?"): asked by name (_ASKS_NAME), but
# no ground to refuse when the abstract speaks of the kind unnamed ("satellite observations").
_NAMED_THINGS = re.compile(rf"\b(?:which|what)\s+(?:\S+\s+){{0,3}}({_NAMED_THING_KINDS})\b", _I)


def named_kind(text: str) -> str:
    """The kind a question asks which one of by name: :func:`proper_kind`, or a kind of :data:`_NAMED_THINGS`
    ("satellite instrument's" of "which satellite instrument's observations ...?"); "" when it asks none."""
    kind = proper_kind(text)
    if kind:
        return kind
    m = _NAMED_THINGS.search(text)
    return " ".join(m.group(0).split()[1:]) if m else ""


def proper_kind(text: str) -> str:
    """The kind of thing with proper names a question asks which of, in at most its last three words ("simulator"
    of "what simulator produced those systems?", "image diffusion model" of "Which pre-trained image diffusion model
    (e.g., ...) serves as ..."); "" when it asks none (:func:`asks_proper_name`)."""
    m = _PROPER_KIND.search(text)
    if m is None:
        return ""
    # "Which RL benchmark suite": the kind goes on past its first kind word
    more = re.match(rf"(?:\s+{_KINDS_NAMED}\b)*", text[m.end() :], _I)
    phrase = m.group(0) + (more.group(0) if more else "")
    phrase = re.sub(r"^.*?\b(?:which|what)\s+(?:(?:is|are|was|were)\s+the\s+)?", "", phrase, flags=_I)
    phrase = re.sub(r"^(?:exact |actual |full )?names? of\s+", "", phrase, flags=_I)
    kept = [
        w for w in phrase.split() if w != "/" and w.lower() not in _NOT_KIND_WORDS and not w[:1].isdigit()
    ]
    return " ".join(kept[-3:])


def is_generic(name: str) -> bool:
    """Whether ``name`` is an acronym of a field or a kind of model ("LLMs", "GPU"), not of one thing."""
    key = name.lower()
    return key in GENERIC_NAMES or key.rstrip("s") in GENERIC_NAMES


def new_name(word: str, known: set[str]) -> bool:
    """Whether ``word`` is a name (:data:`NAME_TOKEN`) that says something new: not one of ``known`` (lower-cased),
    not generic ("LLMs"), and not a known or generic one with lower-case words joined to it ("LLM-generated",
    "NPO-based"; "API-Bank" and "QA-LoRA" are new)."""
    if not NAME_TOKEN.fullmatch(word):
        return False
    if word.lower() in known or is_generic(word):
        return False
    return not kind_compound(word, known)


def kind_compound(word: str, known: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether ``word`` is a known (``known``, lower-cased) or generic name with lower-case words joined to it
    ("NPO-based", "LLM-driven"): that name, or what kind of method, not another name ("API-Bank", "QA-LoRA" are)."""
    parts = [p for p in re.split(r"[-/]", word) if p]
    base = [p for p in parts if not (p.isalpha() and p.islower())]
    return len(base) < len(parts) and all(p.lower() in known or is_generic(p) for p in base)


# A word that looks like a name: CamelCase, an acronym, letters with digits ("GPT-4o", "ResNet50", "TOFU").
NAME_TOKEN = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][\w-]*|[A-Z]{2,}[\w-]*|[A-Za-z]+-?\d[\w.-]*|[A-Z][a-z]+-\w+)")
# ... and one NAME_TOKEN reads only by its tail ("FAC" of "K-FAC") or not at all ("U-Net", "t-SNE"): a letter and a
# hyphen before a capitalised word. (rag.evidence._CAPITAL_JOINED is the same with a capital letter only, as its rival
# check was measured.)
LETTER_LED_NAME = re.compile(r"(?<![\w-])[A-Za-z]-[A-Z][\w-]*")


_FOCUS = re.compile(
    r"\b(?:which|what|how many|how much)\s+((?:[^\s?]+\s+){0,8}?[^\s?]+)\s+(?:does|do|did|is|are|was|were|has|"
    r"have|had|can|could|would|will|should|on|in|for|of|to|from|with|reach|reached|achieve|achieved|get|gets|"
    r"got|use|used|uses|give|gives|cut|cuts)\b",
    _I,
)


def focus(text: str) -> list[str]:
    """The words a question asks *about* in each "which/what/how many ... <verb>" phrase: "base LLM" of "Which
    base LLM was unlearned ...", "AlpacaEval win rate" of "What AlpacaEval win rate does ...", "k-means clusters"
    of "What number of k-means clusters does ...". Empty when none."""
    text = NAMES_OF.sub("which ", text)
    text = _COUNT_OF.sub("how many ", text)
    text = _SORT_OF.sub(r"\1 ", text)  # "what kind of attacks ..." asks about attacks
    text = _ADVERB_USED.sub(r"\1-\2", text)  # "commonly used DPA variants" is what is asked, not "commonly"
    found = [
        w
        for m in _FOCUS.finditer(text)
        for w in _ends_at_verb(_LEAD_IS.sub("", m.group(1)).split(), m.group(0).split()[-1])
    ]
    if not found:
        found = [w for m in _FOCUS_SUBJECT.finditer(text) for w in m.group(1).split()]
    if not found and (m := _FOCUS_LAST.search(text)):
        found = m.group(1).split()  # "... was tested on four benchmarks. Which benchmarks?"
    if not found and _SHORT_WHICH.fullmatch(bare := text.strip(" ?.!")):
        found = bare.split()[1:]  # a part of its own: "Which method?" (split_parts)
    if not found and (m := _FOCUS_ANY_VERB.search(text)):
        # "Which models serve as ...?", "Which reward model scores the rollouts?": a verb of any kind ends it
        found = m.group(1).split()
    if not found and (m := _HOW_MANY_TAIL.search(text)):
        # "..., and how many viewers took part?", "how many benchmark datasets?": what is counted, up to a verb in
        # the past or the end
        found = []
        for w in m.group(1).split():
            if w.lower() in _PAST or w.lower().endswith("ed") or (found and w.lower() in stopwords()):
                break
            if w.lower() not in stopwords():  # "how many more tokens"
                found.append(w)
    return found


# "how many <up to three words>" to a verb or the end: what a count asks about when no verb of _FOCUS follows it.
_HOW_MANY_TAIL = re.compile(r"\bhow many\s+((?:[\w-]+\s+){0,2}[\w-]+)", _I)
# Past forms not in "-ed" that end what is counted ("how many viewers took part").
_PAST = frozenset("took ran made came went got had saw gave won lost began grew led left kept".split())


# "which / what <up to five words> <a verb in -s, or of a few common ones> the / a / an / as": what is asked when
# no verb of :data:`_FOCUS` ends the phrase
_FOCUS_ANY_VERB = re.compile(
    r"\b(?:which|what)\s+((?:(?!(?:is|are|was|were|the|a|an|this)\b)[^\s?]+\s+){0,4}?"
    r"(?!(?:is|are|was|were|the|a|an|this)\b)[^\s?]+?)\s+"
    r"(?:(?!(?:this|was|does|has|bias|focus|is)\b)(?-i:[a-z]+[a-rt-z]s)|serve|run|work|help|lead|beat)\s+"
    r"(?:the|a|an|as)\b",
    _I,
)


# Kinds of thing often named in lower case ("Which first-order optimizer ...?", "measured by which metric?"), in
# the singular: rag.evidence reads a question asking which one of them (its _LOWER_KIND).
LOWER_KINDS = (
    "algorithm optimizer optimiser solver architecture objective loss equation game metric scheduler heuristic "
    "kernel regularizer regulariser estimator"
).split()
# Kinds asked about that a verb may follow ("Which LLM powers ...", "which technique underlies ...").
_VERB_SUBJECTS = frozenset([*LOWER_KINDS, "technique", "classifier", "framework"])
# A verb in "-s" ("powers", "underlies", "supplies"), in lower case; not a noun ending so ("bias", "corpus",
# "analysis", "dynamics", "series", "class").
_VERB_S = re.compile(r"(?-i:[a-z]+[a-rt-z]s)")
_NOT_VERB_S = re.compile(r".*(?:us|is|ics|ss|news|lens|series|species)$")
# The verbs a clause has one of: when one ends the "which ..." phrase, a word in "-s" before it is a noun ("Which
# model weights the authors released were used?").
_FINITE = frozenset(
    "does do did is are was were has have had can could would will should uses gets gives cuts reaches achieves".split()
)


def _ends_at_verb(phrase: list[str], ended_at: str = "") -> list[str]:
    """A "which ..." phrase cut before the verb it runs into: a word in "-s" after the kind asked, followed by
    "the" or a name ("underlying LLM" of "underlying LLM powers OptoPrime", "classifier" of "classifier supplies the
    feedback"). Not when the phrase ended at a finite verb of its own (``ended_at``: "Which loss functions the
    model uses were compared?" asks loss functions)."""
    if ended_at.lower() in _FINITE:
        return phrase
    for k in range(1, len(phrase) - 1):
        before, verb, after = phrase[k - 1], phrase[k], phrase[k + 1]
        if (
            (kind_named(before) or before.lower() in _VERB_SUBJECTS)
            and _VERB_S.fullmatch(verb)
            and not _NOT_VERB_S.fullmatch(verb)
            and (after == "the" or after[:1].isupper())
        ):
            return phrase[:k]
    return phrase


# "What kind of attacks ...", "which range of model sizes ...", "what type of regularization ...": the words after
# "of" are what is asked about; "kind" is no word an answer speaks of.
_SORT_OF = re.compile(
    r"\b(which|what)\s+(?:(?:exact|specific|particular)\s+)?(?:kinds?|types?|sorts?|forms?|famil(?:y|ies)|"
    r"ranges?|class(?:es)?|variet(?:y|ies))\s+of\s+",
    _I,
)
# "commonly used", "widely adopted": a participle after an adverb qualifies what is asked; it ends no phrase.
_ADVERB_USED = re.compile(r"\b(\w+ly)\s+(used|adopted|studied|cited|known|deployed)\b", _I)
# "is the" of "What is the base LLM used ...": no word of what is asked.
_LEAD_IS = re.compile(r"^(?:(?:is|are|was|were)\s+)?(?:the\s+)?(?=\S)", _I)
# "... how many constraints it handles": what is counted, up to the clause's pronoun subject (read only when no verb
# ends the phrase; "how much does it ..." is no phrase of it).
_FOCUS_SUBJECT = re.compile(
    rf"\bhow (?:many|much)\s+(?!(?:{_AUXILIARY})\b)((?:[^\s?]+\s+){{0,8}}?[^\s?]+)\s+(?:it|they|we|he|she)\b",
    _I,
)


# A bare "which <up to three words>" that ends its question after a sentence of its own ("... four benchmarks.
# Which benchmarks?", as :func:`resolve_ones` reads "Which ones?", or "... - measured by which evaluation
# metric?"): what it asks about.
_FOCUS_LAST = re.compile(
    r"[.?!:;\u2013\u2014-]\s*(?:and\s+)?(?:[a-z]+\s+)?(?:(?:by|on|in|with|for|from|at|to|of|under|using)\s+)?"
    r"which\s+((?:[^\s?]+\s+){0,2}[^\s?]+)\s*[?.!]*\s*$",
    _I,
)


# "What number of k-means clusters ...?" and "what is the largest number of constraints ...?" ask how many.
_COUNT_OF = re.compile(
    r"\b(?:what|which)\s+(?:(?:is|was|are|were)\s+the\s+)?"
    r"(?:(?:total|exact|largest|maximum|max|minimum|smallest|highest|lowest|average|typical)\s+)?"
    r"(?:number|count|amount|size)\s+of\s+",
    _I,
)

# "What are the names of the four benchmarks ...?" asks which benchmarks.
NAMES_OF = re.compile(
    r"\bwhat(?:'s|\u2019s|\s+(?:are|were|is|was))\s+the (?:exact |actual |full )?names? of (?:the )?", _I
)


# What a collection's papers are called when many are asked for ("which abstracts mention X?", "which publications").
PAPERS_WORD = r"(?:papers|works|studies|articles|abstracts|publications)"
# "Which papers ...": the papers are what is asked for, not a name in them.
_ASKS_PAPERS = re.compile(rf"^\s*(?:which|what)\s+(?:\S+\s+)?{PAPERS_WORD}\b", _I)


# One paper asked for: "which paper / work ..." near the start, not "which paper's model" nor "what study design",
# and no second "which" ("Which paper trains X on which GPU?" asks a GPU too).
_ASKS_PAPER = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:which|what)\s+(?:paper|work|study|article|preprint)s?\b(?!['’]s)"
    r"(?!\s+(?:area|design|function|population|group|site|period)s?\b)(?!.*\b(?:which|what)\b)",
    _I,
)


def asks_which_paper(text: str) -> bool:
    """Whether a question part asks for one paper ("Which work proposes enf2enf, an encoder-decoder ...?"): its
    title answers it, not a name its abstract gives or lacks."""
    return bool(_ASKS_PAPER.search(text))


def asks_name(text: str) -> bool:
    """Whether the question asks for something's name ("which base LLM ...?", and every question that asks which
    thing of a kind with proper names: :func:`asks_proper_name`), not for papers."""
    return bool(_ASKS_NAME.search(text) or asks_proper_name(text)) and not _ASKS_PAPERS.search(text)


@dataclass(frozen=True)
class Question:
    """A question's parts, the detail kinds it asks for, whether it asks to name a paper, and its intent."""

    text: str
    parts: list[str] = field(default_factory=list)
    asks: frozenset[str] = frozenset()
    part_asks: list[frozenset[str]] = field(default_factory=list)  # asks of each part
    which: bool = False
    intent: str = "fact"  # "fact", "summary" or "metadata"
    metadata: frozenset[str] = frozenset()  # for intent "metadata": "date", "authors", "source"
    years: list[int] = field(default_factory=list)  # years the question names


def asked_kinds(text: str) -> frozenset[str]:
    """The detail kinds whose question cue ``text`` contains, outside what the question only mentions
    (:func:`_unasked`: "How does it estimate how much bias a task needs?" asks how, not how much)."""
    text = _unasked(text)
    return frozenset(kind for kind, (cue, _) in DETAIL_KINDS.items() if cue.search(text))


# "how much / how many ..." after a verb is a clause the question mentions, not what it asks ("How does the method
# estimate how much inductive bias a task needs?", "a latent variable controls how long ..."); after a preposition,
# a conjunction or punctuation it is asked ("On how many datasets ...", "..., and how much faster ..."), and after a
# verb of telling too ("Do they report how many GPUs ...?").
_EMBEDDED_HOW = re.compile(
    r"(?<=\b[a-z]{3})([a-z]*)\s+how\s+(?=many|much|fast|large|big|long|often|close|accurate|well)"
)
_TELLS = re.compile(
    r"(?:report|say|state|mention|tell|know|specify|disclose|list|give|show|find|found|document|note)(?:s|ed|ing)?|"
    r"about|across|against|along|among|around|between|from|into|over|under|upon|with|within|without|through|"
    r"roughly|approximately|exactly|just|only|and|but|nor|for|yet",
)
# "What else do those scores give?": a metric after "do / does / did" and before another verb is the clause's
# subject, not what is asked ("What does GPT-4 score on ...?", "What does it gain over ...?" still ask a number).
_METRIC_SUBJECT = re.compile(
    r"\bwhat\s+(?:\S+\s+){0,2}?(?:do|does|did)\s+(?:\S+\s+){0,2}?(?:scores?|accurac(?:y|ies)|rates?|gains?)"
    r"\s+(?!(?:on|in|of|for|at|over|than|with|across|against|when|under|compared|relative)\b)[a-z]+\b",
    _I,
)


def _unasked(text: str) -> str:
    """``text`` with what it only mentions masked (:data:`_EMBEDDED_HOW`, :data:`_METRIC_SUBJECT`)."""

    def mask(m: re.Match[str]) -> str:
        verb = text[m.start() - 3 : m.start()] + m.group(1)
        return m.group(0) if _TELLS.fullmatch(verb.lower()) else f"{m.group(1)} _ "

    text = _EMBEDDED_HOW.sub(mask, text)
    return _METRIC_SUBJECT.sub(" _ ", text)


# The training settings one by one: what a question names (first) and what an abstract stating it says (second).
# A question asking the learning rate is not answered by an abstract that speaks only of an epsilon or a decay.
_SETTINGS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(asked, _I), re.compile(said, _I))
    for asked, said in (
        (r"\blearning[- ]rates?\b", r"\blearning[- ]rates?\b|\bstep[- ]?sizes?\b|\blr\b"),
        (r"\bepochs?\b", r"\bepochs?\b"),
        (r"\bbatch[- ]sizes?\b", r"\b(?:mini-?)?batch(?:[- ]?sizes?|es)?\b"),
        (r"\bmomentum\b", r"\bmomentum\b"),
        (r"\bdecay\b", r"\bdecay"),
        (r"\bwarm-?up\b", r"\bwarm-?up"),
        (r"\bdropout\b", r"\bdropout\b"),
        (r"\btemperature\b", r"\btemperature"),
        (r"\bseeds?\b", r"\bseeds?\b"),
        (r"\bprivacy budget\b|\bepsilon\b", r"\bprivacy budget\b|\bepsilon\b|\u03b5"),
    )
)


def states(kind: str, text: str, question: str = "") -> bool:
    """Whether ``text`` (an abstract) states anything of the detail ``kind`` at all; a time scale in words states
    the number a ``question`` asking how long asks, and a change of time scale the number one asking how much faster
    asks ("from minutes to milliseconds"); of the training settings only the one the ``question`` names counts ("What
    learning rate ...?" of an abstract that speaks of epsilon), and of the quantities with a unit of their own the
    ones it names ("How much GPU memory ...?": "27GB of GPU memory")."""
    if kind == "hyperparameters":
        named = [said for asked, said in _SETTINGS if asked.search(question)]
        if named:
            return any(said.search(text) for said in named)
    if kind == "unit":
        return not unstated_units(question, text)
    if DETAIL_KINDS[kind][1].search(text):
        return True
    if kind != "number":
        return False
    return bool(TIME_ASKED.search(question) and TIME_SCALE.search(text)) or bool(
        FASTER_ASKED.search(question) and SCALE_CHANGE.search(text)
    )


def unstated_units(question: str, text: str) -> list[str]:
    """The quantities with a unit of their own (:data:`_UNITS`) that ``question`` asks and ``text`` doesn't state:
    ["memory figure"] of "How much GPU memory does it need?" and an abstract that says only "about 20 seconds on a
    single A100 GPU"."""
    question = _unasked(question)
    return [
        unit for unit, (asked, said) in _UNITS.items() if asked.search(question) and not said.search(text)
    ]


# A question asking how long something takes, and a time scale that answers it in words.
TIME_ASKED = re.compile(
    r"\bhow (?:long|fast|quickly)\b|\b(?:computation |running |run |training |inference |wall-?clock )?"
    r"(?:time|duration|latency|runtime)\b(?!-)",
    _I,
)
TIME_SCALE = re.compile(
    r"\b(?:(?:milli|micro|nano)?seconds?|minutes?|hours?|days?|weeks?|real[- ]time)\b", _I
)
# A question asking how much faster, and a change of time scale that answers it in words ("from minutes to
# milliseconds"; not a time alone: "trains in hours" says no factor).
FASTER_ASKED = re.compile(r"\bhow much (?:faster|quicker)\b", _I)
_TIME_UNIT = r"(?:(?:milli|micro|nano)?seconds?|minutes?|hours?|days?|weeks?|months?)"
SCALE_CHANGE = re.compile(
    rf"\bfrom\s+(?:\w+\s+)?{_TIME_UNIT}\s+(?:down\s+)?to\s+(?:\w+\s+)?{_TIME_UNIT}\b", _I
)


# A question's description of its paper, before what it asks ("that diversity-first data selection paper with
# iterative cluster resampling: what clustering does it use?") or after it ("which quantity does the agent learn to
# pick in the paper that treats bundle adjustment as a game?").
_DESCRIPTION_BEFORE = re.compile(
    r"^(?:.{12,}?\S\s*(?::|\s[\u2013\u2014-])|(?:in|for|from)\s+(?:the|that|this)\s+(?:\S+\s+){0,3}?"
    r"(?:paper|work|study|article)\b[^?]{0,240}?,)\s+(?=(?:what|which|how|who|where|when|why|is|are|does|do|did)\b)",
    _I,
)
_DESCRIPTION_AFTER = re.compile(
    r"\s+(?:in|from|of|by|for)\s+(?:the|that|this)\s+(?:\S+\s+){0,2}?(?:paper|work|study|article)\s+"
    r"(?:that|which|where|on|about|with)\b.*$",
    _I,
)

# "On what kind of equations was the deep conjugate direction method for sparse SPD linear systems demonstrated?":
# the subject of a passive evaluation verb describes the paper ("it"); what is asked is the kind and the verb.
_DESCRIPTION_PASSIVE = re.compile(
    r"\b(?P<aux>was|were|is|are)\s+(?:the|a|an|this|that|their|its)\s+"
    r"(?=[^?]{0,120}?\b(?:method|approach|framework|algorithm|technique|model|network|solver|system|architecture|"
    r"scheme|pipeline|library|optimizer|paper|work)s?\b)[^?]{8,200}?"
    r"(?=\s+(?:demonstrated|evaluated|tested|applied|validated|benchmarked|assessed|deployed)\b)",
    _I,
)
_ASKS_KIND_FIRST = re.compile(r"^\W*(?:(?:on|in|across|for|to|with)\s+)?(?:what|which)\b", _I)


def without_description(text: str) -> str:
    """``text`` without the description of its paper that only says which paper is meant ("that diversity-first
    ... paper: what clustering does it use?" -> "what clustering does it use?"): the sentence the description
    paraphrases is not what is asked. Unchanged when fewer than three words would be left. The subject of a passive
    verb of evaluation after "what/which ..." is such a description too ("On what kind of equations was the deep
    conjugate direction method for ... demonstrated?" -> "On what kind of equations was it demonstrated?")."""
    for pattern in (_DESCRIPTION_BEFORE, _DESCRIPTION_AFTER):
        rest = pattern.sub("", text).strip()
        if rest != text.strip() and len(words(rest)) >= 3:
            text = rest
    if _ASKS_KIND_FIRST.match(text):
        text = _DESCRIPTION_PASSIVE.sub(
            lambda m: f"{m['aux']} {'they' if m['aux'].lower() in ('were', 'are') else 'it'}", text, count=1
        )
    return text


def is_question(text: str) -> bool:
    """Whether ``text`` (a part of a question) asks something (:data:`_ASKS`)."""
    return bool(_ASKS.search(text))


_OPEN_ASIDE = re.compile(r",\s*(?:e\.g\.|i\.e\.|for example|for instance)[^,;?()]*$", _I)
_AUXILIARY_WORD = re.compile(rf"\b(?:{_AUXILIARY})\b", _I)


# A bare "Which method?" / "What dataset?" after a statement: the kind it asks, a part of its own.
_SHORT_WHICH = re.compile(r"(?:which|what)\s+(?!ones?\b|for\b|else\b|about\b|now\b)[a-z][\w-]*", _I)


def split_parts(text: str) -> list[str]:
    """The sub-questions of ``text``: split at '?', ';' and at ', what/how/which ...' / ' and how ...'.

    Pieces of fewer than three words are glued back to the one before ("..., and why?" is not a part; "... trade-off.
    Which method?" is, the kind a statement's question asks), and so is
    a piece opening with an auxiliary verb after the comma that closes an aside of examples, when the piece before
    has no verb of its own ("Which base model, e.g. which Llama version, did they fine-tune?").
    """
    spans: list[tuple[int, int]] = []
    start = 0
    closes_aside = after_sentence = False
    for m in [*_PART_SPLIT.finditer(text), None]:
        end = m.start() if m else len(text)
        piece = text[start:end].strip(" ,.")
        if piece:
            lo = start + text[start:end].index(piece)
            # ("... yields fairness guarantees. Which method?" asks a part of its own: the kind after a statement)
            own_kind = after_sentence and bool(_SHORT_WHICH.fullmatch(piece))
            if (
                spans
                and not own_kind
                and (len(piece.split()) < 3 or (closes_aside and _AUXILIARY_WORD.match(piece)))
            ):
                spans[-1] = (spans[-1][0], lo + len(piece))
            else:
                spans.append((lo, lo + len(piece)))
        if m:
            # a comma that closes an aside of examples goes on with the same question: "which pretrained model,
            # e.g. which Stable Diffusion version, did they build on?"
            aside = _OPEN_ASIDE.search(text[start:end])
            after_sentence = bool(re.fullmatch(r"\s*[.?!]\s*", m.group(0)))
            closes_aside = (
                m.group(0).strip() == ","
                and aside is not None
                and not _AUXILIARY_WORD.search(text, start, start + aside.start())
            )
            start = m.end()
    return [text[a:b].strip(" ,.?;") for a, b in spans] or [text.strip()]


# "... was tested on four large-scale benchmarks. Which ones?": the kind a bare "which ones / what are they" asks
# for is the last plural noun before it.
_WHICH_ONES = re.compile(
    r"(?<=[.?!:;,-])(\s+(?:and\s+)?)(which|what)\s+(?:ones|are they|were they|were those)\b", _I
)
_PLURAL = re.compile(r"\b([A-Za-z][a-z-]*[a-z](?:s|ia|ora))\b")


def resolve_ones(text: str) -> str:
    """``text`` with a bare "which ones?" asking for what the sentence before it names: "X was tested on four
    benchmarks. Which ones?" asks "... Which benchmarks?". Unchanged when no plural noun comes before it."""

    def named(m: re.Match[str]) -> str:
        before = [w for w in _PLURAL.findall(text[: m.start()]) if w.lower() not in function_words()]
        kinds = [w for w in before if kind_named(w)]
        noun = (kinds or before or [""])[-1]
        return f"{m.group(1)}{m.group(2)} {noun}" if noun else m.group(0)

    return _WHICH_ONES.sub(named, text)


# "What's the base LLM ...?" reads as "What is the base LLM ...?".
_CONTRACTED_IS = re.compile(r"\b(what|which|who|where|how)(?:'s|\u2019s)\b", _I)


# "Name the datasets used ...", "List the baselines ...": which datasets, which baselines.
_NAME_THE = re.compile(
    r"(?:^|(?<=[:;.?!,\u2013\u2014-]))(\s*)(?:please\s+)?(?:name|list)\s+(?:the|all(?:\s+the)?)\s+", _I
)


def analyze(text: str) -> Question:
    text = resolve_ones(_CONTRACTED_IS.sub(r"\1 is", text))
    text = _NAME_THE.sub(r"\1which ", text)
    parts = split_parts(text)
    metadata = frozenset(k for k, rx in _METADATA.items() if rx.search(text))
    if metadata:
        intent = "metadata"
    elif _SUMMARY.search(text):
        intent = "summary"
    else:
        intent = "fact"
    return Question(
        text=text,
        parts=parts,
        asks=asked_kinds(text),
        part_asks=[asked_kinds(p) for p in parts],
        which=bool(_WHICH.search(text)),
        intent=intent,
        metadata=metadata,
        years=[int(m.group(0)) for m in _YEAR.finditer(text)],
    )


# ------------------------------------------------------------------ how a question is framed

# Words that say how the asker remembers the paper or asks about it, not what is asked: "I don't remember exactly,
# but ...", "Not sure I'm remembering this right: ...", "..., if I recall correctly", "Hi! Quick one -".
FRAMING_WORDS = frozenset(
    """remember remembering remembered recall recalling recollection forget forgetting forgot forgotten sure
    unsure certain uncertain exactly precisely detail details name title read reading skimmed skim skimming glance
    closely carefully right correctly properly wrong mistaken think thinking thought believe wonder wondering
    curious question questions quick one know knew idea clue mind hazy fuzzy vague vaguely bit little while ago
    saw seen heard somewhere hi hey hello thanks thank please help ask asking maybe perhaps honestly sorry mixing
    confused really quite totally anyway iirc afaik imo tbh btw hmm ok okay so well also again correct trying
    try""".split()
)
# Where a framing clause ends and the question goes on: ", but", ":", " - ", ";", a sentence's end.
_FRAME_END = re.compile(r"\s*(?:,\s*but\b|,|:|;|\s[-\u2013\u2014]{1,2}\s|\.\.\.|[.?!]+)\s*")
# What makes a clause the asker's own aside rather than a part of the question: the asker ("I", "my"), a greeting,
# thanks or an apology ("And recall?", "the title?" are parts of a question; "I can't recall" is an aside).
_ASIDE = frozenset("i me my we hi hey hello thanks thank sorry please iirc afaik tbh btw hmm unsure".split())
# A clause opening with one asks ("Which one, exactly?"); the auxiliaries are not among them, as "Can't remember
# where I saw it, but ..." frames.
_QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())


def _framing(clause: str) -> bool:
    """Whether ``clause`` says only how the question is asked: the asker's aside (:data:`_ASIDE`, or "not sure") in
    which every word is a function word or a framing word (:data:`FRAMING_WORDS`), with no digit, no quote, no
    name (a capitalised word but "I" and the first word: "The Right to Be Forgotten", "MIND"), and not opening
    with a question word ("From what I remember" frames; "Which one, exactly?" asks)."""
    if re.search(r"\d|[\"\u201c\u201d\u2018]|(?<!\w)'", clause):
        return False
    written = re.findall(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?", clause)
    if not written or (len(written[0]) > 1 and written[0].isupper()):
        return False
    if any(w[0].isupper() and not re.fullmatch(r"I(?:['\u2019]\w+)?", w) for w in written[1:]):
        return False
    tokens = [w.lower() for w in re.findall(r"[A-Za-z]+", uncontract(clause))]
    stop = stopwords()
    aside = any(w in _ASIDE for w in tokens) or "not sure" in " ".join(tokens)
    return (
        aside
        and all(w in stop or w in FRAMING_WORDS or len(w) == 1 for w in tokens)
        and any(w in FRAMING_WORDS for w in tokens)
        and tokens[0] not in _QUESTION_WORDS
    )


def unframed(question: str) -> str:
    """``question`` without the clauses that only frame it: "I don't remember exactly, but what speed-up does
    Sophia get?" reads "what speed-up does Sophia get?", and so do "What speed-up does Sophia get, if I recall
    correctly?" and "Hi! What speed-up does Sophia get? I can't remember.". A clause is framing when all its words
    are function words or words of remembering and asking, and none asks (:func:`_framing`); one that says anything
    else ("I remember a paper on pruning - which ...") stays, and so does "Do you remember which ...": read without
    it, "which <methods> ..." is answered as a question asking which paper (measured: one answer of the pairs test
    split lost its key fact). ``question`` itself when nothing else would be left."""
    text = question.strip()
    pieces = _FRAME_END.split(text)
    seps = [*_FRAME_END.findall(text), ""]
    while len(pieces) > 1 and _framing(pieces[0]):  # clauses at the start
        pieces, seps = pieces[1:], seps[1:]
    end = ""  # the question's last mark ("?", "."), after the clauses at the end are cut
    if len(pieces) > 1 and not pieces[-1].strip():
        pieces.pop()
        seps.pop()
        end, seps[-1] = seps[-1].strip(), ""
    while len(pieces) > 1 and _framing(pieces[-1]):
        pieces.pop()
        seps.pop()
        if "?" in seps[-1]:  # "... ? I can't remember.": the question ended there
            end = "?"
        seps[-1] = ""
    body = "".join(p + sep for p, sep in zip(pieces, seps, strict=True)).strip()
    body += "" if body.endswith(("?", ".", "!")) else end
    return body if body.strip(" ?.!") else question


# --- what a list question's papers must be about, part by part ------------------------------------------------------

# A request for papers up to its criterion: "Which papers (in the collection) (actually) use", "Has anyone used",
# "Is there work on", "anything here on", "are there papers that apply": the asking words and one verb after the
# papers (with its particle: "make use of", "build on").
_CRITERION_LEAD = re.compile(
    r"^.*?\b(?:papers?|works?|studies|anything|anyone|research|articles)\b"
    r"(?:\s+(?:in (?:the|this) collection|here|in here))?(?:\s+(?:that|which))?"
    r"(?:\s+(?!(?:apply|supply|reply|comply|multiply|rely)\b)\w+ly)?"
    r"(?:\s+(?!(?:on|about|in|for|with|to|of|that|which|the|a|an|are|is|were|was)\b)(?-i:[a-z]+)"
    r"(?:\s+(?:use\s+of|on|with|to|about))?(?=[\s,]))?",
    _I,
)
_PARTICLE = r"(?:\s+(?:for|to|on|with|about|of))?"
# More verbs after the first, before their object: "optimize, search for or compress the prompts"
_MORE_VERBS = re.compile(rf"^\s*(?:,\s*[a-z]+{_PARTICLE})*,?\s+(?:or|and)\s+[a-z]+{_PARTICLE}(?=\s)", _I)
# What only explains or excludes ("i.e. ...", "rather than LLMs", "(Lean and the like)"), to a comma or the end;
# examples ("such as FNO or DeepONet") to a comma, the end or the next preposition.
_EXPLAINS = re.compile(
    r"\b(?:i\.e\.|rather than|instead of|whether|as opposed to|without)\s.*?(?=[,;?]|$)"
    r"|\b(?:e\.g\.|such as|including|like|for example|for instance)\s.*?(?=[,;?]|$|(?<![\w-])(?:to|for|in|on|into|"
    r"from|across|with|by|via|using|under|through|within|at)(?![\w-]))"
    r"|\([^)]*\)",
    _I,
)
# A clause that qualifies further ("... that use ML predictions while keeping ...") is read as no part: the more
# parts, the likelier a matching abstract words one of them otherwise.
_QUALIFYING_CLAUSE = re.compile(r"\b(?:that|which|while|when|where|whereas|so that)\b.*$", _I)
# Where one part of a criterion ends and the next begins: "GFlowNets | to generate molecules"; not inside a
# hyphenated word ("text-to-image")
_PART_OF_CRITERION = re.compile(
    r"(?<![\w-])(?:to|for|in|on|into|from|across|with|by|via|using|of|under|through|within|at|over|against)(?![\w-])",
    _I,
)
_OPTIONS = re.compile(r"\s*(?:\bor\b|,|/|;)\s*", _I)
# A criterion of two, ", or that / on / ways to ...": either is met by a paper meeting it
_EITHER = re.compile(r",\s*or\s+", _I)
# A participle that ends a part ("problems caused | by", "the prompts given | to") qualifies, names nothing.
_PARTICIPLE = re.compile(
    r"(?:\w+[^\We]ed|given|taken|shown|written|chosen|driven|proven|known|seen|made|built|done|held)", _I
)


@cache
def _request_words() -> frozenset[str]:
    return frozenset(
        terms(
            "paper papers work works anything any anyone there here collection use used using uses study studies "
            "look looking want quick find show list fit ones model models method methods approach approaches "
            # the field's own words: every paper of a collection of machine-learning papers is "machine learning"
            "machine learning deep neural network networks artificial intelligence AI learning-based data-driven"
        )
    )


@dataclass(frozen=True)
class Facet:
    """One part of a list question's criterion ("GFlowNets", "generate molecules or drug candidates"): its words,
    and its options as stems (any one of them meets it)."""

    text: str
    options: tuple[frozenset[str], ...]


def criterion_facets(question: str) -> list[list[Facet]]:
    """The parts a paper must be about to meet a list question's criterion, read from its wording: "Which papers
    use GFlowNets to generate molecules or drug candidates?" has two ("GFlowNets"; "generate molecules" or "drug
    candidates"), split at the prepositions between them. One list per alternative criterion (", or that ...");
    empty when no sentence asks for papers ("which/any papers", "has anyone", "is there work", "anything on").

    Not parts: the request's own words and its first verb (with any more verbs before their object: "optimize,
    search for or compress the prompts"), explanations, examples and exclusions ("i.e. ...", "such as ...",
    "rather than ...", an aside in brackets), a qualifying clause ("that ...", "while ..."), and a participle ending
    a part ("caused by"). An option of one word before a longer last option shares its tail ("write or assess
    scientific peer reviews")."""
    # (whitespace collapsed first: a long run of it would make the verb patterns below backtrack quadratically)
    for sentence in re.split(r"(?<=[.?!])\s+", " ".join(question.split())):
        lead = _CRITERION_LEAD.search(sentence)
        if lead:
            break
    else:
        return []
    text = _MORE_VERBS.sub(" ", sentence[lead.end() :], count=1)
    text = _QUALIFYING_CLAUSE.sub(" ", _EXPLAINS.sub(" ", text))
    skip = generic_stems() | _request_words()
    out = []
    for either in _EITHER.split(text):
        facets = []
        for piece in _PART_OF_CRITERION.split(either):
            written = piece.split()
            if written and _PARTICIPLE.fullmatch(written[-1].strip(",;")):
                written = written[:-1]
            options = [o.split() for o in _OPTIONS.split(" ".join(written)) if o.strip()]
            if len(options) > 1 and len(options[-1]) > 1:
                options = [o + options[-1][1:] if len(o) == 1 else o for o in options[:-1]] + [options[-1]]
            # (an option of function words alone is no option: "X and so on", "X or so")
            written_terms = [t for t in (frozenset(terms(" ".join(o))) for o in options) if t]
            stems = tuple(t - skip for t in written_terms)
            # an option of generic words alone ("training or compressing neural networks") is met by any paper:
            # the part asks nothing words can check
            if stems and all(stems):
                facets.append(Facet(" ".join(written).strip(" ,;?.!"), stems))
        if facets:
            out.append(facets)
    return out
