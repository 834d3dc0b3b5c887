"""A three-broker stack: each node its own ports and log dir, one controller quorum, internal topics replicated;
the stack remembers its broker count, and every topic of the catalog gets min.insync.replicas from the settings;
commands on one stack take turns."""

import threading
from pathlib import Path

import pytest

from localstack.stack import Kafka, Stack
from streams.errors import UserError
from streams.settings import Settings
from streams.topics import catalog


def _properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("RESUMEFLOW_KAFKA_PORT", "21092")


@pytest.mark.usefixtures("local")
def test_three_nodes_have_their_own_ports_and_log_dirs_and_one_quorum(tmp_path: Path) -> None:
    nodes = [_properties(Kafka(tmp_path, node, 3).properties()) for node in (1, 2, 3)]
    assert [p["node.id"] for p in nodes] == ["1", "2", "3"]
    assert [p["listeners"] for p in nodes] == [
        f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1}" for port in (21092, 21094, 21096)]
    assert len({p["log.dirs"] for p in nodes}) == 3
    assert {p["log.dirs"] for p in nodes} == {str(tmp_path / f"kafka-{n}" / "data") for n in (1, 2, 3)}
    assert {p["controller.quorum.voters"] for p in nodes} == {
        "1@127.0.0.1:21093,2@127.0.0.1:21095,3@127.0.0.1:21097"}
    for p in nodes:
        assert p["process.roles"] == "broker,controller"
        assert p["offsets.topic.replication.factor"] == p["transaction.state.log.replication.factor"] == "3"
        assert p["default.replication.factor"] == "3"
        assert p["min.insync.replicas"] == p["transaction.state.log.min.isr"] == "2"


@pytest.mark.usefixtures("local")
def test_the_one_broker_stack_is_unchanged(tmp_path: Path) -> None:
    kafka = Kafka(tmp_path)
    properties = _properties(kafka.properties())
    assert kafka.name == "kafka" and kafka.workdir == tmp_path / "kafka"
    assert properties["controller.quorum.voters"] == "1@127.0.0.1:21093"
    assert properties["offsets.topic.replication.factor"] == properties["min.insync.replicas"] == "1"
    stack = Stack(tmp_path)
    assert stack.addresses()["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:21092"
    assert "RESUMEFLOW_REPLICATION_FACTOR" not in stack.addresses()


@pytest.mark.usefixtures("local")
def test_a_cluster_gives_clients_every_node_and_the_replication_of_its_topics(tmp_path: Path) -> None:
    addresses = Stack(tmp_path, brokers=3).addresses()
    assert addresses["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:21092,127.0.0.1:21094,127.0.0.1:21096"
    assert addresses["RESUMEFLOW_REPLICATION_FACTOR"] == "3"
    assert addresses["RESUMEFLOW_MIN_INSYNC_REPLICAS"] == "2"


@pytest.mark.usefixtures("local")
def test_the_stack_remembers_its_broker_count_and_names_each_node(tmp_path: Path) -> None:
    (tmp_path / "kafka-brokers").write_text("3\n")  # what `stack up --brokers 3` leaves
    stack = Stack(tmp_path)
    assert [c.name for c in stack.components] == ["kafka-1", "kafka-2", "kafka-3", "schema-registry", "postgres",
                                                  "redis"]
    assert [c.name for c in stack.services("kafka")] == ["kafka-1", "kafka-2", "kafka-3"]
    assert stack.component("kafka-2").name == "kafka-2"
    with pytest.raises(UserError, match=r"no service 'kafka-4'.*kafka-3"):
        stack.services("kafka-4")
    with pytest.raises(UserError, match=r"created with 3 Kafka broker.*down --wipe"):
        Stack(tmp_path, brokers=1)
    Stack(tmp_path).down(wipe=True)  # nothing runs: only the wipe, which forgets the count
    assert Stack.remembered_brokers(tmp_path) is None


def test_every_catalog_topic_needs_two_in_sync_replicas_of_three() -> None:
    settings = Settings(_env_file=None, RESUMEFLOW_REPLICATION_FACTOR=3)  # type: ignore[call-arg]
    assert settings.min_insync == 2
    assert {spec.config(settings)["min.insync.replicas"] for spec in catalog(settings)} == {"2"}


@pytest.mark.parametrize(("replicas", "min_insync"), [(1, 1), (2, 1), (3, 2), (5, 2)])
def test_min_insync_is_derived_so_one_broker_may_be_lost(replicas: int, min_insync: int) -> None:
    assert Settings(_env_file=None, RESUMEFLOW_REPLICATION_FACTOR=replicas).min_insync == min_insync  # type: ignore[call-arg]


def test_min_insync_above_the_replication_factor_is_refused() -> None:
    with pytest.raises(ValueError, match="no write could succeed"):
        Settings(_env_file=None, RESUMEFLOW_REPLICATION_FACTOR=1, RESUMEFLOW_MIN_INSYNC_REPLICAS=2)  # type: ignore[call-arg]
    explicit = Settings(_env_file=None, RESUMEFLOW_REPLICATION_FACTOR=3,  # type: ignore[call-arg]
                        RESUMEFLOW_MIN_INSYNC_REPLICAS=3)
    assert explicit.min_insync == 3


def test_producers_wait_for_every_in_sync_replica(tmp_path: Path) -> None:
    from streams.faust_wiring import new_app
    from streams.kafka_clients import producer_config

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    config = producer_config(settings)
    assert config["acks"] == "all" and config["enable.idempotence"] is True
    app = new_app(settings.model_copy(update={"home": tmp_path}), serdes=None, label="unit")  # type: ignore[arg-type]
    assert app.conf.producer_acks == -1
    assert app._new_producer()._settings_default()["acks"] == -1


@pytest.mark.usefixtures("local")
def test_a_node_reads_the_active_controller_from_its_quorum_state(tmp_path: Path) -> None:
    node = Kafka(tmp_path, 2, 3)
    assert node.quorum_leader() is None  # never started
    state = tmp_path / "kafka-2" / "data" / "__cluster_metadata-0" / "quorum-state"
    state.parent.mkdir(parents=True)
    state.write_text('{"clusterId":"","leaderId":3,"leaderEpoch":4,"votedId":-1,"appliedOffset":0,'
                     '"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}')
    assert node.quorum_leader() == 3
    state.write_text('{"leaderId":-1}')  # an election under way
    assert node.quorum_leader() is None


def test_stack_commands_on_one_home_take_turns(tmp_path, local):
    """Two `stack up`s at once (parallel test processes) would start each service twice: while one holds the
    stack's lock, another command on the same home waits for it."""
    first, second = Stack(tmp_path), Stack(tmp_path)
    with first._alone():
        waiting = threading.Thread(target=second.down)  # nothing runs, so alone it returns at once
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive()
    waiting.join(timeout=10)
    assert not waiting.is_alive()
