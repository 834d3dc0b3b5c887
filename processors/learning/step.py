"""Learning's pure core: a user's outcomes become posteriors; a segment's cell counts everyone's, anonymously.

In the user's cell (keyed by user id):

    WorkflowCompleted (a trial, `posterior.counts_as_trial`)
      new application         -> ledger line, seq n+1 in its segment -> OutcomeContributed (to the segment's cell)
                                                                        + LearningUpdated
      counted, later verdict  -> a correction (interview +1/-1, no trial) -> the same two
      counted, nothing new    -> nothing (a redelivery, a replay, an older completion)
    PriorDelivered (the segment's counts as of `version`)
      newer than the kept one -> the other users' counts (the answer minus the user's own 1..through_seq); a
                                 LearningUpdated when the posteriors changed

In the segment's cell (keyed by segment):

    OutcomeContributed seq above the contributor's last -> counted; PriorDelivered to `reply_to`
                       seq at or below it               -> nothing (counted before)

Ids derive from the contributor and its seq, and from the input event, so a redelivery sends the same ids; times
are the input's (`occurred_at` of the completion, the answer, the contribution), never the clock, so a record
processed again, however much later, gives the very same events.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from processors.learning.posterior import counts_as_trial, outcomes_seen, own_counts, posteriors, segment_for
from streams.ids import derived_id
from streams.messages import (
    ArmCounts,
    CountedOutcome,
    LearningSegment,
    LearningUpdated,
    LearningUser,
    OthersCounts,
    OutcomeContributed,
    PriorDelivered,
    WorkflowCompleted,
)
from streams.settings import Settings

UserEvent = WorkflowCompleted | PriorDelivered


def contributor_key(secret: str | None) -> bytes | None:
    """The key contributor names are made with: derived from the deployment's secret (`RESUMEFLOW_API_SECRET`) for
    this one use, so it is neither the secret nor the key of any other use; None without a secret."""
    if not secret:
        return None
    return hmac.new(secret.encode(), b"resumeflow learning contributor", hashlib.sha256).digest()


def contributor_of(user_id: str, segment: str, key: bytes | None = None) -> str:
    """The name a user goes by in one segment's counts: not the user id, and different in every segment.

    With a `key` (`contributor_key`): HMAC-SHA256 of the user id and the segment, which no one without the
    deployment's secret can compute from a user id. Without one: a UUIDv5 of them, which anyone who knows a user
    id can (it then only keeps the id itself out of the segment cell's state)."""
    if key is None:
        return derived_id("learning-contributor", user_id, segment)
    return hmac.new(key, f"{user_id}\x1f{segment}".encode(), hashlib.sha256).hexdigest()[:32]


def user_step_for(settings: Settings) -> Callable[..., tuple[LearningUser | None, list[Any]]]:
    """`user_step` with the contributor key of this deployment (`contributor_key(settings.api_secret)`)."""
    return partial(user_step, key=contributor_key(settings.api_secret))


def user_step(cell: LearningUser | None, event: UserEvent, *, now: datetime, key: bytes | None = None
              ) -> tuple[LearningUser | None, list[Any]]:
    """Apply `event` to the user's learning `cell`; `key` names the user's contributions (`contributor_of`)."""
    match event:
        case WorkflowCompleted():
            if not counts_as_trial(event):
                return cell, []
            return _completed(cell or LearningUser(user_id=event.user_id), event, key=key)
        case PriorDelivered():
            if cell is None:  # an answer to a contribution this cell never made (its state was lost): no own counts
                return cell, []
            return _prior(cell, event)
    raise TypeError(f"a learning user cell does not take {type(event).__name__}")


def _completed(cell: LearningUser, event: WorkflowCompleted, *, key: bytes | None) -> tuple[LearningUser, list[Any]]:
    application_id = event.application_id or derived_id("application", event.user_id, event.canonical_job_id)
    counted = [e for e in cell.ledger if e.application_id == application_id]
    if counted:
        interviewed = sum(e.successes for e in counted) > 0
        if event.occurred_at <= max(e.occurred_at for e in counted) or event.interviewed == interviewed:
            return cell, []
        # A later verdict on an application counted before (an interview after NO_RESPONSE): correct, no new trial.
        first = counted[0]
        segment, variant_id, successes, trials = first.segment, first.variant_id, 1 if event.interviewed else -1, 0
    else:
        assert event.variant_id is not None  # counts_as_trial
        segment, variant_id, successes, trials = segment_for(event), event.variant_id, int(event.interviewed), 1
    seq = 1 + sum(1 for e in cell.ledger if e.segment == segment)
    entry = CountedOutcome(application_id=application_id, segment=segment, seq=seq, variant_id=variant_id,
                           successes=successes, trials=trials, occurred_at=event.occurred_at)
    contributor = contributor_of(cell.user_id, segment, key)
    contribution = OutcomeContributed(
        event_id=derived_id("learning-contribution", contributor, str(seq)), occurred_at=event.occurred_at,
        segment=segment,
        contributor=contributor, seq=seq, variant_id=variant_id, successes=successes, trials=trials,
        reply_to=cell.user_id)
    cell = cell.model_copy(update={"ledger": [*cell.ledger, entry]})
    return cell, [contribution, _updated(cell, derived_id("learning-updated", cell.user_id, event.event_id),
                                         event.occurred_at)]


def _prior(cell: LearningUser, event: PriorDelivered) -> tuple[LearningUser, list[Any]]:
    kept = next((o for o in cell.others if o.segment == event.segment), None)
    if kept is not None and kept.version >= event.version:
        return cell, []  # an older or repeated answer
    mine = own_counts(cell, event.segment, through_seq=event.through_seq)
    arms = []
    for arm in event.arms:
        own = mine.get(arm.variant_id, ArmCounts(variant_id=arm.variant_id))
        trials = max(arm.trials - own.trials, 0)
        if trials:
            arms.append(ArmCounts(variant_id=arm.variant_id, trials=trials,
                                  successes=min(max(arm.successes - own.successes, 0), trials)))
    others = OthersCounts(segment=event.segment, version=event.version, users=max(event.users - 1, 0), arms=arms)
    updated = cell.model_copy(update={"others": sorted([*(o for o in cell.others if o.segment != event.segment),
                                                        others], key=lambda o: o.segment)})
    if posteriors(updated) == posteriors(cell):
        return updated, []  # below the minimum, or the same figures: nothing new to tell
    return updated, [_updated(updated, derived_id("learning-updated", cell.user_id, event.event_id),
                              event.occurred_at)]


def _updated(cell: LearningUser, event_id: str, at: datetime) -> LearningUpdated:
    return LearningUpdated(event_id=event_id, user_id=cell.user_id, occurred_at=at, segments=posteriors(cell),
                           outcomes_seen=outcomes_seen(cell))


def segment_step(cell: LearningSegment | None, event: OutcomeContributed, *, now: datetime
                 ) -> tuple[LearningSegment, list[Any]]:
    cell = cell or LearningSegment(segment=event.segment)
    if event.seq <= cell.contributors.get(event.contributor, 0):
        # Counted before. A contributor's contributions reach this partition in seq order: one user partition's
        # producer sends them (aiokafka keeps one request in flight per partition, retries included), and after a
        # crash or a move the cell's state holds n only when n was acknowledged. So a lower seq is a repeat.
        return cell, []
    arms = {a.variant_id: a for a in cell.arms}
    arm = arms.get(event.variant_id, ArmCounts(variant_id=event.variant_id))
    arms[event.variant_id] = ArmCounts(variant_id=event.variant_id, successes=max(arm.successes + event.successes, 0),
                                       trials=arm.trials + event.trials)
    cell = cell.model_copy(update={
        "version": cell.version + 1, "contributors": {**cell.contributors, event.contributor: event.seq},
        "arms": [arms[v] for v in sorted(arms)]})
    answer = PriorDelivered(event_id=derived_id("learning-prior", event.event_id), occurred_at=event.occurred_at,
                            user_id=event.reply_to, segment=cell.segment, version=cell.version,
                            through_seq=event.seq, users=len(cell.contributors), arms=cell.arms)
    return cell, [answer]
