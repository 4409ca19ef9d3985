"""The metric functions against hand-computed values and numpy's reference percentile."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evals import metrics as m
from rag.config import EvidenceSettings

RANKED = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]


def test_recall_at_k() -> None:
    assert m.recall_at_k(RANKED, ["Gamma"], 2) == 0.0
    assert m.recall_at_k(RANKED, ["Gamma"], 3) == 1.0
    assert m.recall_at_k(RANKED, ["Alpha", "Delta", "Zeta"], 5) == pytest.approx(2 / 3)
    assert m.recall_at_k(RANKED, ["Alpha", "Delta"], 1) == 0.5


def test_titles_compare_normalized_and_count_once() -> None:
    # Case, accents, LaTeX debris and spacing don't make a miss.
    assert m.recall_at_k(["  schrodinger  BRIDGE "], ["Schrödinger Bridge"], 1) == 1.0
    assert m.mrr(["$\\emph{Light}$ SB"], ["Light SB"]) == 1.0
    # A title repeated in the ranking (two chunks of one paper) takes one rank, not two.
    assert m.mrr(["Alpha", "alpha", "Beta"], ["Beta"]) == 0.5


def test_mrr() -> None:
    assert m.mrr(RANKED, ["Gamma"]) == pytest.approx(1 / 3)
    assert m.mrr(RANKED, ["Delta", "Beta"]) == 0.5  # the first gold hit counts
    assert m.mrr(RANKED, ["Zeta"]) == 0.0


def test_ndcg_hand_computed() -> None:
    # Gold at ranks 1 and 3 of 2 gold: (1 + 1/log2(4)) / (1 + 1/log2(3)).
    expected = (1 + 0.5) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(RANKED, ["Alpha", "Gamma"], 10) == pytest.approx(expected)
    assert expected == pytest.approx(0.9197, abs=1e-4)
    # One gold at rank 3: (1/2) / 1.
    assert m.ndcg_at_k(RANKED, ["Gamma"], 10) == pytest.approx(0.5)
    # Cut at k: the rank-3 hit is outside k=2.
    assert m.ndcg_at_k(RANKED, ["Gamma"], 2) == 0.0
    # Perfect ranking, and more gold than k (ideal DCG is over min(|gold|, k) ranks).
    assert m.ndcg_at_k(RANKED, ["Alpha", "Beta"], 10) == pytest.approx(1.0)
    assert m.ndcg_at_k(RANKED, [*RANKED, "Zeta"], 3) == pytest.approx(1.0)


def test_full_recall_uses_the_whole_list() -> None:
    long = [f"Paper {i}" for i in range(30)]
    assert m.full_recall(long, ["Paper 0", "Paper 29", "Missing"]) == pytest.approx(2 / 3)
    assert m.full_recall([], ["Paper 0"]) == 0.0


def test_retrieval_edge_cases() -> None:
    for metric in (
        lambda r, g: m.recall_at_k(r, g, 5),
        m.mrr,
        lambda r, g: m.ndcg_at_k(r, g, 10),
        m.full_recall,
    ):
        assert metric(RANKED, []) is None  # no gold: undefined, skipped by mean()
        assert metric([], ["Alpha"]) == 0.0  # no hits: a miss


def test_citation_precision_and_recall() -> None:
    gold = ["Alpha", "Beta"]
    assert m.citation_precision(["Alpha", "Gamma"], gold) == 0.5
    assert m.citation_recall(["Alpha", "Gamma"], gold) == 0.5
    assert m.citation_precision(["Alpha", "alpha"], gold) == 1.0  # repeated citation counts once
    assert m.citation_recall(["Alpha", "Beta", "Gamma"], gold) == 1.0
    assert m.citation_precision([], gold) is None  # nothing cited: precision undefined...
    assert m.citation_recall([], gold) == 0.0  # ...but recall is 0
    assert m.citation_recall(["Alpha"], []) is None
    assert m.citation_precision(["Alpha"], []) == 0.0  # cited something, none of it gold


def test_f1() -> None:
    assert m.f1(0.5, 1.0) == pytest.approx(2 / 3)
    assert m.f1(None, 0.0) == 0.0
    assert m.f1(None, 1.0) == 0.0  # nothing cited counts as precision 0
    assert m.f1(1.0, None) is None


def test_key_fact_recall() -> None:
    answer = "INPO reaches a 41.5%   length-controlled\nwin rate [1] and a 10\\% gain."
    assert m.key_fact_recall(answer, ["41.5% length-controlled win rate"]) == 1.0
    assert m.key_fact_recall(answer, ["10%", "Arena-Hard"]) == 0.5  # backslash dropped; one fact missing
    assert m.key_fact_recall(answer, ["inpo"]) == 1.0  # case-insensitive
    assert m.key_fact_recall(answer, []) is None
    assert m.key_fact_recall("", ["41.5%"]) == 0.0
    # a fact copied from the abstract's LaTeX matches the answer that shows it as text (rag.text.readable)
    assert m.key_fact_recall("decreases at rate O(1/α^2) [1].", ["O(1/{\\alpha}^2)"]) == 1.0
    assert m.key_fact_recall("rate O(1/α^2)", ["O(1/{\\beta}^2)"]) == 0.0


def test_refusal_rates() -> None:
    refused = [True, False, True, False, False]
    answerable = [False, False, True, True, True]
    assert m.refusal_accuracy(refused, answerable) == 0.5  # 1 of 2 unanswerable refused
    assert m.false_refusal_rate(refused, answerable) == pytest.approx(1 / 3)  # 1 of 3 answerable refused
    assert m.refusal_accuracy([True], [True]) is None
    assert m.false_refusal_rate([True], [False]) is None
    assert m.refusal_accuracy([], []) is None
    with pytest.raises(ValueError):
        m.refusal_accuracy([True], [True, False])


@pytest.mark.parametrize("p", [0, 5, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy(p: float) -> None:
    values = [12.0, 3.5, 7.25, 100.0, 41.0, 8.0, 8.0]
    assert m.percentile(values, p) == pytest.approx(float(np.percentile(values, p)))


def test_percentile_edges() -> None:
    assert m.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None
    with pytest.raises(ValueError):
        m.percentile([1.0], 101)


def test_mean_skips_undefined() -> None:
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None, None]) is None
    assert m.mean([]) is None


ABSTRACT = (
    "We propose Mixed Barlow Twins, which adds a regularization term built from linearly interpolated samples. "
    "It improves downstream accuracy on CIFAR-10 and ImageNet."
)


def test_support_check(local_embedder) -> None:
    verbatim = ("It improves downstream accuracy on CIFAR-10 and ImageNet [1].", [ABSTRACT])
    reworded = (
        "Mixed Barlow Twins adds a regularization term using linearly interpolated samples.",
        [ABSTRACT],
    )
    unrelated = ("The model was trained on eight A100 GPUs for three weeks.", [ABSTRACT])
    uncited = ("It improves downstream accuracy on CIFAR-10 and ImageNet.", [])
    assert m.support_check([verbatim], local_embedder) == 1.0
    assert m.support_check([reworded], local_embedder) == 1.0
    assert m.support_check([unrelated], local_embedder) == 0.0
    assert m.support_check([uncited], local_embedder) == 0.0
    assert m.support_check([verbatim, reworded, unrelated, uncited], local_embedder) == 0.5
    assert m.support_check([], local_embedder) is None


def test_support_check_is_stricter_than_the_answer_chain() -> None:
    # Otherwise faithfulness would only re-check the chain's own attribution rule (evals/README.md, "Faithfulness").
    chain = EvidenceSettings()
    assert chain.support_sim < m.SUPPORT_THRESHOLD
    assert chain.support_overlap < m.LEXICAL_THRESHOLD


class TableEmbedder:
    """An embedder double with chosen vectors, to put cosines exactly at a threshold; unknown texts get a
    vector of their own (cosine 0 to everything else)."""

    name, dim = "table", 64

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = {k: np.asarray(v + [0.0] * (self.dim - len(v))) for k, v in vectors.items()}
        self.spare = 10

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            if text not in self.vectors:
                self.vectors[text] = np.eye(self.dim)[self.spare]
                self.spare += 1
            rows.append(self.vectors[text])
        return np.stack(rows)


def test_support_check_cosine_threshold() -> None:
    t = m.SUPPORT_THRESHOLD
    below = t - 0.01
    embedder = TableEmbedder(
        {
            "Claim at threshold.": [t, math.sqrt(1 - t * t)],
            "Claim below threshold.": [below, math.sqrt(1 - below * below)],
            "Source sentence.": [1.0],
        }
    )
    assert m.support_check([("Claim at threshold.", ["Source sentence."])], embedder) == 1.0
    assert m.support_check([("Claim below threshold.", ["Source sentence."])], embedder) == 0.0


def test_support_check_lexical_threshold() -> None:
    # All cosines are 0 here, so only the term-overlap rule can support a sentence.
    claim = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"  # 10 content terms
    seven = "alpha bravo charlie delta echo foxtrot golf"
    six = "alpha bravo charlie delta echo foxtrot"
    assert m.LEXICAL_THRESHOLD == 0.7
    assert m.support_check([(claim, [seven])], TableEmbedder({})) == 1.0
    assert m.support_check([(claim, [six])], TableEmbedder({})) == 0.0
    # Terms may come from any of the cited abstracts.
    assert m.support_check([(claim, [six, "golf"])], TableEmbedder({})) == 1.0
