"""Greenhouse Job Board API: `GET {base}/v1/boards/{token}/jobs?content=true` → `{"jobs": [...], "meta": {...}}`.

`content` is HTML that Greenhouse sends entity-escaped (`&lt;p&gt;...`), so it is unescaped once before it is
read as HTML. Without `content=true` (list mode) postings simply have no description.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from processors.discovery.errors import SourceParseError
from processors.discovery.model import FetchedPosting, SkippedItem
from processors.discovery.sources._common import (
    MalformedPosting,
    build_postings,
    describe_job,
    job_id,
    list_field,
    object_field,
    require_board_token,
    require_kept_text,
    required_id,
    text_field,
)
from streams.messages import BoardSource
from textkit.html_text import html_to_text, sanitize_html
from textkit.normalize import clean_line, dedupe, detect_workplace, parse_time, split_locations
from textkit.salary import find_salary_statement

SOURCE = BoardSource.GREENHOUSE


def board_url(base: str, token: str) -> str:
    """The board's jobs with their descriptions, e.g. `https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true`."""
    return f"{base.rstrip('/')}/v1/boards/{quote(token, safe='')}/jobs?content=true"


def parse(payload: Any, *, board_token: str, skipped: list[SkippedItem] | None = None) -> list[FetchedPosting]:
    """Every well-formed job on the board; a malformed job is skipped with a warning (and listed in `skipped`)."""
    require_board_token(board_token)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("jobs"), list):
        raise SourceParseError(f"greenhouse board {board_token}: expected an object with a 'jobs' list")
    return build_postings(
        payload["jobs"], lambda job: _posting(job, board_token), source=SOURCE, board_token=board_token,
        skipped=skipped, describe=describe_job, identify=job_id,
    )


def _posting(job: Mapping[str, Any], board_token: str) -> FetchedPosting:
    url = text_field(job, "absolute_url")
    if url is None:
        raise MalformedPosting("missing absolute_url")
    title = clean_line(job.get("title"))
    location = clean_line(object_field(job, "location").get("name"))
    locations = split_locations(location)
    if not locations:
        locations = dedupe(clean_line(office.get("name")) for office in _objects(job, "offices"))
    content = text_field(job, "content")
    description_html = html.unescape(content) if content else None
    description_text = html_to_text(description_html) if description_html else ""
    require_kept_text(description_html, description_text)
    salary, salary_text = find_salary_statement(description_text)
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=required_id(job),
        title=title,
        company=clean_line(job.get("company_name")) or board_token,
        locations=locations,
        workplace=detect_workplace(location, title, explicit=_metadata(job, "location type")),
        employment_type=_metadata(job, "employment type"),
        salary_min=salary.minimum if salary else None,
        salary_max=salary.maximum if salary else None,
        salary_currency=salary.currency if salary else None,
        salary_text=salary_text,
        posted_at=parse_time(job.get("first_published")),
        updated_at=parse_time(job.get("updated_at")),
        url=url.strip(),
        apply_url=url.strip(),
        description_text=description_text,
        description_html=(sanitize_html(description_html) or None) if description_html else None,
    )


def _objects(job: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [value for value in list_field(job, key) if isinstance(value, Mapping)]


def _metadata(job: Mapping[str, Any], name: str) -> str | None:
    """A board's custom field by (case-insensitive) name, when its value is a non-empty string."""
    for field in _objects(job, "metadata"):
        if clean_line(field.get("name")).lower() == name:
            value = clean_line(field.get("value")) if isinstance(field.get("value"), str) else ""
            return value or None
    return None
