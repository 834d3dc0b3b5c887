"""A whole pipeline on the local stack, for benchmarks and fault drills: boards, users, workers, and the topics read.

    from bench.pipeline import Pipeline, RunConfig
    with Pipeline(load_settings(), RunConfig(users=5, postings=60)) as run:   # start(): namespace, boards, workers
        run.register_users()
        run.kill_worker("generation"); run.restart_worker("generation")        # kill -9 and start again, same id
        done = run.wait_until_done(timeout_s=600)
        tally = run.tally()                                                    # counts, expected vs got, times
    # leaving the block stops the workers and the board server and deletes the run's topics

Each run has a namespace of its own (app id and topic prefix `rfbench-<hex>`), so runs never read each other's
records; `stop()` deletes its topics and its workers' local state. What it starts:

- a board server (`demo.board_server`) on 127.0.0.1 serving `postings` real-shaped postings: the distinct
  Glassdoor data-science postings of `../shared/data/postings/` when that folder is there, else the project's
  demo boards repeated (the setup says which), over Greenhouse-, Lever- and Ashby-shaped boards (`bench.postings`);
- `users` users (data-science JSON Resume profiles with variation, AUTO, caps that do not bind), each following
  `boards_per_user` boards, published on `user.commands`;
- `workers` processes per processor (`python -m cli.main worker <processor>`, each its own RESUMEFLOW_WORKER_ID,
  sharing the processor's cells), with deterministic analysis (no LLM provider), the submission dry run
  (`RESUMEFLOW_SUBMISSION_DRY_RUN=1`: real ledger claims, rate limits and events, nothing sent) and the channels'
  rate limits raised to `channel_rate_per_s` so they are not what is measured; Greenhouse boards get apply keys
  (their API channel), Lever and Ashby postings name a `mailto:` address (the email channel).

"Done": every user answered (profile or refusal); discovery emitted what the boards and searches imply (counted
here with discovery's own parsers and matcher) or went quiet; every discovered (user, job) has its decision on
`job.analyzed`; every PROCEED pair has either a failed resume or an application in a settled status (SUBMITTED,
or a recorded FAILED / SKIPPED / AWAITING_MANUAL / IN_DOUBT / DECLINED / WITHDRAWN / AWAITING_REVIEW).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from confluent_kafka import Consumer, TopicPartition

from bench.postings import (
    BenchPosting,
    Board,
    bench_user,
    demo_postings,
    load_glassdoor,
    shared_postings,
    shared_postings_file,
    write_boards,
)
from streams.errors import DecodeError
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.local_ports import free_local_port
from streams.messages import Preferences, UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topics import (
    APPLICATION_FAILED,
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    JOB_ANALYSIS,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    PROFILE_REJECTED,
    RESUME_FAILED,
    RESUME_GENERATED,
    USER_COMMANDS,
    USER_PROFILES,
    TopicSpec,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ("profiles", "discovery", "analysis", "generation", "submission")  # what an application needs
READY_MARK = "Worker ready"
READY_TIMEOUT_S = 180.0
# The topics counted, in pipeline order (each: records, distinct keys, first and last record time).
STAGE_TOPICS: tuple[TopicSpec, ...] = (USER_COMMANDS, USER_PROFILES, PROFILE_REJECTED, JOB_CATALOG, JOB_DISCOVERED,
                                       JOB_ANALYSIS, JOB_ANALYZED, RESUME_GENERATED, RESUME_FAILED,
                                       APPLICATION_UPDATES, APPLICATION_SUBMITTED, APPLICATION_FAILED)
SETTLED = frozenset({"SUBMITTED", "FAILED", "SKIPPED", "AWAITING_MANUAL", "IN_DOUBT", "DECLINED", "WITHDRAWN",
                     "AWAITING_REVIEW"})


@dataclass(frozen=True)
class RunConfig:
    """The run's size and shape. `postings` are spread `per_board` a board over the three sources; each user
    follows `boards_per_user` boards (round robin from user n's offset), so a user sees about
    `boards_per_user * per_board` postings before matching."""

    users: int = 50
    postings: int = 600
    per_board: int = 20
    boards_per_user: int = 1
    boards_followed: int = 0  # users follow only the first this many boards (0: all): bounds the postings analyzed
    workers: int = 1  # processes per processor, sharing its cells
    processors: tuple[str, ...] = PIPELINE
    board_port: int = 0  # 0: a free port
    channel_rate_per_s: float = 10_000.0
    board_requests_per_s: float = 100.0  # discovery's per-host limit (1/s by default), raised: one local host
    loglevel: str = "info"
    seed: int = 13


@dataclass
class WorkerProcess:
    processor: str
    index: int
    worker_id: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    cpu_s_before: float = 0.0  # CPU of this slot's earlier (killed) processes
    cpu_s_last: float = 0.0  # the current process's CPU at the last sample
    restarts: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def sample_cpu(self) -> None:
        pid = self.pid
        if pid is None:
            return
        try:
            times = psutil.Process(pid).cpu_times()
            self.cpu_s_last = times.user + times.system + times.children_user + times.children_system
        except psutil.Error:
            pass

    @property
    def cpu_s(self) -> float:
        return self.cpu_s_before + self.cpu_s_last


@dataclass
class TopicTally:
    """What one topic held at the last read: decoded values with their key and timestamp (ms)."""

    records: list[tuple[Any, Any, int]] = field(default_factory=list)
    undecodable: int = 0

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def first_ms(self) -> int | None:
        return min((r[2] for r in self.records), default=None)

    @property
    def last_ms(self) -> int | None:
        return max((r[2] for r in self.records), default=None)


class TopicWatcher:
    """Reads topics from their beginning and keeps everything; `poll()` adds what arrived since the last call."""

    def __init__(self, settings: Settings, serdes: Serdes, topics: tuple[TopicSpec, ...]) -> None:
        self._specs = {t.for_settings(settings).name: t.for_settings(settings) for t in topics}
        self._serdes = serdes
        self.tallies: dict[str, TopicTally] = {t.name: TopicTally() for t in topics}  # by catalog name
        self._by_full = {t.for_settings(settings).name: t.name for t in topics}
        self._consumer = Consumer({
            "bootstrap.servers": settings.kafka_bootstrap_servers,
            "group.id": f"rfbench-reader-{uuid.uuid4().hex}", "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        })
        metadata = self._consumer.list_topics(timeout=30)
        self._consumer.assign([TopicPartition(name, p, 0) for name in self._specs
                               for p in metadata.topics[name].partitions])

    def poll(self, budget_s: float = 5.0) -> None:
        deadline = time.monotonic() + budget_s
        while time.monotonic() < deadline:
            messages = self._consumer.consume(num_messages=2000, timeout=0.5)
            if not messages:
                return
            for message in messages:
                if message.error() is not None:
                    continue
                spec = self._specs[message.topic()]
                tally = self.tallies[self._by_full[message.topic()]]
                try:
                    key_serde = self._serdes.key(spec)
                    key = key_serde.decode(message.key()) if key_serde is not None else message.key()
                    value = self._serdes.value(spec).decode(message.value())
                except DecodeError:
                    tally.undecodable += 1
                    continue
                tally.records.append((key, value, message.timestamp()[1]))

    def close(self) -> None:
        self._consumer.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def load_postings(count: int, root: Path = PROJECT_ROOT) -> tuple[list[BenchPosting], str]:
    """`count` postings and where they came from (a sentence for the printed setup)."""
    path = shared_postings(root)
    if path is not None:
        postings = load_glassdoor(path)
        if count > len(postings):
            raise ValueError(f"{path} holds {len(postings)} distinct postings; asked for {count}")
        return postings[:count], f"{count} of the {len(postings)} distinct Glassdoor postings in {path}"
    return (demo_postings(root / "demo" / "boards", count), f"{count} postings repeated from the project's demo "
            f"boards (no {shared_postings_file(root)} on this machine)")


@dataclass
class Tally:
    """Counts per topic and per stage, expected against got, and the (user, job) timings."""

    topics: dict[str, dict[str, Any]]
    stages: dict[str, dict[str, int]]
    done: bool
    first_discovered_ms: int | None
    last_submitted_ms: int | None
    latencies_s: list[float]  # job.discovered -> application.submitted, per submitted (user, job)
    submitted_ms: list[int]  # each application.submitted's time (ms), sorted
    duplicates: dict[str, int]  # application.submitted records beyond one per (user, job); dry-run lines too


class Pipeline:
    """One benchmark or drill run: `start()`, `register_users()`, `wait_until_done()`, `tally()`, `stop()`."""

    def __init__(self, settings: Settings, config: RunConfig, *, root: Path = PROJECT_ROOT,
                 run_id: str | None = None) -> None:
        self.config = config
        self.root = root
        self.run_id = run_id or f"rfbench-{uuid.uuid4().hex[:8]}"
        self.settings = settings.model_copy(update={"app_id": self.run_id, "topic_prefix": f"{self.run_id}."})
        self.dir = self.settings.home / "bench" / self.run_id
        self.board_port = config.board_port or free_local_port()
        self.postings, self.postings_source = load_postings(config.postings, root)
        self.boards: list[Board] = []
        self.workers: list[WorkerProcess] = []
        self.user_ids: dict[str, str] = {}  # email -> user id
        self.expected_discovered: dict[str, int] = {}  # user id -> postings discovery should find for them
        self.registered_at: float | None = None
        self._server: subprocess.Popen[bytes] | None = None
        self._serdes = Serdes(registry_client(self.settings))
        self._watcher: TopicWatcher | None = None
        self._last_new_discovered = time.monotonic()
        self._discovered_seen = 0

    # --- set-up ----------------------------------------------------------------------------------------------

    def setup_lines(self) -> list[str]:
        c = self.config
        return [
            f"run {self.run_id} on {self.settings.kafka_bootstrap_servers} ({self.settings.cell_partitions} cells)",
            f"postings: {self.postings_source}; {len(self.boards) or '?'} boards of up to {c.per_board} "
            "(Greenhouse, Lever, Ashby in turn)",
            f"users: {c.users} data-science profiles, AUTO, daily cap 1000, no company cap, each following "
            f"{c.boards_per_user} board(s) of {len(self.followable()) if self.boards else '?'} followed in all "
            f"({sum(b.postings for b in self.followable()) if self.boards else '?'} postings reachable); "
            f"{sum(self.expected_discovered.values())} (user, posting) matches expected",
            f"workers: {c.workers} process(es) per processor for {', '.join(c.processors)}; analysis deterministic "
            "(no LLM provider)",
            f"submission: dry run (RESUMEFLOW_SUBMISSION_DRY_RUN=1, lines in {self.settings.home}/dry-run/); channel "
            f"rate limits raised to {c.channel_rate_per_s:g}/s each and discovery's per-host limit to "
            f"{c.board_requests_per_s:g} requests/s (one local board server), so neither is what is measured",
        ]

    def worker_env(self) -> dict[str, str]:
        base = f"http://127.0.0.1:{self.board_port}"
        keys = ",".join(f"{b.token}=bench-dry-run" for b in self.boards if b.source == "greenhouse")
        rate = str(self.config.channel_rate_per_s)
        return {
            "PYTHONPATH": str(self.root), "RESUMEFLOW_APP_ID": self.run_id,
            "RESUMEFLOW_TOPIC_PREFIX": self.settings.topic_prefix, "RESUMEFLOW_HOME": str(self.settings.home),
            "RESUMEFLOW_GREENHOUSE_URL": base, "RESUMEFLOW_LEVER_URL": base, "RESUMEFLOW_ASHBY_URL": base,
            "RESUMEFLOW_ALLOW_PRIVATE_HOSTS": "127.0.0.1", "RESUMEFLOW_DISCOVERY_TICK_S": "1",
            "RESUMEFLOW_SUBMISSION_TICK_S": "1", "RESUMEFLOW_SUBMISSION_DRY_RUN": "1",
            "RESUMEFLOW_AI_PROVIDERS": "", "RESUMEFLOW_GREENHOUSE_APPLY_KEYS": keys,
            "RESUMEFLOW_SUBMISSION_EMAIL_PER_S": rate, "RESUMEFLOW_SUBMISSION_GREENHOUSE_PER_S": rate,
            # Discovery's politeness toward one host (1 request/s) would pace the whole run: every board is here.
            "RESUMEFLOW_RATE_LIMIT_PER_S": str(self.config.board_requests_per_s),
            "RESUMEFLOW_RATE_LIMIT_BURST": str(max(int(self.config.board_requests_per_s), 1)),
            # Lever's is capped at its documented 2/s; the run sends nothing through Lever's API (no Lever keys).
        }

    def prepare(self) -> None:
        """Write the board files and count what discovery should find (no process started; `start` calls it)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.boards = write_boards(self.postings, self.dir / "boards", self.config.per_board)
        self._expect()

    def start(self) -> None:
        """Topics of the run's namespace, the boards and their server, every worker (ready when this returns)."""
        from streams.admin import admin_client, apply_topics, register_subjects

        if not self.boards:
            self.prepare()
        apply_topics(self.settings, admin_client(self.settings))
        register_subjects(self.settings, self._serdes)
        log = (self.dir / "board-server.log").open("wb")
        self._server = subprocess.Popen(
            [sys.executable, "-m", "demo.board_server", "--dir", str(self.dir / "boards"), "--port",
             str(self.board_port)], stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
            env={**os.environ, "PYTHONPATH": str(self.root)})
        deadline = time.monotonic() + 30
        while not _port_open(self.board_port):
            if self._server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the board server did not start; see {self.dir / 'board-server.log'}")
            time.sleep(0.2)
        for processor in self.config.processors:
            for index in range(self.config.workers):
                worker = WorkerProcess(processor, index, f"{processor}{index}",
                                       self.dir / "logs" / f"{processor}{index}.log")
                self.workers.append(worker)
                self._spawn(worker)
        for worker in self.workers:
            self._wait_ready(worker)
        self._watcher = TopicWatcher(self.settings, self._serdes, STAGE_TOPICS)

    def _spawn(self, worker: WorkerProcess) -> None:
        worker.log_path.parent.mkdir(parents=True, exist_ok=True)
        with worker.log_path.open("ab") as log:
            worker.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "worker", worker.processor, "--loglevel", self.config.loglevel],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                env={**os.environ, **self.worker_env(), "RESUMEFLOW_WORKER_ID": worker.worker_id})
        worker.cpu_s_last = 0.0

    def _wait_ready(self, worker: WorkerProcess, offset: int = 0) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            text = worker.log_path.read_bytes()[offset:].decode(errors="replace")
            if READY_MARK in text:
                return
            if worker.process is None or worker.process.poll() is not None:
                raise RuntimeError(f"worker {worker.worker_id} exited; see {worker.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {worker.worker_id} not ready after {READY_TIMEOUT_S:.0f}s")
            time.sleep(0.5)

    def _expect(self) -> None:
        """How many postings discovery should find for each user: discovery's own parsers and matcher."""
        from processors.discovery.matching import match_search
        from processors.discovery.sources import ashby, greenhouse, lever
        from streams.messages import SavedSearch

        parsers = {"greenhouse": greenhouse.parse, "lever": lever.parse, "ashby": ashby.parse}
        parsed = {b.key: parsers[b.source](json.loads((self.dir / "boards" / b.source / f"{b.token}.json")
                                                      .read_text()), board_token=b.token) for b in self.boards}
        for n in range(self.config.users):
            email, _, prefs = self.user(n)
            user_id = user_id_for_email(email)
            self.user_ids[email] = user_id
            found = set()
            for search in prefs["saved_searches"]:
                model = SavedSearch.model_validate(search)
                for board in search["boards"]:
                    key = f"{board['source'].lower()}:{board['token']}"
                    found |= {(key, p.source_job_id) for p in parsed[key] if match_search(p, model) is not None}
            self.expected_discovered[user_id] = len(found)

    def user(self, n: int) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """User n's email, profile and preferences (the boards it follows: n, n+1, ... round the list)."""
        pool = self.followable()
        count = min(self.config.boards_per_user, len(pool))
        followed = [pool[(n * count + i) % len(pool)] for i in range(count)]
        return bench_user(n, followed, seed=self.config.seed)

    def followable(self) -> list[Board]:
        """The boards users may follow: the first `boards_followed`, taken in turn from each source."""
        order = sorted(self.boards, key=lambda b: (b.token[-3:], b.source))  # gh-000, le-000, as-000, gh-001, ...
        return order[: self.config.boards_followed or len(order)]

    def register_users(self, numbers: range | None = None) -> None:
        """Publish every user's REGISTER_USER on `user.commands` (the clock of the run starts here), or only the
        users `numbers` (a drill registering them over time; the clock starts at the first call)."""
        publisher = RecordPublisher(self.settings, self._serdes)
        for n in numbers if numbers is not None else range(self.config.users):
            email, profile, prefs = self.user(n)
            publisher.publish(USER_COMMANDS, self.user_ids[email], UserCommand(
                event_id=new_event_id(), user_id=self.user_ids[email], occurred_at=utc_now(),
                kind=UserCommandKind.REGISTER_USER, email=email, profile_json=json.dumps(profile),
                preferences=Preferences.model_validate(prefs)))
        publisher.flush()
        self.registered_at = self.registered_at or time.monotonic()

    # --- workers ---------------------------------------------------------------------------------------------

    def worker_pids(self) -> dict[str, list[int]]:
        """Processor -> the pids of its running worker processes."""
        pids: dict[str, list[int]] = defaultdict(list)
        for worker in self.workers:
            if worker.pid is not None:
                pids[worker.processor].append(worker.pid)
        return dict(pids)

    def _slot(self, processor: str, index: int) -> WorkerProcess:
        for worker in self.workers:
            if worker.processor == processor and worker.index == index:
                return worker
        raise KeyError(f"no worker {processor}[{index}]")

    def kill_worker(self, processor: str, index: int = 0, sig: int = signal.SIGKILL) -> int:
        """Send `sig` (kill -9 by default) to one worker and wait for it to exit; returns its pid."""
        worker = self._slot(processor, index)
        pid = worker.pid
        if pid is None or worker.process is None:
            raise RuntimeError(f"worker {worker.worker_id} is not running")
        worker.sample_cpu()
        worker.process.send_signal(sig)
        worker.process.wait(timeout=60)
        worker.cpu_s_before += worker.cpu_s_last
        worker.cpu_s_last = 0.0
        return pid

    def restart_worker(self, processor: str, index: int = 0, *, wait_ready: bool = True) -> int:
        """Start the worker again under the same worker id (its local state is reused); kills it first if it
        still runs. Returns the new pid."""
        worker = self._slot(processor, index)
        if worker.pid is not None:
            self.kill_worker(processor, index)
        offset = worker.log_path.stat().st_size if worker.log_path.exists() else 0
        self._spawn(worker)
        worker.restarts += 1
        if wait_ready:
            self._wait_ready(worker, offset)
        assert worker.process is not None
        return worker.process.pid

    def cpu_seconds(self) -> dict[str, float]:
        """Processor -> CPU seconds (user + system) of all its processes so far, killed ones included."""
        for worker in self.workers:
            worker.sample_cpu()
        totals: dict[str, float] = defaultdict(float)
        for worker in self.workers:
            totals[worker.processor] += worker.cpu_s
        return dict(totals)

    # --- counting --------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Topic -> records read so far (catalog names, without the run's prefix)."""
        assert self._watcher is not None, "start() first"
        self._watcher.poll()
        return {name: tally.count for name, tally in self._watcher.tallies.items()}

    def tally(self) -> Tally:
        assert self._watcher is not None, "start() first"
        self._watcher.poll()
        return tally_of(self._watcher.tallies, self.config.users, self.expected_discovered,
                        discovery_quiet=time.monotonic() - self._last_new_discovered > 20)

    def wait_until_done(self, timeout_s: float, *, every_s: float = 2.0, progress: bool = False) -> bool:
        """Poll the topics until the run is done (see the module docstring) or `timeout_s` passed."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.cpu_seconds()  # sampled while they run: a process that dies takes its counters with it
            tally = self.tally()
            discovered = tally.stages["discovery"]["got"]
            if discovered != self._discovered_seen:
                self._discovered_seen, self._last_new_discovered = discovered, time.monotonic()
            if progress:
                print("  " + "  ".join(f"{stage} {v['got']}/{v['expected']}" for stage, v in tally.stages.items()),
                      flush=True)
            if tally.done or time.monotonic() > deadline:
                return tally.done
            time.sleep(every_s)

    # --- tear-down -------------------------------------------------------------------------------------------

    def stop(self, *, keep: bool = False) -> None:
        """SIGTERM every worker (SIGKILL after 30 s), stop the board server, and unless `keep`, delete the run's
        topics and its workers' local state."""
        for worker in self.workers:
            worker.sample_cpu()
            if worker.pid is not None and worker.process is not None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in self.workers:
            if worker.process is not None:
                try:
                    worker.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait()
        if self._server is not None:
            self._server.terminate()
            self._server.wait(timeout=10)
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        if not keep:
            from streams.admin import admin_client, delete_namespace

            delete_namespace(admin_client(self.settings), self.run_id)
            for path in (self.settings.home / "workers").glob(f"{self.run_id}-*"):
                shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> Pipeline:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pair(key: Any, value: dict[str, Any]) -> tuple[str, str]:
    return str(value.get("user_id") or key), str(value["canonical_job_id"])


def tally_of(tallies: dict[str, TopicTally], users: int, expected_discovered: dict[str, int], *,
             discovery_quiet: bool) -> Tally:
    """Expected against got for each stage, from what the topics hold (pure; see the module docstring)."""
    def values(topic: TopicSpec) -> list[tuple[Any, dict[str, Any], int]]:
        return tallies[topic.name].records if topic.name in tallies else []

    answered = {str(k) for k, _, _ in values(USER_PROFILES)} | {str(k) for k, _, _ in values(PROFILE_REJECTED)}
    discovered: dict[tuple[str, str], int] = {}
    for key, value, ts in values(JOB_DISCOVERED):
        discovered.setdefault(_pair(key, value), ts)
    decisions = {_pair(k, v): v["decision"] for k, v, _ in values(JOB_ANALYZED)}
    proceed = {pair for pair, decision in decisions.items() if decision == "PROCEED"}
    variants: dict[tuple[str, str], set[str]] = defaultdict(set)
    totals: dict[tuple[str, str], int] = {}
    for key, value, _ in values(RESUME_GENERATED):
        pair = _pair(key, value)
        variants[pair].add(value["variant_id"])
        totals[pair] = max(totals.get(pair, 0), int(value.get("variants_total") or 0))
    resume_failed = {_pair(k, v) for k, v, _ in values(RESUME_FAILED)}
    status: dict[tuple[str, str], str] = {}
    for key, value, _ in values(APPLICATION_UPDATES):
        status[_pair(key, value)] = value["status"]
    submitted: dict[tuple[str, str], int] = {}
    copies: Counter[tuple[str, str]] = Counter()
    for key, value, ts in values(APPLICATION_SUBMITTED):
        pair = _pair(key, value)
        copies[pair] += 1
        submitted.setdefault(pair, ts)

    expected_total = sum(expected_discovered.values())
    generated_done = {p for p in proceed if p in resume_failed or (variants.get(p) and len(variants[p]) >=
                                                                       max(totals.get(p, 0), 1))}
    settled = {p for p in proceed if p in resume_failed or status.get(p) in SETTLED}
    discovery_done = len(discovered) >= expected_total or (discovery_quiet and len(discovered) > 0)
    statuses = Counter(status.get(p, "none") for p in proceed)
    stages = {
        "profiles": {"expected": users, "got": len(answered)},
        "discovery": {"expected": expected_total, "got": len(discovered)},
        "analysis": {"expected": len(discovered), "got": sum(1 for p in discovered if p in decisions),
                     "proceed": len(proceed)},
        "generation": {"expected": len(proceed), "got": len(generated_done), "failed": len(resume_failed & proceed)},
        "submission": {"expected": len(proceed), "got": len(settled), "submitted": len(submitted),
                       **{f"status_{s.lower()}": n for s, n in sorted(statuses.items())}},
    }
    done = (len(answered) >= users and discovery_done and stages["analysis"]["got"] >= len(discovered)
            and len(settled) >= len(proceed))
    latencies = sorted((submitted[p] - discovered[p]) / 1000 for p in submitted if p in discovered)
    topics = {name: {"records": t.count, "undecodable": t.undecodable, "first_ms": t.first_ms, "last_ms": t.last_ms}
              for name, t in tallies.items()}
    return Tally(topics=topics, stages=stages, done=done,
                 first_discovered_ms=min(discovered.values(), default=None),
                 last_submitted_ms=max(submitted.values(), default=None), latencies_s=latencies,
                 submitted_ms=sorted(submitted.values()),
                 duplicates={"application.submitted": sum(n - 1 for n in copies.values())})
