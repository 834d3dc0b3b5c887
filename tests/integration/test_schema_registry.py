"""The local schema registry against the real broker, driven by Confluent's own client and serdes.

Each test gets a fresh ``_schemas_test_<uuid>`` topic and a registry subprocess started exactly like the
deployment starts it (``python -m schema_registry``); the topic is deleted afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from streams.local_ports import free_local_port
from streams.settings import Settings

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


class RegistryProcess:
    """One registry subprocess on a given topic; ``restart`` keeps the topic and the port."""

    def __init__(self, bootstrap_servers: str, topic: str, log_dir: Path) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.port = free_local_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_dir = log_dir
        self._runs = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._runs += 1
        log_path = self._log_dir / f"registry-{self._runs}.log"
        with log_path.open("wb") as log_file:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "schema_registry",
                    "--bootstrap-servers",
                    self.bootstrap_servers,
                    "--topic",
                    self.topic,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=REPO_ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"registry exited with {self._process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"registry not ready within {START_TIMEOUT_S}s:\n{log_path.read_text()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> SchemaRegistryClient:
        """A fresh client, so nothing is answered from a previous client's cache."""
        return SchemaRegistryClient({"url": self.url})


@pytest.fixture(scope="module")
def kafka_bootstrap(stack: Settings) -> str:
    bootstrap = stack.kafka_bootstrap_servers
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": 5000})
    try:
        admin.list_topics(timeout=10)
    except KafkaException as exc:
        pytest.fail(f"Kafka is not reachable at KAFKA_BOOTSTRAP_SERVERS={bootstrap}: {exc}")
    return bootstrap


@pytest.fixture
def registry(kafka_bootstrap: str, tmp_path: Path) -> Iterator[RegistryProcess]:
    process = RegistryProcess(kafka_bootstrap, f"_schemas_test_{uuid.uuid4().hex}", tmp_path)
    process.start()
    try:
        yield process
    finally:
        process.stop()
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        for future in admin.delete_topics([process.topic], operation_timeout=30).values():
            future.result()


def avro_schema(*fields: dict[str, object], name: str = "JobPosted") -> Schema:
    text = json.dumps(
        {"type": "record", "name": name, "namespace": "resumeflow.test", "fields": list(fields)}
    )
    return Schema(text, "AVRO")


JOB_ID = {"name": "job_id", "type": "string"}
TITLE_WITH_DEFAULT = {"name": "title", "type": "string", "default": ""}
TITLE_REQUIRED = {"name": "title", "type": "string"}


def test_same_schema_gets_the_same_id_under_every_subject(registry: RegistryProcess) -> None:
    client = registry.client()
    first = client.register_schema("jobs-value", avro_schema(JOB_ID))
    assert client.register_schema("postings-value", avro_schema(JOB_ID)) == first
    assert client.register_schema("jobs-value", avro_schema(JOB_ID)) == first
    assert client.get_versions("jobs-value") == [1]
    latest = client.get_latest_version("postings-value")
    assert (latest.schema_id, latest.version, latest.subject) == (first, 1, "postings-value")
    stored = registry.client().get_schema(first)
    assert json.loads(stored.schema_str)["fields"] == [JOB_ID]
    usages = {(v.subject, v.version) for v in registry.client().get_schema_versions(first)}
    assert usages == {("jobs-value", 1), ("postings-value", 1)}


def test_incompatible_schema_is_refused_with_http_409(registry: RegistryProcess) -> None:
    client = registry.client()
    client.register_schema("jobs-value", avro_schema(JOB_ID))
    assert client.test_compatibility("jobs-value", avro_schema(JOB_ID, TITLE_WITH_DEFAULT)) is True
    assert client.test_compatibility("jobs-value", avro_schema(JOB_ID, TITLE_REQUIRED)) is False

    with pytest.raises(SchemaRegistryError) as caught:
        client.register_schema("jobs-value", avro_schema(JOB_ID, TITLE_REQUIRED))
    assert caught.value.http_status_code == 409
    assert caught.value.error_code == 409

    second = client.register_schema("jobs-value", avro_schema(JOB_ID, TITLE_WITH_DEFAULT))
    assert client.get_latest_version("jobs-value").version == 2
    assert client.get_latest_version("jobs-value").schema_id == second


def test_compatibility_level_can_be_relaxed_per_subject(registry: RegistryProcess) -> None:
    client = registry.client()
    assert client.get_compatibility() == "BACKWARD"
    client.register_schema("jobs-value", avro_schema(JOB_ID))
    client.set_compatibility("jobs-value", "NONE")
    assert client.get_compatibility("jobs-value") == "NONE"
    client.register_schema("jobs-value", avro_schema({"name": "job_id", "type": "long"}))
    assert client.get_versions("jobs-value") == [1, 2]
    assert client.get_compatibility() == "BACKWARD"


def test_unknown_subjects_versions_and_ids_use_confluent_error_codes(registry: RegistryProcess) -> None:
    client = registry.client()
    client.register_schema("jobs-value", avro_schema(JOB_ID))
    cases = [
        (lambda: client.get_latest_version("nobody-value"), 404, 40401),
        (lambda: client.get_version("jobs-value", 7), 404, 40402),
        (lambda: client.get_schema(987654), 404, 40403),
        (lambda: client.lookup_schema("jobs-value", avro_schema(TITLE_REQUIRED)), 404, 40403),
        (lambda: client.register_schema("jobs-value", Schema('{"type": "nope"}', "AVRO")), 422, 42201),
        (lambda: client.register_schema("jobs-value", Schema("syntax = 'proto3';", "PROTOBUF")), 422, 42201),
        (lambda: client.set_compatibility("jobs-value", "SIDEWAYS"), 422, 42203),
    ]
    for call, http_status, error_code in cases:
        with pytest.raises(SchemaRegistryError) as caught:
            call()
        assert (caught.value.http_status_code, caught.value.error_code) == (http_status, error_code)


def test_ids_and_versions_survive_a_restart(registry: RegistryProcess) -> None:
    client = registry.client()
    jobs_v1 = client.register_schema("jobs-value", avro_schema(JOB_ID))
    jobs_v2 = client.register_schema("jobs-value", avro_schema(JOB_ID, TITLE_WITH_DEFAULT))
    users = client.register_schema(
        "users-value", avro_schema({"name": "user_id", "type": "string"}, name="User")
    )
    client.set_compatibility("users-value", "FULL")

    registry.restart()

    client = registry.client()
    assert client.get_subjects() == ["jobs-value", "users-value"]
    assert client.get_versions("jobs-value") == [1, 2]
    assert client.get_version("jobs-value", 1).schema_id == jobs_v1
    assert client.get_latest_version("jobs-value").schema_id == jobs_v2
    assert client.get_latest_version("users-value").schema_id == users
    assert client.get_compatibility("users-value") == "FULL"
    assert client.register_schema("jobs-value", avro_schema(JOB_ID, TITLE_WITH_DEFAULT)) == jobs_v2
    fresh = client.register_schema("other-value", avro_schema(JOB_ID, name="Other"))
    assert fresh == max(jobs_v1, jobs_v2, users) + 1


def test_confluent_avro_serde_round_trips_through_the_registry(registry: RegistryProcess) -> None:
    schema_text = avro_schema(
        JOB_ID, TITLE_WITH_DEFAULT, {"name": "score", "type": ["null", "double"], "default": None}
    )
    serializer = AvroSerializer(registry.client(), schema_text.schema_str)
    deserializer = AvroDeserializer(registry.client())
    context = SerializationContext("jobs", MessageField.VALUE)
    job = {"job_id": "greenhouse:123", "title": "Data Engineer", "score": 0.75}

    payload = serializer(job, context)

    assert payload is not None and payload[0] == 0  # Confluent wire format: magic byte, then the schema id
    schema_id = int.from_bytes(payload[1:5], "big")
    assert registry.client().get_latest_version("jobs-value").schema_id == schema_id
    assert deserializer(payload, context) == job
