"""Extractive answers: which sentences of the evidence answer a question, in what order, under what heading.

The extractive backend, and every LLM backend's fallback, writes its answer from :func:`fact_lines`; list answers
come from :func:`list_matches`; summaries from :func:`summary_sentences`. Each answers one failure class of quoting
"the sentence most similar to the question":

* **every part**: a multi-part question ("which benchmark, how many problems, what score?") gets the lead paper's
  best sentence for *each* part (:attr:`rag.question.Question.parts`);
* **numbers**: a part that asks "how much / how many / what score" prefers a sentence that states a number
  (``Settings.evidence.number_bonus``);
* **one paper**: sentences come from the lead paper (the one the gate accepted); another paper's only when its
  sentence scores nearly as well (``other_floor``), so an unrelated paper sharing a word isn't quoted;
* **the name**: "which paper / method ...?" answers open with the paper's title and the name its abstract defines
  (:func:`defined_name`);
* **lists**: every retrieved paper whose abstract meets the question (:func:`list_matches`).

Deliberately not here: whether to answer at all (:meth:`rag.evidence.Evidence.gate`), retrieval, and markers'
validation (:mod:`rag.citations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from rag.config import EvidenceSettings
from rag.evidence import Evidence, Sentence, SourceLike, asks_lower_kind, holds
from rag.question import (
    DEFINES,
    NAME_TOKEN,
    asks_name,
    focus,
    is_generic,
    is_question,
    named_kind,
    new_name,
    paper_names,
    states,
    title_name,
    without_description,
)
from rag.text import METHOD_CUES, NAME_LIKE, coverage, generic_stems, numbers, stem, terms, words

S = TypeVar("S", bound=SourceLike)

_RESULT_CUES = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|x\b|×|times)|\b(?:outperform\w*|achiev\w*|improv\w*|speed-?ups?|state-of-the-art|"
    r"surpass\w*|results? (?:show|demonstrate|indicate)|we (?:show|find|demonstrate)|experiments? (?:show|demonstrate))",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|\bgithub\.com\b", re.IGNORECASE)


def defined_name(title: str, abstract: str) -> str:
    """The name of the paper's method, model or benchmark: the title's "Name: ..." prefix, else the first name
    the abstract defines ("we propose X", "dubbed X"); "" when neither."""
    name = title_name(title)
    if name:
        return name
    m = DEFINES.search(abstract)
    return m.group(1).rstrip(".,;") if m else ""


def heading(src: SourceLike) -> str:
    """The line that names the paper an answer comes from: its title, its defined name when the title lacks it."""
    name = defined_name(src.title, src.text)
    extra = f" ({name})" if name and name.lower() not in src.title.lower() else ""
    return f'"{src.title}"{extra} [{src.n}]:'


_REPLACED = re.compile(
    r"\b(?:instead of|rather than|in place of|in lieu of|as opposed to|replacing|(?:swap(?:ped|s)?|substitut\w*)"
    r"\s+(?:in\s+)?for)\s+([^,;?]+)",
    re.I,
)
_CONTRAST = re.compile(
    r"\b(?:instead|rather|replac\w*|unlike|in contrast|propose[sd]?|introduce[sd]?|present|novel|new)\b", re.I
)


def _replaced_terms(question: str) -> set[str]:
    """The content terms of what a question says was replaced ("instead of exhaustive partitioning")."""
    m = _REPLACED.search(question)
    return terms(m.group(1)) - generic_stems() if m else set()


# Detail kinds whose answer has a form of its own (rag.question.DETAIL_KINDS' answer patterns): a link, a GPU, a
# license, a parameter count, a duration.
_FORMED = frozenset({"code", "hardware", "license", "parameters", "duration"})


def _answer_forms(
    evidence: Evidence, part: str, asks: frozenset[str], pool: Sequence[Sentence]
) -> tuple[str, list[bool]] | None:
    """What a part asks for and whether each sentence of ``pool`` states it: ("number", ...) a number the question
    doesn't give near the part's focus words ("pass@10", "parameters"; anywhere when it has none); ("name", ...) a
    name near them new to the question, the paper's title and the concepts its abstract abbreviates ("continual
    learning (CL)" names no dataset); ("form", ...) for a detail of a kind in :data:`_FORMED`, that kind's form at
    all (a link for "where is the code?"). None when the part asks none of these."""
    wanted = terms(" ".join(focus(part))) - generic_stems()
    if "number" in asks:
        # a quantity with a unit of its own is stated in it ("How much GPU memory ...?": "27GB", not "20 seconds")
        unit = "unit" in asks
        return "number", [
            evidence.states_near(s.text, wanted, number=True) and (not unit or states("unit", s.text, part))
            for s in pool
        ]
    formed = [k for k in asks if k in _FORMED]
    lower = asks_lower_kind(part)  # "Which existing training method ...?": "the flooding method" names it
    if lower or asks_name(part):
        known: dict[int, set[str] | None] = {}
        for s in pool:
            if s.source not in known:
                src = evidence.source(s.source)
                known[s.source] = evidence.known_names(src) if src is not None else None
        # a formed detail's form answers a name question of its kind ("What kind of hardware ...?": "on CPU")
        # a kind named in lower case is said by a word before it, not by any name near the focus ("what
        # regularizer ...?" of "evaluated on CIFAR-10 and ImageNet")
        named = asks_name(part)

        def flagged(near: set[str]) -> list[bool]:
            return [
                (
                    named
                    and evidence.states_near(
                        s.text, near, number=False, name=True, known_names=known[s.source]
                    )
                )
                or any(states(k, s.text) for k in formed)
                or (lower and evidence.specifies(s.text, part, known[s.source] or set()))
                for s in pool
            ]

        flags = flagged(wanted)
        kind = named_kind(part).split()
        if (
            named
            and wanted
            and kind
            and not any(is_generic(w) for w in kind)
            and not any(flags)
            and not any(stem(kind[-1]) in terms(s.text) for s in pool)
        ):
            # no sentence names something beside the words of the kind asked: the abstract may name it in its own
            # words ("which satellite instrument ...?": "data from Advanced Geosynchronous Radiation Imager (AGRI)
            # aboard Fengyun-4B"), so where the abstract never says the kind, a sentence naming something new
            # anywhere states it (not for a kind that is a field's acronym: "the LLM"); where it says the kind
            # ("the miniImagenNet benchmark"), the name is beside it. A name there is one in the form of a name
            # ("Fengyun-4B"), not capitalised words ("Numerical Weather Prediction (NWP)" is a field)
            # ... nor an acronym the abstract defines in parentheses, as often a field as a thing ("(NWP)")
            defined = {d.lower() for s in pool for d in re.findall(r"\(([A-Z][\w-]*)\)", s.text)}
            flags = [
                any(new_name(w, (known[s.source] or set()) | defined) for w in NAME_TOKEN.findall(s.text))
                for s in pool
            ]
        # ... and when no sentence says which, the part asks no form the sentences could be chosen by
        return ("name", flags) if named or any(flags) else None
    return ("form", [any(states(k, s.text) for k in formed) for s in pool]) if formed else None


def _local_coverage(
    part: str,
    sentences: Sequence[Sentence],
    title: str,
    pool: Sequence[Sentence],
    held_terms: Callable[[str], set[str]] = terms,
) -> list[float]:
    """Each sentence of ``pool`` (some of one paper's ``sentences``): its share of ``part``'s terms, each term
    weighted by its inverse frequency among ``sentences`` and the paper's ``title`` (a term none holds counts for
    none). The paper's topic words, held by most of its sentences, weigh little; a word one sentence alone holds
    weighs most. What the part says was replaced ("... instead of the deterministic one?") says which sentence does
    not answer: it counts for none. ``held_terms``: a sentence's terms (:meth:`rag.evidence.Evidence.held` counts
    an acronym of the question it spells out)."""
    held = {id(s): held_terms(s.text) for s in sentences}
    docs = [*held.values(), terms(title)]
    weights = {}
    for t in terms(part) - _replaced_terms(part):
        df = sum(t in d for d in docs)
        if df:
            weights[t] = float(np.log((len(docs) + 1) / (df + 0.5)))
    total = sum(weights.values())
    if total <= 0:
        return [0.0] * len(pool)
    return [sum(w for t, w in weights.items() if t in held[id(s)]) / total for s in pool]


def _part_scores(
    evidence: Evidence, part: str, asks: frozenset[str], pool: list[Sentence]
) -> tuple[list[float], list[bool] | None]:
    """How well each sentence of ``pool`` answers one part of the question, and whether each states what the part
    asks for (:func:`_answer_forms`; None when it asks no number, name or formed detail)."""
    cfg = evidence.settings
    if part.strip() == evidence.question.strip():
        base = [s.score for s in pool]
    else:
        p_terms = terms(part) | (evidence.q_terms if len(terms(part)) < 2 else set())
        w = cfg.similarity_weight
        sims = evidence.similarities(part, pool)
        own = [
            w * sim + (1 - w) * evidence.coverage(p_terms, s.text) for sim, s in zip(sims, pool, strict=True)
        ]
        base = [cfg.part_weight * o + (1 - cfg.part_weight) * s.score for o, s in zip(own, pool, strict=True)]
    forms = _answer_forms(evidence, part, asks, pool)
    flags = forms[1] if forms else None
    bonus = {"number": cfg.number_bonus, "name": cfg.name_bonus}.get(forms[0], 0.0) if forms else 0.0
    if flags is not None and bonus:
        base = [b + (bonus if f else 0.0) for b, f in zip(base, flags, strict=True)]
    replaced = _replaced_terms(part)
    if replaced and cfg.replaced_penalty:
        # "... instead of the deterministic one?": a sentence on the old way is not the answer, unless it says
        # what replaces it ("we propose X instead of the deterministic criterion").
        base = [
            b - (cfg.replaced_penalty if replaced <= terms(s.text) and not _CONTRAST.search(s.text) else 0.0)
            for b, s in zip(base, pool, strict=True)
        ]
    if "code" not in asks:
        # "Code is available at https://..." matches a question on the paper's name, and answers nothing else.
        base = [
            b - (cfg.link_penalty if _LINK.search(s.text) else 0.0) for b, s in zip(base, pool, strict=True)
        ]
    return base, flags


def first_method(sentences: Sequence[Sentence]) -> int | None:
    """The index of an abstract's first sentence that presents its method ("we propose ..."), if any."""
    return next((i for i, s in enumerate(sentences) if METHOD_CUES.search(s.text)), None)


def background(sentences: Sequence[Sentence]) -> set[int]:
    """The ids of an abstract's sentences (in abstract order) before its first "we propose ..." sentence: the
    setting and prior work it starts from; empty when no sentence presents a method."""
    return {id(s) for s in sentences[: first_method(sentences) or 0]}


def without_title(text: str, title: str) -> str:
    """``text`` without the paper's title where it quotes it ("Automated Quantum Circuit Design with Nested Monte
    Carlo Tree Search: for which kind of codes ...?" -> "for which kind of codes ...?"): the title's words match
    every sentence that restates the title, not the one that answers. Unchanged when the title (or its part before
    a colon, of three words or more) isn't quoted, or too little would be left."""
    for quoted in dict.fromkeys((title, title.split(":")[0])):
        if len(quoted.split()) < 3:
            continue
        m = re.search(r"\s+".join(re.escape(w) for w in quoted.split()), text, re.IGNORECASE)
        if m:
            rest = re.sub(
                r"[\"'\u2018\u2019\u201c\u201d]\s*[\"'\u2018\u2019\u201c\u201d]",
                " ",
                f"{text[: m.start()]} {text[m.end() :]}",
            )
            rest = re.sub(r"\s+", " ", rest).strip(" :;,.-\u2013\u2014'\"")
            if len(words(rest)) >= 3:
                return rest
    return text


# A question about the name itself ("What is X?", "What does X stand for?", "What is the new loss called?"): the
# sentence that defines the name answers it.
_ASKS_WHAT_IT_IS = re.compile(
    r"^\W*(?:what|who)\s+(?:is|are|was|were)\s+(?:\S+\s+){0,3}?\S+\s*\??$|\bstands? for\b|\b(?:called|named|termed|dubbed)\b",
    re.IGNORECASE,
)


# A question word: a span that holds one is the question's own clause, no description of a paper.
_QUESTION_WORD = r"\b(?:what|which|who|when|where|why|how)\b"


def without_names(text: str, names: set[str]) -> str:
    """``text`` without the paper's own names ("What's the maximum speedup Sorting Krylov Recycling gives?" ->
    "What's the maximum speedup gives?"): asked for a detail, the sentence that defines the name is not the answer.
    Unchanged when too little would be left."""
    rest = text
    for name in sorted(names, key=len, reverse=True):
        if len(name) > 1:
            # with what describes it after a comma ("APEN, the approximately piecewise E(3) equivariant point
            # network"): the description says which paper, not what is asked of it
            rest = re.sub(
                rf"(?<![\w-]){re.escape(name)}(?:'s)?(?![\w-])"
                rf"(?:,\s+(?:the|an?)\s+(?:(?!{_QUESTION_WORD})[^,;?])+(?:,|(?=[;?]|$)))?",
                " ",
                rest,
                flags=re.IGNORECASE,
            )
    rest = re.sub(r"\s+", " ", rest).strip()
    return rest if len(words(rest)) >= 3 else text


def fact_sentences(
    evidence: Evidence, lead: int | None, *, only_lead: bool = False, own_work: bool = False
) -> list[Sentence]:
    """The sentences of a fact answer, in answer order: the lead paper's best for each part of the question, its
    next best while close, then other papers' only when nearly as good as the best overall (never with
    ``only_lead``). ``own_work``: what the paper itself does is asked (a comparison), so its background sentences
    (:func:`background`) lose ``background_penalty``."""
    cfg: EvidenceSettings = evidence.settings
    ranked = evidence.ranked
    if not ranked:
        return []
    lead = lead if lead is not None else ranked[0].source
    mine = evidence.by_source.get(lead, [])
    before = background(mine) if own_work else set()

    def adjusted(s: Sentence, score: float) -> float:
        return score - (cfg.background_penalty if id(s) in before else 0.0)

    picked: list[Sentence] = []
    completing: list[Sentence] = []  # sentences stating the number or name a part's best sentence doesn't
    asked = evidence.asked
    parts = list(zip(asked.parts, asked.part_asks, strict=True)) if len(asked.parts) > 1 else []
    # a first part that only says which paper is meant ("For the deep-learning data assimilation framework ...,
    # which satellite instrument ...?") takes the sentence it describes first, so that the parts that ask don't;
    # the answer then opens with what is asked
    # (a description, not a bare name: "In Shampoo, what does each matrix act on?" takes the answer for its name)
    lead_in = (
        len(parts) > 1 and not parts[0][1] and not is_question(parts[0][0]) and len(terms(parts[0][0])) >= 3
    )
    parts = parts or [(evidence.question, asked.asks)]
    lead_src = evidence.source(lead)
    title, names = (lead_src.title, paper_names(lead_src.title, lead_src.text)) if lead_src else ("", set())
    for part, asks in parts[: cfg.max_parts]:
        pool = [s for s in mine if s not in picked]
        if not pool:
            break
        asked_for = without_title(part, title)
        if cfg.without_description and not own_work:
            # (a compare line is about what each described paper does: there the description is the point)
            asked_for = without_description(asked_for)
        # a compare line (own_work) is about what each named paper does: there the naming sentence is the point
        if asks or asks_name(part) or not (own_work or _ASKS_WHAT_IT_IS.search(part)):
            asked_for = without_names(asked_for, names)
        part_scores, flags = _part_scores(evidence, asked_for, asks, pool)
        scores = [adjusted(s, v) for s, v in zip(pool, part_scores, strict=True)]
        chosen = scores
        if cfg.local_terms_weight and not own_work:
            # the words of the part that few of the paper's sentences hold say which sentence answers it, among
            # those that state the name or number asked when one does (a sentence that only speaks of the thing in
            # rarer words doesn't displace the one that names it); not in a compare line, which asks what each
            # paper does
            local = _local_coverage(asked_for, mine, title, pool, evidence.held)
            among = flags if flags is not None and any(flags) else [True] * len(pool)
            chosen = [
                v + (cfg.local_terms_weight * x if ok else 0.0)
                for v, x, ok in zip(scores, local, among, strict=True)
            ]
        first = int(np.argmax(chosen))
        picked.append(pool[first])
        if flags is not None and not flags[first] and cfg.answer_form_floor < 1.0:
            # The part's best sentence speaks of what is asked but states no number or name for it (often the
            # sentence a description in the question paraphrases: "SGDP and AdamP, the optimizers that remove the
            # radial component, ..."); the best sentence that does state one follows it, when close enough.
            stating = [
                i for i, f in enumerate(flags) if f and scores[i] >= cfg.answer_form_floor * scores[first]
            ]
            if stating:
                completing.append(pool[max(stating, key=lambda i: scores[i])])
    if lead_in and len(picked) > 1:
        picked.append(picked.pop(0))
    own = sorted((s for s in ranked if s.source == lead), key=lambda s: -adjusted(s, s.score))
    top = adjusted(own[0], own[0].score) if own else ranked[0].score
    most = max(cfg.compare_sentences if own_work else cfg.sentences_per_paper, len(parts))
    floor = cfg.compare_floor if own_work else cfg.lead_floor
    for s in completing:
        if len(picked) < most and s not in picked:
            picked.append(s)
    for s in own:
        if len(picked) >= most:
            break
        linked = bool(_LINK.search(s.text)) and "code" not in asked.asks
        if s not in picked and adjusted(s, s.score) >= floor * top and not linked:
            picked.append(s)
    if only_lead:
        return picked
    best = ranked[0].score
    others: dict[int, int] = {}
    for s in ranked:
        if len(picked) >= max(cfg.answer_sentences, len(parts)):
            break
        if s.source == lead or s.score < cfg.other_floor * best or s in picked:
            continue
        if others.get(s.source, 0) < 1:
            picked.append(s)
            others[s.source] = others.get(s.source, 0) + 1
    return picked


# A comparison that asks how each paper works: its approach, method, components or mechanism ("How do PAIR and
# Tastle differ in how they generate jailbreaks?", "What does each add on top of GaLore?").
_ASKS_APPROACH = re.compile(
    r"\bhow\b(?!\s+(?:much|many|well|fast|large|big|long|often|accurate|close)\b)|\bapproach|\bmethod|\btechniques?\b"
    r"|\bcomponents?\b|\bmechanisms?\b|\bideas?\b|\bstrateg|\bwhat does each (?:one )?(?:add|do|use|change|propose)\b",
    re.IGNORECASE,
)
# A comparison that asks nothing in particular ("Compare Ctrl-U and IP-RLDF."): how each works is the first thing it
# asks.
_BARE_COMPARE = re.compile(
    r"^\W*(?:compare|contrast)\b(?![^?]*\b(?:what|how|which|who|where|when|why|in terms of|on)\b)",
    re.IGNORECASE,
)
# A sentence in which the paper says what its method does, after presenting it: "Firstly, we tailor a Handpose
# Aggregation Net ...", "We designed malicious content concealing and memory reframing ...", "Based on this
# observation, we propose a norm-based scaling method ..."; not what it finds or shows ("First, we observe ...",
# "we show that ...") nor a result ("Extensive experiments ... demonstrate", "outperforms", "10-100x").
# What a paper says it finds or shows, not what its method does: "First, we observe that ...", "We prove that ...".
_FINDING_VERBS = r"observe|find|found|show|prove|note|notice|demonstrate|argue|report|achieve|obtain|believe|hope|expect|release"
_DETAILS_METHOD = re.compile(
    rf"\bwe\s+(?!(?:also\s+)?(?:{_FINDING_VERBS}|analy[sz]e|study|evaluate|conduct|discuss|make|"
    r"provide|establish|theoretically|empirically|can|could|will|would|may)\b)\w+",
    re.IGNORECASE,
)
_FINDS = re.compile(rf"\bwe\s+(?:also\s+|further\s+|then\s+)?(?:{_FINDING_VERBS})\b", re.IGNORECASE)
_A_RESULT = re.compile(
    r"\bexperiment|\boutperform|\bsurpass|\bstate[- ]of[- ]the[- ]art|\bresults?\b|\bdemonstrat|\bevaluat"
    r"|\d+(?:\.\d+)?\s*(?:%|x\b|×|times\b)",
    re.IGNORECASE,
)


def compare_line(evidence: Evidence, lead: int, question: str) -> list[Sentence]:
    """The sentences of a compare answer's line for paper ``lead``: its :func:`fact_sentences` on the question (its
    own work), and, with ``Settings.evidence.method_details``, what its method is made of (:func:`method_details`);
    the line (up to ``compare_sentences``, and two method details more) reads in the abstract's order, as the paper
    tells it: the setting, the method presented, its parts, its results. In the order of their scores, "Subsequently,
    ..." could come before "Specifically, in the first phase ..."."""
    picked = fact_sentences(evidence, lead, only_lead=True, own_work=True)
    extra = [s for s in method_details(evidence, lead, question) if s not in picked]
    order = {id(s): i for i, s in enumerate(evidence.by_source.get(lead, []))}
    return sorted([*picked, *extra], key=lambda s: order.get(id(s), len(order)))


def method_details(evidence: Evidence, lead: int, question: str, limit: int = 2) -> list[Sentence]:
    """For a comparison that asks how each paper works (:data:`_ASKS_APPROACH`): the sentences right after the one
    presenting ``lead``'s method that say what the method is made of, at most ``limit``: the two that follow it
    whatever their voice ("Leveraging the Duncan-Guttman matrix identity, the parameter update is obtained by ...",
    "During finetuning, the quantized component remains fixed ..."), and the third when the paper says it does
    something there (:data:`_DETAILS_METHOD`: "Firstly, we tailor a Handpose Aggregation Net ..."); never a result
    nor what the paper finds (:data:`_FINDS`: "First, we observe that ...").
    The presenting sentence names the method, these say how it works. Empty when the setting is off, the question
    asks no such thing or the abstract presents no method."""
    if not (
        evidence.settings.method_details
        and (_ASKS_APPROACH.search(question) or _BARE_COMPARE.search(question))
    ):
        return []
    mine = evidence.by_source.get(lead, [])
    start = first_method(mine)
    if start is None:
        return []
    # (measured on the versus and the other sets' compare dev questions: key facts 0.702 / 0.808 with the "we ..."
    # sentences alone, 0.762 / 0.833 with the next sentence too, 0.773 / 0.847 with the next two, 0.773 / 0.839
    # with the next two but a finding)
    return [
        s
        for j, s in enumerate(mine[start + 1 : start + 4])
        if (j < 2 or _DETAILS_METHOD.search(s.text))
        and not _A_RESULT.search(s.text)
        and not _FINDS.search(s.text)
    ][:limit]


# A sentence that leans on the one before it: "Motivated by this application, we ...", "To address this, ...",
# "These methods ...". "This paper ..." and "In this work ..." stand on their own.
_LEANS_BACK = re.compile(
    r"^(?:(?:this|these|that|those|such)\b(?!\s+(?:paper|work|article|study|thesis|letter|note|survey)\b)"
    r"|(?:motivated|inspired) by (?:this|these|that|such)\b|to (?:this|that) end\b"
    r"|to (?:address|tackle|overcome|solve|mitigate|alleviate|remedy|fix|bridge|fill|close|handle|resolve) "
    r"(?:this|these|that|those|such|the above|both|it|them)\b|(?:for this reason|because of this|as a result)\b"
    r"|however, (?:this|these|such|it|they)\b)",
    re.IGNORECASE,
)


def with_antecedents(evidence: Evidence, picked: Sequence[Sentence], depth: int = 2) -> list[Sentence]:
    """``picked`` with the sentence before each one that leans on it (:data:`_LEANS_BACK`: "Motivated by this
    application, we implement ...", quoted alone, says nothing of the application), up to ``depth`` sentences back
    while each leans on the one before; a sentence already quoted is moved there rather than repeated, so the run
    reads in the abstract's order."""
    out: list[Sentence] = []
    for s in picked:
        if any(x is s for x in out):
            continue
        mine = evidence.by_source.get(s.source, [])
        at = next((i for i, other in enumerate(mine) if other is s), 0)
        run = [s]
        while len(run) <= depth and at > 0 and _LEANS_BACK.match(mine[at].text):
            at -= 1
            run.insert(0, mine[at])
            if any(x is mine[at] for x in out) or any(x is mine[at] for x in picked):
                break  # the sentence leant on is quoted anyway: the run joins it there
        out = [x for x in out if not any(x is r for r in run)]
        out.extend(run)
    return out


# What an abstract says is missing before it presents its method: the gap the paper fills ("However, existing
# methods are confined to the offline setting", "... remains a challenge", "... has been overlooked").
_GAP_CUES = re.compile(
    r"\b(?:however|but|yet|unfortunately|despite|although|nevertheless)\b|\b(?:remains?|remained) (?:an? |largely |"
    r"still |)?(?:open|unclear|unknown|challenging|difficult|elusive|limited|unexplored|underexplored)\b|"
    r"\b(?:challenges?|challenging|limitations?|limited|lacks?|lacking|struggles?|fails? to|suffers? from|"
    r"overlooked|bottlenecks?|drawbacks?|insufficient|inefficient|expensive|costly|difficult|hard to|only)\b",
    re.IGNORECASE,
)
# A sentence in which the paper says what it does, when no "we propose ..." sentence does ("we can spectrally
# decompose ...", "Our approach ..."), not what it finds ("we show that ...").
_OWN_WORK = re.compile(
    r"\b(?:we|our (?:approach|method|framework|model|algorithm|work|goal))\b", re.IGNORECASE
)
_FINDING = re.compile(r"\bwe (?:show|find|found|demonstrate|observe|prove|report)\b", re.IGNORECASE)
# A result stated as a quantity: "2x", "67.1%", "more than times 50", "by a factor of 3", "200 times faster".
_QUANTITY_RESULT = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|x\b|×|times\b|-fold\b)|\b(?:times|factor of)\s+\d", re.IGNORECASE
)


# ... or in words a result is said in ("reduces the error", "competitive with GPT-4", "comparable to").
_SUMMARY_RESULT = re.compile(
    rf"{_QUANTITY_RESULT.pattern}|{_RESULT_CUES.pattern}|\b(?:reduc\w*|lower|higher|better|faster|fewer|"
    r"competitive|comparable|match(?:es|ing)?|exceed\w*|beats?|superior|significantly|substantially|consistently)\b",
    re.IGNORECASE,
)


def summary_sentences(evidence: Evidence, lead: int) -> list[Sentence]:
    """A summary of one paper, in abstract order: the problem (the gap it states before presenting its method, its
    opening sentence when it states none), the first sentence that presents its method (else the first in which it
    says what it does) and the one after it unless that states a result (how the method works), and its main
    result (of the sentences after the method that state a result, else of any, the one with the most
    quantities). A link to code is no part of a summary."""
    mine = [s for s in evidence.by_source.get(lead, []) if not _LINK.search(s.text)]
    if not mine:
        return []
    method = first_method(mine)
    if method is None:
        method = next(
            (
                i
                for i, s in enumerate(mine)
                if i > 0 and _OWN_WORK.search(s.text) and not _FINDING.search(s.text)
            ),
            None,
        )
    gaps = [i for i in range(1, method or 0) if _GAP_CUES.search(mine[i].text)]
    chosen = {gaps[-1] if gaps else 0}
    if method is not None:
        chosen.add(method)
        if method + 1 < len(mine) and not _SUMMARY_RESULT.search(mine[method + 1].text):
            chosen.add(method + 1)
    stated = [i for i, s in enumerate(mine) if i not in chosen and _SUMMARY_RESULT.search(s.text)]
    # what follows the method is its result; a finding that motivates it ("Our findings show ...") only if none does
    results = [i for i in stated if i > (method or 0)] or stated
    if results:
        quantities = {
            i: (len(_QUANTITY_RESULT.findall(mine[i].text)), len(numbers(mine[i].text)), i) for i in results
        }
        chosen.add(max(results, key=quantities.__getitem__))
    return [mine[i] for i in sorted(chosen)]


LIST_FEATURES = ("relative", "sim", "lexical", "cover", "alt_cover", "rank", "retrieval")
_ALTERNATIVES = re.compile(r"\s+or\s+|,\s*|/|\s+and/or\s+", re.IGNORECASE)


def alternatives(question: str) -> list[str]:
    """The alternatives of an "X, Y or Z" question, each with content terms ([] when there is one)."""
    pieces = [p.strip(" ?.") for p in _ALTERNATIVES.split(question)]
    return [p for p in pieces if terms(p)] if len(pieces) > 1 else []


def _rare_share(evidence: Evidence) -> Callable[[set[str]], float]:
    """The share of the question's specific terms (not generic words), each weighted by its rarity in the
    collection, that a set of terms holds."""
    rarity = evidence.rarities(evidence.q_terms - generic_stems())
    total = sum(rarity.values())
    return lambda held: sum(r for t, r in rarity.items() if t in held) / total if total > 0 else 0.0


# How much a sentence's share of the question's rare terms counts, beside its score, in choosing the sentence that
# shows why a paper is listed (display only: "Large language models have been applied in various applications"
# shows no match for "which papers compress prompts given to LLMs?", "we propose LLMLingua, a prompt compression
# method" does).
LIST_SENTENCE_RARE = 0.5


def list_sentences(evidence: Evidence) -> dict[int, Sentence]:
    """Per source, the sentence a list answer quotes for it: its best by score plus :data:`LIST_SENTENCE_RARE`
    times its share of the question's rare terms."""
    share = _rare_share(evidence)
    best: dict[int, tuple[float, Sentence]] = {}
    for s in evidence.ranked:
        key = s.score + LIST_SENTENCE_RARE * share(terms(s.text))
        if s.source not in best or key > best[s.source][0]:
            best[s.source] = (key, s)
    return {n: s for n, (_, s) in best.items()}


def list_features(evidence: Evidence, sources: Sequence[SourceLike]) -> dict[int, dict[str, float]]:
    """Per source (by number), how well its abstract meets a list question (names: :data:`LIST_FEATURES`):

    * ``relative`` / ``sim`` / ``lexical``: its best sentence's score as a share of the best paper's, its cosine
      similarity, its share of the question's content terms;
    * ``cover``: the share of the question's content terms its title and abstract hold; ``alt_cover``: the same for
      the best-held alternative of an "X or Y" question;
    * ``rank`` / ``retrieval``: 1 / its retrieval rank, and its retrieval score as a share of the top one's.

    (Two more, the share of the question's rarity-weighted specific terms a paper and its quoted sentence hold,
    were fitted with the survey set's lists and lifted precision, but cost list recall on the answers test split:
    evals/README.md.)
    """
    best = evidence.best_by_source()
    if not best:
        return {}
    top = max(s.score for s in best.values()) or 1.0
    top_retrieval = max((getattr(s, "score", 0.0) for s in sources), default=0.0) or 1.0
    alts = [terms(a) for a in alternatives(evidence.question)]
    out = {}
    for rank, src in enumerate(sources, start=1):
        sentence = best.get(src.n)
        if sentence is None:
            continue
        text = f"{src.title} {src.text}"
        cover = coverage(evidence.q_terms, text)
        alt = max((coverage(a, text) for a in alts), default=cover) if len(alts) > 1 else cover
        out[src.n] = {
            "relative": sentence.score / top,
            "sim": sentence.sim,
            "lexical": sentence.lexical,
            "cover": cover,
            "alt_cover": alt,
            "rank": 1.0 / rank,
            "retrieval": getattr(src, "score", 0.0) / top_retrieval,
        }
    return out


def _is_list_name(w: str, first: bool) -> bool:
    """Whether a list question's word ``w`` is a specific thing's name (:func:`list_names`); ``first``: it opens the
    question, where a capitalised word is no name."""
    return (
        bool(NAME_LIKE.match(w) or any(c.isdigit() for c in w))  # "Llama-2" too
        and not (first and w.istitle())
        and new_name(w, set())
        and sum(c.isalpha() for c in w) >= 2
    )


# What only illustrates or glosses a criterion: a parenthesis, and examples ("such as RANSAC or bundle adjustment",
# "e.g. PPO") to the clause's end.
_GLOSS = re.compile(
    r"\([^()]*\)|\b(?:e\.g\.|i\.e\.|such as|for example|for instance|like|including|especially)[^,;:?]*",
    re.IGNORECASE,
)


def list_names(question: str) -> list[str]:
    """The specific things a list question names as its criterion ("GSM8K" of "Which works use GSM8K ...?",
    "HumanEval", "GPT-4", "CIFAR-10 or CIFAR-100"): name-like words (not a capitalised first word), less a field's
    or a kind's acronym, alone or with lower-case words joined to it ("LLMs", "ML-prediction-augmented":
    :func:`rag.question.new_name`), a number with a unit ("3D", "7B"), and names that only gloss or illustrate
    (in parentheses, after "e.g." or "such as"). None when a name is one alternative of something else ("MCTS or
    best-first search", "DPO or a named variant"): a paper may meet the criterion without it."""
    text = _GLOSS.sub(" ", question)
    tokens = words(text)
    found = [w for i, w in enumerate(tokens) if _is_list_name(w, i == 0)]
    for i, w in enumerate(tokens):
        if w.lower() != "or":
            continue
        before = any(_is_list_name(t, False) for t in tokens[max(0, i - 3) : i])
        after = any(_is_list_name(t, False) for t in tokens[i + 1 : i + 4])
        if before != after:
            return []
    return list(dict.fromkeys(found))


def data_names(question: str, names: Sequence[str]) -> list[str]:
    """Of a list question's ``names`` (:func:`list_names`), all of them when it asks results on one of them, as
    data ("evaluate on GSM8K", "report experiments on CIFAR-10 or CIFAR-100", "use HumanEval as a benchmark", "the
    miniF2F benchmark"); [] when it names a method ("train with DPO", "anything on PointRend-style segmentation")."""
    for n in names:
        name = re.escape(n)
        if re.search(
            rf"\b(?:eval\w*|results?|experiments?|tests?|tested|trained|training|report\w*|numbers?|scores?|"
            rf"accuracy|performance)\s+(?:\S+\s+){{0,3}}?on\s+(?:the\s+)?{name}(?![\w-])"
            rf"|\buse[sd]?\s+{name}\s+as\b"
            rf"|(?<![\w-]){name}\s+(?:(?:math|code|coding|reasoning|vision|image)\s+)?(?:benchmarks?|datasets?|"
            rf"suite|test set|splits?)\b",
            question,
            re.IGNORECASE,
        ):
            return list(names)
    return []


def says_a_name(title: str, abstract: str, names: Sequence[str]) -> bool:
    """Whether a paper's title or abstract says one of ``names`` in any written form (:func:`rag.evidence.holds`)."""
    text = f"{title}. {abstract}"
    return any(holds(text, n) for n in names)


def list_matches(evidence: Evidence, sources: Sequence[S]) -> list[tuple[S, Sentence, float]]:
    """Every source whose abstract meets the list question, with the sentence that shows it and the model's
    probability, likeliest first.

    A paper meets it when the fitted logistic model over :func:`list_features` (``Settings.evidence.list_weights``,
    ``list_bias``) gives it at least ``list_threshold``, or when its title and abstract hold every content term
    of the question.
    """
    cfg = evidence.settings
    quoted = list_sentences(evidence)
    feats = list_features(evidence, sources)
    # a question naming specific things: a paper that says one is listed, as a possible match at least; one asking
    # for results on named data ("Which works evaluate on GSM8K?") is met only by papers that say it (a method's
    # name may not be said by a paper of its kind: "estimators of the SARAH type")
    names = list_names(evidence.question) if cfg.list_names else []
    data = data_names(evidence.question, names)
    out = []
    for src in sources:
        f = feats.get(src.n)
        says = bool(names) and says_a_name(src.title, src.text, names)
        if f is None or (data and not says):  # (data is all of names, or none)
            continue
        z = cfg.list_bias + sum(cfg.list_weights.get(k, 0.0) * v for k, v in f.items())
        p = float(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))
        if f["cover"] == 1.0:
            p = max(p, cfg.list_sure)
        elif says:
            p = max(p, cfg.list_threshold)
        if p >= cfg.list_threshold:
            out.append((src, quoted[src.n], p))
    out.sort(key=lambda row: -row[2])
    return out
