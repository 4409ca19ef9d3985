"""Sweep retrieval settings on a dataset split: one table of hybrid recall and MRR per setting combination.

``python -m evals.sweep --dataset paraphrase --split dev --set retrieval.fusion=rrf,convex
--set retrieval.dense_weight=0.5,0.7,0.9`` runs every combination (a grid) over the same store and prints, per
combination, R@1 / R@5 / R@10 / MRR of the hybrid retriever, plus dense-only and BM25-only as references. Each
combination is a ``Settings.override``: nothing is patched.

``--answers`` sweeps the answer chain instead (any settings group, e.g. ``--set evidence.list_threshold=0.4,0.5``):
per combination, the answer metrics of one backend (default extractive) per question kind, as ``paper-rag eval``
computes them (:func:`evals.runner.run_answers`), without the retrievers' comparison; ``--dump`` writes every
answer of the last combination to a JSON file, for reading.

``--grid`` sweeps the extraction grid on ``evals/datasets/grid.json`` (e.g. ``--set grid.cue_weight=0.2,0.3``):
per combination, stated-cell accuracy and "not stated" precision per column, as ``paper-rag eval --dataset grid``
scores them (:func:`evals.grid_eval.run_grid_eval`); ``--dump`` writes the last combination's cells.

Tune on ``dev`` only; report ``test`` once, with the chosen settings (the evals README says why). Deliberately not
here: writing reports (``paper-rag eval`` does).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from evals import metrics as m
from evals.runner import load_dataset
from rag import api
from rag.config import Settings, load_settings


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _label(override: dict[str, dict[str, Any]]) -> str:
    """ "group.field=value ..." of one combination, "defaults" for none."""
    return " ".join(f"{g}.{f}={v}" for g, d in override.items() for f, v in d.items()) or "defaults"


def grid(specs: Sequence[str]) -> list[dict[str, dict[str, Any]]]:
    """ "group.field=v1,v2" specs -> every combination as override dicts ({"group": {"field": v}})."""
    axes: list[list[tuple[str, str, Any]]] = []
    for spec in specs:
        key, _, values = spec.partition("=")
        group, _, field = key.partition(".")
        if not field or not values:
            raise SystemExit(f"--set {spec!r}: expected group.field=value[,value...]")
        axes.append([(group, field, _parse_value(v)) for v in values.split(",")])
    combos = []
    for combo in itertools.product(*axes) if axes else [()]:
        override: dict[str, dict[str, Any]] = {}
        for group, field, value in combo:
            override.setdefault(group, {})[field] = value
        combos.append(override)
    return combos


def lowered(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its question, and its turns if a follow-up, in lower case, as many people type."""
    out = {**record, "question": record["question"].lower()}
    if record.get("turns"):
        out["turns"] = [t.lower() for t in record["turns"]]
    return out


_TYPED = re.compile(r"(?<![\w-])[a-z]{7,}(?![\w-])")


def slipped(text: str) -> str:
    """``text`` with one typing slip: the two middle letters of its longest word of seven letters or more in lower
    case (not its first word; the first such word among equals) swapped, as a hurried typist swaps them ("experiments"
    -> "experimetns"). Unchanged without such a word. Deterministic, so a run can be repeated."""
    found = [m for m in _TYPED.finditer(text) if m.start() > 0]
    if not found:
        return text
    m = max(found, key=lambda m: (len(m.group(0)), -m.start()))
    word, i = m.group(0), len(m.group(0)) // 2
    word = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return text[: m.start()] + word + text[m.end() :]


def typo(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with one typing slip in its question, and in each turn of a follow-up (:func:`slipped`)."""
    out = {**record, "question": slipped(record["question"])}
    if record.get("turns"):
        out["turns"] = [slipped(t) for t in record["turns"]]
    return out


# How a researcher who half-remembers a paper starts a question: each with a contraction, as people type them.
HEDGES = (
    "I don't remember exactly, but ",
    "I can't recall the details: ",
    "Not sure I'm remembering this right, but ",
    "I haven't read it closely - ",
)
# A question's first word that is only capitalised because it starts the sentence.
_PLAIN_START = re.compile(
    r"(?:what|which|how|in|for|on|does|do|did|is|are|was|were|the|a|an|with|by|at|when|why|who|where|can|could|"
    r"compare|from|to|of|among|according|name|list|give|summari[sz]e|tell|besides|across|under|after|if|i|i'm)\b",
    re.IGNORECASE,
)


def hedged(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its question asked as by someone who half-remembers the paper: one of :data:`HEDGES` before it
    (chosen by the record's id, so a run can be repeated), its first word in lower case when it is a plain word
    ("What", "In"), not a name. A follow-up's turns are left as they are."""
    hedge = HEDGES[int(hashlib.sha256(record["id"].encode()).hexdigest(), 16) % len(HEDGES)]
    question = record["question"]
    if _PLAIN_START.match(question) and not question[:2].isupper():
        question = question[0].lower() + question[1:]
    return {**record, "question": hedge + question}


def measure(records: Sequence[dict[str, Any]], settings: Settings, mode: str = "hybrid") -> dict[str, float]:
    """Mean R@1/5/10 and MRR of ``mode`` over the records (papers ranked to depth 10), and R@1 over the
    single-paper records alone ("r@1 single": the share whose one gold paper ranks first)."""
    sums = {"recall@1": 0.0, "recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0}
    single = [0, 0]  # top-1 hits, single-paper records
    for r in records:
        titles = [h.title for h in api.search(r["question"], k=10, mode=mode, settings=settings).hits]
        sums["recall@1"] += m.recall_at_k(titles, r["gold_titles"], 1) or 0.0
        sums["recall@5"] += m.recall_at_k(titles, r["gold_titles"], 5) or 0.0
        sums["recall@10"] += m.recall_at_k(titles, r["gold_titles"], 10) or 0.0
        sums["mrr"] += m.mrr(titles, r["gold_titles"]) or 0.0
        if len(r["gold_titles"]) == 1:
            single[0] += int(m.recall_at_k(titles, r["gold_titles"], 1) == 1.0)
            single[1] += 1
    out = {k: v / max(len(records), 1) for k, v in sums.items()}
    out["r@1 single"] = single[0] / max(single[1], 1)
    return out


ANSWER_COLUMNS = (
    ("n", "n"),
    ("key_fact_recall", "facts"),
    ("citation_precision", "citeP"),
    ("citation_recall", "citeR"),
    ("refusal_accuracy", "refused"),
    ("false_refusal_rate", "falseRef"),
)


def measure_answers(
    records: Sequence[dict[str, Any]], settings: Settings, backend: str
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """({kind or "all": summary block}, per-question rows) of ``backend``'s answers."""
    from evals.runner import run_answers, summarize_answers

    per_question = run_answers(records, settings, backend)
    summary = summarize_answers(records, per_question)
    return {"all": summary["overall"], **summary["by_kind"]}, per_question


def _answer_table(label: str, blocks: dict[str, dict[str, Any]]) -> str:
    head = f"{'kind':<22}" + "".join(f"{short:>9}" for _, short in ANSWER_COLUMNS)
    lines = [f"== {label}", head]
    for kind, block in blocks.items():
        cells = []
        for key, _ in ANSWER_COLUMNS:
            value = block.get(key)
            cells.append(f"{'-':>9}" if value is None else f"{value:>9.3f}" if key != "n" else f"{value:>9}")
        lines.append(f"{kind:<22}" + "".join(cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.sweep", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="curated", help="curated, generated, paraphrase, or a JSONL path")
    p.add_argument("--split", choices=["dev", "test", "all"], default="dev", help="records' 'split' field")
    p.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    p.add_argument("--set", action="append", default=[], metavar="GROUP.FIELD=V1,V2", help="a grid axis")
    p.add_argument("--json", action="store_true", help="print one JSON object per combination")
    p.add_argument("--answers", action="store_true", help="sweep the answer chain, not retrieval")
    p.add_argument("--backend", default="extractive", help="with --answers: the backend (default extractive)")
    p.add_argument("--grid", action="store_true", help="sweep the extraction grid (evals/datasets/grid.json)")
    p.add_argument(
        "--lower",
        action="store_true",
        help="ask every question (and every turn of a follow-up) in lower case",
    )
    p.add_argument(
        "--typo",
        action="store_true",
        help="ask every question (and every turn of a follow-up) with one typing slip: two letters of its longest "
        "word swapped",
    )
    p.add_argument(
        "--hedge",
        action="store_true",
        help='ask every question as someone who half-remembers the paper: "I don\'t remember exactly, but ..."',
    )
    p.add_argument(
        "--dump", help="with --answers / --grid: write the last combination's answers / cells to a file"
    )
    args = p.parse_args(argv)
    if args.grid:
        return _sweep_grid(args)
    _, _, records = load_dataset(args.dataset)
    if args.lower:  # the questions as typed in lower case (README: the sets typed in lower case)
        records = [lowered(r) for r in records]
    if args.typo:  # ... and with a typing slip (README: questions with typing slips)
        records = [typo(r) for r in records]
    if args.hedge:  # ... and hedged, as someone half-remembering (README: questions asked with a hedge)
        records = [hedged(r) for r in records]
    if args.answers:
        return _sweep_answers(args, records)
    records = [r for r in records if r["gold_titles"] and (not args.kind or r["kind"] in args.kind)]
    if args.split != "all":
        records = [r for r in records if r.get("split", "dev") == args.split]
    base = load_settings()
    api.ensure_ingested(base)
    print(f"{len(records)} questions ({args.dataset}, {args.split})", file=sys.stderr)
    rows = [("dense only", measure(records, base, "dense")), ("bm25 only", measure(records, base, "bm25"))]
    for override in grid(args.set):
        label = _label(override)
        rows.append((label, measure(records, base.override(**override))))
    for label, scores in rows:
        if args.json:
            print(json.dumps({"setting": label, **{k: round(v, 4) for k, v in scores.items()}}))
        else:
            cells = "  ".join(f"{k} {v:.3f}" for k, v in scores.items())
            print(f"{label:<60} {cells}")
    return 0


def _sweep_answers(args: argparse.Namespace, records: list[dict[str, Any]]) -> int:
    if args.kind:
        records = [r for r in records if r["kind"] in args.kind]
    if args.split != "all":
        records = [r for r in records if r.get("split", "dev") == args.split]
    base = load_settings()
    api.ensure_ingested(base)
    print(f"{len(records)} questions ({args.dataset}, {args.split}, {args.backend})", file=sys.stderr)
    per_question: dict[str, dict[str, Any]] = {}
    for override in grid(args.set):
        label = _label(override)
        blocks, per_question = measure_answers(records, base.override(**override), args.backend)
        if args.json:
            print(json.dumps({"setting": label, **blocks}))
        else:
            print(_answer_table(label, blocks), flush=True)
    if args.dump:
        rows = [{**r, **per_question[r["id"]]} for r in records]
        with open(args.dump, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1, ensure_ascii=False)
    return 0


def _sweep_grid(args: argparse.Namespace) -> int:
    from evals.grid_eval import run_grid_eval

    base = load_settings()
    api.ensure_ingested(base)
    split = None if args.split == "all" else args.split
    results: dict[str, Any] = {}
    for override in grid(args.set):
        label = _label(override)
        results = run_grid_eval(base.override(**override), split=split)
        blocks = {**results["by_column"], "all": results["overall"]}
        if args.json:
            print(json.dumps({"setting": label, **blocks}))
            continue
        lines = [f"== {label}", f"{'column':<14}{'stated':>8}{'accuracy':>10}{'NS prec':>9}{'NS rec':>8}"]
        for name, b in blocks.items():
            cells = [
                b["gold_stated"],
                b["stated_accuracy"],
                b["not_stated_precision"],
                b["not_stated_recall"],
            ]
            lines.append(
                f"{name:<14}{cells[0]:>8}"
                + "".join(f"{'-':>9}" if v is None else f"{v:>9.3f}" for v in cells[1:])
            )
        print("\n".join(lines), flush=True)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as fh:
            json.dump(results.get("cells", []), fh, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
