"""Lever postings pages become postings, with lists folded into the description."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors.discovery.errors import SourceParseError
from processors.discovery.sources import lever
from streams.messages import BoardSource, Workplace

BOARDS = Path(__file__).resolve().parents[3] / "fixtures" / "boards"


@pytest.fixture
def payload() -> list[dict[str, Any]]:
    return json.loads((BOARDS / "lever_example.json").read_text())


def test_page_url() -> None:
    assert lever.PAGE_SIZE == 100
    assert (
        lever.page_url("https://api.lever.co/", "example", 200, 100)
        == "https://api.lever.co/v0/postings/example?mode=json&skip=200&limit=100"
    )
    assert lever.page_url("https://api.lever.co", "example", 0).endswith("skip=0&limit=100")


def test_postings_are_read(payload: list[dict[str, Any]]) -> None:
    first, second, bare = lever.parse(payload, board_token="example")

    assert first.source is BoardSource.LEVER
    assert first.canonical_job_id == "lever:example:5f0c1d2e-0001-4a5b-9c8d-000000000001"
    assert first.title == "Data Engineer"
    assert first.company == "example"
    assert first.locations == ["San Francisco, CA", "Remote - US"]
    assert first.workplace is Workplace.HYBRID
    assert first.employment_type == "Full-time"
    # The structured yearly range wins over the text in `additional`.
    assert (first.salary_min, first.salary_max, first.salary_currency) == (150_000, 180_000, "USD")
    assert first.posted_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert first.url.startswith("https://jobs.lever.co/example/")
    assert first.apply_url is not None and first.apply_url.endswith("/apply")
    assert second.workplace is Workplace.REMOTE  # "unspecified" → location keyword
    assert bare.locations == [] and bare.employment_type is None and bare.posted_at is None


def test_description_joins_plain_text_lists_and_additional(payload: list[dict[str, Any]]) -> None:
    first = lever.parse(payload, board_token="example")[0]
    assert first.description_text == (
        "We move data.\n\nFast.\n\nWhat you'll do\n- Build pipelines\n- Own quality\n\nRequirements\n- SQL\n\n"
        "Salary: $140,000 - $170,000 per year"
    )
    assert first.description_html == (
        "We move data.\nFast.\n<h3>What you'll do</h3><ul><li>Build pipelines</li><li>Own <b>quality</b></li></ul>"
        "<h3>Requirements</h3><ul><li>SQL</li></ul><p>Salary: $140,000 - $170,000 per year</p>"
    )


def test_hostile_html_is_neutralized_and_hourly_range_ignored(payload: list[dict[str, Any]]) -> None:
    second = lever.parse(payload, board_token="example")[1]
    assert second.description_text == "Help users\n\nx\n\nThanks"
    assert second.description_html == "<p>Help users</p>x<p>Thanks</p>"
    assert second.salary_min is None and second.salary_currency is None


def test_posting_without_title_is_skipped(payload: list[dict[str, Any]], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        postings = lever.parse(payload, board_token="example")
    assert len(postings) == 3
    assert "title" in caplog.text


def test_empty_page_is_no_postings() -> None:
    assert lever.parse([], board_token="example") == []


@pytest.mark.parametrize("payload", [{"ok": False, "error": "Document not found"}, {"jobs": []}, None, "[]"])
def test_non_array_is_a_source_parse_error(payload: object) -> None:
    with pytest.raises(SourceParseError):
        lever.parse(payload, board_token="example")


def test_an_hourly_range_is_no_salary_but_is_kept_as_text() -> None:
    item = {"id": "h1", "text": "Barista", "hostedUrl": "https://jobs.lever.co/example/h1?lever-source=LinkedIn",
            "salaryRange": {"min": 18, "max": 22, "currency": "USD", "interval": "per-hour-wage"}}
    (posting,) = lever.parse([item], board_token="example")
    assert (posting.salary_min, posting.salary_max, posting.salary_text) == (None, None, "18–22 USD per-hour-wage")
    assert posting.url == "https://jobs.lever.co/example/h1"
