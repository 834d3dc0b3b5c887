"""The one dead-letter builder: a record that could not be processed, whole, with why and where it came from."""

from __future__ import annotations

import traceback

from streams.ids import derived_id
from streams.messages import DeadLetter, utc_now

MAX_ERROR_CHARS = 4000


def dead_letter(
    processor: str, *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
    exc: BaseException, with_traceback: bool = False, attempts: int | None = None,
) -> DeadLetter:
    """The `DeadLetter` for a record at `topic[partition]@offset`; its id derives from that position, so the same
    record dead-lettered twice (a crash before the commit) is one dead letter to a consumer that reads by id.
    `with_traceback` appends where the exception was raised (for a record that crashed the worker)."""
    reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    if attempts is not None:
        reason = f"failed {attempts} times in a row: {reason}"
    if with_traceback:
        frames = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        reason = f"{reason}\n{frames}"
    if len(reason) > MAX_ERROR_CHARS:  # keep the head (the reason) and the tail (where it was raised)
        half = MAX_ERROR_CHARS // 2
        reason = f"{reason[:half]}\n...\n{reason[-half:]}"
    return DeadLetter(
        event_id=derived_id("dead-letter", processor, topic, str(partition), str(offset)),
        occurred_at=utc_now(), processor=processor, source_topic=topic, source_partition=partition,
        source_offset=offset, error_type=type(exc).__name__, error=reason, key=key, value=value,
    )
