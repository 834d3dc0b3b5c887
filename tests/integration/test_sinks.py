"""The PostgreSQL sink against the real stack: records published to the real topics land in the read model,
replays change nothing, profiles only move forward, and poison is dead-lettered without stopping the sink."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from confluent_kafka import Producer
from prometheus_client import REGISTRY

from sinks.runner import run_sink
from streams.errors import UserError
from streams.kafka_clients import RecordPublisher, Serdes, producer_config, registry_client
from streams.messages import (
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationUpdated,
    BoardSource,
    CommandProblem,
    JobAnalyzed,
    JobDiscovered,
    JobPosting,
    MatchDecision,
    Message,
    Preferences,
    ProfileRejected,
    ResponseKind,
    ResponseReceived,
    ResponseSource,
    ResumeGenerated,
    UserCommand,
    UserCommandKind,
    UserProfile,
    VariantOption,
    WorkflowCompleted,
    WorkflowOutcome,
)
from streams.settings import Settings
from streams.topics import (
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    PROFILE_REJECTED,
    RESPONSE_RECEIVED,
    RESUME_GENERATED,
    USER_COMMANDS,
    USER_PROFILES,
    WORKFLOW_COMPLETED,
    TopicSpec,
    dead_letter_topic,
)
from tests.integration.conftest import run_cli

pytestmark = pytest.mark.integration

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
IDLE_EXIT_S = 4.0


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def sink_settings(stack: Settings) -> Settings:
    return stack.model_copy(update={"app_id": _id("sinktest")})


def publish(settings: Settings, records: list[tuple[TopicSpec, str, Message]]) -> None:
    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    for topic, key, message in records:
        publisher.publish(topic, key, message)
    publisher.flush()


def run_until_idle(settings: Settings) -> None:
    asyncio.run(asyncio.wait_for(run_sink(settings, idle_exit_s=IDLE_EXIT_S), timeout=120))


def fetch(settings: Settings, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def query() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(settings.database_url)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    return asyncio.run(query())


def profile(user_id: str, version: int, name: str, at: datetime = T0) -> UserProfile:
    return UserProfile(event_id=_id("ev"), user_id=user_id, occurred_at=at, email=f"{user_id}@example.com",
                       profile_version=version, profile_json=json.dumps({"basics": {"name": name, "phone": "555"}}),
                       preferences=Preferences())


def posting(job_id: str, title: str, at: datetime) -> JobPosting:
    return JobPosting(event_id=_id("ev"), occurred_at=at, canonical_job_id=job_id, source=BoardSource.GREENHOUSE,
                      board_token="acme", source_job_id="1", title=title, company="Acme",
                      locations=["Berlin", "Remote"], url="https://example.com/1", description_text="Build things.",
                      content_hash="h1")


def discovered(user_id: str, job_id: str) -> JobDiscovered:
    return JobDiscovered(event_id=_id("ev"), user_id=user_id, occurred_at=T0, canonical_job_id=job_id,
                         search_name="python", title="Engineer", company="Acme", match_reasons=["keyword: python"])


def analyzed(user_id: str, job_id: str) -> JobAnalyzed:
    return JobAnalyzed(event_id=_id("ev"), user_id=user_id, occurred_at=T0, canonical_job_id=job_id, score=0.8,
                       matched_skills=["Python"], missing_skills=["Go"], decision=MatchDecision.PROCEED,
                       reasons=["strong overlap"])


def resume(user_id: str, job_id: str) -> ResumeGenerated:
    return ResumeGenerated(event_id=_id("ev"), user_id=user_id, occurred_at=T0, canonical_job_id=job_id,
                           variant_id="v1", template="classic", artifact_uri="file:///tmp/r.pdf", sha256="a" * 64,
                           ats_score=0.9, provenance_summary="3 bullets rephrased")


def test_each_topic_lands_in_its_view(stack: Settings) -> None:
    settings = sink_settings(stack)
    user_id, job_id = _id("user"), _id("job")
    events = [discovered(user_id, job_id), analyzed(user_id, job_id), resume(user_id, job_id)]
    publish(settings, [
        (USER_PROFILES, user_id, profile(user_id, 1, "Ada Lovelace")),
        (JOB_CATALOG, job_id, posting(job_id, "Senior Engineer", T0 + timedelta(hours=1))),
        (JOB_CATALOG, job_id, posting(job_id, "Engineer (stale)", T0)),  # older: latest by occurred_at wins
        (JOB_DISCOVERED, user_id, events[0]),
        (JOB_ANALYZED, user_id, events[1]),
        (RESUME_GENERATED, user_id, events[2]),
    ])

    run_until_idle(settings)

    [user] = fetch(settings, "SELECT * FROM view_users WHERE user_id = $1", user_id)
    assert {**dict(user), "preferences": json.loads(user["preferences"])} == {
        "user_id": user_id, "email": f"{user_id}@example.com", "name": "Ada Lovelace", "profile_version": 1,
        "updated_at": T0, "preferences": Preferences().model_dump(mode="json")}
    [job] = fetch(settings, "SELECT * FROM view_jobs WHERE canonical_job_id = $1", job_id)
    assert (job["title"], job["status"], json.loads(job["locations"])) == ("Senior Engineer", "OPEN",
                                                                           ["Berlin", "Remote"])
    # (by event id: workers of this test session also react to these records and publish their own)
    [discovery] = fetch(settings, "SELECT * FROM view_discoveries WHERE event_id = $1", events[0].event_id)
    assert (discovery["event_id"], json.loads(discovery["reasons"])) == (events[0].event_id, ["keyword: python"])
    [match] = fetch(settings, "SELECT * FROM view_matches WHERE event_id = $1", events[1].event_id)
    assert (match["event_id"], match["score"], match["decision"], json.loads(match["missing_skills"])) == (
        events[1].event_id, 0.8, "PROCEED", ["Go"])
    [resume_row] = fetch(settings, "SELECT * FROM view_resumes WHERE event_id = $1", events[2].event_id)
    assert (resume_row["event_id"], resume_row["sha256"], resume_row["provenance_summary"]) == (
        events[2].event_id, "a" * 64, "3 bullets rephrased")


def test_replaying_the_same_records_keeps_one_row_per_event(stack: Settings) -> None:
    settings = sink_settings(stack)
    user_id, job_id = _id("user"), _id("job")
    records: list[tuple[TopicSpec, str, Message]] = [
        (JOB_DISCOVERED, user_id, discovered(user_id, job_id)),
        (JOB_ANALYZED, user_id, analyzed(user_id, job_id)),
        (RESUME_GENERATED, user_id, resume(user_id, job_id)),
    ]
    publish(settings, records)
    run_until_idle(settings)
    publish(settings, records)  # the same events again, as a producer retry or a replay would
    run_until_idle(settings)
    run_until_idle(sink_settings(stack))  # and a fresh group replaying every topic from the start

    for (_, _, event), table in zip(records, ("view_discoveries", "view_matches", "view_resumes"), strict=True):
        rows = fetch(settings, f"SELECT event_id FROM {table} WHERE event_id = $1", event.event_id)
        assert len(rows) == 1, table


def test_a_profile_only_moves_forward(stack: Settings) -> None:
    settings = sink_settings(stack)
    user_id = _id("user")
    publish(settings, [(USER_PROFILES, user_id, profile(user_id, 2, "Grace Hopper")),
                       (USER_PROFILES, user_id, profile(user_id, 1, "Grace (old)"))])
    run_until_idle(settings)
    assert [tuple(r) for r in fetch(settings, "SELECT name, profile_version FROM view_users WHERE user_id = $1",
                                    user_id)] == [("Grace Hopper", 2)]

    publish(settings, [(USER_PROFILES, user_id, profile(user_id, 3, "Rear Admiral Hopper", T0 + timedelta(1)))])
    run_until_idle(settings)
    assert [tuple(r) for r in fetch(settings, "SELECT name, profile_version FROM view_users WHERE user_id = $1",
                                    user_id)] == [("Rear Admiral Hopper", 3)]


def test_a_commands_outcome_is_its_first_decision_whatever_the_order_and_replays(stack: Settings) -> None:
    # Topics of its own: in the session's namespace the profiles worker other tests start would decide the
    # commands published here (a "waiting" one came out REJECTED in a whole-suite run).
    settings = sink_settings(stack)
    settings = settings.model_copy(update={"topic_prefix": f"{settings.app_id}."})
    run_cli("topics", "apply",
            env={"RESUMEFLOW_APP_ID": settings.app_id, "RESUMEFLOW_TOPIC_PREFIX": settings.topic_prefix})
    user_id, other = _id("user"), _id("user")
    sent = {name: UserCommand(event_id=_id(name), user_id=user_id, occurred_at=T0, kind=UserCommandKind.UPDATE_PROFILE,
                              profile_json="{}") for name in ("refused", "accepted", "waiting")}
    refused = ProfileRejected(
        event_id=_id("ev"), user_id=user_id, occurred_at=T0, command_id=sent["refused"].event_id,
        command_kind=UserCommandKind.UPDATE_PROFILE, reasons=["/basics/email: 'x' is not a 'email'"],
        problems=[CommandProblem(path="/profile/basics/email", message="'x' is not a 'email'")])
    accepted = profile(user_id, 4, "Ada").model_copy(update={"command_id": sent["accepted"].event_id})
    # The decisions first, then the commands themselves (a replay of user.commands), then the decisions again.
    publish(settings, [(PROFILE_REJECTED, user_id, refused), (USER_PROFILES, user_id, accepted),
                       *((USER_COMMANDS, user_id, command) for command in sent.values()),
                       (PROFILE_REJECTED, user_id, refused), (USER_PROFILES, user_id, accepted)])
    run_until_idle(settings)
    # Then another user's record naming the same command id (published after: the other user's key is in
    # another partition, so published together its order against the rest would be the consumer's choice).
    publish(settings, [(USER_COMMANDS, other, sent["refused"].model_copy(update={"user_id": other}))])
    run_until_idle(settings)

    rows = {r["command_id"]: r for r in fetch(settings, "SELECT * FROM view_commands WHERE user_id = $1", user_id)}
    assert {name: (rows[c.event_id]["status"], rows[c.event_id]["kind"]) for name, c in sent.items()} == {
        "refused": ("REJECTED", "UPDATE_PROFILE"), "accepted": ("ACCEPTED", "UPDATE_PROFILE"),
        "waiting": ("PENDING", "UPDATE_PROFILE")}
    refused_row = rows[sent["refused"].event_id]
    assert json.loads(refused_row["problems"]) == [{"path": "/profile/basics/email", "message": "'x' is not a 'email'"}]
    assert json.loads(refused_row["reasons"]) == refused.reasons
    assert rows[sent["accepted"].event_id]["profile_version"] == 4
    assert not fetch(settings, "SELECT 1 FROM view_commands WHERE user_id = $1", other)


def test_a_poison_record_is_dead_lettered_and_later_records_land(stack: Settings,
                                                                  read_topic: Callable[..., list[Any]]) -> None:
    settings = sink_settings(stack)
    user_id, job_id = _id("user"), _id("job")
    poison = f"not avro {uuid.uuid4()}".encode()
    producer = Producer(producer_config(settings))
    producer.produce(JOB_DISCOVERED.for_settings(settings).name, key=user_id.encode(), value=poison)
    assert producer.flush(30) == 0
    later = discovered(user_id, job_id)
    publish(settings, [(JOB_DISCOVERED, user_id, later)])

    run_until_idle(settings)

    rows = fetch(settings, "SELECT event_id FROM view_discoveries WHERE event_id = $1", later.event_id)
    assert [r["event_id"] for r in rows] == [later.event_id]
    # (a running analysis worker of this session dead-letters the same poison record too, as "analysis")
    def the_sinks(messages: list[Any]) -> list[dict[str, Any]]:
        return [m.value() for m in messages if m.value()["value"] == poison and m.value()["processor"] == "sink.views"]

    letters = read_topic(dead_letter_topic(JOB_DISCOVERED).name, avro_key=False, until=lambda ms: bool(the_sinks(ms)))
    [letter] = the_sinks(letters)
    assert (letter["source_topic"], letter["error_type"], letter["processor"], letter["key"]) == (
        JOB_DISCOVERED.for_settings(settings).name, "DecodeError", "sink.views", user_id.encode())


def test_an_application_keeps_its_latest_state_and_its_whole_timeline(stack: Settings) -> None:
    settings = sink_settings(stack)
    user, application = _id("u"), _id("app")
    variant = VariantOption(variant_id="skills_first-v3", template="classic", ats_score=0.82,
                            artifact_uri="file:///a.pdf", sha256="a" * 64)

    def update(status: ApplicationStatus, minute: int, reason: str = "") -> ApplicationUpdated:
        return ApplicationUpdated(event_id=_id("upd"), user_id=user, occurred_at=T0 + timedelta(minutes=minute),
                                  application_id=application, canonical_job_id="greenhouse:acme:1", status=status,
                                  reason=reason, channel="email", variants=[variant],
                                  recommended_variant_id=variant.variant_id)

    submitted = ApplicationSubmitted(event_id=_id("sub"), user_id=user, occurred_at=T0 + timedelta(minutes=5),
                                     application_id=application, canonical_job_id="greenhouse:acme:1",
                                     variant_id=variant.variant_id, channel="email", message_id="<m@resumeflow>")
    answer = ResponseReceived(event_id=_id("resp"), user_id=user, occurred_at=T0 + timedelta(days=3),
                              application_id=application, kind=ResponseKind.INTERVIEW, source=ResponseSource.INBOX,
                              canonical_job_id="greenhouse:acme:1")
    done = WorkflowCompleted(event_id=_id("wf"), user_id=user, occurred_at=T0 + timedelta(days=9),
                             canonical_job_id="greenhouse:acme:1", application_id=application,
                             variant_id=variant.variant_id, outcome=WorkflowOutcome.REJECTED, interviewed=True,
                             responded=True, days_to_response=3)
    late_old = update(ApplicationStatus.WAITING, 2, "over today's cap")  # arrives after the newer states
    publish(settings, [(APPLICATION_UPDATES, user, update(ApplicationStatus.AWAITING_REVIEW, 0)),
                       (APPLICATION_UPDATES, user, update(ApplicationStatus.SUBMITTED, 5)),
                       (APPLICATION_UPDATES, user, late_old), (APPLICATION_SUBMITTED, user, submitted),
                       (RESPONSE_RECEIVED, user, answer), (WORKFLOW_COMPLETED, user, done)])
    counted = REGISTRY.get_sample_value("resumeflow_application_updates_total",
                                        {"channel": "email", "status": "SUBMITTED"}) or 0.0
    run_until_idle(settings)
    assert REGISTRY.get_sample_value("resumeflow_application_updates_total",
                                     {"channel": "email", "status": "SUBMITTED"}) == counted + 1

    [row] = fetch(settings, "SELECT status, recommended_variant_id, variants FROM view_applications "
                            "WHERE application_id = $1", application)
    assert (row["status"], row["recommended_variant_id"]) == ("SUBMITTED", "skills_first-v3")
    assert json.loads(row["variants"])[0]["ats_score"] == 0.82
    timeline = fetch(settings, "SELECT kind, detail FROM view_application_events WHERE application_id = $1 "
                               "ORDER BY occurred_at", application)
    assert [(r["kind"], r["detail"]) for r in timeline] == [("AWAITING_REVIEW", ""), ("WAITING", "over today's cap"),
                                                             ("SUBMITTED", ""), ("INTERVIEW", "")]
    [sent] = fetch(settings, "SELECT channel, message_id FROM view_submissions WHERE application_id = $1", application)
    [outcome] = fetch(settings, "SELECT outcome, interviewed, days_to_response FROM view_outcomes "
                                "WHERE application_id = $1", application)
    assert (sent["channel"], sent["message_id"]) == ("email", "<m@resumeflow>")
    assert tuple(outcome) == ("REJECTED", True, 3)


def test_missing_view_topics_stop_the_sink_at_start_with_what_to_do(stack: Settings) -> None:
    # A namespace nobody applied: subscribed, the sink would wait for its topics forever.
    settings = stack.model_copy(update={"topic_prefix": f"nowhere-{uuid.uuid4().hex[:6]}.",
                                        "app_id": f"nowhere-{uuid.uuid4().hex[:6]}"})
    with pytest.raises(UserError, match=r"topics are missing .*user\.profiles.*run `resumeflow topics apply`"):
        asyncio.run(asyncio.wait_for(run_sink(settings, idle_exit_s=3.0), timeout=60))


def test_text_holding_nul_lands_with_a_replacement_character_and_the_sink_goes_on(stack: Settings) -> None:
    """PostgreSQL's text and jsonb cannot hold NUL (U+0000): a posting or profile carrying one (a board's JSON
    may say "\\u0000") would fail the sink's whole batch, again at every restart. It lands as U+FFFD instead.
    Topics of its own: the session's analysis worker would read the posting too (discovery cleans what boards
    send, in `fit_to_record`; this posting skips discovery)."""
    settings = sink_settings(stack)
    settings = settings.model_copy(update={"topic_prefix": f"{settings.app_id}."})
    run_cli("topics", "apply",
            env={"RESUMEFLOW_APP_ID": settings.app_id, "RESUMEFLOW_TOPIC_PREFIX": settings.topic_prefix})
    user_id, job_id = _id("user"), _id("job")
    event = discovered(user_id, job_id).model_copy(update={"match_reasons": ["keyword: py\x00thon"]})
    publish(settings, [
        (USER_PROFILES, user_id, profile(user_id, 1, "Ada\x00 Lovelace")),
        (JOB_CATALOG, job_id, posting(job_id, "Senior\x00 Engineer", T0)),
        (JOB_DISCOVERED, user_id, event),
    ])

    run_until_idle(settings)

    assert [tuple(r) for r in fetch(settings, "SELECT name FROM view_users WHERE user_id = $1", user_id)] == [
        ("Ada\ufffd Lovelace",)]
    assert [tuple(r) for r in fetch(settings, "SELECT title FROM view_jobs WHERE canonical_job_id = $1", job_id)] == [
        ("Senior\ufffd Engineer",)]
    [row] = fetch(settings, "SELECT reasons FROM view_discoveries WHERE event_id = $1", event.event_id)
    assert json.loads(row["reasons"]) == ["keyword: py\ufffdthon"]
