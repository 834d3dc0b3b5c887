"""Compatibility levels and checks, as Confluent defines them, on top of Avro's reader/writer checker.

BACKWARD means consumers on the new schema can read data written with earlier ones (new schema as reader);
FORWARD means consumers still on earlier schemas can read data written with the new one; FULL is both.
The plain levels compare with the latest version only, the ``_TRANSITIVE`` ones with every version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from schema_registry.exceptions import InvalidCompatibilityLevel


class CompatibilityLevel(StrEnum):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @classmethod
    def parse(cls, raw: object) -> CompatibilityLevel:
        """Read a level from a request, raising :class:`InvalidCompatibilityLevel` (42203) when unknown."""
        if isinstance(raw, str):
            try:
                return cls(raw.upper())
            except ValueError:
                pass
        allowed = ", ".join(level.value for level in cls)
        raise InvalidCompatibilityLevel(f"Invalid compatibility level {raw!r}. Valid values are: {allowed}")

    @property
    def is_transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")

    @property
    def checks_backward(self) -> bool:
        return self.value.startswith(("BACKWARD", "FULL"))

    @property
    def checks_forward(self) -> bool:
        return self.value.startswith(("FORWARD", "FULL"))


@dataclass(frozen=True)
class CompatibilityResult:
    is_compatible: bool
    messages: tuple[str, ...] = ()


def reader_can_read_writer(reader: avro.schema.Schema, writer: avro.schema.Schema) -> tuple[str, ...]:
    """Return why ``reader`` cannot decode data written with ``writer``; empty when it can."""
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return ()
    # The checker reports kinds, messages and locations as separate unordered sets, so they cannot be
    # paired up reliably; one line per message with all kinds and locations is the honest rendering.
    kinds = ", ".join(sorted({kind.name.upper() for kind in result.incompatibilities})) or "INCOMPATIBLE"
    locations = ", ".join(sorted(result.locations))
    messages = sorted(result.messages) or ["incompatible"]
    return tuple(f"{kinds}: {message} (at {locations})" for message in messages)


def check_compatibility(
    level: CompatibilityLevel,
    candidate: avro.schema.Schema,
    existing: Sequence[tuple[int, avro.schema.Schema]],
) -> CompatibilityResult:
    """Check ``candidate`` against ``existing`` ``(version, schema)`` pairs, oldest first, under ``level``."""
    if level is CompatibilityLevel.NONE or not existing:
        return CompatibilityResult(is_compatible=True)
    targets = existing if level.is_transitive else existing[-1:]
    messages: list[str] = []
    for version, schema in targets:
        if level.checks_backward:
            messages.extend(
                f"{level.value}: new schema cannot read data written with version {version}: {why}"
                for why in reader_can_read_writer(reader=candidate, writer=schema)
            )
        if level.checks_forward:
            messages.extend(
                f"{level.value}: version {version} cannot read data written with the new schema: {why}"
                for why in reader_can_read_writer(reader=schema, writer=candidate)
            )
    return CompatibilityResult(is_compatible=not messages, messages=tuple(messages))
