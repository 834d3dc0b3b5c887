"""The convolutional student (`evaluation/skill_student.py`): its word shapes, that it learns sentences by heart
and repeats a run exactly, and the options `train skills --approach conv-student` refuses."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.skill_student import shape
from evaluation.distill import SilverSentence
from evaluation.skill_student import StudentSettings, _targets, fit_student
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

    first = fit_student(sentences * 8, [], sentences, settings=settings, progress=lambda _: None).report
    again = fit_student(sentences * 8, [], sentences, settings=settings, progress=lambda _: None).report

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

    report = fit_student(sentences[:1], silver * 8, sentences[1:], settings=settings, progress=lambda _: None).report

    assert report.by_kind["skill"].f1 == 1.0 and report.by_kind["knowledge"].f1 == 1.0


def test_a_silver_sentence_s_targets_are_its_tagger_s_probabilities_where_it_has_them() -> None:
    hard, soft = _silver(SENTENCES[4], soft=False), _silver(SENTENCES[4], soft=True)  # Fluent in Quenya .

    assert _targets(hard)[2].tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]  # Quenya: O skill, B knowledge
    assert _targets(soft)[2].ravel().tolist() == pytest.approx([0.9, 0.05, 0.05, 0.05, 0.9, 0.05])
    assert _targets(_sentences()[4]).tolist() == _targets(hard).tolist()


def test_train_skills_refuses_a_student_it_cannot_measure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    (tmp_path / "train.json").write_text("\n".join(json.dumps(s) for s in SENTENCES) + "\n")
    base = ["train", "skills", "--data", str(tmp_path / "train.json"), "--approach", "conv-student",
            "--out", str(tmp_path / "student.npz")]

    assert main(base) == 2
    assert "reports on a dev split" in capsys.readouterr().err
    assert main([*base[:-2], "--dev", str(tmp_path / "train.json")]) == 2
    assert "writes the student to --out FILE" in capsys.readouterr().err
    assert main([*base, "--dev", str(tmp_path / "train.json"), "--refit-on-dev"]) == 2
    assert "reports test once" in capsys.readouterr().err
    assert not (tmp_path / "student.npz").exists()


def test_train_skills_refits_the_student_on_dev_and_its_card_says_how_it_was_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.skill_student import read_student
    from cli.main import main

    for split, rows in (("train", SENTENCES[:3]), ("dev", SENTENCES[3:]), ("test", SENTENCES)):
        (tmp_path / f"{split}.json").write_text("\n".join(json.dumps(s) for s in rows * 4) + "\n")
    out = tmp_path / "student.npz"

    assert main(["train", "skills", "--data", str(tmp_path), "--approach", "conv-student", "--refit-on-dev",
                 "--seed", "5", "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "dev (dev.json), conv-student, trained on train and 0 silver" in printed
    assert "test (test.json), conv-student, trained on train + dev and 0 silver" in printed
    card = read_student(out).card
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.json", "student.npz", "test.json", "train.json"]
    assert [d["file"] for d in card["training_data"]] == ["train.json", "dev.json"]
    assert card["seed"] == 5 and card["parameters"]["refit_on_dev"] is True and len(card["git_commit"]) >= 7
    assert card["figures"]["dev"]["model"] == "trained on train.json and silver only"
    assert set(card["figures"]["test"]) >= {"SKILL", "KNOWLEDGE", "combined", "file", "sha256"}
    # herd llamas and Quenya are dev's only: the train-only model cannot know them, so dev is read honestly
    assert card["figures"]["dev"]["combined"]["recall"] < 1.0


def test_eval_skills_reads_a_student_file_as_the_bench_does(tiny_student: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    data = tmp_path / "dev.json"
    data.write_text("\n".join(json.dumps(s) for s in SENTENCES) + "\n")

    assert main(["eval", "skills", "--data", str(data), "--model", str(tiny_student)]) == 0

    out = capsys.readouterr().out
    assert "model: skill-spans-student-tiny" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:]}
    assert rows["combined"][-1] == "1.000"  # the sentences it knows by heart, herd llamas and Quenya too
    with zipfile.ZipFile(tmp_path / "broken.npz", "w") as archive:  # a zip, so read as a student
        archive.writestr("header.json", "{}")
    assert main(["eval", "skills", "--data", str(data), "--model", str(tmp_path / "broken.npz")]) == 2
    assert "is not a skill student (resumeflow-skill-student/1)" in capsys.readouterr().err
