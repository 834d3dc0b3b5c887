"""Imported JSON Lines and CSV files become postings; every rejected line is reported with its reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors.discovery.errors import SourceParseError
from processors.discovery.sources import file_import
from processors.discovery.sources.file_import import RejectedLine
from streams.messages import BoardSource, Workplace

BOARDS = Path(__file__).resolve().parents[3] / "fixtures" / "boards"


def test_jsonl_postings_and_rejected_lines() -> None:
    result = file_import.parse((BOARDS / "postings.jsonl").read_text(), board_token="delta.jsonl", fmt="jsonl")

    assert [p.title for p in result.postings] == ["Backend Engineer", "Frontend Engineer", "Minimal"]
    assert [(r.line_number, r.reason.split(":")[0]) for r in result.rejected] == [
        (4, "missing title"),
        (5, "not valid JSON"),
        (6, "expected a JSON object, got list"),
        (7, "posted_at is not a date/time"),
    ]
    backend, frontend, minimal = result.postings
    assert backend.source is BoardSource.FILE
    assert backend.canonical_job_id == "file:delta.jsonl:d-1"
    assert backend.locations == ["Berlin, DE", "Remote - EU"]
    assert backend.workplace is Workplace.HYBRID
    assert (backend.salary_min, backend.salary_max, backend.salary_currency) == (70_000, 90_000, "EUR")
    assert backend.posted_at == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert backend.description_text == "Go & Postgres"
    assert backend.description_html == "<p>Go &amp; Postgres</p>"
    assert frontend.locations == ["Paris, FR", "Lyon, FR"]
    assert (frontend.salary_min, frontend.salary_max, frontend.salary_currency) == (55_000, 65_000, "EUR")
    assert frontend.description_text == "Plain text.\nSecond line."
    assert frontend.description_html is None
    assert minimal.company == "" and minimal.locations == [] and minimal.description_text == ""


def test_ids_without_source_job_id_are_stable() -> None:
    text = (BOARDS / "postings.jsonl").read_text()
    first = file_import.parse(text, board_token="delta.jsonl", fmt="jsonl").postings
    again = file_import.parse(text, board_token="delta.jsonl", fmt="jsonl").postings
    assert [p.canonical_job_id for p in first] == [p.canonical_job_id for p in again]
    assert len({p.source_job_id for p in first}) == len(first)


def test_glassdoor_csv() -> None:
    result = file_import.parse((BOARDS / "postings.csv").read_text(), board_token="glassdoor.csv", fmt="csv")

    assert [p.title for p in result.postings] == ["Sr Data Scientist", "Data Scientist", "Analyst"]
    # The multi-line first record spans lines 2-5, so the untitled record starts on line 7.
    assert result.rejected == [RejectedLine(7, "missing title")]
    senior, hourly, analyst = result.postings
    assert senior.company == "Healthfirst"  # the "\n3.1" rating is dropped
    assert senior.locations == ["New York, NY"]
    assert (senior.salary_min, senior.salary_max, senior.salary_currency) == (137_000, 171_000, "USD")
    assert senior.description_text == "Description\n\nThe Senior Data Scientist is responsible for models."
    assert senior.url == ""
    assert hourly.salary_min is None  # "$17-$24 Per Hour"
    assert hourly.workplace is Workplace.REMOTE
    assert hourly.description_text == "Hourly role"
    assert hourly.description_html == "<p>Hourly role</p>"
    assert analyst.company == "" and analyst.locations == [] and analyst.description_text == ""  # "-1" = missing


def test_plain_csv_columns() -> None:
    text = (
        "title,company,location,url,description,workplace,salary_min,salary_max,salary_currency,posted_at\n"
        "Baker,Crumb,Paris; Lyon,https://crumb.test/1,Bake,on-site,30000,40000,eur,2026-02-01T00:00:00Z\n"
        "Baker,Crumb,Paris,https://crumb.test/1,Same url and title,,,,,\n"
        "Cook,Crumb,Paris,https://crumb.test/2,Cook,,lots,,,\n"
        "Short,row\n"
    )
    result = file_import.parse(text, board_token="crumb.csv", fmt="csv")
    (baker,) = result.postings
    assert baker.locations == ["Paris", "Lyon"]
    assert baker.workplace is Workplace.ONSITE
    assert (baker.salary_min, baker.salary_max, baker.salary_currency) == (30_000, 40_000, "EUR")
    assert [(r.line_number, r.reason.split(" ")[0]) for r in result.rejected] == [
        (3, "duplicate"),
        (4, "salary_min"),
        (5, "expected"),
    ]


def test_bytes_with_bom_are_accepted() -> None:
    text = '\ufeff{"title": "A", "url": "https://a.test"}\n'.encode()
    assert [p.title for p in file_import.parse(text, board_token="a", fmt="jsonl").postings] == ["A"]


def test_json_array_is_refused_as_a_whole() -> None:
    with pytest.raises(SourceParseError, match="JSON array"):
        file_import.parse('[{"title": "A"}]', board_token="a.jsonl", fmt="jsonl")


def test_csv_without_title_column_is_refused_as_a_whole() -> None:
    with pytest.raises(SourceParseError, match="title column"):
        file_import.parse("name,url\nA,https://a.test\n", board_token="a.csv", fmt="csv")


def test_empty_files_have_no_postings() -> None:
    assert file_import.parse("", board_token="a", fmt="csv") == file_import.FileImport()
    assert file_import.parse("\n\n", board_token="a", fmt="jsonl") == file_import.FileImport()


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown file format"):
        file_import.parse("", board_token="a", fmt="xml")  # type: ignore[arg-type]


def test_a_line_nested_too_deep_is_rejected_with_the_reason_not_a_crash() -> None:
    deep = '{"title": ' + "[" * 10_000 + "]" * 10_000 + "}"
    imported = file_import.parse(deep + "\n", board_token="deep.jsonl", fmt="jsonl")
    assert imported.postings == [] and "nested 10001 levels deep" in imported.rejected[0].reason
