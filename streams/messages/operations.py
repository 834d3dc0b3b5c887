"""Operations: dead letters and AI budget alerts."""

from __future__ import annotations

from typing import ClassVar

from streams.messages.common import Message, NonEmptyStr, UtcDatetime


class DeadLetter(Message):
    avro_schema: ClassVar[str] = "dead_letter"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    processor: str
    source_topic: str
    source_partition: int
    source_offset: int
    error_type: str
    error: str
    key: bytes | None = None
    value: bytes | None = None


class BudgetCrossed(Message):
    avro_schema: ClassVar[str] = "budget_crossed"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    scope: str
    scope_id: str
    budget_usd: float
    spent_usd: float
    day: str
