"""The `cluster` fault drill of `make chaos-test`: the pipeline on a three-broker cluster loses a broker to kill -9.

Usage: python -m bench.chaos --only cluster [--users N] [--postings N] [--broker-down-s S] [--timeout-s S]
                                            [--kill partitions|controller]

On a scratch cluster of its own (`stack up --brokers 3` in its own home, on the running stack's Kafka port
+ `CLUSTER_PORT_OFFSET` and the next eight ports: three brokers with their controllers, the registry, PostgreSQL,
Redis; so the developer's stack is never touched), with replication factor 3 and min.insync.replicas 2 on every
topic: `bench.pipeline` end to end (boards, AUTO users, dry-run submission, one worker per processor). Once
discovery has matched its first posting, the broker leading the most partitions of the run's topics (or, with
`--kill controller`, the active controller: the controller quorum's leader) is killed with SIGKILL; the pipeline
keeps going on two brokers for `--broker-down-s` (longer, up to 2 min more, until a stage has produced output since
the kill), then the broker is started again on its data. Expected: output on two brokers; the run
completes with every stage's output matching what went in (0 lost) and no application submitted twice
(application.submitted per (user, job), the dry-run channel's sends); every partition has a leader again within
seconds of the kill and three in-sync replicas again after the restart. The scratch cluster
is wiped at the end.
"""

from __future__ import annotations

import argparse
import socket
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import record
from bench.chaos import (
    HOST,
    REDO_TOPICS,
    DrillResult,
    Namespace,
    _decoded,
    dry_run_sends,
    ledger_states,
    redone_records,
    restart_exited,
    scratch_environment,
    tally_applications,
)
from localstack.stack import KAFKA_HEAP

CLUSTER_PORT_OFFSET = 420  # the scratch cluster's ports: the stack's Kafka port + 420 and the next eight
BROKERS = 3
PROGRESS_WAIT_S = 120.0  # how much longer the broker stays down while no stage has produced anything since the kill
MID_RUN_WAIT_S = 180.0  # how long to wait for the pipeline's first match before killing a broker anyway
# The topic each stage writes, whose records beyond one per event id are work redone.
STAGE_OUTPUTS = {"discovery": "job.discovered", "analysis": "job.analyzed", "generation": "resume.generated",
                 "submission": "application.submitted"}


def cluster_ports(kafka_port: int) -> dict[str, int]:
    """The scratch cluster's ports: Kafka from the running stack's Kafka port + `CLUSTER_PORT_OFFSET` (node i's
    client port base + 2(i-1), its controller the next), then the registry, PostgreSQL and Redis."""
    base = kafka_port + CLUSTER_PORT_OFFSET
    return {"RESUMEFLOW_KAFKA_PORT": base, "RESUMEFLOW_REGISTRY_PORT": base + 2 * BROKERS,
            "RESUMEFLOW_POSTGRES_PORT": base + 2 * BROKERS + 1, "RESUMEFLOW_REDIS_PORT": base + 2 * BROKERS + 2}


def busiest_leader(leaders: list[int]) -> tuple[int, int]:
    """The broker id leading the most partitions (the lowest id on a tie) and how many it leads. `leaders`: each
    partition's leader (-1: none)."""
    counts = Counter(leader for leader in leaders if leader >= 0)
    if not counts:
        raise ValueError("no partition has a leader")
    broker, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return broker, count


def quorum_leader(nodes: list[Any], but: int | None = None) -> int | None:
    """The active controller's node id as the running nodes (other than node `but`) see it, by majority; None
    when none can tell."""
    seen = Counter(leader for node in nodes if node.node != but and node.running()
                   if (leader := node.quorum_leader()) is not None)
    return seen.most_common(1)[0][0] if seen else None


def replica_summary(rows: list[Any], brokers: int = BROKERS) -> dict[str, int]:
    """Over `partition_replicas` rows: partitions, how many lack a leader, how many have fewer than `brokers`
    replicas or in-sync replicas."""
    return {"partitions": len(rows), "leaderless": sum(1 for r in rows if r.leader < 0),
            "under_replicated": sum(1 for r in rows if len(r.isr) < len(r.replicas)),
            "replication_below": sum(1 for r in rows if len(r.replicas) < brokers)}


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def drill_cluster(ns: Namespace, args: argparse.Namespace, workdir: Path) -> DrillResult:
    """On a scratch three-broker cluster of its own: the pipeline, one broker killed with SIGKILL mid-run and
    restarted after `args.broker_down_s`; the scratch cluster is wiped at the end."""
    from localstack.stack import Stack

    kafka_port = int(ns.settings.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)[1])
    ports = cluster_ports(kafka_port)
    wanted = [*range(ports["RESUMEFLOW_KAFKA_PORT"], ports["RESUMEFLOW_KAFKA_PORT"] + 2 * BROKERS),
              *(ports[k] for k in ("RESUMEFLOW_REGISTRY_PORT", "RESUMEFLOW_POSTGRES_PORT", "RESUMEFLOW_REDIS_PORT"))]
    taken = [port for port in wanted if _port_open(port)]
    if taken:
        return DrillResult("cluster", [4], "a scratch cluster", failures=[f"ports {taken} are taken: the cluster "
                                                                         "drill needs them for its own stack"])
    home = workdir / "cluster-stack"
    # The scratch cluster's replication, too, comes from its own stack.env.
    with scratch_environment(ports, home, also_drop=("RESUMEFLOW_REPLICATION_FACTOR",
                                                     "RESUMEFLOW_MIN_INSYNC_REPLICAS")):
        stack = Stack(home, brokers=BROKERS)
        try:
            up_started = time.monotonic()
            stack.up()
            up_s = round(time.monotonic() - up_started, 1)
            print(f"  a {BROKERS}-broker cluster up in {up_s}s on ports {wanted[0]}-{wanted[-1]}", flush=True)
            result = _run(stack, args)
            result.details["cluster_up_s"] = up_s
        finally:
            stack.down(wipe=True)
    result.details["scratch_cluster"] = {"home": str(home), **ports}
    write_result(result, args)
    return result


def write_result(result: DrillResult, args: argparse.Namespace) -> None:
    """bench/results/chaos_cluster.json: this drill alone (chaos.json holds every drill of the last run)."""
    settings = {"brokers": BROKERS, "replication_factor": 3, "min_insync_replicas": 2, "kafka_heap": KAFKA_HEAP,
                **{k: v for k, v in vars(args).items() if k != "only"}}
    print(f"  wrote {record.write_result('chaos_cluster', settings, asdict(result))}", flush=True)


def _run(stack: Any, args: argparse.Namespace) -> DrillResult:
    from confluent_kafka.admin import ConfigResource

    from bench.pipeline import Pipeline, RunConfig, _pair
    from streams.admin import admin_client, partition_replicas
    from streams.kafka_clients import Serdes, registry_client
    from streams.settings import load_settings
    from streams.topics import APPLICATION_SUBMITTED, JOB_ANALYZED, SOURCE_TOPICS

    result = DrillResult("cluster", [4], f"on {BROKERS} brokers (replication 3, min.insync.replicas 2): kill -9 the "
                         f"broker leading the most partitions mid-run, restart it after {args.broker_down_s:.0f}s: "
                         "the run completes, every stage's output matches its input (0 lost), 0 applications "
                         "submitted twice; leaders move and replicas catch up")
    started = time.monotonic()
    settings = load_settings()
    if (settings.replication_factor, settings.min_insync) != (3, 2):
        result.failures.append(f"the cluster's settings give replication {settings.replication_factor} and "
                               f"min.insync.replicas {settings.min_insync}, not 3 and 2")
    serdes = Serdes(registry_client(settings))
    admin = admin_client(settings)
    since = datetime.now(UTC).isoformat(timespec="milliseconds")
    config = RunConfig(users=args.users, postings=args.postings, per_board=args.per_board,
                       boards_followed=args.boards_followed, workers=1, board_port=args.board_port)
    run = Pipeline(settings, config)
    events: list[str] = []
    t0 = time.monotonic()

    def note(line: str) -> None:
        events.append(f"{time.monotonic() - t0:6.1f}s {line}")
        print(f"  {events[-1]}", flush=True)

    def run_partitions(timeout_s: float = 30.0) -> list[Any]:
        return partition_replicas(admin, run.run_id, timeout_s=timeout_s)

    try:
        run.start()
        for line in run.setup_lines():
            print(f"  {line}", flush=True)
        rows = run_partitions()
        configs = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, t)
                                          for t in sorted({r.topic for r in rows})])
        min_isr = Counter(future.result()["min.insync.replicas"].value for future in configs.values())
        replication = {"topics": len({r.topic for r in rows}), **replica_summary(rows),
                       "replication_factors": dict(Counter(len(r.replicas) for r in rows)),
                       "min_insync_replicas": dict(min_isr)}
        result.details["replication_at_start"] = replication
        note(f"the run's topics: {replication}")
        if replication["replication_below"] or set(min_isr) != {"2"}:
            result.failures.append(f"topics not replicated 3 with min.insync.replicas 2: {replication}")
        run.register_users()
        t0 = time.monotonic()

        # Mid-run: once discovery has matched a first posting (analysis, generation, submission still to come).
        while time.monotonic() - t0 < MID_RUN_WAIT_S:
            if run.tally().stages["discovery"]["got"] > 0:
                break
            restart_exited(run, events, t0)
            time.sleep(1)
        rows = run_partitions()
        controller = quorum_leader(stack.kafka)
        victim, _ = busiest_leader([r.leader for r in rows])
        if args.kill == "controller" and controller is not None:
            victim = controller
        led = sum(1 for r in rows if r.leader == victim)
        at_kill = run.tally().stages
        pid = stack.kill_broker(f"kafka-{victim}")
        killed_at = time.monotonic()
        role = f"the leader of {led} of the run's {len(rows)} partitions" + (
            ", and the active controller" if victim == controller else
            f" (the active controller: kafka-{controller})" if controller is not None else "")
        note(f"kill -9 kafka-{victim} (pid {pid}), {role}; stages then: "
             + ", ".join(f"{k} {v['got']}/{v['expected']}" for k, v in at_kill.items()))
        result.details["killed"] = {"broker": f"kafka-{victim}", "pid": pid, "partitions_led": led,
                                    "partitions": len(rows), "active_controller": controller,
                                    "stages_at_kill": at_kill}

        # Two brokers: leaders move; the pipeline keeps going.
        leaders_moved_s = None
        controller_moved_s = None if victim == controller else 0.0
        # Down for `broker_down_s`, and longer (up to PROGRESS_WAIT_S more) until a stage has produced output
        # since the kill: the drill shows the pipeline working on two brokers, not merely surviving the wait.
        down_until, progress_by = killed_at + args.broker_down_s, killed_at + args.broker_down_s + PROGRESS_WAIT_S
        outputs_at_kill = stage_outputs(at_kill)
        progressed_s = None
        while time.monotonic() < down_until or (progressed_s is None and time.monotonic() < progress_by):
            if controller_moved_s is None and quorum_leader(stack.kafka, but=victim) not in (None, victim):
                controller_moved_s = round(time.monotonic() - killed_at, 1)
                note(f"kafka-{quorum_leader(stack.kafka, but=victim)} is the active controller "
                     f"{controller_moved_s}s after the kill")
            if leaders_moved_s is None:
                try:  # a short timeout: a metadata request the dead broker was sent waits for all of it
                    rows = run_partitions(timeout_s=2)
                except Exception:  # no answer yet: ask again
                    rows = []
                if rows and not any(r.leader in (victim, -1) for r in rows):
                    leaders_moved_s = round(time.monotonic() - killed_at, 1)
                    note(f"every partition led by a live broker {leaders_moved_s}s after the kill; "
                         f"{replica_summary(rows)}")
            if leaders_moved_s is not None:  # reading the topics takes seconds: not while timing the failover
                run.wait_until_done(timeout_s=0, every_s=0)
                if progressed_s is None and stage_outputs(run.tally().stages) > outputs_at_kill:
                    progressed_s = round(time.monotonic() - killed_at, 1)
                    note(f"new output from the pipeline {progressed_s}s after the kill, on two brokers")
            restart_exited(run, events, t0)
            time.sleep(0.5)
        during = run.tally().stages
        note("after the broker was down: " + ", ".join(f"{k} {v['got']}/{v['expected']}" for k, v in during.items()))
        result.details["stages_while_down"] = during
        result.details["broker_down_s"] = round(time.monotonic() - killed_at, 1)
        result.details["first_output_while_down_s"] = progressed_s
        result.details["outputs_while_down"] = stage_outputs(during) - outputs_at_kill
        if progressed_s is None:
            result.failures.append(f"no stage produced anything in {time.monotonic() - killed_at:.0f}s on two brokers")
        result.details["leaders_moved_s"] = leaders_moved_s
        if victim == controller:
            result.details["controller_moved_s"] = controller_moved_s
            if controller_moved_s is None:
                result.failures.append(f"no new active controller {args.broker_down_s:.0f}s after the kill")
        if leaders_moved_s is None:
            result.failures.append(f"partitions still led by kafka-{victim} or leaderless {args.broker_down_s:.0f}s "
                                   "after the kill")

        restarting = time.monotonic()
        stack.start_service(f"kafka-{victim}")
        restart_s = round(time.monotonic() - restarting, 1)
        note(f"kafka-{victim} started again ({restart_s}s to healthy)")
        result.details["broker_restart_s"] = restart_s

        done_by = time.monotonic() + args.timeout_s
        isr_restored_s = None
        while True:
            done = run.wait_until_done(timeout_s=10, every_s=5, progress=True)
            restart_exited(run, events, t0)
            if isr_restored_s is None and not replica_summary(run_partitions())["under_replicated"]:
                isr_restored_s = round(time.monotonic() - restarting, 1)
                note(f"every partition has 3 in-sync replicas again, {isr_restored_s}s after the restart began")
            if (done and isr_restored_s is not None) or time.monotonic() > done_by:
                break
        result.details["isr_restored_s"] = isr_restored_s
        if isr_restored_s is None:
            result.failures.append(f"partitions still under-replicated {args.timeout_s:.0f}s after kafka-{victim} "
                                   "came back")

        tally = run.tally()
        users = set(run.user_ids.values())
        submitted = [(v["user_id"], v["canonical_job_id"], v["event_id"])
                     for v in _decoded(run.settings, serdes, APPLICATION_SUBMITTED.for_settings(run.settings))]
        proceed = {_pair(None, v) for v in _decoded(run.settings, serdes, JOB_ANALYZED.for_settings(run.settings))
                   if v["decision"] == "PROCEED"}
        sends = dry_run_sends(run.settings.home, users, since)
        figures = tally_applications(proceed, submitted, sends)
        topics = {t.name: t.for_settings(run.settings) for t in SOURCE_TOPICS if t.name in REDO_TOPICS}
        redone = redone_records((name, v["event_id"]) for name, topic in topics.items()
                                for v in _decoded(run.settings, serdes, topic))
        ledger = ledger_states(run.settings, users)
        stages = stage_table(tally.stages, redone, duplicated=figures["duplicated_sends"]
                             + figures["duplicated_events"])
        result.details.update(done=done, events=events, stages=stages, applications=figures,
                              dry_run_sends=len(sends), ledger=ledger, redone_records=redone,
                              exited_on_their_own=sum("had exited" in e for e in events), cpu_s=run.cpu_seconds(),
                              setup=run.setup_lines())
        print_stage_table(stages)
        expected, got = tally.stages["submission"]["expected"], tally.stages["submission"]["got"]
        result.produced, result.processed = expected, got
        result.lost = sum(row["lost"] for row in stages)
        result.duplicated = figures["duplicated_sends"] + figures["duplicated_events"]
        if not done:
            result.failures.append(f"the run did not complete within {args.timeout_s:.0f}s after the restart: "
                                   + ", ".join(f"{k} {v['got']}/{v['expected']}" for k, v in tally.stages.items()))
        if result.lost:
            result.failures.append(f"{result.lost} lost: " + ", ".join(f"{r['stage']} {r['lost']}" for r in stages
                                                                      if r["lost"]))
        if figures["lost"]:
            result.failures.append(f"{figures['lost']} of {figures['expected']} PROCEED pairs neither submitted nor "
                                   "sent")
        if result.duplicated:
            result.failures.append(f"{result.duplicated} applications submitted twice ({figures})")
        if ledger.get("CLAIMED"):
            result.failures.append(f"{ledger['CLAIMED']} ledger claims never confirmed (in doubt)")
    finally:
        run.stop()
    result.passed = not result.failures
    result.seconds = round(time.monotonic() - started, 1)
    return result


def stage_outputs(stages: dict[str, dict[str, int]]) -> int:
    """What the stages have produced so far, summed (profiles answered, matches, decisions, resumes, settled
    applications): it grows while the pipeline works."""
    return sum(figures["got"] for figures in stages.values())


def stage_table(stages: dict[str, dict[str, int]], redone: dict[str, int], *, duplicated: int
                ) -> list[dict[str, Any]]:
    """Each stage's input against its output: `produced` what went in (users registered, matches the boards
    imply, postings discovered, PROCEED pairs), `processed` what came out, `lost` the difference, `redone` records
    of its output topic beyond one per event id (at-least-once copies its readers absorb), `duplicated`
    applications submitted twice (submission only)."""
    return [{"stage": name, "produced": figures["expected"], "processed": figures["got"],
             "lost": max(figures["expected"] - figures["got"], 0),
             "redone": redone.get(STAGE_OUTPUTS.get(name, ""), 0),
             "duplicated": duplicated if name == "submission" else 0} for name, figures in stages.items()]


def print_stage_table(rows: list[dict[str, Any]]) -> None:
    print(f"  {'stage':12} {'produced':>8} {'processed':>9} {'lost':>5} {'redone':>6} {'duplicated':>10}", flush=True)
    for row in rows:
        print(f"  {row['stage']:12} {row['produced']:8} {row['processed']:9} {row['lost']:5} {row['redone']:6} "
              f"{row['duplicated']:10}", flush=True)
