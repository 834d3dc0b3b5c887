"""How the end-to-end run's cost grows: the same run (`bench.end_to_end`) at 10, 50 and 200 users and at 1 and 3
worker processes per processor, one after the other on a fresh namespace each.

Per point: applications, wall seconds from registration to done, applications/s (sustained and steady),
latency p50/p95, CPU seconds per processor and in all, CPU milliseconds per application (which spreads each
process's fixed start-up cost, chiefly model loads, over the run), and the marginal CPU per application (the
extra CPU over the point with fewer users, divided by the extra applications: flat is linear growth). The posting
pool and the boards are the same for every point, so the postings analyzed stay the same and what grows is
users x matches.

Usage: python -m bench.growth [--users 10,50,200] [--workers 1,3] [--per-board 1] [--boards-followed 10] ...
(the other options as `bench.end_to_end`). Prints a table; writes bench/results/growth.json and growth.png.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.end_to_end import RESULTS, TARGET_PER_S, _fmt, config_of, run_once, write
from streams.settings import load_settings


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def point(result: dict[str, Any]) -> dict[str, Any]:
    """One row of the growth table from an end-to-end result (pure)."""
    config = result["config"]
    cpu_total = sum(result["cpu_s"].values())
    apps = result["applications"]
    return {
        "users": config["users"], "workers": config["workers"], "pairs": result["stages"]["discovery"]["got"],
        "applications": apps, "wall_s": result["wall_s"], "done": result["done"],
        "per_s_sustained": result["applications_per_s_sustained"], "per_s_steady": result["applications_per_s_steady"],
        "p50_s": result["latency_s"]["p50"], "p95_s": result["latency_s"]["p95"],
        "cpu_s": result["cpu_s"], "cpu_s_total": round(cpu_total, 1),
        "cpu_ms_per_application": round(1000 * cpu_total / apps, 1) if apps else None,
        "bottleneck": result["bottleneck"],
    }


def with_marginal(points: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each point with `marginal_cpu_ms_per_application`: the CPU the extra applications cost over the previous
    point with as many workers (fewer users), which leaves out the fixed start-up cost (model loads) that
    `cpu_ms_per_application` spreads over the run (pure)."""
    out = []
    for p in points:
        before = [q for q in points if q["workers"] == p["workers"] and q["users"] < p["users"]]
        marginal = None
        if before:
            q = max(before, key=lambda q: q["users"])
            extra = p["applications"] - q["applications"]
            if extra > 0:
                marginal = round(1000 * (p["cpu_s_total"] - q["cpu_s_total"]) / extra, 1)
        out.append({**p, "marginal_cpu_ms_per_application": marginal})
    return out


def table(points: Sequence[dict[str, Any]]) -> list[str]:
    lines = [f"{'users':>5} {'workers':>7} {'pairs':>6} {'apps':>5} {'wall s':>7} {'apps/s':>7} {'steady':>7} "
             f"{'p50 s':>6} {'p95 s':>6} {'CPU s':>7} {'CPU ms/app':>10} {'marginal':>8}  bottleneck"]
    for p in points:
        lines.append(f"{p['users']:>5} {p['workers']:>7} {p['pairs']:>6} {p['applications']:>5} {p['wall_s']:>7.1f} "
                     f"{_fmt(p['per_s_sustained'], '.2f'):>7} {_fmt(p['per_s_steady'], '.2f'):>7} "
                     f"{_fmt(p['p50_s']):>6} {_fmt(p['p95_s']):>6} {p['cpu_s_total']:>7.1f} "
                     f"{_fmt(p['cpu_ms_per_application']):>10} "
                     f"{_fmt(p.get('marginal_cpu_ms_per_application')):>8}  "
                     f"{p['bottleneck']}{'' if p['done'] else ' (NOT DONE)'}")
    return lines


def plot(points: Sequence[dict[str, Any]], path: Path) -> None:
    """Applications/s and CPU per application against users, a line per worker count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for workers in sorted({p["workers"] for p in points}):
        mine = sorted((p for p in points if p["workers"] == workers), key=lambda p: p["users"])
        users = [p["users"] for p in mine]
        left.plot(users, [p["per_s_sustained"] or 0 for p in mine], marker="o", label=f"{workers} per processor")
        line = right.plot(users, [p["cpu_ms_per_application"] or 0 for p in mine], marker="o",
                          label=f"{workers} per processor")[0]
        marginal = [(p["users"], p["marginal_cpu_ms_per_application"]) for p in mine
                    if p.get("marginal_cpu_ms_per_application") is not None]
        if marginal:
            right.plot(*zip(*marginal, strict=True), marker="x", linestyle="--", color=line.get_color(),
                       label=f"{workers} per processor, marginal")
    left.axhline(TARGET_PER_S, color="grey", linestyle="--", label=f"target {TARGET_PER_S:g}/s")
    left.set(xlabel="users", ylabel="applications/s (sustained)", yscale="log", title="Throughput")
    right.set(xlabel="users", ylabel="CPU ms per application", title="Cost per application")
    for axis in (left, right):
        axis.set_xscale("log")
        axis.legend()
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def replot(source: Path, png: Path) -> int:
    """The table and the plot again from a growth.json (its figures with the marginal cost added)."""
    import json

    measured = json.loads(source.read_text())
    measured["figures"] = with_marginal(measured["figures"])
    source.write_text(json.dumps(measured, indent=2) + "\n")
    print("\n".join(table(measured["figures"])))
    plot(measured["figures"], png)
    print(f"wrote {png} from {source} (measured {measured['measured_at']})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from bench.end_to_end import arguments

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--users", default="10,50,200")
    parser.add_argument("--workers", default="1,3")
    parser.add_argument("--replot", action="store_true", help="redraw growth.png from growth.json, no run")
    own, rest = parser.parse_known_args(argv)
    if own.replot:
        return replot(RESULTS / "growth.json", RESULTS / "growth.png")
    defaults = {"--per-board": "1", "--boards-followed": "10"}  # one match per user: 200 users stay in budget
    for flag, value in defaults.items():
        if flag not in rest:
            rest += [flag, value]
    args = arguments([*rest, "--quiet"])
    settings = load_settings()
    started = time.monotonic()
    points, results = [], []
    for workers in _ints(own.workers):
        for users in _ints(own.users):
            print(f"--- {users} users, {workers} worker(s) per processor", flush=True)
            result, _ = run_once(settings, config_of(args, users=users, workers=workers), timeout_s=args.timeout,
                                 progress=False)
            results.append(result)
            points.append(point(result))
            print(table(points[-1:])[-1], flush=True)
    points = with_marginal(points)
    print("\n".join(table(points)))
    png = RESULTS / "growth.png"
    path = write("growth", {"settings": {"users": _ints(own.users), "workers": _ints(own.workers),
                                         **{k: v for k, v in results[0]["config"].items()
                                            if k not in ("users", "workers")}},
                            "setup": results[0]["setup"], "figures": points, "plot": str(png.name),
                            "total_wall_s": round(time.monotonic() - started, 1)})
    plot(points, png)  # after the JSON: the figures are kept whatever the plot does
    print(f"wrote {path} and {png} in {time.monotonic() - started:.0f}s")
    return 0 if all(p["done"] for p in points) else 1


if __name__ == "__main__":
    sys.exit(main())
