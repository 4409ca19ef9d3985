"""The UI's handlers, called directly against real stores (and once through gradio_client against a served app)."""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest

from rag import api
from rag.config import Settings
from rag.errors import RagError
from support import (
    BUNDLED_PAPERS,
    FLASH,
    FLASH_QUESTION,
    LOOPED,
    MONARCH,
    OpenAIStub,
    answer_events,
    error,
    free_port,
    quote_source,
    sse,
    sse_bytes,
    write_jsonl,
)
from ui import render
from ui.handlers import (
    KEEP_EXPORTS,
    ChatUpdate,
    GridResult,
    Handlers,
    default_columns,
    grid_columns,
    guarded,
    toasted,
)


@pytest.fixture(scope="module")
def handlers(bundled_settings: Settings) -> Handlers:
    return Handlers(bundled_settings)


def ask(h: Handlers, question: str, previous: ChatUpdate | None = None, backend: str = "extractive") -> list:
    if previous is None:
        return list(h.chat(question, [], None, [], backend))
    return list(h.chat(question, previous.history, previous.session, previous.turns, backend))


def paper_id(h: Handlers, title: str) -> str:
    return next(p.paper_id for p in h.papers() if p.title == title)


# ------------------------------------------------------------------ chat


def test_chat_streams_partial_updates_then_the_cited_answer(handlers: Handlers) -> None:
    updates = ask(handlers, FLASH_QUESTION)
    partial = [u.history[-1]["content"] for u in updates[:-1]]
    final_answer = updates[-1].session.turns[-1]
    # the cursor, then one update per streamed piece: extractive answers stream a sentence at a time (the
    # cited-titles list appears only in the final, checked answer)
    sentences = api.split_sentences(api.answer_body(final_answer.answer))
    assert len(sentences) >= 2 and len(partial) == 1 + len(sentences)
    assert all("Cited papers" not in text for text in partial)
    assert all(text.endswith(render.CURSOR) for text in partial)
    lengths = [len(text) for text in partial[1:]]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]  # text grows piece by piece

    final = updates[-1]
    assert [m["role"] for m in final.history] == ["user", "assistant"]
    answer = final.history[-1]["content"]
    assert render.CURSOR not in answer
    assert 'href="#src-0-1"' in answer  # markers link to the sources panel
    assert "Cited papers" in answer and FLASH in answer
    assert len(final.turns) == 1 and final.session is not None and len(final.session.turns) == 1
    assert "extractive" in final.status and "retrieve" in final.status and "generate" in final.status
    assert final.question == ""


def test_sources_panel_highlights_the_supporting_sentence(handlers: Handlers) -> None:
    final = ask(handlers, FLASH_QUESTION)[-1]
    answer = final.session.turns[-1]
    cited = answer.sources[answer.citations[0].n - 1]
    assert cited.support
    panel = final.sources
    assert f'id="src-0-{cited.n}"' in panel
    assert f"<mark>{render.esc(cited.support)}</mark>" in panel
    assert "Cited · 1" in panel and "Also retrieved" in panel
    # the whole abstract is shown, not only the retrieved chunk
    abstract = handlers.abstracts()[cited.paper_id]
    assert render.esc(abstract.split(". ")[0]) in panel


def test_follow_up_keeps_the_conversation(handlers: Handlers) -> None:
    first = ask(handlers, FLASH_QUESTION)[-1]
    second = ask(handlers, "What speedup does it report on GPT-2?", first)[-1]
    assert len(second.session.turns) == 2 and len(second.turns) == 2
    # clicking the first answer shows its own sources and its own status line, not the latest one's
    shown = handlers.show_turn(second.turns, gr.SelectData(None, {"index": 1, "value": ""}))
    assert shown == tuple(first.turns[0]) and shown[1] == first.status and shown[1] != second.status
    assert handlers.show_turn(second.turns, gr.SelectData(None, {"index": 3, "value": ""})) == tuple(
        second.turns[1]
    )
    assert handlers.show_turn([], gr.SelectData(None, {"index": 1, "value": ""})) == gr.skip()
    assert [m["role"] for m in second.history] == ["user", "assistant", "user", "assistant"]
    assert FLASH in second.session.turns[-1].standalone_question
    assert 'href="#src-1-' in second.history[-1]["content"]  # the second turn links to its own panel


def test_clear_starts_over(handlers: Handlers) -> None:
    final = ask(handlers, "Which papers study looped transformers?")[-1]
    cleared = handlers.clear(final.session)
    assert cleared.history == [] and cleared.turns == [] and final.session.turns == []


def test_refusal_is_an_answer_not_an_error(handlers: Handlers) -> None:
    # How the page shows a refusal (whether a given question is refused is the evals' business: the gate's
    # refusal accuracy is measured on the curated and answers sets).
    final = ask(handlers, "What is the best hydration ratio for sourdough bread?")[-1]
    assert final.session.turns[-1].refused
    assert "not answerable" in final.status
    assert (
        "does not contain" in final.history[-1]["content"]
        and "Cited papers" not in final.history[-1]["content"]
    )


def test_failing_backend_shows_the_fallback_answer_and_a_warning(bundled_settings: Settings) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens here
    h = Handlers(bundled_settings.override(llm={"base_url": dead, "max_retries": 0, "timeout_s": 5}))
    with pytest.warns(UserWarning, match="openai backend failed"):
        updates = ask(h, FLASH_QUESTION, backend="openai")
    final = updates[-1]
    assert FLASH in final.history[-1]["content"]  # the extractive answer, cited
    assert 'class="note"' in final.status and "openai backend failed" in final.status
    assert "Traceback" not in final.status + final.history[-1]["content"]


def test_a_model_past_its_deadline_is_taken_off_the_page(bundled_settings: Settings) -> None:
    # A real peer on loopback that quotes source [1] one word every 0.2 s; the answer may take 0.8 s in all.
    slow = OpenAIStub([quote_source(1, delay_s=0.2)])
    try:
        llm = {"base_url": slow.url, "max_retries": 0, "deadline_s": 0.8}
        h = Handlers(bundled_settings.override(llm=llm))
        with pytest.warns(UserWarning, match="did not finish within"):
            updates = ask(h, FLASH_QUESTION, backend="openai")
    finally:
        slow.close()
    texts = [u.history[-1]["content"] for u in updates[:-1]]
    streamed = [i for i, t in enumerate(texts) if len(t) > 1]  # more than the cursor
    dropped = next(i for i, u in enumerate(updates) if "discarded" in u.status)
    assert streamed and streamed[0] < dropped  # the model's words were on the page, then taken off
    assert texts[dropped] == render.CURSOR
    final = updates[-1]
    assert final.session.turns[-1].fallback and FLASH in final.history[-1]["content"]
    assert "did not finish within" in final.status


def test_a_failed_turn_keeps_its_place_for_clicks(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Handlers(bundled_settings)
    first = ask(h, FLASH_QUESTION)[-1]

    def broken_stream(*args: object, **kwargs: object) -> Iterator[str]:
        yield "We propose"
        raise RagError("the store went away")

    with monkeypatch.context() as m:  # a failure after the answer started streaming
        m.setattr(api, "ask_stream", broken_stream)
        failed: list[ChatUpdate] = []
        with pytest.raises(gr.Error, match="the store went away"):
            for update in h.chat("What speedup?", first.history, first.session, first.turns, "extractive"):
                failed.append(update)
    after = failed[-1]
    assert after.history[-1]["content"].startswith("⚠ No answer") and after.question == "What speedup?"
    assert len(after.turns) * 2 == len(after.history) == 4  # one turn per question, the failed one included
    third = ask(h, "What speedup does it report on GPT-2?", after)[-1]
    # Clicking the newest answer (message 5) shows its own turn, not the failed one's
    shown = h.show_turn(third.turns, gr.SelectData(None, {"index": 5, "value": ""}))
    assert shown == tuple(third.turns[2]) and shown[1] == third.status


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(sse_bytes([b'data: {"choices": [{"delta": {"content": "The"\n\n']), id="invalid JSON"),
        pytest.param(
            sse_bytes([b'data: {"choices": [{"index": 0, "delta": {"content": "caf\xe9"}}]}\n\n']),
            id="not UTF-8",
        ),
        pytest.param(sse([{"id": "x", "object": "chat.completion.chunk"}]), id="wrong shape"),
    ],
)
def test_a_malformed_endpoint_reply_is_the_extractive_answer_on_the_page(
    bundled_settings: Settings, reply: object
) -> None:
    stub = OpenAIStub([reply])  # a real server on loopback that answers badly
    try:
        h = Handlers(bundled_settings.override(llm={"base_url": stub.url, "api_key": "x", "max_retries": 0}))
        with pytest.warns(UserWarning, match="malformed reply"):
            updates = list(toasted(h.chat)(FLASH_QUESTION, [], None, [], "openai"))
    finally:
        stub.close()
    final = updates[-1]
    assert isinstance(final, ChatUpdate)  # an answer, not a toast over an unchanged page
    assert FLASH in final.history[-1]["content"] and "malformed reply" in final.status
    assert "Traceback" not in final.status + final.history[-1]["content"]


def test_unavailable_backend_is_a_clear_error(bundled_settings: Settings) -> None:
    h = Handlers(bundled_settings.override(llm={"base_url": None, "api_key": None}))
    with pytest.raises(gr.Error, match="openai backend is not available: no endpoint or key"):
        ask(h, FLASH_QUESTION, backend="openai")
    # On the page the same error is a toast, and the page is left as it was (no update at all)
    chat = toasted(h.chat)
    with pytest.warns(UserWarning, match="openai backend is not available"):
        updates = list(chat(FLASH_QUESTION, [], None, [], "openai"))
    assert updates == [gr.skip()]


def test_page_events_turn_every_error_into_a_toast(capsys: pytest.CaptureFixture[str]) -> None:
    @toasted
    def user_error(x: int) -> int:
        raise gr.Error("Pick 2 to 5 papers <b>now</b>")

    @toasted
    def crash() -> None:
        raise KeyError("boom")

    @toasted
    def fine(x: int) -> int:
        return x + 1

    with pytest.warns(UserWarning, match="Pick 2 to 5 papers &lt;b&gt;now&lt;/b&gt;"):  # toasts are HTML
        assert user_error(1) == gr.skip()
    with pytest.warns(UserWarning, match="Internal error: KeyError: 'boom'"):
        assert crash() == gr.skip()
    assert "Traceback" in capsys.readouterr().err  # logged for the operator
    assert fine(1) == 2


def test_errors_become_one_line_gr_errors(handlers: Handlers, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(gr.Error, match="Type a question first"):
        ask(handlers, "   ")

    @guarded
    def known() -> None:
        raise RagError("the collection 'x' is empty - run 'paper-rag ingest' first")

    @guarded
    def unexpected() -> None:
        raise KeyError("boom")

    with pytest.raises(gr.Error) as err:
        known()
    assert err.value.message == "the collection 'x' is empty - run 'paper-rag ingest' first"
    with pytest.raises(gr.Error) as err:
        unexpected()
    assert err.value.message == "Internal error: KeyError: 'boom'"
    assert "Traceback" in capsys.readouterr().err  # logged for the operator, not shown on the page


def test_backend_choices_label_unavailable_backends(bundled_settings: Settings) -> None:
    from ui.handlers import backend_choices

    offline = bundled_settings.override(llm={"base_url": None, "api_key": None})
    choices = dict((value, label) for label, value in backend_choices(offline))
    assert choices["extractive"] == "extractive"
    assert choices["openai"].startswith("openai (unavailable: no endpoint or key")
    assert choices["auto"].startswith("auto → ")


# ------------------------------------------------------------------ extraction grid (the Compare tab)

CUSTOM = [["Dataset", "Which datasets are used for evaluation?"], ["Model size", ""], ["Compute", ""]]


def csv_rows(path: str | None) -> list[list[str]]:
    assert path is not None
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


def cell_marks(result: GridResult) -> list[tuple[str, str, str]]:
    """(card id, mark key, the cell's text) of every stated grid cell."""
    found = re.findall(r'<td class="cell" data-card="([^"]+)" data-mark="([^"]*)">(.*?)</td>', result.table)
    return [(card, key, re.sub(r"\u00a0<span class=\"cites\">.*", "", text)) for card, key, text in found]


def card_marks(result: GridResult, card: str) -> dict[str, str]:
    """{mark key: marked text} in one source card of the panel."""
    body = re.search(rf'<details class="src" id="{card}">(.*?)</details>', result.sources)
    assert body, card
    return dict(re.findall(r'<mark class="cell-mark on" data-k="(\d+)">(.*?)</mark>', body[1]))


def test_grid_of_picked_papers_with_the_default_columns_and_its_exports(handlers: Handlers) -> None:
    ids = [paper_id(handlers, MONARCH), paper_id(handlers, FLASH)]  # in the order picked
    seen: list[tuple] = []
    result = handlers.grid("papers", ids, columns=default_columns(), progress=lambda *a, **k: seen.append(a))
    assert result.table.count("<tr data-n=") == 2
    assert [h for h in re.findall(r'<span class="grid-label">(.*?)</span>', result.table)] == [
        "Approach",
        "Data / benchmarks",
        "Key results",
    ]
    assert result.table.index(render.esc(MONARCH)) < result.table.index(render.esc(FLASH))
    assert 'href="#src-grid-1"' in result.table and 'href="#src-grid-2"' in result.table
    assert "2 papers × 3 columns" in result.status and "the papers picked" in result.status
    assert ((2, 2),) in seen  # progress reached the last row

    # Every stated cell names its paper's card, and the mark it names there is exactly the cell's sentence
    marks = cell_marks(result)
    assert len(marks) >= 4
    for card, key, text in marks:
        assert key != "" and card_marks(result, card)[key] == text
    assert '<details class="src" id="src-grid-1">' in result.sources and render.esc(MONARCH) in result.sources

    exports = handlers.settings.home / "exports"
    files = [result.markdown_file, result.csv_file, result.references_file]
    assert all(f and Path(f).is_relative_to(exports) for f in files)
    rows = csv_rows(result.csv_file)
    assert rows[0] == ["n", "paper", "paper_id", "date", "Approach", "Data / benchmarks", "Key results"]
    assert [r[1] for r in rows[1:]] == [MONARCH, FLASH] and [r[2] for r in rows[1:]] == ids
    markdown = Path(result.markdown_file).read_text(encoding="utf-8")
    assert markdown.startswith("# Extraction grid: 2 papers × 3 columns\n")
    assert "| Paper | Approach | Data / benchmarks | Key results |" in markdown
    assert f"| {MONARCH} [1] |" in markdown and f"[2] {FLASH}" in markdown
    citations = Path(result.references_file).read_text(encoding="utf-8").splitlines()
    assert [line.split(" (")[0].split(". paper-rag")[0] for line in citations] == [
        f"[1] {MONARCH}",
        f"[2] {FLASH}",
    ]
    assert all("@" not in line and "{" not in line for line in citations)  # plain citations, not BibTeX


def test_grid_rows_from_a_search(handlers: Handlers) -> None:
    flash = paper_id(handlers, FLASH)
    # Only the chosen source counts: the picked paper is not a row of a search's grid
    result = handlers.grid("query", [flash], "looped transformers", 4, columns=CUSTOM)
    rows = csv_rows(result.csv_file)
    assert rows[0][4:] == ["Dataset", "Model size", "Compute"] and len(rows) == 1 + 4
    expected = [h.title for h in api.search("looped transformers", k=4, settings=handlers.settings).hits]
    assert [r[1] for r in rows[1:]] == expected and flash not in {r[2] for r in rows[1:]}
    assert "the top 4 papers for “looped transformers”" in result.status
    assert "Which datasets are used for evaluation?" in result.table  # the question under its label


def test_grid_rows_from_a_list_question(handlers: Handlers) -> None:
    result = handlers.grid(
        "list",
        query="FlashAttention",
        list_question="Which papers study looped transformers?",
        columns=CUSTOM,
    )
    assert {r[1] for r in csv_rows(result.csv_file)[1:]} == LOOPED
    assert "Which papers study looped transformers?" in result.status


def test_grid_rows_from_the_library_filters(handlers: Handlers) -> None:
    page = "hf-daily-papers-000.txt"
    result = handlers.grid("filters", page=page, at_most=300, columns=[["Dataset", ""]])
    expected = {p.paper_id for p in handlers.papers() if page in render.paper_pages(p)}
    ids = {r[2] for r in csv_rows(result.csv_file)[1:]}
    assert ids == expected and 0 < len(ids) < BUNDLED_PAPERS

    capped = handlers.grid("filters", page=page, at_most=3, columns=[["Dataset", ""]])
    assert len(csv_rows(capped.csv_file)) == 1 + 3 and "the first 3 are the rows" in capped.status

    dated = handlers.grid(
        "filters", year_from="2024", include_undated=False, at_most=300, columns=[["Dataset", ""]]
    )
    years = {p.paper_id: p.year for p in handlers.papers()}
    rows = csv_rows(dated.csv_file)[1:]
    assert rows and all((years[r[2]] or 0) >= 2024 for r in rows)
    assert len(rows) == sum(1 for y in years.values() if y and y >= 2024)

    nothing = handlers.grid(
        "filters", year_from="1900", year_to="1901", include_undated=False, columns=CUSTOM
    )
    assert "No rows" in nothing.table and nothing.csv_file is None and nothing.markdown_file is None


def test_grid_columns_from_the_table() -> None:
    assert default_columns() == [[c.label, c.question] for c in api.DEFAULT_GRID_COLUMNS]
    table = [["  Dataset ", "Which  datasets?"], ["Model size", None], ["", ""], [None, float("nan")]]
    assert grid_columns(table) == [
        {"label": "Dataset", "question": "Which datasets?"},
        {"label": "Model size", "question": ""},  # a blank question: the label alone is used
    ]
    assert grid_columns({"headers": ["Column", "Question (optional)"], "data": [["Code", ""]]}) == [
        {"label": "Code", "question": ""}
    ]
    with pytest.raises(gr.Error, match="row 2 has a question but no label"):
        grid_columns([["Dataset", ""], ["", "How big is it?"]])


def test_a_custom_column_gets_the_sentence_that_answers_it(handlers: Handlers) -> None:
    flash = paper_id(handlers, FLASH)
    result = handlers.grid("papers", [flash], columns=[["Speed-up", "How much faster is it?"]])
    header, row = csv_rows(result.csv_file)
    assert header[4:] == ["Speed-up"]
    assert re.search(r"\d(\.\d+)?\s*(x|×|times)", row[4]), row[4]  # the sentence stating the speed-up
    assert row[4] in api.split_sentences(handlers.abstracts()[flash])  # whole, as the abstract has it
    assert render.esc(row[4]) in result.table


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows_from": "papers"}, "Pick at least one paper"),
        ({"rows_from": "papers", "papers": [f"t:{i}" for i in range(51)]}, "at most 50 papers"),
        ({"rows_from": "papers", "papers": ["no such paper anywhere"]}, "no stored paper matches"),
        ({"rows_from": "query", "query": "  "}, "Type a search"),
        ({"rows_from": "list"}, "Type a list question"),
        ({"rows_from": "filters"}, "Set a year or a source page"),
        ({"rows_from": "filters", "year_from": "20x4"}, "is not a year"),
        ({"rows_from": "query", "query": "attention", "columns": [["", ""]]}, "Name at least one column"),
        ({"rows_from": "query", "query": "attention", "columns": [["", "Which data?"]]}, "no label"),
        (
            {"rows_from": "query", "query": "attention", "columns": [["Data", ""], ["data", "x"]]},
            "given twice",
        ),
        (
            {"rows_from": "query", "query": "attention", "columns": [[f"C{i}", ""] for i in range(13)]},
            "at most 12",
        ),
    ],
)
def test_bad_grid_input_is_a_clear_error_and_a_toast(handlers: Handlers, kwargs: dict, message: str) -> None:
    kwargs = {"columns": default_columns(), **kwargs}
    with pytest.raises(gr.Error, match=message):
        handlers.grid(**kwargs)
    with pytest.warns(UserWarning, match=message):  # on the page: a toast, and the page stays as it was
        assert toasted(handlers.grid)(**kwargs) == gr.skip()


def test_grid_exports_keep_only_the_newest(bundled_settings: Settings, tmp_path: Path) -> None:
    h = Handlers(bundled_settings)
    h.exports = tmp_path / "exports"
    for i in range(KEEP_EXPORTS + 5):  # older folders, the compare tab's among them
        old = h.exports / f"{'compare' if i % 2 else 'grid'}-old-{i:02d}"
        old.mkdir(parents=True)
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    result = h.grid("papers", [paper_id(h, FLASH)], columns=default_columns())
    kept = sorted(p.name for p in h.exports.iterdir())
    assert len(kept) == KEEP_EXPORTS and Path(result.csv_file).parent.name in kept
    assert "grid-old-00" not in kept and "compare-old-23" in kept  # the oldest went, the newest stayed


# ------------------------------------------------------------------ library


def test_library_filters_and_counts(handlers: Handlers) -> None:
    rows, count, ids = handlers.library()
    assert len(rows) == len(ids) == BUNDLED_PAPERS and str(BUNDLED_PAPERS) in count

    rows, count, ids = handlers.library("looped")
    assert {r[0] for r in rows} >= LOOPED and f"<b>{len(rows)}</b> of {BUNDLED_PAPERS}" in count

    dated, _, _ = handlers.library(year_from="2023", include_undated=False)
    assert dated and all(r[1] and int(r[1][-4:]) >= 2023 for r in dated)
    with_undated, _, _ = handlers.library(year_from="2023", include_undated=True)
    assert len(with_undated) > len(dated)

    page = "hf-daily-papers-000.txt"
    rows, count, ids = handlers.library(page=page)
    pages = {p.paper_id: render.paper_pages(p) for p in handlers.papers()}
    assert 0 < len(rows) < BUNDLED_PAPERS and all(page in pages[i] for i in ids)
    assert all(
        len(r) == 2 for r in rows
    )  # title and date: a paper's pages are on its card, not in ten-line cells


def test_library_search_matches_whole_words_in_titles_and_abstracts(handlers: Handlers) -> None:
    def expected(
        word: str,
    ) -> set[str]:  # the oracle: the word (or its plural) as a word of title or abstract
        pattern = re.compile(rf"\b{word}s?\b", re.IGNORECASE)
        return {
            p.paper_id for p in handlers.papers() if pattern.search(p.title) or pattern.search(p.abstract)
        }

    for word in ("lora", "looped", "diffusion"):
        _, _, ids = handlers.library(word)
        assert set(ids) == expected(word), word
    lora = {p.paper_id: p for p in handlers.papers() if p.paper_id in handlers.library("lora")[2]}
    assert lora and not any("exploration" in p.title.lower() for p in lora.values())  # not "exp-lora-tion"
    in_abstract_only = expected("looped") - {paper_id(handlers, t) for t in LOOPED}
    assert in_abstract_only <= set(handlers.library("looped")[2])


def test_select_a_paper_and_ask_about_it(handlers: Handlers) -> None:
    _, _, ids = handlers.library("FlashAttention: Fast")
    event = gr.SelectData(None, {"index": [0, 0], "value": FLASH})
    detail, selected = handlers.select_paper(ids, event)
    assert selected == paper_id(handlers, FLASH) and render.esc(FLASH) in detail and "chunk" in detail

    answer, sources, status = handlers.ask_paper("Which datasets are used?", selected, "extractive")
    assert "src-lib-" in sources and render.esc(FLASH) in sources
    assert MONARCH not in sources  # scoped to the one paper
    assert "extractive" in status and answer


# ------------------------------------------------------------------ ingest


def test_ingest_reports_counts_and_errors_and_the_paper_is_searchable(
    settings: Settings, tmp_path: Path
) -> None:
    h = Handlers(settings)
    upload = tmp_path / "upload" / "new_papers.jsonl"
    upload.parent.mkdir()
    write_jsonl(
        upload,
        [
            {
                "id": "2501.01234",
                "title": "Quokka Attention: Sparse Marsupial Routing for Long Contexts",
                "abstract": "We introduce Quokka Attention, a sparse routing scheme for long-context transformers. "
                "Quokka Attention reduces attention cost by 4x on the ZooBench suite.",
                "authors": "A. Author, B. Author",
                "update_date": "2025-01-03",
            },
            {
                "title": "Wombat Decoding for Speculative Inference",
                "summary": "Wombat decoding drafts tokens with a burrowing model and verifies them in parallel.",
            },
        ],
    )
    with upload.open("a", encoding="utf-8") as f:
        f.write('{"title": "Broken record", "abstract": \n')  # line 3: malformed JSON
    with pytest.warns(UserWarning, match="1 record"):
        summary, rejected = h.ingest([str(upload)])
    assert '<div class="stat-n">2</div><div class="stat-label">new</div>' in summary
    assert '<div class="stat-n">1</div><div class="stat-label">rejected</div>' in summary
    assert len(rejected) == 1 and rejected[0][0] == "new_papers.jsonl:3"
    (kept,) = (settings.home / "uploads").glob("*/new_papers.jsonl")  # sources outlive Gradio's temp upload
    assert kept.read_bytes() == upload.read_bytes()

    found = h.api_search("Quokka Attention sparse routing")["results"]
    assert found[0]["title"] == "Quokka Attention: Sparse Marsupial Routing for Long Contexts"
    rows, count, _ = h.library("quokka")
    assert len(rows) == 1 and "of 2 papers" in count and rows[0][1] == "Jan 3, 2025"
    assert any(title == "Wombat Decoding for Speculative Inference" for title, _ in h.paper_choices())

    with pytest.warns(UserWarning, match="1 record"):
        summary, rejected = h.ingest([str(upload)])  # again: nothing changes
    assert '<div class="stat-n">2</div><div class="stat-label">unchanged</div>' in summary


def test_two_uploads_of_one_name_are_both_kept(settings: Settings, tmp_path: Path) -> None:
    h = Handlers(settings)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_jsonl(
        tmp_path / "a" / "papers.jsonl", [{"title": "Numbat Pruning", "abstract": "We prune."}]
    )
    second = write_jsonl(
        tmp_path / "b" / "papers.jsonl", [{"title": "Bilby Routing", "abstract": "We route."}]
    )
    for path in (first, second, first):  # the same file twice is kept once
        h.ingest([str(path)])
    kept = sorted(p.read_text(encoding="utf-8") for p in (settings.home / "uploads").glob("*/papers.jsonl"))
    assert kept == sorted([first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")])
    papers = {p.title: p for p in api.papers(settings=settings)}
    assert {"Numbat Pruning", "Bilby Routing"} <= set(papers)
    assert papers["Numbat Pruning"].sources != papers["Bilby Routing"].sources
    assert all(Path(s.rsplit(":", 1)[0]).exists() for p in papers.values() for s in p.sources)  # still there
    assert settings.home.stat().st_mode & 0o077 == 0  # a new data folder is its owner's alone


def test_uploads_and_exports_are_private_in_a_shared_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "shared-home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)  # an existing folder its owner made readable to others: kept so
    settings = Settings(home=home)
    h = Handlers(settings)
    upload = write_jsonl(tmp_path / "mine.jsonl", [{"title": "Quokka Caching", "abstract": "We cache."}])
    h.ingest([str(upload)])
    assert home.stat().st_mode & 0o777 == 0o755
    assert (home / "uploads").stat().st_mode & 0o077 == 0
    assert h._export_folder().parent.stat().st_mode & 0o077 == 0


def test_ingest_needs_files(handlers: Handlers) -> None:
    with pytest.raises(gr.Error, match="Choose one or more"):
        handlers.ingest([])


def test_unsupported_files_are_reported_and_the_others_still_go_in(
    settings: Settings, tmp_path: Path
) -> None:
    h = Handlers(settings)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7 not a listing page")
    with pytest.warns(UserWarning, match="Nothing was ingested"):
        summary, rejected = h.ingest([str(pdf)])
    assert "Nothing was ingested" in summary and 'class="stats"' not in summary  # no tiles of an earlier run
    assert rejected == [
        ["paper.pdf", f"not a supported file type (.pdf): use {', '.join(api.readable_suffixes())}"]
    ]
    assert {".txt", ".json", ".jsonl"} <= set(
        api.readable_suffixes()
    )  # what ingest reads, from ingest itself
    assert not list((settings.home / "uploads").glob("**/paper.pdf"))

    good = write_jsonl(
        tmp_path / "one.jsonl", [{"title": "Numbat Pruning for Sparse Nets", "abstract": "We prune."}]
    )
    with pytest.warns(UserWarning, match="1 file of another type skipped"):
        summary, rejected = h.ingest([str(pdf), str(good)])
    assert '<div class="stat-n">1</div><div class="stat-label">new</div>' in summary
    assert [r[0] for r in rejected] == ["paper.pdf"]


# ------------------------------------------------------------------ API through gradio_client


@pytest.mark.slow  # serves the app on loopback
def test_gradio_client_calls_ask_and_search(bundled_settings: Settings) -> None:
    from gradio_client import Client

    from ui.app import launch

    demo, url = launch(bundled_settings, "127.0.0.1", free_port(), block=False)
    try:
        # Gradio serves files only from its temp folder, the working folder and allowed_paths: a home elsewhere
        # (~/.local/share/paper-rag by default) needs its exports folder listed, or every download fails.
        assert str(bundled_settings.home / "exports") in demo.allowed_paths
        client = Client(url, verbose=False)
        answer = client.predict(FLASH_QUESTION, "extractive", api_name="/ask")
        assert answer["backend"] == "extractive" and not answer["refused"]
        assert FLASH in [c["title"] for c in answer["citations"]]
        assert {"answer", "sources", "timings_ms", "table", "note"} <= set(answer)

        result = client.predict("looped transformers", 3, api_name="/search")
        assert len(result["results"]) == 3
        assert "Looped" in result["results"][0]["title"]

        endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert set(endpoints) == {"/ask", "/search"}  # the UI's own events stay private
    finally:
        demo.close()


TRANSPORT_FAULTS = {
    "rate limited (429)": lambda stub: [error(429, "Rate limit reached", "rate_limit_exceeded")],
    "server error (500)": lambda stub: [error(500, "The server had an error")],
    "bad key (401)": lambda stub: [error(401, "Incorrect API key provided", "invalid_api_key")],
    "stream cut mid-answer": lambda stub: [
        sse(answer_events("FlashAttention is an IO-aware"), complete=False)
    ],
    "stalled": lambda stub: [stub.stall(30)],
}


@pytest.mark.parametrize("fault", [*TRANSPORT_FAULTS, "connection refused"])
def test_a_failing_endpoint_is_the_extractive_answer_on_the_page(
    bundled_settings: Settings, fault: str
) -> None:
    """Issue #11: each way a real endpoint on loopback fails reaches the page as the cited extractive answer with a
    one-line note, never a traceback, an error badge or a lost question (the malformed replies are the test above)."""
    stub = OpenAIStub()
    url = f"http://127.0.0.1:{free_port()}/v1" if fault == "connection refused" else stub.url
    if fault != "connection refused":
        stub.actions = TRANSPORT_FAULTS[fault](stub)
    try:
        settings = bundled_settings.override(
            llm={"base_url": url, "api_key": "sk-test", "max_retries": 0, "timeout_s": 2.0}
        )
        h = Handlers(settings)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            updates = list(toasted(h.chat)(FLASH_QUESTION, [], None, [], "openai"))
    finally:
        stub.close()
    final = updates[-1]
    assert isinstance(final, ChatUpdate), updates[-1]  # an answer, not a toast over an unchanged page
    answer = final.history[-1]["content"]
    assert FLASH in answer and 'data-n="1"' in answer  # the extractive answer, cited [1]
    assert "extractive" in final.status.lower() and "Traceback" not in final.status + answer
    assert "sk-test" not in final.status + answer
