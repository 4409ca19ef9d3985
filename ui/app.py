"""The Gradio app: Chat, Compare (the extraction grid), Library and Ingest tabs over one collection, plus the
``ask`` and ``search`` API.

Layout and event wiring only; the handlers are in :mod:`ui.handlers`, the HTML in :mod:`ui.render`, the look in
:mod:`ui.style`. Build with :func:`create_app`, serve with :func:`launch`. Nothing here reaches the network: the
theme's fonts are bundled and analytics are off. Deliberately not offered: ``share=True`` links.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import gradio as gr

from rag import api
from rag.config import Settings
from ui import render
from ui.access import decide, is_loopback
from ui.handlers import (
    COLUMN_HEADERS,
    MAX_GRID_PAPERS,
    PROGRESS,
    ROWS_FROM,
    Handlers,
    backend_choices,
    backend_help,
    default_columns,
    toasted,
)
from ui.style import CSS, HEAD

EXAMPLES = [
    "What win rate does INPO reach on AlpacaEval 2.0?",
    "How does FlashAttention reduce memory traffic?",
    "Compare FlashAttention and Monarch",
    "Which papers study looped transformers?",
    "How many parameters does GPT-5 have?",
]


class Visibility(TypedDict):
    """Keyword options of an event listener, typed as Gradio declares them (so mypy checks every call)."""

    api_visibility: Literal["public", "private", "undocumented"]


class Queue(TypedDict):
    concurrency_id: str
    concurrency_limit: int


# UI events stay out of the API docs; only /ask and /search are public.
PRIVATE: Visibility = {"api_visibility": "private"}
# Answers share one queue: a few at once on a CPU (each builds its own engine; the local model serializes itself).
ANSWER: Queue = {"concurrency_id": "answer", "concurrency_limit": 4}


def create_app(settings: Settings) -> gr.Blocks:
    """The app for the collection ``settings`` names (ingesting the bundled corpus first if it is empty)."""
    api.ensure_ingested(settings, notify=lambda msg: print(msg, file=sys.stderr))
    h = Handlers(settings)
    # delete_cache: Gradio's own copies of uploads (and other cached files) are removed after a day, hourly.
    with gr.Blocks(title="paper-rag", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        header = gr.HTML(h.header(), elem_id="app-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                knobs = chat_tab(h)
            with gr.Tab("Compare", id="compare"):
                grid_parts = grid_tab(h)
            with gr.Tab("Library", id="library"):
                library_parts = library_tab(h, knobs)
            # The views that list the collection, refreshed after an ingest and on every page load.
            views = CollectionViews(
                header,
                grid_parts["papers"],
                [library_parts["page"], grid_parts["page"]],
                [*knobs["years"], *library_parts["years"], *grid_parts["years"]],
            )
            if settings.ui.ingest:  # off for a shared deployment (the handler refuses too)
                with gr.Tab("Ingest", id="ingest"):
                    ingest_tab(h, views, library_parts)
        gr.api(h.api_ask, api_name="ask", **ANSWER)
        gr.api(h.api_search, api_name="search")

        # A page load reads the store: counts, pickers and the library are never frozen at the server's start.
        def fresh() -> list[Any]:
            h.reload()  # another process (the CLI) may have ingested since
            return views.values(h)

        demo.load(toasted(fresh), None, views.components(), show_progress="hidden", **PRIVATE).then(
            toasted(h.library),
            library_parts["filters"],
            [library_parts["table"], library_parts["count"], library_parts["ids"]],
            show_progress="hidden",
            **PRIVATE,
        )
    return demo


@dataclass
class CollectionViews:
    """The components that list the collection: the header's count, the grid's paper picker, the source-page and
    the year choices. ``values`` gives their new contents, in the order of ``components``."""

    header: gr.HTML
    papers: gr.Dropdown
    pages: list[gr.Dropdown]
    years: list[gr.Dropdown]

    def components(self) -> list[Any]:
        return [self.header, self.papers, *self.pages, *self.years]

    def values(self, h: Handlers) -> list[Any]:
        years = [("Any", "")] + [(y, y) for y in h.year_choices()]
        pages = [("All pages", "")] + [(p, p) for p in h.page_choices()]
        return [
            h.header(),
            gr.Dropdown(choices=h.paper_choices()),
            *(gr.Dropdown(choices=pages) for _ in self.pages),
            *(gr.Dropdown(choices=years) for _ in self.years),
        ]


def year_box(h: Handlers, label: str, **kwargs: Any) -> gr.Dropdown:
    """A year bound: the years the collection's dates state, or any year typed in; "Any" is no bound."""
    return gr.Dropdown(
        [("Any", "")] + [(y, y) for y in h.year_choices()],
        value="",
        label=label,
        allow_custom_value=True,
        filterable=True,
        **kwargs,
    )


def chat_tab(h: Handlers) -> dict[str, Any]:
    """The chat, its sources panel and the answer settings (returned: the Library tab uses them too)."""
    s = h.settings
    session = gr.State(None)
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=7):
            chatbot = gr.Chatbot(
                elem_id="chatbot",
                show_label=False,
                height=500,
                layout="panel",
                buttons=["copy"],
                feedback_options=None,
                placeholder="**Ask about the papers in the collection.**  \n"
                "Every answer cites the papers it used; click a marker to read the source.",
            )
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Ask a question, or a follow-up…",
                    lines=1,
                    max_lines=4,
                    scale=6,
                    elem_id="question",
                    autofocus=True,
                )
                ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask")
                clear = gr.Button("Clear", variant="secondary", scale=1, min_width=90, elem_id="clear")
            status = gr.HTML("", elem_id="status")
            examples = gr.Dataset(
                components=[gr.Textbox(visible=False)],
                samples=[[q] for q in EXAMPLES],
                label="Example questions",
                elem_id="examples",
                layout="gallery",
            )
            with gr.Accordion("Answer settings", open=False, elem_id="settings"):
                with gr.Row():
                    backend = gr.Dropdown(
                        backend_choices(s),
                        value=s.llm.backend,
                        label="Backend",
                        info="What each one is and costs is listed below.",
                        scale=2,
                        elem_id="backend",
                    )
                    # Only the operator's list (PAPER_RAG_UI__MODELS): a free text box would let a visitor load any
                    # file as a GGUF, or pick any model on the operator's key.
                    model = gr.Dropdown(
                        [("backend default", "")] + [(m, m) for m in s.ui.models],
                        value="",
                        label="Model",
                        info=None
                        if s.ui.models
                        else "The operator can offer models with PAPER_RAG_UI__MODELS.",
                        interactive=bool(s.ui.models),
                        scale=2,
                        elem_id="model",
                    )
                with gr.Row():
                    k = gr.Slider(1, 20, value=s.retrieval.k, step=1, label="Top-k papers")
                    temperature = gr.Slider(0.0, 2.0, value=s.llm.temperature, step=0.1, label="Temperature")
                gr.Markdown(backend_help(s), elem_classes=["muted", "small"], elem_id="backend-help")
                with gr.Row():
                    year_from = year_box(h, "Year from")
                    year_to = year_box(h, "Year to")
                    undated = gr.Checkbox(value=True, label="Include undated papers")
                gr.Markdown(
                    "A year filter only applies to papers whose date states a year; most listing pages "
                    "give dates without one.",
                    elem_classes=["muted", "small"],
                )
        with gr.Column(scale=5):
            sources = gr.HTML(render.empty_sources(), elem_id="sources-panel")

    inputs = [question, chatbot, session, turns, backend, model, k, temperature, year_from, year_to, undated]
    outputs = [chatbot, sources, status, session, turns, question]
    chat = toasted(h.chat)
    question.submit(chat, inputs, outputs, **PRIVATE, **ANSWER)
    ask.click(chat, inputs, outputs, **PRIVATE, **ANSWER)
    examples.click(lambda sample: sample[0], examples, question, **PRIVATE).then(
        chat, inputs, outputs, **PRIVATE, **ANSWER
    )
    clear.click(h.clear, session, outputs, **PRIVATE)
    chatbot.clear(h.clear, session, outputs, **PRIVATE)  # the chatbot's own trash button starts over too
    chatbot.select(h.show_turn, turns, [sources, status], **PRIVATE)
    return {
        "backend": backend,
        "model": model,
        "k": k,
        "temperature": temperature,
        "years": [year_from, year_to],
    }


def grid_tab(h: Handlers) -> dict[str, Any]:
    """The extraction grid: rows from one chosen source, the user's columns, the cited table and its sources."""
    s = h.settings
    gr.Markdown(
        "Rows are papers, columns are what you want to know of each. Every cell is the sentence of that paper's "
        "abstract that answers its column, cited, or *not stated in the abstract*. Click a cell to read the "
        "abstract with that sentence highlighted.",
        elem_classes=["muted"],
    )
    with gr.Row(equal_height=False, elem_id="grid-setup"):
        with gr.Column(scale=6, min_width=320):
            rows_from = gr.Radio(
                ROWS_FROM, value="papers", label="Rows from", elem_id="grid-rows-from"
            )  # one source at a time: only its inputs are shown, so which one is used is never in doubt
            with gr.Group(visible=True) as by_papers:
                papers = gr.Dropdown(
                    h.paper_choices(),
                    multiselect=True,
                    max_choices=min(MAX_GRID_PAPERS, s.grid.max_rows),
                    filterable=True,
                    label=f"Papers (up to {min(MAX_GRID_PAPERS, s.grid.max_rows)}; type to search the titles)",
                    elem_id="grid-papers",
                )
            with gr.Group(visible=False) as by_query, gr.Row(equal_height=True):
                query = gr.Textbox(
                    label="Search",
                    placeholder="e.g. quantization of large language models",
                    scale=3,
                    elem_id="grid-query",
                )
                top_n = gr.Slider(
                    1,
                    min(100, s.grid.max_rows),
                    value=min(s.grid.query_rows, 100),
                    step=1,
                    label="Top N papers",
                    scale=2,
                    elem_id="grid-top-n",
                )
            with gr.Group(visible=False) as by_list:
                list_question = gr.Textbox(
                    label="List question",
                    placeholder="e.g. Which papers study looped transformers?",
                    elem_id="grid-list-question",
                )
            with gr.Group(visible=False) as by_filters:
                with gr.Row(equal_height=True):
                    year_from = year_box(h, "Year from", min_width=110)
                    year_to = year_box(h, "Year to", min_width=110)
                    undated = gr.Checkbox(value=True, label="Include undated", min_width=150)
                with gr.Row(equal_height=True):
                    page = gr.Dropdown(
                        [("All pages", "")] + [(p, p) for p in h.page_choices()],
                        value="",
                        label="Source page",
                        scale=3,
                        elem_id="grid-page",
                    )
                    at_most = gr.Slider(
                        1, s.grid.max_rows, value=min(100, s.grid.max_rows), step=1, label="At most", scale=2
                    )
        with gr.Column(scale=5, min_width=320):
            columns = gr.Dataframe(
                default_columns(),
                headers=COLUMN_HEADERS,
                datatype=["str", "str"],
                type="array",
                interactive=True,
                wrap=True,
                column_widths=["34%", "66%"],
                label="Columns",
                elem_id="grid-columns",
                elem_classes=["plain-table"],
            )
            with gr.Row(equal_height=False, elem_id="grid-column-tools"):
                add_column = gr.Button(
                    "+ Column", size="sm", scale=0, min_width=100, elem_id="grid-add-column"
                )
                reset = gr.Button("Default columns", size="sm", scale=0, min_width=140, elem_id="grid-reset")
            gr.Markdown(
                "Double-click a cell to edit it. A blank question uses the label alone; clear a label to drop its "
                "column.",
                elem_classes=["muted", "small"],
            )
    with gr.Row():
        run = gr.Button("Build grid", variant="primary", elem_id="grid-run", scale=0, min_width=140)
        md_file = gr.DownloadButton("⬇ Markdown", visible=False, size="md", scale=0, min_width=130)
        csv_file = gr.DownloadButton("⬇ CSV", visible=False, size="md", scale=0, min_width=110)
        refs_file = gr.DownloadButton("⬇ Citations", visible=False, size="md", scale=0, min_width=130)
    status = gr.HTML("", elem_id="grid-status")
    with gr.Row(equal_height=False, elem_id="grid-result"):
        with gr.Column(scale=8, min_width=360):
            table = gr.HTML("", elem_id="grid-table")
        with gr.Column(scale=4, min_width=280, elem_id="grid-sources-col"):
            sources = gr.HTML(
                render.empty_sources("Build a grid, then click a cell: its paper's abstract opens here."),
                elem_id="grid-sources",
            )

    groups = [by_papers, by_query, by_list, by_filters]

    def show_inputs(choice: str) -> list[Any]:
        return [gr.Group(visible=value == choice) for (_, value) in ROWS_FROM]

    rows_from.change(show_inputs, rows_from, groups, show_progress="hidden", **PRIVATE)

    def more_columns(table: Any) -> Any:
        rows = [list(r) for r in (table or [])]
        if len(rows) >= s.grid.max_columns:
            gr.Warning(f"A grid has at most {s.grid.max_columns} columns.", title="Not done")
            return gr.skip()
        return [*rows, ["", ""]]

    add_column.click(toasted(more_columns), columns, columns, show_progress="hidden", **PRIVATE)
    reset.click(lambda: default_columns(), None, columns, show_progress="hidden", **PRIVATE)

    @toasted
    def build(
        rows_from: str,
        papers: list[str] | None,
        query: str | None,
        top_n: float | None,
        list_question: str | None,
        year_from: str | None,
        year_to: str | None,
        undated: bool,
        page: str | None,
        at_most: float | None,
        columns: Any,
        progress: gr.Progress = PROGRESS,
    ) -> tuple[Any, ...]:
        result = h.grid(
            rows_from,
            papers,
            query,
            top_n,
            list_question,
            year_from,
            year_to,
            undated,
            page,
            at_most,
            columns,
            progress=progress,
        )
        return (
            result.table,
            result.sources,
            gr.DownloadButton(value=result.markdown_file, visible=bool(result.markdown_file)),
            gr.DownloadButton(value=result.csv_file, visible=bool(result.csv_file)),
            gr.DownloadButton(value=result.references_file, visible=bool(result.references_file)),
            result.status,
        )

    inputs = [
        rows_from,
        papers,
        query,
        top_n,
        list_question,
        year_from,
        year_to,
        undated,
        page,
        at_most,
        columns,
    ]
    outputs = [table, sources, md_file, csv_file, refs_file, status]
    run.click(build, inputs, outputs, **PRIVATE, **ANSWER)
    for box in (query, list_question):
        box.submit(build, inputs, outputs, **PRIVATE, **ANSWER)
    return {"papers": papers, "page": page, "years": [year_from, year_to]}


def library_tab(h: Handlers, knobs: dict[str, Any]) -> dict[str, Any]:
    rows, count_value, ids_value = h.library()
    ids = gr.State(ids_value)
    selected = gr.State(None)
    with gr.Row(equal_height=True, elem_id="lib-filters"):
        search = gr.Textbox(
            label="Search titles and abstracts",
            placeholder="e.g. diffusion",
            scale=3,
            min_width=220,
            elem_id="lib-search",
        )
        year_from = year_box(h, "Year from", scale=1, min_width=130)
        year_to = year_box(h, "Year to", scale=1, min_width=130)
        undated = gr.Checkbox(value=True, label="Include undated", scale=1, min_width=170)
        page = gr.Dropdown(
            [("All pages", "")] + [(p, p) for p in h.page_choices()],
            value="",
            label="Source page",
            scale=2,
            min_width=200,
        )
    count = gr.HTML(count_value, elem_id="lib-count")
    with gr.Row(equal_height=False):
        with gr.Column(scale=6):
            table = gr.Dataframe(
                rows,
                headers=["Title", "Date"],  # authors and source pages are on the paper's card
                datatype=["str", "str"],
                interactive=False,
                wrap=True,
                max_height=560,
                column_widths=["76%", "24%"],
                show_label=False,
                elem_id="lib-table",
                elem_classes=["plain-table"],
            )
        with gr.Column(scale=5):
            detail = gr.HTML(
                render.empty_sources("Select a paper to read its abstract.", heading=False),
                elem_id="lib-paper",
            )
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    show_label=False, placeholder="Ask about this paper…", scale=5, elem_id="lib-question"
                )
                ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="lib-ask")
            answer = gr.Markdown("", elem_id="lib-answer")
            status = gr.HTML("")
            sources = gr.HTML("", elem_id="lib-sources")

    filters = [search, year_from, year_to, undated, page]
    library = toasted(h.library)
    for trigger in (search.change, year_from.change, year_to.change, undated.change, page.change):
        trigger(library, filters, [table, count, ids], **PRIVATE)
    table.select(h.select_paper, ids, [detail, selected], **PRIVATE)
    ask_inputs = [question, selected, knobs["backend"], knobs["model"], knobs["k"], knobs["temperature"]]
    ask_paper = toasted(h.ask_paper)
    ask.click(ask_paper, ask_inputs, [answer, sources, status], **PRIVATE, **ANSWER)
    question.submit(ask_paper, ask_inputs, [answer, sources, status], **PRIVATE, **ANSWER)
    return {
        "filters": filters,
        "table": table,
        "count": count,
        "ids": ids,
        "page": page,
        "years": [year_from, year_to],
    }


def ingest_tab(h: Handlers, views: CollectionViews, library: dict[str, Any]) -> None:
    gr.Markdown(
        "Add papers: saved Hugging Face Daily Papers pages (`.txt`), or JSON / JSONL in the Hugging Face papers "
        "API or arXiv metadata shape. Re-ingesting a file embeds only what changed; bad records are listed "
        "with their file and line, and the good ones still go in.",
        elem_classes=["muted"],
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            files = (
                gr.File(  # no file_types: Gradio's own check fails the event; the handler tells wrong types
                    file_count="multiple",
                    label="Files (.txt, .json, .jsonl)",
                    elem_id="ingest-files",
                    height=180,
                )
            )
            run = gr.Button("Ingest", variant="primary", elem_id="ingest-run")
        with gr.Column(scale=3):
            summary = gr.HTML('<div class="muted small">Nothing ingested yet in this session.</div>')
            rejected = gr.Dataframe(
                headers=["Source (file:line)", "Problem"],
                datatype=["str", "str"],
                interactive=False,
                wrap=True,
                label="Rejected records",
                column_widths=["35%", "65%"],
                elem_id="ingest-rejected",
                elem_classes=["plain-table"],
            )

    run.click(toasted(h.ingest), files, [summary, rejected], **PRIVATE).then(
        toasted(lambda: views.values(h)), None, views.components(), **PRIVATE
    ).then(
        toasted(h.library),
        library["filters"],
        [library["table"], library["count"], library["ids"]],
        **PRIVATE,
    )


def theme() -> gr.themes.Base:
    """Soft indigo on slate, with Gradio's bundled local fonts: the page loads nothing from the internet."""
    return gr.themes.Soft(
        primary_hue=gr.themes.colors.indigo,
        secondary_hue=gr.themes.colors.sky,
        neutral_hue=gr.themes.colors.slate,
        radius_size=gr.themes.sizes.radius_md,
        font=[gr.themes.LocalFont("IBM Plex Sans"), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"],
    ).set(
        body_background_fill="*neutral_50",
        block_shadow="none",
        block_border_width="1px",
        button_primary_shadow="none",
        block_title_background_fill="transparent",
        block_title_text_color="*neutral_600",
        block_title_padding="0",
        block_label_background_fill="transparent",
        block_label_text_color="*neutral_500",
    )


def launch(
    settings: Settings, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True, quiet: bool = True
) -> tuple[gr.Blocks, str]:
    """Serve the app on host:port; returns (app, local URL). With block=False it serves from a thread.

    A non-loopback ``host`` needs a login or ``settings.ui.insecure_no_auth`` (:func:`ui.access.decide`): without
    either this raises ConfigError before anything is built or bound.
    """
    access = decide(host, settings.ui)
    if access.warning:
        print(f"warning: {access.warning}", file=sys.stderr, flush=True)
    demo = create_app(settings)
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=True,
        quiet=quiet,
        share=False,
        auth=access.auth,
        max_file_size=f"{settings.ui.max_upload_mb:g}mb",
        # Gradio serves files only from its temp folder, the working folder and these: the grid downloads
        allowed_paths=[str(settings.home / "exports")],
        show_error=True,
        footer_links=["api"],
        theme=theme(),
        css=CSS,
        head=HEAD,
    )
    if block:
        where = url if is_loopback(host) else f"{url}  (bound to {host}:{port}: reachable from the network)"
        print(f"paper-rag UI: {where}  (Ctrl+C to stop)", flush=True)
        demo.block_thread()
    return demo, url
