"""A refusal names the field of each problem (for the web client to show it there), and an accepted profile names
the command that made it (for its sender to learn the outcome)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from processors.profiles.step import step, user_id_for_email
from streams.messages import (
    BoardRef,
    BoardSource,
    CommandProblem,
    Preferences,
    ProfileRejected,
    SavedSearch,
    UserCommand,
    UserCommandKind,
    UserProfile,
)
from textkit.profile_check import located

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
EMAIL = "ada@example.org"


def command(kind: UserCommandKind, event_id: str = "c-1", **fields: object) -> UserCommand:
    return UserCommand(event_id=event_id, user_id=user_id_for_email(EMAIL), occurred_at=NOW, kind=kind,
                       email=EMAIL, **fields)


@pytest.mark.parametrize(("reason", "path", "message"), [
    ("/basics/email: 'x' is not a 'email'", "/profile/basics/email", "'x' is not a 'email'"),
    ("/work/0/startDate: not on the calendar", "/profile/work/0/startDate", "not on the calendar"),
    ("(document): 'basics' is a required property", "/profile", "'basics' is a required property"),
    ("the profile is not JSON: line 1", "/profile", "the profile is not JSON: line 1"),
    ("the profile is larger than 256 KiB", "/profile", "the profile is larger than 256 KiB"),
])
def test_a_reason_is_placed_at_the_pointer_it_starts_with(reason: str, path: str, message: str) -> None:
    assert located(reason, "/profile") == CommandProblem(path=path, message=message)


def test_a_refused_registration_names_each_field_and_keeps_the_reasons_as_before() -> None:
    profile = {"basics": {"name": "Ada", "email": "not an email"}, "work": [{"name": "Acme", "startDate": "2024-13"}]}
    _, [refused] = step(None, command(UserCommandKind.REGISTER_USER, profile_json=json.dumps(profile)), now=NOW)
    assert isinstance(refused, ProfileRejected)
    assert [p.path for p in refused.problems] == ["/profile/basics/email", "/profile/work/0/startDate"]
    assert [f"{p.path.removeprefix('/profile')}: {p.message}" for p in refused.problems] == refused.reasons


def test_a_missing_name_and_an_unregistered_user_are_placed_too() -> None:
    _, [refused] = step(None, command(UserCommandKind.UPDATE_PROFILE, profile_json=json.dumps({"basics": {}})),
                        now=NOW)
    assert isinstance(refused, ProfileRejected)
    assert [(p.path, p.message) for p in refused.problems] == [
        ("", "no such user: register first"), ("/profile/basics/name", "a resume needs the person's name")]


def test_preference_problems_point_at_the_search_and_board() -> None:
    searches = [SavedSearch(name="a", boards=[BoardRef(source=BoardSource.GREENHOUSE, token="fine"),
                                              BoardRef(source=BoardSource.FEED, token="ftp://feed")]),
                SavedSearch(name="a")]
    _, [refused] = step(None, command(UserCommandKind.REGISTER_USER, profile_json='{"basics": {"name": "Ada"}}',
                                      preferences=Preferences(saved_searches=searches)), now=NOW)
    assert isinstance(refused, ProfileRejected)
    assert [p.path for p in refused.problems] == ["/preferences/saved_searches/1/name",
                                                  "/preferences/saved_searches/0/boards/1/token"]
    assert refused.reasons == [p.message for p in refused.problems]


def test_an_accepted_profile_names_its_command_also_when_redelivered() -> None:
    cell, [first] = step(None, command(UserCommandKind.REGISTER_USER, profile_json='{"basics": {"name": "Ada"}}'),
                         now=NOW)
    assert isinstance(first, UserProfile) and first.command_id == "c-1"
    cell, [second] = step(cell, command(UserCommandKind.UPDATE_PREFERENCES, "c-2", preferences=Preferences()), now=NOW)
    assert isinstance(second, UserProfile) and (second.command_id, second.profile_version) == ("c-2", 2)
    _, [again] = step(cell, command(UserCommandKind.UPDATE_PREFERENCES, "c-2", preferences=Preferences()), now=NOW)
    assert again == second
