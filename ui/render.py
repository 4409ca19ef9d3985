"""HTML and Markdown for the UI: answers with linked citation markers, the sources panel, tables, status lines.

Pure functions of rag's dataclasses (``Answer``, ``Source``, ``StoredPaper``, ``IngestReport``) to strings. Every
piece of text from the store or a model is escaped here, so handlers can hand the result to ``gr.HTML`` and
``gr.Markdown`` as is. It deliberately decides nothing about retrieval or answering: which sentence supports a
source comes from ``Source.support``.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterable, Sequence

from rag import api
from rag.types import NOT_STATED, Answer, Grid, Source, StoredPaper, date_parts

CURSOR = "▍"


def esc(text: str) -> str:
    """HTML-escape, and neutralise the `$`/`{` that gr.HTML's template engine would otherwise interpret."""
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def show(text: str) -> str:
    """Text from the store as the page shows it: inline LaTeX rendered as characters, then escaped."""
    return esc(api.readable(text))


_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def display_date(published: str | None) -> str:
    """One date style for every source: "May 22, 2022", or "Jun 12" when the page gave no year; "" if unknown."""
    parts = date_parts(published)
    if "month" not in parts:
        return str(parts.get("year", "")) if parts else (published or "").strip()
    month = _MONTH_NAMES[parts["month"] - 1]
    if "day" not in parts:
        return f"{month} {parts['year']}" if "year" in parts else month
    text = f"{month} {parts['day']}"
    return f"{text}, {parts['year']}" if "year" in parts else text


def anchor(turn: str, n: int) -> str:
    return f"src-{turn}-{n}"


def _link(turn: str, numbers: Sequence[int]) -> str:
    inner = ", ".join(f'<a class="cite" href="#{anchor(turn, n)}" data-n="{n}">{n}</a>' for n in numbers)
    return f'<span class="cites">[{inner}]</span>'


def link_markers(text: str, turn: str) -> str:
    """Escape ``text`` and turn each ``[n]`` / ``[n, m]`` marker into links to the sources panel."""
    out: list[str] = []
    last = 0
    for m in api.MARKER.finditer(text):
        before = text[last : m.start()]
        if before.endswith(" "):  # keep the marker on the line of the word it cites
            before = before[:-1] + "\u00a0"
        out.append(show(before))
        out.append(_link(turn, api.marker_numbers(m[1])))
        last = m.end()
    out.append(show(text[last:]))
    return "".join(out)


def answer_markdown(text: str, turn: str, *, streaming: bool = False) -> str:
    """Chat-ready Markdown: linked markers, and the cited titles as a list that links to their sources."""
    if streaming:  # the raw text so far: the cited-titles list is laid out once the answer is complete
        return link_markers(text, turn) + CURSOR
    body, cited = api.split_cited(text)
    out = link_markers(body, turn)
    if cited:
        items = "".join(
            f'<div class="cited-item"><a class="cite" href="#{anchor(turn, n)}" data-n="{n}">{n}</a>'
            f"<span>{show(title)}</span></div>"
            for n, title in cited
        )
        out += f'\n\n<div class="cited"><div class="cited-head">Cited papers</div>{items}</div>'
    return out


# ------------------------------------------------------------------ sources panel


def _ws_pattern(sentence: str) -> re.Pattern[str] | None:
    words = sentence.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def highlight(abstract: str, sentences: Iterable[str]) -> str:
    """The escaped abstract with each of ``sentences`` found in it wrapped in <mark> (whitespace-insensitive)."""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        pattern = _ws_pattern(sentence.strip())
        if pattern and (m := pattern.search(abstract)):
            spans.append(m.span())
    spans.sort()
    out: list[str] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        out.append(show(abstract[last:start]))
        out.append(f"<mark>{show(abstract[start:end])}</mark>")
        last = end
    out.append(show(abstract[last:]))
    return "".join(out)


def quoted_sentences(source_text: str, answer_text: str) -> list[str]:
    """Sentences of a source that the answer repeats verbatim: the highlight when ``Source.support`` is empty."""
    flat = " ".join(api.strip_markers(answer_text).split())
    found = []
    for sentence in api.split_sentences(source_text):
        core = " ".join(sentence.rstrip(".").split())
        if len(core) > 20 and core in flat:
            found.append(sentence)
    return found


def meta_line(published: str | None, authors_count: int | None, score: float | None = None) -> str:
    parts = [esc(display_date(published)) if published else "undated"]
    if authors_count:
        parts.append(f"{authors_count} author{'s' if authors_count != 1 else ''}")
    if score is not None:
        parts.append(f"score {score:.3f}")
    return " · ".join(parts)


def _source_card(source: Source, turn: str, abstract: str, marks: list[str], cited: bool) -> str:
    body = highlight(abstract, marks)
    support = "" if marks else '<div class="src-nomark">No single sentence of this abstract was quoted.</div>'
    return (
        f'<details class="src{" cited" if cited else ""}" id="{anchor(turn, source.n)}">'
        f'<summary><span class="src-n">{source.n}</span>'
        f'<span class="src-head"><span class="src-title">{show(source.title)}</span>'
        f'<span class="src-meta">{meta_line(source.published, source.authors_count, source.score)}</span>'
        f"</span></summary>"
        f'<div class="src-abstract">{body}</div>{support}</details>'
    )


def sources_html(answer: Answer, turn: str, abstracts: dict[str, str]) -> str:
    """Cited sources first (in citation order), then the other retrieved papers, each with its abstract."""
    if not answer.sources:
        return empty_sources("No papers were retrieved for this question.")
    order = [c.n for c in answer.citations]
    cited = [s for n in order for s in answer.sources if s.n == n]
    rest = [s for s in answer.sources if s.n not in order]

    def card(s: Source, is_cited: bool) -> str:
        abstract = abstracts.get(s.paper_id) or s.text
        marks = [s.support] if s.support else []
        if is_cited:  # every sentence the answer quotes, not only the one it relies on most
            marks += quoted_sentences(abstract, answer.answer)
        return _source_card(s, turn, abstract, marks, is_cited)

    parts = ['<div class="sources"><div class="panel-head">Sources</div>']
    if cited:
        parts.append(f'<div class="src-group">Cited · {len(cited)}</div>')
        parts.extend(card(s, True) for s in cited)
    if rest:
        label = "Also retrieved" if cited else "Retrieved"
        parts.append(f'<div class="src-group muted">{label} · {len(rest)}</div>')
        parts.extend(card(s, False) for s in rest)
    parts.append("</div>")
    return "".join(parts)


def empty_sources(
    message: str = "Ask a question: the papers it cites appear here.", *, heading: bool = True
) -> str:
    head = '<div class="panel-head">Sources</div>' if heading else ""
    return f'{head}<div class="sources empty">{esc(message)}</div>'


# ------------------------------------------------------------------ status lines


def status_html(answer: Answer) -> str:
    t = answer.timings_ms
    chips = [
        f"<b>{esc(answer.backend)}</b>"
        + (f" · {esc(answer.model)}" if answer.model != answer.backend else ""),
        f"retrieve {t.get('retrieve', 0):.0f} ms",
        f"generate {t.get('generate', 0):.0f} ms",
        f"{len(answer.citations)} cited / {len(answer.sources)} retrieved",
    ]
    if answer.tokens.get("prompt") or answer.tokens.get("completion"):
        chips.append(f"tokens {answer.tokens['prompt']}+{answer.tokens['completion']}")
    if answer.cost_usd:
        chips.append(f"${answer.cost_usd:.5f}".replace("$", "&#36;"))
    if answer.refused:
        # a refusal of one part of several, the rest answered from the paper's abstract
        partly = "only partly " if answer.citations else "not "
        chips.append(f'<span class="chip-warn">{partly}answerable from the collection</span>')
    line = "".join(f'<span class="chip">{c}</span>' for c in chips)
    note = f'<div class="note">⚠ {esc(answer.note)}</div>' if answer.note else ""
    return f'<div class="status">{line}</div>{note}'


def working_html(message: str) -> str:
    return f'<div class="status"><span class="chip busy">{esc(message)}</span></div>'


# ------------------------------------------------------------------ extraction grid

GRID = "grid"  # the grid's anchors: src-grid-<n>


def keyed_highlight(abstract: str, sentences: Sequence[str]) -> tuple[str, list[int | None]]:
    """The escaped abstract with each of ``sentences`` found in it wrapped in ``<mark data-k=...>``, and each
    sentence's key (None when it is not found, or overlaps one marked already). A sentence given twice is marked
    once and both get its key."""
    spans: dict[tuple[int, int], int] = {}
    keys: list[int | None] = []
    for sentence in sentences:
        pattern = _ws_pattern(sentence.strip())
        m = pattern.search(abstract) if pattern else None
        if m is None:
            keys.append(None)
            continue
        span = m.span()
        if span not in spans and any(s < span[1] and span[0] < e for s, e in spans):
            keys.append(None)  # overlaps another cell's sentence: no highlight rather than a wrong one
            continue
        keys.append(spans.setdefault(span, len(spans)))
    out: list[str] = []
    last = 0
    for (start, end), k in sorted(spans.items()):
        out.append(show(abstract[last:start]))
        out.append(f'<mark class="cell-mark on" data-k="{k}">{show(abstract[start:end])}</mark>')
        last = end
    out.append(show(abstract[last:]))
    return "".join(out), keys


def _grid_marks(grid: Grid, abstracts: dict[str, str]) -> dict[int, tuple[str, list[int | None]]]:
    """Per row number: its abstract with every stated cell's sentence marked, and each cell's mark key."""
    out = {}
    for row in grid.rows:
        abstract = abstracts.get(row.paper_id, "")
        texts = [c.text if c.stated else "" for c in row.cells]
        out[row.n] = keyed_highlight(abstract, texts)
    return out


def grid_html(grid: Grid, abstracts: dict[str, str], turn: str = GRID) -> str:
    """The grid as a table: a row per paper (title, cited), a column per question; each cell the whole sentence,
    cited, or "not stated in the abstract" (muted). A cell names its source card (``data-card``) and the mark of
    its sentence there (``data-mark``), which the page's script opens and highlights."""
    marks = _grid_marks(grid, abstracts)
    head = "<th>Paper</th>" + "".join(
        f'<th><span class="grid-label">{show(c.label)}</span>'
        + (f'<span class="grid-q">{show(c.question)}</span>' if c.question else "")
        + "</th>"
        for c in grid.columns
    )
    body = []
    for row in grid.rows:
        card = anchor(turn, row.n)
        date = display_date(row.published)
        cells = [
            f'<td class="paper" data-card="{card}" data-mark="*">{show(row.title)}\u00a0{_link(turn, [row.n])}'
            + (f'<span class="grid-date">{esc(date)}</span>' if date else "")
            + "</td>"
        ]
        for cell, key in zip(row.cells, marks[row.n][1], strict=True):
            if cell.stated:
                value = f"<b>{show(cell.value)}</b> · " if cell.value else ""
                text = f"{value}{show(cell.text)}\u00a0{_link(turn, [row.n])}"
                mark = "" if key is None else str(key)
                cells.append(f'<td class="cell" data-card="{card}" data-mark="{mark}">{text}</td>')
            else:
                cells.append(
                    f'<td class="cell unstated" data-card="{card}" data-mark="">'
                    f'<span class="not-stated">{esc(NOT_STATED)}</span></td>'
                )
        body.append(f'<tr data-n="{row.n}">{"".join(cells)}</tr>')
    return (
        '<div class="grid-wrap"><table class="compare grid">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def grid_sources_html(
    grid: Grid, abstracts: dict[str, str], papers: dict[str, StoredPaper], turn: str = GRID
) -> str:
    """The grid's sources panel: a card per row (title, date, authors, the abstract with the grid's sentences
    marked), closed until a cell opens it."""
    if not grid.rows:
        return empty_sources("No papers: nothing to show.")
    marks = _grid_marks(grid, abstracts)
    parts = [
        '<div class="sources"><div class="panel-head">Sources</div>'
        f'<div class="src-group">Rows · {len(grid.rows)}</div>'
    ]
    for row in grid.rows:
        paper = papers.get(row.paper_id)
        authors = paper.authors_count if paper else None
        body = marks[row.n][0] or '<span class="muted">The abstract is no longer in the collection.</span>'
        parts.append(
            f'<details class="src" id="{anchor(turn, row.n)}">'
            f'<summary><span class="src-n">{row.n}</span>'
            f'<span class="src-head"><span class="src-title">{show(row.title)}</span>'
            f'<span class="src-meta">{meta_line(row.published, authors)}</span></span></summary>'
            f'<div class="src-abstract">{body}</div></details>'
        )
    parts.append("</div>")
    return "".join(parts)


def rows_from_text(grid: Grid) -> str:
    """Where the rows came from, for people."""
    return {
        "papers": "the papers picked",
        "query": f"the top {len(grid.rows)} papers for “{grid.request}”",
        "list question": f"the papers that answer “{grid.request}” ({grid.checked} checked)",
        "filters": f"the papers the filters accept ({grid.checked})",
    }.get(grid.rows_from, grid.rows_from)


def grid_status_html(grid: Grid) -> str:
    cells = len(grid.rows) * len(grid.columns)
    stated = sum(1 for r in grid.rows for c in r.cells if c.stated)
    seconds = sum(grid.timings_ms.values()) / 1000
    chips = [
        f"<b>{len(grid.rows)} paper{'s' if len(grid.rows) != 1 else ''} × {len(grid.columns)} "
        f"column{'s' if len(grid.columns) != 1 else ''}</b>",
        f"rows: {esc(rows_from_text(grid))}",
        f"{stated} of {cells} cells stated",
        f"{seconds:.1f} s",
    ]
    line = "".join(f'<span class="chip">{c}</span>' for c in chips)
    notes = "".join(f'<div class="note">⚠ {esc(n)}</div>' for n in grid.notes)
    return f'<div class="status">{line}</div>{notes}'


def grid_markdown(grid: Grid) -> str:
    """The exported Markdown: a heading, where the rows came from and what the columns ask, then the cited grid
    and its references (``api.grid_markdown``)."""
    lines = [f"# Extraction grid: {len(grid.rows)} papers × {len(grid.columns)} columns", ""]
    lines += [f"Rows: {rows_from_text(grid)}.", ""]
    asked = [f"**{c.label}**" + (f" ({c.question})" if c.question else "") for c in grid.columns]
    lines += [f"Columns: {'; '.join(asked)}.", ""]
    stamp = time.strftime("%Y-%m-%d")
    lines += [
        f"_paper-rag, {stamp}: every cell is a sentence of that paper's abstract, cited by its number, or "
        f"“{NOT_STATED}”._",
        "",
        api.grid_markdown(grid),
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ library and ingest


def page_name(source: str) -> str:
    """ "data/pages/hf-daily-papers-001.txt:12" -> "hf-daily-papers-001.txt"."""
    return source.rsplit("/", 1)[-1].split("#")[0].rsplit(":", 1)[0]


def paper_pages(paper: StoredPaper) -> list[str]:
    return list(dict.fromkeys(page_name(s) for s in paper.sources))


def paper_row(paper: StoredPaper) -> list[str]:
    """A library row: title and date (a paper listed on ten pages would stack ten lines; its card says which)."""
    return [api.readable(paper.title), display_date(paper.published)]


def paper_html(paper: StoredPaper) -> str:
    arxiv = (
        f' · <a href="https://arxiv.org/abs/{esc(paper.arxiv_id)}" target="_blank">arXiv:{esc(paper.arxiv_id)}</a>'
        if paper.arxiv_id
        else ""
    )
    pages = ", ".join(esc(p) for p in paper_pages(paper))
    return (
        f'<div class="paper-card"><div class="paper-title">{show(paper.title)}</div>'
        f'<div class="src-meta">{meta_line(paper.published, paper.authors_count)}{arxiv}'
        f" · {paper.n_chunks} chunk{'s' if paper.n_chunks != 1 else ''} · from {pages}</div>"
        f'<div class="src-abstract">{show(paper.abstract)}</div></div>'
    )


def count_html(shown: int, total: int) -> str:
    if shown == total:
        return f'<div class="count"><b>{total}</b> papers in the collection</div>'
    return f'<div class="count"><b>{shown}</b> of {total} papers match</div>'


def ingest_summary_html(counts: dict[str, int], rejected: int, seconds: float) -> str:
    cards = "".join(
        f'<div class="stat{" warn" if k == "rejected" and v else ""}"><div class="stat-n">{v}</div>'
        f'<div class="stat-label">{esc(k)}</div></div>'
        for k, v in {**counts, "rejected": rejected}.items()
    )
    return f'<div class="stats">{cards}</div><div class="muted small">Finished in {seconds:.1f} s.</div>'


def nothing_ingested_html(skipped: int) -> str:
    return (
        f'<div class="note">Nothing was ingested: {skipped} file{"s" if skipped != 1 else ""} of a type '
        "paper-rag does not read (see below). Choose .txt pages, or .json / .jsonl records.</div>"
    )


def header_html(papers: int) -> str:
    return (
        '<div class="app-header"><div><span class="app-name">paper-rag</span>'
        '<span class="app-tag">Questions over research-paper abstracts, answered with cited titles</span></div>'
        f'<div class="app-count"><b>{papers}</b> papers</div></div>'
    )
