"""What every message shares: the base class, time and id helpers, validated string types."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _require_utc(value: datetime) -> datetime:
    # Avro timestamp-millis has no zone; a naive datetime would be read back shifted.
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]
# A Greenhouse/Lever/Ashby board or an imported file is named by a plain name: it goes into a URL path or a
# file name, so nothing that could climb out of either. (A FEED board's token is its URL instead.)
# A Greenhouse/Lever/Ashby board or an imported file is named by a plain name: it goes into a URL path or a
# file name, so nothing that could climb out of either. (A FEED board's token is its URL instead.)
BOARD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
NonEmptyStr = Annotated[str, Field(min_length=1)]


def new_event_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """A record on a topic. `avro_schema` names its `schemas/<name>.avsc` file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    avro_schema: ClassVar[str]

    def to_avro(self) -> dict[str, Any]:
        return self.model_dump(mode="python")
