"""Real board responses saved in the shared data directory (outside the repo) parse cleanly.

The files are not part of the repository and never copied into it; the tests skip when they are absent.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from processors.discovery.model import FetchedPosting
from processors.discovery.sources import ashby, greenhouse
from streams.messages import Workplace

SHARED_BOARDS = Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "boards"


def _load(name: str) -> Any:
    path = SHARED_BOARDS / name
    if not path.is_file():
        pytest.skip(f"shared board response {path} is not present")
    return json.loads(path.read_text())


def _assert_well_formed(postings: list[FetchedPosting]) -> None:
    assert all(p.title and p.title == p.title.strip() for p in postings)
    assert all(p.url.startswith("https://") for p in postings)
    assert len({p.canonical_job_id for p in postings}) == len(postings)
    assert all(p.posted_at is None or p.posted_at.tzinfo is not None for p in postings)


def test_greenhouse_anthropic_list_mode() -> None:
    payload = _load("greenhouse_anthropic_jobs.json")

    postings = greenhouse.parse(payload, board_token="anthropic")

    assert len(postings) == len(payload["jobs"]) == 449
    _assert_well_formed(postings)
    assert {p.company for p in postings} == {"Anthropic"}
    assert all(p.description_text == "" and p.description_html is None for p in postings)  # no content=true
    assert all(p.locations for p in postings)
    # "New York City, NY; San Francisco, CA | New York City, NY" names two places, once each.
    assert all(len(p.locations) == len(set(p.locations)) for p in postings)
    assert not any(";" in loc or "|" in loc for p in postings for loc in p.locations)
    workplaces = Counter(p.workplace for p in postings)
    assert workplaces[Workplace.ONSITE] > 0 and workplaces[Workplace.HYBRID] > 0 and workplaces[Workplace.REMOTE] > 0


def test_ashby_cursor() -> None:
    payload = _load("ashby_cursor_jobs.json")

    postings = ashby.parse(payload, board_token="cursor")

    listed = [job for job in payload["jobs"] if job.get("isListed") is not False]
    assert len(postings) == len(listed) == 54
    _assert_well_formed(postings)
    assert all(p.description_text and p.description_html for p in postings)
    assert all(
        "<script" not in (p.description_html or "") and "style=" not in (p.description_html or "") for p in postings
    )
    by_id = {job["id"]: job for job in payload["jobs"]}
    sf_ny = [p for p in postings if by_id[p.source_job_id]["location"] == "SF / NY"]
    assert sf_ny, "expected jobs located 'SF / NY'"
    assert all(p.locations[:2] == ["SF", "NY"] for p in sf_ny)
    assert all(p.employment_type for p in postings)
