"""The core property (hypothesis): whatever the order of the inputs, redelivered suffixes, duplicates across
boards, crashes between sending and confirming, channels that fail after the employer's side took the application
(or before it did, without saying which), BCC copies that never show, and old commands replayed from far back, no
job is sent twice, every job sent ends SUBMITTED and every job not sent ends re-sent once the user (truthfully)
settles what was in doubt, and no UTC day sends more than the daily cap."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processors.submission.step import Config, step_for
from streams.messages import (
    ApplicationCommand,
    ApplicationCommandKind,
    ApplicationStatus,
    ApplicationSubmitted,
    SubmissionMode,
    SubmissionTick,
)
from streams.processor import run_step
from tests.unit.processors.submission.builders import (
    NOW,
    USER,
    Crash,
    World,
    application_id,
    decision,
    profile,
    resumes,
)

STEP = step_for(Config(email=True, reconcile_email=True, retry=timedelta(minutes=5)))
JOBS = ["gh:a:1", "gh:b:2", "gh:c:3", "lever:a:4"]  # lever:a:4 is gh:a:1 posted again on another board
FAULTS = ["none", "none", "crash", "in doubt, arrived", "in doubt, never arrived"]
K = ApplicationCommandKind


def inputs(daily_cap: int) -> list[object]:
    out: list[object] = [profile(SubmissionMode.AUTO, daily_cap=daily_cap)]
    for job in JOBS:
        duplicate = "gh:a:1" if job == "lever:a:4" else None
        out += [decision(job, company=job.split(":")[1], duplicate_of=duplicate, apply_email="jobs@x.example"),
                *resumes(job)]
    return out


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[int, bool, list[tuple[object, int, str]]]:
    """(daily cap, copies hidden, [(record, hours later, what goes wrong with a send it makes)]): a shuffled log
    with redelivered suffixes."""
    cap = draw(st.integers(0, 3))
    hidden = draw(st.booleans())
    log = draw(st.permutations(inputs(cap)))
    out: list[tuple[object, int, str]] = []
    position = 0
    while position < len(log):
        out.append((log[position], draw(st.sampled_from([0, 0, 1, 13])), draw(st.sampled_from(FAULTS))))
        position += 1
        if draw(st.integers(0, 5)) == 0:  # a crash before the commit: redeliver a suffix
            position = max(0, position - draw(st.integers(1, 3)))
    return cap, hidden, out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(deliveries())
def test_no_job_is_sent_twice_none_is_lost_and_caps_hold(case: tuple[int, bool, list[tuple[object, int, str]]]
                                                         ) -> None:
    cap, hidden, log = case
    world = World(hide_copies=hidden)
    sends: list[datetime] = []
    now = NOW
    submitted: Counter[str] = Counter()
    commands: list[ApplicationCommand] = []
    asked = 0

    def port(request):  # type: ignore[no-untyped-def]
        before = sum(world.sent.values())
        try:
            return world.port(request)
        finally:
            if sum(world.sent.values()) > before:
                sends.append(now)

    async def run_port(request):  # type: ignore[no-untyped-def]
        return port(request)

    async def deliver(cell, record):  # type: ignore[no-untyped-def]
        while True:  # a crash restarts the worker, which gets the same record again
            try:
                new_cell, outputs = await run_step(STEP, cell, record, now=now, run_port=run_port)
            except Crash:
                continue
            for out in outputs:
                if isinstance(out, ApplicationSubmitted):
                    submitted[out.event_id] += 1
            return new_cell

    async def user_settles(cell):  # type: ignore[no-untyped-def]
        """Every command ever sent is replayed from the start, long after `seen_commands` forgot it; then the
        user answers every application that asks, truthfully (the employer's inbox says)."""
        nonlocal asked
        cell = cell.model_copy(update={"seen_commands": []})  # as hundreds of later commands would have pushed out
        for old in commands:
            cell = await deliver(cell, old)
        for app in list(cell.applications.values()):
            if app.status == ApplicationStatus.IN_DOUBT and "confirm-not-sent" in app.reason:
                asked += 1
                kind = K.CONFIRM_SENT if world.sent[app.canonical_job_id] else K.CONFIRM_NOT_SENT
                commands.append(ApplicationCommand(
                    event_id=f"command-{len(commands)}", user_id=USER, occurred_at=now,
                    application_id=app.application_id, kind=kind))
                cell = await deliver(cell, commands[-1])
        return cell

    async def run() -> object:
        nonlocal now
        cell = None
        for record, hours, fault in log:
            now += timedelta(hours=hours)
            world.crash_after_send = 1 if fault == "crash" else 0
            if fault.startswith("in doubt"):  # for the next send, whichever it is (a resend too)
                world.in_doubt_next.append(fault == "in doubt, arrived")
            cell = await deliver(cell, record)
            cell = await user_settles(cell)
        world.crash_after_send, world.in_doubt_next = 0, []
        for day in range(8):  # let every wait run out: caps, backoffs, reconciliations, the user's answers
            now += timedelta(days=1)
            cell = await deliver(cell, SubmissionTick(event_id=f"t{day}", user_id=USER, occurred_at=now))
            cell = await user_settles(cell)
        return cell

    cell = asyncio.run(run())
    assert all(n <= 1 for n in world.sent.values()), world.sent
    assert "lever:a:4" not in world.sent  # the duplicate is the same application as gh:a:1
    per_day = Counter(at.date() for at in sends)
    assert all(n <= cap for n in per_day.values()), (cap, per_day)
    statuses = {app.canonical_job_id: app.status for app in cell.applications.values()}
    for job in ("gh:a:1", "gh:b:2", "gh:c:3"):
        assert (world.sent[job] == 1) == (statuses[job] == ApplicationStatus.SUBMITTED), (job, statuses, world.sent)
        if cap > 0:
            assert statuses[job] == ApplicationStatus.SUBMITTED  # eight days are enough for three jobs
    assert len(submitted) == sum(world.sent.values())  # one ApplicationSubmitted id per send
    if not hidden:
        assert asked <= sum(1 for _, _, fault in log if fault == "in doubt, never arrived")
    assert application_id("gh:a:1") in cell.applications
