"""Dates that come from outside (a mail's Date header, a user's "when", an ATS's timestamp), bounded, and day
arithmetic that cannot overflow.

A date from outside is plausible from `EARLIEST` to `FUTURE_SLACK` after now: nothing this platform tracks
happened before 2000, and a day ahead covers every time zone (a user east of UTC is already "tomorrow"). The
edges (API, CLI, mail reader, webhooks) refuse or drop anything else; the steps, which may still meet such a
date in a record written before these bounds, use `plus_days`, which answers None instead of raising
OverflowError near `datetime.max`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

EARLIEST = date(2000, 1, 1)
FUTURE_SLACK = timedelta(days=1)


def plausible_day(day: date, *, now: datetime) -> bool:
    """`day` lies between EARLIEST and one day after `now`'s date (UTC)."""
    return EARLIEST <= day <= now.astimezone(UTC).date() + FUTURE_SLACK


def plausible_moment(moment: datetime, *, now: datetime) -> bool:
    """`moment` (timezone-aware) lies between EARLIEST and FUTURE_SLACK after `now`."""
    try:
        return moment.astimezone(UTC).date() >= EARLIEST and moment <= now + FUTURE_SLACK
    except OverflowError:  # an offset that pushes it past year 1 or 9999
        return False


def plus_days(start: datetime, days: int) -> datetime | None:
    """`start` + `days` days, or None when that is beyond what a datetime holds."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        return None
