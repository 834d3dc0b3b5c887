"""The fine-tuned MiniLM tagger as analysis uses it: spans with their offsets, the offline tier's choice, and
files that are not taggers refused. A tagger is trained here on a few sentences it can learn by heart."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.skill_tagger import MiniLmSpanTagger, bio_viterbi, read_tagger
from processors.analysis.requirements import offline_requirements, span_finder
from processors.discovery.model import FetchedPosting
from streams.errors import UserError
from streams.messages import BoardSource
from streams.settings import Settings


@pytest.fixture(scope="module")
def trained(tiny_tagger: Path) -> tuple[MiniLmSpanTagger, Path]:
    return read_tagger(tiny_tagger), tiny_tagger


def test_spans_carry_their_kind_and_offsets_in_the_text(trained: tuple[MiniLmSpanTagger, Path]) -> None:
    tagger, _ = trained
    text = "Experience with Python and Kubernetes. You will communicate findings to stakeholders."

    [spans, others] = tagger.find_many([text, "You will herd llamas across the plateau. Fluent in Quenya."])

    assert {(s.kind, s.surface) for s in spans} == {
        ("knowledge", "Python"), ("knowledge", "Kubernetes"), ("skill", "communicate findings to stakeholders")}
    assert all(text[s.start:s.end] == s.surface for s in spans)
    assert {(s.kind, s.surface) for s in others} == {("skill", "herd llamas"), ("knowledge", "Quenya")}
    assert tagger.find_many(["", "We offer lunch."]) == [[], []]


def test_the_offline_tier_uses_the_tagger_a_deployment_names(trained: tuple[MiniLmSpanTagger, Path]) -> None:
    _, path = trained
    tagger = span_finder(Settings(RESUMEFLOW_SKILL_TAGGER=str(path)))
    posting = FetchedPosting.model_validate({
        "source": BoardSource.GREENHOUSE, "board_token": "examplecorp", "source_job_id": "1", "title": "Analyst",
        "company": "ExampleCorp", "url": "https://boards.example.org/examplecorp/1",
        "description_text": "- You will communicate findings to stakeholders.\n- You will herd llamas across the "
                            "plateau."})

    requirements, extractor = offline_requirements(posting, tagger)

    assert extractor == "model:skill-spans-minilm"
    names = {s.name for s in requirements.skills}
    assert {"stakeholder communication", "herd llamas"} <= names  # a concept's canonical name; the posting's words
    assert "herd llamas" not in {s.name for s in offline_requirements(posting)[0].skills}  # the CRF misses it
    unset = Settings().model_copy(update={"skill_tagger": None})
    assert span_finder(unset).name == "skill-spans-crf"
    assert Settings(RESUMEFLOW_SKILL_TAGGER=" ").skill_tagger is None  # an empty line in an env file: unset


def test_a_file_that_is_not_a_full_tagger_is_refused_with_the_setting_named(
        tmp_path: Path, trained: tuple[MiniLmSpanTagger, Path]) -> None:
    weights = torch.load(trained[1], weights_only=True)
    files = {"notes.pt": b"not weights", "junk.pt": b"junk", "empty.pt": b"",
             "truncated.pt": trained[1].read_bytes()[:4096]}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    torch.save({**weights, "approach": "minilm-lora"}, tmp_path / "lora.pt")
    torch.save({**weights, "head": {"weight": torch.zeros(2, 2)}}, tmp_path / "misfit.pt")
    (tmp_path / "folder.pt").mkdir()

    for name in [*files, "lora.pt", "misfit.pt"]:
        with pytest.raises(ValueError, match=name):
            read_tagger(tmp_path / name)
    for name in [*files, "lora.pt", "misfit.pt", "folder.pt", "absent.pt"]:
        with pytest.raises(UserError, match=f"RESUMEFLOW_SKILL_TAGGER: .*{name}") as raised:
            span_finder(Settings(RESUMEFLOW_SKILL_TAGGER=str(tmp_path / name)))
        assert "weights_only=False" not in str(raised.value)  # torch's advice to run the file's code is not passed on


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.lists(
    st.lists(st.floats(-20, 0, width=32), min_size=3, max_size=3), min_size=n, max_size=n)))
def test_bio_viterbi_is_the_best_sequence_bio_allows(rows: list[list[float]]) -> None:
    scores = np.array(rows, dtype=np.float32).reshape(len(rows), 3)
    allowed = [seq for seq in itertools.product(range(3), repeat=len(rows))
               if not (seq and seq[0] == 2) and all(not (a == 0 and b == 2) for a, b in itertools.pairwise(seq))]
    best = max(sum(float(scores[i, label]) for i, label in enumerate(seq)) for seq in allowed)

    path = bio_viterbi(scores)

    assert tuple(path) in allowed
    assert sum(float(scores[i, label]) for i, label in enumerate(path)) == pytest.approx(best, abs=1e-3)


def test_an_i_alone_is_not_a_span() -> None:
    # "Keep Kafka and Kubernetes healthy": each word's best label put an I on "healthy" alone, the skill "healthy"
    scores = np.array([[-0.1, -3.0, -3.0]] * 4 + [[-1.5, -2.5, -0.4]], dtype=np.float32)  # log P(O), P(B), P(I)
    assert scores.argmax(-1).tolist() == [0, 0, 0, 0, 2]
    assert bio_viterbi(scores) == [0, 0, 0, 0, 0]


def test_a_word_without_word_pieces_is_o_and_the_labels_keep_to_bio(trained: tuple[MiniLmSpanTagger, Path]) -> None:
    tagger, _ = trained
    # A soft hyphen is a token of its own that MiniLM's tokenizer drops (3 of 18,103 Glassdoor sentences): it was
    # skipped by the decoding, so the word after it could be an I after an O.
    words = ["You", "will", "herd", "\xad", "llamas", "across", "the", "plateau", "."]

    labels = tagger.tag_many([words])[0]["skill"]

    assert labels[3] == "O"
    assert all(label != "I" or previous in "BI" for previous, label in zip(["O", *labels], labels, strict=False))
    assert "B" in labels
