"""Ashby Posting API: `GET {base}/posting-api/job-board/{name}?includeCompensation=true` →
`{"jobs": [...], "apiVersion": ...}`.

Jobs with `isListed: false` are skipped (the board hides them). The payload has no company name, so the board
name is the company. Locations join `location` (which may itself list several: "SF / NY") with
`secondaryLocations[].location`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from processors.discovery.errors import SourceParseError
from processors.discovery.model import FetchedPosting, SkippedItem
from processors.discovery.sources._common import (
    MalformedPosting,
    build_postings,
    describe_job,
    description_fields,
    job_id,
    list_field,
    object_field,
    require_board_token,
    require_kept_text,
    required_id,
    text_field,
)
from streams.messages import BoardSource
from textkit.html_text import normalize_text
from textkit.normalize import clean_line, dedupe, detect_workplace, parse_time, split_locations
from textkit.salary import Salary, find_salary_statement, read_salary

SOURCE = BoardSource.ASHBY

_EMPLOYMENT_TYPES = {
    "FullTime": "Full-time",
    "PartTime": "Part-time",
    "Intern": "Internship",
    "Contract": "Contract",
    "Temporary": "Temporary",
}


def board_url(base: str, name: str) -> str:
    """A board's jobs with compensation, e.g. `https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true`."""
    return f"{base.rstrip('/')}/posting-api/job-board/{quote(name, safe='')}?includeCompensation=true"


def parse(payload: Any, *, board_token: str, skipped: list[SkippedItem] | None = None) -> list[FetchedPosting]:
    """Every listed, well-formed job on the board; a malformed job is skipped with a warning (and listed in
    `skipped`)."""
    require_board_token(board_token)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("jobs"), list):
        raise SourceParseError(f"ashby board {board_token}: expected an object with a 'jobs' list")
    return build_postings(
        payload["jobs"], lambda job: _posting(job, board_token), source=SOURCE, board_token=board_token,
        skipped=skipped, describe=describe_job, identify=job_id,
    )


def _posting(job: Mapping[str, Any], board_token: str) -> FetchedPosting | None:
    if job.get("isListed") is False:
        return None
    url = text_field(job, "jobUrl")
    if url is None:
        raise MalformedPosting("missing jobUrl")
    title = clean_line(job.get("title"))
    location = clean_line(job.get("location"))
    secondary = [
        clean_line(entry.get("location"))
        for entry in list_field(job, "secondaryLocations")
        if isinstance(entry, Mapping)
    ]
    locations = dedupe([*split_locations(location), *(part for entry in secondary for part in split_locations(entry))])
    description_text, description_html = description_fields(text_field(job, "descriptionHtml"))
    if not description_text:
        description_text = normalize_text(text_field(job, "descriptionPlain") or "")
    require_kept_text(text_field(job, "descriptionHtml") or text_field(job, "descriptionPlain"), description_text)
    salary, salary_text = _salary(object_field(job, "compensation"))
    if salary is None and salary_text is None:
        salary, salary_text = find_salary_statement(description_text)
    explicit = text_field(job, "workplaceType") or (True if job.get("isRemote") is True else None)
    employment_type = clean_line(job.get("employmentType"))
    apply_url = text_field(job, "applyUrl")
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=required_id(job),
        title=title,
        company=board_token,
        locations=locations,
        workplace=detect_workplace(location, *secondary, title, explicit=explicit),
        employment_type=_EMPLOYMENT_TYPES.get(employment_type, employment_type) or None,
        salary_min=salary.minimum if salary else None,
        salary_max=salary.maximum if salary else None,
        salary_currency=salary.currency if salary else None,
        salary_text=salary_text,
        posted_at=parse_time(job.get("publishedAt")),
        updated_at=parse_time(job.get("updatedAt")),
        url=url.strip(),
        apply_url=apply_url.strip() if apply_url else None,
        description_text=description_text,
        description_html=description_html,
    )


def _salary(compensation: Mapping[str, Any]) -> tuple[Salary | None, str | None]:
    """The structured yearly "Salary" component if there is one, else whatever the tier summary text says; and
    the summary as the board wrote it ("$150K – $200K • Offers Equity")."""
    summary = next((clean_line(compensation.get(key)) for key in ("compensationTierSummary",
                                                                  "scrapeableCompensationSalarySummary")
                    if clean_line(compensation.get(key))), None)
    for component in list_field(compensation, "summaryComponents"):
        if not isinstance(component, Mapping) or clean_line(component.get("compensationType")).lower() != "salary":
            continue
        interval = clean_line(component.get("interval")).upper()
        currency = clean_line(component.get("currencyCode")).upper()
        values = [
            int(value)
            for value in (component.get("minValue"), component.get("maxValue"))
            if isinstance(value, int | float) and not isinstance(value, bool)
        ]
        if "YEAR" in interval and len(currency) == 3 and values and min(values) > 0:
            return Salary(min(values), max(values), currency), summary
    for key in ("compensationTierSummary", "scrapeableCompensationSalarySummary"):
        salary = read_salary(compensation.get(key)).salary
        if salary is not None:
            return salary, summary
    return None, summary
