"""Ashby job boards become postings; unlisted jobs stay hidden."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors.discovery.errors import SourceParseError
from processors.discovery.sources import ashby
from streams.messages import BoardSource, Workplace

BOARDS = Path(__file__).resolve().parents[3] / "fixtures" / "boards"


@pytest.fixture
def payload() -> dict[str, Any]:
    return json.loads((BOARDS / "ashby_examplecorp.json").read_text())


def test_board_url() -> None:
    assert (
        ashby.board_url("https://api.ashbyhq.com", "examplecorp")
        == "https://api.ashbyhq.com/posting-api/job-board/examplecorp?includeCompensation=true"
    )


def test_listed_jobs_become_postings(payload: dict[str, Any]) -> None:
    postings = ashby.parse(payload, board_token="examplecorp")

    assert [p.title for p in postings] == ["Software Engineer, Growth", "Solutions Engineer", "Bare Minimum"]
    first = postings[0]
    assert first.source is BoardSource.ASHBY
    assert first.company == "examplecorp"
    assert first.locations == ["SF", "NY", "Seattle", "New York"]
    assert first.workplace is Workplace.UNKNOWN
    assert first.employment_type == "Full-time"
    assert (first.salary_min, first.salary_max, first.salary_currency) == (160_000, 210_000, "USD")
    assert first.posted_at == datetime(2025, 10, 30, 16, 47, 27, 463000, tzinfo=UTC)
    assert first.apply_url is not None and first.apply_url.endswith("/application")
    assert (
        first.description_text
        == "Ship growth features.\n\nYou may be a fit if\n\n- You like experiments\n- You like users"
    )


def test_compensation_summary_and_explicit_workplace(payload: dict[str, Any]) -> None:
    remote = ashby.parse(payload, board_token="examplecorp")[1]
    assert remote.workplace is Workplace.REMOTE
    assert remote.employment_type == "Contract"
    assert (remote.salary_min, remote.salary_max, remote.salary_currency) == (70_000, 90_000, "EUR")


def test_hostile_html_is_dropped(payload: dict[str, Any]) -> None:
    remote = ashby.parse(payload, board_token="examplecorp")[1]
    assert remote.description_text == "Travel to customers."
    assert remote.description_html == "<p>Travel to customers.</p>"


def test_missing_optional_fields(payload: dict[str, Any]) -> None:
    bare = ashby.parse(payload, board_token="examplecorp")[2]
    assert bare.locations == []
    assert bare.workplace is Workplace.ONSITE
    assert bare.description_text == "Plain only.\n\nSecond paragraph."
    assert bare.description_html is None
    assert bare.salary_min is None and bare.posted_at is None and bare.apply_url is None


def test_is_remote_without_workplace_type_means_remote() -> None:
    job = {"id": "1", "title": "T", "jobUrl": "https://x.test/1", "isRemote": True, "workplaceType": None}
    (posting,) = ashby.parse({"jobs": [job]}, board_token="b")
    assert posting.workplace is Workplace.REMOTE


def test_hourly_compensation_is_not_a_salary() -> None:
    compensation = {
        "compensationTierSummary": "$40 – $60 per hour",
        "summaryComponents": [
            {"compensationType": "Salary", "interval": "1 HOUR", "currencyCode": "USD", "minValue": 40, "maxValue": 60}
        ],
    }
    job = {"id": "1", "title": "T", "jobUrl": "https://x.test/1", "compensation": compensation}
    (posting,) = ashby.parse({"jobs": [job]}, board_token="b")
    assert posting.salary_min is None
    assert posting.salary_text == "$40 – $60 per hour"  # kept for a person to read


@pytest.mark.parametrize("payload", [[], {"jobs": "x"}, {"apiVersion": "1"}])
def test_wrong_shape_is_a_source_parse_error(payload: object) -> None:
    with pytest.raises(SourceParseError):
        ashby.parse(payload, board_token="examplecorp")


def test_a_summary_in_another_locale_s_format_is_read() -> None:
    compensation = {"compensationTierSummary": "€65.000 – €80.000 • Offers Equity"}
    job = {"id": "1", "title": "T", "jobUrl": "https://jobs.ashbyhq.com/b/1?utm_source=x", "compensation": compensation}
    (posting,) = ashby.parse({"jobs": [job]}, board_token="b")
    assert (posting.salary_min, posting.salary_max, posting.salary_currency) == (65_000, 80_000, "EUR")
    assert posting.salary_text == "€65.000 – €80.000 • Offers Equity"
    assert posting.url == "https://jobs.ashbyhq.com/b/1"
