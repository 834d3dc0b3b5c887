"""A redelivered command changes nothing and repeats the same event ids, whatever came before (hypothesis)."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from processors.profiles.step import step
from streams.ids import user_id_for_email
from streams.messages import Preferences, SavedSearch, UserCommand, UserCommandKind
from tests.support.redelivery import NOW, assert_redelivery_changes_nothing, process

EMAILS = ["ada@example.org", "sam@example.net"]
PROFILES = [
    json.dumps({"basics": {"name": "Ada Park"}}),
    json.dumps({"basics": {"name": "Ada Park", "label": "Engineer"}, "skills": [{"name": "Python"}]}),
    json.dumps({"basics": {}}),  # refused: no name
    "[1, 2",  # refused: not JSON
]
PREFERENCES = [None, Preferences(), Preferences(saved_searches=[SavedSearch(name="py", keywords=["python"])])]


@st.composite
def commands(draw: st.DrawFn) -> UserCommand:
    email = draw(st.sampled_from(EMAILS))
    kind = draw(st.sampled_from(list(UserCommandKind)))
    return UserCommand(
        event_id=f"c-{draw(st.integers(0, 7))}", user_id=user_id_for_email(email), occurred_at=NOW, kind=kind,
        email=email if kind is UserCommandKind.REGISTER_USER else draw(st.sampled_from([None, email])),
        profile_json=draw(st.sampled_from([None, *PROFILES])), preferences=draw(st.sampled_from(PREFERENCES)),
    )


@given(data=st.data(), history=st.lists(commands(), min_size=1, max_size=8))
def test_redelivered_commands_change_nothing_and_repeat_their_ids(data: st.DataObject, history: list[UserCommand]
                                                                   ) -> None:
    user = history[0].user_id
    mine = [c for c in history if c.user_id == user]  # one cell: one user's commands
    start = data.draw(st.integers(0, len(mine) - 1))
    assert_redelivery_changes_nothing(step, None, mine, start, port=lambda request: [])


@given(history=st.lists(commands(), min_size=1, max_size=8), days_later=st.integers(1, 400))
def test_a_command_replayed_days_later_gives_the_very_same_events(history: list[UserCommand], days_later: int
                                                                  ) -> None:
    """`resumeflow replay` runs a processor's input again long after: an event with an id seen before must be that
    event again, time included (the users view keeps a profile's `occurred_at`; found by tests/integration/
    test_replay.py, where a replayed registration moved the user's `updated_at`)."""
    mine = [c for c in history if c.user_id == history[0].user_id]
    after, first = process(step, None, mine, lambda request: [])
    _, replayed = process(step, after, mine, lambda request: [], now=NOW + timedelta(days=days_later))
    seen = {event.event_id: event for event in first}
    assert all(event == seen[event.event_id] for event in replayed)
