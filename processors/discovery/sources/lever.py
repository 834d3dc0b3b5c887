"""Lever Postings API: `GET {base}/v0/postings/{site}?mode=json&skip=N&limit=M` → a JSON array of postings.

Lever pages: the HTTP layer asks for `PAGE_SIZE` at a time and stops at the first page with fewer items, then
hands each page (or their concatenation) to `parse`. Lever has no company-name field, so the site token is the
company. `lists` carry the requirements/responsibilities sections, each `{text, content}` with `content` a run of
`<li>` items.
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
from textkit.html_text import html_to_text, normalize_text, sanitize_html
from textkit.normalize import clean_line, dedupe, detect_workplace, parse_time, split_locations
from textkit.salary import Salary, find_salary_statement

SOURCE = BoardSource.LEVER
PAGE_SIZE = 100


def page_url(base: str, site: str, skip: int, limit: int = PAGE_SIZE) -> str:
    """One page of a site's postings, e.g. `https://api.lever.co/v0/postings/acme?mode=json&skip=0&limit=100`."""
    return f"{base.rstrip('/')}/v0/postings/{quote(site, safe='')}?mode=json&skip={skip}&limit={limit}"


def parse(payload: Any, *, board_token: str, skipped: list[SkippedItem] | None = None) -> list[FetchedPosting]:
    """Every well-formed posting in a page (or in all pages concatenated); malformed ones are skipped."""
    require_board_token(board_token)
    if not isinstance(payload, list):
        detail = f": {payload.get('error')}" if isinstance(payload, Mapping) and payload.get("error") else ""
        raise SourceParseError(f"lever site {board_token}: expected a JSON array of postings{detail}")
    return build_postings(payload, lambda item: _posting(item, board_token), source=SOURCE, board_token=board_token,
                          skipped=skipped, describe=describe_job, identify=job_id)


def _posting(item: Mapping[str, Any], board_token: str) -> FetchedPosting:
    url = text_field(item, "hostedUrl")
    if url is None:
        raise MalformedPosting("missing hostedUrl")
    title = clean_line(item.get("text"))
    categories = object_field(item, "categories")
    location = clean_line(categories.get("location"))
    all_locations = [clean_line(value) for value in list_field(categories, "allLocations") if isinstance(value, str)]
    locations = dedupe([*split_locations(location), *all_locations])
    description_text = _description_text(item)
    raw_html = _description_html(item)
    require_kept_text(raw_html or text_field(item, "descriptionPlain"), description_text)
    structured, structured_text = _salary(object_field(item, "salaryRange"))
    found, found_text = find_salary_statement(description_text)
    salary = structured or found
    salary_text = clean_line(text_field(item, "salaryDescriptionPlain")) or structured_text or found_text
    description_html = sanitize_html(raw_html) or None
    apply_url = text_field(item, "applyUrl")
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=required_id(item),
        title=title,
        company=board_token,
        locations=locations,
        workplace=detect_workplace(location, *all_locations, title, explicit=text_field(item, "workplaceType")),
        employment_type=clean_line(categories.get("commitment")) or None,
        salary_min=salary.minimum if salary else None,
        salary_max=salary.maximum if salary else None,
        salary_currency=salary.currency if salary else None,
        salary_text=salary_text or None,
        posted_at=parse_time(item.get("createdAt")),
        updated_at=parse_time(item.get("updatedAt")),
        url=url.strip(),
        apply_url=apply_url.strip() if apply_url else None,
        description_text=description_text,
        description_html=description_html,
    )


def _lists(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (clean_line(entry.get("text")), entry.get("content") if isinstance(entry.get("content"), str) else "")
        for entry in list_field(item, "lists")
        if isinstance(entry, Mapping)
    ]


def _plain_or_html(item: Mapping[str, Any], plain_key: str, html_key: str) -> str:
    plain = text_field(item, plain_key)
    if plain is not None:
        return normalize_text(plain)
    markup = text_field(item, html_key)
    return html_to_text(markup) if markup else ""


def _description_text(item: Mapping[str, Any]) -> str:
    sections = [_plain_or_html(item, "descriptionPlain", "description")]
    for heading, content in _lists(item):
        sections.append("\n".join(part for part in (heading, html_to_text(content)) if part))
    sections.append(_plain_or_html(item, "additionalPlain", "additional"))
    return "\n\n".join(section for section in sections if section)


def _description_html(item: Mapping[str, Any]) -> str:
    parts = [text_field(item, "description") or ""]
    for heading, content in _lists(item):
        if heading:
            parts.append(f"<h3>{html.escape(heading)}</h3>")
        if content:
            parts.append(f"<ul>{content}</ul>")
    parts.append(text_field(item, "additional") or "")
    return "".join(parts)


def _salary(salary_range: Mapping[str, Any]) -> tuple[Salary | None, str | None]:
    """Lever's structured range: the salary only when it is yearly (`interval` "per-year-salary"), and the range
    as text either way ("50000–70000 USD per-hour-wage" is kept, not read as a yearly salary)."""
    low, high = salary_range.get("min"), salary_range.get("max")
    currency = clean_line(salary_range.get("currency")).upper()
    interval = clean_line(salary_range.get("interval")).lower()
    numbers = [int(value) for value in (low, high) if isinstance(value, int | float) and not isinstance(value, bool)]
    if not numbers:
        return None, None
    text = clean_line(f"{'–'.join(f'{n:,}' for n in dict.fromkeys(numbers))} {currency} {interval}")
    if "year" not in interval or len(currency) != 3 or min(numbers) <= 0:
        return None, text
    return Salary(min(numbers), max(numbers), currency), text
