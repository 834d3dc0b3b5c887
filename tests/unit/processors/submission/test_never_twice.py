"""The core property (hypothesis): whatever the order of the inputs, redelivered suffixes, duplicates across
boards, and crashes between sending and confirming, no job is sent twice, every job sent ends SUBMITTED (none
lost in doubt), and no UTC day sends more than the daily cap."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processors.submission.step import Config, step_for
from streams.messages import ApplicationStatus, ApplicationSubmitted, SubmissionMode, SubmissionTick
from streams.processor import run_step
from tests.unit.processors.submission.builders import NOW, USER, Crash, World, decision, profile, resumes

STEP = step_for(Config(email=True, reconcile_email=True, retry=timedelta(minutes=5)))
JOBS = ["gh:a:1", "gh:b:2", "gh:c:3", "lever:a:4"]  # lever:a:4 is gh:a:1 posted again on another board


def inputs(daily_cap: int) -> list[object]:
    out: list[object] = [profile(SubmissionMode.AUTO, daily_cap=daily_cap)]
    for job in JOBS:
        duplicate = "gh:a:1" if job == "lever:a:4" else None
        out += [decision(job, company=job.split(":")[1], duplicate_of=duplicate, apply_email="jobs@x.example"),
                *resumes(job)]
    return out


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[int, list[tuple[object, int, bool]]]:
    """(daily cap, [(record, hours later, crash while sending)]): a shuffled log with redelivered suffixes."""
    cap = draw(st.integers(0, 3))
    log = draw(st.permutations(inputs(cap)))
    out: list[tuple[object, int, bool]] = []
    position = 0
    while position < len(log):
        out.append((log[position], draw(st.sampled_from([0, 0, 1, 13])), draw(st.booleans())))
        position += 1
        if draw(st.integers(0, 5)) == 0:  # a crash before the commit: redeliver a suffix
            position = max(0, position - draw(st.integers(1, 3)))
    return cap, out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(deliveries())
def test_no_job_is_sent_twice_none_is_lost_and_caps_hold(case: tuple[int, list[tuple[object, int, bool]]]) -> None:
    cap, log = case
    world = World()
    sends: list[datetime] = []
    now = NOW
    submitted: Counter[str] = Counter()

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

    async def run() -> object:
        nonlocal now
        cell = None
        for record, hours, crash in log:
            now += timedelta(hours=hours)
            world.crash_after_send = 1 if crash else 0
            cell = await deliver(cell, record)
        world.crash_after_send = 0
        for day in range(8):  # let every wait run out: caps, backoffs, reconciliations
            now += timedelta(days=1)
            cell = await deliver(cell, SubmissionTick(event_id=f"t{day}", user_id=USER, occurred_at=now))
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
