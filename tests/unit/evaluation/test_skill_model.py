"""The span model measured the way `resumeflow eval skills` does, and the commands around training."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cli.main import main
from evaluation.skill_model import TrainingData, bilou_labels, bio_labels
from evaluation.skills import model_predictor, token_vocabulary_tags
from textkit import skill_spans
from textkit.skill_spans import load_span_model

TINY = [
    {"idx": 1, "tokens": ["Experience", "with", "Python", "and", "Kubernetes", "."],
     "tags_skill": ["O"] * 6, "tags_knowledge": ["O", "O", "B", "O", "B", "O"], "source": "tech"},
    {"idx": 1, "tokens": ["You", "will", "communicate", "findings", "to", "stakeholders", "."],
     "tags_skill": ["O", "O", "B", "I", "I", "I", "O"], "tags_knowledge": ["O"] * 7, "source": "tech"},
]


def test_the_model_predicts_token_spans_of_both_kinds() -> None:
    model = load_span_model()
    assert model is not None
    predict = model_predictor(model)

    assert predict(TINY[0]["tokens"])["knowledge"] >= {(2, 3), (4, 5)}  # type: ignore[arg-type]
    assert predict(["Build", "data", "pipelines"]).keys() == {"skill", "knowledge"}


def test_vocabulary_tags_follow_the_tokens_given() -> None:
    assert token_vocabulary_tags(["Experience", "with", "Apache", "Kafka", "and", "Node.js"]) == [
        "O", "O", "B-tech", "I-tech", "O", "B-tech"]


def test_spans_become_bio_labels() -> None:
    assert bio_labels(frozenset({(1, 3), (4, 5)}), 6) == ["O", "B", "I", "O", "B", "O"]
    assert bilou_labels(frozenset({(0, 3), (4, 5)}), 6) == ["B", "I", "L", "O", "U", "O"]


def test_a_folder_names_its_splits_and_files_are_all_trained_on(tmp_path: Path) -> None:
    for name in ("train.json", "dev.json", "test.json"):
        (tmp_path / name).write_text("")
    assert TrainingData.from_arguments([tmp_path]) == TrainingData(
        [tmp_path / "train.json"], tmp_path / "dev.json", tmp_path / "test.json")
    assert TrainingData.from_arguments([tmp_path / "train.json", tmp_path / "dev.json"]).train == [
        tmp_path / "train.json", tmp_path / "dev.json"]
    with pytest.raises(FileNotFoundError):
        TrainingData.from_arguments([tmp_path / "missing.json"])


def test_eval_skills_prints_precision_and_recall_per_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    data = tmp_path / "tiny.json"
    data.write_text("\n".join(json.dumps(record) for record in TINY) + "\n")

    assert main(["eval", "skills", "--data", str(data)]) == 0

    out = capsys.readouterr().out
    assert "model: skill-spans-crf, trained on train.json" in out
    header, *rows = [line.split() for line in out.splitlines()[2:]]
    assert header == ["spans", "gold", "pred", "tp", "P", "R", "F1"]
    assert [row[0] for row in rows] == ["SKILL", "KNOWLEDGE", "combined", "any", ]
    assert rows[1][1] == "2"  # two gold knowledge spans


def test_train_skills_without_data_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "skills", "--data", str(tmp_path)]) == 2
    assert "has no train.json" in capsys.readouterr().err


def test_eval_skills_warns_on_a_file_the_model_was_trained_on(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "dev.json"
    data.write_text("\n".join(json.dumps(record) for record in TINY) + "\n")
    model = load_span_model()
    assert model is not None
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    card = {**model.card, "training_data": [{"file": "dev.json", "sha256": digest}]}
    monkeypatch.setattr(model, "card", card)
    monkeypatch.setattr(skill_spans, "load_span_model", lambda: model)

    assert main(["eval", "skills", "--data", str(data)]) == 0
    assert "warning: the model was trained on dev.json" in capsys.readouterr().out


def test_train_skills_minilm_full_refits_on_dev_and_reads_test_once(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    for name in ("train.json", "dev.json", "test.json"):
        (tmp_path / name).write_text("\n".join(json.dumps(record) for record in TINY) + "\n")
    out = tmp_path / "tagger.pt"

    assert main(["train", "skills", "--data", str(tmp_path), "--approach", "minilm-full", "--epochs", "1",
                 "--refit-on-dev", "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "dev (dev.json), minilm-full, 1 epoch(s), trained on train" in printed
    assert "test (test.json), minilm-full, 1 epoch(s), trained on train + dev" in printed
    assert "test.json combined F1" not in printed  # no epoch of the refit reads test
    weights = torch.load(out, weights_only=True)
    assert weights["approach"] == "minilm-full" and weights["epochs"] == 1
    assert "embeddings.word_embeddings.weight" in weights["adapters"]  # every encoder weight was trained
    card = weights["card"]
    assert [d["file"] for d in card["training_data"]] == ["train.json", "dev.json"]
    assert card["figures"]["dev"]["model"] == "trained on train only"
    assert card["figures"]["test"]["model"] == "trained on train and dev"
    assert card["figures"]["test"]["combined"]["gold"] == 3  # TINY: two knowledge spans and one skill span


def test_a_transformer_refit_without_a_test_split_is_a_user_error(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("train.json", "dev.json"):
        (tmp_path / name).write_text("\n".join(json.dumps(record) for record in TINY) + "\n")

    assert main(["train", "skills", "--data", str(tmp_path), "--approach", "minilm-full", "--refit-on-dev"]) == 2
    assert "test.json" in capsys.readouterr().err
