"""Pure normalization helpers every source adapter uses: workplace, locations, times, text lines (salaries are
`textkit.salary`, URLs `textkit.urls`).

Each helper is total: it returns `None` (or `Workplace.UNKNOWN`, or an empty list) rather than raising on input
it cannot read, because one odd field must never cost us the whole posting.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from streams.messages import Workplace

# --- text ---------------------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[\s\x00-\x1f\x7f\u200b\ufeff]+")


def clean_line(text: object) -> str:
    """One line of clean text: every run of whitespace (newlines, tabs, NBSP) becomes one space, trimmed.
    Non-strings (None, numbers from loosely typed JSON) become "" or their `str`."""
    if text is None or isinstance(text, bool):
        return ""
    return _WHITESPACE.sub(" ", str(text)).strip()


def stable_id(*parts: str) -> str:
    """A source id for items that have none of their own: the sha1 of the parts, so re-fetches agree."""
    return hashlib.sha1("\n".join(parts).encode(), usedforsecurity=False).hexdigest()


# --- locations ----------------------------------------------------------------------------------------------

# ";", "|" and a spaced "/" separate locations ("SF / NY", "San Francisco, CA | Seattle, WA"); a hyphen or a
# comma does not ("Remote - US", "New York City, NY"), nor an unspaced slash ("Full-time/Contract").
_LOCATION_SEPARATORS = re.compile(r"\s*[;|]\s*|\s+/\s+")


def split_locations(text: object) -> list[str]:
    """The distinct locations in a board's location string, in order."""
    line = clean_line(text)
    if not line:
        return []
    return dedupe(part.strip(" ,") for part in _LOCATION_SEPARATORS.split(line))


def dedupe(values: Iterable[str]) -> list[str]:
    """Non-empty values, first occurrence kept, compared case-insensitively."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


# --- workplace ----------------------------------------------------------------------------------------------

_HYBRID = re.compile(r"\bhybrid\b", re.IGNORECASE)
_NOT_REMOTE = re.compile(r"\b(?:no|not|non)[\s-]+remote\b", re.IGNORECASE)
_REMOTE = re.compile(r"\bremote\b|\bwork[\s-]+from[\s-]+home\b|\bwfh\b", re.IGNORECASE)
_ONSITE = re.compile(r"\bon[\s-]?site\b|\bin[\s-]office\b|\bin[\s-]person\b", re.IGNORECASE)


def detect_workplace(*texts: object, explicit: str | bool | None = None) -> Workplace:
    """Remote, hybrid or on-site, from the source's explicit value if it says, else from keywords.

    `explicit` takes Lever's `workplaceType` ("remote", "hybrid", "on-site", "onsite", "unspecified"),
    Ashby's ("Remote", "Hybrid", "OnSite"), Greenhouse's "Location Type" metadata ("Hybrid (Travel-Required)"),
    or a bool like Ashby's `isRemote`. `True` means remote; `False` and "unspecified" say nothing, so the
    keywords in `texts` (pass locations and title, not the description: "remote" there is too often about
    something else) decide. Hybrid beats remote ("Remote / Hybrid"), and "not remote" means on-site.
    """
    if explicit is True:
        return Workplace.REMOTE
    if isinstance(explicit, str):
        from_explicit = _workplace_from_explicit(explicit)
        if from_explicit is not Workplace.UNKNOWN:
            return from_explicit
    joined = " \n ".join(clean_line(text) for text in texts)
    if _HYBRID.search(joined):
        return Workplace.HYBRID
    if _NOT_REMOTE.search(joined):
        return Workplace.ONSITE
    if _REMOTE.search(joined):
        return Workplace.REMOTE
    if _ONSITE.search(joined):
        return Workplace.ONSITE
    return Workplace.UNKNOWN


def _workplace_from_explicit(value: str) -> Workplace:
    letters = re.sub(r"[^a-z]", "", value.lower())
    if "hybrid" in letters:
        return Workplace.HYBRID
    if letters.startswith(("remote", "fullyremote", "wfh")):
        return Workplace.REMOTE
    if letters.startswith(("onsite", "inoffice", "office", "inperson")):
        return Workplace.ONSITE
    return Workplace.UNKNOWN


# --- times --------------------------------------------------------------------------------------------------

# Epoch numbers at or above this are milliseconds (Lever's createdAt); below, seconds (until the year 5138).
_EPOCH_MILLIS_FROM = 100_000_000_000


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from ISO-8601 text (with an offset or "Z"; a naive one is taken as UTC), epoch
    milliseconds or seconds (int, float or digit string), or an RFC 822 date as RSS uses; `None` otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _from_epoch(float(text))
    try:
        return _as_utc(datetime.fromisoformat(text.replace("z", "Z")))
    except ValueError:
        pass
    try:
        return _as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def _from_epoch(number: float) -> datetime | None:
    seconds = number / 1000 if number >= _EPOCH_MILLIS_FROM else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
