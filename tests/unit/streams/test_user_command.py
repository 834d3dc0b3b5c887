"""The one way a sender makes a user command (the CLI and the web client both use it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.messages import Preferences, UserCommandKind, user_command
from streams.messages.users import NothingToUpdate

AT = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(("register", "profile_json", "preferences", "kind"), [
    (True, "{}", None, UserCommandKind.REGISTER_USER),
    (False, "{}", Preferences(), UserCommandKind.UPDATE_PROFILE),
    (False, None, Preferences(), UserCommandKind.UPDATE_PREFERENCES),
])
def test_the_kind_follows_from_what_is_sent(register: bool, profile_json: str | None,
                                            preferences: Preferences | None, kind: UserCommandKind) -> None:
    command = user_command(event_id="e", user_id="u", occurred_at=AT, register=register, email="a@b.org",
                           profile_json=profile_json, preferences=preferences)
    assert (command.kind, command.profile_json, command.preferences) == (kind, profile_json, preferences)


def test_an_update_of_nothing_is_refused() -> None:
    with pytest.raises(NothingToUpdate):
        user_command(event_id="e", user_id="u", occurred_at=AT, register=False)
