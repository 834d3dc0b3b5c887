"""Postings imported from a file: JSON Lines or CSV.

JSON Lines: one object per line, fields named like `FetchedPosting`'s — `title`, `company`, `locations` (a list
or a "A; B" string; `location` is accepted too), `url`, `apply_url`, `description` (text or HTML) or
`description_html`, `source_job_id`, `workplace`, `employment_type`, `salary_min`, `salary_max`,
`salary_currency` or a free-text `salary`, `posted_at`, `updated_at`. Unknown fields are ignored.

CSV: a header row with the same names (`location` for the locations), or the Glassdoor export's columns
("Job Title", "Company Name", "Location", "Job Description", "Salary Estimate"), where "-1" means missing and
the company name may be followed by a newline and its rating ("Acme\\n3.8"); and JobSpy's export ("Job Title
(Primary)", "Salary Min", "Location City", "Is Remote", ...). Spreadsheets in other locales write other
dialects, so the delimiter (`,` `;` tab `|`) is detected with `csv.Sniffer` and checked against the header (the
delimiter whose header has a title column wins; Excel's `sep=;` first line is honoured); quoting is the standard
one every spreadsheet writes. The encoding is UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
text") or else Windows-1252. Salary amounts in any locale's format ("45.000,00") are read by `textkit.salary`;
a `salary` text is kept as written.

Unlike the board adapters, `parse` returns a `FileImport`: the postings plus every rejected line with its
reason, because the person importing the file must be told which lines to fix. A file as a whole is refused
(`SourceParseError`) only when it cannot be read as its format at all: a JSON array instead of JSON Lines, or a
CSV without a title column — then the message says which delimiter was tried and which columns it saw.

Without `source_job_id` the id is the sha1 of the url's canonical identity (`textkit.urls`: no tracking
parameters, case folded) and title — or, when the row has no url (Glassdoor exports have none), of title, company
and locations — so re-importing the same file yields the same ids, and one posting under two links is one.
"""

from __future__ import annotations

import contextlib
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
from processors.discovery.sources._common import (
    MalformedPosting,
    require_board_token,
    require_kept_text,
    validation_reason,
    with_canonical_links,
)
from streams import bounded_json
from streams.messages import BoardSource
from textkit.html_text import html_to_text, looks_like_html, normalize_text, sanitize_html
from textkit.normalize import clean_line, dedupe, detect_workplace, parse_time, split_locations, stable_id
from textkit.salary import parse_amount, read_salary
from textkit.urls import url_identity

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
    # JobSpy's export (Indeed, Google, LinkedIn listings) and other scrapers' column names.
    "salary min": "salary_min",
    "salary max": "salary_max",
    "min salary": "salary_min",
    "max salary": "salary_max",
    "currency": "salary_currency",
    "date posted": "posted_at",
    "job type": "employment_type",
    "is remote": "is_remote",
    "location city": "location_city",
    "location state": "location_state",
    "location country": "location_country",
    "city": "location_city",
    "state": "location_state",
    "country": "location_country",
}
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")  # "Job Title (Primary)", "Salary (EUR)"
_TRUE = frozenset({"true", "yes", "y", "1"})
# Glassdoor writes "-1" for an unknown value, and appends the rating to the company name.
_MISSING = frozenset({"", "-1", "n/a", "null", "none", "not provided", "unknown"})
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
        text = decode_file(text, board_token)
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
            posting = with_canonical_links(_posting(record, board_token))
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


def decode_file(data: bytes, board_token: str) -> str:
    """A file's text: UTF-8 (a BOM is dropped), UTF-16 when it starts with a BOM (Excel's "Unicode text" export),
    else Windows-1252, the encoding spreadsheets in Western European locales save CSV in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.warning("file import %s is not UTF-8; read as Windows-1252", board_token)
        return data.decode("cp1252", errors="replace")


_DELIMITERS = ",;\t|"
_SNIFF_CHARS = 64 * 1024
_EXCEL_SEPARATOR_LINE = re.compile(r"sep=(.)\r?\n")


def _csv_records(text: str, board_token: str) -> _Records:
    if not text.strip():
        return []
    dialect, text, first_line = _dialect(text, board_token)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise SourceParseError(f"file import {board_token}: unreadable CSV header: {exc}") from exc
    columns = [_column(name) for name in header]
    records: _Records = []
    while True:
        start = reader.line_num + first_line
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


def _column(name: str) -> str | None:
    """The record key a header cell names: its alias, else the alias of the name without a trailing remark in
    parentheses ("Job Title (Primary)")."""
    normal = " ".join(name.lower().split())
    return _COLUMN_ALIASES.get(normal) or _COLUMN_ALIASES.get(_PARENTHETICAL.sub("", normal))


def _dialect(text: str, board_token: str) -> tuple[type[csv.Dialect], str, int]:
    """The CSV dialect whose header names a title column: the sniffed one first, then each common delimiter
    (the one giving the most columns). Returns it, the text from the header on, and the header's line number.
    A file no dialect fits is refused with what each delimiter made of its first line."""
    first_line = 1
    declared = _EXCEL_SEPARATOR_LINE.match(text)
    if declared:  # Excel's "sep=;" line names the delimiter
        text, first_line = text[declared.end():], 2
    candidates: list[type[csv.Dialect]] = []
    if declared:
        candidates.append(_excel_with(declared[1]))
    else:
        # Only the Sniffer's delimiter is taken: spreadsheets in every locale quote the standard way, and its
        # guesses about quoting (`doublequote`) go wrong on long quoted descriptions.
        with contextlib.suppress(csv.Error):  # the Sniffer gives up on some files; the delimiters below remain
            candidates.append(_excel_with(csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=_DELIMITERS).delimiter))
    candidates += [_excel_with(delimiter) for delimiter in _DELIMITERS]
    seen: dict[str, list[str]] = {}
    fitting: list[tuple[int, int, type[csv.Dialect]]] = []
    for rank, dialect in enumerate(candidates):
        try:
            header = next(csv.reader(io.StringIO(text[:_SNIFF_CHARS], newline=""), dialect), [])
        except csv.Error:
            continue
        seen.setdefault(dialect.delimiter, header)
        if "title" in (_column(name) for name in header):
            # The sniffed (or declared) dialect first; among the others, the one splitting the header most.
            fitting.append((0 if rank == 0 else 1, -len(header), dialect))
    if fitting:
        return min(fitting, key=lambda fit: fit[:2])[2], text, first_line
    split = {d: h for d, h in seen.items() if len(h) > 1}
    whole = [_delimiter_name(d) for d, h in seen.items() if len(h) <= 1]
    shown = [f"with {_delimiter_name(d)} its first line has {len(h)} columns "
             f"{[clean_line(name)[:40] for name in h[:8]]}{' ...' if len(h) > 8 else ''}" for d, h in split.items()]
    if whole:
        first = next(iter(h for h in seen.values() if len(h) <= 1), [])
        shown.append(f"with {', '.join(whole)} it is one column {[clean_line(name)[:60] for name in first]}")
    raise SourceParseError(f"file import {board_token}: CSV header has no title column (expected a column named "
                           f"'title' or 'Job Title'): {'; '.join(shown)}")


def _excel_with(delimiter: str) -> type[csv.Dialect]:
    return type("Excel", (csv.excel,), {"delimiter": delimiter})


def _delimiter_name(delimiter: str) -> str:
    return {",": "',' (comma)", ";": "';' (semicolon)", "\t": "tab", "|": "'|' (pipe)"}.get(delimiter,
                                                                                          repr(delimiter))


def _posting(record: Mapping[str, Any], board_token: str) -> FetchedPosting:
    title = clean_line(_text(record, "title"))
    if not title:
        raise MalformedPosting("missing title")
    company = _text(record, "company") or ""
    company = clean_line(_TRAILING_RATING.sub("", company))
    url = clean_line(_text(record, "url"))
    locations = _locations(record.get("locations", record.get("location"))) or _place(record)
    description_text, description_html = _description(record)
    salary_min, salary_max, salary_currency, salary_text = _salary(record)
    require_kept_text(_text(record, "description_html") or _text(record, "description"), description_text)
    source_job_id = clean_line(_text(record, "source_job_id")) or (
        stable_id(url_identity(url), title) if url else stable_id(title, company, *locations)
    )
    workplace = _text(record, "workplace") or (
        "remote" if clean_line(_text(record, "is_remote")).lower() in _TRUE else None)
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
        salary_text=salary_text,
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


def _place(record: Mapping[str, Any]) -> list[str]:
    """One location from separate city, state and country columns ("Washington, PA, US")."""
    parts = [clean_line(_text(record, key)) for key in ("location_city", "location_state", "location_country")]
    place = ", ".join(part for part in parts if part)
    return [place] if place else []


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


def _salary(record: Mapping[str, Any]) -> tuple[int | None, int | None, str | None, str | None]:
    """`(min, max, currency, text)`: explicit amounts in any locale's format ("45.000,00"), else the `salary`
    text read when sure; the text is kept as written either way."""
    reading = read_salary(_text(record, "salary"))
    low, high = _amount(record, "salary_min"), _amount(record, "salary_max")
    if low is not None or high is not None:
        currency = clean_line(_text(record, "salary_currency")).upper() or None
        if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
            raise MalformedPosting(f"salary_currency must be a three-letter code, got {currency!r}")
        return low, high, currency, reading.text
    if reading.salary is None:
        return None, None, None, reading.text
    return reading.salary.minimum, reading.salary.maximum, reading.salary.currency, reading.text


def _amount(record: Mapping[str, Any], key: str) -> int | None:
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        if value.strip().lower() in _MISSING:
            return None
        amount = parse_amount(value)
        if amount is not None and re.fullmatch(r"\D{0,4}\d[\d\s.,'’\u00a0\u202f]*\D{0,4}", value.strip()):
            return round(amount)
    raise MalformedPosting(f"{key} must be a number, got {record.get(key)!r}")


def _time(record: Mapping[str, Any], key: str) -> datetime | None:
    text = _text(record, key)
    if text is None:
        return None
    parsed = parse_time(text)
    if parsed is None:
        raise MalformedPosting(f"{key} is not a date/time: {text!r}")
    return parsed
