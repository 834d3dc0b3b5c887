"""`resumeflow demo`: the pipeline end to end on the sample people in this folder, on the running stack.

It serves the sample job boards (`boards/`, Greenhouse/Lever/Ashby-shaped) from a local board server, puts
the sample import file where FILE boards are read, starts one worker for every processor, publishes each
sample person the way `resumeflow user create` does, and reports what each stage produced. The worker and the
board server are stopped at the end; the stack keeps the data.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from streams.errors import UserError
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes
from streams.messages import Preferences, UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topic_reader import Record, read_topic
from streams.topics import (
    JOB_ANALYSIS,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    PROFILE_REJECTED,
    RESUME_GENERATED,
    SOURCE_FAILED,
    USER_COMMANDS,
    USER_PROFILES,
)

READY_TIMEOUT_S = 120.0
ANSWER_TIMEOUT_S = 90.0


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    port = _free_port()
    boards = _start([sys.executable, "-m", "demo.board_server", "--dir", str(_demo_path("boards")),
                     "--port", str(port)], logs / "board-server.log", {}, lambda: _port_open(port))
    base = f"http://127.0.0.1:{port}"
    worker_env = {
        "RESUMEFLOW_WORKER_ID": "demo", "RESUMEFLOW_GREENHOUSE_URL": base, "RESUMEFLOW_LEVER_URL": base,
        "RESUMEFLOW_ASHBY_URL": base, "RESUMEFLOW_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "RESUMEFLOW_DISCOVERY_TICK_S": "1",
    }
    worker_log = logs / "worker.log"
    worker = None
    try:
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
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        boards.terminate()
        boards.wait(timeout=10)
    return [*_report(answers, catalog, state["discovered"], errors, accepted),
            *_analysis_report(answers, analyses, state["analyzed"], accepted),
            *_generation_report(answers, state["generated"], accepted), f"Worker log: {worker_log}"]


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
    by_llm = sum(1 for v in latest.values() if v["extractor"] != "deterministic")
    lines = ["Stage 3, analysis: job.catalog -> `analysis` (once per posting) -> job.analysis; "
             "job.discovered -> `analysis` (per user) -> job.analyzed",
             f"  postings analyzed: {len(latest)} ({by_llm} by an LLM, the rest by the deterministic extractor); "
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
