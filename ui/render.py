"""HTML and Markdown for the UI: answers with linked citation markers, the sources panel, tables, status lines.

Pure functions of rag's dataclasses (``Answer``, ``Source``, ``StoredPaper``, ``IngestReport``) to strings. Every
piece of text from the store or a model is escaped here, so handlers can hand the result to ``gr.HTML`` and
``gr.Markdown`` as is. It deliberately decides nothing about retrieval or answering: which sentence supports a
source comes from ``Source.support``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from rag import api
from rag.types import Answer, CompareRow, Source, StoredPaper

CURSOR = "▍"


def esc(text: str) -> str:
    """HTML-escape, and neutralise the `$`/`{` that gr.HTML's template engine would otherwise interpret."""
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


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
        out.append(esc(before))
        out.append(_link(turn, api.marker_numbers(m[1])))
        last = m.end()
    out.append(esc(text[last:]))
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
            f"<span>{esc(title)}</span></div>"
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
        out.append(esc(abstract[last:start]))
        out.append(f"<mark>{esc(abstract[start:end])}</mark>")
        last = end
    out.append(esc(abstract[last:]))
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
    parts = [esc(published) if published else "undated"]
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
        f'<span class="src-head"><span class="src-title">{esc(source.title)}</span>'
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
        chips.append('<span class="chip-warn">not answerable from the collection</span>')
    line = "".join(f'<span class="chip">{c}</span>' for c in chips)
    note = f'<div class="note">⚠ {esc(answer.note)}</div>' if answer.note else ""
    return f'<div class="status">{line}</div>{note}'


def working_html(message: str) -> str:
    return f'<div class="status"><span class="chip busy">{esc(message)}</span></div>'


# ------------------------------------------------------------------ compare


def compare_table_html(rows: list[CompareRow], turn: str) -> str:
    head = "<tr><th>Paper</th><th>Approach</th><th>Data / benchmarks</th><th>Key results</th></tr>"
    body = "".join(
        "<tr>"
        f'<td class="paper">{esc(r.title)} {_link(turn, [r.n])}</td>'
        f"<td>{link_markers(r.approach, turn)}</td>"
        f"<td>{link_markers(r.data, turn)}</td>"
        f"<td>{link_markers(r.results, turn)}</td>"
        "</tr>"
        for r in rows
    )
    return f'<table class="compare"><thead>{head}</thead><tbody>{body}</tbody></table>'


# ------------------------------------------------------------------ library and ingest


def page_name(source: str) -> str:
    """ "data/pages/hf-daily-papers-001.txt:12" -> "hf-daily-papers-001.txt"."""
    return source.rsplit("/", 1)[-1].split("#")[0].rsplit(":", 1)[0]


def paper_pages(paper: StoredPaper) -> list[str]:
    return list(dict.fromkeys(page_name(s) for s in paper.sources))


def paper_row(paper: StoredPaper) -> list[str | int | None]:
    return [paper.title, paper.published or "", paper.authors_count, ", ".join(paper_pages(paper))]


def paper_html(paper: StoredPaper) -> str:
    arxiv = (
        f' · <a href="https://arxiv.org/abs/{esc(paper.arxiv_id)}" target="_blank">arXiv:{esc(paper.arxiv_id)}</a>'
        if paper.arxiv_id
        else ""
    )
    pages = ", ".join(esc(p) for p in paper_pages(paper))
    return (
        f'<div class="paper-card"><div class="paper-title">{esc(paper.title)}</div>'
        f'<div class="src-meta">{meta_line(paper.published, paper.authors_count)}{arxiv}'
        f" · {paper.n_chunks} chunk{'s' if paper.n_chunks != 1 else ''} · from {pages}</div>"
        f'<div class="src-abstract">{esc(paper.abstract)}</div></div>'
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


def header_html(papers: int) -> str:
    return (
        '<div class="app-header"><div><span class="app-name">paper-rag</span>'
        '<span class="app-tag">Questions over research-paper abstracts, answered with cited titles</span></div>'
        f'<div class="app-count"><b>{papers}</b> papers</div></div>'
    )
