"""The ``_schemas`` record format, checked without Kafka: what replay must skip rather than fail on."""

from __future__ import annotations

from schema_registry.records import decode_record


def test_records_from_other_tools_are_skipped_not_fatal() -> None:
    assert decode_record(b"not json", b"{}") is None
    assert decode_record(b'{"keytype":"NOOP","magic":0}', None) is None
    proto_value = (
        b'{"subject":"p","version":1,"id":9,"schema":"syntax = \\"proto3\\";","schemaType":"PROTOBUF"}'
    )
    assert decode_record(b'{"keytype":"SCHEMA","subject":"p","version":1,"magic":1}', proto_value) is None
