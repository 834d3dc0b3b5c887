"""Submission on the real stack: review waits for approval, AUTO sends by email, OFF skips, a daily cap waits for
the next UTC day, and kill -9 of the worker mid-batch, again and again, then a replay, never sends twice.

Inputs are published as upstream would (profiles, PROCEED decisions with their posting, rendered variants whose
PDFs are in the artifact store); mail goes through the project's local SMTP server (`adapters/mail_server.py`),
which keeps every accepted message in a Maildir per recipient, so the mails are counted where they arrived.
"""

from __future__ import annotations

import asyncio
import email
import email.utils
import hashlib
import json
import os
import re
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.mail_server import MailServer
from adapters.maildir import messages
from streams.ids import derived_id, user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.local_ports import free_local_port
from streams.messages import (
    JobAnalyzed,
    MatchDecision,
    Message,
    PostingSummary,
    Preferences,
    ResumeGenerated,
    SubmissionMode,
    UserProfile,
    new_event_id,
    utc_now,
)
from streams.settings import Settings
from streams.topics import JOB_ANALYZED, RESUME_GENERATED, USER_PROFILES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]
VARIANTS = ("experience-first", "skills-first", "projects-first")


class Deployment:
    """A namespace of its own (app id, topic prefix, 3 partitions) with a mail server and an artifact store."""

    def __init__(self, stack: Settings, app_id: str, root: Path, **env: str) -> None:
        self.app_id, self.prefix, self.root = app_id, f"{app_id}.", root
        self.maildir, self.artifacts = root / "mail", root / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.smtp_port = free_local_port()
        self.env = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": self.prefix,
                    "RESUMEFLOW_CELL_PARTITIONS": "3", "RESUMEFLOW_WORKER_ID": "sub",
                    "RESUMEFLOW_ARTIFACT_DIR": str(self.artifacts), "RESUMEFLOW_SMTP_HOST": "127.0.0.1",
                    "RESUMEFLOW_SMTP_PORT": str(self.smtp_port), "RESUMEFLOW_SMTP_SECURITY": "none",
                    "RESUMEFLOW_SUBMISSION_MAILBOX_DIR": str(self.maildir),
                    "RESUMEFLOW_SUBMISSION_IN_DOUBT_GRACE_S": "5", "RESUMEFLOW_SUBMISSION_TICK_S": "1",
                    "RESUMEFLOW_SUBMISSION_RETRY_S": "2", **env}
        self.settings = stack.model_copy(update={"topic_prefix": self.prefix, "cell_partitions": 3})
        run_cli("topics", "apply", env=self.env)
        self.publisher = RecordPublisher(self.settings, Serdes(registry_client(self.settings)))
        self.mail = MailServer(self.maildir, port=self.smtp_port).start()

    def worker(self, log: Path, **env: str) -> Worker:
        return Worker(["submission"], {**self.env, **env}, log)

    def publish(self, records: list[tuple[Any, Message]]) -> None:
        for topic, record in records:
            self.publisher.publish(topic, record.user_id, record)  # type: ignore[attr-defined]
        self.publisher.flush()

    def user(self, mode: SubmissionMode, *, daily_cap: int = 10) -> tuple[str, UserProfile]:
        address = f"sub-{uuid.uuid4().hex[:10]}@example.org"
        profile = UserProfile(
            event_id=new_event_id(), user_id=user_id_for_email(address), occurred_at=utc_now(), email=address,
            profile_version=1, profile_json=json.dumps({"basics": {"name": "Ada Park", "email": address}}),
            preferences=Preferences(submission_mode=mode, daily_cap=daily_cap, company_cap=0))
        return address, profile

    def job(self, user_id: str, n: int, source: str = "GREENHOUSE") -> list[tuple[Any, Message]]:
        """A PROCEED decision for job n (its own employer address) and its three rendered variants."""
        job = f"{source.lower()}:employer{n}:{n}"
        posting = PostingSummary(source=source, board_token=f"employer{n}", source_job_id=str(n),
                                 title="Backend Engineer", company=f"Employer {n}", url=f"https://jobs.example/{n}",
                                 apply_email=f"jobs-{n}@employer.example")
        decision = JobAnalyzed(event_id=derived_id("decision", user_id, job), user_id=user_id, occurred_at=utc_now(),
                               canonical_job_id=job, score=0.8, decision=MatchDecision.PROCEED, posting=posting)
        out: list[tuple[Any, Message]] = [(JOB_ANALYZED, decision)]
        letter = self.artifact(user_id, b"%PDF-1.7 cover letter " + job.encode())
        for variant in VARIANTS:
            pdf = self.artifact(user_id, f"%PDF-1.7 {variant} for {user_id} {job}".encode())
            out.append((RESUME_GENERATED, ResumeGenerated(
                event_id=derived_id("resume", user_id, job, variant), user_id=user_id, occurred_at=utc_now(),
                canonical_job_id=job, variant_id=variant, template="classic", artifact_uri=pdf[0], sha256=pdf[1],
                ats_score=0.8, decision_id=decision.event_id, variants_total=len(VARIANTS),
                cover_letter_uri=letter[0], cover_letter_sha256=letter[1])))
        return out

    def artifact(self, user_id: str, data: bytes) -> tuple[str, str]:
        """A PDF in the user's own folder of the store, where generation puts it (submission reads no other)."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.artifacts / user_id / f"{digest}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.as_uri(), digest

    def sent(self) -> Counter[tuple[str, str]]:
        """(applicant, employer address) -> mails the employers' mailboxes received."""
        counts: Counter[tuple[str, str]] = Counter()
        if not self.maildir.exists():
            return counts
        for box in self.maildir.iterdir():
            if not box.name.endswith("@employer.example"):
                continue
            for raw in messages(self.maildir, box.name):
                msg = email.message_from_bytes(raw, policy=default)
                counts[(email.utils.parseaddr(str(msg["From"]))[1], box.name)] += 1
        return counts

    def close(self) -> None:
        self.mail.stop()


@pytest.fixture
def deployment(stack: Settings, test_app_id: str, tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(stack, f"{test_app_id}-sub{uuid.uuid4().hex[:4]}", tmp_path)
    yield d
    d.close()


def updates_of(read_topic: Reader, d: Deployment, application_id: str, until: Callable[[list[dict[str, Any]]], bool],
               timeout_s: float = 90) -> list[dict[str, Any]]:
    def mine(records: list[Any]) -> list[dict[str, Any]]:
        return [r.value() for r in records if r.value()["application_id"] == application_id]

    return mine(read_topic("application.updates", lambda rs: until(mine(rs)), timeout_s=timeout_s, prefix=d.prefix))


def has(status: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda values: any(v["status"] == status for v in values)


def test_review_waits_for_approval_auto_sends_by_email_and_off_skips(deployment: Deployment, read_topic: Reader,
                                                                       tmp_path: Path) -> None:
    d = deployment
    worker = d.worker(tmp_path / "worker.log").start()
    try:
        review_address, review = d.user(SubmissionMode.REVIEW)
        auto_address, auto = d.user(SubmissionMode.AUTO)
        _, off = d.user(SubmissionMode.OFF)
        d.publish([(USER_PROFILES, p) for p in (review, auto, off)]
                  + d.job(review.user_id, 1) + d.job(auto.user_id, 2) + d.job(off.user_id, 3))
        review_app = derived_id("application", review.user_id, "greenhouse:employer1:1")
        auto_app = derived_id("application", auto.user_id, "greenhouse:employer2:2")
        off_app = derived_id("application", off.user_id, "greenhouse:employer3:3")

        assert [v["status"] for v in updates_of(read_topic, d, auto_app, has("SUBMITTED"))] == ["SENDING", "SUBMITTED"]
        assert d.sent()[(auto_address, "jobs-2@employer.example")] == 1
        assert [v["status"] for v in updates_of(read_topic, d, off_app, has("SKIPPED"))] == ["SKIPPED"]

        [waiting] = updates_of(read_topic, d, review_app, has("AWAITING_REVIEW"))
        assert [v["variant_id"] for v in waiting["variants"]] == list(VARIANTS)
        assert waiting["recommended_variant_id"] in VARIANTS
        assert d.sent()[(review_address, "jobs-1@employer.example")] == 0  # nothing before the approval
        run_cli("applications", "approve", review_app, "--email", review_address, "--variant", "projects-first",
                env=d.env)
        statuses = [v["status"] for v in updates_of(read_topic, d, review_app, has("SUBMITTED"))]
        assert statuses == ["AWAITING_REVIEW", "SENDING", "SUBMITTED"]
        [submitted] = [r.value() for r in read_topic(
            "application.submitted", lambda rs: any(r.value()["application_id"] == review_app for r in rs),
            prefix=d.prefix) if r.value()["application_id"] == review_app]
        assert (submitted["channel"], submitted["variant_id"]) == ("email", "projects-first")
        [mail] = messages(d.maildir, "jobs-1@employer.example")
        parsed = email.message_from_bytes(mail, policy=default)
        assert parsed["Message-ID"] == submitted["message_id"]
        attached = {part.get_filename(): part.get_content() for part in parsed.iter_attachments()}
        assert attached["Ada_Park_resume.pdf"].startswith(b"%PDF-1.7 projects-first")
        assert len(messages(d.maildir, review_address)) == 1  # the user's BCC copy
    finally:
        worker.stop()


def test_over_the_daily_cap_an_application_waits_and_goes_on_the_next_utc_day(
        deployment: Deployment, read_topic: Reader, tmp_path: Path) -> None:
    d = deployment
    # The worker's clock (RESUMEFLOW_CLOCK_OFFSET_S) reads 23:59:00 UTC when it starts: the first application goes
    # today, the second waits for midnight, a minute later.
    now = datetime.now(UTC)
    fake_start = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC) - timedelta(seconds=60)
    address, user = d.user(SubmissionMode.AUTO, daily_cap=1)
    d.publish([(USER_PROFILES, user), *d.job(user.user_id, 1), *d.job(user.user_id, 2)])
    started = datetime.now(UTC)
    worker = d.worker(tmp_path / "worker.log",
                      RESUMEFLOW_CLOCK_OFFSET_S=str((fake_start - started).total_seconds())).start()
    try:
        apps = [derived_id("application", user.user_id, f"greenhouse:employer{n}:{n}") for n in (1, 2)]
        first, second = (updates_of(read_topic, d, app, lambda vs: any(v["status"] in ("SUBMITTED", "WAITING")
                                                                        for v in vs)) for app in apps)
        [waiting] = [v for v in first + second if v["status"] == "WAITING"]
        [went] = [v for v in first + second if v["status"] == "SUBMITTED"]
        assert went["occurred_at"].date() == fake_start.date()
        assert waiting["wait_until"] == datetime.combine(fake_start.date() + timedelta(days=1),
                                                         datetime.min.time(), UTC)
        assert "daily cap of 1" in waiting["reason"]
        assert sum(d.sent().values()) == 1
        later = updates_of(read_topic, d, waiting["application_id"], has("SUBMITTED"), timeout_s=120)
        [sent_later] = [v for v in later if v["status"] == "SUBMITTED"]
        assert sent_later["occurred_at"] >= waiting["wait_until"]
        assert d.sent() == Counter({(address, "jobs-1@employer.example"): 1, (address, "jobs-2@employer.example"): 1})
    finally:
        worker.stop()


class ApplyApis:
    """Greenhouse's "Submit an application" and Lever's "Apply to a job posting" on one local aiohttp server (in a
    thread of its own), recording every request; Lever answers its first request 429, as it does over its limit."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.port = free_local_port()
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/v1/boards/{board}/jobs/{job}", self.greenhouse)
        app.router.add_post("/v0/postings/{site}/{posting}", self.lever)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def record(self, request: web.Request, api: str) -> dict[str, Any]:
        form = await request.post()
        seen = {"api": api, "path": dict(request.match_info), "query": dict(request.query),
                "auth": request.headers.get("Authorization"),
                "fields": {k: v for k, v in form.items() if isinstance(v, str)},
                "files": sorted(k for k, v in form.items() if not isinstance(v, str))}
        self.requests.append(seen)
        return seen

    async def greenhouse(self, request: web.Request) -> web.Response:
        await self.record(request, "greenhouse")
        return web.json_response({"success": "Candidate saved successfully"})

    async def lever(self, request: web.Request) -> web.Response:
        await self.record(request, "lever")
        if sum(1 for r in self.requests if r["api"] == "lever") == 1:
            return web.json_response({"ok": False, "error": "Too many requests"}, status=429)
        return web.json_response({"ok": True, "applicationId": "lever-application-1"})

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def test_greenhouse_and_lever_apply_apis_where_the_deployment_holds_the_keys(
        deployment: Deployment, read_topic: Reader, tmp_path: Path) -> None:
    d = deployment
    apis = ApplyApis()
    base = f"http://127.0.0.1:{apis.port}"
    keys = {"RESUMEFLOW_GREENHOUSE_APPLY_KEYS": "employer5=gh-key", "RESUMEFLOW_LEVER_APPLY_KEYS": "employer6=lv-key"}
    worker = d.worker(tmp_path / "worker.log", RESUMEFLOW_GREENHOUSE_URL=base, RESUMEFLOW_LEVER_URL=base, **keys)
    address, user = d.user(SubmissionMode.AUTO)
    d.publish([(USER_PROFILES, user), *d.job(user.user_id, 5), *d.job(user.user_id, 6, source="LEVER")])
    worker.start()
    try:
        greenhouse_app = derived_id("application", user.user_id, "greenhouse:employer5:5")
        lever_app = derived_id("application", user.user_id, "lever:employer6:6")
        assert [v["status"] for v in updates_of(read_topic, d, greenhouse_app, has("SUBMITTED"))] == [
            "SENDING", "SUBMITTED"]
        lever = [v["status"] for v in updates_of(read_topic, d, lever_app, has("SUBMITTED"))]
        assert lever == ["SENDING", "WAITING", "SENDING", "SUBMITTED"]  # the 429, waited out in the cell
        submitted = {r.value()["application_id"]: r.value() for r in read_topic(
            "application.submitted", lambda rs: len(rs) >= 2, prefix=d.prefix)}
    finally:
        worker.stop()
        apis.close()
    assert (submitted[greenhouse_app]["channel"], submitted[lever_app]["channel"]) == ("greenhouse", "lever")
    assert submitted[lever_app]["external_id"] == "lever-application-1"
    [gh] = [r for r in apis.requests if r["api"] == "greenhouse"]
    assert gh["path"] == {"board": "employer5", "job": "5"} and gh["files"] == ["cover_letter", "resume"]
    assert gh["auth"] == "Basic Z2gta2V5Og==" and gh["fields"]["email"] == address  # base64("gh-key:")
    assert [r["query"] for r in apis.requests if r["api"] == "lever"] == [{"key": "lv-key"}] * 2
    assert sum(d.sent().values()) == 0  # no email where an apply API was used


USERS, JOBS_PER_USER = 8, 4
ASKED = re.compile(r"application (\S+): no copy in the mailbox \S+ after its claim: the user is asked")


def test_kill_9_mid_batch_again_and_again_then_a_replay_never_sends_twice(
        deployment: Deployment, read_topic: Reader, tmp_path: Path) -> None:
    """Kill 1 lands after the mail server stored a message and before its 250 (the worker dies between sending
    and confirming: in doubt, reconciled from the BCC copy). Kill 2 lands at the employer's RCPT, between the
    claim and the mail: no copy will ever confirm that claim, so after the grace period the worker asks the user,
    and the test answers as the user would (the employer's mailbox holds nothing from them: confirm-not-sent).
    Kill 3 lands wherever the batch happens to be. (Each restart waits out the dead member's Kafka session, about
    a minute: three kills keep the test near 4 min.)"""
    d = deployment
    users = [d.user(SubmissionMode.AUTO) for _ in range(USERS)]
    inputs: list[tuple[Any, Message]] = [(USER_PROFILES, profile) for _, profile in users]
    for index, (_, profile) in enumerate(users):
        for j in range(JOBS_PER_USER):
            inputs += d.job(profile.user_id, index * JOBS_PER_USER + j)
    expected = {(address, f"jobs-{i * JOBS_PER_USER + j}@employer.example")
                for i, (address, _) in enumerate(users) for j in range(JOBS_PER_USER)}
    applications = {derived_id("application", profile.user_id, f"greenhouse:employer{i * JOBS_PER_USER + j}:"
                                                                f"{i * JOBS_PER_USER + j}"):
                    (address, f"jobs-{i * JOBS_PER_USER + j}@employer.example")
                    for i, (address, profile) in enumerate(users) for j in range(JOBS_PER_USER)}
    confirmed_not_sent: list[str] = []
    log = tmp_path / "worker.log"
    workers: list[Worker] = []
    delivered = 0

    def kill_before_the_250(recipients: list[str]) -> None:
        nonlocal delivered
        delivered += 1
        if delivered == len(expected) // 4 and workers and workers[-1].process is not None:
            os.kill(workers[-1].process.pid, signal.SIGKILL)

    killed_at_rcpt = False

    def kill_before_the_data(address: str) -> None:
        nonlocal killed_at_rcpt
        if (not killed_at_rcpt and delivered >= len(expected) // 2 and address.endswith("@employer.example")
                and workers and workers[-1].process is not None):
            killed_at_rcpt = True
            os.kill(workers[-1].process.pid, signal.SIGKILL)
        return None  # accepted; the dead client never sends the data

    d.mail.handler.after_delivery = kill_before_the_250
    d.mail.handler.refuse = kill_before_the_data
    d.publish(inputs)
    # 4 mails a second at most, so the batch takes a while and each kill lands in the middle of it.
    env = {"RESUMEFLOW_SUBMISSION_EMAIL_PER_S": "4"}
    workers.append(d.worker(log, **env).start())
    try:
        # Kills 1 and 2 come from the mail server's hooks; kill 3 from here, once 3/4 of the mails are in.
        for target in (None, None, 3 * len(expected) // 4):
            deadline = time.monotonic() + 120
            while workers[-1].process.poll() is None:  # type: ignore[union-attr]
                assert time.monotonic() < deadline, workers[-1].log()[-3000:]
                if target is not None and sum(d.sent().values()) >= target:
                    os.kill(workers[-1].process.pid, signal.SIGKILL)  # type: ignore[union-attr]
                time.sleep(0.05)
            workers.append(d.worker(log, **env).start())
        d.publish(inputs)  # the whole input again, as a replay upstream would send it
        deadline = time.monotonic() + 120
        while set(d.sent()) != expected:
            assert time.monotonic() < deadline, (len(d.sent()), len(expected), workers[-1].log()[-3000:])
            for application_id in set(ASKED.findall(log.read_text())) - set(confirmed_not_sent):
                address, employer = applications[application_id]
                # The user looks: nothing from them in that employer's mailbox, so it never went out.
                assert d.sent()[(address, employer)] == 0, (application_id, d.sent())
                run_cli("applications", "confirm-not-sent", application_id, "--email", address, env=d.env)
                confirmed_not_sent.append(application_id)
            time.sleep(0.5)
        submitted = read_topic("application.submitted", lambda rs: len({r.value()["application_id"] for r in rs})
                               >= len(expected), timeout_s=60, prefix=d.prefix)
        time.sleep(3)  # a late duplicate would arrive now
    finally:
        workers[-1].stop()
    counts = d.sent()
    text = log.read_text()
    in_doubt = text.count("unconfirmed claim from an earlier attempt")
    print(f"{len(expected)} applications, 3 kill -9s, a replay: {sum(counts.values())} mails received, "
          f"{len(submitted)} application.submitted records for {len({r.value()['application_id'] for r in submitted})}"
          f" applications; {in_doubt} found in doubt, {text.count('its copy is in the mailbox')} reconciled from "
          f"the copy, {len(confirmed_not_sent)} settled by the user's confirm-not-sent")
    assert set(counts) == expected  # none lost
    assert all(n == 1 for n in counts.values()), [k for k, n in counts.items() if n > 1]  # none twice
    assert in_doubt >= 1  # the first kill left a claim without its confirmation
    assert text.count("its copy is in the mailbox") >= 1  # kill 1's mail, settled by its copy, not by the user
    # Kill 2's claim, and kill 3's if it too landed between a claim and its mail (one record at a time per worker:
    # at most one claim per kill).
    assert 1 <= len(confirmed_not_sent) <= 2, confirmed_not_sent
    # Redelivered outputs repeat their ids: one distinct ApplicationSubmitted per application.
    assert len({r.value()["event_id"] for r in submitted}) == len(expected)


def test_a_dry_run_records_an_auto_application_once_and_says_so_on_application_submitted(
        deployment: Deployment, read_topic: Reader, stack: Settings, tmp_path: Path) -> None:
    """RESUMEFLOW_SUBMISSION_DRY_RUN: the claim and the events are real, the mail is not sent but recorded."""
    d = deployment
    worker = d.worker(tmp_path / "worker.log", RESUMEFLOW_SUBMISSION_DRY_RUN="1").start()
    try:
        _, auto = d.user(SubmissionMode.AUTO)
        d.publish([(USER_PROFILES, auto), *d.job(auto.user_id, 7)])
        app = derived_id("application", auto.user_id, "greenhouse:employer7:7")
        statuses = [v["status"] for v in updates_of(read_topic, d, app, has("SUBMITTED"))]
        assert statuses == ["SENDING", "SUBMITTED"]
        [submitted] = [r.value() for r in read_topic(
            "application.submitted", lambda rs: any(r.value()["application_id"] == app for r in rs),
            prefix=d.prefix) if r.value()["application_id"] == app]
        assert submitted["dry_run"] is True and submitted["channel"] == "email"
        # A replay of the same inputs (an upstream redelivery) sends nothing more: the ledger holds the claim.
        d.publish(d.job(auto.user_id, 7))
        time.sleep(5)
    finally:
        worker.stop()
    assert d.sent() == Counter()  # nothing reached the mail server
    recorded = (stack.home / "dry-run" / "sub.jsonl").read_text().splitlines()
    lines = [r for r in map(json.loads, recorded) if r["application_id"] == app]
    assert [(r["to"], r["channel"], r["user_id"]) for r in lines] == [
        ("jobs-7@employer.example", "email", auto.user_id)]
    assert lines[0]["resume_sha256"] == submitted["resume_sha256"] and lines[0]["resume_bytes"] > 0
