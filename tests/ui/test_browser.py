"""End to end in a real browser: Debian's Chromium, driven by Playwright, against the app served on loopback.

Answers stream from a real HTTP peer: a stdlib OpenAI-compatible server on 127.0.0.1 that quotes the first
sentence of source [1] word by word, slowly enough for the page to show the partial answer (support.OpenAIStub).
The app serves a copy of the bundled store of its own, since the test ingests into it. A second app on the same
store has no openai endpoint (the "unavailable" backend) and answers extractively: the error paths run there. A
user error must be a toast over an unchanged page, never Gradio's red "Error" badges (``.wrap span.error``).
Screenshots of each tab, an error toast and the library at phone width go to docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bundled_store import session_store
from support import (
    BUNDLED_PAPERS,
    FLASH,
    FLASH_QUESTION,
    LOOPED,
    MONARCH,
    REPO,
    OpenAIStub,
    free_port,
    quote_source,
    write_jsonl,
)

CHROMIUM = Path(os.environ.get("PAPER_RAG_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_MISSING = (
    f"Chromium not found at {CHROMIUM}: sudo apt-get install chromium (.ci/run installs it; "
    "PAPER_RAG_TEST_CHROMIUM names another binary)"
)
SHOTS = REPO / "docs" / "screenshots"
NEW_TITLE = "Quokka Attention: Sparse Marsupial Routing for Long Contexts"
GRID_QUERY = "code generation with large language models"
GRID_COLUMNS = [
    ("Dataset", "Which datasets or benchmarks is it evaluated on?"),
    ("Baseline", "Which prior methods does it outperform?"),
    ("Main number", ""),  # a label alone
]
OVERLAY = ".wrap span.error"  # Gradio's red "Error" badge over an event's outputs
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Words (split at spaces, hyphens and slashes) whose letters a table cell spreads over two lines ("Expressi/ve").
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\\-\\u2010-\\u2014\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=CHROMIUM_MISSING,
    ),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Its own copy of the bundled store, not the session's: this test ingests.
    return session_store(tmp_path_factory.mktemp("browser") / "home")


@pytest.fixture(scope="module")
def app_url(store: Any) -> Iterator[str]:
    from ui.app import launch

    quoter = OpenAIStub([quote_source(1, delay_s=0.06)])  # slow enough for the page to show a partial answer
    settings = store.override(llm={"backend": "openai", "base_url": quoter.url, "max_retries": 0})
    demo, url = launch(settings, "127.0.0.1", free_port(), block=False)
    yield url
    demo.close()
    quoter.close()


@pytest.fixture(scope="module")
def offline_url(store: Any) -> Iterator[str]:
    """The same store served with no openai endpoint: 'openai' is listed as unavailable."""
    from ui.app import launch

    settings = store.override(llm={"backend": "extractive", "base_url": None, "api_key": None})
    demo, url = launch(settings, "127.0.0.1", free_port(), block=False)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    return []


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            viewport={"width": 1440, "height": 1000},
            args=CHROMIUM_ARGS,
        )
        yield context
        context.close()


def open_page(browser: Any, url: str, requests_seen: list[str] | None = None, **viewport: int) -> Any:
    page = browser.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    if requests_seen is not None:
        page.on("request", lambda request: requests_seen.append(request.url))
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.fixture(scope="module")
def page(browser: Any, app_url: str, requests_seen: list[str]) -> Iterator[Any]:
    page = open_page(browser, app_url, requests_seen)
    yield page
    page.close()


@pytest.fixture(scope="module")
def offline(browser: Any, offline_url: str, requests_seen: list[str]) -> Iterator[Any]:
    page = open_page(browser, offline_url, requests_seen)
    yield page
    page.close()


def toast(page: Any, text: str) -> str:
    """Wait for a toast that says ``text``; return its text."""
    found = page.locator(".toast-body", has_text=text).first
    found.wait_for()
    return str(found.inner_text())


def assert_no_overlay(page: Any) -> None:
    assert page.locator(OVERLAY).count() == 0, page.locator(OVERLAY).all_inner_texts()


def shot(page: Any, name: str, *, toasts: bool = False, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if not toasts:
        page.evaluate("document.querySelectorAll('.toast-close').forEach(b => b.click())")
    page.wait_for_timeout(500)  # let transitions settle
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_chat_streams_cites_and_opens_a_source(page: Any) -> None:
    # Record every state of the answer bubble, to see the partial answer the stream shows on the way.
    page.evaluate(
        """() => {
            window.__states = [];
            const log = document.querySelector('#chatbot');
            new MutationObserver(() => {
                const bots = log.querySelectorAll('[data-testid="bot"]');
                if (bots.length) window.__states.push(bots[bots.length - 1].innerText);
            }).observe(log, {subtree: true, childList: true, characterData: true});
        }"""
    )
    page.fill("#question textarea", FLASH_QUESTION)
    page.click("#ask")
    page.wait_for_selector("#sources-panel details.src")
    bot = page.locator('#chatbot [data-testid="bot"]').last
    final = bot.inner_text()
    assert "cited papers" in final.lower() and FLASH in final
    states: list[str] = page.evaluate("window.__states")
    partial = [s for s in states if "▍" in s and len(s.strip()) > 20]
    assert partial, states[:5]  # a streamed, incomplete answer was on screen before the final one
    assert all("cited papers" not in s.lower() for s in partial)
    assert "openai" in page.locator("#status").inner_text()

    # Click the citation marker: its source opens in the panel with the quoted sentence highlighted.
    card = page.locator("#src-0-1")
    assert card.get_attribute("open") is None
    bot.locator("a.cite").first.click()
    page.wait_for_function("document.getElementById('src-0-1').open")
    assert card.locator(".src-title").inner_text() == FLASH
    mark = card.locator("mark").first
    mark.wait_for(state="visible")
    quoted = mark.inner_text().rstrip(".")
    assert quoted and quoted in final  # the sentence the answer quotes
    shot(page, "chat")


def edit_column(page: Any, row: int, col: int, text: str) -> None:
    """Type ``text`` into a cell of the columns table (double-click to edit, Enter to keep)."""
    cell = page.locator(f"#grid-columns [data-testid=cell-{row}-{col}]")
    cell.dblclick()
    editor = cell.get_by_label("Edit cell")
    editor.wait_for()
    editor.fill(text)
    editor.press("Enter")
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent.trim() === text",
        arg=[f"#grid-columns [data-testid=cell-{row}-{col}] span[data-editable]", text],
    )


@pytest.fixture
def tall(page: Any) -> Iterator[Any]:
    """The page, 1500 px tall for the test: the README's picture shows the set-up, the first rows and a card."""
    page.set_viewport_size({"width": 1440, "height": 1500})
    yield page
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_a_grid_of_ten_papers_by_three_custom_columns(tall: Any) -> None:
    page = tall
    page.get_by_role("tab", name="Compare").click()
    page.get_by_label("The top papers for a search").check()
    page.locator("#grid-papers").wait_for(state="hidden")  # only the chosen source's inputs are shown
    page.fill("#grid-query textarea", GRID_QUERY)
    top_n = page.locator("#grid-top-n input[type=number]")
    top_n.fill("10")
    top_n.press("Enter")
    for row, (label, question) in enumerate(GRID_COLUMNS):
        edit_column(page, row, 0, label)
        edit_column(page, row, 1, question)
    page.click("#grid-add-column")  # a blank row: no column
    page.locator("#grid-columns [data-testid=cell-3-0]").wait_for()
    page.click("#grid-run")
    table = page.locator("#grid-table table.grid")
    table.wait_for()
    labels = [t.strip() for t in table.locator("th .grid-label").all_text_contents()]
    assert labels == [label for label, _ in GRID_COLUMNS]
    rows = table.locator("tbody tr")
    assert rows.count() == 10
    assert "10 papers × 3 columns" in page.locator("#grid-status").inner_text()
    titles = [rows.nth(i).locator("td.paper").inner_text() for i in range(10)]
    assert all(re.search(rf"\[{i + 1}\]", t) for i, t in enumerate(titles))  # every row cited [n]

    # "not stated" is muted; every other cell is a whole sentence, cited
    unstated = table.locator(".not-stated")
    assert unstated.count() > 0
    assert unstated.first.evaluate("el => getComputedStyle(el).fontStyle") == "italic"
    stated = table.locator("td.cell:not(.unstated)")
    assert stated.count() >= 10 and all(re.search(r"\[\d+\]$", t.strip()) for t in stated.all_inner_texts())
    # Lines break between words, never inside one
    assert page.evaluate(BROKEN_WORDS, "#grid-table td, #grid-table th") == []

    # Clicking a cell opens its paper's card in the panel, with that cell's sentence (only) highlighted
    cell = stated.nth(3)
    card_id = cell.get_attribute("data-card")
    sentence = re.sub(r"\s*\[\d+\]$", "", cell.inner_text().strip())
    cell.click()
    page.wait_for_function(f"document.getElementById('{card_id}').open")
    card = page.locator(f"#{card_id}")
    highlighted = card.locator("mark.cell-mark.on")
    assert highlighted.count() == 1
    assert " ".join(highlighted.inner_text().split()) == " ".join(sentence.split())
    row_title = cell.locator("xpath=..").locator("td.paper").inner_text()
    assert card.locator(".src-title").inner_text() in row_title
    assert "active" in (cell.get_attribute("class") or "")
    # The paper's name highlights every sentence its row uses
    page.locator(f"td.paper[data-card={card_id}]").click()
    page.wait_for_function(
        f"document.querySelectorAll('#{card_id} mark.cell-mark.on').length > 0 && "
        f"document.querySelectorAll('#{card_id} mark.cell-mark:not(.on)').length === 0"
    )
    cell.click()  # back to the one cell's sentence, for the picture
    page.wait_for_function(f"document.querySelectorAll('#{card_id} mark.cell-mark.on').length === 1")

    with page.expect_download() as download:  # the CSV export: the 3 labels, 10 rows
        page.get_by_role("button", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    exported = list(csv.reader(io.StringIO(text)))
    assert exported[0] == ["n", "paper", "paper_id", "date", *(label for label, _ in GRID_COLUMNS)]
    assert len(exported) == 1 + 10
    assert all(
        r[1] in title for r, title in zip(exported[1:], titles, strict=True)
    )  # the table's rows, in order
    assert page.get_by_role("button", name="Markdown").is_visible()
    assert page.get_by_role("button", name="Citations").is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "grid", full_page=False)  # the whole grid is a long page


def test_upload_a_paper_then_find_it_in_the_library(page: Any, tmp_path: Path) -> None:
    upload = write_jsonl(
        tmp_path / "new_papers.jsonl",
        [
            {
                "id": "2501.01234",
                "title": NEW_TITLE,
                "abstract": "We introduce Quokka Attention, a sparse routing scheme for long-context transformers. "
                "Quokka Attention reduces attention cost by 4x on the ZooBench suite.",
                "authors": "A. Author, B. Author",
                "update_date": "2025-01-03",
            }
        ],
    )
    with upload.open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    page.get_by_role("tab", name="Ingest").click()
    page.locator("#ingest-files").get_by_text("Click to Upload").wait_for()
    page.wait_for_timeout(300)  # the tab has just mounted its upload widget
    page.locator("#ingest-files input[type=file]").set_input_files(str(upload))
    page.locator("#ingest-files").get_by_text("new_papers.jsonl").first.wait_for()
    page.click("#ingest-run")
    page.locator(".stat-label", has_text="new").wait_for()
    stats = page.locator(".stats").inner_text()
    assert re.search(r"1\s+NEW", stats, re.IGNORECASE), stats
    assert (
        "new_papers.jsonl:2" in page.locator("#ingest-rejected").inner_text()
    )  # file:line of the bad record
    shot(page, "ingest")

    page.get_by_role("tab", name="Library").click()
    page.fill("#lib-search textarea, #lib-search input", "quokka")
    page.locator("#lib-count", has_text=f"1 of {BUNDLED_PAPERS + 1}").wait_for()
    page.locator("#lib-table").get_by_text(NEW_TITLE).last.click()
    page.locator("#lib-paper .paper-title", has_text=NEW_TITLE).wait_for()
    assert "ZooBench" in page.locator("#lib-paper").inner_text()

    # A question scoped to the selected paper is answered from it alone.
    page.fill("#lib-question textarea", "What does Quokka Attention reduce?")
    page.click("#lib-ask")
    page.locator("#lib-sources details.src").first.wait_for()
    assert page.locator("#lib-sources .src-title").all_inner_texts() == [NEW_TITLE]
    assert "Quokka Attention" in page.locator("#lib-answer").inner_text()
    shot(page, "library")


def test_a_reload_after_the_upload_shows_the_collection_as_it_is(browser: Any, app_url: str) -> None:
    # A fresh page (what a reload or a second user gets): counts, library and compare picker come from the store.
    page = open_page(browser, app_url)
    total = BUNDLED_PAPERS + 1
    page.locator("#app-header .app-count", has_text=f"{total} papers").wait_for()
    page.get_by_role("tab", name="Library").click()
    page.locator("#lib-count", has_text=f"{total} papers in the collection").wait_for()
    page.get_by_role("tab", name="Compare").click()
    picker = page.locator("#grid-papers input")
    picker.click()
    picker.fill("Quokka")
    page.locator("#grid-papers [role=option]", has_text=NEW_TITLE).first.wait_for()
    page.close()


def test_an_unsupported_upload_is_a_toast_and_a_rejected_row(
    browser: Any, app_url: str, tmp_path: Path
) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7 not a listing page")
    page = open_page(browser, app_url)
    page.get_by_role("tab", name="Ingest").click()
    page.locator("#ingest-files").get_by_text("Click to Upload").wait_for()
    page.locator("#ingest-files input[type=file]").set_input_files(str(pdf))
    page.locator("#ingest-files").get_by_text("paper.pdf").first.wait_for()
    page.click("#ingest-run")
    said = toast(page, "Nothing was ingested")
    assert all(kind in said for kind in (".txt", ".json", ".jsonl")) and ".pdf" not in said
    page.locator("#ingest-rejected", has_text="paper.pdf").wait_for()
    assert "Nothing was ingested" in page.locator(".note").first.inner_text()
    assert page.locator(".stats").count() == 0  # the last run's tiles are not left to be read as this one's
    assert_no_overlay(page)
    page.close()


def test_the_page_loads_nothing_from_the_internet(page: Any, app_url: str, requests_seen: list[str]) -> None:
    assert requests_seen
    outside = [url for url in requests_seen if not url.startswith((app_url, "data:", "blob:"))]
    assert not outside


# ------------------------------------------------------------------ the error paths, on the app with no endpoint


def test_an_unavailable_backend_is_a_toast_and_the_chat_stays(offline: Any) -> None:
    page = offline
    page.fill("#question textarea", FLASH_QUESTION)
    page.click("#ask")
    page.wait_for_selector("#sources-panel details.src")
    first_status = page.locator("#status").inner_text()
    assert "extractive" in first_status

    page.get_by_text("Answer settings").click()
    backend = page.locator("#backend input")
    backend.click()
    page.get_by_role("option", name=re.compile(r"^openai \(unavailable")).click()
    page.fill("#question textarea", "What speedup does it report?")
    page.click("#ask")
    assert "openai backend is not available" in toast(page, "not available")
    page.wait_for_timeout(500)
    assert_no_overlay(page)
    bubbles = page.locator('#chatbot [data-testid="bot"], #chatbot [data-testid="user"]')
    assert bubbles.count() == 2 and FLASH in page.locator('#chatbot [data-testid="bot"]').last.inner_text()
    assert page.locator("#question textarea").input_value() == "What speedup does it report?"  # not lost
    shot(page, "error-toast", toasts=True)

    # Back to extractive: a second answer; clicking the first shows its own status line again
    backend.click()
    page.get_by_role("option", name="extractive", exact=True).click()
    page.click("#ask")
    page.locator('#chatbot [data-testid="bot"]').nth(1).locator(".cited").wait_for()
    page.locator('#chatbot [data-testid="bot"]').first.click()
    page.wait_for_function(
        "s => document.querySelector('#status').innerText === s", arg=first_status, timeout=10_000
    )


def test_a_chat_compare_table_keeps_words_whole(offline: Any) -> None:
    page = offline
    page.click("#clear")
    page.wait_for_function("!document.querySelector('#chatbot [data-testid=\"bot\"]')")  # cleared
    page.fill("#question textarea", "Compare FlashAttention and Monarch")
    page.click("#ask")
    page.locator('#chatbot [data-testid="bot"] .cited').last.wait_for()
    table = page.locator("#chatbot table")
    table.wait_for()
    assert page.evaluate(BROKEN_WORDS, "#chatbot td, #chatbot th") == []
    cells = page.locator("#chatbot td").all_inner_texts()
    assert not any(c.rstrip(" []0123456789").endswith("…") for c in cells)  # whole sentences, not cut ones


def test_bad_grid_input_is_a_toast_then_picked_papers_make_a_grid(offline: Any) -> None:
    page = offline
    page.get_by_role("tab", name="Compare").click()
    page.click("#grid-run")
    toast(page, "Pick at least one paper")
    page.get_by_label("Every paper the filters accept").check()
    page.click("#grid-run")
    toast(page, "Set a year or a source page")
    page.wait_for_timeout(500)
    assert_no_overlay(page)
    assert page.locator("#grid-table table").count() == 0

    # Picked papers with the default columns (the old compare table, as a grid)
    page.get_by_label("Papers I pick").check()
    picker = page.locator("#grid-papers input")
    for title in (FLASH, MONARCH):
        picker.click()
        picker.fill(title.split(":")[0])
        page.locator("#grid-papers [role=option]", has_text=title).first.click()
    page.keyboard.press("Escape")
    page.click("#grid-run")
    rows = page.locator("#grid-table table.grid tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    assert FLASH in rows.nth(0).inner_text() and MONARCH in rows.nth(1).inner_text()
    labels = page.locator("#grid-table th .grid-label").all_text_contents()
    assert [t.strip().lower() for t in labels] == ["approach", "data / benchmarks", "key results"]


def test_the_library_on_a_phone(browser: Any, offline_url: str) -> None:
    page = open_page(browser, offline_url, width=390, height=844)
    page.get_by_role("tab", name="Library").click()
    page.locator("#lib-count", has_text="papers in the collection").wait_for()
    page.wait_for_function("document.querySelectorAll('#lib-table tbody td').length >= 2")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing scrolls sideways
    # Every filter label is whole and on screen; the header's count stays on one line
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('#lib-filters label, #lib-filters [data-testid=block-info]')]
            .filter(el => el.offsetParent !== null)
            .filter(el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > 390)
            .map(el => el.innerText)"""
    )
    assert clipped == []
    count = page.locator("#app-header .app-count")
    assert re.fullmatch(r"\d+ papers", count.inner_text().strip())
    spread = page.evaluate(  # the count's pieces (the bold number, the word) sit on one line
        "() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('.app-count'));"
        " const tops = [...r.getClientRects()].map(x => x.top); return Math.max(...tops) - Math.min(...tops); }"
    )
    assert spread < 8, spread
    shot(page, "library-phone")
    page.close()


def test_the_grid_on_a_phone(browser: Any, offline_url: str) -> None:
    page = open_page(browser, offline_url, width=390, height=844)
    page.get_by_role("tab", name="Compare").click()
    page.get_by_label("The papers a list question finds").check()
    page.fill("#grid-list-question textarea", "Which papers study looped transformers?")
    page.click("#grid-run")
    rows = page.locator("#grid-table table.grid tbody tr")
    rows.first.wait_for()
    assert {t.split("\u00a0")[0].strip() for t in rows.locator("td.paper").all_inner_texts()} >= LOOPED
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the grid scrolls in its own box
    # The card is below the grid: clicking a cell brings its sentence on screen
    cell = page.locator("#grid-table td.cell:not(.unstated)").first
    cell.click()
    mark = page.locator(f"#{cell.get_attribute('data-card')} mark.cell-mark.on")
    mark.wait_for()
    page.wait_for_function(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.top >= 0 && r.top < window.innerHeight; }""",
        arg=f"#{cell.get_attribute('data-card')} mark.cell-mark.on",
    )
    page.close()
