"""Run an eval: every retriever and every answer backend over one dataset, in one pass, into one results dict.

Retrieval: for each question with gold titles, ``rag``'s three modes (``bm25``, ``dense``, ``hybrid``, through
:func:`rag.api.search`) and llama-index's default pipeline over the same collection (:mod:`evals.baselines`) at its
default ``similarity_top_k=2`` and at 10, each timed. Answers: for each backend, :func:`rag.api.ask` on every
question (it detects compare and list questions itself), optionally checked by an LLM judge.

The per-question numbers come from the pure functions in :mod:`evals.metrics`; this module only calls the system,
collects what it returned and averages. The results dict is what ``evals.report`` renders and what lands in
``results.json``.

Deliberately not here: rendering, plotting and file output (``evals.report``), argument parsing (``evals.cli``).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from evals import metrics as m
from rag import api
from rag.api import markers, split_sentences, strip_markers
from rag.config import Settings, redact_url
from rag.errors import BackendError, InputError
from rag.types import Answer, SearchFilters

T = TypeVar("T")
Progress = Callable[[Iterable[T], str, int], Iterable[T]]

DATASETS = Path(__file__).resolve().parent / "datasets"
KINDS_ORDER = (
    "fact",
    "numeric",
    "multipart",
    "followup",
    "paraphrase",
    "compare",
    "list",
    "unanswerable_detail",
    "unanswerable_topic",
    "generated",
)
DEPTH = 10  # every retriever ranks this many papers (recall@1..10, nDCG@10)
RETRIEVERS = ("bm25", "dense", "hybrid", "llama-index top_k=2", "llama-index top_k=10")
RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", "full_recall")
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "citation_f1",
    "key_fact_recall",
    "faithfulness",
    "judge_supported",
)
WARMUP_QUESTION = "What is self-supervised learning?"


def answerable(kind: str) -> bool:
    return not kind.startswith("unanswerable")


# --------------------------------------------------------------------------------------------- datasets


def load_dataset(spec: str) -> tuple[str, Path, list[dict[str, Any]]]:
    """(name, path, records) for a bundled set's NAME (curated, generated) or a JSONL path."""
    path = DATASETS / f"{spec}.jsonl" if (DATASETS / f"{spec}.jsonl").is_file() else Path(spec)
    if not path.is_file():
        bundled = ", ".join(sorted(p.stem for p in DATASETS.glob("*.jsonl")))
        raise InputError(spec, f"no such dataset - give one of {bundled}, or a JSONL path")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"malformed JSON: {exc.msg}", line=number) from None
        missing = [f for f in ("id", "question", "kind") if not record.get(f)]
        if missing:
            raise InputError(str(path), f"record lacks {', '.join(missing)}", line=number)
        record.setdefault("gold_titles", [])
        record.setdefault("key_facts", [])
        records.append(record)
    return path.stem, path, records


def take(records: Sequence[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """At most ``limit`` records, taken round-robin across kinds (in file order within a kind)."""
    if limit is None or limit >= len(records):
        return list(records)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r["kind"], []).append(r)
    picked: list[dict[str, Any]] = []
    while len(picked) < limit:
        for group in by_kind.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    order = {id(r): i for i, r in enumerate(records)}
    return sorted(picked, key=lambda r: order[id(r)])


# --------------------------------------------------------------------------------------------- retrieval


def make_retriever(name: str, settings: Settings) -> Callable[[str, int], list[str]]:
    """search(query, depth) -> ranked paper titles, for one of RETRIEVERS."""
    if name in ("bm25", "dense", "hybrid"):

        def search(query: str, depth: int) -> list[str]:
            return [h.title for h in api.search(query, k=depth, mode=name, settings=settings).hits]

        return search
    from evals.baselines import llama_index_retriever, retrieve_titles

    top_k = {"llama-index top_k=2": None, "llama-index top_k=10": DEPTH}[name]
    retriever = llama_index_retriever(settings, top_k)
    # llama-index retrievers have a fixed depth: the depth argument doesn't apply.
    return lambda query, _depth: retrieve_titles(retriever, query)


def score_ranking(titles: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    """The retrieval metrics of one ranking (recall@1..10 kept for the curve)."""
    return {
        "curve": [m.recall_at_k(titles, gold, k) for k in range(1, DEPTH + 1)],
        "recall@1": m.recall_at_k(titles, gold, 1),
        "recall@5": m.recall_at_k(titles, gold, 5),
        "recall@10": m.recall_at_k(titles, gold, 10),
        "mrr": m.mrr(titles, gold),
        "ndcg@10": m.ndcg_at_k(titles, gold, 10),
    }


def run_retrieval(
    records: Sequence[dict[str, Any]],
    settings: Settings,
    retrievers: Sequence[str] = RETRIEVERS,
    progress: Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Per question id: {retriever: titles, latency and metrics}. Questions without gold titles are skipped."""
    search = {name: make_retriever(name, settings) for name in retrievers}
    for fn in search.values():  # first calls build the BM25 index and load the embedder: not timed
        fn(WARMUP_QUESTION, DEPTH)
    # Follow-ups have no standalone query (their retrieval goes through the conversation): answers only.
    todo = [r for r in records if r["gold_titles"] and not r.get("turns")]
    out: dict[str, dict[str, Any]] = {}
    for record in progress(todo, "retrieval", len(todo)) if progress else todo:
        per: dict[str, Any] = {}
        for name, fn in search.items():
            t0 = time.perf_counter()
            titles = fn(record["question"], DEPTH)
            ms = (time.perf_counter() - t0) * 1000
            per[name] = {"titles": titles, "latency_ms": ms, **score_ranking(titles, record["gold_titles"])}
            if record["kind"] == "list":
                # the depth the answer chain retrieves for list questions (Settings.evidence.list_k)
                full = fn(record["question"], settings.evidence.list_k)
                per[name]["full_recall"] = m.full_recall(full, record["gold_titles"])
                per[name]["list_depth"] = len(full)
        out[record["id"]] = per
    return out


def summarize_retrieval(
    records: Sequence[dict[str, Any]], per_question: dict[str, dict[str, Any]], retrievers: Sequence[str]
) -> dict[str, Any]:
    """Means over answerable questions ("overall") and per kind, recall curves, latency percentiles."""

    def block(subset: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for name in retrievers:
            rows = [per_question[r["id"]][name] for r in subset if r["id"] in per_question]
            if not rows:
                continue
            latencies = [row["latency_ms"] for row in rows]
            result[name] = {
                "n": len(rows),
                **{key: m.mean(row.get(key) for row in rows) for key in RETRIEVAL_METRICS},
                "latency_p50_ms": m.percentile(latencies, 50),
                "latency_p95_ms": m.percentile(latencies, 95),
                "curve": [m.mean(row["curve"][i] for row in rows) for i in range(DEPTH)],
            }
        return result

    scored = [r for r in records if r["id"] in per_question]
    by_kind = {
        kind: block([r for r in scored if r["kind"] == kind])
        for kind in _kinds(scored)
        if any(r["kind"] == kind for r in scored)
    }
    return {"overall": block([r for r in scored if answerable(r["kind"])]), "by_kind": by_kind}


# --------------------------------------------------------------------------------------------- answers


def answer_body(answer: Answer) -> str:
    """The answer text without the appended "Cited papers" list (titles there would count as key facts)."""
    return api.answer_body(answer.answer)


def answer_claims(answer: Answer, abstracts: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(sentence, abstracts of the papers it cites) for every claim of an answer; none for a refusal.

    Compare answers: each filled table cell. Other answers: each sentence of the body, with list lines'
    "- Title: " prefix and header lines ("3 papers ... match:") left out.
    """
    if answer.refused:
        return []
    by_n = {s.n: s for s in answer.sources}

    def cited(text: str) -> list[str]:
        return [abstracts.get(by_n[n].paper_id) or by_n[n].text for n in markers(text) if n in by_n]

    if answer.table:
        cells = [c for row in answer.table for c in (row.approach, row.data, row.results)]
        return [(strip_markers(c), cited(c)) for c in cells if markers(c)]
    claims: list[tuple[str, list[str]]] = []
    for line in answer_body(answer).splitlines():
        line = line.strip()
        if not line or line.endswith(":"):
            continue
        if line.startswith("- "):
            line = line[2:]
            for s in answer.sources:
                if line.startswith(s.title + ": "):
                    line = line[len(s.title) + 2 :]
                    break
        sentences: list[str] = []
        for piece in split_sentences(line):
            if sentences and not any(c.isalnum() for c in strip_markers(piece)):
                sentences[-1] += " " + piece  # a bare "[1]." after "...?" belongs to the question before it
            else:
                sentences.append(piece)
        claims.extend((strip_markers(s), cited(s)) for s in sentences)
    return claims


JUDGE_SYSTEM = (
    "You check answers against their sources. Reply with exactly one word: 'yes' if every claim in the answer "
    "is supported by the numbered sources, 'no' otherwise."
)


def judge_messages(
    question: str, answer: str, sources: Sequence[tuple[int, str, str]]
) -> list[dict[str, str]]:
    """The judge's chat messages for one answer; ``sources`` holds (n, title, text)."""
    listed = "\n\n".join(f"[{n}] {title}\n{text}" for n, title, text in sources)
    user = f"Sources:\n{listed}\n\nQuestion: {question}\n\nAnswer:\n{answer}\n\nIs the answer supported? yes or no"
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]


def parse_verdict(reply: str) -> bool | None:
    """True for a reply starting with yes, False for no, None for anything else."""
    word = reply.strip().strip("*'\".").split(maxsplit=1)[0].lower().rstrip(".,!:") if reply.strip() else ""
    return {"yes": True, "no": False}.get(word)


def make_judge(settings: Settings, model: str | None) -> tuple[Callable[[Answer], bool | None] | None, str]:
    """(judge, status). The judge needs an OpenAI-compatible endpoint; without one it is skipped."""
    openai = next(b for b in api.backends(settings)["backends"] if b["name"] == "openai")
    if not openai["available"]:
        return None, f"skipped: {openai['why_not']}"
    llm = api.llm_client(
        settings.override(llm={"model": model or settings.llm.model, "temperature": 0.0}), "openai"
    )
    assert llm is not None

    def judge(answer: Answer) -> bool | None:
        sources = [(s.n, s.title, s.text) for s in answer.sources]
        reply = "".join(
            llm.stream(
                judge_messages(answer.question, answer_body(answer), sources), max_tokens=3, temperature=0.0
            )
        )
        return parse_verdict(reply)

    return judge, f"model {llm.model}"


def score_answer(
    record: dict[str, Any], answer: Answer, abstracts: dict[str, str], embedder: Any
) -> dict[str, Any]:
    """The answer metrics of one question."""
    gold, cited = record["gold_titles"], [c.title for c in answer.citations]
    ok = answerable(record["kind"])
    precision = m.citation_precision(cited, gold) if ok else None
    recall = m.citation_recall(cited, gold) if ok else None
    return {
        "answer": answer.answer,
        "refused": answer.refused,
        "detected_kind": answer.kind,
        "cited_titles": cited,
        "note": answer.note,
        "absent_names": answer.absent_names,
        "citation_precision": precision,
        "citation_recall": recall,
        "citation_f1": m.f1(precision, recall) if ok else None,
        "key_fact_recall": m.key_fact_recall(answer_body(answer), record["key_facts"]),
        "faithfulness": m.support_check(answer_claims(answer, abstracts), embedder),
        "latency_ms": answer.timings_ms.get("total", 0.0),
        "tokens": dict(answer.tokens),
        "answerability": answer.answerability,
        # Did an LLM write an answer (the gate let it through, and the kind is one a model answers), and was the
        # text it wrote shown, or replaced by the extractive answer (failure, deadline, unsupported text)?
        "llm_wrote": answer.fallback or answer.tokens.get("completion", 0) > 0,
        "fallback": answer.fallback,
    }


def run_answers(
    records: Sequence[dict[str, Any]],
    settings: Settings,
    backend: str,
    judge: Callable[[Answer], bool | None] | None = None,
    progress: Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Per question id: the answer of ``backend`` and its metrics."""
    embedder = api.embedder(settings)
    api.ask(WARMUP_QUESTION, backend=backend, settings=settings)  # loads models; not timed
    out: dict[str, dict[str, Any]] = {}
    for record in progress(records, backend, len(records)) if progress else records:
        if record.get("turns"):
            # A follow-up: ask the earlier turns in one conversation, score the last answer.
            session = api.chat(settings)
            for turn in record["turns"][:-1]:
                api.ask(turn, backend=backend, settings=settings, session=session)
            answer = api.ask(record["turns"][-1], backend=backend, settings=settings, session=session)
        else:
            answer = api.ask(record["question"], backend=backend, settings=settings)
        ids = [s.paper_id for s in answer.sources]
        stored = api.papers(settings=settings, filters=SearchFilters(paper_ids=ids))
        abstracts = {p.paper_id: p.abstract for p in stored}
        row = score_answer(record, answer, abstracts, embedder)
        row["backend_used"] = answer.backend
        if judge is not None and not answer.refused:
            try:
                verdict = judge(answer)
                row["judge_supported"] = None if verdict is None else float(verdict)
            except BackendError as exc:
                row["judge_error"] = str(exc)
        out[record["id"]] = row
    return out


def summarize_answers(records: Sequence[dict[str, Any]], per_question: dict[str, dict[str, Any]]) -> dict:
    """Means, refusal rates, latency percentiles and token means, overall and per kind."""

    def block(subset: list[dict[str, Any]]) -> dict[str, Any]:
        rows = [per_question[r["id"]] for r in subset]
        refused = [row["refused"] for row in rows]
        flags = [answerable(r["kind"]) for r in subset]
        latencies = [row["latency_ms"] for row in rows]
        wrote = [row for row in rows if row.get("llm_wrote")]
        return {
            "n": len(rows),
            **{key: m.mean(row.get(key) for row in rows) for key in ANSWER_METRICS},
            "refusal_accuracy": m.refusal_accuracy(refused, flags),
            "false_refusal_rate": m.false_refusal_rate(refused, flags),
            # of the answers given, the share that say first that no abstract mentions a name the question gives
            "absent_noted": m.mean(
                float(bool(row.get("absent_names"))) for row in rows if not row["refused"]
            ),
            "latency_p50_ms": m.percentile(latencies, 50),
            "latency_p95_ms": m.percentile(latencies, 95),
            "prompt_tokens": m.mean(row["tokens"].get("prompt", 0) for row in rows),
            "completion_tokens": m.mean(row["tokens"].get("completion", 0) for row in rows),
            "fallbacks": sum(1 for row in rows if row["note"]),
            # Of the answers an LLM wrote, the share shown as written, and how long those took (None: no LLM ran)
            "llm_answers": len(wrote),
            "llm_kept": m.mean(0.0 if row["fallback"] else 1.0 for row in wrote) if wrote else None,
            "llm_latency_p50_ms": m.percentile([row["latency_ms"] for row in wrote], 50) if wrote else None,
        }

    done = [r for r in records if r["id"] in per_question]
    return {
        "overall": block(done),
        "by_kind": {kind: block([r for r in done if r["kind"] == kind]) for kind in _kinds(done)},
    }


# --------------------------------------------------------------------------------------------- the whole run


def _kinds(records: Sequence[dict[str, Any]]) -> list[str]:
    present = {r["kind"] for r in records}
    return [k for k in KINDS_ORDER if k in present] + sorted(present - set(KINDS_ORDER))


def resolve_backends(settings: Settings, wanted: Sequence[str] | None) -> tuple[list[str], dict[str, str]]:
    """(backends to run, {backend: why it is skipped}). None: every backend available here."""
    status = {b["name"]: b for b in api.backends(settings)["backends"]}
    names = list(wanted) if wanted else list(status)
    run = [n for n in names if status[n]["available"]]
    return run, {n: str(status[n]["why_not"]) for n in names if not status[n]["available"]}


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The settings that shape the results (no secrets)."""
    data = settings.model_dump(mode="json", exclude={"debug", "max_field_chars"})
    data["llm"].pop("api_key", None)
    data["llm"]["base_url"] = redact_url(settings.llm.base_url) if settings.llm.base_url else None
    data["collection"] = settings.collection_name()
    return data


def code_version() -> str | None:
    """The checked-out commit, with "+dirty" when tracked files have changed (read-only git); None without git.
    Reports don't count: a run that rewrites one leaves the code the next run measures as it was."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)evals/reports"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def run_eval(
    settings: Settings,
    dataset: str = "curated",
    *,
    backends: Sequence[str] | None = None,
    retrieval_only: bool = False,
    limit: int | None = None,
    split: str | None = None,
    judge_model: str | None = None,
    use_judge: bool = True,
    command: str = "",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Retrieval for every retriever, then answers for every backend, on the same questions: the results dict."""
    name, path, records = load_dataset(dataset)
    if split:
        records = [r for r in records if r.get("split") == split]
    records = take(records, limit)
    started = time.perf_counter()
    per_retrieval = run_retrieval(records, settings, progress=progress)
    results: dict[str, Any] = {
        "meta": {
            "command": command,
            "dataset": {
                "name": name,
                "path": str(path),
                "questions": len(records),
                "limit": limit,
                "split": split,
            },
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "code": code_version(),
            "machine": {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpu_count": os.cpu_count(),
            },
            "settings": settings_snapshot(settings),
            "retrieval_only": retrieval_only,
            "depth": DEPTH,
            "list_depth": settings.evidence.list_k,
        },
        "retrieval": {
            "retrievers": list(RETRIEVERS),
            **summarize_retrieval(records, per_retrieval, RETRIEVERS),
        },
        "answers": {"backends": [], "skipped": {}, "overall": {}, "by_kind": {}},
    }
    per_answers: dict[str, dict[str, dict[str, Any]]] = {}
    if not retrieval_only:
        run, skipped = resolve_backends(settings, backends)
        judge, judge_status = (
            make_judge(settings, judge_model) if use_judge else (None, "skipped: --no-judge")
        )
        results["answers"].update(backends=run, skipped=skipped, judge=judge_status)
        for backend in run:
            per_answers[backend] = run_answers(records, settings, backend, judge, progress)
            summary = summarize_answers(records, per_answers[backend])
            results["answers"]["overall"][backend] = summary["overall"]
            for kind, block in summary["by_kind"].items():
                results["answers"]["by_kind"].setdefault(kind, {})[backend] = block
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    results["questions"] = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "question": r["question"],
            "gold_titles": r["gold_titles"],
            "retrieval": {
                name: {key: value for key, value in row.items() if key != "curve"}
                for name, row in per_retrieval.get(r["id"], {}).items()
            },
            "answers": {b: per_answers[b][r["id"]] for b in per_answers},
        }
        for r in records
    ]
    return results
