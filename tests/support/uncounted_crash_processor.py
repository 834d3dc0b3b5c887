"""Review drill: the dropping processor (Faust loses the first `drop-` record, so the idle watch reads it), with its
crash counter unreachable (Redis down): a record that crashes `step` cannot be counted, and the worker must stop
all the same, whether the record came in a batch or through the idle watch.

    python -m tests.support.uncounted_crash_processor        # a worker, like `resumeflow worker NAME`
"""

from __future__ import annotations

import sys

from tests.support.crashing_processor import run_worker
from tests.support.dropping_processor import lose_one_record


def redis_down() -> None:
    from streams.cell_agent import CrashCounter

    async def record(self: CrashCounter, topic: str, partition: int, offset: int) -> int:
        raise ConnectionError("review drill: Redis is down")

    CrashCounter.record = record  # type: ignore[method-assign]


def main() -> int:
    return run_worker(lose_one_record, redis_down)


if __name__ == "__main__":
    sys.exit(main())
