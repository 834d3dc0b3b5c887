"""`resumeflow demo`: the pipeline end to end on the sample people in this folder, on the running stack.

It starts a worker for every processor, publishes each sample person through the same path as
`resumeflow user create`, waits for the processors' answers and reports them, then stops the worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from processors.profiles.step import user_id_for_email
from streams.errors import UserError
from streams.kafka_clients import RecordPublisher, Serdes
from streams.messages import Preferences, UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topic_reader import Record, read_topic
from streams.topics import PROFILE_REJECTED, USER_COMMANDS, USER_PROFILES

WORKER_READY_TIMEOUT_S = 120.0


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


def _sample_file(name: str) -> str:
    return (resources.files("deploy") / "demo" / name).read_text()


def start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """A real `resumeflow worker all`, returned once Faust reports it ready."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker", "all"], stdout=log_file, stderr=subprocess.STDOUT,
            env={**os.environ, "RESUMEFLOW_WORKER_ID": "demo"},
        )
    deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if "Worker ready" in text:
            return worker
        if worker.poll() is not None:
            raise UserError(f"the worker exited with {worker.returncode}; see {log_path}")
        time.sleep(0.5)
    worker.terminate()
    raise UserError(f"the worker was not ready after {WORKER_READY_TIMEOUT_S:.0f}s; see {log_path}")


def publish_samples(settings: Settings, serdes: Serdes, known_users: set[str]) -> dict[str, UserCommand]:
    """Register each sample person; one already registered by an earlier demo run gets a profile update."""
    publisher = RecordPublisher(settings, serdes)
    commands = {}
    for person in SAMPLES:
        user_id = user_id_for_email(person.email)
        prefs = Preferences.model_validate_json(_sample_file(person.prefs)) if person.prefs else None
        kind = UserCommandKind.UPDATE_PROFILE if user_id in known_users else UserCommandKind.REGISTER_USER
        command = UserCommand(
            event_id=new_event_id(), user_id=user_id, occurred_at=utc_now(), kind=kind, email=person.email,
            profile_json=_sample_file(person.profile), preferences=prefs,
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


def run(settings: Settings, serdes: Serdes) -> list[str]:
    """Run the demo; returns the report lines."""
    versions_before: dict[str, int] = {}
    for record in read_topic(settings, serdes, USER_PROFILES, timeout_s=5):
        versions_before[record.key] = max(versions_before.get(record.key, 0), record.value["profile_version"])
    log_path = settings.home / "demo" / "worker.log"
    worker = start_worker(settings, log_path)
    try:
        commands = publish_samples(settings, serdes, set(versions_before))
        deadline = time.monotonic() + 90
        while True:
            profiles = read_topic(settings, serdes, USER_PROFILES, timeout_s=5)
            rejections = read_topic(settings, serdes, PROFILE_REJECTED, timeout_s=5)
            answers = {email: _answer(c, profiles, rejections, versions_before.get(c.user_id, 0))
                       for email, c in commands.items()}
            if all(answers.values()) or time.monotonic() > deadline:
                break
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    lines = ["Stage 1, profiles: user.commands -> processor `profiles` -> user.profiles | profile.rejected"]
    for email, answer in answers.items():
        if answer is None:
            lines.append(f"  NO ANSWER {email} within the timeout; see {log_path}")
        elif answer.topic == PROFILE_REJECTED.name:
            lines.append(f"  REFUSED   {email}  (cell {answer.partition}):")
            lines += [f"              - {reason}" for reason in answer.value["reasons"]]
        else:
            value = answer.value
            name = json.loads(value["profile_json"])["basics"]["name"]
            searches = ", ".join(s["name"] for s in value["preferences"]["saved_searches"]) or "none"
            lines.append(f"  ACCEPTED  {email}  {name!r}  user {answer.key}  cell {answer.partition}  "
                         f"profile v{value['profile_version']}  saved searches: {searches}")
    lines.append(f"Worker log: {log_path}")
    return lines
