"""Checks a master profile (JSON Resume) and preferences; returns every problem, worded for the user.

Pure, and shared rather than the profiles processor's own: the processor decides a command with it, and the query
API's instant check (`POST /api/profile/validate`) answers with the very same problems before anything is sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

from streams import bounded_json
from streams.ids import normalize_email
from streams.messages import BOARD_NAME, BoardSource, CommandProblem, Preferences
from streams.messages.users import MAX_PROFILE_BYTES
from textkit.jsonresume import calendar_problems, upgrade_legacy_names

MAX_REASONS = 20
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@cache
def _resume_validator() -> Draft7Validator:
    schema = json.loads((resources.files("schemas") / "jsonresume" / "schema.json").read_text())
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def email_problems(email: str | None) -> list[str]:
    if not email:
        return ["an email address is required"]
    if not EMAIL.match(normalize_email(email)):
        return [f"email {email!r} is not an email address"]
    return []


def _message(error: Any) -> str:
    # The schema's date pattern is unreadable to a person; say what it means.
    if error.validator == "pattern" and "[1-2][0-9]{3}" in str(error.validator_value):
        return f"{error.instance!r} is not a date like 2024, 2024-06 or 2024-06-29"
    return str(error.message)


def _path(error_path: Any) -> str:
    return "/" + "/".join(str(part) for part in error_path) if error_path else "(document)"


def profile_problems(profile_json: str | None) -> list[str]:
    """Why `profile_json` is not an acceptable master profile; empty when it is."""
    return check_profile(profile_json).problems


@dataclass(frozen=True)
class ProfileCheck:
    """What the profiles processor makes of a profile: the problems that refuse it, or the document to publish
    (`profile_json`, with the field names of JSON Resume before 1.0 mapped) and the notes telling the user what
    was mapped."""

    problems: list[str]
    notes: list[str] = field(default_factory=list)
    profile_json: str | None = None


def check_profile(profile_json: str | None) -> ProfileCheck:
    if profile_json is None:
        return ProfileCheck(["a profile (JSON Resume document) is required"])
    if len(profile_json.encode(errors="surrogatepass")) > MAX_PROFILE_BYTES:
        return ProfileCheck([f"the profile is larger than {MAX_PROFILE_BYTES // 1024} KiB"])
    try:
        document = bounded_json.loads(profile_json, max_bytes=MAX_PROFILE_BYTES)
    except bounded_json.JsonRefused as exc:
        return ProfileCheck([f"the profile is {exc}" if str(exc).startswith("not ")
                             else f"the profile is refused: {exc}"])
    if not isinstance(document, dict):
        return ProfileCheck(["the profile must be a JSON object (a JSON Resume document)"])
    upgraded = upgrade_legacy_names(document)
    calendar = calendar_problems(upgraded.profile)
    judged = {problem.split(":", 1)[0] for problem in calendar}  # a date the calendar check words better
    problems = list(upgraded.conflicts) + [
        f"{_path(error.absolute_path)}: {_message(error)}"
        for error in sorted(_resume_validator().iter_errors(upgraded.profile), key=lambda e: list(e.absolute_path))
        if _path(error.absolute_path) not in judged
    ] + calendar
    basics = upgraded.profile.get("basics")
    name = basics.get("name") if isinstance(basics, dict) else None
    if not (isinstance(name, str) and name.strip()) and not any(p.startswith("/basics/name:") for p in problems):
        problems.append("/basics/name: a resume needs the person's name")
    if problems:
        return ProfileCheck(problems[:MAX_REASONS])
    published = json.dumps(upgraded.profile, ensure_ascii=False) if upgraded.notes else profile_json
    return ProfileCheck([], upgraded.notes, published)


def published_profile(profile_json: str) -> tuple[str, list[str]]:
    """The accepted profile as later stages read it (older field names mapped) and the notes about the mapping.
    Deterministic, so a redelivered command publishes the same event."""
    document = json.loads(profile_json)
    upgraded = upgrade_legacy_names(document)
    if not upgraded.notes:
        return profile_json, []
    return json.dumps(upgraded.profile, ensure_ascii=False), upgraded.notes


def preferences_problems(preferences: Preferences) -> list[CommandProblem]:
    """Every problem of `preferences`, at its field under `/preferences` (the message is the whole reason)."""
    problems = []
    names = [search.name for search in preferences.saved_searches]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        where = len(names) - 1 - names[::-1].index(duplicate)  # the second use is the one to change
        problems.append(CommandProblem(path=f"/preferences/saved_searches/{where}/name",
                                       message=f"saved search name {duplicate!r} is used twice"))
    for i, search in enumerate(preferences.saved_searches):
        for j, board in enumerate(search.boards):
            path = f"/preferences/saved_searches/{i}/boards/{j}/token"
            if board.source is BoardSource.FEED:
                if not board.token.startswith(("http://", "https://")):
                    problems.append(CommandProblem(
                        path=path, message=f"saved search {search.name!r}: feed {board.token!r} is not an http(s) URL"))
            elif not BOARD_NAME.match(board.token):
                problems.append(CommandProblem(
                    path=path, message=f"saved search {search.name!r}: {board.source.value.lower()} board "
                                       f"{board.token!r} is not a board name (letters, digits, '.', '_', '-')"))
    return problems


def located(reason: str, prefix: str) -> CommandProblem:
    """A profile reason as a problem at its field: the profile checks word a reason about one field
    `<JSON Pointer>: <message>` (`(document): ...` for the whole), so it is at `prefix` + that pointer with the
    message after it; any other reason is about `prefix` as a whole, in full."""
    head, sep, message = reason.partition(": ")
    if sep and message.strip():
        if head == "(document)":
            return CommandProblem(path=prefix, message=message)
        if head.startswith("/") and not any(c.isspace() for c in head):
            return CommandProblem(path=prefix + head, message=message)
    return CommandProblem(path=prefix, message=reason)
