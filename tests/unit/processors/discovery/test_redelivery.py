"""Discovery's cells under redelivery (hypothesis): a profile, a subscription, a poll and what it fetched,
processed again, publish no posting or discovery twice."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from processors.discovery.model import BoardFetched, BoardValidators, FetchBoard, FetchedPosting
from processors.discovery.step import board_step_for, follow_step
from streams.messages import (
    BoardRef,
    BoardSource,
    BoardSubscription,
    PollRequested,
    Preferences,
    SavedSearch,
    UserProfile,
)
from streams.processor import PortRequest, PortResult
from tests.support.redelivery import NOW, assert_redelivery_changes_nothing

GH = BoardRef(source=BoardSource.GREENHOUSE, token="examplecorp")
SEARCHES = [SavedSearch(name="py", keywords=["python"], boards=[GH]),
            SavedSearch(name="data", keywords=["data"], boards=[GH]),
            SavedSearch(name="other", keywords=["python"])]
TITLES = ["Python Engineer", "Data Engineer", "Designer"]


def posting(job_id: int, title: str, text: str) -> FetchedPosting:
    return FetchedPosting(source=BoardSource.GREENHOUSE, board_token="examplecorp", source_job_id=str(job_id),
                          title=title, company="ExampleCorp", url=f"https://example.org/{job_id}",
                          description_text=text)


@st.composite
def profiles(draw: st.DrawFn) -> UserProfile:
    version = draw(st.integers(1, 4))
    return UserProfile(event_id=f"p{version}", user_id="u1", occurred_at=NOW, email="u1@example.org",
                       profile_version=version, profile_json="{}",
                       preferences=Preferences(saved_searches=draw(st.lists(st.sampled_from(SEARCHES), max_size=2,
                                                                            unique_by=lambda s: s.name))))


@given(data=st.data(), history=st.lists(profiles(), min_size=1, max_size=6))
def test_a_users_cell_follows_boards_once(data: st.DataObject, history: list[UserProfile]) -> None:
    start = data.draw(st.integers(0, len(history) - 1))
    assert_redelivery_changes_nothing(follow_step, None, history, start, port=lambda request: [])


@st.composite
def board_events(draw: st.DrawFn) -> list[object]:
    """Subscriptions and poll ticks, a second apart. One user's profile version always carries the same searches
    (a subscription seen again is the same subscription)."""
    searches_of = {(user, version): draw(st.lists(st.sampled_from(SEARCHES[:2]), max_size=2,
                                                  unique_by=lambda s: s.name))
                   for user in ("u1", "u2") for version in (1, 2, 3)}
    events: list[object] = []
    for second in range(draw(st.integers(1, 8))):
        at = NOW + timedelta(seconds=second)
        if draw(st.booleans()):
            version = draw(st.integers(1, 3))
            user = draw(st.sampled_from(["u1", "u2"]))
            searches = searches_of[(user, version)]
            events.append(BoardSubscription(event_id=f"s-{user}-{version}", occurred_at=at,
                                            board_key="greenhouse:examplecorp", board=GH, user_id=user,
                                            profile_version=version, searches=searches))
        else:
            events.append(PollRequested(event_id=f"poll-{second}", occurred_at=at,
                                        board_key="greenhouse:examplecorp", force=draw(st.booleans())))
    return events


@given(data=st.data(), events=board_events(), snapshot=st.lists(
    st.tuples(st.integers(1, 4), st.sampled_from(TITLES), st.sampled_from(["a", "b"])), max_size=4,
    unique_by=lambda t: t[0]))
def test_a_boards_cell_publishes_each_posting_and_discovery_once(
        data: st.DataObject, events: list[object], snapshot: list[tuple[int, str, str]]) -> None:
    """The fake board does not change while the records are processed again, as after a quick restart."""
    board = BoardFetched(postings=[posting(*item) for item in snapshot], validators=BoardValidators(etag="e1"),
                         fetched_at=NOW)

    def fetch(request: PortRequest) -> list[PortResult]:
        assert isinstance(request, FetchBoard)
        return [board]

    start = data.draw(st.integers(0, len(events) - 1))
    assert_redelivery_changes_nothing(board_step_for(timedelta(hours=1)), None, events, start, port=fetch,
                                      now=NOW + timedelta(seconds=len(events)))


def test_a_poll_seen_again_after_the_board_was_polled_asks_for_nothing() -> None:
    step = board_step_for(timedelta(hours=1))
    subscribed, _ = step(None, BoardSubscription(event_id="s", occurred_at=NOW, board_key="greenhouse:examplecorp",
                                                 board=GH, user_id="u1", profile_version=1,
                                                 searches=[SEARCHES[0]]), now=NOW)
    poll = PollRequested(event_id="poll", occurred_at=NOW, board_key="greenhouse:examplecorp")
    _, [request] = step(subscribed, poll, now=NOW)
    assert isinstance(request, FetchBoard)
    polled, published = step(subscribed, BoardFetched(postings=[posting(1, "Python Engineer", "a")],
                                                      fetched_at=NOW), now=NOW)
    assert [type(e).__name__ for e in published] == ["JobPosting", "JobDiscovered"]
    assert step(polled, poll, now=NOW) == (polled, [])
