"""The delivery property every processor's `step` must have, checked the way a cell agent runs it.

Kafka redelivers, after a crash, a suffix of the records already processed: from the last committed offset to
where the worker died. The cell is then either as it was before those records (its write did not land) or as it
was after them. Either way the outputs must not change: processed again from the state before, the records give
the very same events — the same ids and the same field values, times included, even when processed again much later
(`resumeflow replay` runs a processor's input again days after; a sink keeps what an event says, so an event seen
again must say the same); processed again from the state after, they change nothing and give no id not given before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.processor import PortRequest, PortResult, Step, run_step

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
# How much later the records are processed again in the strict check: a replay more than a year after the first
# run, so a date taken from the clock shows in the outputs (a whole year of experience, a "present" role's span).
LATER = timedelta(days=400, hours=5, minutes=7)
FakePort = Callable[[PortRequest], Sequence[PortResult]]


def process(step: Step, cell: Any, events: Sequence[Any], port: FakePort, *, now: datetime = NOW
            ) -> tuple[Any, list[Any]]:
    """Run `events` through `step` in order, as a cell agent would; the final cell and every output."""

    async def run_port(request: PortRequest) -> Sequence[PortResult]:
        return port(request)

    async def run() -> tuple[Any, list[Any]]:
        nonlocal cell
        outputs: list[Any] = []
        for event in events:
            cell, more = await run_step(step, cell, event, now=now, run_port=run_port)
            outputs += more
        return cell, outputs

    return asyncio.run(run())


def ids(outputs: Sequence[Any]) -> list[str]:
    return [out.event_id for out in outputs]


def assert_redelivery_changes_nothing(step: Step, cell: Any, events: Sequence[Any], redelivered_from: int,
                                      port: FakePort, *, now: datetime = NOW) -> None:
    """Process `events` from `cell`; then redeliver `events[redelivered_from:]` both ways (see module doc)."""
    before = process(step, cell, events[:redelivered_from], port, now=now)[0]
    after, outputs = process(step, before, events[redelivered_from:], port, now=now)
    # The cell's write did not land: the same records from the same state give the same ids.
    again_after, again = process(step, before, events[redelivered_from:], port, now=now)
    assert ids(again) == ids(outputs)
    assert again_after == after
    # ... and processed again days later (a replay, a long outage) they are the very same events, not only the
    # same ids: each is dated by what the input or the cell fixed, never by the clock of the second run.
    _, again_later = process(step, before, events[redelivered_from:], port, now=now + LATER)
    assert again_later == outputs, _first_difference(outputs, again_later)
    # The write landed: nothing changes and nothing new is emitted.
    replayed_after, replayed = process(step, after, events[redelivered_from:], port, now=now)
    assert replayed_after == after
    assert set(ids(replayed)) <= set(ids(outputs)) | set(ids(process(step, cell, events, port, now=now)[1]))


def _first_difference(first: Sequence[Any], second: Sequence[Any]) -> str:
    """Which output changed and how, for the assertion message (field names and both values)."""
    if ids(first) != ids(second):
        return f"ids differ: {ids(first)} != {ids(second)}"
    for a, b in zip(first, second, strict=True):
        if a != b:
            fields = {name: (getattr(a, name), getattr(b, name)) for name in type(a).model_fields
                      if getattr(a, name) != getattr(b, name)}
            return f"{type(a).__name__} {a.event_id if hasattr(a, 'event_id') else ''} differs: {fields}"
    return ""
