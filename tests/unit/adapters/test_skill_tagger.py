"""The fine-tuned MiniLM tagger as analysis uses it: spans with their offsets, the offline tier's choice, and
files that are not taggers refused. A tagger is trained here on a few sentences it can learn by heart."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from adapters.skill_tagger import MiniLmSpanTagger, read_tagger
from processors.analysis.requirements import offline_requirements, span_finder
from processors.discovery.model import FetchedPosting
from streams.messages import BoardSource
from streams.settings import Settings
from tests.support.skill_tagger import train_tiny_tagger


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[MiniLmSpanTagger, Path]:
    path = train_tiny_tagger(tmp_path_factory.mktemp("tagger"))
    return read_tagger(path), path


def test_spans_carry_their_kind_and_offsets_in_the_text(trained: tuple[MiniLmSpanTagger, Path]) -> None:
    tagger, _ = trained
    text = "Experience with Python and Kubernetes. You will communicate findings to stakeholders."

    [spans] = tagger.find_many([text])

    assert {(s.kind, s.surface) for s in spans} == {
        ("knowledge", "Python"), ("knowledge", "Kubernetes"), ("skill", "communicate findings to stakeholders")}
    assert all(text[s.start:s.end] == s.surface for s in spans)
    assert tagger.find_many(["", "We offer lunch."]) == [[], []]


def test_the_offline_tier_uses_the_tagger_a_deployment_names(trained: tuple[MiniLmSpanTagger, Path]) -> None:
    _, path = trained
    tagger = span_finder(Settings(RESUMEFLOW_SKILL_TAGGER=str(path)))
    posting = FetchedPosting.model_validate({
        "source": BoardSource.GREENHOUSE, "board_token": "examplecorp", "source_job_id": "1", "title": "Analyst",
        "company": "ExampleCorp", "url": "https://boards.example.org/examplecorp/1",
        "description_text": "- You will communicate findings to stakeholders."})

    requirements, extractor = offline_requirements(posting, tagger)

    assert extractor == "model:skill-spans-minilm"
    assert "stakeholder communication" in {s.name for s in requirements.skills}  # the concept's canonical name
    assert span_finder(Settings()).name == "skill-spans-crf"  # unset: the shipped CRF


def test_a_file_that_is_not_a_full_tagger_is_refused(tmp_path: Path, trained: tuple[MiniLmSpanTagger, Path]) -> None:
    not_torch = tmp_path / "notes.pt"
    not_torch.write_text("not weights")
    lora = tmp_path / "lora.pt"
    weights = torch.load(trained[1], weights_only=True)
    torch.save({**weights, "approach": "minilm-lora"}, lora)

    for path in (not_torch, lora):
        with pytest.raises(ValueError):
            read_tagger(path)
        with pytest.raises(ValueError):
            span_finder(Settings(RESUMEFLOW_SKILL_TAGGER=str(path)))
