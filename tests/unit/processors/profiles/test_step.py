"""The profiles processor's rules, on the pure `step`: registering, updating, refusing, redelivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from processors.profiles.step import step, user_id_for_email
from streams.messages import (
    Preferences,
    ProfileRejected,
    UserCell,
    UserCommand,
    UserCommandKind,
    UserProfile,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
EMAIL = "Ada.Park@Example.org"


def command(
    kind: UserCommandKind, *, event_id: str = "c-1", email: str | None = EMAIL, **fields: object
) -> UserCommand:
    return UserCommand(event_id=event_id, user_id=user_id_for_email(EMAIL), occurred_at=NOW, kind=kind,
                       email=email, **fields)


@pytest.fixture
def registered(profile_json: str, preferences_json: str) -> UserCell:
    cell, _ = step(None, command(UserCommandKind.REGISTER_USER, profile_json=profile_json,
                                 preferences=Preferences.model_validate_json(preferences_json)), now=NOW)
    assert cell is not None
    return cell


def test_registering_a_valid_profile_creates_the_cell_and_publishes_version_1(
    profile_json: str, preferences_json: str
) -> None:
    prefs = Preferences.model_validate_json(preferences_json)
    cell, events = step(None, command(UserCommandKind.REGISTER_USER, profile_json=profile_json, preferences=prefs),
                        now=NOW)
    assert cell is not None and cell.profile_version == 1 and cell.email == "ada.park@example.org"
    assert cell.preferences == prefs
    [published] = events
    assert isinstance(published, UserProfile)
    assert (published.user_id, published.profile_version, published.profile_json) == (
        cell.user_id, 1, profile_json)


def test_registering_without_preferences_uses_the_defaults(profile_json: str) -> None:
    cell, _ = step(None, command(UserCommandKind.REGISTER_USER, profile_json=profile_json), now=NOW)
    assert cell is not None and cell.preferences == Preferences()


def test_an_invalid_profile_is_refused_with_every_reason_and_no_state() -> None:
    bad = json.dumps({"basics": {"email": "not an email", "name": ""}, "work": [{"startDate": "last year"}]})
    cell, [event] = step(None, command(UserCommandKind.REGISTER_USER, profile_json=bad), now=NOW)
    # No registration; the cell only remembers the refusal, so a redelivery is answered the same way.
    assert cell is not None and not cell.registered and cell.refused_command_ids == ["c-1"]
    assert isinstance(event, ProfileRejected)
    reasons = "\n".join(event.reasons)
    assert "/basics/email" in reasons
    assert "/work/0/startDate" in reasons
    assert "/basics/name" in reasons


@pytest.mark.parametrize(
    ("profile", "reason"),
    [("{not json", "not JSON"), ("[1, 2]", "JSON object"), (None, "profile")],
)
def test_a_profile_that_is_not_a_resume_document_is_refused(profile: str | None, reason: str) -> None:
    _, [event] = step(None, command(UserCommandKind.REGISTER_USER, profile_json=profile), now=NOW)
    assert isinstance(event, ProfileRejected) and reason in " ".join(event.reasons)


def test_a_bad_email_is_refused(profile_json: str) -> None:
    cmd = UserCommand(event_id="c", user_id="someone", occurred_at=NOW, kind=UserCommandKind.REGISTER_USER,
                      email="nobody", profile_json=profile_json)
    _, [event] = step(None, cmd, now=NOW)
    assert isinstance(event, ProfileRejected) and "not an email address" in event.reasons[0]


def test_a_user_id_that_is_not_the_emails_is_refused(profile_json: str) -> None:
    cmd = UserCommand(event_id="c", user_id=user_id_for_email("other@example.org"), occurred_at=NOW,
                      kind=UserCommandKind.REGISTER_USER, email=EMAIL, profile_json=profile_json)
    _, [event] = step(None, cmd, now=NOW)
    assert isinstance(event, ProfileRejected) and "does not belong to this email" in " ".join(event.reasons)


def test_registering_twice_is_refused_and_keeps_the_first_profile(registered: UserCell, profile_json: str) -> None:
    cell, [event] = step(registered, command(UserCommandKind.REGISTER_USER, event_id="c-2",
                                             profile_json=profile_json), now=NOW)
    assert cell == registered.model_copy(update={"refused_command_ids": ["c-2"]})  # the first profile is kept
    assert isinstance(event, ProfileRejected) and "already registered" in event.reasons[0]


def test_updating_the_profile_bumps_the_version_and_keeps_preferences(registered: UserCell) -> None:
    later = NOW + timedelta(hours=1)
    new_profile = json.dumps({"basics": {"name": "Ada Park", "label": "Staff Engineer"}})
    update = command(UserCommandKind.UPDATE_PROFILE, event_id="c-2", email=None, profile_json=new_profile)
    # Dated when the user sent the update, not when the processor got to it (here a day later).
    cell, [event] = step(registered, update.model_copy(update={"occurred_at": later}), now=later + timedelta(days=1))
    assert cell is not None
    assert (cell.profile_version, cell.profile_json, cell.updated_at) == (2, new_profile, later)
    assert event.occurred_at == later
    assert cell.preferences == registered.preferences and cell.created_at == registered.created_at
    assert isinstance(event, UserProfile) and event.profile_version == 2


def test_updating_preferences_keeps_the_profile(registered: UserCell) -> None:
    prefs = Preferences(daily_cap=1)
    cell, [event] = step(registered, command(UserCommandKind.UPDATE_PREFERENCES, event_id="c-2", email=None,
                                             preferences=prefs), now=NOW)
    assert cell is not None and cell.preferences == prefs and cell.profile_json == registered.profile_json
    assert isinstance(event, UserProfile) and event.preferences == prefs


def test_updating_an_unknown_user_is_refused(profile_json: str) -> None:
    cell, [event] = step(None, command(UserCommandKind.UPDATE_PROFILE, profile_json=profile_json), now=NOW)
    assert cell is not None and not cell.registered
    assert isinstance(event, ProfileRejected) and "register first" in event.reasons[0]


def test_a_refused_command_redelivered_after_registration_stays_refused(profile_json: str) -> None:
    # Found by the redelivery property test: an update sent before registering was applied when it came again.
    early, [refused] = step(None, command(UserCommandKind.UPDATE_PROFILE, event_id="early",
                                          profile_json=profile_json), now=NOW)
    cell, _ = step(early, command(UserCommandKind.REGISTER_USER, event_id="register", profile_json=profile_json),
                   now=NOW)
    again, events = step(cell, command(UserCommandKind.UPDATE_PROFILE, event_id="early", profile_json=profile_json),
                         now=NOW)
    assert isinstance(refused, ProfileRejected) and again == cell and events == []


def test_a_feed_board_must_be_an_http_url(registered: UserCell) -> None:
    prefs = Preferences.model_validate(
        {"saved_searches": [{"name": "f", "boards": [{"source": "FEED", "token": "file:///etc/passwd"}]}]})
    _, [event] = step(registered, command(UserCommandKind.UPDATE_PREFERENCES, event_id="c-2", preferences=prefs),
                      now=NOW)
    assert isinstance(event, ProfileRejected) and "not an http(s) URL" in event.reasons[0]


def test_a_redelivered_command_changes_nothing_and_repeats_the_same_event(registered: UserCell) -> None:
    # After a crash between storing the cell and committing the offset, the command comes again.
    first_cell, [first] = step(registered, command(UserCommandKind.UPDATE_PREFERENCES, event_id="c-2",
                                                   preferences=Preferences(daily_cap=2)), now=NOW)
    again_cell, [again] = step(first_cell, command(UserCommandKind.UPDATE_PREFERENCES, event_id="c-2",
                                                   preferences=Preferences(daily_cap=2)), now=NOW)
    assert again_cell == first_cell
    assert again.event_id == first.event_id and again == first


def test_step_is_deterministic(profile_json: str) -> None:
    cmd = command(UserCommandKind.REGISTER_USER, profile_json=profile_json)
    assert step(None, cmd, now=NOW) == step(None, cmd, now=NOW)


def test_user_id_ignores_email_case_and_spaces() -> None:
    assert user_id_for_email(" Ada.Park@EXAMPLE.org ") == user_id_for_email("ada.park@example.org")


@pytest.mark.parametrize(("source", "token"), [("GREENHOUSE", "../admin"), ("LEVER", "acme/jobs?x=1"),
                                               ("ASHBY", ".hidden"), ("FILE", "a b")])
def test_a_board_name_that_could_leave_its_url_or_folder_is_refused(registered: UserCell, source: str,
                                                                    token: str) -> None:
    prefs = Preferences.model_validate(
        {"saved_searches": [{"name": "g", "boards": [{"source": source, "token": token}]}]})
    _, [event] = step(registered, command(UserCommandKind.UPDATE_PREFERENCES, event_id="c-2", preferences=prefs),
                      now=NOW)
    assert isinstance(event, ProfileRejected) and "is not a board name" in event.reasons[0]
