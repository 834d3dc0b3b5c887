"""The dashboard's figures, scoped to one user: the funnel over time, response rates by variant and by board, and
AI spend this month against the budget.

Each figure is one query of the read model (`sinks/views.py`; the AI spend from the gateway's Redis counters,
`adapters.ai_gateway.budgets`) and a pure function that shapes its rows, so the arithmetic is unit-tested without
a database (tests/unit/query_api/test_dashboard.py).

The funnel counts each job or application once, in the period it *first* reached a stage:
- discovered: a job discovered for the user (`view_discoveries`), per job;
- matched: a job analysis decided to PROCEED with (`view_matches`), per job;
- prepared: a job with at least one generated resume variant (`view_resumes`), per job;
- submitted: an application sent (`view_submissions`, its `submitted_at`);
- responded / interview / offer: an application's first answer of those kinds (`view_application_events` rows
  that came from an answer, i.e. with a `source`), by the outcomes processor's own definitions: responded is any
  of REJECTED, SCREEN, INTERVIEW, OFFER, ACCEPTED; interview is SCREEN or later; offer is OFFER or ACCEPTED.
  A timer's NO_RESPONSE and the user's WITHDRAWN are not answers.
Periods are UTC days or ISO weeks (starting Monday).

Response rates: of the user's submitted applications, the share with an answer (responded, as above), grouped by
the variant that was sent and by the board the posting came from (the posting's `source`, else the prefix of the
canonical job id).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from streams.messages import ResponseKind

Period = Literal["day", "week"]
STAGES = ("discovered", "matched", "prepared", "submitted", "responded", "interview", "offer")
RESPONDED = frozenset({ResponseKind.REJECTED, ResponseKind.SCREEN, ResponseKind.INTERVIEW, ResponseKind.OFFER,
                       ResponseKind.ACCEPTED})
INTERVIEWED = frozenset({ResponseKind.SCREEN, ResponseKind.INTERVIEW, ResponseKind.OFFER, ResponseKind.ACCEPTED})
OFFERED = frozenset({ResponseKind.OFFER, ResponseKind.ACCEPTED})
DEFAULT_SPAN = {"day": 30, "week": 12}
MAX_SPAN = 366
Db = asyncpg.Pool | asyncpg.Connection


def period_start(moment: dt.datetime | dt.date, period: Period) -> dt.date:
    """The first UTC day of the day or ISO week (Monday) that `moment` falls in."""
    day = moment.astimezone(dt.UTC).date() if isinstance(moment, dt.datetime) else moment
    return day - dt.timedelta(days=day.weekday()) if period == "week" else day


def buckets(period: Period, span: int, *, now: dt.datetime) -> list[dt.date]:
    """The `span` periods ending with the current one, oldest first."""
    step = dt.timedelta(days=7 if period == "week" else 1)
    last = period_start(now, period)
    return [last - step * i for i in range(span - 1, -1, -1)]


def funnel_series(rows: Iterable[tuple[str, dt.date, int]], period: Period, span: int, *,
                  now: dt.datetime) -> dict[str, Any]:
    """`rows` of (stage, period's first day, count) into every stage's counts over every period of the window,
    zero where there were none: `{"period", "buckets": [YYYY-MM-DD], "stages": [{"stage", "counts", "total"}]}`
    in funnel order. Rows of unknown stages or outside the window are ignored."""
    days = buckets(period, span, now=now)
    index = {day: i for i, day in enumerate(days)}
    counts = {stage: [0] * len(days) for stage in STAGES}
    for stage, day, count in rows:
        if stage in counts and day in index:
            counts[stage][index[day]] += count
    return {"period": period, "buckets": [d.isoformat() for d in days],
            "stages": [{"stage": s, "counts": counts[s], "total": sum(counts[s])} for s in STAGES]}


@dataclass(frozen=True)
class Sent:
    """One submitted application: the variant sent, the board, and whether an answer came."""

    variant_id: str
    board: str
    responded: bool


def rates_by(sent: Iterable[Sent], key: Literal["variant_id", "board"]) -> list[dict[str, Any]]:
    """`[{"key", "submitted", "responded", "rate"}]` per value of `key`, most submitted first (then by key);
    `rate` is responded / submitted, rounded to 4 places."""
    submitted: dict[str, int] = defaultdict(int)
    responded: dict[str, int] = defaultdict(int)
    for s in sent:
        value = getattr(s, key) or "unknown"
        submitted[value] += 1
        responded[value] += s.responded
    return [{"key": k, "submitted": n, "responded": responded[k], "rate": round(responded[k] / n, 4)}
            for k, n in sorted(submitted.items(), key=lambda item: (-item[1], item[0]))]


def spend_summary(per_day: Mapping[dt.date, float], *, daily_budget_usd: float, today: dt.date) -> dict[str, Any]:
    """The month of `today` so far: `{"month": "YYYY-MM", "spent_usd", "budget_usd", "share", "today_usd",
    "daily_budget_usd", "days": [{"day", "spent_usd"}]}`. The month's budget is the daily cap times the month's days
    (the most the gateway lets one user spend in it); `days` runs from the 1st to today, zero where nothing was
    spent; days of other months in `per_day` are ignored. USD rounded to 6 places."""
    first = today.replace(day=1)
    days = [first + dt.timedelta(days=i) for i in range(today.day)]
    spent = [round(per_day.get(d, 0.0), 6) for d in days]
    budget = daily_budget_usd * calendar.monthrange(today.year, today.month)[1]
    total = round(sum(spent), 6)
    return {"month": f"{today:%Y-%m}", "spent_usd": total, "budget_usd": round(budget, 6),
            "share": round(total / budget, 4) if budget else 0.0, "today_usd": spent[-1],
            "daily_budget_usd": daily_budget_usd,
            "days": [{"day": d.isoformat(), "spent_usd": s} for d, s in zip(days, spent, strict=True)]}


# --- queries --------------------------------------------------------------------------------------------------

_ANSWER_KINDS = {"responded": RESPONDED, "interview": INTERVIEWED, "offer": OFFERED}

# Each job or application once, at its first time in a stage; then counted per period since the window's start.
_FUNNEL = """
WITH firsts AS (
    SELECT 'discovered' AS stage, min(occurred_at) AS at FROM view_discoveries WHERE user_id = $1
     GROUP BY canonical_job_id
    UNION ALL
    SELECT 'matched', min(occurred_at) FROM view_matches WHERE user_id = $1 AND decision = 'PROCEED'
     GROUP BY canonical_job_id
    UNION ALL
    SELECT 'prepared', min(occurred_at) FROM view_resumes WHERE user_id = $1 GROUP BY canonical_job_id
    UNION ALL
    SELECT 'submitted', submitted_at FROM view_submissions WHERE user_id = $1
    UNION ALL
    SELECT stage, min(e.occurred_at) FROM view_application_events e
      JOIN (VALUES ('responded', $4::text[]), ('interview', $5::text[]), ('offer', $6::text[])) AS k (stage, kinds)
        ON e.kind = ANY (k.kinds)
     WHERE e.user_id = $1 AND e.source IS NOT NULL GROUP BY stage, e.application_id
)
SELECT stage, date_trunc($2, at AT TIME ZONE 'UTC')::date AS bucket, count(*)::int AS n
  FROM firsts WHERE at >= $3 GROUP BY 1, 2
"""


async def funnel(db: Db, user_id: str, period: Period, span: int, *, now: dt.datetime) -> dict[str, Any]:
    """The user's funnel over the last `span` days or weeks (`funnel_series`)."""
    start = buckets(period, span, now=now)[0]
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    kinds = [sorted(k.value for k in _ANSWER_KINDS[s]) for s in ("responded", "interview", "offer")]
    rows = await db.fetch(_FUNNEL, user_id, period, since, *kinds)
    return funnel_series(((r["stage"], r["bucket"], r["n"]) for r in rows), period, span, now=now)


_SENT = """
SELECT s.variant_id, coalesce(a.posting ->> 'source', upper(split_part(s.canonical_job_id, ':', 1))) AS board,
       EXISTS (SELECT 1 FROM view_application_events e
                WHERE e.application_id = s.application_id AND e.user_id = $1 AND e.source IS NOT NULL
                  AND e.kind = ANY ($2::text[])) AS responded
  FROM view_submissions s LEFT JOIN view_applications a ON a.application_id = s.application_id AND a.user_id = $1
 WHERE s.user_id = $1
"""


async def response_rates(db: Db, user_id: str) -> dict[str, Any]:
    """`{"submitted", "responded", "rate", "by_variant": [...], "by_board": [...]}` over all the user's submitted
    applications (`rates_by`)."""
    rows = await db.fetch(_SENT, user_id, sorted(k.value for k in RESPONDED))
    sent = [Sent(r["variant_id"], r["board"] or "", r["responded"]) for r in rows]
    answered = sum(s.responded for s in sent)
    return {"submitted": len(sent), "responded": answered,
            "rate": round(answered / len(sent), 4) if sent else 0.0,
            "by_variant": rates_by(sent, "variant_id"), "by_board": rates_by(sent, "board")}
