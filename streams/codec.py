"""The one codec: Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary via fastavro).

`AvroSerde` encodes and decodes one subject. Faust uses it through `streams.faust_wiring`, confluent-kafka
producers and consumers through `streams.kafka_clients`, so every client writes the same bytes and a
Confluent `AvroDeserializer` reads them.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import fastavro
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from streams import avro_schemas
from streams.errors import DecodeError, EncodeError, SchemaError
from streams.messages import Message

MAGIC_BYTE = 0
STRING_CACHE_MAX = 100_000  # encoded keys kept per subject (about 10 MB at most); then the cache starts over
_HEADER = struct.Struct(">bI")


def frame(schema_id: int, payload: bytes) -> bytes:
    return _HEADER.pack(MAGIC_BYTE, schema_id) + payload


def unframe(data: bytes | None) -> tuple[int, bytes]:
    """Split Confluent-framed bytes into (schema id, Avro payload)."""
    if data is None:
        raise DecodeError("no bytes (a null record) where an Avro record was expected")
    if len(data) < _HEADER.size:
        raise DecodeError(f"{len(data)} bytes is too short for the Confluent wire format")
    magic, schema_id = _HEADER.unpack_from(data)
    if magic != MAGIC_BYTE:
        raise DecodeError(f"unknown magic byte {magic}: not Confluent wire format")
    return schema_id, data[_HEADER.size :]


class AvroSerde:
    """Encodes and decodes the records of one registry subject.

    The writer's id is looked up once (`bind`); writer schemas met while decoding are fetched by id once and
    cached, and records are resolved to our own (reader) schema, so older records read as the current model.
    """

    def __init__(self, registry: SchemaRegistryClient, subject: str, schema_name: str) -> None:
        self.subject = subject
        self.schema_name = schema_name
        self._registry = registry
        self._schema_text = avro_schemas.schema_text(schema_name)
        self._reader = fastavro.parse_schema(avro_schemas.load_schema(schema_name))
        self._writers: dict[int, Any] = {}
        self._schema_id: int | None = None
        self._encoded_strings: dict[str, bytes] = {}
        # Only a schema that reads as a string (str is immutable) may hand out one decoded value to every caller.
        reads_string = self._reader == "string" or (
            isinstance(self._reader, dict) and self._reader.get("type") == "string")
        self._decoded_strings: dict[bytes, str] | None = {} if reads_string else None

    @property
    def schema_id(self) -> int:
        if self._schema_id is None:
            self.bind()
        assert self._schema_id is not None
        return self._schema_id

    def bind(self) -> int:
        """Register our schema under the subject (idempotent: an identical schema keeps its id)."""
        try:
            self._schema_id = self._registry.register_schema(self.subject, Schema(self._schema_text, "AVRO"))
        except SchemaRegistryError as exc:
            raise SchemaError(f"registry refused {self.schema_name} for {self.subject}: {exc}") from exc
        self._writers[self._schema_id] = self._reader
        self._encoded_strings.clear()  # they carry the id
        return self._schema_id

    def encode(self, value: Message | dict[str, Any] | str) -> bytes:
        if type(value) is str:  # a key: the same ids again and again (a table encodes one per get, set, changelog)
            encoded = self._encoded_strings.get(value)
            if encoded is None:
                if len(self._encoded_strings) >= STRING_CACHE_MAX:
                    self._encoded_strings.clear()
                encoded = self._encoded_strings[value] = self._encode(value)
            return encoded
        return self._encode(value)

    def _encode(self, value: Message | dict[str, Any] | str) -> bytes:
        datum = value.to_avro() if isinstance(value, Message) else value
        buffer = io.BytesIO()
        try:
            fastavro.schemaless_writer(buffer, self._reader, datum)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise EncodeError(f"value does not fit {self.schema_name}: {exc}") from exc
        return frame(self.schema_id, buffer.getvalue())

    def decode(self, data: bytes | None) -> Any:
        if self._decoded_strings is not None and data is not None:  # a key: see `encode`
            decoded = self._decoded_strings.get(data)
            if decoded is None:
                if len(self._decoded_strings) >= STRING_CACHE_MAX:
                    self._decoded_strings.clear()
                decoded = self._decoded_strings[data] = self._decode(data)
            return decoded
        return self._decode(data)

    def _decode(self, data: bytes | None) -> Any:
        schema_id, payload = unframe(data)
        writer = self._writer_schema(schema_id)
        try:
            return fastavro.schemaless_reader(io.BytesIO(payload), writer, self._reader)
        except Exception as exc:  # fastavro raises many types (EOFError, SchemaResolutionError, ...)
            raise DecodeError(f"schema id {schema_id}: not a readable {self.schema_name}: {exc!r}") from exc

    def _writer_schema(self, schema_id: int) -> Any:
        writer = self._writers.get(schema_id)
        if writer is None:
            # A blocking HTTP call, once per unseen writer id: ids are prefetched at start-up (`bind`), so this
            # only happens when another producer rolled out a newer schema.
            try:
                registered = self._registry.get_schema(schema_id)
            except SchemaRegistryError as exc:
                raise DecodeError(f"schema id {schema_id} is unknown to the registry: {exc}") from exc
            if registered.schema_type not in (None, "AVRO"):
                raise DecodeError(f"schema id {schema_id} is {registered.schema_type}, not Avro")
            writer = fastavro.parse_schema(json.loads(registered.schema_str))
            self._writers[schema_id] = writer
        return writer
