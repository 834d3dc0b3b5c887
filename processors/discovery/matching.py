"""Does a posting fit a saved search? Pure and explainable: a match carries the reasons a user will read."""

from __future__ import annotations

import re
from functools import cache

from processors.discovery.model import FetchedPosting
from streams.messages import RemotePreference, SavedSearch, Workplace

REMOTE_WORD = re.compile(r"\bremote\b", re.IGNORECASE)


@cache
def _phrase(term: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern; inner spaces match any whitespace ("data  scientist")."""
    words = [re.escape(word) for word in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _mentions(text: str, term: str) -> bool:
    return bool(term.strip()) and bool(_phrase(term.strip()).search(text))


def _is_remote(posting: FetchedPosting) -> bool:
    if posting.workplace is Workplace.REMOTE:
        return True
    return posting.workplace is Workplace.UNKNOWN and any(REMOTE_WORD.search(loc) for loc in posting.locations)


def _remote_fits(posting: FetchedPosting, wanted: RemotePreference) -> str | None:
    """The reason the workplace fits, or None when it rules the posting out."""
    remote = _is_remote(posting)
    match wanted:
        case RemotePreference.ANY:
            return ""
        case RemotePreference.REMOTE_ONLY:
            return "remote" if remote else None
        case RemotePreference.REMOTE_OR_HYBRID:
            if remote:
                return "remote"
            return "hybrid" if posting.workplace is Workplace.HYBRID else None
        case RemotePreference.ONSITE_ONLY:
            return None if remote else "on site"


def match_search(posting: FetchedPosting, search: SavedSearch) -> list[str] | None:
    """The reasons `posting` fits `search`, or None when it does not."""
    haystack = f"{posting.title}\n{posting.company}\n{posting.description_text}"
    for word in search.exclusions:
        if _mentions(haystack, word):
            return None
    reasons: list[str] = []

    if search.companies:
        company = posting.company.casefold()
        if not any(wanted.casefold() == company for wanted in search.companies):
            return None
        reasons.append(f"company {posting.company}")

    if search.keywords:
        in_title = [k for k in search.keywords if _mentions(posting.title, k)]
        in_text = [k for k in search.keywords if k not in in_title and _mentions(posting.description_text, k)]
        if not in_title and not in_text:
            return None
        if in_title:
            reasons.append("title mentions " + ", ".join(repr(k) for k in in_title))
        if in_text:
            reasons.append("description mentions " + ", ".join(repr(k) for k in in_text))

    workplace = _remote_fits(posting, search.remote)
    if workplace is None:
        return None
    if workplace:
        reasons.append(workplace)

    if search.locations:
        places = [p for p in search.locations if any(p.casefold() in loc.casefold() for loc in posting.locations)]
        if places:
            reasons.append("in " + ", ".join(places))
        elif _is_remote(posting) and search.remote is not RemotePreference.ONSITE_ONLY:
            pass  # a remote job fits wherever the user is
        elif posting.locations:
            return None
        else:
            reasons.append("location not stated")

    if search.salary_floor is not None:
        top = posting.salary_max or posting.salary_min
        if top is None and posting.salary_text:
            reasons.append(f"salary stated as {posting.salary_text[:80]!r}, not read as a yearly amount")
        elif top is None:
            reasons.append("salary not stated")
        elif posting.salary_currency and posting.salary_currency != search.salary_currency:
            reasons.append(f"salary in {posting.salary_currency}, not compared with a {search.salary_currency} floor")
        elif top < search.salary_floor:
            return None
        else:
            reasons.append(f"pays up to {top:,} {posting.salary_currency or search.salary_currency}")
    return reasons or ["every posting on a board you follow"]


def first_match(posting: FetchedPosting, searches: list[SavedSearch]) -> tuple[str, list[str]] | None:
    """The first of a user's searches that `posting` fits: (search name, reasons)."""
    for search in searches:
        reasons = match_search(posting, search)
        if reasons is not None:
            return search.name, reasons
    return None
