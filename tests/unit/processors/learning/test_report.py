"""The rates report: each application once, with its latest verdict; cross-user rows only above the minimum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

from processors.learning.posterior import counts_as_trial
from processors.learning.report import UNKNOWN, days_band, rates, table_lines, was_sent
from streams.messages import WorkflowCompleted, WorkflowOutcome

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def done(user: str, job: int, *, outcome: WorkflowOutcome, variant: str = "skills_first-v1", days: int | None = 2,
         at: datetime = NOW, event: str | None = None) -> WorkflowCompleted:
    answered = outcome not in (WorkflowOutcome.NO_RESPONSE, WorkflowOutcome.SKIPPED, WorkflowOutcome.WITHDRAWN)
    return WorkflowCompleted(
        event_id=event or f"{user}-{job}-{outcome}", user_id=user, occurred_at=at, canonical_job_id=f"job-{job}",
        variant_id=variant, outcome=outcome, template="classic", ats_score_band="0.8-0.9", board="LEVER",
        seniority="Senior", segment="Senior", responded=answered,
        interviewed=outcome in (WorkflowOutcome.INTERVIEW, WorkflowOutcome.OFFER, WorkflowOutcome.ACCEPTED),
        offered=outcome in (WorkflowOutcome.OFFER, WorkflowOutcome.ACCEPTED), days_posting_to_submission=days)


def row(report, scope: str, dimension: str, value: str):  # type: ignore[no-untyped-def]
    return next((r for r in report.rows if (r.scope, r.dimension, r.value) == (scope, dimension, value)), None)


def test_a_users_rates_count_each_application_once_with_its_latest_verdict() -> None:
    records = [
        done("me", 1, outcome=WorkflowOutcome.NO_RESPONSE),
        done("me", 1, outcome=WorkflowOutcome.NO_RESPONSE),  # redelivered
        done("me", 1, outcome=WorkflowOutcome.INTERVIEW, at=NOW + timedelta(days=3)),  # a later answer
        done("me", 2, outcome=WorkflowOutcome.OFFER, variant="projects_first-v1", days=20),
        done("me", 3, outcome=WorkflowOutcome.REJECTED, days=None),
        done("me", 4, outcome=WorkflowOutcome.SKIPPED),  # never sent
        done("other", 1, outcome=WorkflowOutcome.OFFER),
    ]
    report = rates(records, user_id="me")
    skills = row(report, "you", "variant", "skills_first-v1")
    assert skills is not None and (skills.applications, skills.responded, skills.interviewed, skills.offered) == (
        2, 2, 1, 0)
    projects = row(report, "you", "variant", "projects_first-v1")
    assert projects is not None and (projects.interview_rate, projects.offer_rate) == (1.0, 1.0)
    assert row(report, "you", "days since posting", "15-30") is not None
    assert row(report, "you", "days since posting", UNKNOWN) is not None
    assert sum(r.applications for r in report.rows if r.scope == "you" and r.dimension == "board") == 3
    assert report.applications == 4
    assert not [r for r in report.rows if r.scope == "all users"]  # 4 applications of 2 users: held back
    assert report.withheld > 0


def test_cross_user_rows_appear_only_from_the_minimum_of_applications_and_users() -> None:
    four_users = [done(f"u{u}", j, outcome=WorkflowOutcome.INTERVIEW if j % 4 == 0 else WorkflowOutcome.REJECTED)
                  for u in range(4) for j in range(10)]
    assert not [r for r in rates(four_users).rows if r.scope == "all users"]  # 40 applications, 4 users
    five_users = four_users + [done("u4", j, outcome=WorkflowOutcome.REJECTED) for j in range(10)]
    board = row(rates(five_users), "all users", "board", "LEVER")
    assert board is not None and (board.applications, board.users, board.interviewed) == (50, 5, 12)
    few = [done(f"u{u}", j, outcome=WorkflowOutcome.REJECTED) for u in range(10) for j in range(1)]
    assert not [r for r in rates(few).rows if r.scope == "all users"]  # 10 users, 10 applications
    lines = table_lines(rates(five_users))
    assert any("LEVER" in line and "24%" in line for line in lines)
    assert not any(line.startswith("u") for line in lines)  # no user named


def test_days_bands() -> None:
    assert [days_band(d) for d in (None, 0, 1, 2, 3, 5, 7, 10, 14, 30, 31)] == [
        UNKNOWN, "0-1", "0-1", "2-3", "2-3", "4-7", "4-7", "8-14", "8-14", "15-30", ">30"]


def test_the_report_and_the_learner_count_the_same_applications() -> None:
    # One rule (posterior.has_verdict): a withdrawn application the employer had answered counts in both.
    for outcome in WorkflowOutcome:
        for responded, interviewed, variant in product((False, True), (False, True), ("v1", None)):
            event = WorkflowCompleted(event_id="e", user_id="u", occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
                                      canonical_job_id="j", outcome=outcome, variant_id=variant,
                                      responded=responded or interviewed, interviewed=interviewed)
            assert counts_as_trial(event) == (was_sent(event) and variant is not None), event
    answered = WorkflowCompleted(event_id="e", user_id="u", occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
                                 canonical_job_id="j", outcome=WorkflowOutcome.WITHDRAWN, variant_id="v1",
                                 responded=True)
    silent = answered.model_copy(update={"responded": False})
    assert (was_sent(answered), counts_as_trial(answered), was_sent(silent), counts_as_trial(silent)) == (
        True, True, False, False)
