"""Pure normalization helpers every source adapter uses: salaries, workplace, locations, times, text lines.

Each helper is total: it returns `None` (or `Workplace.UNKNOWN`, or an empty list) rather than raising on input
it cannot read, because one odd field must never cost us the whole posting.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple

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


# --- salary -------------------------------------------------------------------------------------------------


class Salary(NamedTuple):
    """An annual salary range, `(minimum, maximum, currency)`; a single figure has `minimum == maximum`."""

    minimum: int
    maximum: int
    currency: str


_SYMBOLS = {
    "US$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "NZ$": "NZD",
    "S$": "SGD",
    "HK$": "HKD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
}
_CODES = frozenset(
    {"USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "INR", "SGD", "HKD", "SEK", "NOK", "DKK", "PLN",
     "CZK", "BRL", "MXN", "ILS", "KRW", "CNY", "ZAR", "AED"}
)  # fmt: skip
_CURRENCY = (
    "(?:"
    + "|".join(re.escape(symbol) for symbol in sorted(_SYMBOLS, key=len, reverse=True))
    + "|\\b(?:"
    + "|".join(sorted(_CODES))
    + ")\\b)"
)
_AMOUNT = r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?P<pre>{_CURRENCY})?\s?(?P<amount>{_AMOUNT})(?!\d)\s?(?P<k>[kK](?![a-zA-Z]))?(?:\s?(?P<post>{_CURRENCY}))?"
)
_RANGE_JOINER = re.compile(r"^\s*(?:-|–|—|‑|~|to|and)\s*$", re.IGNORECASE)
_ANNUAL = re.compile(r"\b(?:per\s+year|a\s+year|/\s*y(?:ea)?r|annual(?:ly)?|per\s+annum|p\.?\s?a\.?|yearly)\b", re.I)
_NOT_ANNUAL = re.compile(
    r"(?:\bper\s+|\ban\s+|\ba\s+|/\s*)(?:hour|hr|h|month|mo|week|wk|day)\b|\bhourly\b|\bmonthly\b|\bweekly\b|\bdaily\b",
    re.IGNORECASE,
)
# Below this a figure without "per year" is more likely hourly or monthly than an annual salary.
_MIN_UNMARKED_ANNUAL = 10_000
_MAX_PLAUSIBLE = 1_000_000_000
_SALARY_CUE = re.compile(r"salary|compensation|\bpay\b|pay range|base pay|\bote\b|wage", re.IGNORECASE)


def parse_salary(text: object) -> Salary | None:
    """The first annual salary (range or single figure) with a currency in `text`, e.g. "$120,000 - $150,000",
    "€70k–90k", "USD 100000-140000 per year", "£45,000"; `None` when there is none.

    A figure needs a currency symbol or code (so "10,000 customers" is not a salary). Hourly, weekly or monthly
    rates are skipped, and so is an unmarked figure under 10,000 ("$50-70" is almost surely hourly) unless the
    text says it is annual. A three-letter code beats "$" ("$100,000 - $120,000 CAD" is CAD).
    """
    line = clean_line(text)
    if not line:
        return None
    tokens = list(_MONEY.finditer(line))
    index = 0
    while index < len(tokens):
        first = tokens[index]
        second = None
        if index + 1 < len(tokens) and _RANGE_JOINER.match(line[first.end() : tokens[index + 1].start()]):
            second = tokens[index + 1]
        index += 2 if second else 1
        salary = _salary_from(line, first, second)
        if salary is not None:
            return salary
    return None


def find_salary(text: object) -> Salary | None:
    """A salary stated near a cue ("salary", "compensation", "pay range", ...) in a long description: the cue's
    line and the two after it are read with `parse_salary`. Money elsewhere in a description (funding, revenue)
    is ignored."""
    if not isinstance(text, str) or not text:
        return None
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if _SALARY_CUE.search(line):
            salary = parse_salary(" ".join(lines[number : number + 3]))
            if salary is not None:
                return salary
    return None


def _salary_from(line: str, first: re.Match[str], second: re.Match[str] | None) -> Salary | None:
    matches = [first] if second is None else [first, second]
    currency = _currency_of(matches)
    if currency is None:
        return None
    amounts = [_amount_of(match) for match in matches]
    if any(amount is None for amount in amounts):
        return None
    values = [float(amount) for amount in amounts if amount is not None]
    if second is not None and bool(first["k"]) != bool(second["k"]):
        # "$70-90k": the suffix on one end applies to a bare small number on the other.
        values = [
            value * 1000 if value < 1000 and not match["k"] else value
            for value, match in zip(values, matches, strict=True)
        ]
    low, high = int(min(values)), int(max(values))
    after = line[matches[-1].end() : matches[-1].end() + 40]
    before = line[max(0, first.start() - 30) : first.start()]
    annual = bool(_ANNUAL.search(after) or _ANNUAL.search(before))
    if not annual and (_NOT_ANNUAL.search(after) or re.search(r"\bhourly\b|\bper\s+hour\b", before, re.I)):
        return None
    if not annual and high < _MIN_UNMARKED_ANNUAL:
        return None
    if low <= 0 or high > _MAX_PLAUSIBLE:
        return None
    return Salary(low, high, currency)


def _currency_of(matches: list[re.Match[str]]) -> str | None:
    found = [match[group] for match in matches for group in ("pre", "post") if match[group]]
    codes = [token.upper() for token in found if token.upper() in _CODES]
    if codes:
        return codes[0]
    symbols = [_SYMBOLS[token] for token in found if token in _SYMBOLS]
    return symbols[0] if symbols else None


def _amount_of(match: re.Match[str]) -> float | None:
    raw = match["amount"]
    grouped = re.fullmatch(r"(\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+)(\.\d{1,2})?", raw)
    if grouped:
        digits = re.sub(r"\D", "", grouped[1])
        value = float(digits + (grouped[2] or ""))
    else:
        try:
            value = float(raw)
        except ValueError:
            return None
    return value * 1000 if match["k"] else value


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
