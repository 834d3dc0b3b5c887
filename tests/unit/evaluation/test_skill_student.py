"""The convolutional student (`evaluation/skill_student.py`): its word shapes, that it learns sentences by heart
and repeats a run exactly, and the options `train skills --approach conv-student` refuses."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evaluation.distill import SilverSentence
from evaluation.skill_student import StudentSettings, _targets, fit_student, shape
from evaluation.skills import Sentence, bio_spans
from tests.support.skill_tagger import SENTENCES


def test_a_word_s_shape_names_capitals_digits_and_symbols() -> None:
    assert shape("kafka") == 0
    assert shape("Kafka") == 1
    assert shape("SQL") == 1 | 2
    assert shape("S3") == 1 | 2 | 4
    assert shape("CI/CD") == 1 | 2 | 8
    assert shape("I") == 1  # one capital letter is not "all capitals"


def _sentences() -> list[Sentence]:
    return [Sentence(tuple(s["tokens"]), {"skill": bio_spans(s["tags_skill"]),
                                          "knowledge": bio_spans(s["tags_knowledge"])}) for s in SENTENCES]


def test_the_student_learns_sentences_by_heart_and_a_seeded_run_repeats_exactly() -> None:
    sentences = _sentences()
    settings = replace(StudentSettings(), width=32, epochs=12, batch=4, dropout=0.0, min_word_count=1)

    first = fit_student(sentences * 8, [], sentences, settings=settings, progress=lambda _: None)
    again = fit_student(sentences * 8, [], sentences, settings=settings, progress=lambda _: None)

    assert first.by_kind["skill"].f1 == 1.0 and first.by_kind["knowledge"].f1 == 1.0  # herd llamas, Quenya too
    assert first == again


def _silver(sentence: dict[str, Any], soft: bool) -> SilverSentence:
    labels = {"skill": tuple(sentence["tags_skill"]), "knowledge": tuple(sentence["tags_knowledge"])}
    probabilities = None
    if soft:  # the teacher 90% sure of each label it gives
        probabilities = {kind: tuple(tuple(0.9 if label == name else 0.05 for name in "OBI") for label in tags)
                         for kind, tags in labels.items()}
    return SilverSentence("gd:1", tuple(sentence["tokens"]), labels, 1.0, probabilities)


@pytest.mark.parametrize("soft", [False, True])
def test_silver_sentences_are_learned_from_as_the_annotated_ones_are(soft: bool) -> None:
    sentences = _sentences()
    settings = replace(StudentSettings(), width=32, epochs=12, batch=4, dropout=0.0, min_word_count=1)
    silver = [_silver(s, soft) for s in SENTENCES[1:]]

    report = fit_student(sentences[:1], silver * 8, sentences[1:], settings=settings, progress=lambda _: None)

    assert report.by_kind["skill"].f1 == 1.0 and report.by_kind["knowledge"].f1 == 1.0


def test_a_silver_sentence_s_targets_are_its_tagger_s_probabilities_where_it_has_them() -> None:
    hard, soft = _silver(SENTENCES[4], soft=False), _silver(SENTENCES[4], soft=True)  # Fluent in Quenya .

    assert _targets(hard)[2].tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]  # Quenya: O skill, B knowledge
    assert _targets(soft)[2].ravel().tolist() == pytest.approx([0.9, 0.05, 0.05, 0.05, 0.9, 0.05])
    assert _targets(_sentences()[4]).tolist() == _targets(hard).tolist()


def test_train_skills_measures_the_student_on_dev_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    (tmp_path / "train.json").write_text("\n".join(json.dumps(s) for s in SENTENCES) + "\n")
    base = ["train", "skills", "--data", str(tmp_path / "train.json"), "--approach", "conv-student"]

    assert main(base) == 2
    assert "reports on a dev split" in capsys.readouterr().err
    assert main([*base, "--dev", str(tmp_path / "train.json"), "--refit-on-dev"]) == 2
    assert "measured on dev only" in capsys.readouterr().err
