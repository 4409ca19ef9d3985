"""Readers: files -> Paper records, with every problem reported as file:line (or file#record).

Three formats:

* Saved Hugging Face "Daily Papers" listing pages (``.txt``). They come in several layouts: titles and abstracts
  separated by blank lines; one line each with no blank lines (and "Subscribe" glued to the first title); entries
  followed by ``• N authors``, ``·`` and a date that may lack a year. Page chrome ("new", "Subscribe", ...) and the
  page's own date line are dropped. A date is kept as written: a yearless "Jun 12" is never given a year.
* JSON / JSONL in the Hugging Face papers API shape (``{"paper": {"id", "title", "summary", ...}}`` or flat) and
  the arXiv metadata snapshot shape (``id``, ``title``, ``abstract``, ``authors``, ``update_date``, ``categories``).

Readers never raise on a bad record: they yield the good ones and collect :class:`Rejection` s. A file that can't
be read at all (missing, binary, not UTF-8, empty) is one rejection naming the file.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.models import Paper, clean_text

TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
READABLE_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"^(?P<date>{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)(?:\s+(?P<upvotes>\d+))?$")
_AUTHORS = re.compile(r"^(?P<n>\d+)\s+authors?$", re.IGNORECASE)
_SEPARATORS = "•·"
_CHROME = re.compile(
    r"^(?:new|subscribe|daily papers|by\s*ak and the research community|get trending papers\b.*)$",
    re.IGNORECASE,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[A-Z0-9\"'(\[])")
_ARXIV_NEW = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_OLD = re.compile(r"^(?:arxiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?$")

# A title longer than this is taken for an abstract when the page layout is ambiguous.
TITLE_MAX_CHARS = 300


@dataclass
class Rejection:
    """A record (or a whole file) that was not ingested, and why."""

    source: str  # "path", "path:line" or "path#record"
    reason: str
    whole_file: bool = False  # a path or file that could not be read at all (not one bad record in it)

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass
class ReadResult:
    papers: list[Paper] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    files_read: int = 0


# --------------------------------------------------------------------------------------------- files


def discover(paths: list[Path]) -> tuple[list[Path], list[Rejection]]:
    """Expand directories into their readable files (sorted); a missing path is a rejection."""
    files: list[Path] = []
    problems: list[Rejection] = []
    for path in paths:
        if not path.exists():
            problems.append(Rejection(str(path), "no such file or directory", whole_file=True))
        elif path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES
            )
            if not found:
                why = f"no readable files ({', '.join(sorted(READABLE_SUFFIXES))})"
                problems.append(Rejection(str(path), why, whole_file=True))
            files.extend(found)
        elif not path.is_file():  # a FIFO would block, a device (/dev/zero) never end
            problems.append(
                Rejection(str(path), "not a regular file (a pipe, device or socket)", whole_file=True)
            )
        else:
            files.append(path)
    return files, problems


def _read_text(path: Path, max_bytes: int = 100 * 2**20) -> str:
    """The file as UTF-8 text; ValueError with a clear reason otherwise (checked before anything is read)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file (a pipe, device or socket)")
    if info.st_size > max_bytes:
        raise ValueError(f"file is {info.st_size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit")
    with path.open("rb") as f:
        data = f.read(max_bytes + 1)  # a file that grew since stat() is still bounded
    if len(data) > max_bytes:
        raise ValueError(f"file is over the {max_bytes / 2**20:g} MB limit")
    if not data.strip():
        raise ValueError("file is empty")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"not UTF-8 text (invalid byte at line {line}, offset {exc.start})") from None
    return text


def read_file(
    path: Path, max_field_chars: int = 20_000, max_bytes: int = 100 * 2**20, max_records: int = 200_000
) -> ReadResult:
    """Read one file of any supported format. Nothing in it raises: a bad record, or a bad file, is a rejection."""
    result = ReadResult()
    try:
        text = _read_text(path, max_bytes)
    except (OSError, ValueError) as exc:
        result.rejections.append(Rejection(str(path), str(exc), whole_file=True))
        return result
    result.files_read = 1
    suffix = path.suffix.lower()
    stripped = text.lstrip()
    if suffix in JSONL_SUFFIXES or (
        suffix not in JSON_SUFFIXES and stripped.startswith("{") and "\n{" in text
    ):
        records = _jsonl_records(text, str(path), result)
    elif suffix in JSON_SUFFIXES or stripped[:1] in "[{":
        records = _json_records(text, str(path), result)
    else:
        for paper, rejection in parse_page(text, str(path)):
            if rejection:
                result.rejections.append(rejection)
            elif paper and _under_cap(len(result.papers), max_records, str(path), result):
                _check_and_add(paper, max_field_chars, paper.sources[0], result)
        return result
    for source, record in records:
        if not _under_cap(len(result.papers), max_records, source, result):
            continue
        try:
            paper = paper_from_record(record, source)
        except ValueError as exc:
            result.rejections.append(Rejection(source, str(exc)))
            continue
        except Exception as exc:  # a shape no rule foresaw: this record is rejected, the others go on
            result.rejections.append(
                Rejection(source, f"unreadable record ({type(exc).__name__}: {exc})"[:300])
            )
            continue
        _check_and_add(paper, max_field_chars, source, result)
    return result


def _under_cap(count: int, cap: int, source: str, result: ReadResult) -> bool:
    if count < cap:
        return True
    if not any(r.reason.startswith("more than") for r in result.rejections[-1:]):
        result.rejections.append(
            Rejection(source, f"more than {cap:,} records in one file: the rest are skipped")
        )
    return False


def _check_and_add(paper: Paper, max_chars: int, source: str, result: ReadResult) -> None:
    empty = [name for name in ("title", "abstract") if not getattr(paper, name)]
    if empty:  # e.g. only whitespace or invisible characters, which cleaning removed
        result.rejections.append(Rejection(source, f"{' and '.join(empty)} empty after cleaning"))
        return
    for name in ("title", "abstract"):
        value = getattr(paper, name)
        if len(value) > max_chars:
            result.rejections.append(
                Rejection(source, f"{name} is {len(value):,} characters, over the {max_chars:,} limit")
            )
            return
    result.papers.append(paper)


# --------------------------------------------------------------------------------------------- pages


def _metadata_line(line: str) -> dict[str, Any] | None:
    """Parse '• 4 authors', '·', 'Mar 7, 2023', 'Feb 21, 2024 3' or '• 4 authors · Jun 12'; None if text."""
    parts = [p.strip() for p in re.split(f"[{_SEPARATORS}]", line)]
    if not any(parts):
        return {}  # a lone separator
    meta: dict[str, Any] = {}
    for part in parts:
        if not part:
            continue
        if m := _AUTHORS.match(part):
            meta["authors_count"] = count(m["n"])
        elif m := _DATE.match(part):
            meta["published"] = " ".join(m["date"].split())
            if m["upvotes"]:
                meta["upvotes"] = count(m["upvotes"])
        else:
            return None
    return meta


def parse_page(text: str, source: str) -> Iterator[tuple[Paper | None, Rejection | None]]:
    """Yield (paper, None) per entry of a listing page, or (None, rejection) for a broken entry."""
    lines = text.splitlines()
    # Units: (line number, text). A unit is one line; in the blank-line layout a wrapped paragraph is one unit.
    units: list[tuple[int, str]] = []
    meta_after: dict[int, dict[str, Any]] = {}  # unit index -> metadata that followed it
    seen_entry = False
    last_was_text = False  # the previous line was text of the same paragraph
    lines_in_unit = 0
    blank_layout = _blank_layout(lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            last_was_text = False
            continue
        line = _GLUED_SUBSCRIBE.sub("", line) if not seen_entry else line
        if _CHROME.match(line):
            last_was_text = False
            continue
        meta = _metadata_line(line)
        if meta is not None:
            if units:
                meta_after.setdefault(len(units) - 1, {}).update(meta)
            # Before the first entry, a date line is the page's own date: dropped.
            last_was_text = False
            continue
        seen_entry = True
        # In the blank-line layout, a paragraph's further lines continue it (a hard-wrapped abstract), except the
        # line right after a one-line title at a title position, which starts that title's abstract.
        title_alone = len(units) % 2 == 1 and lines_in_unit == 1 and len(units[-1][1]) <= TITLE_MAX_CHARS
        if blank_layout and last_was_text and not title_alone:
            units[-1] = (units[-1][0], units[-1][1] + " " + line)
            lines_in_unit += 1
        else:
            units.append((number, line))
            lines_in_unit = 1
        last_was_text = True

    i = 0
    while i < len(units):
        number, title = units[i]
        nxt = units[i + 1] if i + 1 < len(units) else None
        if len(title) > TITLE_MAX_CHARS:
            yield None, Rejection(f"{source}:{number}", "text without a title (looks like an abstract)")
            i += 1
            continue
        title_meta = meta_after.get(i)
        if nxt is None or title_meta is not None or _is_title_then_title(units, i):
            yield None, Rejection(f"{source}:{number}", f"title without an abstract: {title[:80]!r}")
            i += 1
            continue
        meta = meta_after.get(i + 1, {})
        paper = Paper(
            title=clean_text(title),
            abstract=clean_text(nxt[1]),
            authors_count=meta.get("authors_count"),
            published=meta.get("published"),
            upvotes=meta.get("upvotes"),
            sources=[f"{source}:{number}"],
        )
        yield paper, None
        i += 2


def _blank_layout(lines: list[str]) -> bool:
    """Blank lines separate paragraphs (rather than being a stray one in a line-per-field page)."""
    blank = sum(1 for line in lines if not line.strip())
    return blank * 10 >= len(lines) - blank


def _is_title_then_title(units: list[tuple[int, str]], i: int) -> bool:
    """True when unit i is a title whose abstract is missing: the next unit is short and the one after long."""
    if i + 2 >= len(units):
        return False
    nxt, after = units[i + 1][1], units[i + 2][1]
    return (
        len(nxt) <= TITLE_MAX_CHARS and len(after) > TITLE_MAX_CHARS and len(units[i][1]) <= TITLE_MAX_CHARS
    )


# --------------------------------------------------------------------------------------------- JSON


MAX_COUNT = 10_000_000  # an author or upvote count above this is a typo or an attack, not data


def count(value: Any) -> int | None:
    """A non-negative count as an int (an int, or a string of digits), else None: never a float, a bool, 1e30."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= MAX_COUNT else None


def _loads(text: str) -> Any:
    """json.loads, with nesting too deep for the parser reported as malformed JSON (not a RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _jsonl_records(text: str, source: str, result: ReadResult) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = _loads(line)
        except json.JSONDecodeError as exc:
            result.rejections.append(
                Rejection(f"{source}:{number}", f"malformed JSON: {exc.msg} (column {exc.colno})")
            )
            continue
        except ValueError as exc:
            result.rejections.append(Rejection(f"{source}:{number}", f"malformed JSON: {exc}"))
            continue
        yield f"{source}:{number}", record


def _json_records(text: str, source: str, result: ReadResult) -> Iterator[tuple[str, Any]]:
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        result.rejections.append(
            Rejection(f"{source}:{exc.lineno}", f"malformed JSON: {exc.msg} (column {exc.colno})")
        )
        return
    except ValueError as exc:
        result.rejections.append(Rejection(source, f"malformed JSON: {exc}", whole_file=True))
        return
    if isinstance(data, dict):
        for key in ("papers", "data", "items", "records", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        result.rejections.append(
            Rejection(source, "expected a JSON list of papers or an object with a 'papers' list")
        )
        return
    for index, record in enumerate(data, start=1):
        yield f"{source}#{index}", record


def _first(record: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def normalize_arxiv_id(value: Any) -> str | None:
    """'2406.12345v2', 'arXiv:2406.12345', an arxiv.org URL or 'math/0309136' -> the bare id; else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if m := _ARXIV_URL.search(value):
        value = m[1]
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        if m := pattern.match(value):
            return m[1]
    return None


MAX_AUTHORS = 5_000  # names kept per paper (large collaborations list a few thousand)


def _name(value: Any) -> str:
    """An author's name from whatever the record holds there: text, a number, a list of parts; else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return " ".join(
            part for part in (_name(v) for v in value[:4] if not isinstance(v, (list, dict))) if part
        )
    return ""


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        names = re.split(r",\s*(?:and\s+)?|\s+and\s+", value.replace("\n", " "))
        return [clean_text(n) for n in names if n.strip()][:MAX_AUTHORS]
    if isinstance(value, list):
        out = []
        for item in value[:MAX_AUTHORS]:
            if isinstance(item, dict):
                name = (
                    _name(item.get("name")) or " ".join(_name(item.get(k)) for k in ("first", "last")).strip()
                )
            elif isinstance(item, list):  # arXiv authors_parsed: [last, first, middle]
                name = " ".join(_name(x) for x in reversed(item[:2]) if _name(x))
            else:
                name = _name(item)
            if name and name.strip():
                out.append(clean_text(name))
        return out
    return []


def paper_from_record(record: Any, source: str) -> Paper:
    """One JSON record (HF papers API, flat, or arXiv snapshot) -> Paper; ValueError says what is wrong."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    flat = dict(record)
    if isinstance(record.get("paper"), dict):  # HF daily papers: {"paper": {...}, "title": ..., ...}
        flat = {**{k: v for k, v in record.items() if k != "paper"}, **record["paper"]}
    title = _first(flat, "title")
    abstract = _first(flat, "abstract", "summary")
    missing = [name for name, value in (("title", title), ("abstract", abstract)) if not value]
    if missing:
        raise ValueError(f"record has no {' or '.join(missing)}")
    if not isinstance(title, str) or not isinstance(abstract, str):
        raise ValueError("title and abstract must be strings")
    authors = _authors(_first(flat, "authors", "authors_parsed"))
    published = _first(flat, "publishedAt", "published", "published_at", "update_date", "date")
    if isinstance(published, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", published):
        published = published[:10]
    categories = _first(flat, "categories")
    if isinstance(categories, str):
        categories = categories.split()
    upvotes = _first(flat, "upvotes")
    return Paper(
        title=clean_text(title),
        abstract=clean_text(abstract),
        arxiv_id=normalize_arxiv_id(_first(flat, "arxiv_id", "arxivId", "id", "url")),
        authors=authors,
        authors_count=len(authors) or count(flat.get("num_authors")),
        published=clean_text(str(published))[:40] or None if published else None,
        upvotes=count(upvotes),
        categories=[str(c) for c in categories] if isinstance(categories, list) else [],
        sources=[source],
    )
