"""The ``paper-rag`` command line.

Subcommands of the library itself live here (``stats``, ``papers``, ``config``, ``ask``, ``search``, ``compare``,
``grid``). Subcommands of the other packages
(``ingest``, ``ui`` and ``eval``) register through the ``paper_rag.commands`` entry-point group, so ``rag``
never imports them. Known errors print one line and exit 1; set PAPER_RAG_DEBUG=1 for the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from rag.config import Settings, describe_settings, load_settings
from rag.errors import RagError

Handler = Callable[[argparse.Namespace, Settings], int]
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool that stopped because its reader left


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from rag import api

    stats = api.stats(settings)
    if args.json:
        emit_json(stats)
    else:
        width = max(len(k) for k in stats)
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _cmd_papers(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import PaperStore

    if args.abstracts and not args.search:
        raise RagError("--abstracts searches the abstracts for --search TEXT - give --search too")
    papers = PaperStore(settings).papers(search=args.search, abstracts=args.abstracts)
    if args.json:
        emit_json([p.to_dict() for p in papers])
        return 0
    width = max((len(p.paper_id) for p in papers), default=0)
    for p in papers:
        meta = " · ".join(
            x for x in (p.published, f"{p.authors_count} authors" if p.authors_count else None) if x
        )
        # The id first, in a column: what `compare --paper` takes.
        print(f"{p.paper_id:<{width}}  {p.title}" + (f"  ({meta})" if meta else ""))
    print(f"{len(papers)} papers", file=sys.stderr)
    return 0


def _cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    rows = describe_settings(settings)
    if args.json:
        emit_json([{"env": e, "value": v, "description": d} for e, v, d in rows])
        return 0
    for env, value, desc in rows:
        print(f"{env}={value}\n    {desc}")
    from rag import api

    info = api.backends(settings)
    print(f"\nAnswer backends (PAPER_RAG_LLM__BACKEND or --backend; 'auto' picks {info['auto']}):")
    for b in info["backends"]:
        state = "available" if b["available"] else f"unavailable: {b['why_not']}"
        print(f"  {b['name']:<11} {b['summary']} ({state})")
    return 0


def _settings_for(args: argparse.Namespace, settings: Settings) -> Settings:
    """Apply --backend / --model / --k overrides."""
    backend, model, k = (getattr(args, name, None) for name in ("backend", "model", "k"))
    llm = {key: v for key, v in (("backend", backend), ("model", model)) if v is not None}
    return settings.override(llm=llm, retrieval={"k": k} if k else {})


def _backend_name(name: str) -> str:
    """--backend's type: a registered backend or 'auto' (the registry is imported only when the flag is given)."""
    from rag import backends

    if name != "auto" and name not in backends.names():
        raise argparse.ArgumentTypeError(f"{name!r} is not one of: {', '.join(['auto', *backends.names()])}")
    return name


def _filters(args: argparse.Namespace) -> Any:
    from rag.types import SearchFilters

    filters = SearchFilters(
        year_from=args.year_from,
        year_to=args.year_to,
        include_undated=not args.exclude_undated,
        source=args.source,
        title=args.title,
    )
    return filters if filters.active() else None


def read_questions(path: str) -> list[str]:
    """JSONL with a 'question' field (other fields ignored), or plain text with one question a line."""
    from pathlib import Path

    from rag.errors import InputError

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read questions: {exc}") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(path, f"malformed JSON: {exc.msg}", line=number) from None
            if not isinstance(record, dict) or not str(record.get("question", "")).strip():
                raise InputError(path, "record has no 'question' field", line=number)
            questions.append(str(record["question"]).strip())
        else:
            questions.append(line.strip())
    return questions


def _prepare(args: argparse.Namespace, settings: Settings) -> Settings:
    from rag import api

    settings = _settings_for(args, settings)
    if args.no_auto_ingest:
        if api.retriever(settings).store.count() == 0:
            from rag.errors import IndexEmptyError

            raise IndexEmptyError(settings.collection_name())
    else:
        api.ensure_ingested(settings, notify=lambda msg: print(msg, file=sys.stderr))
    return settings


def _cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from rag import api

    settings = _prepare(args, settings)
    queries = read_questions(args.questions) if args.questions else [args.query]
    if not queries or not all(queries):
        raise RagError("give a query, or --questions FILE")
    lam = settings.retrieval.mmr_lambda
    for i, query in enumerate(queries):
        result = api.search(query, k=args.k, filters=_filters(args), settings=settings)
        if args.json:
            emit_json(result.to_dict())
            continue
        if i == 0:
            # Relevance alone does not explain the order when MMR picked the list for diversity; the gain does.
            print(
                f"rank  pick    relevance  paper · date\n"
                f"(pick: the MMR gain that set the order, {lam:g} x relevance/best - {1 - lam:g} x similarity to "
                "the papers above; '-' where the list is in relevance order)"
            )
        if len(queries) > 1:
            print(f"\n{query}")
        for rank, h in enumerate(result.hits, start=1):
            pick = "-" if h.mmr_gain is None else f"{h.mmr_gain:.4f}"
            print(
                f"{rank:>4}  {pick:<7} {h.score:.4f}     {h.title}"
                + (f" · {h.published}" if h.published else "")
            )
            snippet = h.snippet if len(h.snippet) <= 240 else h.snippet[:239].rsplit(" ", 1)[0] + "…"
            print(f"      {snippet}")
    return 0


def _print_answer_tail(answer: Any) -> None:
    if answer.note:
        print(f"\nnote: {answer.note}", file=sys.stderr)
    t = answer.timings_ms
    print(
        f"\n[{answer.backend}:{answer.model} · retrieve {t['retrieve']:.0f} ms · generate {t['generate']:.0f} ms"
        f" · tokens {answer.tokens['prompt']}+{answer.tokens['completion']}"
        + (f" · ${answer.cost_usd:.5f}" if answer.cost_usd else "")
        + "]",
        file=sys.stderr,
    )


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag import api

    settings = _prepare(args, settings)
    if args.questions:
        for question in read_questions(args.questions):
            answer = api.ask(question, settings=settings, filters=_filters(args))
            emit_json(answer.to_dict())
        return 0
    if not args.question:
        raise RagError("give a question, or --questions FILE")
    if args.json:
        emit_json(api.ask(args.question, settings=settings, filters=_filters(args)).to_dict())
        return 0
    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)
        sys.stdout.write(piece)
        sys.stdout.flush()

    answer = api.ask(args.question, settings=settings, filters=_filters(args), on_token=on_token)
    final = answer.answer
    body = api.answer_body(final)
    # After a discarded start (api.DISCARDED, already printed), the rest of the stream is the answer.
    if "".join(streamed).rsplit(api.DISCARDED, 1)[-1].strip() != body.strip():
        # The model's raw stream was checked: show the validated answer with its cited titles.
        print("\n\n--- checked answer ---\n" + final)
    else:
        print(final[len(body) :])  # the stream was the answer: add the cited titles
    _print_answer_tail(answer)
    return 0


def _cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from rag import api

    settings = _prepare(args, settings)
    named: dict[str, str] = {}  # paper id -> the --paper that named it
    for ref in args.paper or []:
        paper = api.find_paper(ref, settings)
        if paper.paper_id in named:
            raise RagError(
                f"--paper {named[paper.paper_id]!r} and --paper {ref!r} both name {paper.paper_id} "
                f'"{paper.title}" - name different papers'
            )
        named[paper.paper_id] = ref
    paper_ids = list(named)
    answer = api.compare(
        args.question or "", paper_ids=paper_ids or None, settings=settings, filters=_filters(args)
    )
    if args.json:
        emit_json(answer.to_dict())
    elif args.csv:
        from rag.comparison import table_csv

        sys.stdout.write(table_csv(answer.table))
    else:
        print(answer.answer)
        _print_answer_tail(answer)
    return 0 if answer.table else 1


def _cmd_grid(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from rag import api

    settings = _prepare(args, settings)
    columns: list[Any] = []
    if args.columns:
        columns += api.read_columns(Path(args.columns))
    columns += args.column or []
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            # Only a grid that takes a while gets a bar, and only on a terminal.
            quiet = args.no_progress or total < 30 or not sys.stderr.isatty()
            bar = tqdm(total=total, desc="cells", unit="paper", file=sys.stderr, disable=quiet, leave=False)
        bar.update(1)

    grid = api.grid(
        args.paper or None,
        columns=columns or None,
        query=args.query,
        list_question=args.list_question,
        filters=_filters(args),
        limit=args.limit,
        backend=args.backend,
        settings=settings,
        progress=progress,
    )
    if bar is not None:
        bar.close()
    for note in grid.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        emit_json(grid.to_dict())
    elif args.csv:
        sys.stdout.write(api.grid_csv(grid))
    elif args.md:
        print(api.grid_markdown(grid))
    else:
        print(api.grid_text(grid))
    return 0 if grid.rows else 1


def _add_filter_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year-from", type=int, help="only papers from this year on")
    p.add_argument("--year-to", type=int, help="only papers up to this year")
    p.add_argument(
        "--exclude-undated", action="store_true", help="with a year filter, drop papers without a year"
    )
    p.add_argument("--source", help="only papers from source pages whose file name contains this")
    p.add_argument("--title", help="only papers whose title contains this")
    p.add_argument(
        "--no-auto-ingest", action="store_true", help="fail instead of ingesting into an empty store"
    )


def _add_retrieval_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, help="papers to retrieve (default: PAPER_RAG_RETRIEVAL__K)")
    _add_filter_flags(p)
    p.add_argument(
        "--backend",
        type=_backend_name,
        help="answer backend: auto, extractive, local, openai (or a registered one)",
    )
    p.add_argument("--model", help="model name (openai) or GGUF path (local)")


def build_parser() -> argparse.ArgumentParser:
    # Help is plain text: written here, not taken from the module docstrings (their reST is for readers of code).
    parser = argparse.ArgumentParser(
        prog="paper-rag",
        description="Ask questions about research-paper abstracts; every answer cites the papers it used.",
        epilog="Settings come from PAPER_RAG_* environment variables ('paper-rag config' lists them). "
        "Errors print one line and exit 1; set PAPER_RAG_DEBUG=1 for the traceback.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stats", help="papers, chunks, collection, embedder and store location")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_cmd_stats)

    p = sub.add_parser("papers", help="list the stored papers")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument(
        "--search",
        metavar="TEXT",
        help="only papers whose title has every word of TEXT as a whole word (case-insensitive; "
        "'lora' also finds 'LoRAs', never 'exploration')",
    )
    p.add_argument(
        "--abstracts", action="store_true", help="with --search, look for the words in the abstracts too"
    )
    p.set_defaults(handler=_cmd_papers)

    p = sub.add_parser("config", help="every setting, its environment variable, value and meaning")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_config)

    p = sub.add_parser("ask", help="answer a question with cited paper titles (streams)")
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--questions", metavar="FILE", help="batch: JSONL with 'question' or one question a line")
    p.add_argument("--json", action="store_true", help="one JSON object per answer (the documented contract)")
    _add_retrieval_flags(p)
    p.set_defaults(handler=_cmd_ask)

    p = sub.add_parser(
        "search", help="ranked papers for a query: rank, MMR pick score, relevance, title, date, best snippet"
    )
    p.add_argument("query", nargs="?", help="the query")
    p.add_argument("--questions", metavar="FILE", help="batch: JSONL with 'question' or one query a line")
    p.add_argument("--json", action="store_true", help="one JSON object per query")
    _add_retrieval_flags(p)
    p.set_defaults(handler=_cmd_search)

    p = sub.add_parser("compare", help="side-by-side table of 2-5 papers, every row cited")
    p.add_argument("question", nargs="?", help='e.g. "Compare FlashAttention and Monarch"')
    p.add_argument(
        "--paper",
        action="append",
        metavar="PAPER",
        help="a paper to compare (repeatable): its id from 'paper-rag papers', its title, or words only its "
        "title has; a reference that fits several papers or none fails, listing candidates",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", action="store_true", help="print the table as CSV")
    _add_retrieval_flags(p)
    p.set_defaults(handler=_cmd_compare)

    p = sub.add_parser(
        "grid",
        help="extraction grid: papers x the columns you name, every cell a cited sentence or 'not stated'",
        description="Build a table of papers (rows) x columns. Rows: --paper (repeatable), --query, "
        "--list-question, or the filters alone (--year-from/--year-to/--source/--title). Columns: --column "
        "'Label' or 'Label: question' (repeatable) and/or --columns FILE (YAML or JSON); default: Approach, "
        "Data / benchmarks, Key results. Each cell is the sentence of that paper's abstract that answers the "
        "column, or 'not stated in the abstract'.",
    )
    rows = p.add_mutually_exclusive_group()
    rows.add_argument(
        "--paper",
        action="append",
        metavar="PAPER",
        help="a row (repeatable): an id from 'paper-rag papers', a title, or words only its title has",
    )
    rows.add_argument("--query", metavar="TEXT", help="rows: the top papers for this search (see --limit)")
    rows.add_argument(
        "--list-question",
        metavar="QUESTION",
        help="rows: the papers the answer to a list question gathers ('Which papers study X?')",
    )
    p.add_argument(
        "--column",
        action="append",
        metavar="SPEC",
        help="a column (repeatable): 'Dataset' or 'Model size: How many parameters does the model have?'",
    )
    p.add_argument(
        "--columns",
        metavar="FILE",
        help="columns from a YAML or JSON file (a list of labels or label/question)",
    )
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="most rows (for --query the default is PAPER_RAG_GRID__QUERY_ROWS)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--md", action="store_true", help="print a Markdown table and the numbered references")
    out.add_argument("--csv", action="store_true", help="print CSV (one column per grid column)")
    out.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--backend",
        type=_backend_name,
        help="an LLM backend (openai, local) also writes each cell a short value, checked against its sentence; "
        "default: sentences only",
    )
    p.add_argument("--model", help="model name (openai) or GGUF path (local), with --backend")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    _add_filter_flags(p)
    p.set_defaults(handler=_cmd_grid)

    for ep in sorted(entry_points(group="paper_rag.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        handler: Handler = args.handler
        code = handler(args, settings)
        sys.stdout.flush()  # here, not at exit: a reader that went away is handled below
        return code
    except BrokenPipeError:
        # The reader closed the pipe (`paper-rag papers | head -3`): stop quietly, as Unix tools do. Point stdout
        # at /dev/null so the interpreter's last flush at exit doesn't fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except RagError as exc:
        if settings is not None and settings.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen failure: still one line, as promised, unless debugging
        if settings is None or settings.debug:
            raise
        reason = " ".join(str(exc).split())[:300]
        print(
            f"error: unexpected {type(exc).__name__}: {reason} (PAPER_RAG_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
