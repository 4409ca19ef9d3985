"""Readers: bundled listing pages, page layouts, JSON/JSONL shapes and bad input -> Rejection."""

from __future__ import annotations

import json
import textwrap
from functools import cache
from pathlib import Path

import pytest

import rag  # noqa: F401  (sets the offline env before anything else is imported)
from ingest.readers import ReadResult, Rejection, discover, read_file
from rag.models import Paper, clean_text
from support import BUNDLED_RECORDS, INPO, MAP_ELITES, PAGE_COUNTS, page_path

# Every piece of page chrome seen in the bundled pages or in other saves of the listing.
CHROME_LINES = {
    "new",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
    "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!",
}


@cache
def read_page(i: int) -> ReadResult:
    return read_file(page_path(i))


def all_bundled() -> list[Paper]:
    return [p for i in PAGE_COUNTS for p in read_page(i).papers]


def by_title(title: str) -> list[Paper]:
    found = [p for p in all_bundled() if p.title == title]
    assert found, f"no record titled {title!r}"
    return found


def abstract_text(tag: str, sentences: int = 8) -> str:
    """A distinct abstract well over the 300-character title limit."""
    return " ".join(
        f"In {tag} we study problem number {n} and report results on several standard benchmarks."
        for n in range(1, sentences + 1)
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def sources_of(result: ReadResult) -> list[str]:
    return [r.source for r in result.rejections]


# --------------------------------------------------------------------------------------------- bundled pages


@pytest.mark.parametrize(("page", "expected"), sorted(PAGE_COUNTS.items()))
def test_bundled_page_counts(page: int, expected: int) -> None:
    result = read_page(page)
    assert result.rejections == []
    assert result.files_read == 1
    assert len(result.papers) == expected


def test_bundled_total_is_489() -> None:
    assert len(all_bundled()) == BUNDLED_RECORDS


def test_map_elites_metadata() -> None:
    (paper,) = by_title(MAP_ELITES)
    assert paper.authors_count == 4
    assert paper.published == "Mar 7, 2023"
    assert paper.abstract.startswith("Quality-Diversity algorithms, such as MAP-Elites")


def test_yearless_date_kept_as_written() -> None:
    (paper,) = by_title(
        "Principled Approaches for Extending Neural Architectures to Function Spaces for Operator Learning"
    )
    assert paper.published == "Jun 12"


def test_glued_subscribe_stripped_from_first_title_of_page_002() -> None:
    first = read_page(2).papers[0]
    assert first.title == INPO
    assert first.sources == [f"{page_path(2)}:3"]
    assert not any(p.title.startswith("Subscribe") for p in all_bundled())


def test_yolov9_upvotes_and_date() -> None:
    (paper,) = [p for p in read_page(3).papers if p.title.startswith("YOLOv9")]
    assert paper.title == "YOLOv9: Learning What You Want to Learn Using Programmable Gradient Information"
    assert paper.upvotes == 3
    assert paper.published == "Feb 21, 2024"
    assert paper.authors_count == 3


def test_entry_without_metadata_has_none() -> None:
    (paper,) = by_title("Dale meets Langevin: A Multiplicative Denoising Diffusion Model")
    assert paper.published is None
    assert paper.authors_count is None
    assert paper.authors == []
    assert paper.upvotes is None


def test_no_title_is_page_chrome_or_a_date() -> None:
    # The chrome really is in the pages, so this checks something.
    page_lines = {line.strip() for i in PAGE_COUNTS for line in page_path(i).read_text().splitlines()}
    assert page_lines >= CHROME_LINES
    titles = {p.title for p in all_bundled()}
    chrome_folded = {c.casefold() for c in CHROME_LINES}
    assert not {t for t in titles if t.casefold() in chrome_folded}
    assert "Mar 11" not in titles and "Dec 1" not in titles


def test_page_date_is_not_a_title() -> None:
    lines = [line.strip() for line in page_path(0).read_text().splitlines()]
    assert "Mar 11" in lines  # the page's own date line
    first = read_page(0).papers[0]
    assert first.title == "Guarding Barlow Twins Against Overfitting with Mixed Samples"
    assert first.published is None


def test_every_bundled_record_names_its_file_and_line() -> None:
    for i in PAGE_COUNTS:
        path = page_path(i)
        lines = path.read_text(encoding="utf-8").splitlines()
        for paper in read_page(i).papers:
            assert len(paper.sources) == 1
            source = paper.sources[0]
            file_part, _, line_part = source.rpartition(":")
            assert file_part == str(path)
            line = clean_text(lines[int(line_part) - 1])
            assert line.endswith(paper.title), (source, line, paper.title)


def test_bundled_abstracts_are_not_titles() -> None:
    for paper in all_bundled():
        assert paper.abstract and paper.abstract != paper.title
        assert len(paper.title) <= 300
        assert "  " not in paper.abstract and "\n" not in paper.abstract


# --------------------------------------------------------------------------------------------- page layouts


def test_blank_line_layout(tmp_path: Path) -> None:
    a, b, c = abstract_text("A"), abstract_text("B"), abstract_text("C")
    text = (
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"
        f"Mar 11\n\nFirst Paper Title\n\n{a}\n\nSecond Paper Title\n\n{b}\n\nThird Paper Title\n\n{c}\n"
    )
    path = write(tmp_path, "page.txt", text)
    result = read_file(path)
    assert result.rejections == []
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("First Paper Title", a),
        ("Second Paper Title", b),
        ("Third Paper Title", c),
    ]
    assert [p.sources for p in result.papers] == [[f"{path}:11"], [f"{path}:15"], [f"{path}:19"]]
    assert all(p.published is None for p in result.papers)


def test_dense_layout_with_glued_subscribe(tmp_path: Path) -> None:
    a, b = abstract_text("A"), abstract_text("B")
    text = (
        "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n"
        f"SubscribeFirst Paper Title\n{a}\nSecond Paper Title\n{b}\n"
    )
    path = write(tmp_path, "dense.txt", text)
    result = read_file(path)
    assert result.rejections == []
    assert [(p.title, p.abstract, p.sources) for p in result.papers] == [
        ("First Paper Title", a, [f"{path}:3"]),
        ("Second Paper Title", b, [f"{path}:5"]),
    ]


def test_subscribe_glued_to_a_digit_title(tmp_path: Path) -> None:
    a = abstract_text("A")
    path = write(tmp_path, "dense.txt", f"Subscribe3D Gaussian Splatting\n{a}\n")
    (paper,) = read_file(path).papers
    assert paper.title == "3D Gaussian Splatting"


def test_metadata_on_one_line(tmp_path: Path) -> None:
    a, b = abstract_text("A"), abstract_text("B")
    text = (
        "Dec 1\n\nFirst Paper Title\n\n"
        f"{a}\n\n  • 4 authors · Mar 7, 2023\n\n"
        f"Second Paper Title\n\n{b}\n\n• 7 authors · Jun 12\n"
    )
    result = read_file(write(tmp_path, "meta.txt", text))
    assert result.rejections == []
    first, second = result.papers
    assert (first.title, first.abstract, first.authors_count, first.published) == (
        "First Paper Title",
        a,
        4,
        "Mar 7, 2023",
    )
    assert (second.title, second.authors_count, second.published) == ("Second Paper Title", 7, "Jun 12")


def test_metadata_over_several_lines_with_upvotes(tmp_path: Path) -> None:
    a, b = abstract_text("A"), abstract_text("B")
    text = (
        f"First Paper Title\n\n{a}\n\n  • 3 authors\n·\nFeb 21, 2024 3\n\n"
        f"Second Paper Title\n\n{b}\n\n• 2 authors · Sep 26, 2019 17\n"
    )
    result = read_file(write(tmp_path, "meta.txt", text))
    assert result.rejections == []
    first, second = result.papers
    assert (first.authors_count, first.published, first.upvotes) == (3, "Feb 21, 2024", 3)
    assert (second.authors_count, second.published, second.upvotes) == (2, "Sep 26, 2019", 17)
    assert first.abstract == a


def test_date_without_upvotes_leaves_upvotes_none(tmp_path: Path) -> None:
    text = f"Only Title\n\n{abstract_text('A')}\n\n• 1 author · Oct 16, 2023\n"
    (paper,) = read_file(write(tmp_path, "meta.txt", text)).papers
    assert (paper.authors_count, paper.published, paper.upvotes) == (1, "Oct 16, 2023", None)


@pytest.mark.parametrize(
    "chrome",
    [
        "Get trending papers in your email inbox once a day!",
        "Get trending papers in your email inbox!",
        "Daily Papers",
        "new",
        "Subscribe",
        "byAK and the research community",
        "by AK and the research community",
    ],
)
def test_chrome_variants_dropped(tmp_path: Path, chrome: str) -> None:
    a, b = abstract_text("A"), abstract_text("B")
    text = f"{chrome}\n\nFirst Paper Title\n\n{a}\n\n{chrome}\n\nSecond Paper Title\n\n{b}\n"
    result = read_file(write(tmp_path, "chrome.txt", text))
    assert result.rejections == []
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("First Paper Title", a),
        ("Second Paper Title", b),
    ]


@pytest.mark.parametrize("blank", [True, False], ids=["blank-line", "dense"])
def test_title_without_abstract_is_rejected_and_parsing_recovers(tmp_path: Path, blank: bool) -> None:
    a, b, c = abstract_text("A"), abstract_text("B"), abstract_text("C")
    units = [
        "First Paper Title",
        a,
        "Lonely Title Without Abstract",
        "Second Paper Title",
        b,
        "Third Paper Title",
        c,
    ]
    sep = "\n\n" if blank else "\n"
    path = write(tmp_path, "missing.txt", sep.join(units) + "\n")
    result = read_file(path)
    lonely_line = 5 if blank else 3
    assert len(result.rejections) == 1
    rejection = result.rejections[0]
    assert isinstance(rejection, Rejection)
    assert rejection.source == f"{path}:{lonely_line}"
    assert "without an abstract" in rejection.reason and "Lonely Title Without Abstract" in rejection.reason
    assert str(rejection).startswith(f"{path}:{lonely_line}: ")
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("First Paper Title", a),
        ("Second Paper Title", b),
        ("Third Paper Title", c),
    ]


def test_title_without_abstract_at_end_of_page(tmp_path: Path) -> None:
    a = abstract_text("A")
    path = write(tmp_path, "end.txt", f"First Paper Title\n\n{a}\n\nDangling Title\n")
    result = read_file(path)
    assert [p.title for p in result.papers] == ["First Paper Title"]
    assert sources_of(result) == [f"{path}:5"]


def test_abstract_without_title_is_rejected(tmp_path: Path) -> None:
    a, b = abstract_text("A"), abstract_text("B")
    path = write(tmp_path, "orphan.txt", f"{a}\n\nSecond Paper Title\n\n{b}\n")
    result = read_file(path)
    assert sources_of(result) == [f"{path}:1"]
    assert "without a title" in result.rejections[0].reason
    assert [(p.title, p.abstract) for p in result.papers] == [("Second Paper Title", b)]


def test_wrapped_abstract_in_blank_line_layout_is_joined(tmp_path: Path) -> None:
    first_line = abstract_text("A", sentences=5)  # over 300 characters
    second_line = "We release our code and models to the community."
    assert len(first_line) > 300
    b = abstract_text("B")
    path = write(
        tmp_path,
        "wrapped.txt",
        f"First Paper Title\n\n{first_line}\n{second_line}\n\nSecond Paper Title\n\n{b}\n",
    )
    result = read_file(path)
    assert result.rejections == []
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("First Paper Title", f"{first_line} {second_line}"),
        ("Second Paper Title", b),
    ]
    assert result.papers[1].sources == [f"{path}:6"]


def test_hard_wrapped_abstract_in_blank_line_layout_is_joined(tmp_path: Path) -> None:
    a, b = abstract_text("A"), abstract_text("B")
    wrapped = textwrap.fill(a, 80)
    path = write(tmp_path, "wrapped80.txt", f"First Paper Title\n\n{wrapped}\n\nSecond Paper Title\n\n{b}\n")
    result = read_file(path)
    assert result.rejections == []
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("First Paper Title", a),
        ("Second Paper Title", b),
    ]


def test_utf8_bom_and_crlf_page(tmp_path: Path) -> None:
    a = abstract_text("A")
    path = tmp_path / "bom.txt"
    path.write_bytes(("\ufeffFirst Paper Title\r\n\r\n" + a + "\r\n").encode("utf-8"))
    (paper,) = read_file(path).papers
    assert (paper.title, paper.abstract) == ("First Paper Title", a)


# --------------------------------------------------------------------------------------------- JSON / JSONL

HF_RECORD = {
    "paper": {
        "id": "2406.18629",
        "title": "Step-DPO:  Step-wise Preference\nOptimization for Long-chain Reasoning of LLMs",
        "summary": "Mathematical reasoning presents a significant challenge.\n  We propose Step-DPO.",
        "authors": [{"name": "Xin Lai"}, {"name": "Zhuotao Tian"}, {"name": "Yukang Chen"}],
        "publishedAt": "2024-06-26T17:59:59.000Z",
        "upvotes": 12,
    }
}


def check_hf_paper(paper: Paper, source: str) -> None:
    assert paper.title == "Step-DPO: Step-wise Preference Optimization for Long-chain Reasoning of LLMs"
    assert paper.abstract == "Mathematical reasoning presents a significant challenge. We propose Step-DPO."
    assert paper.arxiv_id == "2406.18629"
    assert paper.paper_id == "arxiv:2406.18629"
    assert paper.authors == ["Xin Lai", "Zhuotao Tian", "Yukang Chen"]
    assert paper.authors_count == 3
    assert paper.published == "2024-06-26"
    assert paper.upvotes == 12
    assert paper.sources == [source]


def test_hf_api_shape_json_list(tmp_path: Path) -> None:
    path = write(tmp_path, "daily.json", json.dumps([HF_RECORD]))
    result = read_file(path)
    assert result.rejections == []
    (paper,) = result.papers
    check_hf_paper(paper, f"{path}#1")


def test_hf_api_shape_jsonl(tmp_path: Path) -> None:
    other = {"paper": {**HF_RECORD["paper"], "id": "2401.00001v3", "title": "Other Paper", "upvotes": 0}}
    path = write(tmp_path, "daily.jsonl", json.dumps(HF_RECORD) + "\n\n" + json.dumps(other) + "\n")
    result = read_file(path)
    assert result.rejections == []
    first, second = result.papers
    check_hf_paper(first, f"{path}:1")
    assert (second.title, second.arxiv_id, second.upvotes, second.sources) == (
        "Other Paper",
        "2401.00001",
        0,
        [f"{path}:3"],
    )


def test_flat_hf_variant(tmp_path: Path) -> None:
    record = {
        "id": "2406.18629v2",
        "title": "Flat Paper",
        "summary": "A flat summary.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "publishedAt": "2024-06-26T00:00:00.000Z",
    }
    path = write(tmp_path, "flat.jsonl", json.dumps(record) + "\n")
    (paper,) = read_file(path).papers
    assert paper.arxiv_id == "2406.18629"
    assert paper.paper_id == "arxiv:2406.18629"
    assert paper.abstract == "A flat summary."
    assert paper.authors == ["Ada Lovelace", "Alan Turing"] and paper.authors_count == 2
    assert paper.published == "2024-06-26"
    assert paper.upvotes is None


def test_arxiv_snapshot_shape(tmp_path: Path) -> None:
    record = {
        "id": "2406.18629v2",
        "title": "Snapshot\n  Paper Title",
        "abstract": "  We consider a snapshot.\n  It has wrapped lines.\n",
        "authors": "Alice Smith, Bob Jones and Carol White",
        "update_date": "2024-07-01",
        "categories": "cs.LG stat.ML",
    }
    path = write(tmp_path, "arxiv.jsonl", json.dumps(record) + "\n")
    result = read_file(path)
    assert result.rejections == []
    (paper,) = result.papers
    assert paper.title == "Snapshot Paper Title"
    assert paper.abstract == "We consider a snapshot. It has wrapped lines."
    assert paper.arxiv_id == "2406.18629"
    assert paper.paper_id == "arxiv:2406.18629"
    assert paper.authors == ["Alice Smith", "Bob Jones", "Carol White"]
    assert paper.authors_count == 3
    assert paper.published == "2024-07-01"
    assert paper.categories == ["cs.LG", "stat.ML"]
    assert paper.upvotes is None
    assert paper.sources == [f"{path}:1"]


def test_object_with_papers_list(tmp_path: Path) -> None:
    data = {
        "papers": [
            HF_RECORD,
            {"id": "hep-th/9901001v1", "title": "Old Style Id", "abstract": "Strings.", "authors": "X. Y"},
        ]
    }
    path = write(tmp_path, "bundle.json", json.dumps(data, indent=2))
    result = read_file(path)
    assert result.rejections == []
    first, second = result.papers
    check_hf_paper(first, f"{path}#1")
    assert (second.arxiv_id, second.authors, second.sources) == ("hep-th/9901001", ["X. Y"], [f"{path}#2"])


def test_single_object_json(tmp_path: Path) -> None:
    path = write(tmp_path, "one.json", json.dumps(HF_RECORD))
    (paper,) = read_file(path).papers
    check_hf_paper(paper, f"{path}#1")


def test_non_arxiv_id_gives_title_hash_paper_id(tmp_path: Path) -> None:
    record = {"id": "not-an-arxiv-id", "title": "Hash Me", "abstract": "Something."}
    (paper,) = read_file(write(tmp_path, "x.jsonl", json.dumps(record) + "\n")).papers
    assert paper.arxiv_id is None
    assert paper.paper_id.startswith("t:") and len(paper.paper_id) == 18


# --------------------------------------------------------------------------------------------- bad input


def test_discover_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "papers.jsonl"
    good = write(tmp_path, "good.jsonl", json.dumps(HF_RECORD) + "\n")
    files, problems = discover([missing, good])
    assert files == [good]
    assert len(problems) == 1
    assert problems[0].source == str(missing)
    assert "no such file" in problems[0].reason


def test_discover_directory_without_readable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "paper.pdf").write_bytes(b"%PDF-1.4")
    (empty / "notes.csv").write_text("a,b\n")
    files, problems = discover([empty])
    assert files == []
    assert len(problems) == 1
    assert problems[0].source == str(empty)
    assert "no readable files" in problems[0].reason


def test_discover_expands_directories_sorted(tmp_path: Path) -> None:
    d = tmp_path / "corpus"
    (d / "sub").mkdir(parents=True)
    b = write(d, "b.txt", "x")
    a = write(d / "sub", "a.jsonl", "x")
    c = write(d, "c.json", "x")
    write(d, "ignored.pdf", "x")
    files, problems = discover([d])
    assert problems == []
    assert files == sorted([a, b, c])


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"Title\n\x00\x01\x02\xff binary junk")
    result = read_file(path)
    assert result.papers == [] and result.files_read == 0
    assert sources_of(result) == [str(path)]
    assert "binary" in result.rejections[0].reason


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("First Title\n\nCaf\u00e9 abstract\n".encode("latin-1"))
    result = read_file(path)
    assert result.papers == []
    assert sources_of(result) == [str(path)]
    assert "not UTF-8" in result.rejections[0].reason
    assert "line 3" in result.rejections[0].reason


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \n"], ids=["empty", "whitespace-only"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    result = read_file(path)
    assert result.papers == []
    assert sources_of(result) == [str(path)]
    assert "empty" in result.rejections[0].reason
    assert str(result.rejections[0]).startswith(str(path))


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    good2 = {"title": "Second", "abstract": "Second abstract."}
    path = write(
        tmp_path, "mixed.jsonl", json.dumps(HF_RECORD) + '\n{"title": "broken",\n' + json.dumps(good2) + "\n"
    )
    result = read_file(path)
    assert sources_of(result) == [f"{path}:2"]
    assert "malformed JSON" in result.rejections[0].reason
    assert [(p.title, p.sources) for p in result.papers] == [
        ("Step-DPO: Step-wise Preference Optimization for Long-chain Reasoning of LLMs", [f"{path}:1"]),
        ("Second", [f"{path}:3"]),
    ]


def test_record_without_title(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "notitle.jsonl",
        json.dumps({"abstract": "No title here."}) + "\n" + json.dumps(HF_RECORD) + "\n",
    )
    result = read_file(path)
    assert sources_of(result) == [f"{path}:1"]
    assert "no title" in result.rejections[0].reason
    (paper,) = result.papers
    check_hf_paper(paper, f"{path}:2")


def test_record_without_abstract(tmp_path: Path) -> None:
    data = [HF_RECORD, {"paper": {"id": "2401.00002", "title": "Title only", "summary": ""}}]
    path = write(tmp_path, "noabs.json", json.dumps(data))
    result = read_file(path)
    assert sources_of(result) == [f"{path}#2"]
    assert "no abstract" in result.rejections[0].reason
    (paper,) = result.papers
    check_hf_paper(paper, f"{path}#1")


def test_non_object_record(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.json", json.dumps([HF_RECORD, "just a string", 42]))
    result = read_file(path)
    assert sources_of(result) == [f"{path}#2", f"{path}#3"]
    assert "expected a JSON object, got str" in result.rejections[0].reason
    assert "got int" in result.rejections[1].reason
    (paper,) = result.papers
    check_hf_paper(paper, f"{path}#1")


def test_non_string_title(tmp_path: Path) -> None:
    path = write(tmp_path, "num.jsonl", json.dumps({"title": 123, "abstract": "x"}) + "\n")
    result = read_file(path)
    assert result.papers == []
    assert sources_of(result) == [f"{path}:1"]
    assert "strings" in result.rejections[0].reason


def test_scalar_json_document(tmp_path: Path) -> None:
    path = write(tmp_path, "scalar.json", "42")
    result = read_file(path)
    assert result.papers == []
    assert sources_of(result) == [str(path)]


def test_absurdly_long_abstract(tmp_path: Path) -> None:
    huge = {"title": "Huge", "abstract": "word " * 5000}  # 25,000 characters before cleaning
    path = write(tmp_path, "huge.jsonl", json.dumps(huge) + "\n" + json.dumps(HF_RECORD) + "\n")
    result = read_file(path)
    assert sources_of(result) == [f"{path}:1"]
    reason = result.rejections[0].reason
    assert "abstract" in reason and "20,000" in reason
    (paper,) = result.papers
    check_hf_paper(paper, f"{path}:2")


def test_long_abstract_on_page_respects_max_field_chars(tmp_path: Path) -> None:
    a, b = abstract_text("A", sentences=30), abstract_text("B", sentences=3)
    path = write(tmp_path, "page.txt", f"Long One\n\n{a}\n\nShort One\n\n{b}\n")
    result = read_file(path, max_field_chars=len(b) + 10)
    assert sources_of(result) == [f"{path}:1"]
    assert f"{len(a):,} characters" in result.rejections[0].reason
    assert [p.title for p in result.papers] == ["Short One"]


def test_malformed_json_file_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '[\n  {"title": "x",\n   "abstract": }\n]\n')
    result = read_file(path)
    assert result.papers == []
    assert sources_of(result) == [f"{path}:3"]
    assert "malformed JSON" in result.rejections[0].reason


def test_directory_passed_to_read_file(tmp_path: Path) -> None:
    result = read_file(tmp_path)
    assert result.papers == []
    assert sources_of(result) == [str(tmp_path)]
