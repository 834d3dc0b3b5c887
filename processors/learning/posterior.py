"""The learner's arithmetic, pure: which outcomes count, the cross-user prior and the posteriors it publishes.

A variant's interview rate in a segment is Beta(alpha, beta):

    alpha = 1 + w·r + s        beta = 1 + w·(1 − r) + (n − s)

with `s` interviews out of `n` of the user's own applications sent with it, and `r` the other users' interview
rate for the variant in the segment, weighted `w = min(their outcomes with it, PRIOR_PSEUDO_COUNT)`: the prior is
worth at most ten observations, so a user's own outcomes outweigh it from the eleventh on. The other users' counts
are used only when they are at least MIN_PRIOR_OUTCOMES outcomes from at least MIN_PRIOR_USERS users in the
segment (the same threshold that lets a cross-user row into the rates report); below it the prior is Beta(1, 1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from streams.messages import (
    ArmCounts,
    ArmPosterior,
    LearningUser,
    OthersCounts,
    SegmentPosterior,
    WorkflowCompleted,
    WorkflowOutcome,
    segment_of,
)

MIN_PRIOR_OUTCOMES = 20  # other users' outcomes in a segment before their counts are used or shown
MIN_PRIOR_USERS = 5  # ... and how many other users they must come from: no one user's outcomes stand out
PRIOR_PSEUDO_COUNT = 10  # the prior is worth at most this many observations per variant


def has_verdict(event: WorkflowCompleted) -> bool:
    """An application that reached the employer and has a verdict on it: not SKIPPED (never sent), nor withdrawn
    by the user before the employer answered (`responded`: a rejection, screen, interview or offer). The one rule
    for the learner (`counts_as_trial`) and the rates report (`report.was_sent`)."""
    return event.outcome is not WorkflowOutcome.SKIPPED and (
        event.outcome is not WorkflowOutcome.WITHDRAWN or event.responded)


def counts_as_trial(event: WorkflowCompleted) -> bool:
    """An application the learner learns from: sent with a known variant, and `has_verdict`."""
    return bool(event.variant_id) and has_verdict(event)


def segment_for(event: WorkflowCompleted) -> str:
    """The segment the outcome is learned in: the one it was chosen in, else the one its seniority names."""
    return event.segment or segment_of(event.seniority or None)


def own_counts(cell: LearningUser, segment: str, *, through_seq: int | None = None) -> dict[str, ArmCounts]:
    """The user's interviews and trials per variant in `segment` (only contributions 1..`through_seq` if given)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in cell.ledger:
        if entry.segment == segment and (through_seq is None or entry.seq <= through_seq):
            sums[entry.variant_id][0] += entry.successes
            sums[entry.variant_id][1] += entry.trials
    return {v: ArmCounts(variant_id=v, successes=max(s, 0), trials=n) for v, (s, n) in sums.items()}


def prior_usable(others: OthersCounts | None) -> bool:
    """Enough other users' outcomes to use (and show): MIN_PRIOR_OUTCOMES from MIN_PRIOR_USERS users."""
    if others is None:
        return False
    return others.users >= MIN_PRIOR_USERS and sum(a.trials for a in others.arms) >= MIN_PRIOR_OUTCOMES


def prior_for(arm: ArmCounts | None) -> tuple[float, float]:
    """Beta(alpha, beta) for a variant from the other users' counts of it, shrunk to PRIOR_PSEUDO_COUNT."""
    if arm is None or arm.trials == 0:
        return 1.0, 1.0
    weight = min(arm.trials, PRIOR_PSEUDO_COUNT)
    rate = min(arm.successes, arm.trials) / arm.trials
    return 1.0 + weight * rate, 1.0 + weight * (1.0 - rate)


def segment_posterior(cell: LearningUser, segment: str) -> SegmentPosterior:
    """The user's posterior per variant in `segment`: every variant they sent, and every variant of a usable
    prior. `preferred_variant_id` is the variant with the highest posterior mean; None while two share it."""
    own = own_counts(cell, segment)
    others = next((o for o in cell.others if o.segment == segment), None)
    prior_arms = {a.variant_id: a for a in others.arms} if others is not None and prior_usable(others) else {}
    arms = []
    for variant in sorted(set(own) | set(prior_arms)):
        alpha, beta = prior_for(prior_arms.get(variant))
        mine = own.get(variant, ArmCounts(variant_id=variant))
        arms.append(ArmPosterior(variant_id=variant, alpha=alpha + mine.successes,
                                 beta=beta + mine.trials - mine.successes, successes=mine.successes,
                                 trials=mine.trials))
    return SegmentPosterior(segment=segment, arms=arms, preferred_variant_id=preferred(arms))


def preferred(arms: Iterable[ArmPosterior]) -> str | None:
    means = sorted(((round(a.alpha / (a.alpha + a.beta), 12), a.variant_id) for a in arms), reverse=True)
    if not means or (len(means) > 1 and means[0][0] == means[1][0]):
        return None
    return means[0][1]


def posteriors(cell: LearningUser) -> list[SegmentPosterior]:
    """Every segment the user has outcomes in (a prior arrives only for those), by name."""
    segments = sorted({e.segment for e in cell.ledger} | {o.segment for o in cell.others})
    return [segment_posterior(cell, s) for s in segments]


def outcomes_seen(cell: LearningUser) -> int:
    return sum(e.trials for e in cell.ledger)
