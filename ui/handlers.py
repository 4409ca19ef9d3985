"""The UI's event handlers: plain methods over ``rag.api``, callable without a browser.

Each handler takes the values of its input components and returns (or, for chat, yields) the values of its output
components, so tests call them directly. Errors never reach the page as tracebacks: :func:`guarded` turns a
``RagError`` into ``gr.Error(message)`` and anything else into ``gr.Error("Internal error: ...")``, printing the
traceback to stderr. The page's events go through :func:`toasted` on top: an error there is a toast and an unchanged
page (Gradio paints a raised ``gr.Error`` as red badges over every output). Deliberately not here: layout
(``ui.app``) and HTML (``ui.render``).
"""

import functools
import hashlib
import html
import inspect
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr

from rag import api
from rag.config import Settings
from rag.errors import RagError
from rag.types import Answer, SearchFilters, StoredPaper
from ui import render

MAX_GRID_PAPERS = 50  # papers one picks by hand for a grid's rows (a search or filters give more)
KEEP_EXPORTS = 20  # grid downloads kept under PAPER_RAG_HOME/exports
# How a grid's rows are chosen: (what the page says, the value the handler gets).
ROWS_FROM = [
    ("Papers I pick", "papers"),
    ("The top papers for a search", "query"),
    ("The papers a list question finds", "list"),
    ("Every paper the filters accept", "filters"),
]
COLUMN_HEADERS = ["Column", "Question (optional)"]
PROGRESS = gr.Progress()  # Gradio injects a live tracker for a parameter whose default is a gr.Progress


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def as_gr_error(exc: Exception) -> gr.Error:
    """The page's one-line error: a RagError's message, or "Internal error: ..." (traceback to stderr)."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, RagError):
        return gr.Error(str(exc))
    traceback.print_exception(exc, file=sys.stderr)
    return gr.Error(f"Internal error: {_one_line(exc)}")


def _catching(fn: Callable[..., Any], on_error: Callable[[Exception], Any]) -> Callable[..., Any]:
    """``fn`` (plain or generator) with what it raises handed to ``on_error``, whose result becomes the return value
    (or the generator's last item); ``on_error`` may raise instead."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                yield on_error(exc)

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            return on_error(exc)

    return wrapper


def _reraise(exc: Exception) -> Any:
    raise as_gr_error(exc) from None


def _toast(exc: Exception) -> Any:
    error = as_gr_error(exc)
    internal = str(error.message).startswith("Internal error")
    text = html.escape(str(error.message), quote=False)  # a toast renders HTML
    gr.Warning(text, title="Error" if internal else "Not done")
    return gr.skip()


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a handler so that whatever it raises reaches the caller as a one-line gr.Error (the API endpoints)."""
    return _catching(fn, _reraise)


def toasted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A page event: whatever ``fn`` raises becomes a warning toast, and its outputs stay as they were.

    A generator keeps what it already yielded (the chat's own "No answer" message, say); one that fails before its
    first update leaves the page untouched, question and history included.
    """
    return _catching(fn, _toast)


class Turn(NamedTuple):
    """What the page shows for one answered turn when it is clicked again."""

    sources: str
    status: str


class ChatUpdate(NamedTuple):
    """The chat handler's outputs, in the order the app wires them."""

    history: list[dict[str, str]]
    sources: str
    status: str
    session: api.ChatSession | None
    turns: list[Turn]  # the sources panel and status line of each assistant turn
    question: str  # what the question box shows afterwards


class GridResult(NamedTuple):
    """The grid handler's outputs, in the order the app wires them."""

    table: str
    sources: str
    markdown_file: str | None
    csv_file: str | None
    references_file: str | None
    status: str


def default_columns() -> list[list[str]]:
    """The columns table's first contents: the default grid columns (the compare table's), label and question."""
    return [[c.label, c.question] for c in api.DEFAULT_GRID_COLUMNS]


def _text(value: Any) -> str:
    """A table cell as text: None, NaN (an empty cell of a new row) and "" are all blank."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return " ".join(str(value).split())


def grid_columns(table: Any) -> list[dict[str, str]]:
    """The columns table's rows as {label, question}: blank rows are skipped, a question without a label is an
    error (duplicates and too many columns are the API's to refuse)."""
    if table is None:
        return []
    if hasattr(table, "values") and hasattr(table, "columns"):  # a DataFrame
        table = table.values.tolist()
    if isinstance(table, dict):  # {"headers": ..., "data": ...}, as a client may send it
        table = table.get("data") or []
    columns = []
    for i, row in enumerate(table, start=1):
        cells = [_text(v) for v in list(row)[:2]] + ["", ""]
        label, question = cells[0], cells[1]
        if not label and not question:
            continue
        if not label:
            raise gr.Error(f"Column row {i} has a question but no label: name it (e.g. “Dataset”).")
        columns.append({"label": label, "question": question})
    return columns


def _digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256: the name of its folder under uploads/."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def backend_help(settings: Settings) -> str:
    """Markdown: what each backend is and what it costs, under the picker (the summaries come from rag)."""
    lines = [
        f"- **{b['name']}**: {render.esc(str(b['summary']))}" for b in api.backends(settings)["backends"]
    ]
    return "\n".join(lines)


def backend_choices(settings: Settings) -> list[tuple[str, str]]:
    """(label, value) pairs: 'auto', then every registered backend, unavailable ones labelled with the reason."""
    info = api.backends(settings)
    choices = [(f"auto → {info['auto']}", "auto")]
    for b in info["backends"]:
        label = b["name"] if b["available"] else f"{b['name']} (unavailable: {b['why_not']})"
        choices.append((label, str(b["name"])))
    return choices


def _year(value: float | int | str | None) -> int | None:
    """A year bound from a year box: "" (Any) or 0 means no bound."""
    if value in (None, ""):
        return None
    try:
        year = int(float(value))
    except ValueError:
        raise gr.Error(f"“{value}” is not a year.") from None
    return year if year > 0 else None


class Handlers:
    """Event handlers bound to one collection's settings (per-request overrides come from the Settings panel)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._papers: list[StoredPaper] | None = None
        self._lock = threading.Lock()
        self.exports = (
            settings.home / "exports"
        )  # the user's data folder, not a temp folder shared by everyone

    # ------------------------------------------------------------------ shared helpers

    def request_settings(
        self, backend: str | None, model: str | None, k: float | None, temperature: float | None
    ) -> Settings:
        """The app's settings with this request's backend, model, top-k and temperature."""
        llm: dict[str, Any] = {}
        if backend:
            llm["backend"] = backend
        if model and model.strip():
            if (
                model.strip() not in self.settings.ui.models
            ):  # events are callable over HTTP, not only the page
                raise gr.Error(
                    f"The model “{model.strip()}” is not offered here; the operator lists models in "
                    "PAPER_RAG_UI__MODELS."
                )
            llm["model"] = model.strip()
        if temperature is not None:
            llm["temperature"] = float(temperature)
        return self.settings.override(llm=llm, retrieval={"k": int(k)} if k else {})

    def check_backend(self, settings: Settings) -> str:
        """The concrete backend to use; gr.Error naming the fix when it is not available here."""
        name = api.resolve_backend(settings)
        for b in api.backends(settings)["backends"]:
            if b["name"] == name and not b["available"]:
                raise gr.Error(f"The {name} backend is not available: {b['why_not']}.")
        return name

    @staticmethod
    def filters(
        year_from: str | float | None, year_to: str | float | None, include_undated: bool = True
    ) -> SearchFilters | None:
        f = SearchFilters(year_from=_year(year_from), year_to=_year(year_to), include_undated=include_undated)
        return f if f.active() else None

    def papers(self) -> list[StoredPaper]:
        """Every stored paper, cached until the next ingest."""
        with self._lock:
            if self._papers is None:
                self._papers = api.papers(settings=self.settings)
            return self._papers

    def abstracts(self) -> dict[str, str]:
        return {p.paper_id: p.abstract for p in self.papers()}

    def reload(self) -> None:
        """Forget the cached papers: the next read comes from the store (another process may have ingested)."""
        with self._lock:
            self._papers = None

    def paper_choices(self) -> list[tuple[str, str]]:
        return [(api.readable(p.title), p.paper_id) for p in self.papers()]

    def page_choices(self) -> list[str]:
        return sorted({page for p in self.papers() for page in render.paper_pages(p)})

    def year_choices(self) -> list[str]:
        return [str(y) for y in sorted({p.year or 0 for p in self.papers()} - {0})]

    def header(self) -> str:
        return render.header_html(len(self.papers()))

    # ------------------------------------------------------------------ chat

    @guarded
    def chat(
        self,
        question: str,
        history: list[dict[str, Any]] | None,
        session: api.ChatSession | None,
        turns: list[Turn] | None,
        backend: str | None = None,
        model: str | None = None,
        k: float | None = None,
        temperature: float | None = None,
        year_from: str | float | None = None,
        year_to: str | float | None = None,
        include_undated: bool = True,
    ) -> Iterator[ChatUpdate]:
        """Stream an answer token by token; follow-ups keep the conversation's context."""
        question = (question or "").strip()
        history = list(history or [])
        turns = list(turns or [])
        if not question:
            raise gr.Error("Type a question first.")
        settings = self.request_settings(backend, model, k, temperature)
        name = self.check_backend(settings)
        session = session or api.chat(settings)
        turn = str(len(turns))
        history.append({"role": "user", "content": question})
        yield ChatUpdate(
            [*history, {"role": "assistant", "content": render.CURSOR}],
            render.empty_sources("Retrieving papers…"),
            render.working_html(f"Answering with {name}…"),
            session,
            turns,
            "",
        )
        text, working = "", f"Answering with {name}…"
        answer: Answer | None = None
        try:
            # Settings travel with each question: changing the model mid-conversation applies to the next one.
            for item in api.ask_stream(
                question,
                backend=name,
                filters=self.filters(year_from, year_to, include_undated),
                settings=settings,
                session=session,
            ):
                if isinstance(item, Answer):
                    answer = item
                    break
                if item == api.DISCARDED:  # the model's text so far is not the answer: take it off the page
                    text, working = "", f"The {name} answer was discarded; showing the extractive answer…"
                else:
                    text += item
                partial = {"role": "assistant", "content": render.answer_markdown(text, turn, streaming=True)}
                yield ChatUpdate(
                    [*history, partial],
                    render.empty_sources("Retrieving papers…"),
                    render.working_html(working),
                    session,
                    turns,
                    "",
                )
        except Exception as exc:
            error = as_gr_error(exc)
            failed = {"role": "assistant", "content": f"⚠ No answer: {render.esc(str(error.message))}"}
            # The failed turn keeps its place, so clicking a later answer still finds that answer's turn.
            nothing = Turn(render.empty_sources("This question got no answer."), "")
            yield ChatUpdate([*history, failed], nothing.sources, "", session, [*turns, nothing], question)
            raise error from None
        assert answer is not None  # a stream always ends with its Answer
        if answer.note:
            gr.Warning(answer.note)
        done = Turn(render.sources_html(answer, turn, self.abstracts()), render.status_html(answer))
        history.append({"role": "assistant", "content": render.answer_markdown(answer.answer, turn)})
        yield ChatUpdate(history, done.sources, done.status, session, [*turns, done], "")

    def show_turn(self, turns: list[Turn] | None, evt: gr.SelectData) -> Any:
        """Clicking a message shows its turn's sources and status line (backend, timings, citations)."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn = int(index) // 2
        if not turns or not 0 <= turn < len(turns):
            return gr.skip()
        return tuple(Turn(*turns[turn]))  # a State may hand back a plain list

    def clear(self, session: api.ChatSession | None) -> ChatUpdate:
        """Start a new conversation."""
        if session is not None:
            session.clear()
        return ChatUpdate([], render.empty_sources(), "", session, [], "")

    # ------------------------------------------------------------------ extraction grid

    @guarded
    def grid(
        self,
        rows_from: str,
        papers: list[str] | None = None,
        query: str | None = None,
        top_n: float | None = None,
        list_question: str | None = None,
        year_from: str | float | None = None,
        year_to: str | float | None = None,
        include_undated: bool = True,
        page: str | None = None,
        at_most: float | None = None,
        columns: Any = None,
        progress: gr.Progress = PROGRESS,
    ) -> GridResult:
        """An extraction grid: rows from the one source ``rows_from`` names (picked papers, a search's top N, a list
        question's papers or the library filters) x the columns table's columns; every cell cited or "not stated".
        Writes the Markdown, CSV and plain-citation exports."""
        cols = grid_columns(columns)
        if not cols:
            raise gr.Error(
                "Name at least one column (e.g. “Dataset”, or “Dataset: Which datasets are used?”)."
            )
        rows: dict[str, Any] = {}
        if rows_from == "papers":
            ids = list(papers or [])
            if not ids:
                raise gr.Error(
                    "Pick at least one paper (type to search the titles), or choose another way to get the rows."
                )
            if len(ids) > MAX_GRID_PAPERS:
                raise gr.Error(f"Pick at most {MAX_GRID_PAPERS} papers (you picked {len(ids)}).")
            rows["papers"] = ids
        elif rows_from == "query":
            if not (query or "").strip():
                raise gr.Error("Type a search (e.g. “quantization of large language models”).")
            rows["query"] = (query or "").strip()
            rows["limit"] = max(1, int(top_n or self.settings.grid.query_rows))
        elif rows_from == "list":
            if not (list_question or "").strip():
                raise gr.Error("Type a list question (e.g. “Which papers study looped transformers?”).")
            rows["list_question"] = (list_question or "").strip()
        elif rows_from == "filters":
            filters = SearchFilters(
                year_from=_year(year_from),
                year_to=_year(year_to),
                include_undated=include_undated,
                source=page or None,
            )
            if not filters.active():
                raise gr.Error("Set a year or a source page, or choose another way to get the rows.")
            rows["filters"] = filters
            rows["limit"] = max(1, int(at_most or self.settings.grid.max_rows))
        else:
            raise gr.Error(f"Rows come from one of: {', '.join(label for label, _ in ROWS_FROM)}.")
        progress(0, desc="Choosing the rows")

        def step(done: int, total: int) -> None:
            progress((done, total), desc="Filling cells", unit="papers")

        result = api.grid(columns=cols, settings=self.settings, progress=step, **rows)
        if not result.rows:
            why = "; ".join(result.notes) or "no paper matched"
            return GridResult(
                f'<div class="note">No rows: {render.esc(why)}.</div>',
                render.empty_sources("No papers: nothing to show."),
                None,
                None,
                None,
                render.grid_status_html(result),
            )
        folder = self._export_folder()
        md = folder / "grid.md"
        md.write_text(render.grid_markdown(result), encoding="utf-8")
        csv = folder / "grid.csv"
        csv.write_text(api.grid_csv(result), encoding="utf-8")
        refs = folder / "grid-citations.txt"
        refs.write_text(api.grid_references(result) + "\n", encoding="utf-8")
        abstracts = self.abstracts()
        if any(r.paper_id not in abstracts for r in result.rows):  # ingested since the cache was read
            self.reload()
            abstracts = self.abstracts()
        return GridResult(
            render.grid_html(result, abstracts),
            render.grid_sources_html(result, abstracts, {p.paper_id: p for p in self.papers()}),
            str(md),
            str(csv),
            str(refs),
            render.grid_status_html(result),
        )

    def _export_folder(self) -> Path:
        """A new folder for one grid's files, under the app's home; only the newest few are kept (older
        "compare-*" folders count too: the tab's exports before it became a grid)."""
        self.exports.mkdir(mode=0o700, parents=True, exist_ok=True)  # private even in a shared data folder
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = Path(tempfile.mkdtemp(prefix=f"grid-{stamp}-", dir=self.exports))
        made = [*self.exports.glob("grid-*"), *self.exports.glob("compare-*")]
        for old in sorted(made, key=lambda p: p.stat().st_mtime)[:-KEEP_EXPORTS]:
            shutil.rmtree(old, ignore_errors=True)
        return folder

    # ------------------------------------------------------------------ library

    @guarded
    def library(
        self,
        search: str | None = None,
        year_from: str | float | None = None,
        year_to: str | float | None = None,
        include_undated: bool = True,
        page: str | None = None,
    ) -> tuple[list[list[Any]], str, list[str]]:
        """Papers with every word of ``search`` in the title or abstract, in the year range and from the source page:
        table rows, a count, their ids."""
        everything = self.papers()
        if (
            search and search.strip()
        ):  # whole words, in the title or the abstract (api.papers' rule, on the cache)
            found = [p for p in everything if api.has_words(search, f"{p.title} {p.abstract}")]
        else:
            found = everything
        y0, y1 = _year(year_from), _year(year_to)

        def keep(p: StoredPaper) -> bool:
            year = p.year
            if y0 is not None or y1 is not None:
                if year is None:
                    if not include_undated:
                        return False
                elif (y0 is not None and year < y0) or (y1 is not None and year > y1):
                    return False
            return not page or page in render.paper_pages(p)

        shown = [p for p in found if keep(p)]
        return (
            [render.paper_row(p) for p in shown],
            render.count_html(len(shown), len(everything)),
            [p.paper_id for p in shown],
        )

    def select_paper(self, ids: list[str] | None, evt: gr.SelectData) -> tuple[str, str | None]:
        """The abstract of the clicked row, and its id for scoped questions."""
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not ids or row is None or not 0 <= int(row) < len(ids):
            return render.empty_sources("Select a paper to read its abstract.", heading=False), None
        return self.paper(ids[int(row)])

    def paper(self, paper_id: str) -> tuple[str, str | None]:
        found = next((p for p in self.papers() if p.paper_id == paper_id), None)
        if found is None:
            return render.empty_sources("That paper is no longer in the collection.", heading=False), None
        return render.paper_html(found), paper_id

    @guarded
    def ask_paper(
        self,
        question: str,
        paper_id: str | None,
        backend: str | None = None,
        model: str | None = None,
        k: float | None = None,
        temperature: float | None = None,
    ) -> tuple[str, str, str]:
        """Answer a question from one paper's abstract: (answer Markdown, sources HTML, status HTML)."""
        if not paper_id:
            raise gr.Error("Select a paper in the table first.")
        if not (question or "").strip():
            raise gr.Error("Type a question about this paper.")
        settings = self.request_settings(backend, model, k, temperature)
        name = self.check_backend(settings)
        answer = api.ask(
            question, backend=name, filters=SearchFilters(paper_ids=[paper_id]), settings=settings
        )
        if answer.note:
            gr.Warning(answer.note)
        return (
            render.answer_markdown(answer.answer, "lib"),
            render.sources_html(answer, "lib", self.abstracts()),
            render.status_html(answer),
        )

    # ------------------------------------------------------------------ ingest

    @guarded
    def ingest(
        self, files: list[Any] | None, progress: gr.Progress = PROGRESS
    ) -> tuple[str, list[list[str]]]:
        """Ingest uploaded pages / JSON / JSONL; returns a summary and one row per rejected record."""
        if not self.settings.ui.ingest:  # the tab is not shown, but its event is callable over HTTP
            raise gr.Error("Ingest is switched off on this server (PAPER_RAG_UI__INGEST=false).")
        paths = [Path(getattr(f, "name", f)) for f in (files or [])]
        if not paths:
            raise gr.Error("Choose one or more .txt, .json or .jsonl files first.")
        # The upload box accepts any file (Gradio's own type check fails the event with red badges): the wrong
        # kinds are told here, and the right ones still go in.
        readable = api.readable_suffixes()
        unsupported = [p for p in paths if p.suffix.lower() not in readable]
        paths = [p for p in paths if p not in unsupported]
        kinds = ", ".join(readable)
        skipped = [
            [p.name, f"not a supported file type ({p.suffix or 'no extension'}): use {kinds}"]
            for p in unsupported
        ]
        if not paths:  # this run's result replaces the last run's tiles, so they are not read as this one's
            gr.Warning(f"Nothing was ingested: only {kinds} files are read.", title="Not done")
            return render.nothing_ingested_html(len(unsupported)), skipped
        # Keep uploads next to the store, so the papers' sources name a file that outlives Gradio's temp folder; a
        # folder per content, so two different files of one name never overwrite each other (and one file uploaded
        # twice is kept once).
        uploads = (self.settings.ensure_home() / "uploads").resolve()
        uploads.mkdir(mode=0o700, exist_ok=True)  # what users upload is theirs, even in a shared data folder
        kept = []
        for path in paths:
            target = uploads / _digest(path) / path.name
            if path.resolve() != target and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            kept.append(target)
        progress(0, desc="Reading files")

        def step(done: int, total: int) -> None:
            progress((done, total), desc="Embedding papers", unit="papers")

        report = api.ingest(kept, self.settings, progress=step)  # the retriever sees the new papers at once
        self.reload()
        counts = {
            "files": report.files_read,
            "records": report.records,
            "new": report.new,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "duplicates merged": report.duplicates_merged,
        }
        inside = re.compile(
            rf"^{re.escape(str(uploads))}/[0-9a-f]{{16}}/"
        )  # shown as the file the user chose
        rows = skipped + [[inside.sub("", r.source), r.reason] for r in report.rejections]
        stored = report.new + report.updated + report.unchanged + report.duplicates_merged
        problems = [
            f"{n} {what}{'s' if n != 1 else ''} {why}"
            for n, what, why in (
                (len(skipped), "file", "of another type skipped"),
                (len(report.rejections), "record", "rejected"),
            )
            if n
        ]
        if not stored and not report.files_read:
            gr.Warning(
                "Nothing was ingested: no file could be read (see the rejected rows).", title="Not done"
            )
        elif problems:
            gr.Warning(f"{' and '.join(problems)}; the others were ingested.")
        return render.ingest_summary_html(counts, len(rows), report.seconds), rows

    # ------------------------------------------------------------------ API endpoints (gradio_client)

    @guarded
    def api_ask(self, question: str, backend: str = "") -> dict:
        """Answer a question with cited paper titles; returns the answer JSON (see the README's contract)."""
        settings = self.request_settings(backend or None, None, None, None)
        return api.ask(question, backend=backend or None, settings=settings).to_dict()

    @guarded
    def api_search(self, query: str, k: int = 0) -> dict:
        """Ranked papers for a query: title, paper_id, score, date and best snippet of each."""
        return api.search(query, k=k or None, settings=self.settings).to_dict()
