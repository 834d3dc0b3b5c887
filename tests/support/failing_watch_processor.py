"""Review drill: the dropping processor (Faust loses the first `drop-` record), whose cell agent also fails once to
deliver what the idle watch read from the broker (the producer raising, as it does when the broker does not
acknowledge in time). The watch logs the failure and goes on; the record must still be processed, never committed
past.

    python -m tests.support.failing_watch_processor        # a worker, like `resumeflow worker NAME`
"""

from __future__ import annotations

import sys
from typing import Any

from tests.support.crashing_processor import run_worker
from tests.support.dropping_processor import lose_one_record


def fail_the_watch_once() -> None:
    from streams.cell_agent import CellAgent, _FetchedEvent

    finish = CellAgent._finish
    failed = False

    async def finish_failing_once(self: CellAgent, batch: Any, stream: Any) -> None:
        nonlocal failed
        if not failed and any(isinstance(e, _FetchedEvent) and b"drop-" in (e.message.value or b"")
                              for e in batch.events):
            failed = True
            raise RuntimeError("review drill: the producer did not deliver the watch's outputs")
        await finish(self, batch, stream)

    CellAgent._finish = finish_failing_once  # type: ignore[method-assign]


def main() -> int:
    return run_worker(lose_one_record, fail_the_watch_once)


if __name__ == "__main__":
    sys.exit(main())
