"""Comparing papers, all of it: when a question asks for a comparison, which things it names, which papers those
are, and the cited side-by-side table with its Markdown and CSV.

* Routing: :func:`is_comparison` is true for "Compare A and B", "the differences between A and B", "How does A
  differ from B?", "A vs B", and false for questions that merely measure one thing "in comparison with" or "against"
  baselines. It is decided from the same parse as :func:`entities`, so the two can't disagree: a comparison needs
  two named things, except after an explicit "compare"/"contrast". Papers may be described instead of named, then
  asked about one by one ("The paper that ... and the one that ...: what does each propose?", "Two X papers: one
  that ..., and one that .... What does each ...?"; :func:`described`; "A, B and C: what does each report?", two
  things named before a colon, a dash or the sentence's end), listed after "each of" or "Both", or only
  counted ("Two papers ... . Compare their ..."; :func:`counted`: the closest papers are compared).
* Papers come from explicit ids (the UI's multi-select) or from the question: each named thing is searched on its
  own, so "Compare FlashAttention and Monarch ..." retrieves evidence for *each* paper. A name that none of its
  hits mentions ("How does X compare with CMA-ES?" where no abstract says CMA-ES) is not in the collection: it
  picks no paper, rather than the nearest unrelated one.
* Cells are sentences of that paper's abstract, chosen by cue words and similarity to the question (from the
  answer's :class:`rag.evidence.Evidence`, so each sentence is embedded once), each ending with the paper's marker;
  a column the abstract doesn't cover says so instead of guessing.

The module is named ``comparison`` so that ``rag.compare`` stays the public function (see ``rag/__init__.py``).
"""

from __future__ import annotations

import csv
import io
import re

from rag.config import RetrievalSettings
from rag.evidence import LOWER_TAIL, Evidence
from rag.extraction import compare_cells
from rag.question import LETTER_LED_NAME, NAME_TOKEN, PAPERS_WORD, mentions, says_phrase, title_name
from rag.retrieval import Retriever
from rag.text import NOT_AN_ABBREVIATION, capitalised_word, coverage, stem, strip_markers, terms, words
from rag.types import NOT_STATED, CompareRow, PaperHit, SearchFilters, Source

MAX_PAPERS = 5
HEADERS = ("Paper", "Approach", "Data / benchmarks", "Key results")

# ------------------------------------------------------------------ routing and entities

_EXPLICIT = re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)*(?:compare|contrast)\b", re.IGNORECASE)
# "For objectives whose gradients are expensive, compare A with B: ...": an explicit comparison after a lead-in
_EXPLICIT_LATER = re.compile(
    r"(?:[,;:]|[.?!](?=\s+[A-Za-z]))\s+(?:please\s+|now\s+)?(?=(?:compare|contrast)\s+(?!(?:it|this|that|them|these|those|their)\b))",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)*"
    r"(?:compare|contrast"
    r"|(?:what|which)(?:'s|\s+is|\s+are)\s+the\s+(?:main\s+|key\s+)?(?:differences?|distinctions?)\s+between"
    r"|(?:the\s+)?(?:differences?|distinctions?)\s+between"
    r"|how\s+(?:does|do|is|are)|(?:what|which)\s+(?:do|did))\s+(?:the\s+)?",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\b(?:differences?|distinctions?)\s+between\b", re.IGNORECASE)
_DIFFER = re.compile(
    r"^\s*how\s+(?:does|do|is|are)\b.+?\b(?:differ(?:s|ent)?\s+from|compare[sd]?\s+(?:to|with|against))\b",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"\s(?:vs\.?|versus)\s", re.IGNORECASE)
# "How do A and B each ...", "How do A and B differ", "A and B both ...".
_EACH = re.compile(
    r"^\s*(?:how|what|which)\s+(?:do|did|are|were)\b.+?\s+and\s+.+?\s+(?:each|both|differ|compare)\b"
    r"|^\s*(?:the\s+)?[^,?]+?\s+and\s+[^,?]+?\s+both\b",
    re.IGNORECASE,
)
# "IterPref, PRLCoder and ACECode all train ...", "EGN, Sophia and M-FAC both ...": things listed, then what they do
_ITEM = r"(?:[^\s,?.:;]|\.(?=\w))+(?:\s+(?:[^\s,?.:;]|\.(?=\w))+){0,4}?"  # ("InternLM2.5-StepProver")
_ALL_OF = re.compile(
    rf"^\s*(?:the\s+)?({_ITEM}(?:,\s+{_ITEM})*),?\s+and\s+({_ITEM})\s+(?:all|both)\s+[a-z]+", re.IGNORECASE
)
# "How do the X paper and ViewCrafter use ...": two things, at least one a name or "... paper".
_HOW_DO_BOTH = re.compile(r"^\s*how\s+(?:do|did)\s+(.+?)\s+and\s+(.+?)\s+[a-z]+\b", re.IGNORECASE)
# A proper name ("ViewCrafter", "GPT-4", "DPO"); a thing named, by a name or as a "... paper".
_PROPER = re.compile(r"\b(?:[A-Z][a-z]+-?[A-Z]\w*|[A-Z]{2,}\w*|\w+-\d\w*)")
_NAMEISH = re.compile(rf"{_PROPER.pattern}|\b(?:paper|work|study|method)\b")
_CUT = re.compile(
    r"\s+(?:in (?:how|terms of|their|what)|on (?:how|their)|regarding|with respect to|by (?:their|how)|when it comes to"
    r"|each|both|differ(?!s?\s+from)|compare(?![sd]?\s+(?:to|with|against)))\b"
    r"|[:?;(—]|\s+-+\s+(?=(?:how|what|which|why|do|does|did|is|are)\b)|,\s*(?:how|what|which|and how|and what)\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    # ("with" separates "A with B", not "the method with top-down feedback": a thing named or introduced follows)
    r",?\s+compare[sd]?\s+(?:to|with|against)\s+|,\s*(?:and\s+)?|\s+and\s+|\s+vs\.?\s+|\s+versus\s+|\s+with\s+(?=(?:the|a|an|one|another|that|this|those|these)\s|(?-i:[A-Z0-9'\"\u2018\u201c]))|\s+against\s+"
    r"|\s+differ(?:s|ent)?\s+from\s+",
    re.IGNORECASE,
)
# Things a question measures against that are not a paper to look up.
_GENERIC_THINGS = frozenset(
    stem(w)
    for w in (
        "baseline baselines prior previous existing other others standard conventional traditional vanilla "
        "state art sota human humans competitor competitors earlier alternative alternatives classic classical "
        "current popular common usual typical each"
    ).split()
)


# What a comparison's head says all its papers are: "the two looped-transformer papers", "both diffusion papers".
_SHARED_KIND = re.compile(
    r"\b(?:the\s+|these\s+|those\s+)?(?:two|three|four|five|both)\s+([^:.?,]{3,60}?)\s+(?:papers|works|studies)\b",
    re.IGNORECASE,
)
# Papers described rather than named, then asked about one by one: "The paper that turns DPO-style losses into logic
# and the RLHF paper that adds a supervised term: what does each propose?", "Two inpainting papers: one that ..., and
# one that .... What does each introduce?", "I remember one paper ..., and another .... How many ... the second?"
_COUNTED = re.compile(
    r"^\s*(?P<count>two|three|four|five)\s+([^:.?]*?\bpapers?\b[^:.?]*?)\s*(?::|\s-{1,2}|[\u2013\u2014])\s*",
    re.IGNORECASE,
)
_ASKED_APART = re.compile(
    r"\b(?:each|both|the\s+(?:first|second|third|former|latter|other)|the\s+[\w'-]+\s+one)\b", re.IGNORECASE
)
# (a sentence ends at a period before any letter, typed in lower case too, but not at "e.g." or "vs.")
_DESCRIPTION_END = re.compile(
    rf":\s|\s[-\u2013\u2014]+\s|{NOT_AN_ABBREVIATION}[.?]\s+(?=[A-Za-z])|\?",
    re.IGNORECASE,
)
# A title quoted after the others or before them ("..., and 'Parallelizing non-linear sequential models ...'",
# "Contextual Bandits with Online Neural Regression and 'Does Sparsity Help ...?'"; quoted titles are read as a
# stand-in, QUOTEDTITLEA, see _masked) is a piece of its own.
_QUOTED_APART = (
    r"|\s*,\s+(?:and\s+)?(?=['\"\u2018\u201c])|\s*[,;]?\s+(?:and|versus|vs\.?)\s+(?=QUOTEDTITLE[A-Z]\b)"
    r"|(?<=QUOTEDTITLE[A-Z])\s*[,;]?\s+(?:and|versus|vs\.?)\s+"
)
_DESCRIPTIONS = re.compile(
    r"\s*[,;]?\s+(?:and|versus|vs\.?)\s+(?=(?:the|one|another|a|an)\b)|\s*[,;]\s+(?=(?:the|one|another)\b)"
    + _QUOTED_APART,
    re.IGNORECASE,
)
# ... without "and a" / "and an", which joins the parts of one description more often than two papers
_STRICT_DESCRIPTIONS = re.compile(
    r"\s*[,;]?\s+(?:and|versus|vs\.?)\s+(?=(?:the|one|another)\b)|\s*[,;]\s+(?:and\s+)?(?=(?:the|one|another)\b)"
    + _QUOTED_APART,
    re.IGNORECASE,
)
# Where the papers are counted ("Three preconditioning papers: ...") a description may also start "a" or "an".
_COUNTED_DESCRIPTIONS = re.compile(
    rf"{_DESCRIPTIONS.pattern}|\s*[,;]\s+(?:and\s+)?(?=(?:a|an)\b)", re.IGNORECASE
)
_PAPER_WORDS = re.compile(
    r"\b(?:papers?|works?|study|studies|one|another|other|method|approach|algorithm|framework)\b",
    re.IGNORECASE,
)
_REMEMBER = re.compile(r"^(?:i\s+(?:remember|recall)|there(?:'s|\s+is|\s+was)|both)\s+", re.IGNORECASE)
# "I remember two papers on ...: one ..., the other ...": what is remembered is counted and described
_RECALLED = re.compile(
    r"^\s*(?:i\s+(?:remember|recall|read|saw)|i(?:'ve|\s+have)\s+(?:read|seen)|there\s+(?:are|were))\s+"
    r"(?=(?:two|three|four|five)\b)",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\s*(?:what|which|who|how|why|when|where|is|are|do|does|did|can|list)\b", re.IGNORECASE
)


def described(question: str) -> list[str]:
    """The papers a question describes and then asks about one by one (see ``_COUNTED``), each as a search text
    ("the one that mixes GAN-style efficiency ... (image inpainting papers)"); [] when it doesn't."""
    context = ""
    question = _RECALLED.sub("", question)
    counted = _COUNTED.match(question)
    if counted:
        context = counted.group(2)
        question = question[counted.end() :]
    if _QUESTION_START.match(question):
        return []
    end = _DESCRIPTION_END.search(question)
    # after the descriptions, each is asked about ("What does each ...?"), or, when the question counted them,
    # they are compared ("Two inpainting papers: one ..., the other .... How do their approaches differ?")
    if not end or not (
        _ASKED_APART.search(question[end.end() :])
        or (counted and _COMPARE_THEM.search(question[end.end() :]))
    ):
        return []
    head = question[: end.start()]
    raw = _DESCRIPTIONS.split(head)
    if counted:
        # the papers counted: the reading that finds as many ("one ..., one ..., and one arguing ..." but not "and
        # a provable scaling law" inside the second; "'Iterative Distillation ...' and SAMI")
        want = _COUNTS[counted.group("count").lower()]
        readings = [
            raw,
            *(pattern.split(head) for pattern in (_STRICT_DESCRIPTIONS, _COUNTED_DESCRIPTIONS, _SPLIT)),
        ]
        raw = next((r for r in readings if len(r) == want), raw)
    # a piece is a paper when it says so, names something ("Speculative Jacobi Decoding", "PRLCoder"), is a
    # quoted title, or is one of the papers the question counted
    pieces = [
        _REMEMBER.sub("", p.strip(" ,;'\"\u2018\u2019\u201c\u201d"))
        for p in raw
        if counted
        or _PAPER_WORDS.search(p)
        or _NAMEISH.search(p)
        or p.strip()[:1] in "'\"\u2018\u201c"
        or any(capitalised_word(w) for w in p.split()[1:])
    ]
    pieces = [p for p in pieces if terms(p)]
    if not 2 <= len(pieces) <= MAX_PAPERS:
        return []
    return [f"{p} ({context})" if context else p for p in pieces]


def _named(part: str) -> bool:
    """Whether a phrase names something specific (not "baselines", "prior methods", "existing optimizers")."""
    t = terms(part)
    if not t or t <= _GENERIC_THINGS:
        return False
    first = next((stem(w) for w in words(part) if stem(w) in t), "")
    return first not in _GENERIC_THINGS  # "existing optimizers", "standard attention": a class, not a paper


# A parenthesis inside the list of compared things ("SVDD (soft value-based decoding) and TFG ..."): not a cut.
# An aside after a compared thing ("A (ICML 2023), B and C"), or a short one inside it ("the multi-block bilevel
# (MBBO) variance-reduced methods vs F2SA"): not where the thing ends.
_LISTED_ASIDE = re.compile(
    r"\s*\([^()]*\)(?=\s*(?:,|(?:and|or|vs\.?|versus|with)\s))|\s*\([\w.+-]+(?:\s+[\w.+-]+){0,2}\)(?=\s+[\w-])",
    re.IGNORECASE,
)
_TRAILING_VERB = re.compile(r"\s+(?:are|is|were|was|do|does|did|have|has)$", re.IGNORECASE)


# "What problem does each of VTON-HandFit and TED-VITON target?": the things after "each of", up to the verb.
_EACH_OF = re.compile(
    r"\beach\s+of\s+(?:the\s+)?(?!them\b|these\b|those\b|the\s+two\b)([^,?;:]+)", re.IGNORECASE
)


# "Which problem does each of these tackle -- 'Relevance Filtering ...' and the paper that reduces ... -- and ...?":
# the things listed in an aside after "each of these"
_EACH_OF_THESE = re.compile(
    r"\beach\s+of\s+(?:these|those|them|the\s+two|the\s+three|the\s+following)\b[^:\u2013\u2014?]*?"
    r"(?:\s+-{1,2}\s+|\s*[\u2013\u2014]\s*|:\s+)(.+?)(?:\s+-{1,2}\s+|\s*[\u2013\u2014]\s*|\?|$)",
    re.IGNORECASE,
)


def _each_of_these(question: str) -> list[str]:
    m = _EACH_OF_THESE.search(question)
    if not m:
        return []
    # (more things than a comparison holds are no comparison; the split stops there, whatever the length)
    pieces = _DESCRIPTIONS.split(m.group(1), maxsplit=MAX_PAPERS)
    if len(pieces) < 2:
        pieces = _SPLIT.split(m.group(1), maxsplit=MAX_PAPERS)
    if len(pieces) > MAX_PAPERS:
        return []
    listed = [p.strip(" .,'\"") for p in pieces if _named(p)]
    return listed if len(listed) >= 2 else []


def _all_of(question: str) -> list[str]:
    """The things a question lists before what they all do ("IterPref, PRLCoder and ACECode all train ..."), when
    at least two of them are names; [] otherwise ("However, distribution and support ... both force ...")."""
    m = _ALL_OF.match(question)
    if not m:
        return []
    listed = [_TRAILING_VERB.sub("", t.strip(" '\"")) for t in (*m.group(1).split(","), m.group(2))]
    listed = [t for t in listed if _named(t)]
    # (a capital past the first word of the question marks a name: "Monarch", "Mamba"; the first is capitalised anyway)
    names = sum(
        1 for i, t in enumerate(listed) if _PROPER.search(t) or (i and capitalised_word(t.split()[0]))
    )
    return listed[:MAX_PAPERS] if names >= 2 else []


def _each_of(question: str) -> list[str]:
    m = _EACH_OF.search(question)
    if not m:
        return []
    found = _things(m.group(1))
    if len(found) < 2:
        return []
    # "TED-VITON target": the name, not the verb after it
    tokens = found[-1].split()
    while (
        len(tokens) > 1
        and tokens[-1].isalpha()
        and tokens[-1].islower()
        and any(c.isupper() for c in tokens[-2])
    ):
        tokens.pop()
    found[-1] = " ".join(tokens)
    return found


_ASKING = re.compile(
    r"(?:how|what|which|why|when|where|who|whose|does|do|did|is|are|was|were)\b", re.IGNORECASE
)


def _things(head: str) -> list[str]:
    # "Project and Forget vs. the state of the art": "vs." is what separates the things, and a name may hold "and"
    pieces = _VERSUS.split(f" {head} ") if _VERSUS.search(f" {head} ") else _SPLIT.split(head)
    parts = [_TRAILING_VERB.sub("", p.strip(" .,'\"")) for p in pieces]
    return [p for p in parts if _named(p)][:MAX_PAPERS]


# "Both the MCTS-DPO paper and Agent Q combine ...": two things, the second ending in a name or "paper".
_BOTH = re.compile(
    r"^\s*(?i:both)\s+(?:the\s+)?(.+?)\s+and\s+(?:the\s+)?(.+?\b(?:paper|work|study|method|approach|[A-Z0-9][\w+-]*))"
    r"\s+[a-z]+\b"
)
# "Two papers parallelize computations usually evaluated step by step. Compare their approaches.": papers counted,
# not named or described one by one; the closest ones are compared.
_COUNTED_CLAUSE = re.compile(
    r"^\s*(two|three|four|five)\s+(?!or\s+more\b)(?:[\w-]+\s+){0,3}?papers?\b(?!\s*:)", re.IGNORECASE
)
_COMPARE_THEM = re.compile(
    r"\b(?:compare|contrast)\s+(?:them|their|the two|both)\b|\beach\b|\bhow\s+do\s+(?:they|their|the two)\b"
    r"|\bdiffer\b|\bcompare\s*\??\s*$",
    re.IGNORECASE,
)
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5}
# A compared thing that is itself several papers described: "the two papers that get around score distillation",
# "the two differentially private nonconvex optimization papers".
_PAPERS_WORD = re.compile(r"\b(?:the|papers?)\b", re.IGNORECASE)
_COUNTED_NAME = re.compile(
    r"^\s*(?:the\s+)?(two|three|four|five)\s+(?:[\w-]+\s+){0,5}?papers?\b", re.IGNORECASE
)


def counted(question: str) -> int:
    """How many papers a question counts and then compares without naming them ("Two papers ... Compare their
    ..."); 0 when it doesn't."""
    question = _RECALLED.sub("", question)
    m = _COUNTED_CLAUSE.match(question)
    return _COUNTS[m.group(1).lower()] if m and _COMPARE_THEM.search(question[m.end() :]) else 0


def _how_do_both(question: str) -> re.Match[str] | None:
    m = _HOW_DO_BOTH.match(question)
    if m and _NAMEISH.search(m.group(1)) and _NAMEISH.search(m.group(2)):
        return m
    m = _BOTH.match(question)  # its second thing already ends in a name or "paper"
    return m if m and _NAMEISH.search(m.group(1)) else None


# A title the question quotes ("'Pinpoint, Not Criticize'", "'Does Sparsity Help in Learning Misspecified Linear
# Bandits?'"): one thing, whatever commas, "and", colons or question marks it holds. An apostrophe inside a word
# ("Shampoo's") opens or closes none.
_QUOTED_TITLE = re.compile(
    r"(?<![\w'\u2019])['\"\u2018\u201c]([^'\"\u2018\u2019\u201c\u201d]{3,160}?)['\"\u2019\u201d](?!\w)"
)
_MASK = "QUOTEDTITLE"


def _masked(question: str) -> tuple[str, dict[str, str]]:
    """``question`` with each quoted title (up to 26) replaced by a name-like stand-in ("QUOTEDTITLEA"), and the
    stand-ins' titles."""
    titles: dict[str, str] = {}

    def stand_in(m: re.Match[str]) -> str:
        if len(titles) == 26:
            return m.group(0)
        key = f"{_MASK}{chr(ord('A') + len(titles))}"
        titles[key] = m.group(1).strip()
        return key

    return _QUOTED_TITLE.sub(stand_in, question), titles


def entities(question: str) -> list[str]:
    """The compared things a question names ("Compare A and B in how ..." -> ["A", "B"]; "Compare three
    overviews: the X review, the Y overview and the Z monograph" -> the three after the colon; "How do the X paper
    and Y use ..." -> X paper, Y); a quoted title is one thing."""
    masked, titles = _masked(question)
    found = _entities(masked)
    for key, title in titles.items():
        found = [f.replace(key, title) for f in found]
    return found


# A paper described, not named: "the paper that ...", "a study showing ...", "the one on ..."
_A_DESCRIBED_PAPER = re.compile(
    r"\b(?:the|a|an)\s+(?:[\w-]+\s+){0,3}?(?:paper|work|study|one|article)\b", re.I
)
# ... first in the question, with what it says: "The paper where BERT and RoBERTa both fail ..., and the one that ..."
_DESCRIBED_FIRST = re.compile(
    rf"^\s*{_A_DESCRIBED_PAPER.pattern}\s+(?:that|which|where|showing|finding|proving|proposing|introducing|arguing|"
    r"on|about|with)\b",
    re.IGNORECASE,
)


def _acronym_kept(aside: re.Match[str]) -> str:
    """A listed thing's aside (:data:`_LISTED_ASIDE`) left out, unless it is an acronym ("(SMB)")."""
    return (
        aside.group(0)
        if re.fullmatch(r"\s*\((?=[\w-]*[A-Z][\w-]*[A-Z])[\w-]{2,10}\)", aside.group(0))
        else ""
    )


def _entities(question: str) -> list[str]:
    later = None if _EXPLICIT.search(question) else _EXPLICIT_LATER.search(question)
    if later:
        question = question[later.end() :]  # "For X, compare A with B": the comparison starts at its verb
    # "A, B and the X paper all refine ...": two names or more listed before what they all do, whatever describes;
    # asides left out but an acronym ("SGD with Model Building (SMB) and ...": the acronym finds the paper)
    # (not when the first thing is a paper described: "The paper that shows Adam and Lion both converge ..., and the
    # one that ...")
    if not _DESCRIBED_FIRST.match(question) and (
        listed := _all_of(_LISTED_ASIDE.sub(_acronym_kept, question))
    ):
        return listed
    if not _LEAD.match(question) and (about := described(question)):
        return about  # described, not named: "with" and "and" inside a description don't split it
    if listed := _each_of(question) or _each_of_these(question):
        return listed
    if counted(question):
        return []  # "Two papers ...; compare them": nothing named, the closest papers are compared
    both = _how_do_both(question)
    if both and not _EACH.search(question):
        return [both.group(1).strip(" .,'\""), both.group(2).strip(" .,'\"")]
    body = _LISTED_ASIDE.sub("", _LEAD.sub("", question))
    head, _, rest = body.partition(":") if ":" in body[:80] else (body, "", "")
    found = _things(_CUT.split(head, maxsplit=1)[0])
    if len(found) < 2 and rest:
        listed = _things(re.split(r"[.?;]", rest, maxsplit=1)[0])
        # "X vs. the state of the art: how many times faster ..., and how large ...?" lists questions, not things
        if len(listed) >= 2 and not any(_ASKING.match(t) for t in listed):
            # "How do the two looped-transformer papers differ: the one about learning learning algorithms vs ...":
            # what the head says they all are is searched with each description
            shared = _SHARED_KIND.search(head)
            if shared:
                return [t if _PROPER.search(t) else f"{t} ({shared.group(1)})" for t in listed]
            return listed
    return found if len(found) >= 2 else described(question) or found


def is_comparison(question: str) -> bool:
    """Whether ``question`` asks to compare papers (see the module docstring for the rule)."""
    return _is_comparison(_masked(question)[0])


# "each" asked after the papers are named: "A, B and C: what score does each report?", "A and B - both measure
# themselves against X. How does each work?"
_EACH_LATER = re.compile(
    r"\b(?:does|do|did|is|was|has)\s+each\b|\beach\s+(?:one|paper|method|model|approach)\b|"
    r"\bhow\s+(?:do|did)\s+(?:they|the two|the three)\s+differ\b",
    re.IGNORECASE,
)


# ... after the list has closed: a colon, a dash or the sentence's end ("In ZeRO, states and gradients are split.
# What does each GPU store?" names one thing only)
_LIST_CLOSED = re.compile(r"[:\u2014]\s+|\s-{1,2}\s+|(?<=[.?!])\s+")
# ... where "each" is each paper a list question asks for: "Which papers study X? What does each find?"
_ASKS_PAPERS = re.compile(
    rf"\b(?:which|what|any|list|name|find|show|recommend)\b[^?]{{0,40}}\b(?:{PAPERS_WORD}|work|methods|approaches)\b",
    re.IGNORECASE,
)


def _each_after_names(question: str) -> bool:
    """Whether ``question`` names two things or more and then, after a colon, a dash or its sentence's end, asks
    what each does (:data:`_EACH_LATER`). Named: the thing's name words (:func:`name_words`: "BFS-Prover",
    "Hopular" past the first word, a quoted title), or a paper described ("the paper that ...")."""
    m = _EACH_LATER.search(question)
    if not m or _ASKS_PAPERS.search(question):
        return False
    closes = list(_LIST_CLOSED.finditer(question, 0, m.start()))
    if not closes:
        return False
    head = re.split(r"(?<=[.?!])\s+", question[: closes[-1].start()])[-1]  # the sentence that lists them
    names = name_words(re.sub(r"['\u2019]s\b", "", head))  # "Intel's neuromorphic chip": Intel
    return len(names) + len(_A_DESCRIBED_PAPER.findall(head)) >= 2


def _is_comparison(question: str) -> bool:
    if _EXPLICIT.search(question) or counted(question):
        return True
    if _EXPLICIT_LATER.search(question):
        return len(_entities(question)) >= 2
    if (
        _BETWEEN.search(question)
        or _DIFFER.search(question)
        or _VERSUS.search(question)
        or _EACH.search(question)
        or _EACH_OF.search(question)
        or _each_after_names(question)
    ):
        return len(_entities(question)) >= 2
    return (
        _how_do_both(question) is not None
        or bool(described(question))
        or bool(_all_of(question))
        or bool(_each_of_these(question))
    )


# ------------------------------------------------------------------ papers


def resolve(name: str, hits: list[PaperHit]) -> PaperHit:
    """The hit that *is* the paper called ``name``: one whose title starts with the name ("Shampoo: ..."), else
    one whose abstract says it brings the name ("we propose Shampoo", "our method discovers ... Lion"), else one whose
    title says the name in its order ("Transfer Q Star" for "Transfer Q*"), else one whose title holds all its terms
    (half is not enough: "Iterated Amplification" must not pick "Iterate to Accelerate"), else the top hit. Papers
    *about* a method rank after the paper that introduces it."""
    wanted = terms(name)
    # the paper itself says it brings the name: "Our method discovers ... an optimization algorithm, Lion", "we
    # propose Shampoo", "... dubbed X"; not a paper that speaks of it ("Lion ..., a new optimizer discovered through
    # program search, has shown ...")
    own = re.compile(
        r"(?:\b(?:we|our\s+\w+|this\s+(?:paper|work))\b[^.]{0,40}?\b(?:propose|introduce|present|develop|design|"
        rf"discover|call|name)(?:s|d|ed)?\b[^.]{{0,80}}?|\b(?:called|named|dubbed|termed)\s+){re.escape(name)}(?![\w-])",
        re.IGNORECASE,
    )

    def rank(hit: PaperHit) -> tuple[bool, bool, bool, bool, int]:
        covers = bool(wanted) and coverage(wanted, hit.title) == 1.0
        return (
            title_name(hit.title).lower() == name.lower(),
            bool(own.search(hit.abstract or hit.text)),
            # all of the name, in its order ("Transfer Q*" is "Transfer Q Star", not "... in Transfer Learning")
            covers and says_phrase(hit.title, name),
            covers,
            -hits.index(hit),
        )

    return max(hits[:5], key=rank)


_ARTICLE = re.compile(r"^\s*(?:the|a|an|one|another)\b", re.IGNORECASE)


# A name led by one letter and a hyphen ("K-FAC", "U-Net", "t-SNE") first, whole; then the other name-like tokens.
_NAME_OR_LETTER_LED = re.compile(f"{LETTER_LED_NAME.pattern}|{NAME_TOKEN.pattern}")


def name_words(name: str) -> list[str]:
    """The words of a compared thing that name it: name-like tokens ("CMA-ES", "LRA"; "KL" of "KL-constrained") and capitalised words
    ("Mamba" alone, "Long Range Arena" after the first word; a first word is capitalised anyway: "Full
    fine-tuning")."""
    # a compound with words in lower case is read as its leading name ("KL" of "KL-constrained"); a name led by one
    # letter and a hyphen is the whole name ("K-FAC", "U-Net", "t-SNE"), not its tail ("FAC") nor nothing
    names = [LOWER_TAIL.sub("", n) or n for n in _NAME_OR_LETTER_LED.findall(name)]
    tokens = [w.strip(",.;:()?!\"'") for w in name.split()]
    names += [w for i, w in enumerate(tokens) if (i > 0 or len(tokens) == 1) and capitalised_word(w)]
    return list(dict.fromkeys(names))


def found(name: str, hits: list[PaperHit]) -> bool:
    """Whether some hit is about the thing called ``name``: its title holds all of the name's terms, or its
    text mentions one of the name's name-like words ("CMA-ES" of "CMA-ES on the Rastrigin function"). A name
    without name-like words ("full fine-tuning") is taken as found: it is a description, and the hits are the
    papers closest to it; so is one that starts with an article ("the large-scale ML review")."""
    names = name_words(name)
    if not names or _ARTICLE.match(name):
        return True
    wanted = terms(name)
    return any(
        (wanted and coverage(wanted, hit.title) == 1.0)
        or any(mentions(f"{hit.title} {hit.abstract or hit.text}", n) for n in names)
        for hit in hits
    )


def _named_by(title: str, name: str) -> bool:
    """Whether a title starts with a name word of ``name`` as its own name ("Shampoo: ..." for "the original Shampoo
    paper"; not "Code Llama: ..." for "the Llama 2 chat models")."""
    own = title_name(title).lower()
    return bool(own) and own in {w.lower() for w in name_words(name)}


# A thing named last in the possessive: "... differ from PAIR's?"
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s$")


def pick_papers(
    retriever: Retriever,
    question: str,
    paper_ids: list[str] | None,
    filters: SearchFilters | None,
    options: RetrievalSettings,
) -> tuple[list[PaperHit], bool, list[str]]:
    """2-5 papers with their evidence for the question, each carrying its full abstract (``options``: this
    request's retrieval settings), whether every paper was named (False: the question names one thing, and
    the answer should ask for the other rather than guess), and the names the collection has no paper for."""
    chosen: list[str] = list(dict.fromkeys(paper_ids or []))[:MAX_PAPERS]
    named = bool(chosen)
    missing: list[str] = []
    if not chosen:
        described = 0
        names = entities(question)
        for name in names:
            name = _POSSESSIVE.sub("", name.strip())  # "PAIR's" is PAIR
            m = _COUNTED_NAME.match(name)
            if m:
                # "the two papers that get around score distillation": the papers closest to the description, as
                # many as it counts
                wanted = _COUNTS[m.group(1).lower()]
                described += wanted
                what = _PAPERS_WORD.sub(" ", name[: m.start(1)] + name[m.end(1) :]).strip()
                hits = retriever.search(what, k=wanted + len(chosen), filters=filters, options=options).hits
                for hit in [h for h in hits if h.paper_id not in chosen][:wanted]:
                    chosen.append(hit.paper_id)
                continue
            hits = retriever.search(name, k=5, filters=filters, options=options).hits
            if hits:
                retriever.with_abstracts(hits)
            if not hits or not found(name, hits):
                missing.append(name)
                continue
            best = resolve(name, hits)
            if best.paper_id in chosen:
                # each thing named is another paper: "'A New Perspective on Shampoo's Preconditioner', the original
                # Shampoo paper, and ..." is not the first paper twice, when another paper's title has the name
                # (a description without one may just say the chosen paper again)
                others = [h for h in hits if h.paper_id not in chosen]
                other = resolve(name, others) if others else None
                if other is not None and _named_by(other.title, name) and not _named_by(best.title, name):
                    best = other
            if best.paper_id not in chosen:
                chosen.append(best.paper_id)
        named = len(names) + max(0, described - 1) >= 2
        if len(chosen) < 2 and not names:
            # "Compare these two approaches to X", "Two papers ...; compare them": no names, so the papers closest
            # to the question (as many as it counts, else two).
            wanted = counted(question) or 2
            for hit in retriever.search(question, k=wanted + 1, filters=filters, options=options).hits:
                if hit.paper_id not in chosen and len(chosen) < wanted:
                    chosen.append(hit.paper_id)
            named = True
    out: list[PaperHit] = []
    for pid in chosen:
        hits = retriever.search(question, k=1, filters=SearchFilters(paper_ids=[pid]), options=options).hits
        if hits:
            out.append(hits[0])
    retriever.with_abstracts(out)
    return out, named, missing


# ------------------------------------------------------------------ the table


def build_table(evidence: Evidence, sources: list[Source]) -> list[CompareRow]:
    """One row per source: approach, data/benchmarks, key results, each a cited sentence of its abstract
    (:func:`rag.extraction.compare_cells`: the grid's rules for its default columns)."""
    rows = []
    for src in sources:
        sentences = evidence.by_source.get(src.n, [])  # in abstract order, scored against the question
        if not sentences:
            continue
        cells: dict[str, str] = {}
        for kind, (i, _) in compare_cells(sentences).items():
            if i is None:
                cells[kind] = NOT_STATED
            else:
                # The whole sentence: a cut one can lose the very number the cell is for.
                cells[kind] = f"{sentences[i].text.rstrip('.')} [{src.n}]"
                if kind == "approach":
                    src.support = sentences[i].text
        rows.append(
            CompareRow(
                src.n,
                src.title,
                cells["approach"],
                cells["data"],
                cells["results"],
                src.paper_id,
                src.published,
            )
        )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_markdown(rows: list[CompareRow]) -> str:
    """The table as GitHub Markdown, every row and cell cited."""
    lines = ["| " + " | ".join(HEADERS) + " |", "| --- | --- | --- | --- |"]
    for r in rows:
        lines.append(
            f"| {_cell(r.title)} [{r.n}] | {_cell(r.approach)} | {_cell(r.data)} | {_cell(r.results)} |"
        )
    return "\n".join(lines)


def table_csv(rows: list[CompareRow]) -> str:
    """The table as CSV, markers removed (the ``n`` column keeps the source number)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["n", "paper", "paper_id", "date", "approach", "data_or_benchmarks", "key_results"])
    for r in rows:
        cells = [strip_markers(r.approach), strip_markers(r.data), strip_markers(r.results)]
        writer.writerow([r.n, r.title, r.paper_id, r.published or "", *cells])
    return buf.getvalue()
