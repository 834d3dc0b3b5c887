"""The slow processor (records of emails starting `slow` take `SLOW_S` each) whose Faust consumer loses every
record containing `drop-`: a partition's records all reach the agent through the idle watch, slowly, so a test can
begin a rebalance while the watch is in the middle of them and count how often each is answered.

    python -m tests.support.slow_watch_processor        # a worker, like `resumeflow worker NAME`
"""

from __future__ import annotations

import functools
import sys

from tests.support.crashing_processor import run_worker
from tests.support.dropping_processor import lose_records
from tests.support.slow_processor import slow_work


def main() -> int:
    return run_worker(functools.partial(lose_records, None), slow_work)


if __name__ == "__main__":
    sys.exit(main())
