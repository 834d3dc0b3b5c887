"""While the broker is down the Kafka client repeats itself; the log keeps the first line and a summary."""

from __future__ import annotations

import logging

from streams.log_control import RepeatFilter


def record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_librarys_repeated_error_is_let_through_once_a_window_with_a_count() -> None:
    now = [0.0]
    repeat = RepeatFilter(window_s=30, clock=lambda: now[0])
    template = "Unable connect to node with id %s: %s"
    kept = []
    for second in range(0, 65):
        now[0] = float(second)
        for _ in range(87):  # what one worker logged each second while the broker was down
            r = record("aiokafka.conn", template, 1, "Connect call failed")
            if repeat.filter(r):
                kept.append((second, r.getMessage()))
    assert [s for s, _ in kept] == [0, 30, 60]
    assert kept[0][1] == "Unable connect to node with id 1: Connect call failed"
    assert kept[1][1].endswith(f"(and {30 * 87 - 1} more like it in the last 30s)")


def test_the_projects_own_lines_and_info_lines_are_never_held_back() -> None:
    repeat = RepeatFilter(window_s=30, clock=lambda: 0.0)
    assert all(repeat.filter(record("streams.cell_agent", "dead-lettering %s", n)) for n in range(100))
    assert all(repeat.filter(record("aiokafka.conn", "connected", level=logging.INFO)) for _ in range(100))
    assert repeat.filter(record("aiokafka.client", "other template")) is True
