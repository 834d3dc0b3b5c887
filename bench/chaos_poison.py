"""The poison records of `bench.chaos`: for an input topic, the bytes of each kind of bad record, built from the
topic's own Avro schema so every topic of the catalog gets the same kinds without a hand-written case each.

Kinds (issue 13, "Poison on every input topic"):
- `random_bytes`: 64 seeded random bytes (no Confluent framing).
- `unknown_schema_id`: Confluent framing with a schema id the registry never issued.
- `wrong_schema`: a valid Avro record of another schema (a dead letter) under that schema's registered id.
- `impossible_values`: a record the topic's schema accepts whose values no producer of ours writes (empty
  strings, -1 counts and dates before 1970, NaN scores); the ids match the record's key, so only the values
  are wrong.
- `invalid_utf8`: a schema-valid record whose string carries bytes that are not UTF-8.
- `huge_description`: a posting whose description is 5 MB (only topics whose schema has `description_text`).

Pure: no Kafka here; `bench.chaos` sends the bytes and reads what became of them.
"""

from __future__ import annotations

import io
import math
import random
from typing import Any

import fastavro

from streams import avro_schemas
from streams.codec import frame

UNKNOWN_SCHEMA_ID = 987_654_321
HUGE_DESCRIPTION_BYTES = 5 * 1024 * 1024
UTF8_PLACEHOLDER = "CHAOS-UTF8-PLACEHOLDER"  # replaced, byte for byte, by as many non-UTF-8 bytes
NOT_UTF8 = b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\xf8\xa1\xa1\xa1\xa1\xfc\xa1\xa1\xa1"
KEY_FIELDS = ("user_id", "canonical_job_id", "board_key", "segment")

POISON_KINDS = ("random_bytes", "unknown_schema_id", "wrong_schema", "impossible_values", "invalid_utf8",
                "huge_description")


def _named(schema: Any) -> dict[str, Any]:
    return schema if isinstance(schema, dict) else {"type": schema}


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def datum(schema: Any, *, impossible: bool, key: str, tag: str, field: str = "",
          named: dict[str, Any] | None = None) -> Any:
    """A value of the (expanded) Avro `schema`: plausible (`impossible=False`: "x" strings, 1 counts, now-ish
    dates) or impossible (empty strings, -1, NaN). Fields named like the record's key get `key`, and `event_id`
    fields get `tag`, so the record is in the right cell and traceable. `named`: the named types met so far
    (a schema names a type once and refers to it by name after)."""
    named = {} if named is None else named

    def inner(sub: Any, sub_field: str = field) -> Any:
        return datum(sub, impossible=impossible, key=key, tag=tag, field=sub_field, named=named)

    if isinstance(schema, list):  # a union: its first branch that is not null
        return inner(next((b for b in schema if b != "null"), "null"))
    if isinstance(schema, str) and _short(schema) in named:
        return inner(named[_short(schema)])
    node = _named(schema)
    kind = node["type"]
    if isinstance(kind, (dict, list)):
        return inner(kind)
    if isinstance(kind, str) and _short(kind) in named:
        return inner(named[_short(kind)])
    if "name" in node and kind in ("record", "enum", "fixed"):
        named[_short(node["name"])] = node  # one namespace in this catalog: the short name is enough
    logical = node.get("logicalType")
    if kind == "record":
        return {f["name"]: inner(f["type"], f["name"]) for f in node["fields"]}
    if kind == "enum":
        return node["symbols"][0]
    if kind == "array":
        return [inner(node["items"])]
    if kind == "map":
        return {"": inner(node["values"])}
    if kind == "string":
        if field in KEY_FIELDS:
            return key
        if field == "event_id":
            return tag
        return "" if impossible else "x"
    if kind in ("int", "long"):
        if logical in ("timestamp-millis", "timestamp-micros"):
            return -1 if impossible else 1_767_225_600_000 * (1000 if logical == "timestamp-micros" else 1)
        return -1 if impossible else 1
    if kind in ("float", "double"):
        return math.nan if impossible else 1.0
    if kind == "boolean":
        return not impossible
    if kind in ("bytes", "fixed"):
        return b"" if kind == "bytes" else b"\0" * node["size"]
    if kind == "null":
        return None
    raise ValueError(f"no datum for Avro type {kind!r}")


def avro_payload(schema_name: str, value: Any) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(avro_schemas.load_schema(schema_name)), value)
    return buffer.getvalue()


def has_field(schema: Any, name: str) -> bool:
    """Whether any record in the (expanded) schema has a field `name`."""
    if isinstance(schema, list):
        return any(has_field(branch, name) for branch in schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "record":
        return any(f["name"] == name or has_field(f["type"], name) for f in schema["fields"])
    return any(has_field(schema.get(part), name) for part in ("type", "items", "values") if part in schema)


def _set_field(value: Any, name: str, new: Any) -> bool:
    """Set every field `name` in a nested datum; whether one was found."""
    found = False
    if isinstance(value, dict):
        for field_name, inner in value.items():
            if field_name == name:
                value[field_name] = new
                found = True
            else:
                found = _set_field(inner, name, new) or found
    elif isinstance(value, list):
        for inner in value:
            found = _set_field(inner, name, new) or found
    return found


def _first_text_field(schema: Any) -> str | None:
    """The first plain string field of the top record that is not an id (where the non-UTF-8 bytes go)."""
    for field in _named(schema).get("fields", []):
        branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
        if "string" in branches and field["name"] not in (*KEY_FIELDS, "event_id"):
            return field["name"]
    return None


def poison_values(value_schema: str, *, schema_id: int, dead_letter_id: int, dead_letter_payload: bytes,
                  key: str, tag: str, seed: int) -> dict[str, bytes]:
    """Each kind's value bytes for a topic whose values are `value_schema` (registered as `schema_id`).
    `dead_letter_payload` is a valid `dead_letter` record (the wrong schema), registered as `dead_letter_id`."""
    schema = avro_schemas.load_schema(value_schema)
    rng = random.Random(seed)
    values = {
        "random_bytes": bytes(rng.getrandbits(8) for _ in range(64)),
        "unknown_schema_id": frame(UNKNOWN_SCHEMA_ID, avro_payload(value_schema, datum(
            schema, impossible=False, key=key, tag=f"{tag}-unknown-id"))),
        "wrong_schema": frame(dead_letter_id, dead_letter_payload),
        "impossible_values": frame(schema_id, avro_payload(value_schema, datum(
            schema, impossible=True, key=key, tag=f"{tag}-impossible"))),
    }
    plausible = datum(schema, impossible=False, key=key, tag=f"{tag}-utf8")
    text_field = _first_text_field(schema) or "event_id"
    plausible[text_field] = UTF8_PLACEHOLDER
    payload = avro_payload(value_schema, plausible)
    values["invalid_utf8"] = frame(schema_id, payload.replace(UTF8_PLACEHOLDER.encode(),
                                                              NOT_UTF8[:len(UTF8_PLACEHOLDER)]))
    if has_field(schema, "description_text"):
        huge = datum(schema, impossible=False, key=key, tag=f"{tag}-huge")
        _set_field(huge, "description_text", "word " * (HUGE_DESCRIPTION_BYTES // 5))
        values["huge_description"] = frame(schema_id, avro_payload(value_schema, huge))
    return values
