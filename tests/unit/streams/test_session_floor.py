"""A worker's session against brokers whose floor (group.min.session.timeout.ms) it cannot read."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from streams.admin import KAFKA_DEFAULT_MIN_SESSION_S, session_the_broker_allows
from streams.settings import Settings


class RefusingAdmin:
    """An admin client whose cluster refuses or never answers the metadata and config requests (a managed
    cluster that denies DescribeConfigs, a broker that times out)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def list_topics(self, **_: Any) -> Any:
        raise self.error


@pytest.mark.parametrize("error", [
    KafkaException(KafkaError(KafkaError.CLUSTER_AUTHORIZATION_FAILED)),
    TimeoutError("no answer"),
], ids=["denied", "timed-out"])
def test_an_unreadable_floor_is_taken_as_kafkas_default_so_the_worker_can_join(error: Exception) -> None:
    # Review finding: the unknown floor kept the 3 s default, which a cluster at Kafka's 6000 ms refuses
    # (INVALID_SESSION_TIMEOUT, fatal in aiokafka); and a TimeoutError escaped and stopped the worker's start.
    default = Settings.model_fields["broker_session_timeout_s"].default
    settings = Settings(RESUMEFLOW_BROKER_SESSION_TIMEOUT_S=default, RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S=1.0)
    assert settings.broker_session_timeout_s < KAFKA_DEFAULT_MIN_SESSION_S
    allowed = session_the_broker_allows(settings, RefusingAdmin(error))  # type: ignore[arg-type]
    assert allowed.broker_session_timeout_s == KAFKA_DEFAULT_MIN_SESSION_S == 6.0
    assert allowed.broker_heartbeat_interval_s < allowed.broker_session_timeout_s


def test_a_session_above_kafkas_default_is_kept_when_the_floor_is_unknown() -> None:
    settings = Settings(RESUMEFLOW_BROKER_SESSION_TIMEOUT_S=10.0, RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S=3.0)
    denied = RefusingAdmin(KafkaException(KafkaError(KafkaError.CLUSTER_AUTHORIZATION_FAILED)))
    assert session_the_broker_allows(settings, denied).broker_session_timeout_s == 10.0  # type: ignore[arg-type]
