"""Workplaces, locations and times read from the loose strings boards send (salaries: test_salary.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.messages import Workplace
from textkit.normalize import clean_line, detect_workplace, parse_time, split_locations, stable_id


@pytest.mark.parametrize(
    ("explicit", "expected"),
    [
        ("remote", Workplace.REMOTE),
        ("hybrid", Workplace.HYBRID),
        ("on-site", Workplace.ONSITE),
        ("onsite", Workplace.ONSITE),
        ("Remote", Workplace.REMOTE),
        ("Hybrid", Workplace.HYBRID),
        ("OnSite", Workplace.ONSITE),
        ("Hybrid (Travel-Required)", Workplace.HYBRID),
        (True, Workplace.REMOTE),
    ],
)
def test_explicit_workplace_wins(explicit: str | bool, expected: Workplace) -> None:
    assert detect_workplace("Onsite in NYC", explicit=explicit) is expected


@pytest.mark.parametrize("explicit", ["unspecified", "", None, False])
def test_inconclusive_explicit_falls_back_to_keywords(explicit: str | bool | None) -> None:
    assert detect_workplace("Remote - US", "Engineer", explicit=explicit) is Workplace.REMOTE
    assert detect_workplace("San Francisco", explicit=explicit) is Workplace.UNKNOWN


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("SF / NY / Remote",), Workplace.REMOTE),
        (("Remote-Friendly (Travel-Required) | San Francisco, CA",), Workplace.REMOTE),
        (("London", "Engineer (Hybrid)"), Workplace.HYBRID),
        (("Remote or hybrid",), Workplace.HYBRID),
        (("Berlin, on-site",), Workplace.ONSITE),
        (("In office, Austin",), Workplace.ONSITE),
        (("NYC", "Not remote"), Workplace.ONSITE),
        (("Remoteville",), Workplace.UNKNOWN),
        ((None, ""), Workplace.UNKNOWN),
    ],
)
def test_workplace_keywords(texts: tuple[str | None, ...], expected: Workplace) -> None:
    assert detect_workplace(*texts) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New York City, NY; San Francisco, CA", ["New York City, NY", "San Francisco, CA"]),
        (
            "San Francisco, CA | New York City, NY | Seattle, WA",
            ["San Francisco, CA", "New York City, NY", "Seattle, WA"],
        ),
        ("SF / NY", ["SF", "NY"]),
        ("Remote - US", ["Remote - US"]),
        ("New York City, NY; San Francisco, CA | New York City, NY", ["New York City, NY", "San Francisco, CA"]),
        (
            "Remote-Friendly (Travel-Required) |  Washington, DC",
            ["Remote-Friendly (Travel-Required)", "Washington, DC"],
        ),
        ("Full-time/Contract", ["Full-time/Contract"]),
        ("  ", []),
        (None, []),
    ],
)
def test_split_locations(text: str | None, expected: list[str]) -> None:
    assert split_locations(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-10T20:02:20-04:00", datetime(2026, 3, 11, 0, 2, 20, tzinfo=UTC)),
        ("2025-10-30T16:47:27.463+00:00", datetime(2025, 10, 30, 16, 47, 27, 463000, tzinfo=UTC)),
        ("2026-01-02T10:00:00Z", datetime(2026, 1, 2, 10, tzinfo=UTC)),
        ("2026-01-02T10:00:00", datetime(2026, 1, 2, 10, tzinfo=UTC)),  # naive: taken as UTC
        (1_700_000_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # Lever's epoch milliseconds
        (1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # epoch seconds
        ("1700000000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("Mon, 06 Sep 2021 16:45:00 +0200", datetime(2021, 9, 6, 14, 45, tzinfo=UTC)),
        ("Mon, 06 Sep 2021 16:45:00 GMT", datetime(2021, 9, 6, 16, 45, tzinfo=UTC)),
    ],
)
def test_parse_time_gives_aware_utc(value: object, expected: datetime) -> None:
    parsed = parse_time(value)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize("value", [None, "", "not a date", True, 10**30, [], {}])
def test_unreadable_times_are_none(value: object) -> None:
    assert parse_time(value) is None


def test_clean_line() -> None:
    assert clean_line("  Software Engineer,\n Growth\u00a0 ") == "Software Engineer, Growth"
    assert clean_line(None) == ""
    assert clean_line(42) == "42"


def test_stable_id_is_deterministic() -> None:
    assert stable_id("a", "b") == stable_id("a", "b") != stable_id("ab")
