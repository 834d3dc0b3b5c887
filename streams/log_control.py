"""Keeping a worker's log readable when a dependency is down.

While the broker is unreachable, the Kafka client logs the same errors many times a second (a reconnect every
100 ms per connection, one line each); the drill measured 87 lines a second for one worker. `RepeatFilter`
lets the first record of each kind through, holds back the repeats, and lets one through again every
`window_s` seconds saying how many it held back — so an outage is logged when it starts, then as a summary.
It only touches the libraries' records (`QUIET_LOGGERS`); the project's own lines are never held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

QUIET_LOGGERS = ("aiokafka", "kafka", "faust.transport", "mode")


class RepeatFilter(logging.Filter):
    """Drops a library's WARNING-or-worse record when one of the same kind (logger and message template) was let
    through less than `window_s` ago; the next one let through says how many were dropped."""

    def __init__(self, window_s: float = 30.0, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self.window_s = window_s
        self._clock = clock or time.monotonic
        self._last: dict[tuple[str, str], tuple[float, int]] = {}  # kind -> (when let through, dropped since)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(QUIET_LOGGERS):
            return True
        kind = (record.name, str(record.msg))
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last[0] < self.window_s:
            self._last[kind] = (last[0], last[1] + 1)
            return False
        self._last[kind] = (now, 0)
        if last is not None and last[1]:
            record.msg = f"{record.msg} (and {last[1]} more like it in the last {now - last[0]:.0f}s)"
        return True


def quiet_repeats(window_s: float = 30.0) -> RepeatFilter:
    """Install one `RepeatFilter` on every handler of the root logger; returns it."""
    repeat = RepeatFilter(window_s)
    for handler in logging.getLogger().handlers:
        handler.addFilter(repeat)
    return repeat
