"""Greenhouse job board responses become postings; one bad job never costs the board."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors.discovery.errors import SourceParseError
from processors.discovery.model import SkippedItem
from processors.discovery.sources import greenhouse
from streams.errors import ResumeflowError
from streams.messages import BoardSource, Workplace

BOARDS = Path(__file__).resolve().parents[3] / "fixtures" / "boards"


@pytest.fixture
def payload() -> dict[str, Any]:
    return json.loads((BOARDS / "greenhouse_examplecorp.json").read_text())


def test_board_url_asks_for_content() -> None:
    assert (
        greenhouse.board_url("https://boards-api.greenhouse.io/", "examplecorp")
        == "https://boards-api.greenhouse.io/v1/boards/examplecorp/jobs?content=true"
    )
    assert greenhouse.board_url("https://b.test", "a/b") == "https://b.test/v1/boards/a%2Fb/jobs?content=true"


def test_well_formed_jobs_become_postings(payload: dict[str, Any]) -> None:
    postings = greenhouse.parse(payload, board_token="examplecorp")

    assert [p.source_job_id for p in postings] == ["4001", "4002", "4003"]
    first = postings[0]
    assert first.source is BoardSource.GREENHOUSE
    assert first.canonical_job_id == "greenhouse:examplecorp:4001"
    assert first.title == "Senior Backend Engineer"
    assert first.company == "ExampleCorp"
    assert first.locations == ["New York City, NY", "San Francisco, CA"]
    assert first.workplace is Workplace.HYBRID  # from the "Location Type" metadata
    assert (first.salary_min, first.salary_max, first.salary_currency) == (180_000, 220_000, "USD")
    assert first.posted_at == datetime(2026, 2, 13, 2, 6, 57, tzinfo=UTC)
    assert first.updated_at == datetime(2026, 3, 11, 0, 2, 20, tzinfo=UTC)
    assert first.url == first.apply_url == "https://job-boards.greenhouse.io/examplecorp/jobs/4001"


def test_escaped_content_becomes_text_and_inert_html(payload: dict[str, Any]) -> None:
    first, hostile, _ = greenhouse.parse(payload, board_token="examplecorp")

    assert first.description_text.startswith("Build reliable systems.\n\nYou have\n\n- Python\n- Kafka")
    assert first.description_html is not None
    assert first.description_html.startswith("<p>Build <strong>reliable</strong> systems.</p><h2>You have</h2>")
    assert hostile.description_text == "Hello\n\napply here"
    assert hostile.description_html == '<p>Hello</p>apply <a href="https://examplecorp.test/apply">here</a>'


def test_missing_optional_fields_fall_back(payload: dict[str, Any]) -> None:
    _, hostile, bare = greenhouse.parse(payload, board_token="examplecorp")

    assert hostile.company == "examplecorp"  # company_name null → board token
    assert hostile.workplace is Workplace.REMOTE  # no metadata → keyword in the location
    assert hostile.posted_at is None
    assert bare.locations == ["London"]  # no location → offices
    assert bare.description_text == "" and bare.description_html is None
    assert bare.workplace is Workplace.UNKNOWN


def test_malformed_jobs_are_skipped_with_a_warning(payload: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        postings = greenhouse.parse(payload, board_token="examplecorp")

    assert len(postings) == 3
    assert "missing absolute_url" in caplog.text
    assert "expected Mapping, got str" in caplog.text


def test_list_mode_without_content_has_no_description() -> None:
    job = {"id": 1, "title": "T", "absolute_url": "https://x.test/1", "location": {"name": "Paris"}}
    (posting,) = greenhouse.parse({"jobs": [job], "meta": {"total": 1}}, board_token="b")
    assert posting.description_text == ""
    assert posting.description_html is None


def test_duplicate_ids_keep_the_first() -> None:
    jobs = [{"id": 1, "title": t, "absolute_url": "https://x.test/1"} for t in ("First", "Second")]
    assert [p.title for p in greenhouse.parse({"jobs": jobs}, board_token="b")] == ["First"]


@pytest.mark.parametrize("payload", [[], {"jobs": None}, {"error": "not found"}, "jobs", None])
def test_wrong_shape_is_a_source_parse_error(payload: object) -> None:
    with pytest.raises(SourceParseError) as raised:
        greenhouse.parse(payload, board_token="examplecorp")
    assert isinstance(raised.value, ResumeflowError)


def test_tracking_is_dropped_from_links_but_the_job_parameter_kept() -> None:
    job = {"id": 4011, "title": "T", "absolute_url": "https://Acme.test/careers/?gh_jid=4011&gh_src=a1b2#app"}
    (posting,) = greenhouse.parse({"jobs": [job]}, board_token="acme")
    assert posting.url == posting.apply_url == "https://acme.test/careers?gh_jid=4011"


def test_a_salary_in_the_content_in_swiss_format_is_read_and_kept() -> None:
    content = "&lt;p&gt;Lohn: CHF 120’000 – 140’000 pro Jahr&lt;/p&gt;"
    job = {"id": 1, "title": "T", "absolute_url": "https://x.test/1", "content": content}
    (posting,) = greenhouse.parse({"jobs": [job]}, board_token="b")
    assert (posting.salary_min, posting.salary_max, posting.salary_currency) == (120_000, 140_000, "CHF")
    assert posting.salary_text == "Lohn: CHF 120’000 – 140’000 pro Jahr"


def test_content_that_cleaning_empties_is_reported_not_kept() -> None:
    skipped: list[SkippedItem] = []
    content = "&lt;!--&lt;p&gt;Weld&lt;/p&gt;--&gt;"
    job = {"id": 7, "title": "Welder", "absolute_url": "https://x.test/7", "content": content}
    assert greenhouse.parse({"jobs": [job]}, board_token="b", skipped=skipped) == []
    assert [(s.where, s.reason.split(",")[0], s.source_job_id) for s in skipped] == [
        ("item #1 (id 7, 'Welder')", "description is empty after cleaning", "7")]
