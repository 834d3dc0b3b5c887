"""How fast the sink (`resumeflow sink`) writes the read model: rows/s into PostgreSQL per view and in total.

Pre-fills the sink's input topics on the local stack with the records of U users (default 2000), made with the
project's own messages and serdes and shaped like a real run's: per user a profile, 6 discoveries and 6 match
results (`job.analyzed`, with skills and reasons), 3 generated resumes, 2 applications (3 `application.updates`
with variants and the posting), one submission, one answer (`response.received`) and one completed workflow;
plus one catalog record per posting used (real postings from ../shared/data/postings when present, else the demo
boards). Then the sink is started as its own process on a fresh consumer group that was first caught up with
everything already on the topics, so it reads exactly this run's records, and PostgreSQL is polled until every
view holds all of this run's rows.

Reported: rows per view, when each view was complete, rows/s per view and in total over the drain (from the
first row seen to the last: the sink's start-up and group join are printed apart), and the sink process's CPU.
Writes bench/results/sink_throughput.json. Needs the local stack (`resumeflow stack up && resumeflow topics
apply`). Only 127.0.0.1. The sink, PostgreSQL, the broker and this script share the machine's cores.

Usage: python -m bench.sink_throughput [--quick] [--users N]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.extraction_throughput import load_postings
from bench.processes import cli_process
from bench.record import write_result
from sinks.runner import run_sink
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import (
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationUpdated,
    JobAnalyzed,
    JobDiscovered,
    JobPosting,
    MatchDecision,
    Message,
    PostingSummary,
    Preferences,
    ResponseKind,
    ResponseReceived,
    ResponseSource,
    ResumeGenerated,
    UserProfile,
    VariantOption,
    WorkflowCompleted,
    WorkflowOutcome,
)
from streams.settings import Settings, load_settings
from streams.topics import (
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    RESPONSE_RECEIVED,
    RESUME_GENERATED,
    USER_PROFILES,
    WORKFLOW_COMPLETED,
    TopicSpec,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DISCOVERIES, RESUMES, APPLICATIONS = 6, 3, 2
POLL_S = 0.1
SKILLS = ["Python", "SQL", "Kafka", "PostgreSQL", "Docker", "Kubernetes", "AWS", "Spark", "Airflow", "Go",
          "TypeScript", "Terraform", "machine learning", "statistics"]
Record = tuple[TopicSpec, str, Message]


@dataclasses.dataclass
class Fill:
    """One run's records and how many rows each view must end up holding."""

    run: str
    user_ids: list[str]
    job_ids: list[str]
    records: list[Record]
    expected: dict[str, int]


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def make_fill(users: int, run: str | None = None) -> Fill:
    """The records of `users` users (see the module docstring), all ids fresh for this run."""
    run = run or uuid.uuid4().hex[:8]
    _, fetched = load_postings()
    if not fetched:
        raise SystemExit("no postings to publish (neither ../shared/data/postings nor the demo boards)")
    postings = []
    for i, p in enumerate(fetched[:max(DISCOVERIES * 4, min(len(fetched), users))]):
        source_job_id = f"{p.source_job_id}-{run}"
        postings.append(JobPosting(**{**p.model_dump(), "source_job_id": source_job_id}, event_id=_id("cat"),
                                   occurred_at=T0 - timedelta(hours=i), content_hash=p.content_hash,
                                   canonical_job_id=f"{p.source.value.lower()}:{p.board_token}:{source_job_id}"))
    records: list[Record] = [(JOB_CATALOG, p.canonical_job_id, p) for p in postings]
    user_ids = []
    for u in range(users):
        email = f"bench-{run}-{u}@example.org"
        user = user_id_for_email(email)
        user_ids.append(user)
        records.append((USER_PROFILES, user, UserProfile(
            event_id=_id("prof"), user_id=user, occurred_at=T0, email=email, profile_version=1,
            profile_json=f'{{"basics": {{"name": "Bench User {u}", "email": "{email}"}}}}',
            preferences=Preferences())))
        jobs = [postings[(u * 7 + k) % len(postings)] for k in range(DISCOVERIES)]
        for k, job in enumerate(jobs):
            at = T0 + timedelta(minutes=k)
            skills = [SKILLS[(u + k + s) % len(SKILLS)] for s in range(6)]
            records.append((JOB_DISCOVERED, user, JobDiscovered(
                event_id=_id("disc"), user_id=user, occurred_at=at, canonical_job_id=job.canonical_job_id,
                search_name="data roles", title=job.title, company=job.company,
                match_reasons=[f"keyword: {skills[0].lower()}", "location: remote"])))
            records.append((JOB_ANALYZED, user, JobAnalyzed(
                event_id=_id("anl"), user_id=user, occurred_at=at + timedelta(seconds=30),
                canonical_job_id=job.canonical_job_id, score=round(0.5 + (k % 5) / 10, 2), matched_skills=skills[:4],
                missing_skills=skills[4:], decision=MatchDecision.PROCEED if k < RESUMES else MatchDecision.SKIP,
                reasons=[f"{len(skills[:4])} of 6 required skills", "seniority fits", "salary unstated"])))
        variants = []
        for k, job in enumerate(jobs[:RESUMES]):
            variant = ("skills_first", "experience_first", "projects_first")[k % 3]
            uri = f"file:///var/lib/resumeflow/artifacts/{user}/{run}-{k}.pdf"
            sha = uuid.uuid5(uuid.NAMESPACE_URL, uri).hex * 2
            variants.append(VariantOption(variant_id=f"{variant}-v1", template="classic", ats_score=0.8,
                                          artifact_uri=uri, sha256=sha))
            records.append((RESUME_GENERATED, user, ResumeGenerated(
                event_id=_id("res"), user_id=user, occurred_at=T0 + timedelta(minutes=10 + k),
                canonical_job_id=job.canonical_job_id, variant_id=f"{variant}-v1", template="classic",
                artifact_uri=uri, sha256=sha, ats_score=0.8, provenance_summary="4 bullets rephrased, 9 verbatim")))
        for a, job in enumerate(jobs[:APPLICATIONS]):
            application = _id("app")
            summary = PostingSummary(source=job.source, board_token=job.board_token, source_job_id=job.source_job_id,
                                     title=job.title, company=job.company, locations=job.locations, url=job.url)
            statuses = [ApplicationStatus.AWAITING_REVIEW] + ([ApplicationStatus.SUBMITTED] if a == 0 else [])
            for s, status in enumerate(statuses):
                records.append((APPLICATION_UPDATES, user, ApplicationUpdated(
                    event_id=_id("upd"), user_id=user, occurred_at=T0 + timedelta(minutes=20 + s),
                    application_id=application, canonical_job_id=job.canonical_job_id, status=status,
                    channel="email", variants=variants, recommended_variant_id=variants[0].variant_id,
                    posting=summary, score=0.8, matched_skills=SKILLS[:4], missing_skills=SKILLS[4:6],
                    seniority="MID")))
            if a == 0:
                records.append((APPLICATION_SUBMITTED, user, ApplicationSubmitted(
                    event_id=_id("sub"), user_id=user, occurred_at=T0 + timedelta(minutes=21),
                    application_id=application, canonical_job_id=job.canonical_job_id,
                    variant_id=variants[0].variant_id, channel="email", message_id=f"<{application}@resumeflow>")))
                records.append((RESPONSE_RECEIVED, user, ResponseReceived(
                    event_id=_id("resp"), user_id=user, occurred_at=T0 + timedelta(days=3),
                    application_id=application, kind=ResponseKind.INTERVIEW, source=ResponseSource.INBOX,
                    canonical_job_id=job.canonical_job_id)))
                records.append((WORKFLOW_COMPLETED, user, WorkflowCompleted(
                    event_id=_id("wf"), user_id=user, occurred_at=T0 + timedelta(days=9),
                    canonical_job_id=job.canonical_job_id, application_id=application,
                    variant_id=variants[0].variant_id, outcome=WorkflowOutcome.REJECTED, interviewed=True,
                    responded=True, days_to_response=3)))
    expected = {
        "view_jobs": len(postings), "view_users": users, "view_discoveries": users * DISCOVERIES,
        "view_matches": users * DISCOVERIES, "view_resumes": users * RESUMES, "view_applications": users * APPLICATIONS,
        # every update, and the one answer
        "view_application_events": sum(1 for t, _, _ in records if t in (APPLICATION_UPDATES, RESPONSE_RECEIVED)),
        "view_submissions": users, "view_outcomes": users}
    return Fill(run, user_ids, [p.canonical_job_id for p in postings], records, expected)


def publish(settings: Settings, records: list[Record]) -> float:
    """Publishes and waits for every acknowledgement; returns the seconds it took."""
    started = time.perf_counter()
    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    for topic, key, message in records:
        publisher.publish(topic, key, message)
    publisher.flush(120)
    return time.perf_counter() - started


async def view_counts(connection: asyncpg.Connection, fill: Fill) -> dict[str, int]:
    counts = {"view_jobs": await connection.fetchval(
        "SELECT count(*) FROM view_jobs WHERE canonical_job_id = ANY($1)", fill.job_ids)}
    for table in fill.expected:
        if table != "view_jobs":
            counts[table] = await connection.fetchval(f"SELECT count(*) FROM {table} WHERE user_id = ANY($1)",
                                                      fill.user_ids)
    return counts


@dataclasses.dataclass
class Drain:
    start_up_s: float  # from the sink's start to the first row seen
    drain_s: float  # from the first row seen to the last
    first_rows: int  # rows already there at the first sight (written before the drain window opened)
    complete_at_s: dict[str, float]  # per view, from the sink's start
    cpu_s: float
    counts: dict[str, int]


async def drain(settings: Settings, fill: Fill, *, timeout_s: float) -> Drain:
    """Starts `resumeflow sink` (this checkout's) on `settings.app_id`'s group, waits until every view holds its
    expected rows (or the timeout), stops the sink; the timings."""
    connection = await asyncpg.connect(settings.database_url)
    first_at: float | None = None
    first_rows = 0
    complete: dict[str, float] = {}
    counts: dict[str, int] = {}
    try:
        with cli_process(["sink"], {"RESUMEFLOW_APP_ID": settings.app_id}) as sink:
            started = time.perf_counter()
            while time.perf_counter() - started < timeout_s and sink.process.poll() is None:
                counts = await view_counts(connection, fill)
                now = time.perf_counter() - started
                total = sum(counts.values())
                if total and first_at is None:
                    first_at, first_rows = now, total
                for table, want in fill.expected.items():
                    if counts[table] >= want and table not in complete:
                        complete[table] = now
                if len(complete) == len(fill.expected):
                    break
                await asyncio.sleep(POLL_S)
            cpu = sink.cpu_s()
            if sink.process.poll() is not None:
                raise SystemExit(f"the sink stopped (exit {sink.process.returncode}): {sink.log_tail()}")
            last = max(complete.values(), default=time.perf_counter() - started)
    finally:
        await connection.close()
    first = first_at if first_at is not None else last
    return Drain(start_up_s=first, drain_s=last - first, first_rows=first_rows, complete_at_s=complete, cpu_s=cpu,
                 counts=counts)


async def catch_up(settings: Settings) -> float:
    """Moves `settings.app_id`'s sink group past everything already on the topics (rows it writes were there
    before; upserts change nothing)."""
    started = time.perf_counter()
    await run_sink(settings, idle_exit_s=3.0)
    return time.perf_counter() - started


def fill_views(settings: Settings, users: int, *, timeout_s: float = 600) -> tuple[Fill, Drain, float, float]:
    """Publishes `users` users' records and has the sink write them: (fill, drain, catch-up s, publish s)."""
    fill = make_fill(users)
    caught_up_s = asyncio.run(catch_up(settings))
    published_s = publish(settings, fill.records)
    return fill, asyncio.run(drain(settings, fill, timeout_s=timeout_s)), caught_up_s, published_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=2000, help="users whose records are published (default 2000)")
    parser.add_argument("--quick", action="store_true", help="50 users")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the views")
    args = parser.parse_args()
    users = min(args.users, 50) if args.quick else args.users
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    settings = settings.model_copy(update={"app_id": f"bench-sink-{uuid.uuid4().hex[:8]}"})
    fill, result, caught_up_s, published_s = fill_views(settings, users, timeout_s=args.timeout)
    records, rows = len(fill.records), sum(fill.expected.values())
    by_topic = Counter(t.name for t, _, _ in fill.records)
    print(f"setup: {users} users, {records} records on {len(by_topic)} topics "
          f"({', '.join(f'{n} {c}' for n, c in by_topic.most_common())}), {rows} rows expected; "
          f"sink group {settings.app_id}-views caught up in {caught_up_s:.1f}s; published in {published_s:.1f}s "
          f"({records / published_s:,.0f} records/s); sink batches of up to 500 records or 1 s; "
          f"{os.cpu_count()} CPUs shared by the sink, PostgreSQL, the broker and this poller")
    window = result.drain_s
    drained = rows - result.first_rows
    print(f"sink start-up to the first row: {result.start_up_s:.2f}s ({result.first_rows} rows by then)")
    print(f"{'view':<26}{'rows':>8}{'expected':>10}{'complete at s':>15}{'rows/s':>10}")
    figures: dict[str, object] = {"views": {}}
    for table, want in fill.expected.items():
        got = result.counts.get(table, 0)
        at = result.complete_at_s.get(table)
        # each view's rate over its own life: from the first row of the run to its completion
        span = (at - result.start_up_s) if at is not None else None
        rate = got / span if span and span > 0 else None
        figures["views"][table] = {"rows": got, "expected": want,  # type: ignore[index]
                                   "complete_at_s": None if at is None else round(at, 2),
                                   "rows_per_s": None if rate is None else round(rate, 1)}
        print(f"{table:<26}{got:>8}{want:>10}{'MISSING' if at is None else f'{at:.2f}':>15}"
              f"{'-' if rate is None else f'{rate:,.0f}':>10}")
    total_rate = drained / window if window > 0 else None
    complete = len(result.complete_at_s) == len(fill.expected)
    print(f"total: {sum(result.counts.values())} of {rows} rows; {drained} rows in {window:.2f}s after the first "
          f"= {'-' if total_rate is None else f'{total_rate:,.0f}'} rows/s "
          f"({records / (result.start_up_s + window):,.0f} records/s from the sink's start); sink CPU "
          f"{result.cpu_s:.1f}s ({result.cpu_s / max(result.start_up_s + window, 1e-9):.0%} of one core)"
          + ("" if complete else "; INCOMPLETE: some views did not fill before the timeout"))
    figures.update({"rows_total": sum(result.counts.values()), "rows_expected": rows, "complete": complete,
                    "start_up_s": round(result.start_up_s, 2), "drain_s": round(window, 2),
                    "rows_per_s": None if total_rate is None else round(total_rate, 1),
                    "records_per_s_from_start": round(records / (result.start_up_s + window), 1),
                    "sink_cpu_s": round(result.cpu_s, 2), "publish_records_per_s": round(records / published_s, 1)})
    path = write_result("sink_throughput", {"users": users, "records": records, "records_by_topic": dict(by_topic),
                                            "sink_batch": "500 records or 1000 ms", "poll_s": POLL_S}, figures)
    print(f"wrote {path}")
    if not complete:
        sys.exit(1)


if __name__ == "__main__":
    main()
