"""The caps a user sets on sending (pure): a daily cap per UTC day and a cap per company over some days.

Both count `Dispatch`es: applications handed to a channel, or whose manual packet was handed to the user. Over a
cap an application waits; `over_limit` says why (a sentence the user reads) and until when.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta

from streams.messages import Dispatch, Preferences

# Legal forms that do not tell two employers apart ("Acme Inc." and "ACME" are one company).
_LEGAL_FORMS = frozenset({
    "inc", "incorporated", "llc", "llp", "ltd", "limited", "plc", "corp", "corporation", "co", "company", "gmbh",
    "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "as", "asa", "oy", "oyj", "pty", "kg", "se", "sl",
})
KEEP_DISPATCHES_DAYS = 365  # the longest company window a user can set
MAX_DISPATCHES = 5000


def company_key(name: str) -> str:
    """`"Acme, Inc."` -> `"acme"`: case, accents, punctuation and trailing legal forms do not count."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def over_limit(dispatches: list[Dispatch], preferences: Preferences, company: str, *, now: datetime
               ) -> tuple[str, datetime] | None:
    """Why one more dispatch now would break a cap, and when it no longer would; None when it may go.
    A daily cap of 0 sends nothing; a company cap of 0 is no cap (`Preferences`)."""
    today = now.date()
    sent_today = sum(1 for d in dispatches if d.at.date() == today)
    if sent_today >= preferences.daily_cap:
        until = datetime.combine(today + timedelta(days=1), time(), tzinfo=now.tzinfo)
        return (f"your daily cap of {preferences.daily_cap} applications is reached for {today.isoformat()} (UTC); "
                f"it goes on {until.date().isoformat()}", until)
    if preferences.company_cap and company:
        window = timedelta(days=preferences.company_cap_days)
        recent = sorted(d.at for d in dispatches if d.company == company and d.at > now - window)
        if len(recent) >= preferences.company_cap:
            # Enough must leave the window for one more to fit: the one at index len - cap is the last to leave.
            until = recent[len(recent) - preferences.company_cap] + window
            return (f"{len(recent)} applications to this company in the last {preferences.company_cap_days} days "
                    f"already (your cap is {preferences.company_cap}); it goes on {until.date().isoformat()}", until)
    return None


def pruned(dispatches: list[Dispatch], *, now: datetime) -> list[Dispatch]:
    """Only what a cap can still count."""
    kept = [d for d in dispatches if d.at > now - timedelta(days=KEEP_DISPATCHES_DAYS)]
    return kept[-MAX_DISPATCHES:]
