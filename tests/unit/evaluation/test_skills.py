from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.skills import (
    Counts,
    Sentence,
    bio_spans,
    count,
    evaluate,
    format_report,
    load_skillspan,
    matcher_predictor,
)


def test_bio_tags_become_token_spans() -> None:
    assert bio_spans(["O", "B", "I", "I", "O", "B", "B", "I"]) == {(1, 4), (5, 6), (6, 8)}
    assert bio_spans(["B"]) == {(0, 1)}
    assert bio_spans(["O", "O"]) == frozenset()


def test_an_inside_tag_after_outside_starts_a_span() -> None:
    assert bio_spans(["O", "I", "I", "O"]) == {(1, 3)}


def test_counts_are_exact_span_matches() -> None:
    counts = count(gold={(0, 2), (3, 4)}, predicted={(0, 2), (3, 5), (6, 7)})

    assert counts == Counts(true_positives=1, predicted=3, gold=2)
    assert counts.precision == pytest.approx(1 / 3)
    assert counts.recall == pytest.approx(1 / 2)
    assert counts.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_no_predictions_and_no_gold_score_zero_not_an_error() -> None:
    assert Counts().precision == Counts().recall == Counts().f1 == 0.0


def test_evaluation_scores_each_kind_then_both_together() -> None:
    sentence = Sentence(("Python", "and", "manage", "staff"),
                        {"skill": frozenset({(2, 4)}), "knowledge": frozenset({(0, 1)})})

    def predict(tokens: object) -> dict[str, frozenset[tuple[int, int]]]:
        # Python found with the right kind; "manage staff" found but called knowledge; one spurious span.
        return {"skill": frozenset(), "knowledge": frozenset({(0, 1), (2, 4), (1, 2)})}

    report = evaluate([sentence], predict)  # type: ignore[arg-type]

    assert report.by_kind["skill"] == Counts(0, 0, 1)
    assert report.by_kind["knowledge"] == Counts(1, 3, 1)
    assert report.combined == Counts(1, 3, 2)
    assert report.any_kind == Counts(2, 3, 2)
    assert "KNOWLEDGE" in format_report(report, "tiny")


def test_the_matcher_predicts_token_spans_of_vocabulary_terms() -> None:
    predict = matcher_predictor()

    spans = predict(["Experience", "with", "Apache", "Kafka", ",", "PostgreSQL", "and", "Node.js"])

    assert spans["knowledge"] == {(2, 4), (5, 6), (7, 8)}


def test_skillspan_lines_are_read_with_both_tag_sets(tmp_path: Path) -> None:
    data = tmp_path / "tiny.json"
    data.write_text("\n".join(json.dumps(record) for record in [
        {"idx": 1, "tokens": ["Docker", "and", "teamwork"], "tags_skill": ["O", "O", "B"],
         "tags_knowledge": ["B", "O", "O"], "source": "tech"},
        {"idx": 1, "tokens": ["Hi"], "tags_skill": ["O"], "tags_knowledge": ["O"], "source": "tech"},
    ]) + "\n")

    sentences = load_skillspan(data)

    assert sentences[0] == Sentence(("Docker", "and", "teamwork"),
                                    {"skill": frozenset({(2, 3)}), "knowledge": frozenset({(0, 1)})})
    assert len(load_skillspan(data, limit=1)) == 1
    report = evaluate(sentences, matcher_predictor())
    assert report.by_kind["knowledge"] == Counts(1, 1, 1)
