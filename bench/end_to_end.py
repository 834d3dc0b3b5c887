"""End to end on the local stack: users following boards of real-shaped postings, every processor a worker
process, submission as a dry run; how many applications per second the pipeline carries, and where it spends.

Reports applications/s sustained (first `job.discovered` to last `application.submitted`) and over a steady
window (the middle 80% of the submissions), records/s per topic (each topic's first to last record),
latency p50/p95/p99 from a (user, posting)'s `job.discovered` to its `application.submitted`, the CPU seconds of
each processor's processes (psutil: user + system) and its share of the run, the bottleneck (the processor that
used the most CPU per process, with its backlog when the run ended), and the target of 83 applications/s (the
design's 300,000 an hour) as met or MISSED. Expected against got per stage shows nothing was lost on the way.
The harness (`bench.pipeline`) says what runs; the sizes are parameters, their defaults keep `make load-test`
(this and `bench.growth`) near 12 minutes on a 2-core machine: every posting (600) is served, users follow a
subset of the boards (`--boards-followed`), which bounds the postings analyzed.

Usage: python -m bench.end_to_end [--users 50] [--postings 600] [--per-board 3] [--boards-per-user 1]
       [--boards-followed 10] [--workers 1] [--timeout 900]
Prints its setup and a table; writes bench/results/end_to_end.json. Needs the stack (`make stack`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.pipeline import Pipeline, RunConfig, Tally
from bench.record import git_commit, machine
from streams.settings import Settings, load_settings

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_PER_S = 83.0  # 300,000 applications an hour
STEADY = (0.10, 0.90)  # the steady window: between these fractions of the submissions


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(count: int, first_ms: int | None, last_ms: int | None) -> float | None:
    """Records per second between the first and last record's timestamps; None when it cannot be said."""
    if count < 2 or first_ms is None or last_ms is None or last_ms <= first_ms:
        return None
    return count / ((last_ms - first_ms) / 1000)


def steady_rate(times_ms: Sequence[int], window: tuple[float, float] = STEADY) -> float | None:
    """Records per second between the `window` fractions of the (sorted) record times: the run without its
    ramp-up and tail."""
    if len(times_ms) < 10:
        return None
    ordered = sorted(times_ms)
    lo, hi = int(len(ordered) * window[0]), int(len(ordered) * window[1]) - 1
    span_s = (ordered[hi] - ordered[lo]) / 1000
    return (hi - lo) / span_s if span_s > 0 else None


def backlog(run: Pipeline) -> dict[str, int]:
    """Records each processor's consumer group has not committed on its input topics (at the time of the call)."""
    from streams.admin import admin_client, group_lag
    from streams.topics import (
        APPLICATION_COMMANDS,
        JOB_ANALYZED,
        JOB_CATALOG,
        JOB_DISCOVERED,
        RESUME_GENERATED,
        USER_COMMANDS,
        USER_PROFILES,
    )

    inputs = {"profiles": (USER_COMMANDS,), "discovery": (USER_PROFILES,),
              "analysis": (JOB_CATALOG, JOB_DISCOVERED, USER_PROFILES),
              "generation": (JOB_ANALYZED, USER_PROFILES),
              "submission": (JOB_ANALYZED, RESUME_GENERATED, APPLICATION_COMMANDS, USER_PROFILES)}
    admin = admin_client(run.settings)
    lags = {}
    for processor, topics in inputs.items():
        if processor not in run.config.processors:
            continue
        try:
            lags[processor] = group_lag(admin, f"{run.run_id}-{processor}",
                                        [t.for_settings(run.settings).name for t in topics])
        except Exception:  # a group that never committed, a topic not there: no figure rather than no report
            lags[processor] = -1
    return lags


def figures(tally: Tally, cpu: dict[str, float], workers: int, wall_s: float, lags: dict[str, int]
            ) -> dict[str, Any]:
    """The report's numbers from a finished run (pure)."""
    submitted = len(tally.submitted_ms)
    sustained = rate(submitted, tally.first_discovered_ms, tally.last_submitted_ms) if submitted else 0.0
    per_topic = {name: {"records": t["records"], "per_s": rate(t["records"], t["first_ms"], t["last_ms"])}
                 for name, t in tally.topics.items()}
    share = {name: round(seconds / (wall_s * workers), 3) if wall_s > 0 else None for name, seconds in cpu.items()}
    bottleneck = max(cpu, key=lambda name: cpu[name]) if cpu else None
    return {
        "applications": submitted,
        "applications_per_s_sustained": sustained,
        "applications_per_s_steady": steady_rate(tally.submitted_ms),
        "span_s": ((tally.last_submitted_ms - tally.first_discovered_ms) / 1000
                   if tally.first_discovered_ms is not None and tally.last_submitted_ms is not None else None),
        "latency_s": {f"p{q}": percentile(tally.latencies_s, q) for q in (50, 95, 99)},
        "per_topic": per_topic,
        "stages": tally.stages,
        "duplicates": tally.duplicates,
        "cpu_s": {name: round(seconds, 2) for name, seconds in cpu.items()},
        "cpu_share_per_process": share,
        "backlog_at_end": lags,
        "bottleneck": bottleneck,
        "target_per_s": TARGET_PER_S,
        "target_met": bool(sustained and sustained >= TARGET_PER_S),
        "wall_s": round(wall_s, 1),
        "done": tally.done,
    }


def run_once(settings: Settings, config: RunConfig, *, timeout_s: float, progress: bool = True,
             echo: bool = True) -> tuple[dict[str, Any], list[str]]:
    """One run; returns its figures and setup lines. The clock starts when the users are registered."""
    started = time.monotonic()
    with Pipeline(settings, config) as run:
        setup = run.setup_lines()
        if echo:
            print("\n".join(setup), flush=True)
            print(f"  started in {time.monotonic() - started:.0f}s; pids {run.worker_pids()}", flush=True)
        run.register_users()
        t0 = time.monotonic()
        run.wait_until_done(timeout_s, every_s=3, progress=progress)
        wall = time.monotonic() - t0
        cpu = run.cpu_seconds()
        tally = run.tally()
        lags = backlog(run)
    result = figures(tally, cpu, config.workers, wall, lags)
    result["config"] = asdict(config)
    result["setup"] = setup
    result["total_wall_s"] = round(time.monotonic() - started, 1)
    return result, setup


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> list[str]:
    lines = [f"{'stage':12} {'expected':>9} {'got':>7}  detail"]
    for stage, counts in result["stages"].items():
        detail = ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("expected", "got"))
        lines.append(f"{stage:12} {counts['expected']:>9} {counts['got']:>7}  {detail}")
    lines.append(f"{'topic':24} {'records':>8} {'records/s':>10}")
    for name, t in result["per_topic"].items():
        lines.append(f"{name:24} {t['records']:>8} {_fmt(t['per_s']):>10}")
    lines.append(f"{'processor':12} {'CPU s':>8} {'CPU share/process':>18} {'backlog':>8}")
    for name, seconds in result["cpu_s"].items():
        lines.append(f"{name:12} {seconds:>8.1f} {_fmt(result['cpu_share_per_process'][name], '.2f'):>18} "
                     f"{result['backlog_at_end'].get(name, '-'):>8}")
    lat = result["latency_s"]
    verdict = "met" if result["target_met"] else "MISSED"
    lines += [
        f"applications submitted: {result['applications']} (duplicates {result['duplicates']['application.submitted']})"
        f" in {_fmt(result['span_s'])} s from the first job.discovered; done: {result['done']}",
        f"applications/s sustained {_fmt(result['applications_per_s_sustained'], '.2f')}, steady window (middle 80%) "
        f"{_fmt(result['applications_per_s_steady'], '.2f')}; target {TARGET_PER_S:g}/s: {verdict}",
        f"latency job.discovered -> application.submitted: p50 {_fmt(lat['p50'])} s, p95 {_fmt(lat['p95'])} s, "
        f"p99 {_fmt(lat['p99'])} s",
        f"bottleneck: {result['bottleneck']} (the most CPU; its share per process says how close to a full core)",
    ]
    return lines


def write(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                "git_commit": git_commit(), "machine": machine(), **payload}, indent=2) + "\n")
    return path


def arguments(argv: Sequence[str] | None = None, *, users: int = 50) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=users)
    parser.add_argument("--postings", type=int, default=600, help="postings served (distinct)")
    parser.add_argument("--per-board", type=int, default=3, help="postings per board")
    parser.add_argument("--boards-per-user", type=int, default=1)
    parser.add_argument("--boards-followed", type=int, default=10,
                        help="users follow only the first N boards (0: all); bounds the postings analyzed")
    parser.add_argument("--workers", type=int, default=1, help="processes per processor")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the run to finish")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser.parse_args(argv)


def config_of(args: argparse.Namespace, **overrides: Any) -> RunConfig:
    values = {"users": args.users, "postings": args.postings, "per_board": args.per_board,
              "boards_per_user": args.boards_per_user, "boards_followed": args.boards_followed,
              "workers": args.workers, **overrides}
    return RunConfig(**values)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    result, _ = run_once(load_settings(), config_of(args), timeout_s=args.timeout, progress=not args.quiet)
    print("\n".join(table(result)))
    path = write("end_to_end", {"settings": result.pop("config"), "figures": result})
    print(f"wrote {path}")
    return 0 if result["done"] else 1


if __name__ == "__main__":
    sys.exit(main())
