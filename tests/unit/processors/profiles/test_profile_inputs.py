"""Profiles people really have: dates that do not exist, and files written for JSON Resume before 1.0."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from processors.generation.tailoring import tailor
from processors.profiles.step import step, user_id_for_email
from streams.messages import JobRequirements, ProfileRejected, UserCommand, UserCommandKind, UserProfile
from tests.conftest import FIXTURES
from textkit.profile_check import check_profile, profile_problems

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
EMAIL = "ada.park@example.org"


def ada() -> dict[str, Any]:
    return json.loads((FIXTURES / "profile_ada.json").read_text())


def register(profile: dict[str, Any], event_id: str = "c-1") -> list[Any]:
    command = UserCommand(event_id=event_id, user_id=user_id_for_email(EMAIL), occurred_at=NOW,
                          kind=UserCommandKind.REGISTER_USER, email=EMAIL, profile_json=json.dumps(profile))
    return step(None, command, now=NOW)[1]


def test_month_13_is_refused_with_a_clear_message() -> None:
    profile = ada()
    profile["work"][1]["endDate"] = "2020-13"

    [event] = register(profile)

    assert isinstance(event, ProfileRejected)
    assert event.reasons == [
        "/work/1/endDate: '2020-13' is not a date: there is no month 13 (months run from 01 to 12)"]


@pytest.mark.parametrize(("end", "reason"), [
    ("Present", "/work/1/endDate: 'Present' is not a date: for a current role, leave endDate out"),
    ("2021-02-30", "/work/1/endDate: '2021-02-30' is not a date: February 2021 has no day 30"),
    ("2016-01", "/work/1: it ends (2016-01) before it starts (2017-09)"),
])
def test_dates_that_do_not_exist_are_refused_once_each(end: str, reason: str) -> None:
    profile = ada()
    profile["work"][1]["endDate"] = end

    assert profile_problems(json.dumps(profile)) == [reason]


def test_a_date_of_another_section_is_checked_too() -> None:
    profile = {**ada(), "certificates": [{"name": "CKA", "date": "2022-19"}]}

    assert profile_problems(json.dumps(profile)) == [
        "/certificates/0/date: '2022-19' is not a date: there is no month 19 (months run from 01 to 12)"]


def legacy_profile() -> dict[str, Any]:
    """Ada's profile as a JSON Resume 0.0.x file writes it: `company` and `website`."""
    profile = ada()
    for job in profile["work"]:
        job["company"] = job.pop("name")
    profile["work"][0]["website"] = "https://tidewater.example"
    profile["basics"]["website"] = "https://ada.example.org"
    return profile


def test_older_field_names_are_mapped_and_the_user_is_told() -> None:
    [event] = register(legacy_profile())

    assert isinstance(event, UserProfile)
    published = json.loads(event.profile_json)
    assert [job["name"] for job in published["work"]] == ["Tidewater Analytics", "Northwind Labs"]
    assert "company" not in published["work"][0] and published["work"][0]["url"] == "https://tidewater.example"
    assert published["basics"]["url"] == "https://ada.example.org"
    assert event.profile_notes == [
        "/basics/website: read as 'url' (the name JSON Resume 1.0 uses)",
        "/work/0/company: read as 'name' (the name JSON Resume 1.0 uses)",
        "/work/0/website: read as 'url' (the name JSON Resume 1.0 uses)",
        "/work/1/company: read as 'name' (the name JSON Resume 1.0 uses)",
    ]


def test_the_employer_line_of_an_older_file_reaches_the_resume() -> None:
    [event] = register(legacy_profile())
    assert isinstance(event, UserProfile)

    resume = tailor(json.loads(event.profile_json), JobRequirements(title="Engineer", company="X"),
                    strategy="experience_first")

    experience = resume.section("experience")
    assert experience is not None
    assert [(e.subheading.text, e.subheading.paths) for e in experience.entries if e.subheading] == [
        ("Tidewater Analytics", ["/work/0/name"]), ("Northwind Labs", ["/work/1/name"])]


def test_a_redelivered_command_publishes_the_same_mapped_profile() -> None:
    profile = legacy_profile()
    command = UserCommand(event_id="c-1", user_id=user_id_for_email(EMAIL), occurred_at=NOW,
                          kind=UserCommandKind.REGISTER_USER, email=EMAIL, profile_json=json.dumps(profile))
    cell, [first] = step(None, command, now=NOW)

    _, [again] = step(cell, command, now=NOW)

    assert again == first


def test_an_older_and_a_newer_name_with_different_values_are_refused() -> None:
    profile = ada()
    profile["work"][0]["company"] = "Tidewater Holdings"

    [event] = register(profile)

    assert isinstance(event, ProfileRejected)
    assert event.reasons == [
        "/work/0: both 'company' ('Tidewater Holdings') and 'name' ('Tidewater Analytics') are given; 'company' is "
        "the name before JSON Resume 1.0 for 'name': keep one"]


def test_a_profile_without_older_names_is_published_as_written() -> None:
    text = (FIXTURES / "profile_ada.json").read_text()

    checked = check_profile(text)

    assert checked.problems == [] and checked.notes == [] and checked.profile_json == text
