"""Distillation's pure parts: which postings and sentences are labelled, and how silver labels become training
sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.distill import (
    SilverSentence,
    as_training,
    choose_postings,
    of_postings,
    posting_sentences,
    read_silver,
    unique_sentences,
    write_silver,
)
from evaluation.glassdoor import GlassdoorRow


def _row(number: int, cluster: int | None = None) -> GlassdoorRow:
    return GlassdoorRow(f"gd:{number}", "Data Scientist", "Acme", [], f"Posting {number}.",
                        f"gd:{number if cluster is None else cluster}")


def test_postings_are_chosen_by_the_seed_once_per_group_of_repeats_and_a_smaller_count_is_a_prefix() -> None:
    rows = [_row(n) for n in range(20)] + [_row(20, cluster=3), _row(21, cluster=7)]

    chosen = choose_postings(rows, 10, seed=13)

    assert [r.posting_id for r in chosen] == [r.posting_id for r in choose_postings(rows, 10, seed=13)]
    assert len({r.posting_id for r in chosen}) == 10
    assert all(r.cluster == r.posting_id for r in choose_postings(rows, 100, seed=13))
    assert len(choose_postings(rows, 100, seed=13)) == 20
    assert choose_postings(rows, 4, seed=13) == chosen[:4]
    assert [r.posting_id for r in choose_postings(rows, 10, seed=14)] != [r.posting_id for r in chosen]


def test_a_posting_is_split_into_sentences_and_words_as_at_inference() -> None:
    description = ("Requirements:\n"
                   "- Experience with Node.js and CI/CD. Communicate findings to stakeholders.\n"
                   "\n"
                   "Build dashboards for sales.")

    assert posting_sentences(description) == [
        ("Experience", "with", "Node.js", "and", "CI/CD", "."),
        ("Communicate", "findings", "to", "stakeholders", "."),
        ("Build", "dashboards", "for", "sales", "."),
    ]


def test_a_sentence_met_again_is_kept_once_with_its_first_posting() -> None:
    shared = ("We", "are", "an", "equal", "opportunity", "employer")

    assert unique_sentences([("gd:1", [("Python",), shared]), ("gd:2", [shared, ("SQL",)])]) == [
        ("gd:1", ("Python",)), ("gd:1", shared), ("gd:2", ("SQL",))]


def _silver(posting: str, confidence: float) -> SilverSentence:
    return SilverSentence(posting, ("Communicate", "findings", "with", "SQL", "."),
                          {"skill": ("B", "I", "O", "O", "O"), "knowledge": ("O", "O", "O", "B", "O")}, confidence)


def test_silver_labels_become_spans_and_unsure_sentences_are_left_out() -> None:
    silver = [_silver("gd:1", 0.95), _silver("gd:2", 0.6)]

    training = as_training(silver, min_confidence=0.9)

    assert len(training) == 1
    assert training[0].tokens == silver[0].tokens
    assert training[0].spans == {"skill": frozenset({(0, 2)}), "knowledge": frozenset({(3, 4)})}
    assert len(as_training(silver)) == 2


def test_a_silver_file_reads_back_and_gives_the_sentences_of_the_postings_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "silver.jsonl"
    silver = [_silver("gd:5", 0.9), _silver("gd:2", 0.5), _silver("gd:5", 0.75)]
    write_silver(path, {"postings": ["gd:5", "gd:2"], "seed": 13}, silver)

    about, read = read_silver(path)

    assert about["postings"] == ["gd:5", "gd:2"] and about["seed"] == 13
    assert read == silver
    assert of_postings(read, about["postings"][:1]) == [silver[0], silver[2]]
    (tmp_path / "other.jsonl").write_text('{"tokens": []}\n')
    with pytest.raises(ValueError):
        read_silver(tmp_path / "other.jsonl")


def test_train_skills_refuses_inconsistent_distillation_options(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    for name in ("train.json", "dev.json"):
        (tmp_path / name).write_text("")
    silver = tmp_path / "silver.jsonl"
    write_silver(silver, {"postings": []}, [])
    base = ["train", "skills", "--data", str(tmp_path), "--out", str(tmp_path / "model.json.gz")]

    assert main([*base, "--silver-out", str(tmp_path / "out.jsonl")]) == 2
    assert "--silver-out needs --distill-postings" in capsys.readouterr().err
    assert main([*base, "--silver", str(silver), "--distill-postings", str(silver)]) == 2
    assert "not both" in capsys.readouterr().err
    assert main([*base, "--silver", str(silver), "--refit-on-dev"]) == 2
    assert "measured on dev only" in capsys.readouterr().err  # nothing distilled is shipped


def _glassdoor_csv(path: Path, descriptions: list[str]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["", "Job Title", "Job Description", "Company Name", "Location"])
        for number, description in enumerate(descriptions):
            writer.writerow([number, "Ranch Hand", description, f"Ranch {number}\n4.1", "Remote"])
    return path


def test_a_saved_tagger_labels_the_postings_as_analysis_reads_them(tmp_path: Path, tiny_tagger: Path) -> None:
    from evaluation.distill import Distillation, label_postings

    postings = _glassdoor_csv(tmp_path / "postings.csv", ["You will herd llamas across the plateau.",
                                                          "Fluent in Quenya."])
    settings = Distillation(count=2, postings=postings, tagger=tiny_tagger, silver_out=tmp_path / "silver.jsonl")

    about, silver = label_postings(settings, [], None, lambda _: None)

    by_words = {s.tokens: s.labels for s in silver}
    assert by_words[("You", "will", "herd", "llamas", "across", "the", "plateau", ".")]["skill"] == (
        "O", "O", "B", "I", "O", "O", "O", "O")
    assert by_words[("Fluent", "in", "Quenya", ".")]["knowledge"] == ("O", "O", "B", "O")
    assert about["tagger"]["approach"] == "minilm-full" and about["tagger"]["file"] == tiny_tagger.name
    assert read_silver(tmp_path / "silver.jsonl")[1] == silver


def test_a_saved_tagger_that_has_seen_dev_is_refused(tmp_path: Path, tiny_tagger: Path) -> None:
    import hashlib

    import torch

    from evaluation.distill import Distillation, label_postings

    dev = tmp_path / "dev.json"
    dev.write_text('{"idx": 1, "tokens": ["Python"], "tags_skill": ["O"], "tags_knowledge": ["B"]}\n')
    weights = torch.load(tiny_tagger, weights_only=True)
    weights["card"] = {"training_data": [{"file": "dev.json", "sha256": hashlib.sha256(dev.read_bytes()).hexdigest()}]}
    refit = tmp_path / "refit.pt"
    torch.save(weights, refit)
    postings = _glassdoor_csv(tmp_path / "postings.csv", ["Fluent in Quenya."])

    with pytest.raises(ValueError, match=r"was trained on dev\.json"):
        label_postings(Distillation(count=1, postings=postings, tagger=refit), [], dev, lambda _: None)


def test_train_skills_refuses_a_saved_tagger_without_postings_or_with_a_confidence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    for name in ("train.json", "dev.json", "tagger.pt", "postings.csv"):
        (tmp_path / name).write_text("")
    base = ["train", "skills", "--data", str(tmp_path), "--out", str(tmp_path / "model.json.gz"),
            "--distill-tagger", str(tmp_path / "tagger.pt")]

    assert main(base) == 2
    assert "--distill-tagger labels --distill-postings" in capsys.readouterr().err
    assert main([*base, "--distill-postings", str(tmp_path / "postings.csv"), "--distill-confidence", "0.9"]) == 2
    assert "carry none" in capsys.readouterr().err
