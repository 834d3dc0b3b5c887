"""Dates from outside, at any value: the edges refuse or drop the implausible ones, and the step, `due` and the
timer stay total for a cell that holds one anyway (a record written before the edges bounded them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from processors.outcomes.agent import due_users
from processors.outcomes.step import due, step
from query_api.app import outcome_fields
from streams.dates import plausible_day, plausible_moment, plus_days
from streams.messages import OutcomesUser, ResponseKind
from tests.unit.processors.outcomes.builders import T0, profile, submitted, tick, user_report

KINDS = [ResponseKind.SCREEN, ResponseKind.INTERVIEW, ResponseKind.REJECTED, ResponseKind.ACKNOWLEDGED]


@settings(max_examples=200, deadline=None)
@given(st.dates(), st.sampled_from(KINDS), st.integers(1, 365),
       st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)))
def test_any_reported_date_leaves_the_step_due_and_the_timer_total(day: date, kind: ResponseKind, days: int,
                                                                   at: datetime) -> None:
    cell, _ = step(None, profile(days), now=T0)
    cell, _ = step(cell, submitted("gh:a:1"), now=T0)
    cell, _ = step(cell, user_report("r1", "gh:a:1", kind, on=day), now=T0)
    due(cell, at)
    cell, _ = step(cell, tick(at), now=T0)
    assert due_users([("u1", cell.model_dump())], at) in ([], ["u1"])


def test_a_screen_dated_9999_12_31_is_never_due_and_its_tick_completes_nothing() -> None:
    cell, _ = step(None, submitted("gh:a:1"), now=T0)
    cell, _ = step(cell, user_report("r1", "gh:a:1", ResponseKind.SCREEN, on=date(9999, 12, 31)), now=T0)
    assert not due(cell, datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert step(cell, tick(T0 + timedelta(days=400)), now=T0)[1] == []


def test_the_timer_passes_over_a_cell_it_cannot_read_and_ticks_the_others() -> None:
    cell, _ = step(None, submitted("gh:a:1"), now=T0)
    broken: dict[str, Any] = {"user_id": "u2", "applications": "not a list"}
    assert due_users([("u2", broken), ("u1", cell), ("u3", OutcomesUser(user_id="u3"))],
                     T0 + timedelta(days=60)) == ["u1"]


@given(st.dates())
def test_plausible_days_are_from_2000_to_tomorrow(day: date) -> None:
    now = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert plausible_day(day, now=now) == (date(2000, 1, 1) <= day <= date(2026, 12, 1))


@given(st.datetimes(timezones=st.timezones()), st.integers(-10**6, 10**6))
def test_plausible_moment_and_plus_days_never_raise(moment: datetime, days: int) -> None:
    plausible_moment(moment, now=T0)
    result = plus_days(moment, days)
    assert result is None or result - moment == timedelta(days=days)


def test_the_api_refuses_an_implausible_outcome_date_with_400() -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert outcome_fields({"kind": "SCREEN", "date": "2026-11-29"}, now=now) == (ResponseKind.SCREEN,
                                                                               date(2026, 11, 29))
    assert outcome_fields({"kind": "SCREEN"}, now=now) == (ResponseKind.SCREEN, None)
    for bad in ("9999-12-31", "1999-12-31", str(now.date() + timedelta(days=2)), "2026-02-30"):
        with pytest.raises(web.HTTPBadRequest):
            outcome_fields({"kind": "SCREEN", "date": bad}, now=now)


def test_the_cli_refuses_an_implausible_outcome_date_before_publishing(capsys: pytest.CaptureFixture[str]) -> None:
    # Exit 2 (a UserError) before any broker is contacted: none is running in unit tests.
    code = main(["outcomes", "record", "app-1", "--email", "ada@example.org", "--kind", "SCREEN",
                 "--date", "9999-12-31"])
    assert code == 2 and "not plausible" in capsys.readouterr().err
