"""Learning's step: outcomes counted once whatever is redelivered, the cross-user prior anonymous, leave-one-out,
shrunk, and used only above its minimum."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.learning.posterior import (
    MIN_PRIOR_OUTCOMES,
    MIN_PRIOR_USERS,
    PRIOR_PSEUDO_COUNT,
    prior_usable,
    segment_posterior,
)
from processors.learning.step import contributor_key, contributor_of, segment_step, user_step, user_step_for
from streams.ids import derived_id, user_id_for_email
from streams.messages import (
    ArmCounts,
    LearningSegment,
    LearningUpdated,
    LearningUser,
    OthersCounts,
    OutcomeContributed,
    PriorDelivered,
    WorkflowCompleted,
    WorkflowOutcome,
)
from streams.settings import Settings

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
VARIANTS = ("experience_first-v1", "projects_first-v1", "skills_first-v1")


def completed(user: str, job: int, variant: str | None, *, interviewed: bool, segment: str = "Senior",
              outcome: WorkflowOutcome | None = None, at: datetime = NOW, event: str = "") -> WorkflowCompleted:
    outcome = outcome or (WorkflowOutcome.INTERVIEW if interviewed else WorkflowOutcome.NO_RESPONSE)
    return WorkflowCompleted(
        event_id=event or derived_id("test-completed", user, str(job), outcome.value), user_id=user,
        occurred_at=at, canonical_job_id=f"job-{job}", variant_id=variant, outcome=outcome, segment=segment,
        seniority=segment, responded=interviewed, interviewed=interviewed)


class Bus:
    """The processor's two cell agents and its two internal topics, in memory: what Kafka does between them,
    including delivering a record more than once."""

    def __init__(self) -> None:
        self.users: dict[str, LearningUser | None] = {}
        self.segments: dict[str, LearningSegment | None] = {}
        self.to_users: deque[Any] = deque()
        self.to_segments: deque[OutcomeContributed] = deque()
        self.updates: list[LearningUpdated] = []
        self.contributions: list[OutcomeContributed] = []

    def user(self, event: WorkflowCompleted | PriorDelivered) -> None:
        cell, outputs = user_step(self.users.get(event.user_id), event, now=NOW)
        self.users[event.user_id] = cell
        for out in outputs:
            if isinstance(out, OutcomeContributed):
                self.contributions.append(out)
                self.to_segments.append(out)
            else:
                assert isinstance(out, LearningUpdated)
                self.updates.append(out)

    def segment(self, event: OutcomeContributed) -> None:
        cell, outputs = segment_step(self.segments.get(event.segment), event, now=NOW)
        self.segments[event.segment] = cell
        self.to_users.extend(outputs)

    def settle(self, *, repeat_contributions: bool = False, repeat_answers: bool = False) -> None:
        while self.to_segments or self.to_users:
            while self.to_segments:
                contribution = self.to_segments.popleft()
                self.segment(contribution)
                if repeat_contributions:
                    self.segment(contribution)
            while self.to_users:
                answer = self.to_users.popleft()
                self.user(answer)
                if repeat_answers:
                    self.user(answer)


outcome_lists = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 7), st.sampled_from(VARIANTS), st.booleans(),
              st.sampled_from(["Senior", "Mid"])),
    min_size=1, max_size=40)


def _events(outcomes: list[tuple[int, int, str, bool, str]]) -> list[WorkflowCompleted]:
    return [completed(f"user-{u}", job, variant, interviewed=hit, segment=segment)
            for u, job, variant, hit, segment in outcomes]


@settings(max_examples=60, deadline=None)
@given(outcomes=outcome_lists, repeats=st.lists(st.integers(0, 39), max_size=20))
def test_redelivered_outcomes_never_change_a_posterior_or_the_cross_user_counts(
        outcomes: list[tuple[int, int, str, bool, str]], repeats: list[int]) -> None:
    events = _events(outcomes)
    once = Bus()
    for event in events:
        once.user(event)
        once.settle()
    again = Bus()
    for i, event in enumerate(events):
        again.user(event)
        for j in repeats:  # earlier records delivered again, as after a crash before the commit
            if j <= i:
                again.user(events[j])
        again.settle(repeat_contributions=True, repeat_answers=True)
    assert again.users == once.users
    assert again.segments == once.segments
    assert {u.event_id for u in again.updates} == {u.event_id for u in once.updates}


@settings(max_examples=60, deadline=None)
@given(outcomes=outcome_lists)
def test_each_application_is_one_trial_and_the_segment_counts_add_up(
        outcomes: list[tuple[int, int, str, bool, str]]) -> None:
    bus = Bus()
    first: dict[tuple[str, str], WorkflowCompleted] = {}
    for event in _events(outcomes):
        first.setdefault((event.user_id, event.canonical_job_id), event)
        bus.user(event)
    bus.settle()
    for segment in {e.segment for e in first.values()}:
        counted = [e for e in first.values() if e.segment == segment]
        cell = bus.segments[segment]
        assert cell is not None
        assert sum(a.trials for a in cell.arms) == len(counted)
        assert sum(a.successes for a in cell.arms) == sum(e.interviewed for e in counted)
        assert len(cell.contributors) == len({e.user_id for e in counted})
        assert not any(user.startswith("user-") for user in cell.contributors)  # no user id kept


def test_the_segment_cell_ignores_a_contribution_it_counted() -> None:
    contribution = OutcomeContributed(event_id="c1", occurred_at=NOW, segment="Senior", contributor="k", seq=1,
                                      variant_id=VARIANTS[0], successes=1, trials=1, reply_to="user-1")
    cell, answers = segment_step(None, contribution, now=NOW)
    assert [a.through_seq for a in answers] == [1] and answers[0].user_id == "user-1"
    same, none = segment_step(cell, contribution, now=NOW)
    assert same == cell and none == []


def test_a_skipped_or_variantless_application_teaches_nothing() -> None:
    for event in (completed("u", 1, VARIANTS[0], interviewed=False, outcome=WorkflowOutcome.SKIPPED),
                  completed("u", 2, None, interviewed=True),
                  completed("u", 3, VARIANTS[0], interviewed=False, outcome=WorkflowOutcome.WITHDRAWN)):
        assert user_step(None, event, now=NOW) == (None, [])


def test_a_later_interview_corrects_a_no_response_and_an_older_replay_does_not_undo_it() -> None:
    bus = Bus()
    bus.user(completed("u", 1, VARIANTS[0], interviewed=False))
    bus.user(completed("u", 1, VARIANTS[0], interviewed=True, at=NOW + timedelta(days=3)))
    bus.user(completed("u", 1, VARIANTS[0], interviewed=False))  # the first completion, replayed
    bus.settle()
    arm = segment_posterior(bus.users["u"], "Senior").arms[0]  # type: ignore[arg-type]
    assert (arm.successes, arm.trials, arm.alpha, arm.beta) == (1, 1, 2.0, 1.0)
    segment = bus.segments["Senior"]
    assert segment is not None and segment.arms == [ArmCounts(variant_id=VARIANTS[0], successes=1, trials=1)]


def _crowd(bus: Bus, users: int, per_user: int, *, hits_on: str) -> None:
    """`users` other users, each with `per_user` outcomes per variant; only `hits_on` gets interviews."""
    for u in range(users):
        for j in range(per_user * len(VARIANTS)):
            variant = VARIANTS[j % len(VARIANTS)]
            bus.user(completed(f"other-{u}", j, variant, interviewed=variant == hits_on))
    bus.settle()


def _me(bus: Bus, job: int, variant: str = VARIANTS[0], *, hit: bool = False) -> LearningUser:
    bus.user(completed("me", job, variant, interviewed=hit))
    bus.settle()
    cell = bus.users["me"]
    assert cell is not None
    return cell


def test_no_prior_below_the_minimum_number_of_other_users() -> None:
    bus = Bus()
    _crowd(bus, MIN_PRIOR_USERS - 1, 3 * MIN_PRIOR_OUTCOMES, hits_on=VARIANTS[2])
    me = _me(bus, 1)
    others = next(o for o in me.others if o.segment == "Senior")
    assert others.users == MIN_PRIOR_USERS - 1 and not prior_usable(others)
    posterior = segment_posterior(me, "Senior")
    assert [(a.variant_id, a.alpha, a.beta) for a in posterior.arms] == [(VARIANTS[0], 1.0, 2.0)]


def test_no_prior_below_the_minimum_number_of_outcomes() -> None:
    bus = Bus()
    _crowd(bus, MIN_PRIOR_USERS, 1, hits_on=VARIANTS[2])  # enough users, one outcome per variant each
    me = _me(bus, 1)
    others = next(o for o in me.others if o.segment == "Senior")
    assert others.users == MIN_PRIOR_USERS
    assert sum(a.trials for a in others.arms) == MIN_PRIOR_USERS * len(VARIANTS) < MIN_PRIOR_OUTCOMES
    assert not prior_usable(others)
    assert [a.variant_id for a in segment_posterior(me, "Senior").arms] == [VARIANTS[0]]
    _crowd(bus, MIN_PRIOR_USERS, 2, hits_on=VARIANTS[2])  # the same users, more outcomes: now above it
    me = _me(bus, 2)
    assert prior_usable(next(o for o in me.others if o.segment == "Senior"))
    assert [a.variant_id for a in segment_posterior(me, "Senior").arms] == list(VARIANTS)


def test_above_the_minimum_the_prior_is_what_the_others_saw_shrunk_and_without_the_users_own() -> None:
    bus = Bus()
    _crowd(bus, MIN_PRIOR_USERS, 8, hits_on=VARIANTS[2])
    me = _me(bus, 1, VARIANTS[2], hit=False)  # the user's own miss on the others' favourite
    arms = {a.variant_id: a for a in segment_posterior(me, "Senior").arms}
    assert set(arms) == set(VARIANTS)  # the prior brings the variants the user never sent
    # others: 40 trials of VARIANTS[2], all interviews -> weight 10, rate 1: Beta(11, 1); plus the user's miss.
    assert (arms[VARIANTS[2]].alpha, arms[VARIANTS[2]].beta) == (1 + PRIOR_PSEUDO_COUNT, 1.0 + 1)
    assert (arms[VARIANTS[0]].alpha, arms[VARIANTS[0]].beta) == (1.0, 1 + PRIOR_PSEUDO_COUNT)
    others = next(o for o in me.others if o.segment == "Senior")
    assert others.users == MIN_PRIOR_USERS  # the user is not one of the "others"
    assert sum(a.trials for a in others.arms) == MIN_PRIOR_USERS * 8 * len(VARIANTS)
    assert segment_posterior(me, "Senior").preferred_variant_id == VARIANTS[2]


@settings(max_examples=200, deadline=None)
@given(successes=st.integers(0, 10_000), extra=st.integers(0, 10_000), own_hits=st.integers(0, 50),
       own_misses=st.integers(1, 50))
def test_the_prior_is_worth_at_most_its_pseudo_count_and_the_users_own_outcomes_count_in_full(
        successes: int, extra: int, own_hits: int, own_misses: int) -> None:
    trials = successes + extra
    others = OthersCounts(segment="Senior", version=1, users=MIN_PRIOR_USERS,
                          arms=[ArmCounts(variant_id="v", successes=successes, trials=max(trials, 1))])
    ledger = LearningUser(user_id="me")
    cell = ledger.model_copy(update={"others": [others]})
    for j in range(own_hits + own_misses):
        cell, _ = user_step(cell, WorkflowCompleted(
            event_id=f"e{j}", user_id="me", occurred_at=NOW, canonical_job_id=f"j{j}", variant_id="v",
            outcome=WorkflowOutcome.INTERVIEW if j < own_hits else WorkflowOutcome.REJECTED, segment="Senior",
            interviewed=j < own_hits), now=NOW)
        assert cell is not None
    arm = next(a for a in segment_posterior(cell, "Senior").arms if a.variant_id == "v")
    pseudo = arm.alpha + arm.beta - 2 - (own_hits + own_misses)
    usable = max(trials, 1) >= MIN_PRIOR_OUTCOMES
    assert -1e-9 <= pseudo <= PRIOR_PSEUDO_COUNT + 1e-9
    assert pseudo == pytest.approx(min(max(trials, 1), PRIOR_PSEUDO_COUNT) if usable else 0)
    assert (arm.successes, arm.trials) == (own_hits, own_hits + own_misses)


def test_a_users_contributor_name_is_stable_their_own_and_not_the_same_in_two_segments() -> None:
    user, other = user_id_for_email("ada@example.org"), user_id_for_email("bo@example.org")
    for key in (None, contributor_key("a-deployment-secret-of-32-characters!")):
        names = {contributor_of(user, "Senior", key), contributor_of(user, "Mid", key),
                 contributor_of(other, "Senior", key)}
        assert len(names) == 3 and contributor_of(user, "Senior", key) == contributor_of(user, "Senior", key)
        assert all(user not in name and other not in name for name in names)


def test_with_a_deployment_secret_the_name_cannot_be_computed_from_the_user_id_alone() -> None:
    user = user_id_for_email("ada@example.org")
    plain = contributor_of(user, "Senior")
    one, two = contributor_key("secret-one-" + "x" * 32), contributor_key("secret-two-" + "x" * 32)
    assert len({plain, contributor_of(user, "Senior", one), contributor_of(user, "Senior", two)}) == 3
    assert contributor_key(None) is None and contributor_key("") is None
    # The worker's step takes the key from the settings: a contribution carries the keyed name.
    step = user_step_for(Settings(RESUMEFLOW_API_SECRET="secret-one-" + "x" * 32))
    _, outputs = step(None, completed(user, 1, "v", interviewed=True), now=NOW)
    [contribution] = [o for o in outputs if isinstance(o, OutcomeContributed)]
    assert contribution.contributor == contributor_of(user, "Senior", one)


def test_the_segment_cell_keeps_no_user_id_though_each_contribution_names_its_user_to_answer() -> None:
    users = [user_id_for_email(f"user{i}@example.org") for i in range(3)]
    segment = None
    for i, user in enumerate(users):
        _, outputs = user_step(None, completed(user, i, "v", interviewed=i % 2 == 0), now=NOW)
        [contribution] = [o for o in outputs if isinstance(o, OutcomeContributed)]
        assert contribution.reply_to == user  # in clear on learning.contributions: the README says so
        segment, _ = segment_step(segment, contribution, now=NOW)
    assert segment is not None
    stored = segment.model_dump_json()
    assert not any(user in stored for user in users)
