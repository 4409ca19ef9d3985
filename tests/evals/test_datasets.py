"""The eval sets, checked mechanically against the corpus as the project itself parses it (ingest.readers + dedup)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals import generate
from ingest.dedup import deduplicate
from ingest.readers import discover, read_file
from rag.models import Paper, normalize_title
from support import BUNDLED_PAPERS, INPO, INPO_QUESTION, INPO_WIN_RATE, PAGES, REPO

DATASETS = REPO / "evals" / "datasets"
KINDS = {"fact", "numeric", "paraphrase", "compare", "list", "unanswerable_detail", "unanswerable_topic"}
ONE_GOLD = {"fact", "numeric", "paraphrase", "unanswerable_detail"}
MAX_FACT_WORDS = 6
# The one record the project requires verbatim.
REQUIRED = {"question": INPO_QUESTION, "kind": "numeric", "gold_titles": [INPO], "key_facts": [INPO_WIN_RATE]}


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    files, problems = discover([PAGES])
    assert files and not problems
    records: list[Paper] = []
    for path in files:
        result = read_file(path)
        assert not result.rejections, result.rejections
        records.extend(result.papers)
    return deduplicate(records).papers


@pytest.fixture(scope="module")
def abstracts(papers: list[Paper]) -> dict[str, str]:
    return {p.title: p.abstract for p in papers}


def _records(name: str) -> list[dict]:
    lines = (DATASETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        assert line.strip(), f"{name}.jsonl:{number}: blank line"
        records.append(json.loads(line))
    return records


def _gold_problems(r: dict, abstracts: dict[str, str]) -> list[tuple[str, str]]:
    """What is wrong with one record's gold: a title not in the corpus, a key fact no gold title or abstract holds
    verbatim, key facts on an unanswerable question, a gold paper on a topic question."""
    problems = [(r["id"], t) for t in r["gold_titles"] if t not in abstracts]
    texts = [f"{t} {abstracts.get(t, '')}" for t in r["gold_titles"]]
    problems += [(r["id"], f) for f in r["key_facts"] if not any(f in text for text in texts)]
    if r["kind"].startswith("unanswerable"):
        problems += [(r["id"], "an unanswerable question has no key facts") for _ in r["key_facts"]]
    if r["kind"] == "unanswerable_topic" and r["gold_titles"]:
        problems.append((r["id"], "a topic question has no gold paper"))
    return problems


def test_bundled_corpus_has_462_unique_papers(papers: list[Paper]) -> None:
    assert len(papers) == BUNDLED_PAPERS
    assert len({normalize_title(p.title) for p in papers}) == BUNDLED_PAPERS


# --------------------------------------------------------------------------------------------- curated


def test_curated_records_are_well_formed() -> None:
    records = _records("curated")
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for r in records:
        assert {"id", "question", "kind", "gold_titles", "key_facts"} <= r.keys(), r.get("id")
        assert r["kind"] in KINDS, r["id"]
        assert r["question"].strip(), r["id"]
        assert isinstance(r["gold_titles"], list) and isinstance(r["key_facts"], list), r["id"]
        assert len(set(r["gold_titles"])) == len(r["gold_titles"]), r["id"]


def test_curated_gold_titles_are_bundled_titles(abstracts: dict[str, str]) -> None:
    missing = [(r["id"], t) for r in _records("curated") for t in r["gold_titles"] if t not in abstracts]
    assert not missing


def test_curated_key_facts_are_in_a_gold_abstract(abstracts: dict[str, str]) -> None:
    problems = []
    for r in _records("curated"):
        texts = [abstracts.get(t, "") for t in r["gold_titles"]]
        for fact in r["key_facts"]:
            if not any(fact in text for text in texts):
                problems.append((r["id"], fact, "not in a gold abstract"))
            if len(fact.split()) > MAX_FACT_WORDS:
                problems.append((r["id"], fact, f"longer than {MAX_FACT_WORDS} words"))
    assert not problems


def test_curated_per_kind_rules() -> None:
    for r in _records("curated"):
        kind, gold, facts = r["kind"], r["gold_titles"], r["key_facts"]
        if kind in ONE_GOLD:
            assert len(gold) == 1, r["id"]
        if kind in ("compare", "list"):
            assert len(gold) >= 2, r["id"]
        if kind == "unanswerable_topic":
            assert not gold, r["id"]
        if kind.startswith("unanswerable"):
            assert not facts, r["id"]
        else:
            assert facts or kind == "list", r["id"]
        if kind == "list":
            assert r.get("notes"), f"{r['id']}: a list question says its inclusion rule in notes"


def test_curated_mix() -> None:
    records = _records("curated")
    counts = Counter(r["kind"] for r in records)
    unanswerable = counts["unanswerable_detail"] + counts["unanswerable_topic"]
    assert len(records) >= 80
    assert 0.15 <= unanswerable / len(records) <= 0.30, counts
    assert counts["numeric"] >= 15, counts
    assert all(counts[k] for k in KINDS), counts


def test_curated_keeps_the_required_record() -> None:
    matches = [r for r in _records("curated") if r["question"] == REQUIRED["question"]]
    assert len(matches) == 1
    assert {k: matches[0][k] for k in REQUIRED} == REQUIRED


# --------------------------------------------------------------------------------------------- generated


def _runs(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = normalize_title(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_generated_has_one_record_per_paper(papers: list[Paper]) -> None:
    records = _records("generated")
    assert len(records) == len(papers) == BUNDLED_PAPERS
    assert [r["gold_titles"] for r in records] == [[p.title] for p in papers]
    assert len({r["id"] for r in records}) == BUNDLED_PAPERS
    for r in records:
        assert r["kind"] == "generated" and r["key_facts"] == [], r["id"]
        assert len(r["question"].split()) <= generate.MAX_WORDS, r["id"]


def test_generated_questions_do_not_reuse_the_title() -> None:
    shared = [
        (r["id"], r["question"])
        for r in _records("generated")
        if _runs(r["question"]) & _runs(r["gold_titles"][0])
    ]
    assert not shared


def test_generated_is_regenerated_byte_identically(tmp_path: Path) -> None:
    out = tmp_path / "generated.jsonl"
    assert generate.main(["--out", str(out)]) == 0
    assert out.read_bytes() == (DATASETS / "generated.jsonl").read_bytes()
    assert generate.main(["--check"]) == 0


# --------------------------------------------------------------------------------------------- answers, paraphrase

ANSWER_KINDS = {
    "fact",
    "multipart",
    "followup",
    "compare",
    "list",
    "unanswerable_detail",
    "unanswerable_topic",
    "summary",
}


def _split_of(record_id: str) -> str:
    """The split rule, fixed once: sha256 of the id, first byte even -> dev (evals/datasets/README.md)."""
    import hashlib

    return "dev" if hashlib.sha256(record_id.encode()).digest()[0] % 2 == 0 else "test"


@pytest.mark.parametrize(
    "name",
    [
        "answers",
        "paraphrase",
        "voices",
        "pairs",
        "survey",
        "twins",
        "versus",
        "lists",
        "duels",
        "blind",
        "cold",
        "frost",
    ],
)
def test_split_sets_are_well_formed(name: str, abstracts: dict[str, str]) -> None:
    records = _records(name)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    problems = []
    for r in records:
        if r["split"] != _split_of(r["id"]):
            problems.append((r["id"], "split differs from the fixed rule"))
        problems += [(r["id"], t) for t in r["gold_titles"] if t not in abstracts]
        texts = [abstracts.get(t, "") for t in r["gold_titles"]]
        for fact in r["key_facts"]:
            # (the versus, blind, cold, frost and duels sets' writers were asked for 2 to 8 words, as their README says;
            # the duels set's second writer wrote 23 facts of 9 to 17 words, kept as written)
            most = {"versus": 8, "blind": 8, "cold": 8, "frost": 8, "duels": 17}.get(name, MAX_FACT_WORDS)
            if not any(fact in text for text in texts) or len(fact.split()) > most:
                problems.append((r["id"], fact))
    assert not problems


def test_answers_per_kind_rules_and_mix() -> None:
    records = _records("answers")
    for r in records:
        kind, gold, facts = r["kind"], r["gold_titles"], r["key_facts"]
        assert kind in ANSWER_KINDS, r["id"]
        if kind in ("fact", "multipart", "followup", "unanswerable_detail", "summary"):
            assert len(gold) == 1, r["id"]
        if kind in ("multipart", "summary"):
            assert len(facts) >= 2, r["id"]
        if kind == "followup":
            assert len(r["turns"]) == 2 and r["turns"][1] == r["question"], r["id"]
        if kind in ("compare", "list"):
            assert len(gold) >= 2, r["id"]
        if kind.startswith("unanswerable"):
            assert not facts and r.get("notes"), r["id"]
        if kind == "unanswerable_topic":
            assert not gold, r["id"]
        if kind == "list":
            assert not facts and r.get("notes"), r["id"]
    counts = Counter(r["kind"] for r in records)
    assert len(records) >= 300, counts
    assert counts["multipart"] >= 60 and counts["list"] >= 40 and counts["followup"] >= 30, counts
    assert counts["compare"] >= 40, counts
    assert counts["unanswerable_detail"] + counts["unanswerable_topic"] >= 90, counts
    assert {r["split"] for r in records} == {"dev", "test"}


def test_fresh_set_is_about_papers_the_answers_set_never_asks_about(abstracts: dict[str, str]) -> None:
    """``fresh.jsonl``: 60 questions on papers no ``answers.jsonl`` question cites, split by position (the i-th
    written is dev when i is odd), key facts exact substrings of a gold abstract (evals/datasets/README.md)."""
    records = _records("fresh")
    asked = {t for r in _records("answers") for t in r["gold_titles"]}
    assert len(records) == 60 and len({r["id"] for r in records}) == 60
    problems = []
    for r in records:
        position = int(r["id"].rsplit("-", 1)[1])
        if r["split"] != ("dev" if position % 2 else "test"):
            problems.append((r["id"], "split differs from the fixed rule"))
        problems += [(r["id"], t) for t in r["gold_titles"] if t in asked]
        problems += _gold_problems(r, abstracts)
    assert not problems
    assert Counter(r["kind"] for r in records) == {
        "fact": 18,
        "multipart": 10,
        "unanswerable_detail": 22,
        "unanswerable_topic": 10,
    }


# Dev questions of the m- and n- batches moved to test, each with the next test question of its group moved to dev,
# because a detail-absent or "which" test question of another set asks about the same paper (decided before any run).
SWAPPED_TO_TEST = {
    "m-fact-002": "m-fact-004",
    "m-fact-006": "m-fact-008",
    "m-ud-017": "m-ud-019",
    "m-ud-033": "m-ud-035",
    "m-fact-034": "m-fact-036",
    "m-ud-049": "m-ud-055",
    "n-ud-001": "n-ud-003",
    "n-mp-014": "n-mp-004",
    "n-mp-030": "n-mp-008",
    "n-mp-034": "n-mp-012",
    "n-ud-041": "n-ud-007",
    "n-ud-045": "n-ud-011",
    "n-mp-054": "n-mp-016",
}
SWAPPED = set(SWAPPED_TO_TEST) | set(SWAPPED_TO_TEST.values())


def test_details_set_pairs_stated_and_unstated_details(abstracts: dict[str, str]) -> None:
    """``details.jsonl``: 400 detail questions in five batches written from the abstracts alone, one per paper, half
    whose abstract states the detail (its key facts occur in the abstract, case and spacing aside) and half whose
    abstract doesn't (no facts, a note saying what the abstract does say), over 8 kinds of detail (the note's tag).
    The first batch ("j-", 80) has 5 + 5 of each kind, split by position (the i-th written is dev when i is odd);
    the second ("k-", 128, two writers of 64) has 8 + 8 of each kind, split within each writer, kind of detail and
    stated / not stated in the order written, dev first; the third ("l-", 64) asks quantities only, 4 + 4 of each of
    8 kinds of quantity, split the same way; the fourth ("m-", 64) asks names ("which ...?"), 4 + 4 of each of 8
    kinds of name, split the same way; the fifth ("n-", 64) asks two or three things at once, 32 all stated
    (``multipart``, a key fact per part) and 32 with one part not stated, split the same way. In the last two, a dev
    question about a paper that a detail-absent or "which" test question of another set is about was swapped with
    the next test question of its group before anything ran (:data:`SWAPPED_TO_TEST`; evals/datasets/README.md)."""
    records = _records("details")
    assert len(records) == 400 and len({r["id"] for r in records}) == 400
    assert len({t for r in records for t in r["gold_titles"]}) == 400

    def norm(text: str) -> str:
        return " ".join(text.lower().split())

    def tag(r: dict) -> str:
        return str(r["notes"].split("]", 1)[0].lstrip("["))

    problems = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for r in records:
        batch, number = r["id"][0], int(r["id"].rsplit("-", 1)[1])
        if batch == "j":
            expected = "dev" if number % 2 else "test"
        else:
            group = (
                batch,
                "A" if batch == "k" and number < 100 else "B",
                tag(r) if batch != "n" else "",
                r["kind"],
            )
            expected = "dev" if seen[group] % 2 == 0 else "test"
            seen[group] += 1
            if r["id"] in SWAPPED:
                expected = "test" if expected == "dev" else "dev"
        if r["split"] != expected:
            problems.append((r["id"], "split differs from the fixed rule"))
        if len(r["gold_titles"]) != 1 or r["gold_titles"][0] not in abstracts:
            problems.append((r["id"], "one stored paper"))
            continue
        abstract = norm(abstracts[r["gold_titles"][0]])
        if r["kind"] in ("fact", "multipart"):
            problems += [(r["id"], f) for f in r["key_facts"] if norm(f) not in abstract]
            if not r["key_facts"] or (r["kind"] == "multipart") != (batch == "n"):
                problems.append((r["id"], "no facts, or a multi-part question outside the n- batch"))
            if r["kind"] == "multipart" and not 2 <= len(r["key_facts"]) <= 3:
                problems.append((r["id"], "a key fact per part"))
        elif r["kind"] != "unanswerable_detail" or r["key_facts"] or not r["notes"]:
            problems.append((r["id"], "kind, facts or notes"))
    assert not problems
    for batch, each in (("j", 5), ("k", 8), ("l", 4), ("m", 4)):
        tags = Counter((tag(r), r["kind"]) for r in records if r["id"][0] == batch)
        assert len(tags) == 16 and set(tags.values()) == {each}, (batch, tags)
    assert Counter(r["kind"] for r in records if r["id"][0] == "n") == {
        "multipart": 32,
        "unanswerable_detail": 32,
    }
    assert Counter((r["id"][0], r["split"]) for r in records) == {
        ("j", "dev"): 40,
        ("j", "test"): 40,
        ("k", "dev"): 64,
        ("k", "test"): 64,
        ("l", "dev"): 32,
        ("l", "test"): 32,
        ("m", "dev"): 32,
        ("m", "test"): 32,
        ("n", "dev"): 32,
        ("n", "test"): 32,
    }


def _check_writers_set(
    records: list[dict], abstracts: dict[str, str], prefix: str, writers: str, *, stated_first: bool
) -> list[tuple[str, str]]:
    """The problems of a set written by helpers of 32 questions each (ids ``<prefix>-<writer>-NN``), one paper per
    question within a writer, stated (``fact``, key facts exact substrings of the abstract, case and spacing aside)
    and not stated (``unanswerable_detail``, no facts, a note) alternating from the first, split as written (the
    i-th of a writer is dev when i mod 4 is 1 or 2); each writer's counts are asserted here too."""

    def norm(text: str) -> str:
        return " ".join(text.lower().split())

    first, second = ("fact", "unanswerable_detail") if stated_first else ("unanswerable_detail", "fact")
    problems = []
    for r in records:
        writer, number = r["id"].split("-")[1], int(r["id"].rsplit("-", 1)[1])
        if r["split"] != ("dev" if number % 4 in (1, 2) else "test"):
            problems.append((r["id"], "split differs from the fixed rule"))
        if r["kind"] != (first if number % 2 else second):
            problems.append((r["id"], f"kinds alternate, {first} first"))
        if len(r["gold_titles"]) != 1 or r["gold_titles"][0] not in abstracts:
            problems.append((r["id"], "one stored paper"))
            continue
        abstract = norm(abstracts[r["gold_titles"][0]])
        if r["kind"] == "fact":
            problems += [(r["id"], f) for f in r["key_facts"] if norm(f) not in abstract]
            if not r["key_facts"]:
                problems.append((r["id"], "no facts"))
        elif r["key_facts"] or not r["notes"]:
            problems.append((r["id"], "facts or notes"))
        if len(writer) != 1 or writer not in writers:
            problems.append((r["id"], "writer"))
    for writer in writers:
        mine = [r for r in records if r["id"].startswith(f"{prefix}-{writer}-")]
        assert len({r["gold_titles"][0] for r in mine}) == 32
        assert Counter((r["kind"], r["split"]) for r in mine) == {
            ("fact", "dev"): 8,
            ("fact", "test"): 8,
            ("unanswerable_detail", "dev"): 8,
            ("unanswerable_detail", "test"): 8,
        }
    return problems


def test_traps_set_asks_details_beside_other_numbers_and_names(abstracts: dict[str, str]) -> None:
    """``traps.jsonl``: 96 detail questions written by three helpers (32 each, ids ``p-A-``, ``p-B-``, ``p-C-``)
    who saw only the abstracts of 64, 64 and 63 papers (papers no detail-absent or "which" test question of another
    set is about), one paper per question within a writer, alternating not stated (``unanswerable_detail``: a number or a
    name asked beside numbers or names of other things, or a thing spoken of unnamed; the trap tagged in the note)
    and stated (``fact``, key facts exact substrings of the abstract, case and spacing aside). Split fixed as
    written: the i-th of a writer is dev when i mod 4 is 1 or 2 (evals/datasets/README.md)."""
    records = _records("traps")
    assert len(records) == 96 and len({r["id"] for r in records}) == 96
    problems = _check_writers_set(records, abstracts, "p", "ABC", stated_first=False)
    for r in records:
        tag = r["notes"].split("]", 1)[0].lstrip("[")
        if tag not in ({"fact"} if r["kind"] == "fact" else {"other-number", "other-name", "unnamed"}):
            problems.append((r["id"], "trap tag"))
    assert not problems


def test_parts_set_asks_parts_and_qualified_details(abstracts: dict[str, str]) -> None:
    """``parts.jsonl``: 96 questions written by three more helpers (32 each, ids ``q-D-``, ``q-E-``, ``q-F-``) on
    the papers of the traps set's three writers, one paper per question within a writer, alternating not stated
    (``unanswerable_detail``: a question of several parts with one not stated, a number or a name whose qualifier
    the abstract doesn't state, or which one of a kind it speaks of only generically; the trap tagged in the note)
    and stated (``fact``, one or several parts, key facts exact substrings of the abstract). Split fixed as written,
    as the traps set's (evals/datasets/README.md)."""
    records = _records("parts")
    assert len(records) == 96 and len({r["id"] for r in records}) == 96
    problems = _check_writers_set(records, abstracts, "q", "DEF", stated_first=False)
    tags = Counter()
    for r in records:
        tag = r["notes"].split("]", 1)[0].lstrip("[")
        tags[tag] += 1
        if tag not in (
            {"fact", "fact-parts"} if r["kind"] == "fact" else {"part-missing", "compound", "generic-kind"}
        ):
            problems.append((r["id"], "trap tag"))
        if tag == "fact-parts" and len(r["key_facts"]) < 2:
            problems.append((r["id"], "a question of parts has a fact per part"))
    assert not problems
    assert tags == {"part-missing": 18, "compound": 15, "generic-kind": 15, "fact-parts": 24, "fact": 24}


def test_paraphrase_set_size_and_styles() -> None:
    records = _records("paraphrase")
    assert len(records) >= 120
    assert {r["style"] for r in records} == {"describe", "names"}
    assert all(r["kind"] == "paraphrase" and len(r["gold_titles"]) == 1 for r in records)


# --------------------------------------------------------------------------------------------- grid

GRID_COLUMNS = [
    {"label": "Task", "question": "What problem or task does the paper address?"},
    {"label": "Dataset", "question": ""},
    {"label": "Model size", "question": "How many parameters does the model have?"},
    {
        "label": "Baseline",
        "question": "Which baseline or prior method does it compare against or improve on?",
    },
    {"label": "Main result", "question": "What is the main quantitative result?"},
    {"label": "Compute", "question": "What hardware or compute budget is used?"},
]


def _grid() -> dict:
    return json.loads((DATASETS / "grid.json").read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_grid_columns_and_size() -> None:
    grid = _grid()
    assert grid["description"].strip()
    assert grid["columns"] == GRID_COLUMNS
    rows = grid["papers"]
    ids = [r["paper_id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(rows) >= 40
    assert sum(len(r["cells"]) for r in rows) >= 200
    assert {r["split"] for r in rows} == {"dev", "test"}


def test_grid_rows_are_bundled_papers_with_facts_from_their_abstracts(papers: list[Paper]) -> None:
    by_id = {p.paper_id: p for p in papers}
    labels = [c["label"] for c in GRID_COLUMNS]
    problems = []
    for r in _grid()["papers"]:
        pid = r["paper_id"]
        paper = by_id.get(pid)
        if paper is None:
            problems.append((pid, "not a bundled paper"))
            continue
        if r["title"] != paper.title:
            problems.append((pid, "title differs from the bundled title"))
        if r["split"] != _split_of(pid):
            problems.append((pid, "split differs from the fixed rule"))
        if list(r["cells"]) != labels:
            problems.append((pid, "cells are not exactly the column labels, in order"))
        text = _squash(paper.abstract)
        for label, facts in r["cells"].items():
            if facts is None:
                continue
            if not isinstance(facts, list) or not 1 <= len(facts) <= 3:
                problems.append((pid, label, "a stated cell holds 1-3 key facts"))
                continue
            problems += [(pid, label, f) for f in facts if not f.strip() or _squash(f) not in text]
    assert not problems


def test_grid_size_and_compute_cells_are_not_results() -> None:
    """A column shift writes a paper's scores under the wrong label: a Model size or Compute fact that is only a
    percentage ("65.9%") is a result, which belongs under Main result."""
    shifted = [
        (r["title"], label, fact)
        for r in _grid()["papers"]
        for label in ("Model size", "Compute")
        for fact in r["cells"][label] or []
        if re.fullmatch(r"[+~\d.,\\]+\s*%", fact.strip())
    ]
    assert not shifted


def test_kinds_set_asks_which_thing_of_a_kind_named_in_lower_case(abstracts: dict[str, str]) -> None:
    """``kinds.jsonl``: 64 "which <algorithm / optimizer / solver / loss / architecture / metric ...>" questions,
    written by two helpers (32 each, ids ``o-A-`` and ``o-B-``) who saw only the abstracts of 120 papers each, one
    paper per question within a writer; 16 + 16 per writer, alternating stated (``fact``, key facts exact
    substrings of the abstract, case and spacing aside) and not stated (``unanswerable_detail``, a note quoting
    what the abstract says instead). Split fixed as written: the i-th of a writer is dev when i mod 4 is 1 or 2
    (evals/datasets/README.md)."""
    records = _records("kinds")
    assert len(records) == 64 and len({r["id"] for r in records}) == 64
    assert not _check_writers_set(records, abstracts, "o", "AB", stated_first=True)


def test_voices_set_has_its_writers_mix() -> None:
    """``voices.jsonl``: 120 questions by two writers who read 45 papers each (the least asked-about first), in a
    half-remembering researcher's voice: per writer 24 detail-absent (reproduction details: hardware, compute,
    sizes, settings, an unreported benchmark or metric, a generic name), 12 topics no abstract covers (half lexical
    traps), 18 facts and 6 multi-part questions in the same shapes; split by the fixed sha256 rule
    (evals/datasets/README.md)."""
    records = _records("voices")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 120 and len({r["id"] for r in records}) == 120
    problems = []
    for r in records:
        if r["kind"].startswith("unanswerable") and (r["key_facts"] or not r["notes"]):
            problems.append((r["id"], "an unanswerable question has no facts and says why in notes"))
        if r["kind"] == "unanswerable_topic" and r["gold_titles"]:
            problems.append((r["id"], "a topic question has no gold paper"))
        if r["kind"] == "multipart" and len(r["key_facts"]) < 2:
            problems.append((r["id"], "a key fact per part"))
    assert not problems
    for writer in ("v-A", "v-B"):
        mine = Counter(r["kind"] for r in records if r["id"].startswith(writer))
        assert mine == {"unanswerable_detail": 24, "unanswerable_topic": 12, "fact": 18, "multipart": 6}


def test_pairs_set_asks_each_paper_a_stated_and_an_unstated_detail() -> None:
    """``pairs.jsonl``: 200 questions by two writers who read 40 papers each (drawn from the least asked-about ones
    voices didn't use): per paper a detail its abstract states and one of a like shape it doesn't (about a third
    twins that change only the thing asked), and 20 topics no abstract covers, half lexical traps; split by the
    fixed sha256 rule (evals/datasets/README.md)."""
    records = _records("pairs")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 200 and len({r["id"] for r in records}) == 200
    problems = []
    for writer in ("w-A", "w-B"):
        mine = [r for r in records if r["id"].startswith(writer)]
        assert Counter(r["kind"] for r in mine) == {
            "fact": 40,
            "unanswerable_detail": 40,
            "unanswerable_topic": 20,
        }
        per_paper = Counter((r["gold_titles"][0], r["kind"]) for r in mine if r["gold_titles"])
        if set(per_paper.values()) != {1} or len(per_paper) != 80:
            problems.append((writer, "each of 40 papers: one stated and one unstated detail"))
    for r in records:
        if r["kind"] == "fact" and not 1 <= len(r["key_facts"]) <= 2:
            problems.append((r["id"], "a stated detail has one or two key facts"))
        if r["kind"].startswith("unanswerable") and (r["key_facts"] or not r["notes"]):
            problems.append((r["id"], "an unanswerable question has no facts and says why in notes"))
        if r["kind"] == "unanswerable_topic" and r["gold_titles"]:
            problems.append((r["id"], "a topic question has no gold paper"))
    assert not problems


def test_twins_set_asks_each_paper_a_stated_and_an_unstated_detail_of_one_shape() -> None:
    """``twins.jsonl``: 160 questions by two writers who saw only 40 abstracts each (no code, output or other eval
    set): per paper a detail its abstract states and one of the same shape it doesn't, a qualified number, a name
    or another detail; split by the fixed sha256 rule (evals/datasets/README.md)."""
    records = _records("twins")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 160 and len({r["id"] for r in records}) == 160
    by_id = {r["id"]: r for r in records}
    problems = []
    for writer in ("y-A", "y-B"):
        mine = [r for r in records if r["id"].startswith(writer)]
        assert Counter(r["kind"] for r in mine) == {"fact": 40, "unanswerable_detail": 40}
        if len({r["gold_titles"][0] for r in mine}) != 40:
            problems.append((writer, "40 papers, two questions each"))
    for r in records:
        twin = by_id.get(r["pair"])
        if twin is None or twin["pair"] != r["id"] or twin["kind"] == r["kind"]:
            problems.append((r["id"], "its twin is the other kind, and names it back"))
        elif twin["gold_titles"] != r["gold_titles"] or twin["shape"] != r["shape"]:
            problems.append((r["id"], "a twin asks the same paper, in the same shape"))
        if r["shape"] not in ("Q", "N", "D"):
            problems.append((r["id"], "shape Q (a qualified number), N (a name) or D (another detail)"))
        if r["kind"] == "fact" and not r["key_facts"]:
            problems.append((r["id"], "a stated detail has key facts"))
        if r["kind"] == "unanswerable_detail" and (r["key_facts"] or not r["notes"]):
            problems.append((r["id"], "an unstated detail has no facts and says why in notes"))
    assert not problems


def test_versus_set_compares_papers_the_other_compare_questions_never_compare(
    abstracts: dict[str, str],
) -> None:
    """``versus.jsonl``: 160 comparisons by four writers (two batches) who saw only abstracts (no code, output or
    other eval set), each led by a different seed paper that no earlier compare question cites; 2 or 3 papers each,
    every paper with a key fact of its own (evals/datasets/README.md)."""
    records = _records("versus")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 160 and len({r["id"] for r in records}) == 160
    compared = {
        t
        for name in ("answers", "survey", "holdout")
        for r in _records(name)
        if r["kind"] == "compare"
        for t in r["gold_titles"]
    }
    problems = []
    for writer in ("z-A", "z-B", "z-C", "z-D"):
        mine = [r for r in records if r["id"].startswith(writer)]
        if len(mine) != 40 or len({r["gold_titles"][0] for r in mine}) != 40:
            problems.append((writer, "40 questions, each led by its own seed paper"))
    for r in records:
        if r["kind"] != "compare" or not 2 <= len(r["gold_titles"]) <= 3 or not r["notes"]:
            problems.append((r["id"], "a comparison of 2 or 3 papers, with notes"))
        if r["gold_titles"][0] in compared:
            problems.append((r["id"], "its seed paper is compared in no earlier set"))
        for title in r["gold_titles"]:
            if not any(fact in abstracts.get(title, "") for fact in r["key_facts"]):
                problems.append((r["id"], f"no key fact of its own for {title}"))
    assert not problems


def test_duels_set_compares_two_or_three_papers_each_led_by_its_own_seed(abstracts: dict[str, str]) -> None:
    """``duels.jsonl``: 80 comparisons by two writers who saw only abstracts, each led by a different seed paper,
    34 of two papers and 6 of three per writer, every paper with a key fact of its own (evals/datasets/README.md)."""
    records = _records("duels")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 80 and len({r["id"] for r in records}) == 80
    problems = []
    for writer in ("z-E", "z-F"):
        mine = [r for r in records if r["id"].startswith(writer)]
        if len(mine) != 40 or len({r["gold_titles"][0] for r in mine}) != 40:
            problems.append((writer, "40 questions, each led by its own seed paper"))
        if Counter(len(r["gold_titles"]) for r in mine) != {2: 34, 3: 6}:
            problems.append((writer, "34 comparisons of two papers, 6 of three"))
    for r in records:
        if r["kind"] != "compare" or not r["notes"]:
            problems.append((r["id"], "a comparison, with notes"))
        for title in r["gold_titles"]:
            if not any(fact in abstracts.get(title, "") for fact in r["key_facts"]):
                problems.append((r["id"], f"no key fact of its own for {title}"))
    assert not problems


def test_blind_set_mixes_every_kind_as_each_writer_was_asked(abstracts: dict[str, str]) -> None:
    """``blind.jsonl``: 200 questions by four writers who saw only abstracts, 50 each in the same mix of kinds; a
    single-paper question is about one paper, a comparison has a key fact from each paper, a list has its rule in
    notes and an unanswerable question its grep (evals/datasets/README.md)."""
    records = _records("blind")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 200 and len({r["id"] for r in records}) == 200
    mix = {
        "fact": 14,
        "multipart": 8,
        "list": 5,
        "compare": 5,
        "unanswerable_detail": 9,
        "unanswerable_topic": 9,
    }
    problems = []
    for writer in ("v-A", "v-B", "v-C", "v-D"):
        if Counter(r["kind"] for r in records if r["id"].startswith(writer)) != mix:
            problems.append((writer, "the kinds in the mix asked for"))
    for r in records:
        kind, gold, facts = r["kind"], r["gold_titles"], r["key_facts"]
        if (kind == "list" or kind.startswith("unanswerable")) and not r["notes"]:
            problems.append((r["id"], "notes: a list's rule, an absence's grep"))
        if kind in ("fact", "multipart", "unanswerable_detail") and len(gold) != 1:
            problems.append((r["id"], "one paper"))
        if (kind in ("fact", "multipart") and not facts) or (kind == "multipart" and len(facts) < 2):
            problems.append((r["id"], "a key fact per part"))
        if kind == "compare" and not all(any(f in abstracts[t] for f in facts) for t in gold):
            problems.append((r["id"], "a key fact from each paper compared"))
        if kind == "list" and (len(gold) < 2 or facts):
            problems.append((r["id"], "a list of two papers or more, no key facts"))
        if (kind.startswith("unanswerable") and facts) or (kind == "unanswerable_topic" and gold):
            problems.append((r["id"], "nothing to find"))
    assert not problems


def test_lists_set_asks_for_papers_of_two_parts_and_sets_traps_of_two_parts() -> None:
    """``lists.jsonl``: 120 questions by two writers who saw only abstracts (45 seed papers each): per writer 30 list
    questions with complete gold lists, most of two parts, and 30 list-shaped questions no paper meets, most of two
    parts the collection has apart (evals/datasets/README.md)."""
    records = _records("lists")  # split and gold titles: test_split_sets_are_well_formed
    assert len(records) == 120 and len({r["id"] for r in records}) == 120
    problems = []
    for writer in ("l-A", "l-B"):
        mine = [r for r in records if r["id"].startswith(writer)]
        assert Counter(r["kind"] for r in mine) == {"list": 30, "unanswerable_topic": 30}, writer
        sizes = [len(r["gold_titles"]) for r in mine if r["kind"] == "list"]
        if sum(n >= 6 for n in sizes) < 6 or sum(n <= 2 for n in sizes) < 10:
            problems.append((writer, "list golds of every size: 1-2 papers, 3-5 and 6 or more"))
        traps = [r for r in mine if r["kind"] == "unanswerable_topic"]
        if not all(r["notes"].startswith("Trap") for r in traps):
            problems.append((writer, "every unanswerable question's notes say which papers hold its parts"))
    for r in records:
        kind, gold, facts = r["kind"], r["gold_titles"], r["key_facts"]
        if kind == "list" and (not gold or facts or not r["notes"]):
            problems.append((r["id"], "a list has papers, no facts, and its rule in notes"))
        if kind == "unanswerable_topic" and (gold or facts):
            problems.append((r["id"], "no paper meets a trap"))
    assert not problems


def test_survey_set_asks_what_a_researcher_surveying_the_collection_asks() -> None:
    """``survey.jsonl``: 160 questions by two writers (70 seed papers each): per writer 30 list questions with
    complete gold lists of 2 to 13 papers, 10 list-shaped topics no abstract meets, 25 comparisons of 2-3 papers with
    a key fact per paper, and 15 two-turn follow-ups (evals/datasets/README.md)."""
    records = _records("survey")  # split, gold titles and key facts: test_split_sets_are_well_formed
    assert len(records) == 160 and len({r["id"] for r in records}) == 160
    problems = []
    for writer in ("s-A", "s-B"):
        mine = [r for r in records if r["id"].startswith(writer)]
        kinds = Counter(r["kind"] for r in mine)
        assert kinds == {"list": 30, "unanswerable_topic": 10, "compare": 25, "followup": 15}, writer
        sizes = Counter(len(r["gold_titles"]) for r in mine if r["kind"] == "list")
        if not (sizes[2] >= 8 and sum(n for k, n in sizes.items() if k >= 6) >= 8):
            problems.append((writer, "list golds of every size: 2 papers, 3-5 and 6 or more"))
    for r in records:
        kind, gold, facts = r["kind"], r["gold_titles"], r["key_facts"]
        if kind == "list" and (len(gold) < 2 or facts or not r["notes"]):
            problems.append((r["id"], "a list has 2+ papers, no facts, and its rule in notes"))
        if kind == "unanswerable_topic" and (gold or facts or not r["notes"]):
            problems.append(
                (r["id"], "a topic no abstract meets: no papers, no facts, what was grepped in notes")
            )
        if kind == "compare" and not (2 <= len(gold) <= 3 and len(facts) >= len(gold)):
            problems.append((r["id"], "a comparison of 2-3 papers with a fact per paper"))
        if kind == "followup" and (len(gold) != 1 or len(r["turns"]) != 2 or r["question"] != r["turns"][1]):
            problems.append((r["id"], "a follow-up: one paper, two turns, the question is the second"))
    assert not problems


def _blind_set_problems(records: list[dict], abstracts: dict[str, str]) -> list[tuple[str, str]]:
    """What is wrong with a set written blind and split once per kind by the SHA-1 of the id (sorted, alternately
    dev and test): each record's gold (:func:`_gold_problems`) and its split."""
    problems = []
    by_kind: dict[str, list[dict]] = {}
    for r in records:
        by_kind.setdefault(r["kind"], []).append(r)
        problems += _gold_problems(r, abstracts)
    for group in by_kind.values():
        group.sort(key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest())
        problems += [
            (r["id"], "split differs from the fixed rule")
            for i, r in enumerate(group)
            if r["split"] != ("dev" if i % 2 == 0 else "test")
        ]
    return problems


def test_holdout_set_is_well_formed_and_split_once(abstracts: dict[str, str]) -> None:
    """``holdout.jsonl``: 90 questions written by two helpers who never saw the other sets nor any answer, split
    once per kind by the SHA-1 of the id (sorted, alternating dev/test), key facts exact substrings of a gold
    abstract, list golds every matching paper (evals/datasets/README.md)."""
    records = _records("holdout")
    assert len(records) == 90 and len({r["id"] for r in records}) == 90
    assert not _blind_set_problems(records, abstracts)
    assert Counter(r["kind"] for r in records) == {
        "fact": 24,
        "multipart": 16,
        "list": 10,
        "compare": 10,
        "unanswerable_detail": 16,
        "unanswerable_topic": 14,
    }


def test_topics_set_is_well_formed_and_split_once(abstracts: dict[str, str]) -> None:
    """``topics.jsonl``: 70 "which paper / is there a paper on X?" questions written blind by two helpers, 40 of a
    paper that is there (a key fact an exact substring of its abstract), 30 of a topic that isn't; split once per
    kind by the SHA-1 of the id (evals/datasets/README.md)."""
    records = _records("topics")
    assert len(records) == 70 and len({r["id"] for r in records}) == 70
    assert not _blind_set_problems(records, abstracts)
    assert Counter(r["kind"] for r in records) == {"fact": 40, "unanswerable_topic": 30}
