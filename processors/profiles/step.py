"""The profiles processor's pure core: one user command in, the user's new cell and the events out.

Deterministic: output ids derive from the command or the profile version, so a command redelivered after a
crash yields the same events and sinks that upsert by `event_id` see nothing new.
"""

from __future__ import annotations

from datetime import datetime

from processors.profiles.validation import (
    email_problems,
    preferences_problems,
    profile_problems,
)
from streams.ids import derived_id, normalize_email, user_id_for_email
from streams.messages import (
    Preferences,
    ProfileRejected,
    UserCell,
    UserCommand,
    UserCommandKind,
    UserProfile,
)

ProfileEvent = UserProfile | ProfileRejected
REMEMBERED_COMMANDS = 32
def profile_event(cell: UserCell, *, now: datetime) -> UserProfile:
    return UserProfile(
        event_id=derived_id("profile", cell.user_id, str(cell.profile_version)),
        user_id=cell.user_id,
        occurred_at=now,
        email=cell.email,
        profile_version=cell.profile_version,
        profile_json=cell.profile_json,
        preferences=cell.preferences,
    )


def _reject(command: UserCommand, reasons: list[str], *, now: datetime) -> ProfileRejected:
    return ProfileRejected(
        event_id=derived_id("rejected", command.event_id),
        user_id=command.user_id,
        occurred_at=now,
        command_id=command.event_id,
        command_kind=command.kind,
        reasons=reasons,
    )


def _remember(ids: list[str], command_id: str) -> list[str]:
    return [*ids, command_id][-REMEMBERED_COMMANDS:]


def _problems(cell: UserCell | None, command: UserCommand) -> list[str]:
    match command.kind:
        case UserCommandKind.REGISTER_USER:
            problems = [] if cell is None else ["this email is already registered"]
            problems += email_problems(command.email)
            email_ok = command.email and not email_problems(command.email)
            if email_ok and user_id_for_email(command.email or "") != command.user_id:
                problems.append("the user id does not belong to this email")
            problems += profile_problems(command.profile_json)
        case UserCommandKind.UPDATE_PROFILE:
            problems = ["no such user: register first"] if cell is None else []
            problems += profile_problems(command.profile_json)
        case UserCommandKind.UPDATE_PREFERENCES:
            problems = ["no such user: register first"] if cell is None else []
            if command.preferences is None:
                problems.append("preferences are required")
    if command.preferences is not None:
        problems += preferences_problems(command.preferences)
    return problems


def step(cell: UserCell | None, command: UserCommand, *, now: datetime) -> tuple[UserCell | None, list[ProfileEvent]]:
    """Apply `command` to the user's `cell` (None for an unknown user)."""
    if cell is not None and command.event_id in cell.applied_command_ids:
        return cell, [profile_event(cell, now=now)]  # redelivered: same version, same event id
    problems = _problems(cell, command)
    if problems:
        return cell, [_reject(command, problems, now=now)]
    if cell is None:
        assert command.email is not None and command.profile_json is not None
        new_cell = UserCell(
            user_id=command.user_id,
            email=normalize_email(command.email),
            profile_version=1,
            profile_json=command.profile_json,
            preferences=command.preferences or Preferences(),
            created_at=now,
            updated_at=now,
            applied_command_ids=[command.event_id],
        )
    else:
        new_cell = cell.model_copy(
            update={
                "profile_version": cell.profile_version + 1,
                "profile_json": command.profile_json or cell.profile_json,
                "preferences": command.preferences or cell.preferences,
                "updated_at": now,
                "applied_command_ids": _remember(cell.applied_command_ids, command.event_id),
            }
        )
    return new_cell, [profile_event(new_cell, now=now)]
