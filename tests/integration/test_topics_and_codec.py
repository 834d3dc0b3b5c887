"""The catalog on the live cluster, and the shared codec against the real registry."""

from __future__ import annotations

import io
import json

import fastavro
import pytest
from confluent_kafka.schema_registry import Schema

from streams import avro_schemas
from streams.admin import (
    admin_client,
    apply_topics,
    broker_min_session_timeout_s,
    check_copartitioning,
    session_the_broker_allows,
)
from streams.codec import AvroSerde, frame
from streams.errors import CoPartitioningError, DecodeError
from streams.kafka_clients import Serdes, registry_client
from streams.messages import ResponseKind, ResponseReceived, utc_now
from streams.settings import Settings
from streams.topics import USER_COMMANDS
from tests.integration.conftest import run_cli

pytestmark = pytest.mark.integration


def test_applying_the_catalog_again_changes_nothing(stack: Settings, test_app_id: str) -> None:
    settings = stack.model_copy(update={"app_id": test_app_id})
    assert apply_topics(settings, admin_client(settings)) == []
    assert "0 topics created" in run_cli("topics", "apply", env={"RESUMEFLOW_APP_ID": test_app_id}).stdout


def test_workers_refuse_to_start_when_user_topics_disagree_on_cells(stack: Settings) -> None:
    settings = stack.model_copy(update={"cell_partitions": 7})
    with pytest.raises(CoPartitioningError, match="must all have 7 partitions"):
        check_copartitioning(settings, admin_client(settings))


def test_the_brokers_allow_the_workers_default_session_and_a_shorter_one_is_raised_to_their_floor(
        stack: Settings) -> None:
    admin = admin_client(stack)
    assert broker_min_session_timeout_s(admin) == 3.0  # the stack's floor (Kafka's default is 6 s)
    default = Settings.model_fields["broker_session_timeout_s"].default
    at_default = stack.model_copy(update={"broker_session_timeout_s": default, "broker_heartbeat_interval_s": 1.0})
    assert session_the_broker_allows(at_default, admin).broker_session_timeout_s == default == 3.0
    shorter = stack.model_copy(update={"broker_session_timeout_s": 2.0, "broker_heartbeat_interval_s": 0.5})
    assert session_the_broker_allows(shorter, admin).broker_session_timeout_s == 3.0


def test_a_record_written_with_an_older_schema_reads_as_the_current_model(stack: Settings) -> None:
    registry = registry_client(stack)
    subject = f"codec-evolution-{utc_now().timestamp():.0f}-value"
    # An older ResponseReceived without `detail`: the current schema adds it with a default.
    older = json.loads(avro_schemas.schema_text("response_received"))
    older["fields"] = [f for f in older["fields"] if f["name"] != "detail"]
    older_id = registry.register_schema(subject, Schema(json.dumps(older), "AVRO"))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(older), {
        "event_id": "e", "user_id": "u", "occurred_at": utc_now(), "application_id": "a", "kind": "OFFER"})

    serde = AvroSerde(registry, subject, "response_received")
    decoded = ResponseReceived.model_validate(serde.decode(frame(older_id, buffer.getvalue())))
    assert decoded.kind is ResponseKind.OFFER and decoded.detail == ""
    assert serde.schema_id != older_id  # registering the current schema made version 2


def test_an_unknown_schema_id_is_a_decode_error(stack: Settings) -> None:
    serde = Serdes(registry_client(stack)).value(USER_COMMANDS)
    with pytest.raises(DecodeError, match="unknown to the registry"):
        serde.decode(frame(987654321, b"\x00"))
