"""The real local stack for integration tests, started (or reused) through the CLI a developer uses.

`resumeflow stack up` is idempotent: on a developer's machine the running stack is reused; in CI it starts
from nothing. Processors run as real `resumeflow worker` subprocesses.
"""

from __future__ import annotations

import asyncio
import email
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import DeserializingConsumer
from confluent_kafka.error import KeyDeserializationError, ValueDeserializationError
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer

from adapters.maildir import messages
from streams.local_ports import free_local_port
from streams.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_TIMEOUT_S = 120.0


def run_cli(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=600,
    )
    if check and result.returncode != 0:
        pytest.fail(f"resumeflow {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def test_app_id() -> str:
    """A fresh Faust app id per session: its own consumer group and changelog, so a developer's running
    worker and earlier sessions never share this session's cells."""
    return f"rftest-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def stack(test_app_id: str) -> Iterator[Settings]:
    """The running local stack, and a namespace of this session's own: every topic behind the prefix
    `<app id>.` (and the posting index in its own table), so the session neither sees the records of a demo or
    an earlier session on the same stack nor leaves its records where they would."""
    # The suite runs several pytest processes, each with its workers, on the machine's cores (load average ~24
    # on 2): a worker there can miss the default 3 s session (streams/settings.py) and rejoin again and again; in
    # one CI run an `all` worker's discovery group reached generation 5 and was not ready after 120 s. The
    # suite's workers get the session of an overloaded machine, unless the environment sets either setting
    # (both or neither: one alone could leave the heartbeat no shorter than the session, which Settings refuses).
    # `bench.failover` (after the drill tests in `make test-failover`) measures the default.
    overrides = {"RESUMEFLOW_TOPIC_PREFIX": f"{test_app_id}."}  # for this process and every subprocess
    session = {"RESUMEFLOW_BROKER_SESSION_TIMEOUT_S": "10", "RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S": "3"}
    if not any(name in os.environ for name in session):
        overrides.update(session)
    before = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        run_cli("stack", "up")
        run_cli("topics", "apply", env={"RESUMEFLOW_APP_ID": test_app_id})
        settings = load_settings()
        yield settings
        # Every topic of the session (its namespace, its app ids' changelogs and internal topics, the
        # sub-namespaces of tests that run a deployment of their own) starts with the session's app id: delete
        # them all, so a developer's stack does not collect thousands of partitions over many runs.
        from streams.admin import admin_client, delete_namespace

        delete_namespace(admin_client(settings), test_app_id)
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Worker:
    """A `resumeflow worker` subprocess; `start` waits until Faust reports the worker ready."""

    def __init__(self, processors: list[str], env: dict[str, str], log_path: Path) -> None:
        self.processors = processors
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        # One processor runs in the process (Faust says when it is ready); several run under a supervisor, which
        # says when all of them are.
        self.ready_mark = "Worker ready" if len(processors) == 1 and processors != ["all"] else "processors ready"

    def start(self) -> Worker:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "worker", *self.processors], cwd=REPO_ROOT,
                stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, **self.env},
            )
        deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            if self.ready_mark in text:
                return self
            if self.process.poll() is not None:
                pytest.fail(f"worker exited with {self.process.returncode}:\n{text[-4000:]}")
            time.sleep(0.5)
        pytest.fail(f"worker not ready after {WORKER_READY_TIMEOUT_S}s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@pytest.fixture(scope="session")
def worker_env(stack: Settings, test_app_id: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"RESUMEFLOW_APP_ID": test_app_id, "RESUMEFLOW_WORKER_ID": "w0"}


@pytest.fixture(scope="session")
def profiles_worker(worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    worker = Worker(["profiles"], worker_env, tmp_path_factory.mktemp("worker") / "worker.log").start()
    yield worker
    worker.stop()




SIGNUP_MARKER = "#signup-confirm="  # query_api.app's SIGNUP_LINK_PREFIX, in the link a sign-up mails
SIGNIN_MARKER = "#signin-link="


def mailed_links(maildir: Path, address: str, marker: str) -> list[str]:
    """The links containing `marker` in the account mails (single-part, unlike the BCC copies of applications)
    the local SMTP server delivered to `address` under `maildir`."""
    found = []
    for raw in messages(maildir, address):
        message = email.message_from_bytes(raw)
        if not message.is_multipart():
            found += [word for word in message.get_payload(decode=True).decode().split() if marker in word]
    return found


def wait_for_link(maildir: Path, address: str, marker: str, *, seen: Iterable[str] = (),
                  timeout_s: float = 30.0) -> str:
    """A link with `marker` mailed to `address` that is not in `seen` (the mail goes out in the background)."""
    deadline, seen = time.monotonic() + timeout_s, set(seen)
    while not (new := [link for link in mailed_links(maildir, address, marker) if link not in seen]):
        assert time.monotonic() < deadline, f"no {marker} link mailed to {address} in {timeout_s}s"
        time.sleep(0.1)
    return new[0]


async def sign_up_by_mail(client: Any, maildir: Path, address: str, password: str) -> dict[str, Any]:
    """Signs up as a person does: POST /api/auth/signup, the confirm link from the mail the local SMTP server
    kept, POST /api/auth/signup/confirm with its token. The confirm's answer {"user_id", "csrf_token"}; `client`
    (a TestClient or an aiohttp session) keeps the session cookie."""
    asked = await client.post("/api/auth/signup", json={"email": address, "password": password})
    assert asked.status == 202, await asked.text()
    link = await asyncio.to_thread(wait_for_link, maildir, address, SIGNUP_MARKER)
    confirmed = await client.post("/api/auth/signup/confirm", json={"token": link.split(SIGNUP_MARKER, 1)[1]})
    assert confirmed.status == 201, await confirmed.text()
    return await confirmed.json()


def pipeline_env(app_id: str, board_url: str, smtp_port: int, folder: Path, *, partitions: int,
                 worker_id: str) -> dict[str, str]:
    """The environment of a whole pipeline in a namespace of its own: boards at `board_url` (the demo's board
    server), the demo's community import, artifacts, mailboxes (`folder/mail`) and a local SMTP server on
    `smtp_port`, ticks of a second. `folder` gets the imports, artifacts and mail."""
    import shutil

    imports = folder / "imports"
    imports.mkdir(exist_ok=True)
    shutil.copyfile(REPO_ROOT / "demo" / "imports" / "community-jobs.jsonl", imports / "community-jobs.jsonl")
    return {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": f"{app_id}.",
            "RESUMEFLOW_CELL_PARTITIONS": str(partitions), "RESUMEFLOW_WORKER_ID": worker_id,
            "RESUMEFLOW_GREENHOUSE_URL": board_url, "RESUMEFLOW_LEVER_URL": board_url,
            "RESUMEFLOW_ASHBY_URL": board_url, "RESUMEFLOW_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
            "RESUMEFLOW_IMPORT_DIR": str(imports), "RESUMEFLOW_ARTIFACT_DIR": str(folder / "artifacts"),
            "RESUMEFLOW_DISCOVERY_TICK_S": "1", "RESUMEFLOW_SUBMISSION_TICK_S": "1",
            "RESUMEFLOW_SMTP_HOST": "127.0.0.1", "RESUMEFLOW_SMTP_PORT": str(smtp_port),
            "RESUMEFLOW_SMTP_SECURITY": "none", "RESUMEFLOW_SUBMISSION_MAILBOX_DIR": str(folder / "mail")}


@pytest.fixture(scope="session")
def board_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo's local job-board server (Greenhouse, Lever, Ashby, feeds) on a copy of its boards that a
    test may edit. Yields (base URL, boards folder)."""
    import shutil
    import urllib.request

    folder = tmp_path_factory.mktemp("boards") / "boards"
    shutil.copytree(REPO_ROOT / "demo" / "boards", folder)
    port = free_local_port()
    process = subprocess.Popen([sys.executable, "-m", "demo.board_server", "--dir", str(folder), "--port",
                                str(port)], cwd=REPO_ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/v0/postings/example", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the board server did not start")
            time.sleep(0.2)
    yield base, folder
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def discovery_env(worker_env: dict[str, str], board_server: tuple[str, Path]) -> dict[str, str]:
    base, _ = board_server
    return {**worker_env, "RESUMEFLOW_GREENHOUSE_URL": base, "RESUMEFLOW_LEVER_URL": base,
            "RESUMEFLOW_ASHBY_URL": base, "RESUMEFLOW_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
            "RESUMEFLOW_DISCOVERY_TICK_S": "1", "RESUMEFLOW_DISCOVERY_INTERVAL_S": "2"}


@pytest.fixture(scope="session")
def registry(stack: Settings) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": stack.schema_registry_url})


@pytest.fixture
def read_topic(stack: Settings, registry: SchemaRegistryClient) -> Callable[..., list[Any]]:
    """Read a topic as an analyst would: Confluent's DeserializingConsumer with AvroDeserializer, from the
    start, until `until(records)` holds or the timeout passes. Returns the messages read."""

    def read(topic: str, until: Callable[[list[Any]], bool], timeout_s: float = 60.0,
             avro_key: bool = True, avro_value: bool = True, prefix: str | None = None) -> list[Any]:
        """`topic` is a catalog name (`user.profiles`); it is read in this session's namespace, or `prefix`'s."""
        namespace = stack.topic_prefix if prefix is None else prefix
        topic = topic if topic.startswith(namespace) else namespace + topic
        config: dict[str, Any] = {
            "bootstrap.servers": stack.kafka_bootstrap_servers,
            "group.id": f"analyst-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
        if avro_key:
            config["key.deserializer"] = AvroDeserializer(registry)
        if avro_value:
            config["value.deserializer"] = AvroDeserializer(registry)
        consumer = DeserializingConsumer(config)
        consumer.subscribe([topic])
        messages: list[Any] = []
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline and not until(messages):
                try:
                    message = consumer.poll(0.5)
                except (KeyDeserializationError, ValueDeserializationError):
                    continue  # poison another test (or an earlier run on this stack) put there on purpose
                if message is not None and message.error() is None:
                    messages.append(message)
        finally:
            consumer.close()
        return messages

    return read


@pytest.fixture(scope="session")
def discovery_worker(profiles_worker: Worker, discovery_env: dict[str, str],
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    worker = Worker(["discovery"], discovery_env, tmp_path_factory.mktemp("discovery") / "worker.log").start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def analysis_worker(discovery_worker: Worker, discovery_env: dict[str, str],
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    env = {**discovery_env, "RESUMEFLOW_METRICS_PORT": str(free_local_port())}
    worker = Worker(["analysis"], env, tmp_path_factory.mktemp("analysis") / "worker.log").start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def generation_worker(analysis_worker: Worker, discovery_env: dict[str, str],
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    worker = Worker(["generation"], discovery_env, tmp_path_factory.mktemp("generation") / "worker.log").start()
    yield worker
    worker.stop()
