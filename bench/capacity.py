"""What one user and one application cost in storage, for the capacity model (deploy/CAPACITY.md): a small
pipeline run (`bench.pipeline`, one worker per processor, the sink beside them) to completion, then
- per topic of the run's namespace (catalog topics, changelogs, Faust's internal topics): records and bytes
  (key + value as written), and for the compacted changelogs the bytes that compaction keeps (the last record
  per key) and their keys — the state the tables hold;
- each worker's RocksDB directory on disk (`du`), before the workers stop;
- the PostgreSQL rows the run left: the sink's views (row bytes of the run's users, `pg_column_size`; table plus
  index bytes scaled by the run's share of rows), the posting index and the submission ledger (the run's own
  tables, `pg_total_relation_size`);
- Redis: keys and `used_memory` before and after;
each divided by users, by applications (application.submitted) and by postings analyzed (job.analysis).

Usage: python -m bench.capacity [--users 20] [--postings 60] [--per-board 10] [--boards-followed 6]
Prints a table; writes bench/results/capacity.json. Needs the stack (`make stack`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.pipeline import Pipeline, RunConfig
from bench.record import write_result


def du_bytes(path: Path) -> int:
    """Bytes of the files under `path` (apparent sizes; 0 when it does not exist)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def topic_bytes(settings: Any, prefix: str) -> dict[str, dict[str, int]]:
    """Topic (without `prefix`) -> records, bytes (key + value), and for every topic the bytes and keys of the
    last record per key (what compaction keeps), read from the beginning."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "enable.auto.commit": False,
                         "group.id": f"rfbench-capacity-{uuid.uuid4().hex}", "auto.offset.reset": "earliest"})
    try:
        metadata = consumer.list_topics(timeout=30)
        names = sorted(t for t in metadata.topics if t.startswith(prefix))
        consumer.assign([TopicPartition(t, p, 0) for t in names for p in metadata.topics[t].partitions])
        records: dict[str, int] = defaultdict(int)
        written: dict[str, int] = defaultdict(int)
        last: dict[str, dict[bytes, int]] = defaultdict(dict)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < 3.0:
            batch = consumer.consume(num_messages=5000, timeout=0.5)
            if batch:
                idle_since = time.monotonic()
            for message in batch:
                if message.error() is not None:
                    continue
                size = len(message.key() or b"") + len(message.value() or b"")
                records[message.topic()] += 1
                written[message.topic()] += size
                last[message.topic()][message.key() or b""] = size  # a tombstone (None) keeps 0
        return {t[len(prefix):].lstrip(".-"): {"records": records[t], "bytes": written[t],
                                               "compacted_bytes": sum(last[t].values()),
                                               "keys": len(last[t])} for t in names}
    finally:
        consumer.close()


async def postgres_bytes(settings: Any, user_ids: list[str], own_tables: list[str]) -> dict[str, dict[str, int]]:
    """View table -> the run's rows and their bytes, and table + index bytes in the run's share; own tables ->
    rows and total bytes."""
    import asyncpg

    from sinks.postgres import VIEWS

    connection = await asyncpg.connect(settings.database_url)
    try:
        out: dict[str, dict[str, int]] = {}
        for table in sorted({v.table for v in VIEWS}):
            columns = {r["column_name"] for r in await connection.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table)}
            if "user_id" not in columns:
                continue  # job-level rows (view_jobs): shared by every user, counted per posting below
            mine = await connection.fetchrow(
                f"SELECT count(*) AS n, coalesce(sum(pg_column_size(t.*)), 0) AS b FROM {table} t "
                "WHERE user_id = ANY($1::text[])", user_ids)
            total = await connection.fetchrow(f"SELECT count(*) AS n, pg_total_relation_size('{table}') AS b "
                                              f"FROM {table}")
            share = mine["n"] / total["n"] if total["n"] else 0.0
            out[table] = {"rows": mine["n"], "row_bytes": mine["b"], "with_indexes_bytes": int(total["b"] * share)}
        for table in own_tables:
            try:
                row = await connection.fetchrow(f"SELECT count(*) AS n, pg_total_relation_size('{table}') AS b "
                                                f"FROM {table}")
            except asyncpg.UndefinedTableError:
                continue
            out[table] = {"rows": row["n"], "with_indexes_bytes": row["b"]}
        return out
    finally:
        await connection.close()


def redis_figures(settings: Any) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(settings.redis_url)
    try:
        return {"keys": int(client.dbsize()), "used_memory": int(client.info("memory")["used_memory"])}
    finally:
        client.close()


def per(value: float, count: int) -> float | None:
    return round(value / count, 1) if count else None


def main(argv: list[str] | None = None) -> int:
    from processors.submission.ledger import table_name
    from streams.admin import admin_client, group_lag
    from streams.settings import load_settings
    from streams.topics import APPLICATION_SUBMITTED, JOB_ANALYSIS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--postings", type=int, default=60)
    parser.add_argument("--per-board", type=int, default=10)
    parser.add_argument("--boards-followed", type=int, default=6)
    parser.add_argument("--timeout-s", type=float, default=600.0)
    args = parser.parse_args(argv)
    config = RunConfig(users=args.users, postings=args.postings, per_board=args.per_board,
                       boards_followed=args.boards_followed)
    run = Pipeline(load_settings(), config)
    redis_before = redis_figures(run.settings)
    sink: subprocess.Popen[bytes] | None = None
    try:
        run.start()
        log = (run.dir / "logs" / "sink.log").open("wb")
        sink = subprocess.Popen([sys.executable, "-m", "cli.main", "sink"], stdout=log, stderr=subprocess.STDOUT,
                                cwd=run.root, env={**os.environ, **run.worker_env()})
        run.register_users()
        done = run.wait_until_done(timeout_s=args.timeout_s, every_s=5, progress=True)
        from sinks.postgres import VIEWS

        views = sorted({v.topic.for_settings(run.settings).name for v in VIEWS})
        admin = admin_client(run.settings)
        deadline = time.monotonic() + 120
        while group_lag(admin, f"{run.run_id}-views", views) and time.monotonic() < deadline:
            time.sleep(2)
        tally = run.tally()
        applications = tally.topics[APPLICATION_SUBMITTED.name]["records"]
        postings = tally.topics[JOB_ANALYSIS.name]["records"]
        rocksdb = {p.name.removeprefix(f"{run.run_id}-"): du_bytes(p)
                   for p in sorted((run.settings.home / "workers").glob(f"{run.run_id}-*"))}
        topics = topic_bytes(run.settings, run.run_id)
        tables = asyncio.run(postgres_bytes(run.settings, list(run.user_ids.values()),
                                            [run.settings.vector_table, table_name(run.settings.topic_prefix)]))
        redis_after = redis_figures(run.settings)
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait(timeout=60)
        run.stop()
    users = args.users
    changelogs = {t: f for t, f in topics.items() if t.endswith("-changelog")}
    figures = {
        "done": done, "users": users, "applications": applications, "postings_analyzed": postings,
        "stages": tally.stages, "topics": topics, "rocksdb_bytes": rocksdb, "postgres": tables,
        "redis": {"before": redis_before, "after": redis_after},
        "per_user": {
            "changelog_compacted_bytes": per(sum(f["compacted_bytes"] for f in changelogs.values()), users),
            "rocksdb_bytes": per(sum(rocksdb.values()), users),
            "view_row_bytes": per(sum(f.get("row_bytes", 0) for f in tables.values()), users),
            "view_bytes_with_indexes": per(sum(f["with_indexes_bytes"] for t, f in tables.items()
                                               if t.startswith("view_")), users),
        },
        "per_application": {
            "records": per(sum(f["records"] for t, f in topics.items() if t not in changelogs), applications),
            "bytes": per(sum(f["bytes"] for t, f in topics.items() if t not in changelogs), applications),
            "changelog_records": per(sum(f["records"] for f in changelogs.values()), applications),
            "changelog_bytes": per(sum(f["bytes"] for f in changelogs.values()), applications),
        },
        "per_posting": {
            "vector_index_bytes": per(tables.get(run.settings.vector_table, {}).get("with_indexes_bytes", 0),
                                      postings),
        },
        "redis_keys_added": redis_after["keys"] - redis_before["keys"],
        "redis_memory_added": redis_after["used_memory"] - redis_before["used_memory"],
    }
    print(f"{'topic':52} {'records':>8} {'bytes':>10} {'kept':>10} {'keys':>6}")
    for name, f in sorted(topics.items()):
        print(f"{name[-52:]:52} {f['records']:8} {f['bytes']:10} {f['compacted_bytes']:10} {f['keys']:6}")
    print(f"{'postgres table':52} {'rows':>8} {'bytes':>10}")
    for name, f in tables.items():
        print(f"{name[-52:]:52} {f['rows']:8} {f['with_indexes_bytes']:10}")
    print(f"rocksdb on disk: {rocksdb}")
    print(f"{users} users, {applications} applications, {postings} postings analyzed"
          + ("" if done else " (the run did NOT complete: figures partial)"))
    for key in ("per_user", "per_application", "per_posting"):
        print(f"{key}: {figures[key]}")
    print(f"redis: {figures['redis_keys_added']} keys, {figures['redis_memory_added']} bytes added")
    path = write_result("capacity", vars(args), figures)
    print(f"wrote {path}")
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
