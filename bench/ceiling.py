"""The ceiling, side by side in one run: how many records/s a consume-transform-produce loop carries on this
broker as raw confluent-kafka, as a bare Faust agent, and as each processor's own pass-through in the generic
cell agent — and each as a ratio to raw and to bare Faust.

Cases (each in its own process, on fresh topics of this run, with `--records` records pre-filled):
- `raw`: one confluent-kafka consumer and one producer (the project's producer settings), a poll/produce loop
  of `BATCH_MAX` records with one flush per batch, then a synchronous commit.
- `faust`: a bare Faust agent on the app settings every processor uses (`streams.faust_wiring.new_app`),
  forwarding each record's bytes with `topic.send` (Faust's own per-record path).
- one case per processor of `cli.processors`: its real input topic's schema and model (real-shaped records),
  its real table of cells (RocksDB, Avro changelog), through `streams.cell_agent.CellAgent` unchanged; only
  `step` is trivial (note the record's id in the cell, forward the record). So Avro decode + validation, cell
  load/store, Avro encode, send — the agent's own cost per record.

raw and faust forward the processors' encoded records round-robin, so every case moves the same count of
records of the same sizes. Each is timed in its process from the first record consumed to the last output
acknowledged (for the cell agent: the end of the batch whose sends were acknowledged, cells stored and records
acknowledged). Faust's start-up (rebalance, table recovery) is before the first record and not timed.

Each case runs `--rounds` times, the cases interleaved, and the median round counts. Besides records/s it reports
CPU ms per record (every thread of the process) and its ratio to bare Faust, steadier than wall time on a shared
machine, and for the cell agent where its time went (decode/step/encode, send/store/ack, waiting for records).

Usage: python -m bench.ceiling [--records N] [--keys K] [--rounds R] [--label before|after|...]
                               [--cases raw,faust,profiles] [--profile]
       (needs `resumeflow stack up`; prints a table and writes bench/results/ceiling.json, keeping other labels;
       `--profile` runs each case under cProfile instead and writes no figures)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import NewTopic

from bench.record import git_commit, machine
from cli.processors import PROCESSORS
from streams.admin import admin_client, delete_namespace
from streams.cell_agent import BATCH_MAX, CellAgent
from streams.ids import user_id_for_email
from streams.kafka_clients import Serdes, producer_config, registry_client
from streams.messages import (
    ApplicationSubmitted,
    BoardSource,
    CountedOutcome,
    FollowedBoards,
    GenerationUser,
    JobAnalyzed,
    JobDiscovered,
    JobPosting,
    LearningUser,
    MatchDecision,
    Message,
    OutcomesUser,
    Preferences,
    ResumeGenerated,
    SubmissionUser,
    UserCell,
    UserCommand,
    UserCommandKind,
    UserProfile,
    WorkflowCompleted,
    WorkflowOutcome,
    new_event_id,
    utc_now,
)
from streams.messages.analysis import AnalysisJob, AnalysisUser
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.settings import Settings, load_settings
from streams.topics import TopicSpec

RESULTS = Path(__file__).resolve().parent / "results" / "ceiling.json"
ROOT = Path(__file__).resolve().parent.parent
# The input each processor's pass-through reads: the topic that carries its bulk (a record per user and job).
# A processor not named here is run on the first input of its agents that a record below can be made for.
MAIN_INPUT = {"profiles": "user.commands", "discovery": "user.profiles", "analysis": "job.discovered",
              "generation": "job.analyzed", "submission": "resume.generated", "outcomes": "application.submitted",
              "learning": "workflow.completed"}
CHILD_TIMEOUT_S = 600.0
# `resumeflow worker`'s default. Not "warning": below WARN Faust's progress spinner is off, at WARN and above it
# sets the root logger to DEBUG (to spin on every line), and every library debug line is then built and handled.
LOGLEVEL = "info"


# --- real-shaped records -------------------------------------------------------------------------------------------

def _ada() -> tuple[str, Preferences]:
    profile = (resources.files("demo") / "ada.profile.json").read_text()
    return profile, Preferences.model_validate_json((resources.files("demo") / "ada.prefs.json").read_text())


def _user(i: int, keys: int) -> str:
    return user_id_for_email(f"ceiling-{i % keys}@example.org")


def _job(i: int) -> str:
    return f"greenhouse:quayside:{4_100_000 + i}"


def make_record(model: type[Message], i: int, keys: int) -> Message:
    """Record `i` of `model` as the pipeline writes it (a demo profile, a posting's text, skills, reasons)."""
    now, user, job = utc_now(), _user(i, keys), _job(i)
    skills = ["Python", "PostgreSQL", "Kafka", "Docker", "REST APIs", "Terraform"]
    if model is UserCommand:
        profile, prefs = _ada()
        return UserCommand(event_id=new_event_id(), user_id=user, occurred_at=now, kind=UserCommandKind.REGISTER_USER,
                           email=f"ceiling-{i % keys}@example.org", profile_json=profile, preferences=prefs)
    if model is UserProfile:
        profile, prefs = _ada()
        return UserProfile(event_id=new_event_id(), user_id=user, occurred_at=now, email=f"c{i % keys}@example.org",
                           profile_version=1 + i // keys, profile_json=profile, preferences=prefs)
    if model is JobDiscovered:
        return JobDiscovered(event_id=new_event_id(), user_id=user, occurred_at=now, canonical_job_id=job,
                             search_name="backend python", title="Senior Backend Engineer (Payments)",
                             company="Quayside", match_reasons=["keyword: python", "location: Berlin", "remote"],
                             profile_version=1)
    if model is JobAnalyzed:
        return JobAnalyzed(event_id=new_event_id(), user_id=user, occurred_at=now, canonical_job_id=job, score=0.82,
                           matched_skills=skills[:4], missing_skills=skills[4:], decision=MatchDecision.PROCEED,
                           reasons=["4 of 6 required skills", "seniority fits: 6 years for 4+"])
    if model is ResumeGenerated:
        return ResumeGenerated(event_id=new_event_id(), user_id=user, occurred_at=now, canonical_job_id=job,
                               variant_id="skills_first-v3", template="classic",
                               artifact_uri=f"file:///var/resumeflow/artifacts/{user}/{job}.pdf", sha256="a" * 64,
                               ats_score=0.91, provenance_summary="3 bullets rephrased, 2 reordered",
                               decision_id=new_event_id(), variants_total=2)
    if model is ApplicationSubmitted:
        return ApplicationSubmitted(event_id=new_event_id(), user_id=user, occurred_at=now,
                                    application_id=f"app-{i}", canonical_job_id=job, variant_id="skills_first-v3",
                                    channel="email", idempotency_key=new_event_id(), template="classic",
                                    resume_sha256="b" * 64, message_id=f"<{i}@resumeflow>", ats_score=0.91,
                                    seniority="Senior", segment="Senior")
    if model is WorkflowCompleted:
        return WorkflowCompleted(event_id=new_event_id(), user_id=user, occurred_at=now, canonical_job_id=job,
                                 application_id=f"app-{i}", variant_id="skills_first-v3",
                                 outcome=WorkflowOutcome.INTERVIEW, template="classic", ats_score_band="0.9-1.0",
                                 board="GREENHOUSE", seniority="Senior", channel="email", segment="Senior",
                                 responded=True, interviewed=True, days_to_response=4,
                                 days_posting_to_submission=2)
    if model is JobPosting:
        text = (ROOT / "tests" / "fixtures" / "jobs" / "backend_engineer.txt")
        return JobPosting(event_id=new_event_id(), occurred_at=now, canonical_job_id=job,
                          source=BoardSource.GREENHOUSE, board_token="quayside", source_job_id=str(i),
                          title="Backend Engineer", company="Quayside", locations=["Berlin", "Remote"],
                          url=f"https://boards.greenhouse.io/quayside/jobs/{i}",
                          description_text=text.read_text() if text.exists() else "Build payments systems. " * 40,
                          content_hash=f"h{i}")
    raise LookupError(model.__name__)


# --- the trivial step: the cell records the record's id (so it changes and is stored), the record is forwarded -----

def _recent(ids: list[str], new: str) -> list[str]:
    return [*ids[-7:], new]


def _touch(cell: Any, model: type[Message], key: str, record: Any, now: datetime) -> Message:
    """`cell` (or a new one) changed by `record`: a bounded list of the last ids seen, like the real cells keep."""
    rid = record.event_id
    if model is UserCell:
        cell = cell or UserCell(user_id=key, profile_version=0, created_at=now, updated_at=now)
        ids = _recent(cell.applied_command_ids, rid)
        return cell.model_copy(update={"updated_at": now, "applied_command_ids": ids})
    if model is FollowedBoards:
        cell = cell or FollowedBoards(user_id=key, profile_version=0)
        return cell.model_copy(update={"board_keys": _recent(cell.board_keys, rid)})
    if model is AnalysisUser:
        cell = cell or AnalysisUser(user_id=key)
        return cell.model_copy(update={"terms": _recent(cell.terms, rid)})
    if model is AnalysisJob:
        return (cell or AnalysisJob(canonical_job_id=key)).model_copy(update={"content_hash": rid})
    if model in (GenerationUser, OutcomesUser):
        cell = cell or model(user_id=key)
        return cell.model_copy(update={"answered": _recent(cell.answered, rid)})
    if model is SubmissionUser:
        cell = cell or SubmissionUser(user_id=key)
        return cell.model_copy(update={"seen_commands": _recent(cell.seen_commands, rid)})
    if model is LearningUser:
        cell = cell or LearningUser(user_id=key)
        line = CountedOutcome(application_id=rid, segment="any", seq=1, variant_id="v1", occurred_at=now)
        return cell.model_copy(update={"ledger": [*cell.ledger[-7:], line]})
    raise LookupError(model.__name__)


def _can_make(model: type[Message]) -> bool:
    try:
        make_record(model, 0, 1)
    except LookupError:
        return False
    return True


def main_input(processor: ProcessorSpec, settings: Settings) -> tuple[CellAgentSpec, CellInput]:
    """The agent and input a processor's pass-through runs on; LookupError when no record of it can be made."""
    wanted = MAIN_INPUT.get(processor.name)
    choices = [(agent, source) for agent in processor.agents for source in agent.inputs
               if _can_make(source.model)
               and (wanted is None or source.spec(settings).name == settings.topic_prefix + wanted)]
    if not choices:
        raise LookupError(f"no record builder for an input of {processor.name}")
    return choices[0]


def pass_through(processor: ProcessorSpec, settings: Settings, out: TopicSpec) -> ProcessorSpec:
    """The processor's own agent (its input topic and model, its table and cell model) with a trivial step that
    forwards each record to `out`."""
    agent, source = main_input(processor, settings)
    cell_model = agent.cell_model

    def step(cell: Any, record: Any, *, now: datetime) -> tuple[Any, list[Message]]:
        return _touch(cell, cell_model, source.key(record), record, now), [record]

    spec = CellAgentSpec(name=f"{agent.name}.ceiling", table=agent.table, cell_model=cell_model, inputs=(source,),
                         routes={source.model: Route(out, key=source.key)}, step=step)
    return ProcessorSpec(name=processor.name, doc=processor.doc, agents=(spec,))


# --- the children: each case in its own process ------------------------------------------------------------------

class Clock:
    """First record consumed, last of `expected` outputs acknowledged; written to `path` when complete."""

    def __init__(self, expected: int, path: Path) -> None:
        self.expected, self.path = expected, path
        self.first: float | None = None
        self.first_cpu = 0.0
        self.acked = 0
        self.split: dict[str, float] = {}  # where the cell agent's time went: seconds per phase, batches

    def spent(self, phase: str, seconds: float) -> None:
        self.split[phase] = self.split.get(phase, 0.0) + seconds

    def consumed(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
            self.first_cpu = time.process_time()

    def acknowledged(self, count: int = 1) -> None:
        self.acked += count
        if self.acked == self.expected and self.first is not None:
            seconds = time.perf_counter() - self.first
            cpu_s = time.process_time() - self.first_cpu  # every thread of the process (librdkafka's too)
            figures: dict[str, Any] = {"records": self.acked, "seconds": round(seconds, 3),
                                       "cpu_ms_per_record": round(cpu_s * 1000 / self.acked, 4)}
            if self.split:
                batches = self.split.pop("batches")
                figures["mean_batch"] = round(self.acked / batches, 1)
                busy = {phase: round(spent, 3) for phase, spent in self.split.items()}
                figures["split_s"] = {**busy, "waiting_for_records": round(seconds - sum(busy.values()), 3)}
            self.path.write_text(json.dumps(figures))


def child_raw(settings: Settings, source: str, out: str, clock: Clock, batch: int) -> None:
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": f"{settings.app_id}-raw",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    producer = Producer(producer_config(settings))
    failed: list[str] = []

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            failed.append(str(err))
        else:
            clock.acknowledged()

    consumer.subscribe([source])
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while clock.acked < clock.expected and not failed and time.monotonic() < deadline:
        messages = consumer.consume(batch, timeout=0.2)
        records = [m for m in messages if m.error() is None]
        if not records:
            continue
        clock.consumed()
        for m in records:
            producer.produce(out, key=m.key(), value=m.value(), on_delivery=delivered)
        producer.flush()
        consumer.commit(asynchronous=False)
    consumer.close()
    if failed:
        raise SystemExit(f"raw: {len(failed)} deliveries failed: {failed[0]}")


def child_faust(settings: Settings, serdes: Serdes, source: str, out: str, clock: Clock) -> None:
    import faust

    from streams.faust_wiring import new_app

    app = new_app(settings, serdes, "bare")
    channel = app.topic(source, key_serializer="raw", value_serializer="raw", partitions=settings.cell_partitions)
    sink = app.topic(out, key_serializer="raw", value_serializer="raw", partitions=settings.cell_partitions)

    def delivered(_future: Any) -> None:
        clock.acknowledged()

    async def forward(stream: Any) -> None:
        async for event in stream.events():
            clock.consumed()
            await sink.send(key=event.message.key, value=event.message.value, callback=delivered)

    app.agent(channel, name="ceiling.bare")(forward)
    faust.Worker(app, loglevel=LOGLEVEL).execute_from_commandline()


def child_cell(settings: Settings, serdes: Serdes, processor: str, out: TopicSpec, clock: Clock) -> None:
    import faust

    from streams.faust_wiring import create_app

    spec = pass_through(PROCESSORS[processor], settings, out)

    class TimedCellAgent(CellAgent):
        """The generic agent, unchanged; only observed (first record in, outputs of each finished batch)."""

        async def _process(self, event: Any, batch: Any, stream: Any) -> None:
            clock.consumed()
            started = time.perf_counter()
            await super()._process(event, batch, stream)
            clock.spent("decode_step_encode", time.perf_counter() - started)

        async def _finish(self, batch: Any, stream: Any) -> None:
            sent = len(batch.outputs)
            started = time.perf_counter()
            await super()._finish(batch, stream)
            clock.spent("send_store_ack", time.perf_counter() - started)
            clock.spent("batches", 1 if sent else 0)
            clock.acknowledged(sent)

    app = create_app(settings, serdes, spec, agent_class=TimedCellAgent)
    faust.Worker(app, loglevel=LOGLEVEL).execute_from_commandline()


def _out_topic(settings: Settings, source: TopicSpec, case: str) -> TopicSpec:
    return source.model_copy(update={"name": f"{settings.topic_prefix}ceiling.{case}.out", "namespaced": True,
                                     "with_dead_letter": False, "compacted": False})


def run_child(args: argparse.Namespace) -> None:
    settings = load_settings()
    serdes = Serdes(registry_client(settings))
    clock = Clock(args.records, Path(args.result))
    case = args.child
    if case == "raw":
        child_raw(settings, args.source, args.out, clock, args.batch)
        return
    if case == "faust":
        child_faust(settings, serdes, args.source, args.out, clock)
        return
    _, source = main_input(PROCESSORS[case], settings)
    child_cell(settings, serdes, case, _out_topic(settings, source.spec(settings), case), clock)


# --- the parent -----------------------------------------------------------------------------------------------------

def _create(settings: Settings, names: list[str]) -> None:
    admin = admin_client(settings)
    topics = [NewTopic(n, settings.cell_partitions, settings.replication_factor) for n in names]
    for future in admin.create_topics(topics, request_timeout=30).values():
        future.result()


def _measure(case: str, env: dict[str, str], extra: list[str], result: Path, log: Path, *, profile: bool = False
             ) -> dict[str, Any]:
    profiler = ["-m", "cProfile", "-o", str(log.with_suffix(".prof"))] if profile else []
    argv = [sys.executable, *profiler, "-m", "bench.ceiling", "--child", case, "--result", str(result), *extra]
    with log.open("wb") as out:
        child = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + CHILD_TIMEOUT_S
        try:
            while not result.exists() and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if not result.exists():
        return {"error": f"no result within {CHILD_TIMEOUT_S:.0f}s or the child failed; see {log}"}
    return json.loads(result.read_text())


def main_parent(args: argparse.Namespace) -> None:
    base = load_settings()
    run = uuid.uuid4().hex[:8]
    namespace = f"ceiling-{run}"
    env = {**os.environ, "RESUMEFLOW_TOPIC_PREFIX": f"{namespace}.", "RESUMEFLOW_APP_ID": namespace,
           "RESUMEFLOW_WORKER_ID": "ceiling", "PYTHONPATH": str(ROOT)}
    settings = base.model_copy(update={"topic_prefix": f"{namespace}.", "app_id": namespace,
                                       "worker_id": "ceiling"})
    serdes = Serdes(registry_client(settings))
    wanted = args.cases.split(",") if args.cases else ["raw", "faust", *PROCESSORS]

    # The processors' inputs, encoded with their real schemas (registered under this run's subjects).
    cell_cases: dict[str, tuple[TopicSpec, TopicSpec, list[tuple[bytes, bytes]]]] = {}
    skipped: dict[str, str] = {}
    for name, processor in PROCESSORS.items():
        try:
            _, source = main_input(processor, settings)
        except LookupError as exc:
            skipped[name] = str(exc)
            continue
        topic = source.spec(settings)
        key_serde, value_serde = serdes.key(topic), serdes.value(topic)
        assert key_serde is not None
        encoded = []
        for i in range(args.records):
            record = make_record(source.model, i, args.keys)
            encoded.append((key_serde.encode(source.key(record)), value_serde.encode(record)))
        cell_cases[name] = (topic, _out_topic(settings, topic, name), encoded)
    every = [encoded for _, _, encoded in cell_cases.values()]
    mixed = [every[i % len(every)][i] for i in range(args.records)]  # raw and faust: the processors' records in turn
    raw_in, raw_out = f"{namespace}.ceiling.raw.in", f"{namespace}.ceiling.raw.out"
    faust_in, faust_out = f"{namespace}.ceiling.faust.in", f"{namespace}.ceiling.faust.out"

    topics = [raw_in, raw_out, faust_in, faust_out]
    for name, (topic, out, _) in cell_cases.items():
        if name in wanted:
            topics += [topic.name, out.name]
            if topic.dlq:
                topics.append(topic.dlq)
    _create(settings, topics)
    producer = Producer(producer_config(settings))
    fills = [(raw_in, mixed), (faust_in, mixed)] + [(t.name, enc) for n, (t, _, enc) in cell_cases.items()
                                                    if n in wanted]
    for topic_name, records in fills:
        for key, value in records:
            while True:
                try:
                    producer.produce(topic_name, key=key, value=value)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
    if producer.flush(120):
        raise SystemExit("could not pre-fill the input topics")

    workdir = base.home / "ceiling" / run
    workdir.mkdir(parents=True, exist_ok=True)
    measured: dict[str, list[dict[str, Any]]] = {case: [] for case in wanted}
    try:
        # Rounds interleave the cases, so a burst of load from elsewhere on the machine hits all of them alike;
        # each round reads the same pre-filled input with a fresh consumer group and fresh tables.
        for round_ in range(args.rounds):
            for case in wanted:
                if case == "raw":
                    extra = ["--source", raw_in, "--out", raw_out, "--batch", str(args.batch)]
                elif case == "faust":
                    extra = ["--source", faust_in, "--out", faust_out]
                elif case in cell_cases:
                    extra = []
                else:
                    continue
                print(f"round {round_ + 1}/{args.rounds}: {case} ...", flush=True)
                name = f"{case}-r{round_}"
                measured[case].append(_measure(
                    case, {**env, "RESUMEFLOW_APP_ID": f"{namespace}-r{round_}"},
                    ["--records", str(args.records), *extra], workdir / f"{name}.json", workdir / f"{name}.log",
                    profile=args.profile))
    finally:
        delete_namespace(admin_client(settings), namespace)
        for path in (base.home / "workers").glob(f"{namespace}-*"):
            shutil.rmtree(path, ignore_errors=True)

    rows = []
    for case, rounds in measured.items():
        sizes = mixed if case in ("raw", "faust") else cell_cases[case][2] if case in cell_cases else None
        if sizes is None:
            rows.append({"case": case, "error": skipped.get(case, "unknown case")})
            continue
        done = sorted((r for r in rounds if "seconds" in r), key=lambda r: r["records"] / r["seconds"])
        if not done:
            rows.append({"case": case, "error": rounds[0].get("error") if rounds else "not run"})
            continue
        median = done[len(done) // 2]  # the median round by records/s (the upper one of an even count)
        rows.append({"case": case, "records": args.records,
                     "mean_bytes": round(sum(len(k) + len(v) for k, v in sizes) / len(sizes)), **median,
                     "records_per_s": round(median["records"] / median["seconds"], 1),
                     "rounds_records_per_s": [round(r["records"] / r["seconds"], 1) for r in done],
                     "failed_rounds": len(rounds) - len(done)})
    rate = {r["case"]: r.get("records_per_s") for r in rows}
    cpu = {r["case"]: r.get("cpu_ms_per_record") for r in rows}
    for row in rows:
        if row.get("records_per_s"):
            row["x_raw"] = round(row["records_per_s"] / rate["raw"], 3) if rate.get("raw") else None
            row["x_faust"] = round(row["records_per_s"] / rate["faust"], 3) if rate.get("faust") else None
            # the same ratio from CPU per record: steadier than wall time when other work shares the cores
            row["x_faust_cpu"] = round(cpu["faust"] / row["cpu_ms_per_record"], 3) if cpu.get("faust") else None
    report(rows, args)
    if args.profile:  # profiled figures are not the benchmark's
        print(f"profiles in {workdir}")
    else:
        write(rows, args)


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\nceiling [{args.label}]: {args.records} records per case, {args.keys} keys, raw batch {args.batch}, "
          f"median of {args.rounds} round(s)")
    print(f"{'case':<12}{'bytes':>7}{'seconds':>9}{'records/s':>11}{'x raw':>8}{'x faust':>9}{'cpu ms/rec':>12}"
          f"{'x faust cpu':>13}  target (>= 1.0x faust)")
    for row in rows:
        if "records_per_s" not in row:
            print(f"{row['case']:<12}  {row.get('error')}")
            continue
        x_raw, x_faust = row.get("x_raw"), row.get("x_faust")
        verdict = "" if row["case"] in ("raw", "faust") or x_faust is None else (
            "met" if x_faust >= 1.0 else "MISSED")
        x_cpu = row.get("x_faust_cpu")
        print(f"{row['case']:<12}{row['mean_bytes']:>7}{row['seconds']:>9.2f}{row['records_per_s']:>11,.0f}"
              f"{x_raw if x_raw is not None else '-':>8}{x_faust if x_faust is not None else '-':>9}"
              f"{row['cpu_ms_per_record']:>12.3f}{x_cpu if x_cpu is not None else '-':>13}  {verdict}")


def write(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = previous.get("runs", {})
    runs[args.label] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": git_commit(),
        "machine": {**machine(), "load_average_1m": round(os.getloadavg()[0], 2)},
        "settings": {"records": args.records, "keys": args.keys, "raw_batch": args.batch, "rounds": args.rounds,
                     "cell_partitions": load_settings().cell_partitions},
        "cases": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"benchmark": "ceiling", "runs": runs}, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)} (label {args.label!r})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=5000, help="records per case (default 5000)")
    parser.add_argument("--keys", type=int, default=500, help="distinct cells (users or jobs) they fall in")
    parser.add_argument("--label", default="current", help="the run's name in the JSON (e.g. before, after)")
    parser.add_argument("--cases", default="", help="comma-separated subset: raw, faust, processor names")
    parser.add_argument("--rounds", type=int, default=3, help="runs of every case, interleaved; the median counts")
    parser.add_argument("--batch", type=int, default=BATCH_MAX, help="raw's records per poll/flush/commit")
    parser.add_argument("--profile", action="store_true",
                        help="run each case under cProfile (<home>/ceiling/<run>/<case>.prof; slower: not figures)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
    else:
        main_parent(args)


if __name__ == "__main__":
    main()
