"""What the learner concluded: per user and segment, a Beta posterior per resume variant, and the one way every
stage draws a variant from it (Thompson sampling, seeded by the application so a redelivery draws the same).

The success the learner counts is an interview (a screen or an interview or further) per application sent.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Annotated, ClassVar

from pydantic import Field

from streams.messages.common import Message, NonEmptyStr, UtcDatetime

# Below this share of draws no variant falls: the learner keeps learning about every variant it may send.
EXPLORATION_FLOOR = 0.05


def segment_of(seniority: str | None) -> str:
    """The segment an application is learned in: the posting's seniority ("Senior"), or "any" when unknown.
    Coarse on purpose: a segment needs outcomes to learn from, and a user has tens, not thousands."""
    return seniority or "any"


class ArmPosterior(Message):
    """Beta(alpha, beta) over one variant's interview rate in a segment: the cross-user prior (already shrunk to
    a pseudo-count) plus the user's own interviews (`successes`) out of applications with an outcome (`trials`)."""

    variant_id: NonEmptyStr
    alpha: Annotated[float, Field(gt=0.0)]
    beta: Annotated[float, Field(gt=0.0)]
    successes: Annotated[int, Field(ge=0)] = 0
    trials: Annotated[int, Field(ge=0)] = 0


class SegmentPosterior(Message):
    segment: NonEmptyStr
    arms: list[ArmPosterior] = []
    preferred_variant_id: str | None = None  # the arm with the highest posterior mean


class LearningUpdated(Message):
    """A user's posteriors after an outcome (or a change of the cross-user prior): read by submission for the
    variant choice and by the review queue for the order of variants."""

    avro_schema: ClassVar[str] = "learning_updated"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    segments: list[SegmentPosterior] = []
    outcomes_seen: Annotated[int, Field(ge=0)] = 0

    def segment(self, name: str) -> SegmentPosterior | None:
        return next((s for s in self.segments if s.segment == name), None)


def choose_variant(available: Sequence[str], posterior: SegmentPosterior | None, *, seed: str,
                   floor: float = EXPLORATION_FLOOR) -> str:
    """Thompson sampling: one draw from each available variant's Beta posterior (Beta(1, 1) for a variant the
    posterior does not know), the highest wins; with probability `floor` × len(available) a uniform pick instead,
    so no variant starves. Deterministic in `seed` (use the application id): a redelivered or replayed decision
    draws the same variant. Raises ValueError when nothing is available."""
    if not available:
        raise ValueError("no variant to choose from")
    options = sorted(set(available))
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    if rng.random() < floor * len(options):
        return options[rng.randrange(len(options))]
    arms = {a.variant_id: a for a in (posterior.arms if posterior else [])}
    draws = {v: rng.betavariate(arms[v].alpha, arms[v].beta) if v in arms else rng.betavariate(1.0, 1.0)
             for v in options}
    return max(options, key=lambda v: (draws[v], v))


# --- the learning processor's own records: contributions to the cross-user prior and its answers ------------------


class ArmCounts(Message):
    """Interviews (`successes`) out of applications with an outcome (`trials`) for one variant: plain counts."""

    variant_id: NonEmptyStr
    successes: Annotated[int, Field(ge=0)] = 0
    trials: Annotated[int, Field(ge=0)] = 0


class OutcomeContributed(Message):
    """A user's cell adds one outcome (or corrects one) to its segment's cross-user counts (re-keyed user ->
    segment). `contributor` is a derived id of the user and the segment, never the user id: the segment cell keeps
    only it and the highest `seq` it counted from it, so a contribution seen again (`seq` not above it) is not
    counted twice. `reply_to` names the user cell the answer (PriorDelivered) goes to; it is not kept."""

    avro_schema: ClassVar[str] = "outcome_contributed"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    segment: NonEmptyStr
    contributor: NonEmptyStr
    seq: Annotated[int, Field(ge=1)]  # 1, 2, 3... per contributor, in the order the user's cell counted them
    variant_id: NonEmptyStr
    successes: Annotated[int, Field(ge=-1, le=1)] = 0  # -1 only in a correction (an interview taken back)
    trials: Annotated[int, Field(ge=0, le=1)] = 0  # 0 in a correction of an outcome counted before
    reply_to: NonEmptyStr


class PriorDelivered(Message):
    """A segment's cross-user counts after a user's contribution, for that user's cell (re-keyed segment -> user).
    `arms`, `users` and `outcomes` include the user's own contributions up to `through_seq`; the user's cell takes
    them out again (it knows them), so its prior is what the other users saw."""

    avro_schema: ClassVar[str] = "prior_delivered"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    user_id: NonEmptyStr
    segment: NonEmptyStr
    version: Annotated[int, Field(ge=1)]  # contributions the segment counted: a later answer has a higher one
    through_seq: Annotated[int, Field(ge=1)]
    users: Annotated[int, Field(ge=0)]
    arms: list[ArmCounts] = []


class CountedOutcome(Message):
    """One line of a user's learning ledger: an application's outcome counted (or corrected) in a segment."""

    application_id: NonEmptyStr
    segment: NonEmptyStr
    seq: Annotated[int, Field(ge=1)]
    variant_id: NonEmptyStr
    successes: Annotated[int, Field(ge=-1, le=1)] = 0
    trials: Annotated[int, Field(ge=0, le=1)] = 0
    occurred_at: UtcDatetime  # the WorkflowCompleted's: a completion no later than this one is not news


class OthersCounts(Message):
    """What the other users of a segment saw, as of the segment's `version`: the raw material of the prior."""

    segment: NonEmptyStr
    version: Annotated[int, Field(ge=1)]
    users: Annotated[int, Field(ge=0)]
    arms: list[ArmCounts] = []


class LearningUser(Message):
    """The learning processor's state for one user (in the user's cell): every outcome it counted, in order,
    and the other users' counts per segment."""

    avro_schema: ClassVar[str] = "learning_user"
    user_id: NonEmptyStr
    ledger: list[CountedOutcome] = []
    others: list[OthersCounts] = []


class LearningSegment(Message):
    """The cross-user counts of one segment (in the segment's cell): counts per variant, and per contributor
    (a derived id, not a user id) only the highest contribution number counted."""

    avro_schema: ClassVar[str] = "learning_segment"
    segment: NonEmptyStr
    version: Annotated[int, Field(ge=0)] = 0
    contributors: dict[str, int] = {}
    arms: list[ArmCounts] = []
