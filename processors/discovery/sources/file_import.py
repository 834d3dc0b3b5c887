"""Postings imported from a file: JSON Lines or CSV.

JSON Lines: one object per line, fields named like `FetchedPosting`'s — `title`, `company`, `locations` (a list
or a "A; B" string; `location` is accepted too), `url`, `apply_url`, `description` (text or HTML) or
`description_html`, `source_job_id`, `workplace`, `employment_type`, `salary_min`, `salary_max`,
`salary_currency` or a free-text `salary`, `posted_at`, `updated_at`. Unknown fields are ignored.

CSV: a header row with the same names (`location` for the locations), or the Glassdoor export's columns
("Job Title", "Company Name", "Location", "Job Description", "Salary Estimate"), where "-1" means missing and
the company name may be followed by a newline and its rating ("Acme\\n3.8").

Unlike the board adapters, `parse` returns a `FileImport`: the postings plus every rejected line with its
reason, because the person importing the file must be told which lines to fix. A file as a whole is refused
(`SourceParseError`) only when it cannot be read as its format at all: a JSON array instead of JSON Lines, or a
CSV without a title column.

Without `source_job_id` the id is the sha1 of url and title — or, when the row has no url (Glassdoor exports
have none), of title, company and locations — so re-importing the same file yields the same ids.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from processors.discovery.errors import SourceParseError
from processors.discovery.model import FetchedPosting
from processors.discovery.sources._common import MalformedPosting, require_board_token, validation_reason
from streams import bounded_json
from streams.messages import BoardSource
from textkit.html_text import html_to_text, looks_like_html, normalize_text, sanitize_html
from textkit.normalize import (
    clean_line,
    dedupe,
    detect_workplace,
    parse_salary,
    parse_time,
    split_locations,
    stable_id,
)

SOURCE = BoardSource.FILE
logger = logging.getLogger(__name__)

FileFormat = Literal["jsonl", "csv"]

# CSV header (lower-cased, single-spaced) → the record key it fills.
_COLUMN_ALIASES = {
    "title": "title",
    "job title": "title",
    "company": "company",
    "company name": "company",
    "location": "locations",
    "locations": "locations",
    "url": "url",
    "link": "url",
    "job url": "url",
    "apply url": "apply_url",
    "apply_url": "apply_url",
    "description": "description",
    "job description": "description",
    "description_html": "description_html",
    "source_job_id": "source_job_id",
    "id": "source_job_id",
    "job id": "source_job_id",
    "workplace": "workplace",
    "employment_type": "employment_type",
    "employment type": "employment_type",
    "type": "employment_type",
    "salary_min": "salary_min",
    "salary_max": "salary_max",
    "salary_currency": "salary_currency",
    "salary": "salary",
    "salary estimate": "salary",
    "posted_at": "posted_at",
    "updated_at": "updated_at",
}
# Glassdoor writes "-1" for an unknown value, and appends the rating to the company name.
_MISSING = frozenset({"", "-1", "n/a", "null", "none"})
_TRAILING_RATING = re.compile(r"\s*\n\s*\d(?:\.\d)?\s*$")


@dataclass(frozen=True)
class RejectedLine:
    """A line that did not become a posting. For CSV, `line_number` is the physical line the record starts on
    (a quoted description may span several lines); the header is line 1."""

    line_number: int
    reason: str


@dataclass(frozen=True)
class FileImport:
    postings: list[FetchedPosting] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)


def parse(text: str | bytes, *, board_token: str, fmt: FileFormat) -> FileImport:
    """The postings in an imported file, and the lines that were rejected (each also logged as a warning).

    `board_token` names the import (e.g. the file's name) and scopes the postings' canonical ids."""
    require_board_token(board_token)
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    text = text.removeprefix("\ufeff")
    if fmt == "jsonl":
        records = _jsonl_records(text, board_token)
    elif fmt == "csv":
        records = _csv_records(text, board_token)
    else:
        raise ValueError(f"unknown file format {fmt!r}; expected 'jsonl' or 'csv'")
    postings: list[FetchedPosting] = []
    rejected: list[RejectedLine] = []
    seen: set[str] = set()
    for line_number, record in records:
        try:
            if isinstance(record, str):
                raise MalformedPosting(record)
            posting = _posting(record, board_token)
            if posting.source_job_id in seen:
                raise MalformedPosting(f"duplicate source_job_id {posting.source_job_id}")
        except MalformedPosting as exc:
            reason = str(exc)
        except ValidationError as exc:
            reason = validation_reason(exc)
        except (TypeError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        else:
            seen.add(posting.source_job_id)
            postings.append(posting)
            continue
        logger.warning("file import %s: skipping line %d: %s", board_token, line_number, reason)
        rejected.append(RejectedLine(line_number, reason))
    return FileImport(postings, rejected)


# A record is the fields of one line, or the reason it could not even be read.
_Records = list[tuple[int, Mapping[str, Any] | str]]


def _jsonl_records(text: str, board_token: str) -> _Records:
    if text.lstrip().startswith("["):
        raise SourceParseError(f"file import {board_token}: this is a JSON array, not JSON Lines (one object a line)")
    records: _Records = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = bounded_json.loads(line, max_bytes=None)  # the file's size is bounded by the fetcher
        except bounded_json.JsonRefused as exc:
            records.append((line_number, f"not valid JSON: {exc}"))
            continue
        if isinstance(value, Mapping):
            records.append((line_number, value))
        else:
            records.append((line_number, f"expected a JSON object, got {type(value).__name__}"))
    return records


def _csv_records(text: str, board_token: str) -> _Records:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise SourceParseError(f"file import {board_token}: unreadable CSV header: {exc}") from exc
    columns = [_COLUMN_ALIASES.get(" ".join(name.lower().split())) for name in header]
    if "title" not in columns:
        raise SourceParseError(
            f"file import {board_token}: CSV header has no title column (expected 'title' or 'Job Title')"
        )
    records: _Records = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            records.append((start, f"unreadable CSV record: {exc}"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            records.append((start, f"expected {len(header)} columns, got {len(row)}"))
            continue
        record: dict[str, Any] = {}
        for key, cell in zip(columns, row, strict=True):
            if key is not None and cell.strip().lower() not in _MISSING and key not in record:
                record[key] = cell
        records.append((start, record))
    return records


def _posting(record: Mapping[str, Any], board_token: str) -> FetchedPosting:
    title = clean_line(_text(record, "title"))
    if not title:
        raise MalformedPosting("missing title")
    company = _text(record, "company") or ""
    company = clean_line(_TRAILING_RATING.sub("", company))
    url = clean_line(_text(record, "url"))
    locations = _locations(record.get("locations", record.get("location")))
    description_text, description_html = _description(record)
    salary_min, salary_max, salary_currency = _salary(record)
    source_job_id = clean_line(_text(record, "source_job_id")) or (
        stable_id(url, title) if url else stable_id(title, company, *locations)
    )
    workplace = _text(record, "workplace")
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=source_job_id,
        title=title,
        company=company,
        locations=locations,
        workplace=detect_workplace(*locations, title, explicit=workplace),
        employment_type=clean_line(_text(record, "employment_type")) or None,
        salary_min=salary_min,
        salary_max=salary_max,
        salary_currency=salary_currency,
        posted_at=_time(record, "posted_at"),
        updated_at=_time(record, "updated_at"),
        url=url,
        apply_url=clean_line(_text(record, "apply_url")) or None,
        description_text=description_text,
        description_html=description_html,
    )


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise MalformedPosting(f"{key} must be a string, got {type(value).__name__}")
    return None if value.strip().lower() in _MISSING else value


def _locations(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise MalformedPosting("locations must be strings")
        return dedupe(clean_line(item) for item in value if clean_line(item).lower() not in _MISSING)
    if isinstance(value, str):
        return [] if value.strip().lower() in _MISSING else split_locations(value)
    raise MalformedPosting(f"locations must be a list or a string, got {type(value).__name__}")


def _description(record: Mapping[str, Any]) -> tuple[str, str | None]:
    """`description` may be text or HTML; an explicit `description_html` is the kept HTML (and the text when
    there is no `description`)."""
    markup = _text(record, "description_html")
    description = _text(record, "description") or ""
    if looks_like_html(description):
        markup = markup or description
        text = html_to_text(description)
    else:
        text = normalize_text(description)
    if markup and not text:
        text = html_to_text(markup)
    return text, (sanitize_html(markup) or None) if markup else None


def _salary(record: Mapping[str, Any]) -> tuple[int | None, int | None, str | None]:
    low, high = _amount(record, "salary_min"), _amount(record, "salary_max")
    if low is not None or high is not None:
        currency = clean_line(_text(record, "salary_currency")).upper() or None
        if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
            raise MalformedPosting(f"salary_currency must be a three-letter code, got {currency!r}")
        return low, high, currency
    salary = parse_salary(_text(record, "salary"))
    return (salary.minimum, salary.maximum, salary.currency) if salary else (None, None, None)


def _amount(record: Mapping[str, Any], key: str) -> int | None:
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if value.strip().lower() in _MISSING:
            return None
        value = value.replace(",", "").strip()
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        raise MalformedPosting(f"{key} must be a number, got {record.get(key)!r}") from None


def _time(record: Mapping[str, Any], key: str) -> datetime | None:
    text = _text(record, key)
    if text is None:
        return None
    parsed = parse_time(text)
    if parsed is None:
        raise MalformedPosting(f"{key} is not a date/time: {text!r}")
    return parsed
