"""The edit format: a rewrite is assembled from its bullet's own words and a closed list, or refused."""

from __future__ import annotations

from typing import Any

import pytest

from processors.generation.model import Line
from processors.generation.rephrase import (
    CLOSED_LIST,
    EditRefused,
    Piece,
    Rephrasing,
    apply,
    assemble,
    inflect,
    numbered_bullets,
    rephrasable_bullets,
)
from processors.generation.tailoring import tailor
from processors.generation.truthfulness import verify
from streams.messages import JobRequirements

from .conftest import TODAY

DATA = "Moved nightly batch jobs to Kafka streams, cutting data latency from 24 hours to 2 minutes"


def pieces(*raw: dict[str, Any]) -> list[Piece]:
    return [Piece.model_validate(p) for p in raw]


def test_runs_reorder_condense_and_a_listed_verb_make_the_rewrite() -> None:
    edit = pieces({"word": "reduced"}, {"first": 8, "last": 15}, {"word": "by"}, {"first": 0, "last": 6, "form": "ing"})
    assert assemble(DATA, edit) == ("Reduced data latency from 24 hours to 2 minutes by moving nightly batch jobs "
                                    "to Kafka streams")
    assert assemble(DATA, pieces({"first": 0, "last": 6})) == "Moved nightly batch jobs to Kafka streams"


@pytest.mark.parametrize(("edit", "why"), [
    (({"first": 0, "last": 6}, {"word": "at Google"}), "closed list"),
    (({"first": 0, "last": 6}, {"word": "google"}), "closed list"),
    (({"first": 0, "last": 99},), "not in the bullet"),
    (({"first": 0, "last": 3}, {"first": 2, "last": 6}), "used twice"),
    (({"first": 0, "last": 0}, {"first": 5, "last": 6}, {"first": 4, "last": 4}, {"first": 1, "last": 3}),
     "lose its object"),
    (({"first": 5, "last": 6, "form": "ing"},), "re-inflected"),
    (({"first": 0, "last": 6, "word": "and"},), "either"),
    (({"first": 3},), "first and last"),
])
def test_an_edit_outside_the_format_is_refused(edit: tuple[dict[str, Any], ...], why: str) -> None:
    with pytest.raises(EditRefused, match=why):
        assemble(DATA, pieces(*edit))


@pytest.mark.parametrize(("word", "form", "expected"), [
    ("Moved", "ing", "moving"), ("Built", "ing", "building"), ("Led", "ing", "leading"), ("migrate", "past",
                                                                                           "migrated"),
])
def test_a_verb_is_re_inflected_as_the_same_verb(word: str, form: Any, expected: str) -> None:
    assert inflect(word, form) == expected


def test_the_closed_list_has_no_relational_word_and_no_title() -> None:
    assert not {"at", "to", "from", "for", "with", "principal", "senior", "phd", "manager"} & set(CLOSED_LIST)


def test_the_model_sees_each_bullet_as_its_numbered_words(ada: dict[str, Any]) -> None:
    resume = tailor(ada, JobRequirements(title="Engineer", company="X"), strategy="experience_first", today=TODAY)
    first = numbered_bullets(rephrasable_bullets(resume)).splitlines()[0]
    assert first.startswith('{"index": 0, "words": [') and '"Moved"' in first


def test_apply_keeps_good_edits_refuses_bad_ones_and_the_verifier_judges_the_rest(ada: dict[str, Any]) -> None:
    resume = tailor(ada, JobRequirements(title="Engineer", company="X"), strategy="experience_first", today=TODAY)
    bullets = rephrasable_bullets(resume)
    data = next(i for i, b in enumerate(bullets) if b.text == DATA)
    team = next(i for i, b in enumerate(bullets) if b.text.startswith("Led a team"))
    answer = Rephrasing.model_validate({"bullets": [
        {"index": data, "pieces": [{"word": "increased"}, {"first": 8, "last": 15}]},  # listed, but not grounded
        {"index": team, "pieces": [{"first": 0, "last": 11}, {"word": "at google"}]},  # refused
    ]})
    rephrased, offers = apply(resume, answer)
    assert [o.refused is None for o in offers] == [True, False]
    assert offers[1].as_written.endswith("in Python at google")
    texts = {line.text: line for line in rephrasable_bullets(rephrased)}
    assert texts["Increased data latency from 24 hours to 2 minutes"].transform == "rephrased"
    [violation] = verify(ada, rephrased, today=TODAY)
    assert "'Increased'" in violation.reason


def test_a_line_rephrased_from_the_job_is_rejected(ada: dict[str, Any]) -> None:
    from processors.generation.model import Provenance
    from processors.generation.truthfulness import verify_lines

    line = Line(text="Harborline", provenance=[Provenance(path="job:/company", transform="rephrased")])
    assert verify_lines(ada, [line], job=JobRequirements(title="E", company="Harborline"))
