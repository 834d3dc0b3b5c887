"""Discovery's decisions: following boards, polling them, and what a fetch publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from processors.discovery.model import (
    BoardFailed,
    BoardFetched,
    BoardNotModified,
    BoardValidators,
    FetchedPosting,
    SkippedItem,
)
from processors.discovery.step import (
    apply_subscription,
    ask_again,
    follow_boards,
    followers_mark,
    on_fetch,
    plan_fetch,
)
from streams.messages import (
    BoardCell,
    BoardRef,
    BoardSource,
    BoardSubscription,
    JobDiscovered,
    JobPosting,
    PostingStatus,
    Preferences,
    SavedSearch,
    SourceFailed,
    UserProfile,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
GH = BoardRef(source=BoardSource.GREENHOUSE, token="examplecorp")
LEVER = BoardRef(source=BoardSource.LEVER, token="example")
HOUR = timedelta(hours=1)


def profile(version: int, *searches: SavedSearch, user_id: str = "u1") -> UserProfile:
    return UserProfile(event_id=f"p{version}", user_id=user_id, occurred_at=NOW, email=f"{user_id}@example.org",
                       profile_version=version, profile_json="{}",
                       preferences=Preferences(saved_searches=list(searches)))


def posting(job_id: str, title: str = "Python Engineer", **fields: object) -> FetchedPosting:
    return FetchedPosting.model_validate({
        "source": "GREENHOUSE", "board_token": "examplecorp", "source_job_id": job_id, "title": title,
        "company": "ExampleCorp", "url": f"https://example.org/{job_id}", "description_text": "Build things.",
        **fields})


PYTHON = SavedSearch(name="python", keywords=["python"], boards=[GH])


def followed_cell(*profiles: UserProfile) -> BoardCell:
    cell = None
    for p in profiles:
        _, subscriptions = follow_boards(None, p)
        for subscription in subscriptions:
            if subscription.board_key == "greenhouse:examplecorp":
                cell = apply_subscription(cell, subscription)
    assert cell is not None
    return cell


def fetched(*postings: FetchedPosting, etag: str | None = None, at: datetime = NOW) -> BoardFetched:
    return BoardFetched(postings=list(postings), validators=BoardValidators(etag=etag), fetched_at=at)


def test_a_profile_subscribes_the_user_to_each_board_its_searches_name() -> None:
    both = SavedSearch(name="all", boards=[GH, LEVER])
    followed, subscriptions = follow_boards(None, profile(1, PYTHON, both))
    assert followed.board_keys == ["greenhouse:examplecorp", "lever:example"]
    by_board = {s.board_key: [x.name for x in s.searches] for s in subscriptions}
    assert by_board == {"greenhouse:examplecorp": ["python", "all"], "lever:example": ["all"]}


def test_dropping_a_board_unsubscribes_and_a_replayed_profile_changes_nothing() -> None:
    followed, _ = follow_boards(None, profile(1, PYTHON, SavedSearch(name="l", boards=[LEVER])))
    followed2, subscriptions = follow_boards(followed, profile(2, PYTHON))
    assert [(s.board_key, s.searches) for s in subscriptions if not s.searches] == [("lever:example", [])]
    assert follow_boards(followed2, profile(2, PYTHON)) == (followed2, [])


def test_an_older_subscription_never_overrides_a_newer_one() -> None:
    cell = followed_cell(profile(3, PYTHON))
    _, [older] = follow_boards(None, profile(2, SavedSearch(name="x", boards=[GH])))
    assert apply_subscription(cell, older) == cell


def test_a_new_follower_makes_the_board_due_at_once_without_validators() -> None:
    cell = followed_cell(profile(1, PYTHON)).model_copy(update={"last_polled_at": NOW, "etag": "e1"})
    assert plan_fetch(cell, now=NOW, interval=HOUR) == BoardValidators()


def test_a_board_is_polled_each_interval_with_its_validators_and_backs_off_on_failures() -> None:
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), etag="e1"))
    assert plan_fetch(cell, now=NOW + HOUR / 2, interval=HOUR) is None
    assert plan_fetch(cell, now=NOW + HOUR, interval=HOUR) == BoardValidators(etag="e1")
    failing = cell.model_copy(update={"consecutive_failures": 3})
    assert plan_fetch(failing, now=NOW + 3 * HOUR, interval=HOUR) is None
    assert plan_fetch(failing, now=NOW + 4 * HOUR, interval=HOUR) is not None
    assert plan_fetch(failing, now=NOW + HOUR, interval=HOUR, force=True) is not None


def test_a_failing_board_backs_off_even_when_a_new_follower_waits_for_postings() -> None:
    cell = followed_cell(profile(1, PYTHON))
    failed, _ = on_fetch(cell, BoardFailed(error_kind="http_status", error="404", attempts=1, fetched_at=NOW))
    assert plan_fetch(failed, now=NOW + HOUR / 2, interval=HOUR) is None
    assert plan_fetch(failed, now=NOW + HOUR, interval=HOUR) == BoardValidators()


def test_a_board_nobody_follows_is_not_polled() -> None:
    assert plan_fetch(BoardCell(board_key="greenhouse:examplecorp", board=GH), now=NOW, interval=HOUR) is None


def test_first_fetch_publishes_each_posting_once_and_the_matches_with_reasons() -> None:
    cell, events = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), posting("2", "Designer")))
    catalog = [e for e in events if isinstance(e, JobPosting)]
    [found] = [e for e in events if isinstance(e, JobDiscovered)]
    assert [c.canonical_job_id for c in catalog] == ["greenhouse:examplecorp:1", "greenhouse:examplecorp:2"]
    assert (found.user_id, found.canonical_job_id, found.search_name) == ("u1", "greenhouse:examplecorp:1", "python")
    assert found.match_reasons == ["title mentions 'python'"]
    assert set(cell.postings) == {"greenhouse:examplecorp:1", "greenhouse:examplecorp:2"}


def test_one_fetch_serves_every_follower() -> None:
    cell = followed_cell(profile(1, PYTHON, user_id="u1"), profile(1, PYTHON, user_id="u2"))
    _, events = on_fetch(cell, fetched(posting("1")))
    assert sorted(e.user_id for e in events if isinstance(e, JobDiscovered)) == ["u1", "u2"]
    assert len([e for e in events if isinstance(e, JobPosting)]) == 1


def test_an_unchanged_posting_is_not_published_again_and_a_changed_one_is() -> None:
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), posting("2", "Designer")))
    later = NOW + HOUR
    cell2, events = on_fetch(cell, fetched(posting("1"), posting("2", "Python Designer"), at=later))
    assert [(type(e).__name__, e.canonical_job_id) for e in events] == [
        ("JobPosting", "greenhouse:examplecorp:2"), ("JobDiscovered", "greenhouse:examplecorp:2")]
    assert on_fetch(cell2, fetched(posting("1"), posting("2", "Python Designer"), at=later))[1] == []


def test_a_posting_gone_from_the_board_is_closed_in_the_catalog() -> None:
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), posting("2")))
    cell, [closed] = on_fetch(cell, fetched(posting("1"), at=NOW + HOUR))
    assert isinstance(closed, JobPosting)
    assert (closed.canonical_job_id, closed.status, closed.title) == (
        "greenhouse:examplecorp:2", PostingStatus.CLOSED, "Python Engineer")
    assert set(cell.postings) == {"greenhouse:examplecorp:1"}


def test_changed_searches_are_matched_against_every_open_posting_once() -> None:
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), posting("2", "Designer")))
    _, [update] = follow_boards(None, profile(2, SavedSearch(name="design", keywords=["designer"], boards=[GH])))
    cell = apply_subscription(cell, update)
    assert plan_fetch(cell, now=NOW, interval=HOUR) == BoardValidators()
    cell, events = on_fetch(cell, fetched(posting("1"), posting("2", "Designer")))
    assert [(e.canonical_job_id, e.search_name) for e in events if isinstance(e, JobDiscovered)] == [
        ("greenhouse:examplecorp:2", "design")]
    assert on_fetch(cell, fetched(posting("1"), posting("2", "Designer")))[1] == []


def test_a_rediscovery_has_the_same_event_id() -> None:
    _, first = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1")))
    _, again = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), at=NOW + HOUR))
    ids = {e.event_id for e in first if isinstance(e, JobDiscovered)}
    assert ids and ids == {e.event_id for e in again if isinstance(e, JobDiscovered)}


def test_not_modified_only_records_the_poll() -> None:
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), etag="e"))
    polled, events = on_fetch(cell, BoardNotModified(fetched_at=NOW + HOUR))
    assert events == [] and polled.last_polled_at == NOW + HOUR and polled.postings == cell.postings


def test_a_failure_is_an_event_and_keeps_what_the_board_showed_before() -> None:
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1")))
    failed_cell, [failure] = on_fetch(
        cell, BoardFailed(error_kind="timeout", error="no answer in 20s", attempts=3, fetched_at=NOW))
    assert isinstance(failure, SourceFailed) and failure.consecutive_failures == 1 and failure.attempts == 3
    assert failed_cell.postings == cell.postings


def test_a_user_who_stopped_following_is_not_brought_back_by_an_older_subscription() -> None:
    # Found by the redelivery property test: a replayed older subscription resurrected a follower.
    def subscription(version: int, *searches: SavedSearch) -> BoardSubscription:
        return BoardSubscription(event_id=f"s{version}", occurred_at=NOW, board_key="greenhouse:examplecorp",
                                 board=GH, user_id="u1", profile_version=version, searches=list(searches))

    stopped = apply_subscription(apply_subscription(None, subscription(1, PYTHON)), subscription(2))
    assert apply_subscription(stopped, subscription(1, PYTHON)) == stopped
    assert plan_fetch(stopped, now=NOW, interval=HOUR) is None  # nobody follows it: it is not polled


def test_one_feed_under_tracking_links_is_one_board_polled_once() -> None:
    """Links to a feed that differ only by tracking parameters, host case, fragment or trailing slash are one
    board: followed, fetched and stored once."""
    links = ["https://Jobs.Example.test/feed.xml?utm_source=newsletter", "https://jobs.example.test/feed.xml/#top"]
    searches = [SavedSearch(name=f"s{i}", boards=[BoardRef(source=BoardSource.FEED, token=link)])
                for i, link in enumerate(links)]
    followed, subscriptions = follow_boards(None, profile(1, *searches))

    assert followed.board_keys == ["feed:https://jobs.example.test/feed.xml"]
    (subscription,) = subscriptions
    assert subscription.board.token == "https://jobs.example.test/feed.xml"
    assert [s.name for s in subscription.searches] == ["s0", "s1"]


def test_unreadable_items_are_reported_once_per_set_and_the_board_stays_healthy() -> None:
    cell = followed_cell(profile(1, PYTHON))
    lost = SkippedItem(where="item #3 ('Werkstudent', nord-4713)", reason="description is empty after cleaning")
    outcome = fetched(posting("1")).model_copy(update={"skipped": (lost,)})

    cell, events = on_fetch(cell, outcome)
    (report,) = [e for e in events if isinstance(e, SourceFailed)]
    assert report.error_kind == "skipped_items" and report.consecutive_failures == 0
    assert report.error == ("1 of 2 items skipped: item #3 ('Werkstudent', nord-4713): "
                            "description is empty after cleaning")
    assert cell.consecutive_failures == 0 and cell.skipped_digest

    # The same items again: not reported again. Another set: reported. None left: the digest clears.
    _, again = on_fetch(cell, outcome.model_copy(update={"fetched_at": NOW + HOUR}))
    assert not [e for e in again if isinstance(e, SourceFailed)]
    other = outcome.model_copy(update={"skipped": (SkippedItem(where="item #4", reason="item without a link"),)})
    _, changed = on_fetch(cell, other.model_copy(update={"fetched_at": NOW + HOUR}))
    assert [e.error for e in changed if isinstance(e, SourceFailed)] == [
        "1 of 2 items skipped: item #4: item without a link"]
    cleared, _ = on_fetch(cell, fetched(posting("1"), at=NOW + HOUR))
    assert cleared.skipped_digest is None


def test_a_posting_without_a_salary_text_hashes_as_before_the_field_existed() -> None:
    """Adding `salary_text` must not make every unchanged posting look changed (and be analysed again): the hash
    below is the one the release before the field gave this posting."""
    unchanged = posting("1", salary_min=90_000, salary_max=120_000, salary_currency="USD")
    assert unchanged.content_hash == "d474cd27f991e15c0995d77515efe376f9bcbffe5fe330b2e5543030b8df6c96"
    assert unchanged.model_copy(update={"salary_text": "$90k-$120k"}).content_hash != unchanged.content_hash


def test_a_known_posting_that_turns_unreadable_stays_open_and_is_reported() -> None:
    """A posting the board still lists but that could not be read this time is not closed (that would tell its
    followers it is gone): it stays as last read, and the report names it."""
    cell, _ = on_fetch(followed_cell(profile(1, PYTHON)), fetched(posting("1"), posting("2")))
    broken = SkippedItem(where="item #2 (id 2, 'Python Engineer')", reason="description is empty after cleaning",
                         source_job_id="2")
    cell, events = on_fetch(cell, fetched(posting("1"), at=NOW + HOUR).model_copy(update={"skipped": (broken,)}))

    assert not [e for e in events if isinstance(e, JobPosting)]  # nothing closed, nothing changed
    assert [e.error_kind for e in events if isinstance(e, SourceFailed)] == ["skipped_items"]
    assert set(cell.postings) == {"greenhouse:examplecorp:1", "greenhouse:examplecorp:2"}
    # Gone from the board for good: closed then.
    _, events = on_fetch(cell, fetched(posting("1"), at=NOW + 2 * HOUR))
    assert [(e.canonical_job_id, e.status) for e in events if isinstance(e, JobPosting)] == [
        ("greenhouse:examplecorp:2", PostingStatus.CLOSED)]


def test_a_follower_whose_profile_is_processed_late_gets_a_poll_asked_for_them() -> None:
    # bench.failover, discovery 10 of 160 short: a registration Faust lost and the idle watch read 10 s late gave a
    # subscription dated by its profile, older than the board's last change, so `followers_changed_at` stayed put
    # and the tick, which compared that date, took the poll it had asked before for this follower's too.
    early = profile(1, PYTHON, user_id="late").model_copy(update={"occurred_at": NOW - timedelta(seconds=10)})
    cell = followed_cell(profile(1, PYTHON, user_id="first"))
    asked = (NOW, followers_mark(cell))
    assert not ask_again(asked, cell, now=NOW + timedelta(seconds=5), interval=HOUR)  # on its way: not again
    [subscription] = follow_boards(None, early)[1]
    joined = apply_subscription(cell, subscription)
    assert joined.followers_changed_at == cell.followers_changed_at  # the date does not show the new follower...
    assert ask_again(asked, joined, now=NOW + timedelta(seconds=5), interval=HOUR)  # ...the followers do
    assert plan_fetch(joined, now=NOW + timedelta(seconds=5), interval=HOUR) is not None  # and it is due


def test_a_poll_asked_long_ago_is_asked_again_after_the_interval() -> None:
    cell = followed_cell(profile(1, PYTHON))
    assert ask_again(None, cell, now=NOW, interval=HOUR)
    assert ask_again((NOW - HOUR, followers_mark(cell)), cell, now=NOW, interval=HOUR)
