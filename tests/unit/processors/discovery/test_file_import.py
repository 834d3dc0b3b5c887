"""Imported JSON Lines and CSV files become postings; every rejected line is reported with its reason."""

from __future__ import annotations

import csv
import io
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


def test_a_semicolon_export_from_a_german_spreadsheet_is_read() -> None:
    """The issue's example: a header that starts with `title`, refused because it was split on commas."""
    result = file_import.parse((BOARDS / "postings_de.csv").read_text(), board_token="nord.csv", fmt="csv")

    backend, data = result.postings
    assert backend.title == "Backend-Entwickler (m/w/d)" and backend.locations == ["Hamburg"]
    assert backend.description_text == "Wir bauen Plattformen; du hilfst.\nMit Kafka und Python."
    # Amounts in German format are read as such, not as 45.0; the salary text is kept as written.
    assert (backend.salary_min, backend.salary_max, backend.salary_currency) == (45_000, 55_000, "EUR")
    assert backend.salary_text == "45.000,00 – 55.000,00 € pro Jahr"
    assert backend.url == "https://nordlicht.example.test/jobs/1"  # tracking parameter gone
    # A monthly pay is no yearly salary: none, and the text kept for a person to read.
    assert (data.salary_min, data.salary_max, data.salary_text) == (None, None, "€4.500 brutto monatlich")
    assert [(r.line_number, r.reason) for r in result.rejected] == [(5, "salary_min must be a number, got 'viel'")]


def test_excel_unicode_text_is_tab_separated_utf16() -> None:
    text = "Job Title\tCompany Name\tLocation\tSalary Estimate\r\nDatenanalyst\tMüller AG\tMünchen\t€60k–70k\r\n"
    (posting,) = file_import.parse(text.encode("utf-16"), board_token="export.txt", fmt="csv").postings
    assert (posting.title, posting.company, posting.locations) == ("Datenanalyst", "Müller AG", ["München"])
    assert (posting.salary_min, posting.salary_max, posting.salary_currency) == (60_000, 70_000, "EUR")


def test_a_windows_1252_file_is_read_without_replacement_characters() -> None:
    text = "titre;entreprise;title;location\nIngénieur;Société Générale;Ingénieur logiciel;Montréal\n"
    (posting,) = file_import.parse(text.encode("cp1252"), board_token="fr.csv", fmt="csv").postings
    assert (posting.title, posting.locations) == ("Ingénieur logiciel", ["Montréal"])


def test_excel_s_separator_line_names_the_delimiter_and_counts_as_a_line() -> None:
    text = "sep=|\ntitle|company|url\nBaker|Crumb|https://crumb.test/1\n|Crumb|https://crumb.test/2\n"
    result = file_import.parse(text, board_token="crumb.csv", fmt="csv")
    assert [p.title for p in result.postings] == ["Baker"]
    assert result.rejected == [RejectedLine(4, "missing title")]


def test_one_column_files_and_quoted_delimiters_are_read() -> None:
    assert [p.title for p in file_import.parse("title\nBaker\nCook\n", board_token="a", fmt="csv").postings] == [
        "Baker", "Cook"]
    text = 'title,company,location\n"Chef, Sous","Crumb; Co","Paris; Lyon"\n'
    (chef,) = file_import.parse(text, board_token="b", fmt="csv").postings
    assert (chef.title, chef.company, chef.locations) == ("Chef, Sous", "Crumb; Co", ["Paris", "Lyon"])


def test_a_refused_csv_says_what_was_seen() -> None:
    with pytest.raises(SourceParseError) as refused:
        file_import.parse("name;link;pay\nA;https://a.test;1\n", board_token="a.csv", fmt="csv")
    message = str(refused.value)
    assert "no title column (expected a column named 'title' or 'Job Title')" in message
    assert "with ';' (semicolon) its first line has 3 columns ['name', 'link', 'pay']" in message
    assert "with ',' (comma), tab, '|' (pipe) it is one column ['name;link;pay']" in message


def test_rows_under_tracking_links_are_one_posting() -> None:
    text = ("title,company,url\nBaker,Crumb,https://crumb.test/jobs/1?utm_source=x\n"
            "Baker,Crumb,https://CRUMB.test/jobs/1/#apply\nBaker,Crumb,https://crumb.test/jobs/1?gh_src=li\n")
    result = file_import.parse(text, board_token="crumb.csv", fmt="csv")
    (baker,) = result.postings
    assert baker.url == "https://crumb.test/jobs/1"
    assert [(r.line_number, r.reason.split(" ")[0]) for r in result.rejected] == [(3, "duplicate"), (4, "duplicate")]


def test_a_description_that_cleaning_emptied_is_rejected_with_the_reason() -> None:
    text = '{"title": "Werkstudent", "url": "https://x.test/1", "description": "<!--<p>Marketing in Kiel</p>-->"}\n'
    result = file_import.parse(text, board_token="x.jsonl", fmt="jsonl")
    assert result.postings == [] and result.rejected[0].reason.startswith("description is empty after cleaning")


def test_a_jobspy_export_is_read() -> None:
    """JobSpy (the scraper many job seekers use for Indeed, Google and LinkedIn) names its columns its own way:
    a remark in parentheses, separate city, state and country, a remote flag, "Not Provided" for missing."""
    text = (
        "Job ID,Job Title (Primary),Company Name,Industry,Job Type,Is Remote,Currency,Salary Min,Salary Max,"
        "Date Posted,Location City,Location State,Location Country,Job URL,Job Description,Job Source\n"
        "in-04cb,Climbing Director,YMCA of Central New York,Not Provided,PART_TIME,False,USD,52000.0,61000.0,"
        "2025-03-09,Fayetteville,NY,US,https://www.indeed.com/viewjob?jk=04cb&from=serp,Lead climbing.,indeed\n"
        "go-yjUX,Field Service Engineer,Abbott Laboratories,Not Provided,CONTRACT,True,,,,2025-03-09,Washington,PA,"
        "Unknown,https://www.jobs.abbott/us/en/job/31112010?utm_source=google,Service automation.,google\n"
    )
    director, engineer = file_import.parse(text, board_token="jobspy.csv", fmt="csv").postings
    assert (director.source_job_id, director.title, director.locations) == (
        "in-04cb", "Climbing Director", ["Fayetteville, NY, US"])
    assert (director.salary_min, director.salary_max, director.salary_currency) == (52_000, 61_000, "USD")
    assert director.posted_at == datetime(2025, 3, 9, tzinfo=UTC) and director.employment_type == "PART_TIME"
    assert director.workplace is Workplace.UNKNOWN
    assert engineer.workplace is Workplace.REMOTE and engineer.locations == ["Washington, PA"]
    assert engineer.url == "https://www.jobs.abbott/us/en/job/31112010"


def test_doubled_quotes_in_long_descriptions_stay_inside_their_field() -> None:
    """csv.Sniffer guesses `doublequote=False` for a file like this (it would split every row); only its
    delimiter is taken, the quoting is the standard one spreadsheets write."""
    description = 'About us\n\nWe say "hello, world" a lot, and "ship" often.\nApply today, please.'
    out = io.StringIO()
    csv.writer(out).writerows([["Job Title", "Company Name", "Location", "Job Description"],
                               *[[f"Data Scientist {n}", "Acme, Inc.", "Austin, TX", description] for n in range(3)]])
    result = file_import.parse(out.getvalue(), board_token="gd.csv", fmt="csv")
    assert result.rejected == []
    assert [p.description_text for p in result.postings] == [
        'About us\n\nWe say "hello, world" a lot, and "ship" often.\nApply today, please.'] * 3
