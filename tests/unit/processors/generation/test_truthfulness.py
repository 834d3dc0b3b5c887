from __future__ import annotations

from typing import Any

import pytest

from processors.generation.model import Entry, Line, Provenance, TailoredResume
from processors.generation.tailoring import tailor
from processors.generation.truthfulness import fallback_to_profile_words, verify, verify_lines
from streams.messages import JobRequirements

from .conftest import TODAY

KAFKA = "/work/0/highlights/0"  # "Moved nightly batch jobs to Kafka streams, cutting data latency from 24 hours..."
TEAM = "/work/0/highlights/1"  # "Led a team of 4 engineers building the ingestion platform in Python"


def rephrased(text: str, *paths: str) -> Line:
    return Line(text=text, provenance=[Provenance(path=p, transform="rephrased") for p in paths])


def reasons(profile: dict[str, Any], line: Line) -> list[str]:
    return [v.reason for v in verify_lines(profile, [line], today=TODAY)]


@pytest.mark.parametrize("line", [
    rephrased("Reduced data latency from 24 hours to 2 minutes by moving batch jobs to Kafka streams", KAFKA),
    rephrased("Led 4 engineers building an ingestion platform in Python", TEAM),
    rephrased("Leading a team of four engineers on the Python ingestion platform", TEAM),
    rephrased("Built REST APIs serving 3M requests a day in Python and Postgres", "/work/1/highlights/0"),
    Line.verbatim("Senior Backend Engineer", "/work/0/position"),
    Line.selected("Python, Kafka", ["/skills/0/keywords/0", "/skills/0/keywords/1"]),
    Line.selected("Backend engineer who builds event-driven systems", ["/basics/summary"]),
    Line.template("2017-09 – 2021-02", ["/work/1/startDate", "/work/1/endDate"]),
    Line.template("Backend Engineer with 7+ years of experience, skilled in Python.",
                  ["/basics/label", "/work/0/startDate", "/work/1/startDate", "/work/1/endDate",
                   "/skills/0/keywords/0"]),
    Line.template("Experience"),
], ids=lambda line: line.text[:40])
def test_faithful_lines_are_accepted(ada: dict[str, Any], line: Line) -> None:
    assert reasons(ada, line) == []


@pytest.mark.parametrize(("line", "why"), [
    # an added skill
    (rephrased("Moved nightly batch jobs to Kafka streams written in Rust", KAFKA), "Rust"),
    (Line.selected("Python, Rust", ["/skills/0/keywords/0", "/skills/0/keywords/1"]), "cited text 'Kafka'"),
    (Line.template("Backend Engineer, skilled in Rust.", ["/basics/label"]), "Rust"),
    # a skill the profile states elsewhere, attached to a line that never claimed it (issue 17)
    (rephrased("Built REST APIs serving 3 million requests a day with Kafka", "/work/1/highlights/0"), "Kafka"),
    # a changed number (the profile says 24 hours → 2 minutes; Northwind: 3 million)
    (rephrased("Cut data latency by 90% by moving batch jobs to Kafka streams", KAFKA), "90"),
    (rephrased("Led a team of 12 engineers building the ingestion platform in Python", TEAM), "12"),
    (rephrased("Led a team of five engineers building the ingestion platform in Python", TEAM), "5"),
    # a new employer
    (rephrased("Led a team of 4 engineers at Google building the ingestion platform in Python", TEAM), "Google"),
    (Line.verbatim("Acme Corp", "/work/0/name"), "not the profile's text"),
    # a new degree
    (Line.selected("PhD, Computer Science", ["/education/0/area"]), "contiguous"),
    (rephrased("PhD in Computer Science", "/education/0/area"), "PhD"),
    (Line.template("MSc, Computer Science", ["/education/0/area"]), "MSc"),
    # an inflated title
    (Line.verbatim("Staff Engineer", "/work/0/position"), "not the profile's text"),
    (rephrased("Staff Backend Engineer leading the ingestion platform", "/work/0/position", TEAM), "Staff"),
    # a changed date
    (Line.template("2016-09 – 2021-02", ["/work/1/startDate", "/work/1/endDate"]), "2016"),
    (Line.verbatim("2016", "/education/0/endDate"), "not the profile's text"),
    # an inflated derived fact, and a path that does not exist
    (Line.template("Backend Engineer with 12+ years of experience.", ["/basics/label", "/work/1/startDate"]), "12"),
    (Line.verbatim("Built a compiler", "/work/0/highlights/7"), "does not contain"),
    (Line.template("Dear Acme hiring team,"), "Acme"),
], ids=lambda value: value.text[:40] if isinstance(value, Line) else value)
def test_untruthful_lines_are_rejected(ada: dict[str, Any], line: Line, why: str) -> None:
    found = reasons(ada, line)
    assert found, f"{line.text!r} was accepted"
    assert any(why in reason for reason in found), found


def test_a_years_claim_needs_today(ada: dict[str, Any]) -> None:
    line = Line.template("Backend Engineer with 7+ years of experience.", ["/basics/label", "/work/1/startDate"])

    assert verify_lines(ada, [line], today=TODAY) == []
    assert verify_lines(ada, [line]) != []


def test_job_facts_need_the_job(ada: dict[str, Any]) -> None:
    line = Line.template("Dear Harborline hiring team,", ["job:/company"])
    job = JobRequirements(title="Engineer", company="Harborline")

    assert verify_lines(ada, [line], job=job) == []
    assert "does not contain" in verify_lines(ada, [line])[0].reason


def test_rejected_rephrased_lines_fall_back_to_the_profile_words(ada: dict[str, Any]) -> None:
    resume = tailor(ada, JobRequirements(title="Engineer", company="X"), strategy="experience_first", today=TODAY)
    experience = resume.section("experience")
    assert experience is not None
    invented = rephrased("Cut data latency by 90% with Rust", KAFKA)
    fine = rephrased("Led 4 engineers building the ingestion platform in Python", TEAM)
    first = experience.entries[0].model_copy(update={"bullets": [invented, fine]})
    sections = [s.model_copy(update={"entries": [first, *s.entries[1:]]}) if s.kind == "experience" else s
                for s in resume.sections]
    tampered = resume.model_copy(update={"sections": sections})

    violations = verify(ada, tampered, today=TODAY)
    assert {v.line_text for v in violations} == {invented.text}
    repaired = fallback_to_profile_words(ada, tampered, violations)

    assert verify(ada, repaired, today=TODAY) == []
    bullets = repaired.section("experience").entries[0].bullets  # type: ignore[union-attr]
    assert bullets[0] == Line.verbatim(ada["work"][0]["highlights"][0], KAFKA)
    assert bullets[1] == fine


def test_other_rejected_lines_are_dropped(ada: dict[str, Any]) -> None:
    resume = TailoredResume(
        variant_id="x", strategy="skills_first", name=Line.verbatim("Ada Park", "/basics/name"), contact=[],
        sections=[{"kind": "experience", "title": "Experience", "entries": [Entry(
            heading=Line.verbatim("Staff Engineer", "/work/0/position"),
            bullets=[Line.verbatim(ada["work"][0]["highlights"][1], TEAM)])]}],  # type: ignore[list-item]
        pages=1)

    repaired = fallback_to_profile_words(ada, resume, verify(ada, resume))

    assert repaired.sections[0].entries[0].heading is None
    assert verify(ada, repaired) == []
