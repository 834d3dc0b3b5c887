"""The crashing processor's "seen" answers, run by the real cell agent on the real broker, in a worker whose Faust
consumer loses one record the way Faust can around a rebalance: its fetch loop marks the record read without
handing it to the agent (bench.failover saw `job.analyzed[11]@10` lost so, and the group committed past it). The
integration test shows the agent reads it from the broker (`streams.contiguity`) instead of stepping over it.

The first record whose bytes contain `drop-` is lost once; the records after it arrive as usual.

    python -m tests.support.dropping_processor        # a worker, like `resumeflow worker NAME`
"""

from __future__ import annotations

import sys
from typing import Any

from tests.support.crashing_processor import run_worker


def lose_one_record() -> None:
    lose_records(1)


def lose_records(limit: int | None) -> None:
    """Lose the first `limit` records (every one if None) whose bytes contain `drop-`."""
    from faust.transport.conductor import Conductor

    compile_handler = Conductor._compile_message_handler

    def compile_losing(self: Conductor) -> Any:
        handler = compile_handler(self)
        lost = 0

        async def on_message(message: Any) -> None:
            nonlocal lost
            if (limit is None or lost < limit) and b"drop-" in (message.value or b""):
                lost += 1
                return  # Faust's fetch loop marks it read all the same
            await handler(message)

        return on_message

    Conductor._compile_message_handler = compile_losing  # type: ignore[method-assign]


def main() -> int:
    return run_worker(lose_one_record)


if __name__ == "__main__":
    sys.exit(main())
