"""The dedup evaluation's own arithmetic: pair scores, the synthetic copies, the threshold choice, the replay."""

from __future__ import annotations

import random

import numpy as np
import pytest

from evaluation.dedup import (
    EvalPosting,
    Kind,
    PairScores,
    build_stream,
    choose_threshold,
    pair_scores,
    replay,
    same_role_truth,
    score,
    synthesize,
)
from processors.analysis.dedup import DedupThresholds, locations_overlap


def test_pair_scores_count_pairs_that_share_a_cluster() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "3"}  # true pairs: ab, ac, bc
    predicted = {"a": "x", "b": "x", "c": "y", "d": "x", "e": "z"}  # predicted pairs: ab, ad, bd
    scores = pair_scores(predicted, truth)
    assert (scores.true_positives, scores.predicted_pairs, scores.truth_pairs) == (1, 3, 3)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(1 / 3)


def test_a_perfect_clustering_scores_one_whatever_the_cluster_names() -> None:
    truth = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"}
    scores = pair_scores({"a": "p", "b": "p", "c": "q", "d": "q", "e": "q"}, truth)
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert scores.truth_pairs == 1 + 3


def test_merging_everything_has_full_recall_and_poor_precision() -> None:
    truth = {"a": "1", "b": "1", "c": "2", "d": "3"}
    scores = pair_scores(dict.fromkeys(truth, "all"), truth)
    assert scores.recall == 1.0 and scores.precision == pytest.approx(1 / 6)
    assert scores.f1 == pytest.approx(2 * (1 / 6) / (1 + 1 / 6))


def test_empty_sides_score_one_and_no_overlap_scores_zero() -> None:
    singletons = {"a": "1", "b": "2"}
    assert pair_scores({"a": "x", "b": "y"}, singletons) == PairScores(0, 0, 0)
    assert pair_scores({"a": "x", "b": "y"}, singletons).f1 == 1.0
    assert pair_scores({"a": "x", "b": "x"}, singletons).f1 == 0.0


def test_pair_scores_refuse_different_postings() -> None:
    with pytest.raises(ValueError):
        pair_scores({"a": "1"}, {"b": "1"})


def test_the_highest_of_the_best_thresholds_is_chosen() -> None:
    assert choose_threshold({0.8: 0.99, 0.85: 0.99, 0.9: 0.98}) == 0.85
    assert choose_threshold({0.8: 0.5, 0.9: 0.9, 0.95: 0.7}) == 0.9


def posting(pid: str, *, cluster: str | None = None, locations: tuple[str, ...] = ("Boston, MA",),
            description: str = "First sentence. Second one. Third here. Fourth too.", kind: Kind = "original",
            company: str = "Acme Inc.", title: str = "Data Scientist", source: str | None = None) -> EvalPosting:
    return EvalPosting(posting_id=pid, title=title, company=company, locations=list(locations),
                       description=description, cluster=cluster or pid, kind=kind, source=source)


def test_synthetic_copies_are_duplicates_of_their_source_or_the_same_role_elsewhere() -> None:
    originals = [posting("gd:0"), posting("gd:1", locations=("Chicago, IL",), company="Globex")]
    copies = synthesize(originals, random.Random(3), near_duplicates=2, other_cities=2)
    near = [c for c in copies if c.kind == "near_duplicate"]
    city = [c for c in copies if c.kind == "other_city"]
    assert len(near) == 2 and all(c.cluster == c.source and len(c.edits) == 2 for c in near)
    assert len(city) == 2
    for copy in city:
        source = next(o for o in originals if o.cluster == copy.source)
        assert copy.cluster != source.cluster and copy.description == source.description
        assert not locations_overlap(copy.locations, source.locations)
    truth = same_role_truth(originals + copies)
    assert all(truth[c.posting_id] == {c.source} for c in city)


def test_a_replayed_stream_is_scored_against_the_truth() -> None:
    postings = [posting("a"), posting("b", cluster="a", kind="repeat"), posting("c", company="Globex"),
                posting("d", locations=("Denver, CO",), kind="other_city", source="a")]
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.6, 0.8], [0.99, 0.141]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    stream = build_stream(postings, vectors, k=3)
    decisions = replay(stream, DedupThresholds(duplicate=0.95, same_role=0.95))
    assert [d.duplicate_of for d in decisions] == [None, "a", None, None]
    assert decisions[3].same_role_as == ["a"]
    scores = score(stream, decisions)
    assert scores.duplicates.f1 == 1.0 and scores.recall_by_kind == {"repeat": (1, 1)}
    assert scores.city_copies_right == scores.city_copies == 1
    assert scores.same_role_links.precision == 1.0 and scores.false_merges == []
