"""Response, interview and offer rates by variant, template, ATS score band, board, seniority and days from posting
to submission: for one user, and across users (a row only from MIN_PRIOR_OUTCOMES applications of MIN_PRIOR_USERS
users, so no one user's outcomes can be read off it; no user is named).

Pure: `rates` takes `workflow.completed` records as read from the topic's beginning (`resumeflow learning
report`). A topic holds redeliveries and later verdicts on the same application: each application counts once,
with its latest completion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from processors.learning.posterior import MIN_PRIOR_OUTCOMES, MIN_PRIOR_USERS, has_verdict
from streams.ids import derived_id
from streams.messages import WorkflowCompleted

# Days from the posting to the submission; an application sent the first days is the usual advice.
DAY_BANDS: tuple[tuple[int, str], ...] = ((1, "0-1"), (3, "2-3"), (7, "4-7"), (14, "8-14"), (30, "15-30"))
UNKNOWN = "(unknown)"


def days_band(days: int | None) -> str:
    """"0-1", "2-3", "4-7", "8-14", "15-30", ">30", or UNKNOWN."""
    if days is None:
        return UNKNOWN
    return next((band for upper, band in DAY_BANDS if days <= upper), ">30")


DIMENSIONS: dict[str, Callable[[WorkflowCompleted], str]] = {
    "variant": lambda e: e.variant_id or UNKNOWN,
    "template": lambda e: e.template or UNKNOWN,
    "ats score": lambda e: e.ats_score_band or UNKNOWN,
    "board": lambda e: e.board or UNKNOWN,
    "seniority": lambda e: e.seniority or UNKNOWN,
    "days since posting": lambda e: days_band(e.days_posting_to_submission),
}


@dataclass(frozen=True)
class RateRow:
    scope: str  # "you" (one user's) or "all users"
    dimension: str
    value: str
    applications: int
    users: int
    responded: int
    interviewed: int
    offered: int

    @property
    def response_rate(self) -> float:
        return self.responded / self.applications

    @property
    def interview_rate(self) -> float:
        return self.interviewed / self.applications

    @property
    def offer_rate(self) -> float:
        return self.offered / self.applications


@dataclass(frozen=True)
class Rates:
    rows: list[RateRow]
    applications: int  # sent applications with an outcome, after dedup
    withheld: int  # cross-user rows below the minimum, not shown
    min_applications: int = MIN_PRIOR_OUTCOMES
    min_users: int = MIN_PRIOR_USERS


def was_sent(event: WorkflowCompleted) -> bool:
    """An application that reached the employer and has a verdict (`posterior.has_verdict`, the learner's rule)."""
    return has_verdict(event)


def latest_per_application(records: Iterable[WorkflowCompleted]) -> list[WorkflowCompleted]:
    latest: dict[tuple[str, str], WorkflowCompleted] = {}
    for event in records:
        key = (event.user_id,
               event.application_id or derived_id("application", event.user_id, event.canonical_job_id))
        if key not in latest or event.occurred_at >= latest[key].occurred_at:
            latest[key] = event
    return list(latest.values())


def rates(records: Iterable[WorkflowCompleted], *, user_id: str | None = None,
          min_applications: int = MIN_PRIOR_OUTCOMES, min_users: int = MIN_PRIOR_USERS) -> Rates:
    """One user's rows (when `user_id` is given: every value they have) and the cross-user rows that reach both
    minimums; within a scope, rows by dimension in DIMENSIONS order, then by value."""
    sent = [e for e in latest_per_application(records) if was_sent(e)]
    rows: list[RateRow] = []
    if user_id is not None:
        rows += _rows("you", [e for e in sent if e.user_id == user_id])
    everyone = _rows("all users", sent)
    shown = [r for r in everyone if r.applications >= min_applications and r.users >= min_users]
    return Rates(rows=rows + shown, applications=len(sent), withheld=len(everyone) - len(shown),
                 min_applications=min_applications, min_users=min_users)


def _rows(scope: str, events: list[WorkflowCompleted]) -> list[RateRow]:
    rows = []
    for dimension, value_of in DIMENSIONS.items():
        groups: dict[str, list[WorkflowCompleted]] = defaultdict(list)
        for event in events:
            groups[value_of(event)].append(event)
        for value in sorted(groups):
            group = groups[value]
            rows.append(RateRow(scope=scope, dimension=dimension, value=value, applications=len(group),
                                users=len({e.user_id for e in group}), responded=sum(e.responded for e in group),
                                interviewed=sum(e.interviewed for e in group),
                                offered=sum(e.offered for e in group)))
    return rows


def table_lines(report: Rates) -> list[str]:
    """The report as a fixed-width table, then a line on what it counted and held back."""
    lines = [f"{'scope':10} {'dimension':19} {'value':24} {'sent':>5} {'users':>5} {'response':>8} "
             f"{'interview':>9} {'offer':>6}"]
    for r in report.rows:
        users = str(r.users) if r.scope != "you" else ""
        lines.append(f"{r.scope:10} {r.dimension:19} {r.value[:24]:24} {r.applications:>5} {users:>5} "
                     f"{r.response_rate:>8.0%} {r.interview_rate:>9.0%} {r.offer_rate:>6.0%}")
    lines.append(f"{report.applications} sent applications with an outcome; cross-user rows need "
                 f"{report.min_applications} applications from {report.min_users} users ({report.withheld} rows "
                 "held back)")
    return lines
