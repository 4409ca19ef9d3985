"""End to end in a real browser: Debian's Chromium, driven by Playwright, against the app served on loopback.

Answers stream from a real HTTP peer: a stdlib OpenAI-compatible server on 127.0.0.1 that quotes the first
sentence of source [1] word by word, slowly enough for the page to show the partial answer (support.OpenAIStub).
The app serves a copy of the bundled store of its own, since the test ingests into it. Screenshots of each tab go
to docs/screenshots/.
"""

from __future__ import annotations

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
    MONARCH,
    REPO,
    OpenAIStub,
    free_port,
    quote_source,
    write_jsonl,
)

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "docs" / "screenshots"
NEW_TITLE = "Quokka Attention: Sparse Marsupial Routing for Long Contexts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ui.app import launch

    # Its own copy of the bundled store, not the session's: this test ingests.
    bundled = session_store(tmp_path_factory.mktemp("browser") / "home")
    quoter = OpenAIStub([quote_source(1, delay_s=0.06)])  # slow enough for the page to show a partial answer
    settings = bundled.override(llm={"backend": "openai", "base_url": quoter.url, "max_retries": 0})
    demo, url = launch(settings, "127.0.0.1", free_port(), block=False)
    yield url
    demo.close()
    quoter.close()


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(app_url: str, requests_seen: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            viewport={"width": 1440, "height": 1000},
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.on("request", lambda request: requests_seen.append(request.url))
        page.set_default_timeout(60_000)
        page.goto(app_url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelectorAll('.toast-close').forEach(b => b.click())")
    page.wait_for_timeout(500)  # let transitions settle
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


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


def test_compare_two_picked_papers(page: Any) -> None:
    page.get_by_role("tab", name="Compare").click()
    picker = page.locator("#compare-papers input")
    for title in (FLASH, MONARCH):
        picker.click()
        picker.fill(title.split(":")[0])
        page.locator("#compare-papers [role=option]", has_text=title).first.click()
    page.keyboard.press("Escape")
    page.click("#compare-run")
    table = page.locator("#compare-table table.compare")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert FLASH in rows.nth(0).inner_text() and MONARCH in rows.nth(1).inner_text()
    assert page.get_by_role("button", name="CSV").is_visible()
    shot(page, "compare")


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


def test_the_page_loads_nothing_from_the_internet(page: Any, app_url: str, requests_seen: list[str]) -> None:
    assert requests_seen
    outside = [url for url in requests_seen if not url.startswith((app_url, "data:", "blob:"))]
    assert not outside
