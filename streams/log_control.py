"""What the processes log, and how: the record a line is about, JSON lines for collectors, and a worker's log kept
readable when a dependency is down.

`record_context` names the input record (topic, partition, offset) being processed; every line logged meanwhile
carries it as the fields `topic`, `partition` and `offset` (`RecordFields`) — never the record's key or value,
which are personal data. `use_format("json")` turns the root logger's lines into JSON objects (python-json-logger):
`time`, `level`, `logger`, `message`, those three fields, and `exc_info` with a traceback.

While the broker is unreachable, the Kafka client logs the same errors many times a second (a reconnect every
100 ms per connection, one line each); the drill measured 87 lines a second for one worker. `RepeatFilter`
lets the first record of each kind through, holds back the repeats, and lets one through again every
`window_s` seconds saying how many it held back — so an outage is logged when it starts, then as a summary.
It only touches the libraries' records (`QUIET_LOGGERS`); the project's own lines are never held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

QUIET_LOGGERS = ("aiokafka", "kafka", "faust.transport", "mode")
JSON_FIELDS = "{asctime}{levelname}{name}{message}{topic}{partition}{offset}"

_record: ContextVar[tuple[str, int, int] | None] = ContextVar("resumeflow_log_record", default=None)


@contextmanager
def record_context(topic: str, partition: int, offset: int) -> Iterator[None]:
    """Lines logged inside name this input record (in this task and the tasks it starts)."""
    token = _record.set((topic, partition, offset))
    try:
        yield
    finally:
        _record.reset(token)


class RecordFields(logging.Filter):
    """Sets `topic`, `partition` and `offset` on every log record: the input record being processed, or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.topic, record.partition, record.offset = _record.get() or (None, None, None)
        return True


def use_format(log_format: Literal["text", "json"]) -> None:
    """Give every handler of the root logger the record fields and, for "json", a JSON-lines formatter; "text"
    keeps the handlers' own format."""
    from pythonjsonlogger.json import JsonFormatter

    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RecordFields) for f in handler.filters):
            handler.addFilter(RecordFields())
        if log_format == "json":
            handler.setFormatter(JsonFormatter(JSON_FIELDS, style="{", rename_fields={
                "asctime": "time", "levelname": "level", "name": "logger"}))


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
