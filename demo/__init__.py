"""`resumeflow demo`: the pipeline end to end on the sample people in this folder, on the running stack.

It serves the sample job boards (`boards/`, Greenhouse/Lever/Ashby-shaped) from a local board server, puts
the sample import file where FILE boards are read, starts a local SMTP server (`resumeflow mail serve`: every
mail lands in a Maildir per recipient) and one worker for every processor, publishes each sample person the way
`resumeflow user create` does, and reports what each stage produced. Then the whole loop: the AUTO user's
applications go out (by email where the posting names an address, else as a manual packet, one of which the
demo marks applied), the REVIEW user's wait in the queue (the demo approves one, as the user would), employers'
replies arrive by SMTP in the AUTO user's mailbox, `resumeflow inbox read` turns them into outcomes, and the
learner's table is printed. The worker and the servers are stopped at the end; the stack keeps the data.
"""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from importlib import resources
from pathlib import Path

from streams.errors import UserError
from streams.ids import derived_id, user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes
from streams.local_ports import free_local_port
from streams.messages import Preferences, UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topic_reader import Record, read_topic
from streams.topics import (
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    JOB_ANALYSIS,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    LEARNING_UPDATED,
    PROFILE_REJECTED,
    RESPONSE_RECEIVED,
    RESUME_GENERATED,
    SOURCE_FAILED,
    USER_COMMANDS,
    USER_PROFILES,
    WORKFLOW_COMPLETED,
)

READY_TIMEOUT_S = 120.0
ANSWER_TIMEOUT_S = 90.0
SINK_CATCH_UP_S = 3.0  # the sink writes a batch at least every second


@dataclass(frozen=True)
class SamplePerson:
    email: str
    profile: str
    prefs: str | None


SAMPLES = (
    SamplePerson("ada.park@example.org", "ada.profile.json", "ada.prefs.json"),
    SamplePerson("sam.okafor@example.net", "sam.profile.json", "sam.prefs.json"),
    SamplePerson("broken@example.com", "broken.profile.json", None),
)


def _demo_path(*parts: str) -> Path:
    return Path(str(resources.files("demo").joinpath(*parts)))


def _start(argv: list[str], log_path: Path, env: dict[str, str], ready: Callable[[], bool]) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, **env})
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready():
        if process.poll() is not None:
            raise UserError(f"{' '.join(argv[2:4])} exited with {process.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            process.terminate()
            raise UserError(f"{' '.join(argv[2:4])} was not ready after {READY_TIMEOUT_S:.0f}s; see {log_path}")
        time.sleep(0.5)
    return process


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def publish_samples(settings: Settings, serdes: Serdes, known_users: set[str]) -> dict[str, UserCommand]:
    """Register each sample person; one already registered by an earlier demo run gets a profile update."""
    publisher = RecordPublisher(settings, serdes)
    commands = {}
    for person in SAMPLES:
        user_id = user_id_for_email(person.email)
        prefs = Preferences.model_validate_json(_demo_path(person.prefs).read_text()) if person.prefs else None
        kind = UserCommandKind.UPDATE_PROFILE if user_id in known_users else UserCommandKind.REGISTER_USER
        command = UserCommand(
            event_id=new_event_id(), user_id=user_id, occurred_at=utc_now(), kind=kind, email=person.email,
            profile_json=_demo_path(person.profile).read_text(), preferences=prefs,
        )
        publisher.publish(USER_COMMANDS, user_id, command)
        commands[person.email] = command
    publisher.flush()
    return commands


def _answer(command: UserCommand, profiles: list[Record], rejections: list[Record], version_before: int
            ) -> Record | None:
    for record in reversed(rejections):
        if record.value["command_id"] == command.event_id:
            return record
    for record in reversed(profiles):
        if record.key == command.user_id and record.value["profile_version"] > version_before:
            return record
    return None


def _wait(check: Callable[[], bool], timeout_s: float = ANSWER_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check() and time.monotonic() < deadline:
        time.sleep(1)


def run(settings: Settings, serdes: Serdes) -> list[str]:
    """Run the demo; returns the report lines."""
    versions_before: dict[str, int] = {}
    for record in read_topic(settings, serdes, USER_PROFILES, timeout_s=5):
        versions_before[record.key] = max(versions_before.get(record.key, 0), record.value["profile_version"])
    settings.import_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_demo_path("imports", "community-jobs.jsonl"), settings.import_dir / "community-jobs.jsonl")

    logs = settings.home / "demo"
    port = free_local_port()
    base = f"http://127.0.0.1:{port}"
    mail_root, mail_port = logs / "mail", free_local_port()
    worker_env = {
        "RESUMEFLOW_WORKER_ID": "demo", "RESUMEFLOW_GREENHOUSE_URL": base, "RESUMEFLOW_LEVER_URL": base,
        "RESUMEFLOW_ASHBY_URL": base, "RESUMEFLOW_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "RESUMEFLOW_DISCOVERY_TICK_S": "1", "RESUMEFLOW_SUBMISSION_TICK_S": "1",
        # The local mail server: plain SMTP on 127.0.0.1, each user's BCC copy kept where reconciliation looks.
        "RESUMEFLOW_SMTP_HOST": "127.0.0.1", "RESUMEFLOW_SMTP_PORT": str(mail_port),
        "RESUMEFLOW_SMTP_SECURITY": "none", "RESUMEFLOW_SUBMISSION_MAILBOX_DIR": str(mail_root),
    }
    worker_log, sink_log = logs / "worker.log", logs / "sink.log"
    servers: list[subprocess.Popen[bytes]] = []
    worker = None
    loop: list[str] = []
    try:
        servers.append(_start([sys.executable, "-m", "demo.board_server", "--dir", str(_demo_path("boards")),
                               "--port", str(port)], logs / "board-server.log", {}, lambda: _port_open(port)))
        servers.append(_start([sys.executable, "-m", "cli.main", "mail", "serve", "--maildir", str(mail_root),
                               "--port", str(mail_port)], logs / "mail-server.log", {}, lambda: _port_open(mail_port)))
        # The sink keeps the views the web client, the API and `resumeflow applications list|show` read.
        servers.append(_start([sys.executable, "-m", "cli.main", "sink"], sink_log, {},
                              lambda: "keeping" in sink_log.read_text(errors="replace")))
        worker = _start([sys.executable, "-m", "cli.main", "worker", "all"], worker_log, worker_env,
                        lambda: "processors ready" in worker_log.read_text(errors="replace"))
        commands = publish_samples(settings, serdes, set(versions_before))

        state: dict[str, list[Record]] = {}

        def answered() -> bool:
            state["profiles"] = read_topic(settings, serdes, USER_PROFILES, timeout_s=5)
            state["rejections"] = read_topic(settings, serdes, PROFILE_REJECTED, timeout_s=5)
            return all(_answer(c, state["profiles"], state["rejections"], versions_before.get(c.user_id, 0))
                       for c in commands.values())

        _wait(answered)
        answers = {email: _answer(c, state["profiles"], state["rejections"], versions_before.get(c.user_id, 0))
                   for email, c in commands.items()}
        profiles_topic = USER_PROFILES.for_settings(settings).name
        accepted = {a.key for a in answers.values() if a is not None and a.topic == profiles_topic}

        def discovered() -> bool:
            state["discovered"] = read_topic(settings, serdes, JOB_DISCOVERED, timeout_s=5)
            return accepted <= {r.key for r in state["discovered"]}

        _wait(discovered)
        time.sleep(3)  # let the last boards' postings land
        catalog = read_topic(settings, serdes, JOB_CATALOG, timeout_s=5)
        errors = read_topic(settings, serdes, SOURCE_FAILED, timeout_s=3)
        discovered()
        wanted = {(r.key, r.value["canonical_job_id"]) for r in state["discovered"] if r.key in accepted}

        def analyzed() -> bool:
            state["analyzed"] = read_topic(settings, serdes, JOB_ANALYZED, timeout_s=5)
            return wanted <= {(r.key, r.value["canonical_job_id"]) for r in state["analyzed"]}

        _wait(analyzed, timeout_s=180)
        analyses = read_topic(settings, serdes, JOB_ANALYSIS, timeout_s=5)
        proceed = {(r.key, r.value["canonical_job_id"]) for r in state["analyzed"]
                   if (r.key, r.value["canonical_job_id"]) in wanted and r.value["decision"] == "PROCEED"}

        def rendered() -> bool:
            state["generated"] = read_topic(settings, serdes, RESUME_GENERATED, timeout_s=5)
            return proceed <= {(r.key, r.value["canonical_job_id"]) for r in state["generated"]}

        _wait(rendered, timeout_s=180)
        people = {email: a.key for email, a in answers.items() if a is not None and a.key in accepted}
        loop = _the_loop(settings, serdes, people, proceed, state["analyzed"], mail_root, mail_port)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        if len(servers) == 3:
            time.sleep(SINK_CATCH_UP_S)
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return [*_report(answers, catalog, state["discovered"], errors, accepted),
            *_analysis_report(answers, analyses, state["analyzed"], accepted),
            *_generation_report(answers, state["generated"], accepted), *loop, f"Worker log: {worker_log}"]


# --- submission, outcomes, learning ----------------------------------------------------------------------------

SETTLED = {"AWAITING_REVIEW", "AWAITING_MANUAL", "SUBMITTED", "WAITING", "FAILED", "SKIPPED", "DECLINED",
           "WITHDRAWN", "IN_DOUBT"}


def _latest(records: list[Record]) -> dict[str, dict[str, object]]:
    """Each application's latest update (a topic is in order per user, and a user's records are in one partition)."""
    return {r.value["application_id"]: {**r.value, "user_id": r.key} for r in records}


def _cli(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=120,
                            env=os.environ.copy())
    if result.returncode != 0:
        raise UserError(f"resumeflow {' '.join(args[:2])} exited {result.returncode}: {result.stderr[-2000:]}")
    return result.stdout


def _received(maildir: Path, message_id: str) -> bool:
    """Whether the Maildir holds a mail with this Message-ID (a demo run before sent it)."""
    if not (maildir / "new").is_dir() and not (maildir / "cur").is_dir():
        return False
    folder = mailbox.Maildir(maildir, create=False)
    return any(message.get("Message-ID", "").strip() == message_id for message in folder)


def _reply(mail_port: int, to: str, *, sender: str, subject: str, body: str, in_reply_to: str | None,
           message_id: str) -> None:
    """An employer's answer, sent to the local mail server like any mail (it lands in `to`'s Maildir)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"], message["Message-ID"] = formatdate(usegmt=True), message_id
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", mail_port, timeout=30) as smtp:
        smtp.send_message(message)


REPLIES = (  # (what the employer answers, the body): one interview, one rejection, in the order applied
    ("Interview invitation", "Thank you for your application. We would like to invite you to an interview next "
                             "week; please reply with two times that suit you."),
    ("Your application", "Thank you for your interest. Unfortunately we have decided not to move forward with your "
                         "application at this time."),
)


def _the_loop(settings: Settings, serdes: Serdes, people: dict[str, str], proceed: set[tuple[str, str]],
              analyzed: list[Record], mail_root: Path, mail_port: int) -> list[str]:
    """Applications, replies, outcomes and what the learner made of them; returns the report lines."""
    same_as = {(r.key, r.value["canonical_job_id"]): r.value["duplicate_of"] or r.value["canonical_job_id"]
               for r in analyzed}
    wanted = {(user, same_as.get((user, job), job)) for user, job in proceed}
    state: dict[str, dict[str, dict[str, object]]] = {}

    def applications_settled() -> bool:
        state["apps"] = _latest(read_topic(settings, serdes, APPLICATION_UPDATES, timeout_s=5))
        have = {(str(a["user_id"]), str(a["canonical_job_id"])) for a in state["apps"].values()
                if a["status"] in SETTLED}
        return wanted <= have

    _wait(applications_settled, timeout_s=180)
    by_email = {email: [a for a in state["apps"].values() if a["user_id"] == user] for email, user in people.items()}
    acted: list[str] = []
    waiting_on: dict[str, str] = {}  # application id -> the status the user's action moves it out of
    for email, apps in by_email.items():
        # The REVIEW user approves the best match in the queue (the learner's pick), as in the web client.
        queue = sorted((a for a in apps if a["status"] == "AWAITING_REVIEW"), key=lambda a: -float(a["score"] or 0))
        if queue:
            _cli("applications", "approve", str(queue[0]["application_id"]), "--email", email)
            acted.append(f"  {email} approved {queue[0]['application_id']} in the review queue")
            waiting_on[str(queue[0]["application_id"])] = "AWAITING_REVIEW"
            continue
        # The AUTO user applied by hand with one manual packet, and says so.
        manual = [a for a in apps if a["status"] == "AWAITING_MANUAL"]
        if manual:
            _cli("applications", "mark-applied", str(manual[0]["application_id"]), "--email", email)
            acted.append(f"  {email} applied by hand with the packet of {manual[0]['application_id']} and marked it")
            waiting_on[str(manual[0]["application_id"])] = "AWAITING_MANUAL"

    def decided() -> bool:
        applications_settled()
        return all(state["apps"][app]["status"] != status for app, status in waiting_on.items())

    _wait(decided, timeout_s=120)

    # Employers answer the AUTO user's sent applications (replies to the mail, or naming company and title).
    submitted = {r.value["application_id"]: r.value for r in read_topic(settings, serdes, APPLICATION_SUBMITTED,
                                                                         timeout_s=5)}
    replied: list[str] = []
    for email, user in people.items():
        sent = sorted((s for s in submitted.values() if s["user_id"] == user), key=lambda s: s["application_id"])
        for (subject, body), application in zip(REPLIES, sent, strict=False):
            posting = application.get("posting") or {}
            company = str(posting.get("company") or "the company")
            domain = "".join(ch for ch in company.lower() if ch.isalnum()) or "employer"
            message_id = f"<{derived_id('demo-reply', application['application_id'])}@{domain}.example>"
            if not _received(mail_root / email, message_id):  # the employer answers once, however many demo runs
                _reply(mail_port, email, sender=f"{company} Recruiting <talent@{domain}.example>",
                       subject=f"{subject}: {posting.get('title', '')} at {company}", body=body,
                       in_reply_to=application.get("message_id"), message_id=message_id)
            replied.append(f"  {company} answered {email}: {subject.lower()} ({application['channel']})")
    if replied:
        for email in people:
            inbox = mail_root / email
            if (inbox / "new").is_dir() or (inbox / "cur").is_dir():
                _cli("inbox", "read", "--maildir", str(inbox), "--email", email)
    expected = len(replied)

    def answered() -> bool:
        state["responses"] = {r.value["event_id"]: r.value for r in read_topic(settings, serdes, RESPONSE_RECEIVED,
                                                                                timeout_s=5)
                              if r.key in people.values() and r.value["source"] == "INBOX"}
        return len(state["responses"]) >= expected

    _wait(answered, timeout_s=120)
    completed = [r.value for r in read_topic(settings, serdes, WORKFLOW_COMPLETED, timeout_s=5)
                 if r.key in people.values()]

    def learned() -> bool:
        state["learning"] = {r.key: r.value for r in read_topic(settings, serdes, LEARNING_UPDATED, timeout_s=5)}
        return not completed or {c["user_id"] for c in completed} <= set(state["learning"])

    _wait(learned, timeout_s=90)
    applications_settled()
    return _loop_report(people, state, acted, replied, completed, mail_root)


def _loop_report(people: dict[str, str], state: dict[str, dict[str, dict[str, object]]], acted: list[str],
                 replied: list[str], completed: list[dict[str, object]], mail_root: Path) -> list[str]:
    lines = ["Stage 5, submission: job.analyzed + resume.generated + application.commands + learning.updated -> "
             "`submission` -> application.updates, application.submitted (a ledger claim before every send)"]
    for email, user in people.items():
        apps = sorted((a for a in state["apps"].values() if a["user_id"] == user), key=lambda a: str(a["status"]))
        lines.append(f"  {email}: {len(apps)} applications")
        for app in apps:
            posting = app.get("posting") or {}
            via = f" via {app['channel']}" if app.get("channel") else ""
            variant = app.get("variant_id") or app.get("recommended_variant_id") or ""
            lines.append(f"    {app['status']!s:16} {posting.get('title', '')} at {posting.get('company', '')}"
                         f"{via}  variant {variant}")
            if app.get("reason"):
                lines.append(f"{'':21}{app['reason']}")
    lines += acted
    mailboxes = sorted(p for p in mail_root.iterdir() if p.is_dir()) if mail_root.is_dir() else []
    lines.append(f"  mails the local SMTP server received, a Maildir per recipient under {mail_root}:")
    for folder in mailboxes:
        count = sum(1 for sub in ("new", "cur") if (folder / sub).is_dir() for _ in (folder / sub).iterdir())
        lines.append(f"    {folder.name}: {count}")
    lines.append("Stage 6, outcomes: replies in the mailbox -> `resumeflow inbox read` -> outcome.reports -> "
                 "`outcomes` -> response.received, workflow.completed")
    lines += replied
    for response in state.get("responses", {}).values():
        lines.append(f"    {response['kind']:12} {response['application_id']}  linked by {response['linked_by']}, "
                     f"classified by {response['classified_by']}")
    for done in completed:
        lines.append(f"    completed {done['application_id']}: {done['outcome']} (variant {done['variant_id']}, "
                     f"ATS band {done['ats_score_band']}, board {done['board']})")
    lines.append("Stage 7, learning: workflow.completed -> `learning` -> learning.updated (feeds the variant choice)")
    for email, user in people.items():
        update = state.get("learning", {}).get(user)
        if update is None:
            continue
        for segment in update["segments"]:  # type: ignore[index]
            arms = ", ".join(f"{a['variant_id']} Beta({a['alpha']:.0f},{a['beta']:.0f})" for a in segment["arms"])
            lines.append(f"  {email} [{segment['segment']}]: {arms}")
    for email, user in people.items():
        if any(done["user_id"] == user for done in completed):
            lines.append(f"  the learner's table for {email} (`resumeflow learning report --email {email}`):")
            lines += ["    " + line for line in _cli("learning", "report", "--email", email, "--timeout", "5")
                      .splitlines()]
    return lines


def _report(answers: dict[str, Record | None], catalog: list[Record], discovered: list[Record],
            errors: list[Record], accepted: set[str]) -> list[str]:
    lines = ["Stage 1, profiles: user.commands -> `profiles` -> user.profiles | profile.rejected"]
    for email, answer in answers.items():
        if answer is None:
            lines.append(f"  NO ANSWER {email} within the timeout")
        elif answer.topic.endswith(PROFILE_REJECTED.name):
            lines.append(f"  REFUSED   {email}  (cell {answer.partition}):")
            lines += [f"              - {reason}" for reason in answer.value["reasons"]]
        else:
            value = answer.value
            name = json.loads(value["profile_json"])["basics"]["name"]
            searches = ", ".join(s["name"] for s in value["preferences"]["saved_searches"]) or "none"
            lines.append(f"  ACCEPTED  {email}  {name!r}  user {answer.key}  cell {answer.partition}  "
                         f"profile v{value['profile_version']}  saved searches: {searches}")

    latest = {r.key: r.value for r in catalog}  # compacted topic: the last record per job is its state
    per_source = Counter(v["source"] for v in latest.values() if v["status"] == "OPEN")
    closed = sum(1 for v in latest.values() if v["status"] == "CLOSED")
    lines.append("Stage 2, discovery: user.profiles -> `discovery` (polls each followed board once) -> "
                 "job.catalog, job.discovered")
    lines.append("  catalog, open postings per source: "
                 + ", ".join(f"{source.lower()} {n}" for source, n in sorted(per_source.items()))
                 + f"; closed {closed}")
    by_user: dict[str, dict[str, Record]] = defaultdict(dict)
    for record in discovered:
        if record.key in accepted:
            by_user[record.key][record.value["canonical_job_id"]] = record
    for email, answer in answers.items():
        if answer is None or answer.key not in accepted:
            continue
        found = by_user.get(answer.key, {})
        lines.append(f"  {email}: {len(found)} matching postings")
        for record in found.values():
            value = record.value
            lines.append(f"    - {value['title']} at {value['company']}  [{value['canonical_job_id']}]")
            lines.append(f"      why: {'; '.join(value['match_reasons'])}")
    followed = {f"{b['source'].lower()}:{b['token']}" for a in answers.values() if a is not None
                and a.key in accepted for s in a.value["preferences"]["saved_searches"] for b in s["boards"]}
    failing = {r.key: r.value for r in errors if r.key in followed}  # others' boards are not this demo's
    for key, value in failing.items():
        lines.append(f"  board {key} failed ({value['error_kind']}): {value['error']}")
    return lines


def _analysis_report(answers: dict[str, Record | None], analyses: list[Record], analyzed: list[Record],
                     accepted: set[str]) -> list[str]:
    latest = {r.key: r.value for r in analyses}
    duplicates = {k: v["duplicate_of"] for k, v in latest.items() if v["duplicate_of"]}
    by = Counter(str(v["extractor"]).split(":")[0] for v in latest.values())  # "llm:<model>", "model:<name>", ...
    extractors = {"llm": "by an LLM", "model": "by the skill-span model", "deterministic": "by the vocabulary"}
    lines = ["Stage 3, analysis: job.catalog -> `analysis` (once per posting) -> job.analysis; "
             "job.discovered -> `analysis` (per user) -> job.analyzed",
             f"  postings analyzed: {len(latest)} ("
             + ", ".join(f"{n} {extractors.get(kind, kind)}" for kind, n in sorted(by.items())) + "); "
             f"duplicates collapsed: {len(duplicates)}"]
    lines += [f"    {job} is the same job as {original}" for job, original in duplicates.items()]
    by_user: dict[str, dict[str, dict[str, object]]] = defaultdict(dict)
    for record in analyzed:
        if record.key in accepted:
            by_user[record.key][record.value["canonical_job_id"]] = record.value
    for email, answer in answers.items():
        if answer is None or answer.key not in accepted:
            continue
        lines.append(f"  {email}:")
        for job, value in sorted(by_user.get(answer.key, {}).items(), key=lambda kv: -float(kv[1]["score"])):
            missing = ", ".join(value["missing_skills"]) or "none"  # type: ignore[arg-type]
            lines.append(f"    {value['decision']:8} {float(value['score']):.2f}  {job}  missing: {missing}")
            lines.append(f"             {'; '.join(value['reasons'])}")  # type: ignore[arg-type]
    return lines


def _generation_report(answers: dict[str, Record | None], generated: list[Record], accepted: set[str]) -> list[str]:
    lines = ["Stage 4, generation: job.analyzed (PROCEED) -> `generation` -> resume.generated "
             "(3 verified variants per job, stored by content hash)"]
    by_user: dict[str, dict[tuple[str, str], dict[str, object]]] = defaultdict(dict)
    for record in generated:
        if record.key in accepted:
            by_user[record.key][(record.value["canonical_job_id"], record.value["variant_id"])] = record.value
    for email, answer in answers.items():
        if answer is None or answer.key not in accepted:
            continue
        lines.append(f"  {email}:")
        for (job, variant), value in sorted(by_user.get(answer.key, {}).items()):
            lines.append(f"    {job}  {variant:20} {value['template']:8} ATS {float(value['ats_score']):.2f}  "
                         f"{value['artifact_uri']}")
    return lines
