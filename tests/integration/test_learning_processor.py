"""Learning on the real stack: outcomes of several users become each user's posteriors, counted once whatever is
delivered twice, with a cross-user prior that appears only once other users' outcomes reach the minimum."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from processors.learning.posterior import MIN_PRIOR_OUTCOMES, MIN_PRIOR_USERS, PRIOR_PSEUDO_COUNT
from streams.admin import admin_client, group_lag
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import WorkflowCompleted, WorkflowOutcome, utc_now
from streams.settings import Settings
from streams.topics import LEARNING_PRIORS, WORKFLOW_COMPLETED
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]
VARIANTS = ("experience_first-v1", "projects_first-v1", "skills_first-v1")
PER_VARIANT = 2  # each other user sends every variant twice; only skills_first gets interviews


@pytest.fixture(scope="module")
def learning_worker(worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    worker = Worker(["learning"], worker_env, tmp_path_factory.mktemp("learning") / "worker.log").start()
    yield worker
    worker.stop()


class Outcomes:
    def __init__(self, settings: Settings, tag: str) -> None:
        self.publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
        self.tag = tag
        self.segment = f"Senior-{tag}"  # this test's own segment cell, whatever else the session learned
        self.started = utc_now()
        self.count = 0

    def user(self, name: str) -> str:
        return user_id_for_email(f"{name}-{self.tag}@example.org")

    def send(self, user_id: str, job: int, variant: str, *, interviewed: bool, times: int = 1) -> None:
        self.count += 1
        event = WorkflowCompleted(
            event_id=f"completed-{self.tag}-{user_id}-{job}", user_id=user_id,
            occurred_at=self.started + timedelta(seconds=self.count), canonical_job_id=f"job-{self.tag}-{job}",
            variant_id=variant, outcome=WorkflowOutcome.INTERVIEW if interviewed else WorkflowOutcome.REJECTED,
            template=f"template-{self.tag}", ats_score_band="0.8-0.9", board="LEVER", seniority=self.segment,
            channel="email", segment=self.segment, responded=True, interviewed=interviewed,
            days_posting_to_submission=2)
        for _ in range(times):  # a producer retrying, an upstream redelivery: the same record again
            self.publisher.publish(WORKFLOW_COMPLETED, user_id, event)

    def crowd(self, first: int, last: int) -> list[str]:
        users = [self.user(f"other{n}") for n in range(first, last)]
        for user_id in users:
            for j in range(PER_VARIANT * len(VARIANTS)):
                variant = VARIANTS[j % len(VARIANTS)]
                self.send(user_id, j, variant, interviewed=variant == VARIANTS[2], times=1 + (j == 0))
        self.publisher.flush()
        return users


def _latest(messages: list[Any], user_id: str) -> dict[str, Any] | None:
    # One user's updates arrive in order (one partition); two for one outcome (its own count, then the segment's
    # answer) carry that outcome's time, so the later record wins a tie, as in submission and the report.
    mine = [m.value() for m in messages if m.key() == user_id]
    return max(reversed(mine), key=lambda v: (v["outcomes_seen"], v["occurred_at"])) if mine else None


def _segment(update: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in update["segments"] if s["segment"] == name)


def _wait_consumed(settings: Settings, group: str, topics: list[str], timeout_s: float = 60.0) -> None:
    admin = admin_client(settings)
    deadline = time.monotonic() + timeout_s
    while group_lag(admin, group, topics) != 0:
        assert time.monotonic() < deadline, f"{group} did not consume {topics}"
        time.sleep(0.5)


def test_outcomes_become_posteriors_with_a_prior_only_above_the_minimum(
    learning_worker: Worker, stack: Settings, test_app_id: str, read_topic: Reader
) -> None:
    outcomes = Outcomes(stack, uuid.uuid4().hex[:8])
    me = outcomes.user("me")

    # Four other users: 24 outcomes, one user short of the minimum.
    others = outcomes.crowd(0, MIN_PRIOR_USERS - 1)
    assert len(others) * PER_VARIANT * len(VARIANTS) >= MIN_PRIOR_OUTCOMES

    def all_counted(users: list[str]) -> Callable[[list[Any]], bool]:
        def done(messages: list[Any]) -> bool:
            seen = {m.key(): m.value()["outcomes_seen"] for m in messages if m.key() in users}
            return len(seen) == len(users) and all(n == PER_VARIANT * len(VARIANTS) for n in seen.values())
        return done

    updates = read_topic("learning.updated", all_counted(others), timeout_s=120)
    for user_id in others:  # the record sent twice was counted once
        latest = _latest(updates, user_id)
        assert latest is not None and latest["outcomes_seen"] == PER_VARIANT * len(VARIANTS)

    outcomes.send(me, 1, VARIANTS[0], interviewed=False, times=2)
    outcomes.send(me, 2, VARIANTS[0], interviewed=False)
    outcomes.publisher.flush()
    answers = read_topic("learning.priors", lambda ms: any(m.key() == me and m.value()["through_seq"] == 2
                                                           for m in ms), timeout_s=60)
    answer = next(m.value() for m in answers if m.key() == me and m.value()["through_seq"] == 2)
    assert answer["users"] == MIN_PRIOR_USERS  # four others and me
    assert sum(a["trials"] for a in answer["arms"]) == 24 + 2
    _wait_consumed(stack, f"{test_app_id}-learning", [LEARNING_PRIORS.for_settings(stack).name])
    updates = read_topic("learning.updated", lambda ms: (_latest(ms, me) or {}).get("outcomes_seen") == 2)
    latest = _latest(updates, me)
    assert latest is not None
    arms = _segment(latest, outcomes.segment)["arms"]
    assert [(a["variant_id"], a["alpha"], a["beta"], a["successes"], a["trials"]) for a in arms] == [
        (VARIANTS[0], 1.0, 3.0, 0, 2)]  # no prior: only four other users

    # A fifth other user: now the others' outcomes are enough, and the next answer brings the prior.
    others += outcomes.crowd(MIN_PRIOR_USERS - 1, MIN_PRIOR_USERS)
    read_topic("learning.updated", all_counted(others), timeout_s=120)
    outcomes.send(me, 3, VARIANTS[0], interviewed=False)
    outcomes.publisher.flush()

    def prior_arrived(messages: list[Any]) -> bool:
        latest = _latest(messages, me)
        return latest is not None and latest["outcomes_seen"] == 3 and len(
            _segment(latest, outcomes.segment)["arms"]) == len(VARIANTS)

    latest = _latest(read_topic("learning.updated", prior_arrived, timeout_s=120), me)
    assert latest is not None
    posterior = _segment(latest, outcomes.segment)
    arms = {a["variant_id"]: a for a in posterior["arms"]}
    w = PRIOR_PSEUDO_COUNT  # 10 outcomes per variant from the others: the prior is worth all ten, no more
    assert (arms[VARIANTS[2]]["alpha"], arms[VARIANTS[2]]["beta"], arms[VARIANTS[2]]["trials"]) == (1 + w, 1.0, 0)
    assert (arms[VARIANTS[1]]["alpha"], arms[VARIANTS[1]]["beta"]) == (1.0, 1 + w)
    assert (arms[VARIANTS[0]]["alpha"], arms[VARIANTS[0]]["beta"], arms[VARIANTS[0]]["trials"]) == (1.0, 1 + w + 3, 3)
    assert posterior["preferred_variant_id"] == VARIANTS[2]

    # The segment's cell keeps counts and contributor names, never a user id.
    changelog = f"{test_app_id}-learning-segments-changelog"
    cells = [m.value() for m in read_topic(changelog, lambda ms: any(
        m.key() == outcomes.segment and m.value()["version"] == 33 for m in ms), prefix="", timeout_s=60)
        if m.key() == outcomes.segment]
    cell = max(cells, key=lambda c: c["version"])
    assert len(cell["contributors"]) == MIN_PRIOR_USERS + 1
    assert not set(cell["contributors"]) & {me, *others}
    assert sum(a["trials"] for a in cell["arms"]) == 33 and sum(a["successes"] for a in cell["arms"]) == 10

    # The report: my own rates, and the cross-user row of this test's template (33 applications of 6 users).
    report = run_cli("learning", "report", "--email", f"me-{outcomes.tag}@example.org").stdout.splitlines()
    mine = [line.split() for line in report if line.startswith("you ") and "variant" in line]
    assert [(row[2], row[3], row[5]) for row in mine] == [(VARIANTS[0], "3", "0%")]
    template = [line.split() for line in report if line.startswith("all users") and f"template-{outcomes.tag}" in line]
    assert [(row[4], row[5], row[7]) for row in template] == [("33", "6", "30%")]
