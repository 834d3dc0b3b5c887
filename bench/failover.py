"""Cells that move (`make test-failover`): the pipeline under load with several workers sharing each processor's
cells; one worker is killed with SIGKILL and its cells move, with their state, to the workers left. Measures how
long the moved cells stay idle, and counts the applications lost and duplicated.

For each processor killed, before the kill the consumer group's description (`describe_consumer_groups`; each
worker's client id names it, `streams.faust_wiring.new_app`) gives the cells (input partitions) the victim owns;
after the kill, with the victim dead (so its last commit is final), the group's committed offsets of those
partitions are read, then polled every `--poll-s`:
- `detected_s`: from the kill until the group's description no longer lists the victim (the session timeout);
- `reassigned_s`: until every moved partition is assigned to a worker left (the rebalance done);
- `resumed_s`: until the first moved partition's committed offset passes where the victim left it — records of
  the moved cells processed (outputs sent, cells stored) and committed by their new owner. Commits follow
  every batch at most `COMMIT_INTERVAL_S` apart (`streams.cell_agent`), so this is an upper bound of the first
  record processed. Target: under `TARGET_S`. When no moved partition had a record to process within
  `--window-s` (no lag at the kill, nothing new since), the processor is reported "idle", not timed. When the
  partition that resumed had no lag at the kill, the table also says when its first new record was appended
  (`work_s`): until then its cells had nothing to process, moved or not, so part of `resumed_s` is upstream's.
Then the survivors finish the run (the victim stays dead): every PROCEED pair must be applied to exactly once —
lost 0 and duplicated 0, from `application.submitted`, the dry-run channel's sends and the submission ledger
(`bench.chaos.tally_applications`).

Load: half the users are registered at the start; the kill comes `--kill-after-s` after the workers are ready and
once analysis (the bottleneck, bench/results/end_to_end.json) and generation are under way (a worker's first
record loads its models, and a rebalance waits for the batch in flight); the other users register one every
`--trickle-s` from just before the kill, so the moved cells get fresh input.
`--kill all` (the default) kills worker 0 of every processor at once — a machine running `resumeflow worker all`
lost; `--kill analysis` kills one processor's worker 0.

Usage: python -m bench.failover [--users 16] [--postings 120] [--workers 2] [--kill all|PROCESSOR]
       [--kill-after-s 40] [--window-s 60] [--timeout-s 600] [--keep]
Prints its setup and a table; writes bench/results/failover.json. Needs the stack (`make stack`). The settings
that make it fast: RESUMEFLOW_BROKER_SESSION_TIMEOUT_S, RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S,
RESUMEFLOW_STANDBY_REPLICAS (README, "Settings").
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.pipeline import PIPELINE, Pipeline, RunConfig
from bench.record import write_result

TARGET_S = 10.0


@dataclass
class Move:
    """One processor's victim and what happened to its cells. Times in seconds from the kill (None: not seen)."""

    processor: str
    victim: str
    moved: list[str]  # "topic[partition]" the victim owned (catalog topic names)
    workers_left: int
    lag_at_kill: int = 0  # records on the moved partitions not committed when the victim died
    detected_s: float | None = None
    reassigned_s: float | None = None
    resumed_s: float | None = None
    resumed_on: str | None = None
    # When `resumed_on` had nothing to process at the kill: when its first new record was appended. Until then the
    # cell could not process anything, moved or not, so `resumed_s` includes waiting for upstream work.
    work_s: float | None = None
    new_records: int = 0  # records that arrived on the moved partitions during the window
    owners_after: dict[str, int] = field(default_factory=dict)  # client id -> moved partitions it now owns

    @property
    def state(self) -> str:
        if self.resumed_s is not None:
            return "met" if self.resumed_s < TARGET_S else "MISSED"
        return "idle" if self.lag_at_kill == 0 and self.new_records == 0 else "MISSED"


def resumed_partition(at_kill: dict[Any, int], now: dict[Any, int]) -> Any | None:
    """A partition whose committed offset passed where it was at the kill (-1: none committed), else None."""
    for tp, offset in sorted(now.items()):
        if offset > at_kill.get(tp, -1):
            return tp
    return None


class Group:
    """One processor's consumer group, seen from outside through the admin client."""

    def __init__(self, admin: Any, group: str, topics: list[str]) -> None:
        self.admin, self.group, self.topics = admin, group, topics

    def members(self) -> dict[str, set[tuple[str, int]]]:
        """Client id -> its assigned (topic, partition) of the group's input topics."""
        [future] = self.admin.describe_consumer_groups([self.group]).values()
        members: dict[str, set[tuple[str, int]]] = {}
        for member in future.result().members:
            tps = member.assignment.topic_partitions if member.assignment else []
            members.setdefault(member.client_id, set()).update(
                (tp.topic, tp.partition) for tp in tps if tp.topic in self.topics)
        return members

    def committed(self, tps: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        from confluent_kafka import TopicPartition

        from streams.admin import committed_offsets

        found = committed_offsets(self.admin, self.group, [TopicPartition(t, p) for t, p in sorted(tps)])
        return {tp: -1 if offset is None else offset for tp, offset in found.items()}

    def appended_at(self, tp: tuple[str, int], offset: int, settings: Any) -> float | None:
        """The timestamp (seconds since the epoch) of `tp`'s record at `offset`, None when it cannot be read."""
        from streams.contiguity import read_range

        found = read_range(settings, tp[0], tp[1], offset, offset + 1, timeout_s=10)
        if not found:
            return None
        kind, at_ms = found[0].timestamp()  # type: ignore[attr-defined]
        return at_ms / 1000 if kind else None

    def ends(self, tps: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        from confluent_kafka import TopicPartition
        from confluent_kafka.admin import OffsetSpec

        futures = self.admin.list_offsets({TopicPartition(t, p): OffsetSpec.latest() for t, p in tps})
        return {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}


def share_lines(shares: dict[str, dict[str, int]]) -> list[str]:
    return [f"{processor}: " + ", ".join(f"{cid.rsplit('-', 1)[-1]} {n}" for cid, n in sorted(per.items()))
            for processor, per in shares.items()]


def run_drill(args: argparse.Namespace) -> dict[str, Any]:
    from bench.chaos import _decoded, dry_run_sends, ledger_states, tally_applications
    from cli.processors import PROCESSORS
    from streams.admin import admin_client, session_the_broker_allows
    from streams.kafka_clients import Serdes, registry_client
    from streams.settings import load_settings
    from streams.topics import APPLICATION_SUBMITTED

    victims = list(PIPELINE) if args.kill == "all" else [args.kill]
    since = datetime.now(UTC).isoformat(timespec="milliseconds")
    config = RunConfig(users=args.users, postings=args.postings, per_board=args.per_board,
                       boards_followed=args.boards_followed, workers=args.workers, board_port=args.board_port)
    run = Pipeline(load_settings(), config)
    events: list[str] = []
    moves: list[Move] = []
    stop_trickle = threading.Event()
    t_start = time.monotonic()

    def note(line: str) -> None:
        events.append(f"{time.monotonic() - t_start:6.1f}s {line}")
        print(f"  {events[-1]}", flush=True)

    try:
        run.start()
        note(f"{len(run.workers)} workers ready")
        for line in run.setup_lines():
            print(f"  {line}", flush=True)
        admin = admin_client(run.settings)
        groups = {p: Group(admin, f"{run.run_id}-{p}", [t.name for t in PROCESSORS[p].input_topics(run.settings)])
                  for p in victims}
        first = max(args.users // 2, 1)
        run.register_users(range(first))

        def trickle() -> None:
            for n in range(first, args.users):
                run.register_users(range(n, n + 1))
                if stop_trickle.wait(args.trickle_s):
                    return

        feeder = threading.Thread(target=trickle, name="trickle", daemon=True)
        # Under load: not before `kill_after_s`, and not before analysis and generation are under way (a worker's
        # first record loads its models, tens of seconds here, and a rebalance waits for the batch in flight).
        while True:
            run.wait_until_done(timeout_s=0, every_s=0)  # samples CPU and reads the topics meanwhile
            stages = run.tally().stages
            flowing = stages["analysis"]["got"] >= max(stages["analysis"]["expected"] // 4, 1) and \
                stages["generation"]["got"] > 0
            waited = time.monotonic() - t_start
            if waited >= args.kill_after_s and (flowing or waited >= args.kill_after_s + args.warm_s):
                if not flowing:
                    note(f"analysis/generation not under way after {waited:.0f}s: killing anyway")
                break
            time.sleep(2)
        shares = {p: {cid: len(tps) for cid, tps in g.members().items()} for p, g in groups.items()}
        for line in share_lines(shares):
            note(f"cells before the kill, {line}")
        owned = {p: g.members() for p, g in groups.items()}
        feeder.start()  # the rest of the users register through the kill: fresh input for every processor
        kill_wall = time.time()
        t_kill = time.monotonic()
        for p in victims:
            run.kill_worker(p, 0)
        for worker in run.workers:
            if worker.processor in victims and worker.index == 0:
                worker.process = None  # stays dead: the survivors take its cells
        note(f"kill -9 worker 0 of {', '.join(victims)}")
        at_kill: dict[str, dict[tuple[str, int], int]] = {}
        for p in victims:
            group = groups[p]
            victim = f"{group.group}-{p}0.pid"  # its client id (`new_app`), whichever its process id
            tps = next((tps for client_id, tps in owned[p].items() if client_id.startswith(victim)), set())
            move = Move(p, f"{p}0", sorted(f"{t.removeprefix(run.settings.topic_prefix)}[{n}]" for t, n in tps),
                        workers_left=args.workers - 1)
            at_kill[p] = group.committed(tps) if tps else {}
            ends = group.ends(tps) if tps else {}
            move.lag_at_kill = sum(max(ends[tp] - max(at_kill[p].get(tp, 0), 0), 0) for tp in tps)
            moves.append(move)
        kill_ends = {m.processor: groups[m.processor].ends(set(at_kill[m.processor])) for m in moves if
                     at_kill[m.processor]}
        rounds = 0
        while time.monotonic() - t_kill < args.window_s and any(m.resumed_s is None for m in moves):
            rounds += 1
            for move in moves:
                if move.resumed_s is not None or not at_kill[move.processor]:
                    continue
                group = groups[move.processor]
                elapsed = round(time.monotonic() - t_kill, 2)
                members = group.members()
                victim = f"{group.group}-{move.victim}.pid"
                if move.detected_s is None and not any(client_id.startswith(victim) for client_id in members):
                    move.detected_s = elapsed
                tps = set(at_kill[move.processor])
                if move.reassigned_s is None and move.detected_s is not None:
                    held = {cid: len(tps & mine) for cid, mine in members.items()}
                    if sum(held.values()) >= len(tps):
                        move.reassigned_s, move.owners_after = elapsed, {c: n for c, n in held.items() if n}
                tp = resumed_partition(at_kill[move.processor], group.committed(tps))
                if tp is not None:
                    move.resumed_s = round(time.monotonic() - t_kill, 2)
                    move.resumed_on = f"{tp[0].removeprefix(run.settings.topic_prefix)}[{tp[1]}]"
                    move.reassigned_s = move.reassigned_s or move.resumed_s
                    kill_end = kill_ends[move.processor][tp]
                    if max(at_kill[move.processor].get(tp, -1), 0) >= kill_end:  # nothing to do there at the kill
                        appended = group.appended_at(tp, kill_end, run.settings)
                        move.work_s = None if appended is None else round(max(appended - kill_wall, 0.0), 2)
            time.sleep(args.poll_s)
        # Each round asks every group in turn: a time is late by at most one round (the times' resolution).
        resolution_s = round((time.monotonic() - t_kill) / max(rounds, 1), 2)
        for move in moves:
            if at_kill[move.processor]:
                ends = groups[move.processor].ends(set(at_kill[move.processor]))
                move.new_records = sum(ends[tp] - kill_ends[move.processor][tp] for tp in ends)
            note(f"{move.processor}: {len(move.moved)} cells moved, resumed after "
                 f"{move.resumed_s if move.resumed_s is not None else '-'} s ({move.state})")
        feeder.join(timeout=args.trickle_s * args.users + 30)
        done = run.wait_until_done(timeout_s=args.timeout_s, every_s=5, progress=True)
        note("run complete" if done else f"run NOT complete after {args.timeout_s:.0f}s")
        tally = run.tally()
        users = set(run.user_ids.values())
        serdes = Serdes(registry_client(run.settings))
        submitted = [(v["user_id"], v["canonical_job_id"], v["event_id"])
                     for v in _decoded(run.settings, serdes, APPLICATION_SUBMITTED.for_settings(run.settings))]
        sends = dry_run_sends(run.settings.home, users, since)
        expected = tally.stages["submission"]["expected"]
        applications = tally_applications({(u, j) for u, j, _ in submitted}, submitted, sends)
        ledger = ledger_states(run.settings, users)
        lost = max(expected - tally.stages["submission"]["got"], 0)
        duplicated = applications["duplicated_sends"] + applications["duplicated_events"]
        # As the workers ran them: a worker raises its session to the brokers' floor (a stack started before the
        # floor was lowered keeps Kafka's 6 s until it is restarted).
        ran_with = session_the_broker_allows(run.settings, admin)
        return {
            "done": done, "kill_at": datetime.fromtimestamp(kill_wall, UTC).isoformat(timespec="milliseconds"),
            "moves": [asdict(m) | {"state": m.state} for m in moves], "resolution_s": resolution_s,
            "shares_before": shares,
            "stages": tally.stages, "applications": applications, "ledger": ledger, "dry_run_sends": len(sends),
            "lost": lost, "duplicated": duplicated, "cpu_s": run.cpu_seconds(), "events": events,
            "setup": run.setup_lines(),
            "worker_settings": {k: getattr(ran_with, k) for k in (
                "broker_session_timeout_s", "broker_heartbeat_interval_s", "broker_rebalance_timeout_s",
                "table_standby_replicas", "cell_partitions")},
        }
    finally:
        stop_trickle.set()
        run.stop(keep=args.keep)


def print_table(figures: dict[str, Any]) -> None:
    print(f"{'processor':11} {'victim':12} {'parts':>5} {'lag':>5} {'left':>4} {'detected':>9} {'reassigned':>10} "
          f"{'resumed':>8}  target <{TARGET_S:g}s")
    for m in figures["moves"]:
        def s(v: float | None) -> str:
            return f"{v:.1f}s" if v is not None else "-"

        print(f"{m['processor']:11} {m['victim']:12} {len(m['moved']):5} {m['lag_at_kill']:5} {m['workers_left']:4} "
              f"{s(m['detected_s']):>9} {s(m['reassigned_s']):>10} {s(m['resumed_s']):>8}  {m['state']}"
              + (f" (first on {m['resumed_on']}" if m["resumed_on"] else "")
              + (f", which had no work until {m['work_s']:.1f}s" if m.get("work_s") is not None else "")
              + (")" if m["resumed_on"] else ""))
    a = figures["applications"]
    print(f"applications: expected {a['expected']}, applied {a['applied']}, lost {figures['lost']}, duplicated "
          f"{figures['duplicated']} (sends {a['duplicated_sends']}, events {a['duplicated_events']}; "
          f"redelivered copies absorbed {a['redelivered']}); ledger {figures['ledger']}")
    print(f"times from the kill, each late by at most one polling round ({figures['resolution_s']} s)")
    timed = [m for m in figures["moves"] if m["state"] != "idle"]
    worst = max((m["resumed_s"] for m in timed if m["resumed_s"] is not None), default=None)
    met = bool(timed) and all(m["state"] == "met" for m in timed)
    print(f"moved cells processing again: worst {worst if worst is not None else '-'} s over {len(timed)} "
          f"processor(s) with work: target under {TARGET_S:g} s {'met' if met else 'MISSED'}; "
          f"lost {figures['lost']}, duplicated {figures['duplicated']}"
          + ("" if figures["done"] else "; the run did NOT complete"))
    # Applications are expected from what reached submission: a record lost upstream shows only here.
    short = [f"{stage} {v['expected'] - v['got']} of {v['expected']}" for stage, v in figures["stages"].items()
             if v["got"] < v["expected"]]
    if short:
        print("stages short of what they should have produced: " + ", ".join(short))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--postings", type=int, default=120)
    parser.add_argument("--per-board", type=int, default=10)
    parser.add_argument("--boards-followed", type=int, default=6, help="boards users follow (0: all)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per processor (at least 2)")
    parser.add_argument("--kill", default="all", choices=["all", *PIPELINE])
    parser.add_argument("--kill-after-s", type=float, default=40.0, help="from the workers ready to the kill")
    parser.add_argument("--warm-s", type=float, default=300.0,
                        help="after --kill-after-s, how long to wait at most for analysis and generation to flow")
    parser.add_argument("--trickle-s", type=float, default=3.0, help="between the later users' registrations")
    parser.add_argument("--window-s", type=float, default=60.0, help="how long after the kill to watch the cells")
    parser.add_argument("--poll-s", type=float, default=0.25)
    parser.add_argument("--timeout-s", type=float, default=600.0, help="for the survivors to finish the run")
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's topics and the workers' state afterwards, to read what happened")
    parser.add_argument("--board-port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error("--workers must be at least 2: the cells need somewhere to move")
    started = time.monotonic()
    figures = run_drill(args)
    figures["seconds"] = round(time.monotonic() - started, 1)
    print_table(figures)
    path = write_result("failover", vars(args) | {"target_s": TARGET_S}, figures)
    print(f"wrote {path}")
    timed = [m for m in figures["moves"] if m["state"] != "idle"]
    ok = (figures["done"] and not figures["lost"] and not figures["duplicated"] and bool(timed)
          and all(m["state"] == "met" for m in timed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
