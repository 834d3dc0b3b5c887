"""The dashboard's pure arithmetic: periods, the zero-filled funnel, response rates, the month's AI spend."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.outcomes import step as outcomes
from query_api.dashboard import (
    INTERVIEWED,
    OFFERED,
    RESPONDED,
    STAGES,
    Sent,
    buckets,
    funnel_series,
    period_start,
    rates_by,
    spend_summary,
)

NOW = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # a Monday


def test_the_answer_kinds_are_the_outcomes_processors_own() -> None:
    assert (RESPONDED, INTERVIEWED, OFFERED) == (outcomes.RESPONDED, outcomes.INTERVIEWED, outcomes.OFFERED)


def test_a_week_starts_on_monday_and_a_day_is_the_utc_day() -> None:
    late_sunday_in_berlin = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert period_start(late_sunday_in_berlin, "day") == dt.date(2026, 11, 29)  # 22:30 UTC
    assert period_start(dt.date(2026, 11, 29), "week") == dt.date(2026, 11, 23)
    assert period_start(NOW, "week") == dt.date(2026, 11, 30)
    assert buckets("week", 3, now=NOW) == [dt.date(2026, 11, 16), dt.date(2026, 11, 23), dt.date(2026, 11, 30)]
    assert buckets("day", 2, now=NOW) == [dt.date(2026, 11, 29), dt.date(2026, 11, 30)]


def test_the_funnel_is_zero_filled_in_funnel_order_and_ignores_what_lies_outside() -> None:
    rows = [("submitted", dt.date(2026, 11, 23), 2), ("discovered", dt.date(2026, 11, 30), 5),
            ("discovered", dt.date(2026, 11, 16), 4), ("interview", dt.date(2026, 11, 30), 1),
            ("discovered", dt.date(2026, 11, 9), 9),  # before the window
            ("teleported", dt.date(2026, 11, 30), 3)]  # not a stage
    series = funnel_series(rows, "week", 3, now=NOW)
    assert series["buckets"] == ["2026-11-16", "2026-11-23", "2026-11-30"]
    assert [s["stage"] for s in series["stages"]] == list(STAGES)
    by_stage = {s["stage"]: (s["counts"], s["total"]) for s in series["stages"]}
    assert by_stage["discovered"] == ([4, 0, 5], 9)
    assert by_stage["submitted"] == ([0, 2, 0], 2)
    assert by_stage["interview"] == ([0, 0, 1], 1)
    assert by_stage["offer"] == ([0, 0, 0], 0)


@given(st.lists(st.tuples(st.sampled_from(STAGES), st.integers(0, 40), st.integers(0, 50)), max_size=60))
def test_every_count_inside_the_window_is_kept_once(raw: list[tuple[str, int, int]]) -> None:
    rows = [(stage, NOW.date() - dt.timedelta(days=ago), n) for stage, ago, n in raw]
    series = funnel_series(rows, "day", 30, now=NOW)
    for stage in series["stages"]:
        expected = sum(n for s, ago, n in raw if s == stage["stage"] and ago < 30)
        assert stage["total"] == sum(stage["counts"]) == expected


def test_response_rates_by_variant_and_board_most_sent_first() -> None:
    sent = [Sent("skills_first-3", "LEVER", True), Sent("skills_first-3", "GREENHOUSE", False),
            Sent("skills_first-3", "LEVER", False), Sent("projects_first-3", "LEVER", True),
            Sent("", "", False)]
    assert rates_by(sent, "variant_id") == [
        {"key": "skills_first-3", "submitted": 3, "responded": 1, "rate": 0.3333},
        {"key": "projects_first-3", "submitted": 1, "responded": 1, "rate": 1.0},
        {"key": "unknown", "submitted": 1, "responded": 0, "rate": 0.0}]
    assert rates_by(sent, "board") == [
        {"key": "LEVER", "submitted": 3, "responded": 2, "rate": 0.6667},
        {"key": "GREENHOUSE", "submitted": 1, "responded": 0, "rate": 0.0},
        {"key": "unknown", "submitted": 1, "responded": 0, "rate": 0.0}]
    assert rates_by([], "board") == []


def test_the_months_spend_runs_from_the_first_to_today_against_the_daily_cap_times_the_months_days() -> None:
    today = dt.date(2026, 11, 3)
    per_day = {dt.date(2026, 11, 1): 0.25, dt.date(2026, 11, 3): 0.125, dt.date(2026, 10, 31): 9.0}
    summary = spend_summary(per_day, daily_budget_usd=1.0, today=today)
    assert summary["month"] == "2026-11"
    assert summary["budget_usd"] == 30.0  # November's 30 days
    assert summary["spent_usd"] == 0.375 and summary["today_usd"] == 0.125
    assert summary["share"] == pytest.approx(0.375 / 30, abs=1e-4)
    assert [d["spent_usd"] for d in summary["days"]] == [0.25, 0.0, 0.125]
    assert spend_summary({}, daily_budget_usd=2.0, today=dt.date(2028, 2, 29))["budget_usd"] == 58.0  # leap year
