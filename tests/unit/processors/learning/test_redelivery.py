"""Learning's cells under the generic delivery property (hypothesis): a user's completions and the segment's
answers, or a segment's contributions, processed again — at once or a year later — change nothing and give the
very same events (ids and times)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from processors.learning.step import segment_step, user_step
from streams.ids import derived_id
from streams.messages import ArmCounts, OutcomeContributed, PriorDelivered, WorkflowCompleted, WorkflowOutcome
from tests.support.redelivery import NOW, assert_redelivery_changes_nothing

VARIANTS = ("experience_first-v1", "skills_first-v1")


@st.composite
def user_events(draw: st.DrawFn) -> list[object]:
    """One user's completions (an application may complete again with a later verdict) and the segment's answers
    (each to a contribution made before it), each later than the last."""
    events: list[object] = []
    version = completions = 0
    for n in range(draw(st.integers(1, 8))):
        at = NOW + timedelta(hours=n)
        if not completions or draw(st.integers(0, 3)):
            completions += 1
            job, hit = draw(st.integers(1, 3)), draw(st.booleans())
            outcome = WorkflowOutcome.INTERVIEW if hit else WorkflowOutcome.NO_RESPONSE
            events.append(WorkflowCompleted(
                event_id=derived_id("test-completed", str(job), outcome.value, str(n)), user_id="u1",
                occurred_at=at, canonical_job_id=f"job-{job}", application_id=f"app-{job}",
                variant_id=draw(st.sampled_from(VARIANTS)), outcome=outcome, segment="Senior", seniority="Senior",
                responded=hit, interviewed=hit))
        else:
            version += draw(st.integers(1, 2))
            events.append(PriorDelivered(
                event_id=f"prior-{version}", occurred_at=at, user_id="u1", segment="Senior", version=version,
                through_seq=draw(st.integers(1, completions)), users=draw(st.integers(1, 40)),
                arms=[ArmCounts(variant_id=v, trials=draw(st.integers(0, 60)), successes=draw(st.integers(0, 5)))
                      for v in VARIANTS]))
    return events


@given(data=st.data(), events=user_events())
def test_a_users_cell_counts_each_outcome_once_and_says_the_same_again(data: st.DataObject, events: list[object]
                                                                       ) -> None:
    start = data.draw(st.integers(0, len(events) - 1))
    assert_redelivery_changes_nothing(user_step, None, events, start, port=lambda request: [])


@given(data=st.data(), seqs=st.lists(st.tuples(st.sampled_from(["k1", "k2"]), st.booleans()), min_size=1,
                                     max_size=8))
def test_a_segments_cell_counts_each_contribution_once_and_answers_the_same_again(
        data: st.DataObject, seqs: list[tuple[str, bool]]) -> None:
    events: list[object] = []
    last: dict[str, int] = {}
    for n, (contributor, hit) in enumerate(seqs):
        last[contributor] = last.get(contributor, 0) + 1  # a contributor's seqs arrive in order
        events.append(OutcomeContributed(
            event_id=f"c-{contributor}-{last[contributor]}", occurred_at=NOW + timedelta(hours=n), segment="Senior",
            contributor=contributor, seq=last[contributor], variant_id=VARIANTS[n % 2], successes=int(hit),
            trials=1, reply_to=f"user-{contributor}"))
    start = data.draw(st.integers(0, len(events) - 1))
    assert_redelivery_changes_nothing(segment_step, None, events, start, port=lambda request: [])
