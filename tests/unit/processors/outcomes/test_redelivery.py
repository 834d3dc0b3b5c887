"""Outcomes under any delivery order and redelivery (hypothesis): one first workflow.completed per application,
ever, and after it only corrections that raise it (interviewed, offered), whatever order the topics interleave in
and whatever suffix Kafka delivers again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.outcomes.model import ClassifyReply, ReplyClassified
from processors.outcomes.step import TERMINAL, step
from streams.ids import derived_id
from streams.messages import OutcomeReport, ResponseKind, WorkflowCompleted
from streams.processor import PortRequest, PortResult
from tests.support.redelivery import assert_redelivery_changes_nothing, process
from tests.unit.processors.outcomes.builders import (
    ACK,
    INTERVIEW,
    REJECTION,
    T0,
    application_id,
    mail,
    profile,
    submitted,
    tick,
    user_report,
    withdrawn,
)

JOBS = ("j1", "j2")


def port(request: PortRequest) -> list[PortResult]:
    assert isinstance(request, ClassifyReply)
    return [ReplyClassified(**request.model_dump())]


POOL: list[object] = [
    submitted("j1", message_id="<s1@r>"),
    submitted("j2", company="Globex", title="Platform Engineer", message_id="<s2@r>"),
    user_report("u-rej-1", "j1", ResponseKind.REJECTED),
    user_report("u-int-2", "j2", ResponseKind.INTERVIEW),
    user_report("u-off-2", "j2", ResponseKind.OFFER),
    mail("m-rej-1", body=REJECTION, in_reply_to="<s1@r>"),
    mail("m-int-2", body=INTERVIEW, in_reply_to="<s2@r>"),
    mail("m-ack-globex", body="Globex says: " + ACK),
    withdrawn("j1"),
    withdrawn("j2"),
    profile(14),
    tick(T0 + timedelta(days=10)),
    tick(T0 + timedelta(days=31)),
    tick(T0 + timedelta(days=90)),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=14), st.data())
def test_one_completion_per_application_under_any_order_and_redelivery(events: list[object], data: st.DataObject
                                                                       ) -> None:
    _, outputs = process(step, None, events, port)
    ends = [o for o in outputs if isinstance(o, WorkflowCompleted)]
    completed = Counter(o.application_id for o in ends if o.event_id == derived_id("workflow", o.application_id))
    assert all(n == 1 for n in completed.values()), completed
    for job in JOBS:
        flags = [(o.interviewed, o.offered) for o in ends if o.application_id == application_id(job)]
        assert len(set(o.event_id for o in ends if o.application_id == application_id(job))) == len(flags)
        for before, after in pairwise(flags):  # each correction raises what came before
            assert after != before and after[0] >= before[0] and after[1] >= before[1]
    for job in JOBS:
        app = application_id(job)
        sent = any(getattr(e, "application_id", None) == app and type(e).__name__ == "ApplicationSubmitted"
                   for e in events)
        terminal = any(
            (isinstance(e, OutcomeReport) and e.application_id == app and e.kind in TERMINAL)
            or (type(e).__name__ == "ApplicationUpdated" and getattr(e, "application_id", None) == app)
            for e in events)
        if sent and terminal:  # a terminal answer for an application that was sent always completes it
            assert completed[app] == 1
    redelivered_from = data.draw(st.integers(0, len(events)))
    assert_redelivery_changes_nothing(step, None, events, redelivered_from, port)


def test_a_correction_is_never_dated_before_the_completion_it_corrects() -> None:
    """The user reports an interview (a record dated day 3) only after the timer completed the application as
    unanswered (day 31): the learner takes a correction only when it is later than what it corrects, so the
    correction carries the completion's time, not the older report's (and so does a replay of both)."""
    events = [submitted("j1"), tick(T0 + timedelta(days=31)), user_report("u-int-1", "j1", ResponseKind.INTERVIEW)]
    _, outputs = process(step, None, events, port)
    first, correction = [o for o in outputs if isinstance(o, WorkflowCompleted)]
    assert (first.interviewed, correction.interviewed) == (False, True)
    assert correction.occurred_at >= first.occurred_at == T0 + timedelta(days=31)
