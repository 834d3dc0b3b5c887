"""Users: commands from the web client and CLI, accepted profiles with preferences, refusals, the profile cell."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field

from streams import bounded_json
from streams.messages.common import Message, NonEmptyStr, UtcDatetime

MAX_PROFILE_BYTES = 256 * 1024
AVRO_LONG_MAX = 2**63 - 1  # a larger int cannot be written (a salary floor typed in the web client could be)


def _json_object(text: str) -> str:
    # Every stage after profiles parses the profile: one that is too big, too deep or not an object is refused
    # here, at decoding, rather than in the middle of a later stage's work.
    if not isinstance(bounded_json.loads(text, max_bytes=MAX_PROFILE_BYTES), dict):
        raise ValueError("the profile must be a JSON object")
    return text


ProfileJson = Annotated[str, AfterValidator(_json_object)]


class BoardSource(StrEnum):
    GREENHOUSE = "GREENHOUSE"
    LEVER = "LEVER"
    ASHBY = "ASHBY"
    FEED = "FEED"
    FILE = "FILE"


class RemotePreference(StrEnum):
    ANY = "ANY"
    REMOTE_ONLY = "REMOTE_ONLY"
    REMOTE_OR_HYBRID = "REMOTE_OR_HYBRID"
    ONSITE_ONLY = "ONSITE_ONLY"


class SubmissionMode(StrEnum):
    REVIEW = "REVIEW"
    AUTO = "AUTO"
    OFF = "OFF"


class BoardRef(Message):
    source: BoardSource
    token: NonEmptyStr


class SavedSearch(Message):
    name: NonEmptyStr
    keywords: list[str] = []
    locations: list[str] = []
    remote: RemotePreference = RemotePreference.ANY
    boards: list[BoardRef] = []
    companies: list[str] = []
    salary_floor: Annotated[int, Field(ge=0, le=AVRO_LONG_MAX)] | None = None
    salary_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    exclusions: list[str] = []


class Preferences(Message):
    avro_schema: ClassVar[str] = "preferences"
    saved_searches: list[SavedSearch] = []
    submission_mode: SubmissionMode = SubmissionMode.REVIEW
    daily_cap: Annotated[int, Field(ge=0, le=1000)] = 10
    # At most `company_cap` applications to one company in `company_cap_days` days (0: no cap).
    company_cap: Annotated[int, Field(ge=0, le=1000)] = 2
    company_cap_days: Annotated[int, Field(ge=1, le=365)] = 30
    # No answer this many days after sending is itself an outcome (NO_RESPONSE).
    no_response_days: Annotated[int, Field(ge=1, le=365)] = 30


class UserCommandKind(StrEnum):
    REGISTER_USER = "REGISTER_USER"
    UPDATE_PROFILE = "UPDATE_PROFILE"
    UPDATE_PREFERENCES = "UPDATE_PREFERENCES"


class UserCommand(Message):
    """One flat record for every kind, so analysts read one schema; which fields a kind needs is checked by
    the profiles processor and reported back as a rejection, never as a crash."""

    avro_schema: ClassVar[str] = "user_command"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    kind: UserCommandKind
    email: str | None = None
    profile_json: str | None = None
    preferences: Preferences | None = None


class NothingToUpdate(ValueError):
    """An update command with neither a profile nor preferences."""


def user_command(*, event_id: str, user_id: str, occurred_at: datetime, register: bool, email: str | None = None,
                 profile_json: str | None = None, preferences: Preferences | None = None) -> UserCommand:
    """The one way a sender (the CLI, the web client) makes a user command: REGISTER_USER when `register`, else
    UPDATE_PROFILE when a profile is given (with the preferences too, if any), else UPDATE_PREFERENCES.
    Raises NothingToUpdate when an update carries neither."""
    if register:
        kind = UserCommandKind.REGISTER_USER
    elif profile_json is not None:
        kind = UserCommandKind.UPDATE_PROFILE
    elif preferences is not None:
        kind = UserCommandKind.UPDATE_PREFERENCES
    else:
        raise NothingToUpdate("nothing to update: give a profile and/or preferences")
    return UserCommand(event_id=event_id, user_id=user_id, occurred_at=occurred_at, kind=kind, email=email,
                       profile_json=profile_json, preferences=preferences)


class UserProfile(Message):
    avro_schema: ClassVar[str] = "user_profile"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    email: NonEmptyStr
    profile_version: Annotated[int, Field(ge=1)]
    profile_json: ProfileJson
    preferences: Preferences
    # What the profiles processor read differently from how the user wrote it (a JSON Resume 0.x field name
    # mapped to today's), one sentence each, for the user to see; never a value dropped without one.
    profile_notes: list[str] = []
    # The user command that made this version: how its sender learns it was accepted.
    command_id: str | None = None


class CommandProblem(Message):
    """One reason a command was refused and the field it is about: a JSON Pointer into the command read as
    `{"email", "profile": the parsed profile_json, "preferences"}` (`/profile/basics/email`,
    `/preferences/saved_searches/0/boards/1/token`), '' for the command as a whole."""

    path: str
    message: NonEmptyStr


class ProfileRejected(Message):
    avro_schema: ClassVar[str] = "profile_rejected"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    command_id: NonEmptyStr
    command_kind: UserCommandKind
    reasons: Annotated[list[str], Field(min_length=1)]
    problems: list[CommandProblem] = []  # the reasons again, by field (empty in records from before)


class UserCell(Message):
    avro_schema: ClassVar[str] = "user_cell"
    user_id: NonEmptyStr
    email: str = ""
    profile_version: Annotated[int, Field(ge=0)]
    profile_json: str = ""
    preferences: Preferences = Preferences()
    created_at: UtcDatetime
    updated_at: UtcDatetime
    applied_command_ids: list[str] = []
    refused_command_ids: list[str] = []

    @property
    def registered(self) -> bool:
        return self.profile_version > 0
