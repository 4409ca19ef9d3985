"""Render an eval's results dict: ``report.md`` (tables), ``results.json`` (everything) and two PNG plots.

Every function takes the dict :func:`evals.runner.run_eval` returns and nothing else, so a report can be re-rendered
from a saved ``results.json`` (``render_markdown(json.load(...))``). Plots use matplotlib's Agg backend (no display).

Deliberately not here: computing any metric or calling the system; a number missing from the dict shows as "–".
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RETRIEVAL_COLUMNS = (
    ("R@1", "recall@1"),
    ("R@5", "recall@5"),
    ("R@10", "recall@10"),
    ("MRR", "mrr"),
    ("nDCG@10", "ndcg@10"),
    ("list full recall", "full_recall"),
)
ANSWER_COLUMNS = (
    ("cit. P", "citation_precision"),
    ("cit. R", "citation_recall"),
    ("cit. F1", "citation_f1"),
    ("key-fact R", "key_fact_recall"),
    ("refusal acc.", "refusal_accuracy"),
    ("false refusal", "false_refusal_rate"),
    ("absent noted", "absent_noted"),
    ("faithful", "faithfulness"),
    ("judge", "judge_supported"),
)


def _num(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ms(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _retrieval_row(label: Sequence[str], block: dict[str, Any]) -> list[str]:
    return [
        *label,
        str(block["n"]),
        *(_num(block.get(key)) for _, key in RETRIEVAL_COLUMNS),
        _ms(block.get("latency_p50_ms")),
        _ms(block.get("latency_p95_ms")),
    ]


def _answer_row(label: Sequence[str], block: dict[str, Any]) -> list[str]:
    return [
        *label,
        str(block["n"]),
        *(_num(block.get(key)) for _, key in ANSWER_COLUMNS),
        _ms(block.get("latency_p50_ms")),
        _ms(block.get("latency_p95_ms")),
        f"{_num(block.get('prompt_tokens'), 0)} / {_num(block.get('completion_tokens'), 0)}",
        str(block.get("fallbacks", 0)),
        _kept(block),
    ]


def _kept(block: dict[str, Any]) -> str:
    """ "0.62 of 60, p50 9.1 s": how many of the answers an LLM wrote were shown as written, and their p50."""
    if not block.get("llm_answers"):
        return "–"
    p50 = block.get("llm_latency_p50_ms") or 0.0
    return f"{_num(block.get('llm_kept'))} of {block['llm_answers']}, p50 {p50 / 1000:.1f} s"


def render_markdown(results: dict[str, Any]) -> str:
    """The report as Markdown."""
    meta, retrieval, answers = results["meta"], results["retrieval"], results["answers"]
    ds, machine, st = meta["dataset"], meta["machine"], meta["settings"]
    out = [
        f"# paper-rag eval: `{ds['name']}`",
        "",
        f"- Command: `{meta['command']}`",
        f"- Dataset: `{ds['path']}`, {ds['questions']} questions"
        + (f" (--limit {ds['limit']}, round-robin over kinds)" if ds.get("limit") else "")
        + (f", split {ds['split']}" if ds.get("split") else ""),
        f"- Date: {meta['date']}; took {meta.get('seconds', '–')} s; code {meta.get('code') or 'unknown'}",
        f"- Machine: {machine['platform']}, Python {machine['python']}, {machine['cpu_count']} CPUs",
        f"- Collection: `{st['collection']}` (embedder {st['embedding']['provider']}, chunks "
        f"{st['chunk']['size']}/{st['chunk']['overlap']} tokens)",
        f"- Retrieval settings: k={st['retrieval']['k']} (answers), candidates={st['retrieval']['candidates']}, "
        f"rrf_k={st['retrieval']['rrf_k']}, mmr_lambda={st['retrieval']['mmr_lambda']}",
        f"- LLM settings: backend={st['llm']['backend']}, model={st['llm']['model'] or 'default'}, "
        f"temperature={st['llm']['temperature']}, max_tokens={st['llm']['max_tokens']}",
        "- Evidence settings (what decides refusals, support and extractive answers): "
        + (
            ", ".join(f"{k}={v}" for k, v in st["evidence"].items()) if st.get("evidence") else "not recorded"
        ),
        "",
        "Metric definitions: `evals/README.md`.",
        "",
        "## Retrieval",
        "",
        f"Answerable questions with gold titles. Every retriever ranks papers to depth {meta['depth']}; "
        f"`list full recall` is recall over the whole returned list for list questions ({meta['list_depth']} "
        "papers for ours, the depth the answer chain uses for lists). `llama-index top_k=2` is "
        "`VectorStoreIndex.as_retriever()` with its default `similarity_top_k=2` over the same Chroma collection "
        "and embedder: it returns at most 2 papers, so its R@5/R@10 are capped by design. `llama-index "
        "top_k=10` is the same at `similarity_top_k=10` (10 *chunks*, which can be fewer than 10 papers), "
        "shown so R@10 is comparable. Latency is per query, warm, in ms; `bm25` also embeds the query "
        "(rag's search always does).",
        "",
    ]
    header = ["retriever", "n", *(h for h, _ in RETRIEVAL_COLUMNS), "p50 ms", "p95 ms"]
    rows = [_retrieval_row([name], block) for name, block in retrieval["overall"].items()]
    out += _table(header, rows)
    out += [
        "",
        "### Retrieval by kind",
        "",
        "Every kind with gold titles, unanswerable_detail included "
        "(its paper exists; the detail asked for doesn't). All metrics per kind are in results.json.",
        "",
    ]
    names = list(retrieval["overall"]) or list(retrieval.get("retrievers", []))
    for title, key in (("R@5", "recall@5"), ("MRR", "mrr"), ("nDCG@10", "ndcg@10")):
        rows = [
            [kind, str(max((b["n"] for b in blocks.values()), default=0))]
            + [_num(blocks.get(name, {}).get(key)) for name in names]
            for kind, blocks in retrieval["by_kind"].items()
        ]
        out += [f"**{title}**", "", *_table(["kind", "n", *names], rows), ""]
    out += ["![recall@k per retriever](recall_at_k.png)", "", "## Answers", ""]
    if meta.get("retrieval_only"):
        out += ["Skipped (`--retrieval-only`)."]
    else:
        for name, why in answers.get("skipped", {}).items():
            out.append(f"- Backend `{name}` skipped: {why}")
        out += [
            f"- LLM judge: {answers.get('judge', 'not run')}",
            "",
            "Citation P/R/F1 and false-refusal rate are over answerable questions, refusal accuracy over "
            "unanswerable ones, key-fact recall over questions with key facts, faithfulness and judge over "
            "answers that are not refusals; absent noted is, of the answers that are not refusals, the share that "
            "say first that no abstract in the collection mentions a name the question gives (on unanswerable "
            "questions a partial refusal, on answerable ones a name written otherwise in the abstract). Latency is ask() end to end (retrieve + generate), ms; tokens are "
            "means per question (prompt / completion; 0 for extractive); fallbacks counts answers where the "
            "LLM's output was unsupported or failed and the extractive answer was shown instead; LLM kept is, of "
            "the answers an LLM wrote (the gate let the question through to it), the share shown as written, and "
            "the p50 time of those answers.",
            "",
        ]
        header = [
            "backend",
            "n",
            *(h for h, _ in ANSWER_COLUMNS),
            "p50 ms",
            "p95 ms",
            "tokens",
            "fallbacks",
            "LLM kept",
        ]
        out += _table(header, [_answer_row([b], block) for b, block in answers["overall"].items()])
        out += ["", "### Answers by kind", ""]
        rows = [
            _answer_row([kind, b], block)
            for kind, blocks in answers["by_kind"].items()
            for b, block in blocks.items()
        ]
        out += _table(["kind", *header], rows)
        out += ["", "![answers by kind](answers_by_kind.png)"]
    for backend in results["answers"]["overall"]:
        curve = refusal_tradeoff(results, backend)
        if not curve:
            continue
        out += [
            "",
            f"### The evidence gate's trade-off ({backend})",
            "",
            "If the gate refused below each threshold of the recorded answerability (questions that reach the gate "
            "only; the current setting is in the settings above):",
            "",
        ]
        out += _table(
            ["threshold", "unanswerable refused", "answerable refused"],
            [
                [f"{c['threshold']:.2f}", _num(c["refusal_accuracy"]), _num(c["false_refusal_rate"])]
                for c in curve[1:12]
            ],
        )
        out += ["", "![refusal trade-off](refusal_tradeoff.png)"]
    return "\n".join(out) + "\n"


def _save(fig: Any, ax: Any, path: Path) -> Path:
    """Grid, legend bottom right, tight layout, written to ``path`` and closed."""
    import matplotlib.pyplot as plt

    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 21)]


def refusal_tradeoff(results: dict[str, Any], backend: str) -> list[dict[str, float]]:
    """The evidence gate's trade-off for one backend's answers: at each threshold on the recorded answerability,
    the share of unanswerable questions it would refuse and of answerable ones it would wrongly refuse. Questions
    the gate never saw (compare, metadata, clarifications: no answerability) are left out. [] without data."""
    pairs = []
    for q in results.get("questions", []):
        row = q.get("answers", {}).get(backend)
        if row is None or row.get("answerability") is None:
            continue
        pairs.append((row["answerability"], not q["kind"].startswith("unanswerable")))
    if not any(ok for _, ok in pairs) or all(ok for _, ok in pairs):
        return []
    curve = []
    for t in THRESHOLDS:
        refused_bad = [p < t for p, ok in pairs if not ok]
        refused_good = [p < t for p, ok in pairs if ok]
        curve.append(
            {
                "threshold": t,
                "refusal_accuracy": sum(refused_bad) / len(refused_bad),
                "false_refusal_rate": sum(refused_good) / len(refused_good),
            }
        )
    return curve


def plot_tradeoff(results: dict[str, Any], path: Path) -> Path | None:
    """Refusal accuracy against false refusals as the gate's threshold moves, per backend; the setting marked."""
    curves = {b: refusal_tradeoff(results, b) for b in results["answers"]["overall"]}
    curves = {b: c for b, c in curves.items() if c}
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    evidence = results["meta"]["settings"].get("evidence", {})
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    for backend, curve in curves.items():
        ax.plot(
            [c["false_refusal_rate"] for c in curve],
            [c["refusal_accuracy"] for c in curve],
            marker=".",
            label=backend,
        )
        limit = evidence.get("gate_threshold" if backend == "extractive" else "gate_threshold_llm")
        if limit is not None:
            at = min(curve, key=lambda c: abs(c["threshold"] - limit))
            ax.scatter([at["false_refusal_rate"]], [at["refusal_accuracy"]], s=70, zorder=5)
            ax.annotate(
                f"{backend}: threshold {limit}",
                (at["false_refusal_rate"], at["refusal_accuracy"]),
                textcoords="offset points",
                xytext=(8, -12),
                fontsize=8,
            )
    ax.set(
        xlabel="answerable questions refused (false refusals)",
        ylabel="unanswerable questions refused",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title=f"Evidence gate: threshold sweep - {results['meta']['dataset']['name']} set",
    )
    return _save(fig, ax, path)


def plot_recall(results: dict[str, Any], path: Path) -> Path:
    """recall@1..10 per retriever (answerable questions)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    markers = "osD^v<>"
    values: list[float] = []
    for i, (name, block) in enumerate(results["retrieval"]["overall"].items()):
        curve = block["curve"]
        ks = [k for k, v in enumerate(curve, start=1) if v is not None]
        values += [curve[k - 1] for k in ks]
        ax.plot(ks, [curve[k - 1] for k in ks], marker=markers[i % len(markers)], label=name)
    # The y axis starts just below the lowest point (a multiple of 0.1) so close curves stay apart.
    low = math.floor((min(values, default=0.0) - 0.05) * 10) / 10
    ax.set(
        xlabel="k (papers)",
        ylabel="recall@k (y axis does not start at 0)" if low > 0 else "recall@k",
        ylim=(max(0.0, low), 1.01),
        xticks=range(1, results["meta"]["depth"] + 1),
        title=f"Retrieval recall@k - {results['meta']['dataset']['name']} set",
    )
    return _save(fig, ax, path)


def plot_answers(results: dict[str, Any], path: Path) -> Path | None:
    """Per kind, per backend: citation F1, key-fact recall and refusal-decision accuracy. None if no answers."""
    by_kind = results["answers"]["by_kind"]
    backends = results["answers"]["overall"].keys()
    if not by_kind or not backends:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def decision(block: dict[str, Any]) -> float | None:
        # Unanswerable kinds: refused as they should; answerable kinds: answered as they should.
        if block.get("refusal_accuracy") is not None:
            return block["refusal_accuracy"]
        rate = block.get("false_refusal_rate")
        return None if rate is None else 1 - rate

    panels = (
        ("citation F1", lambda b: b.get("citation_f1")),
        ("key-fact recall", lambda b: b.get("key_fact_recall")),
        ("refusal decision correct\n(refused if unanswerable, answered if not)", decision),
    )
    kinds = list(by_kind)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 8.5), dpi=120, sharex=True)
    width = 0.8 / max(1, len(backends))
    for ax, (title, get) in zip(axes, panels, strict=True):
        for j, backend in enumerate(backends):
            xs, ys = [], []
            for i, kind in enumerate(kinds):
                value = get(by_kind[kind].get(backend, {}))
                if value is not None:
                    xs.append(i + (j - (len(backends) - 1) / 2) * width)
                    ys.append(value)
            bars = ax.bar(xs, ys, width=width, label=backend)
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
        ax.set_ylim(0, 1.12)
        ax.set_ylabel(title, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8)
    axes[0].set_title(f"Answers by question kind - {results['meta']['dataset']['name']} set")
    axes[-1].set_xticks(range(len(kinds)))
    axes[-1].set_xticklabels([k.replace("_", "\n") for k in kinds], fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.md, results.json and the plots into ``out_dir``; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "report.md", out_dir / "results.json"]
    written[0].write_text(render_markdown(results), encoding="utf-8")
    written[1].write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(plot_recall(results, out_dir / "recall_at_k.png"))
    answers_png = out_dir / "answers_by_kind.png"
    if plot_answers(results, answers_png):
        written.append(answers_png)
    elif answers_png.exists():
        answers_png.unlink()  # a stale plot from an earlier run would contradict this report
    tradeoff_png = out_dir / "refusal_tradeoff.png"
    if plot_tradeoff(results, tradeoff_png):
        written.append(tradeoff_png)
    elif tradeoff_png.exists():
        tradeoff_png.unlink()
    return written
