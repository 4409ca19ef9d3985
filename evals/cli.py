"""``paper-rag eval``: registered into the CLI through the ``paper_rag.commands`` entry point.

Ingests the bundled corpus first when the store is empty, runs :func:`evals.runner.run_eval` with a progress bar on
stderr, writes the report (:mod:`evals.report`) and prints the headline numbers. Deliberately not here: any metric.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from rag.config import Settings

T = TypeVar("T")
DEFAULT_OUT = Path("evals") / "reports" / "latest"


def _backend_name(name: str) -> str:
    """--backend's type: a registered backend (the registry is loaded only when the flag is given)."""
    from rag import api

    known = [str(b["name"]) for b in api.backends()["backends"]]
    if name not in known:
        raise argparse.ArgumentTypeError(f"{name!r} is not one of: {', '.join(known)}")
    return name


def register(sub: Any) -> None:
    p = sub.add_parser(
        "eval",
        help="retrieval and answer metrics on an eval set; writes report.md, results.json and plots",
        description="Run every retriever (bm25, dense, hybrid, llama-index default) and every available answer "
        "backend on one dataset, and write a report. Metric definitions: evals/README.md.",
    )
    p.add_argument(
        "--dataset",
        default="curated",
        metavar="NAME|PATH",
        help="curated (default), generated, answers, fresh, holdout, topics, details, kinds, traps, parts, voices, pairs, twins, versus, duels, blind, cold, frost, lists, survey, paraphrase, grid (the extraction grid's gold cells), or "
        "a JSONL path",
    )
    p.add_argument(
        "--backend",
        action="append",
        type=_backend_name,
        help="answer backend to evaluate, e.g. extractive, local, openai (repeatable; default: every registered "
        "backend available here)",
    )
    p.add_argument(
        "--k", type=int, help="papers given to the answer backends (default: PAPER_RAG_RETRIEVAL__K)"
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default: {DEFAULT_OUT})")
    p.add_argument("--retrieval-only", action="store_true", help="skip the answer backends")
    p.add_argument("--limit", type=int, metavar="N", help="at most N questions, round-robin over kinds")
    p.add_argument(
        "--split",
        choices=["dev", "test"],
        help="only the records of this split (answers, fresh, details, kinds, traps, parts, voices, pairs, twins, versus, duels, blind, cold, frost, lists, survey, paraphrase): tune on dev, report test",
    )
    p.add_argument(
        "--judge-model", help="model for the LLM-as-judge check (needs an OpenAI-compatible endpoint)"
    )
    p.add_argument(
        "--no-judge", action="store_true", help="don't run the LLM judge even if an endpoint is set"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from evals.report import write_report
    from evals.runner import run_eval
    from rag import api

    if args.k:
        settings = settings.override(retrieval={"k": args.k})
    api.ensure_ingested(settings, notify=lambda msg: print(msg, file=sys.stderr))
    command = shlex.join(["paper-rag", *sys.argv[1:]])
    if args.dataset == "grid":
        from evals import grid_eval

        out = args.out if args.out != DEFAULT_OUT else DEFAULT_OUT.parent / "grid"
        grid_results = grid_eval.run_grid_eval(settings, args.split)
        grid_written = grid_eval.write(grid_results, out, command)
        grid_eval.print_summary(grid_results)
        print(f"\nwrote {', '.join(str(p) for p in grid_written)}")
        return 0

    def progress(items: Iterable[T], desc: str, total: int) -> Iterable[T]:
        return tqdm(items, desc=desc, total=total, unit="q", file=sys.stderr, disable=args.no_progress)

    results = run_eval(
        settings,
        args.dataset,
        backends=args.backend,
        retrieval_only=args.retrieval_only,
        limit=args.limit,
        split=args.split,
        judge_model=args.judge_model,
        use_judge=not args.no_judge,
        command=command,
        progress=progress,
    )
    written = write_report(results, args.out)
    print_summary(results)
    print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0


def print_summary(results: dict[str, Any]) -> None:
    def fmt(value: Any) -> str:
        return "  –  " if value is None else f"{value:.3f}"

    print(f"retrieval ({results['meta']['dataset']['name']}, answerable questions)")
    print(f"  {'retriever':<22} R@1    R@5    R@10   MRR    nDCG@10")
    for name, b in results["retrieval"]["overall"].items():
        cells = " ".join(fmt(b[k]) for k in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"))
        print(f"  {name:<22} {cells}")
    if results["answers"]["overall"]:
        print("answers")
        print(f"  {'backend':<12} cit.P  cit.R  facts  refuse f.ref  faith")
        for name, b in results["answers"]["overall"].items():
            keys = (
                "citation_precision",
                "citation_recall",
                "key_fact_recall",
                "refusal_accuracy",
                "false_refusal_rate",
                "faithfulness",
            )
            print(f"  {name:<12} " + " ".join(fmt(b[k]) for k in keys))
