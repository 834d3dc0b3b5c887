"""The profiles processor's pure core: one user command in, the user's new cell and the events out.

Deterministic: output ids derive from the command or the profile version, so a command redelivered after a
crash yields the same events and sinks that upsert by `event_id` see nothing new.
"""

from __future__ import annotations

from datetime import datetime

from streams.ids import derived_id, normalize_email, user_id_for_email
from streams.messages import (
    CommandProblem,
    Preferences,
    ProfileRejected,
    UserCell,
    UserCommand,
    UserCommandKind,
    UserProfile,
)
from textkit.profile_check import (
    email_problems,
    located,
    preferences_problems,
    profile_problems,
    published_profile,
)

ProfileEvent = UserProfile | ProfileRejected
REMEMBERED_COMMANDS = 32


def profile_event(cell: UserCell) -> UserProfile:
    """The accepted profile as published: the cell keeps the user's own document, the event carries it with the
    field names of JSON Resume before 1.0 mapped to today's, and a note for each (never a value dropped). It is
    dated when its version was made (the cell's `updated_at`), so a command redelivered or replayed later gives
    the very same event, not only the same id (the users view keeps `occurred_at` as the profile's update time)."""
    profile_json, notes = published_profile(cell.profile_json)
    return UserProfile(
        event_id=derived_id("profile", cell.user_id, str(cell.profile_version)),
        user_id=cell.user_id,
        occurred_at=cell.updated_at,
        command_id=cell.applied_command_ids[-1] if cell.applied_command_ids else None,
        email=cell.email,
        profile_version=cell.profile_version,
        profile_json=profile_json,
        preferences=cell.preferences,
        profile_notes=notes,
    )


def _reject(command: UserCommand, problems: list[tuple[str, CommandProblem]]) -> ProfileRejected:
    return ProfileRejected(
        event_id=derived_id("rejected", command.event_id),
        user_id=command.user_id,
        occurred_at=command.occurred_at,
        command_id=command.event_id,
        command_kind=command.kind,
        reasons=[reason for reason, _ in problems],
        problems=[problem for _, problem in problems],
    )


def _remember(ids: list[str], command_id: str) -> list[str]:
    return [*ids, command_id][-REMEMBERED_COMMANDS:]


def _at(path: str, reasons: list[str]) -> list[tuple[str, CommandProblem]]:
    return [(reason, CommandProblem(path=path, message=reason)) for reason in reasons]


def _of_profile(profile_json: str | None) -> list[tuple[str, CommandProblem]]:
    return [(reason, located(reason, "/profile")) for reason in profile_problems(profile_json)]


def _problems(cell: UserCell | None, command: UserCommand) -> list[tuple[str, CommandProblem]]:
    """Every reason to refuse `command` (as the user reads it in a list) with the field it is about
    (`CommandProblem.path`: a JSON Pointer into the command, '' for the command as a whole)."""
    not_registered = [] if _registered(cell) else _at("", ["no such user: register first"])
    match command.kind:
        case UserCommandKind.REGISTER_USER:
            problems = _at("/email", ["this email is already registered"] if _registered(cell) else [])
            problems += _at("/email", email_problems(command.email))
            email_ok = command.email and not email_problems(command.email)
            if email_ok and user_id_for_email(command.email or "") != command.user_id:
                problems += _at("/email", ["the user id does not belong to this email"])
            problems += _of_profile(command.profile_json)
        case UserCommandKind.UPDATE_PROFILE:
            problems = not_registered + _of_profile(command.profile_json)
        case UserCommandKind.UPDATE_PREFERENCES:
            problems = not_registered
            if command.preferences is None:
                problems += _at("/preferences", ["preferences are required"])
            if command.profile_json is not None:  # it would replace the profile: it must be one
                problems += _of_profile(command.profile_json)
    if command.preferences is not None:
        problems += [(problem.message, problem) for problem in preferences_problems(command.preferences)]
    return problems


def _registered(cell: UserCell | None) -> bool:
    return cell is not None and cell.registered


def step(cell: UserCell | None, command: UserCommand, *, now: datetime) -> tuple[UserCell | None, list[ProfileEvent]]:
    """Apply `command` to the user's `cell` (None for a user id never seen). A command is decided once: a
    redelivered one is answered as it was the first time (the same profile version or no new refusal), never
    decided again on the state later commands made. Times come from the command (`occurred_at`, when the user
    sent it), never the clock (`now` is unused): the same command processed again later gives the very same events,
    also from the state before it, when the cell's write had not landed."""
    at = command.occurred_at
    if cell is not None and command.event_id in cell.applied_command_ids:
        return cell, [profile_event(cell)]  # redelivered: same version, same event
    if cell is not None and command.event_id in cell.refused_command_ids:
        return cell, []  # redelivered: its refusal was published before the cell remembered it
    problems = _problems(cell, command)
    if problems:
        known = cell or UserCell(user_id=command.user_id, profile_version=0, created_at=at, updated_at=at)
        remembered = known.model_copy(update={"refused_command_ids": _remember(known.refused_command_ids,
                                                                                command.event_id)})
        return remembered, [_reject(command, problems)]
    if not _registered(cell):
        assert command.email is not None and command.profile_json is not None
        new_cell = UserCell(
            user_id=command.user_id,
            email=normalize_email(command.email),
            profile_version=1,
            profile_json=command.profile_json,
            preferences=command.preferences or Preferences(),
            created_at=at,
            updated_at=at,
            applied_command_ids=[command.event_id],
            refused_command_ids=cell.refused_command_ids if cell is not None else [],
        )
    else:
        assert cell is not None
        new_cell = cell.model_copy(
            update={
                "profile_version": cell.profile_version + 1,
                "profile_json": command.profile_json or cell.profile_json,
                "preferences": command.preferences or cell.preferences,
                "updated_at": at,
                "applied_command_ids": _remember(cell.applied_command_ids, command.event_id),
            }
        )
    return new_cell, [profile_event(new_cell)]
