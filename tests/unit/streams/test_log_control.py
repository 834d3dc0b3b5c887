"""The log: while the broker is down the Kafka client repeats itself and the log keeps the first line and a summary;
JSON lines name the record being processed; a wrong setting is named, its value not repeated."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import ValidationError

from cli.main import settings_problems
from streams.log_control import RepeatFilter, record_context, use_format
from streams.settings import Settings


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


def test_json_lines_name_the_record_being_processed_and_only_inside_it() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    saved, root.handlers = root.handlers, [handler]  # only this handler: pytest's own keep their format
    try:
        use_format("json")
        log = logging.getLogger("streams.cell_agent")
        with record_context("user.commands", 7, 1234):
            log.warning("dead-lettering %s", "it")
        log.warning("between records")
    finally:
        root.handlers = saved
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: inside[k] for k in ("level", "logger", "message", "topic", "partition", "offset")} == {
        "level": "WARNING", "logger": "streams.cell_agent", "message": "dead-lettering it",
        "topic": "user.commands", "partition": 7, "offset": 1234}
    assert "time" in inside
    assert (outside["topic"], outside["partition"], outside["offset"]) == (None, None, None)


def test_text_format_keeps_the_handlers_own_format() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    saved, root.handlers = root.handlers, [handler]  # only this handler: pytest's own keep their format
    try:
        use_format("text")
        with record_context("t", 0, 1):
            logging.getLogger("x").warning("plain")
    finally:
        root.handlers = saved
    assert stream.getvalue() == "WARNING plain\n"


def test_a_wrong_setting_is_named_without_its_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(RESUMEFLOW_LOG_FORMAT="xml", RESUMEFLOW_API_SECRET="s3cret-value-123")  # type: ignore[call-arg]
    text = settings_problems(caught.value)
    assert "RESUMEFLOW_LOG_FORMAT: Input should be 'text' or 'json'" in text
    assert "xml" not in text
