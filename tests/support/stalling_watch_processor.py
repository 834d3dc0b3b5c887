"""Review drill: the slow watch processor (Faust loses every `drop-` record, so they all reach the agent through
the idle watch, 0.5 s each), whose next record once a flag file exists takes `STALL_S`: longer than a rebalance
waits for the watch (`REVOKE_WAIT_S`) plus the rebalance itself. The watch's look then outlives the rebalance,
and a test can see what the watch does with the rest of it under the new assignment.

    RESUMEFLOW_TEST_STALL_FILE=/tmp/x python -m tests.support.stalling_watch_processor
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
from pathlib import Path
from typing import Any

from tests.support.crashing_processor import run_worker
from tests.support.dropping_processor import lose_records
from tests.support.slow_processor import slow_work

STALL_S = 30.0


def stall_once() -> None:
    from streams.cell_agent import CellAgent

    apply = CellAgent._apply
    flag = Path(os.environ["RESUMEFLOW_TEST_STALL_FILE"])
    stalled = False

    async def stalling_apply(self: CellAgent, cell: Any, record: Any, partition: int) -> Any:
        nonlocal stalled
        if not stalled and flag.exists():
            stalled = True
            logging.getLogger(__name__).warning("review drill: stalling %.0fs on %s", STALL_S, record.email)
            await asyncio.sleep(STALL_S)
            logging.getLogger(__name__).warning("review drill: stall over on %s", record.email)
        return await apply(self, cell, record, partition)

    CellAgent._apply = stalling_apply  # type: ignore[method-assign]


def main() -> int:
    return run_worker(functools.partial(lose_records, None), slow_work, stall_once)


if __name__ == "__main__":
    sys.exit(main())
