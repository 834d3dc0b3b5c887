"""`resumeflow learning simulate`: does the learner find the variant that gets more interviews, and how fast?

A hidden truth: three variants with interview rates 0.10 / 0.10 / 0.20 for "Senior" applications and equal rates
in the other segments (Mid, Junior), where there is nothing to find. Applications arrive (half of them Senior,
segment drawn at random); each is sent with the variant `streams.messages.learning.choose_variant` draws from the
posteriors of the user's latest `LearningUpdated` (seeded by the application id, as submission draws); its
outcome is drawn from the truth and fed to the processor's own `user_step` as a `workflow.completed` record, whose
`LearningUpdated` is the next posterior. One user, so no cross-user prior: the learner alone.

**Prefers** the best variant after its t-th Senior outcome: the Senior posterior's `preferred_variant_id`
(highest posterior mean) is the best variant then and after each of the next STAY Senior outcomes. Senior
outcomes are what it learns from (the learner keeps each segment apart, and elsewhere every variant is as good);
the run also reports how many outcomes of all segments had arrived by then (about twice as many). **Regret**:
interviews expected from always sending the best variant minus those expected from the variants sent, over the
whole run. TARGET_OUTCOMES bounds the median and the worst over the seeds (in Senior outcomes).
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from processors.learning.step import user_step
from streams.ids import derived_id
from streams.messages import (
    LearningUpdated,
    LearningUser,
    SegmentPosterior,
    WorkflowCompleted,
    WorkflowOutcome,
    choose_variant,
)

VARIANTS = ("experience_first-v1", "projects_first-v1", "skills_first-v1")
LEARNED_SEGMENT = "Senior"
BEST = "skills_first-v1"
TRUTH: dict[str, dict[str, float]] = {
    "Senior": {"experience_first-v1": 0.10, "projects_first-v1": 0.10, "skills_first-v1": 0.20},
    "Mid": dict.fromkeys(VARIANTS, 0.15),
    "Junior": dict.fromkeys(VARIANTS, 0.10),
}
SEGMENT_SHARES = {"Senior": 0.5, "Mid": 0.25, "Junior": 0.25}
STAY = 100  # outcomes the preference must hold for after it is first reached
TARGET_OUTCOMES = 500
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results" / "learning_simulation.json"


@dataclass(frozen=True)
class RunResult:
    seed: int
    outcomes: int
    prefers_after: int | None  # Senior outcomes until it prefers the best for good (STAY more); None: not reached
    prefers_after_all: int | None  # the same moment, in outcomes of every segment
    regret: float  # expected interviews lost against always sending the best variant
    best_share_senior: float  # share of Senior applications sent with the best variant


@dataclass(frozen=True)
class Summary:
    runs: list[RunResult]
    median_prefers_after: float | None  # None when half the runs or more never prefer it
    worst_prefers_after: int | None  # None when a run never prefers it
    mean_regret: float
    target_met: bool


def run(seed: int, outcomes: int, *, learn: bool = True) -> RunResult:
    """One user's applications, `outcomes` of them. `learn=False` never feeds an outcome back to the learner (the
    check must fail then: it proves the figures come from what was learned)."""
    rng = random.Random(seed)
    user_id = derived_id("simulated-user", str(seed))
    cell: LearningUser | None = None
    posterior: dict[str, SegmentPosterior] = {}
    preferred_after: list[str | None] = []  # after each Senior outcome
    arrived: list[int] = []  # outcomes of every segment by then
    regret = 0.0
    senior = senior_best = 0
    segments, shares = list(SEGMENT_SHARES), list(SEGMENT_SHARES.values())
    for i in range(outcomes):
        segment = rng.choices(segments, shares)[0]
        application_id = derived_id("simulated-application", str(seed), str(i))
        variant = choose_variant(VARIANTS, posterior.get(segment), seed=application_id)
        rates = TRUTH[segment]
        regret += max(rates.values()) - rates[variant]
        if segment == LEARNED_SEGMENT:
            senior += 1
            senior_best += variant == BEST
        interviewed = rng.random() < rates[variant]
        event = WorkflowCompleted(
            event_id=derived_id("simulated-completed", application_id), user_id=user_id,
            occurred_at=START + timedelta(hours=i), canonical_job_id=f"job-{seed}-{i}", application_id=application_id,
            variant_id=variant, outcome=WorkflowOutcome.INTERVIEW if interviewed else WorkflowOutcome.NO_RESPONSE,
            segment=segment, seniority=segment, responded=interviewed, interviewed=interviewed)
        if learn:
            cell, outputs = user_step(cell, event, now=event.occurred_at)
            for out in outputs:
                if isinstance(out, LearningUpdated):
                    posterior = {s.segment: s for s in out.segments}
        if segment == LEARNED_SEGMENT:
            learned = posterior.get(LEARNED_SEGMENT)
            preferred_after.append(learned.preferred_variant_id if learned else None)
            arrived.append(i + 1)
    prefers_after = _prefers_after(preferred_after)
    return RunResult(seed=seed, outcomes=outcomes, prefers_after=prefers_after,
                     prefers_after_all=arrived[prefers_after - 1] if prefers_after is not None else None,
                     regret=round(regret, 3), best_share_senior=round(senior_best / max(senior, 1), 3))


def _prefers_after(preferred_after: Sequence[str | None]) -> int | None:
    """The first t (1-based) with the best preferred after outcome t and after each of the next STAY."""
    streak_start: int | None = None
    for t, choice in enumerate(preferred_after, start=1):
        if choice != BEST:
            streak_start = None
            continue
        streak_start = streak_start or t
        if t - streak_start >= STAY:
            return streak_start
    return None


def simulate(seeds: Sequence[int], outcomes: int, *, learn: bool = True) -> Summary:
    runs = [run(seed, outcomes, learn=learn) for seed in seeds]
    reached = [r.prefers_after for r in runs]
    never = [r for r in reached if r is None]
    ordered = sorted(r if r is not None else float("inf") for r in reached)
    median = statistics.median(ordered)
    worst = None if never else max(r for r in reached if r is not None)
    return Summary(runs=runs, median_prefers_after=None if median == float("inf") else median,
                   worst_prefers_after=worst, mean_regret=round(statistics.fmean(r.regret for r in runs), 3),
                   target_met=worst is not None and worst < TARGET_OUTCOMES)


def report_lines(summary: Summary) -> list[str]:
    lines = [f"truth: {LEARNED_SEGMENT} interview rates {TRUTH[LEARNED_SEGMENT]}, equal in "
             f"{', '.join(s for s in TRUTH if s != LEARNED_SEGMENT)}; {SEGMENT_SHARES[LEARNED_SEGMENT]:.0%} of the "
             "applications are Senior",
             f"{'seed':>6} {'prefers best after (Senior / all outcomes)':>44} {'regret':>7} "
             f"{'best share (Senior)':>20}"]
    for r in summary.runs:
        after = (f"{r.prefers_after} / {r.prefers_after_all}" if r.prefers_after is not None
                 else f"not in {r.outcomes}")
        lines.append(f"{r.seed:>6} {after:>44} {r.regret:>7.1f} {r.best_share_senior:>20.0%}")
    median = summary.median_prefers_after
    lines.append(f"Senior outcomes until it prefers the best (and keeps it {STAY} more): median "
                 f"{median if median is not None else 'never'}, worst "
                 f"{summary.worst_prefers_after if summary.worst_prefers_after is not None else 'never'}; "
                 f"target under {TARGET_OUTCOMES}: {'met' if summary.target_met else 'NOT met'}")
    outcomes = summary.runs[0].outcomes if summary.runs else 0
    lines.append(f"regret: {summary.mean_regret:.1f} interviews lost on average over {outcomes} applications "
                 "against always sending the best variant")
    return lines


def write_results(summary: Summary, path: Path = RESULTS) -> Path:
    """The figures as JSON, with the date and the commit they were measured on."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    document = {
        "benchmark": "learning_simulation", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": commit, "truth": TRUTH, "segment_shares": SEGMENT_SHARES, "stay": STAY,
        "target_outcomes": TARGET_OUTCOMES, "median_prefers_after": summary.median_prefers_after,
        "worst_prefers_after": summary.worst_prefers_after, "mean_regret": summary.mean_regret,
        "target_met": summary.target_met, "runs": [asdict(r) for r in summary.runs],
        "machine": {"python": platform.python_version()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
