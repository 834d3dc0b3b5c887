"""The crashing processor's "seen" answers, run by the real cell agent on the real broker, with slow work: each
command whose email starts with `slow` takes `SLOW_S` of awaited time (as a port's call to a model or a database
would), so a batch of them is in flight for seconds. The integration test starts a second worker in the group
while one is mid-batch, to show the rebalance takes the rest of the batch back instead of waiting for it.

    python -m tests.support.slow_processor        # a worker, like `resumeflow worker NAME`
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from tests.support.crashing_processor import run_worker

SLOW_S = 0.5


def slow_work() -> None:
    from streams.cell_agent import CellAgent

    apply = CellAgent._apply

    async def slow_apply(self: CellAgent, cell: Any, record: Any, partition: int) -> Any:
        if (getattr(record, "email", None) or "").startswith("slow"):
            await asyncio.sleep(SLOW_S)
        return await apply(self, cell, record, partition)

    CellAgent._apply = slow_apply  # type: ignore[method-assign]


def main() -> int:
    return run_worker(slow_work)


if __name__ == "__main__":
    sys.exit(main())
