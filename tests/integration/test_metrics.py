"""A worker's /metrics on the real stack: the cell agent's counts (records processed, outputs, dead letters by
reason) and Faust's own sensor (offsets per partition, for the lag); and its log as JSON lines naming records."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from streams.ids import user_id_for_email
from streams.local_ports import free_local_port
from streams.settings import Settings
from streams.topics import USER_COMMANDS, USER_PROFILES
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and all((k, w) in ls for k, w in labels.items()))


def test_a_worker_serves_what_it_processed_sent_and_dead_lettered(
        stack: Settings, read_topic: Reader, test_app_id: str, tmp_path: Path) -> None:
    app_id, prefix = f"{test_app_id}-metrics", f"{test_app_id}-metrics."
    port = free_local_port()
    env = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": prefix, "RESUMEFLOW_WORKER_ID": "w0",
           "RESUMEFLOW_METRICS_PORT": str(port), "RESUMEFLOW_LOG_FORMAT": "json"}
    run_cli("topics", "apply", env=env)
    commands = USER_COMMANDS.for_settings(stack.model_copy(update={"topic_prefix": prefix})).name
    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap_servers})
    for n in range(3):
        producer.produce(commands, key=b"poison", value=b"\x00\x00\x00\x00" + bytes([n]))  # unknown schema id 0
    producer.flush(30)
    email = "metrics@example.org"
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"), env=env)

    worker = Worker(["profiles"], env, tmp_path / "worker.log").start()
    try:
        read_topic(USER_PROFILES.name, lambda records: any(r.key() == user_id_for_email(email) for r in records),
                   prefix=prefix)
        deadline = time.monotonic() + 30
        while True:  # the counts follow the acknowledgement, a moment after the outputs
            samples = scrape(port)
            if value(samples, "resumeflow_records_processed_total", topic=commands) >= 4 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        worker.stop()
    assert value(samples, "resumeflow_records_processed_total", processor="profiles", agent="profiles.commands",
                 topic=commands) == 4
    assert value(samples, "resumeflow_dead_letters_total", topic=commands, error_type="DecodeError") == 3
    assert value(samples, "resumeflow_records_out_total", topic=f"{prefix}user.profiles") == 1
    assert value(samples, "resumeflow_records_out_total", topic=f"{commands}.dlq") == 3
    assert value(samples, "resumeflow_record_delay_seconds_count", agent="profiles.commands") == 4
    assert value(samples, "resumeflow_cells_owned", processor="profiles") == stack.cell_partitions  # the only worker
    assert value(samples, "resumeflow_cells", processor="profiles") == stack.cell_partitions
    assert value(samples, "resumeflow_busy_seconds_total", processor="profiles") > 0
    # Faust's sensor: per partition of the input, the end offset and the committed offset (the lag between them).
    assert value(samples, "resumeflow_faust_topic_partition_end_offset", topic=commands) >= 4
    assert any(n == "resumeflow_faust_topic_partition_offset_commited" for n, _ in samples)

    # The log, as JSON lines: each dead letter's line names its record by topic, partition and offset, not its bytes.
    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines() if line.startswith("{")]
    letters = [line for line in lines if line["message"].startswith("dead-lettering")]
    assert [(ln["topic"], ln["level"]) for ln in letters] == [(commands, "WARNING")] * 3
    assert sorted(ln["offset"] for ln in letters) == sorted({ln["offset"] for ln in letters})  # three records
    assert all(isinstance(ln["partition"], int) and "poison" not in json.dumps(ln) for ln in letters)
    assert any(ln["topic"] is None for ln in lines)  # lines outside a record say so
