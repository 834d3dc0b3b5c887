"""Discovery on the real stack, polling the local board server that speaks Greenhouse/Lever/Ashby/RSS."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from processors.profiles.step import user_id_for_email
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]
ADA_MATCHES = {"greenhouse:examplecorp:7001001", "greenhouse:examplecorp:7001004", "lever:example:a1b2c3d4-0002"}


def register(tmp_path: Path, prefs: dict[str, Any] | None = None) -> str:
    email = f"disco-{uuid.uuid4().hex[:10]}@example.org"
    prefs_file = FIXTURES / "preferences_ada.json"
    if prefs is not None:
        prefs_file = tmp_path / "prefs.json"
        prefs_file.write_text(json.dumps(prefs))
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"),
            "--prefs", str(prefs_file))
    return user_id_for_email(email)


def discovered_for(read_topic: Reader, user_id: str, expected: int) -> list[dict[str, Any]]:
    def enough(messages: list[Any]) -> bool:
        return len({m.value()["canonical_job_id"] for m in messages if m.key() == user_id}) >= expected

    return [m.value() for m in read_topic("job.discovered", enough, timeout_s=90) if m.key() == user_id]


def test_a_user_gets_the_postings_of_followed_boards_that_fit_their_searches(
    discovery_worker: Worker, read_topic: Reader, tmp_path: Path
) -> None:
    user_id = register(tmp_path)
    found = discovered_for(read_topic, user_id, expected=len(ADA_MATCHES))
    assert {d["canonical_job_id"] for d in found} == ADA_MATCHES
    by_id = {d["canonical_job_id"]: d for d in found}
    assert by_id["greenhouse:examplecorp:7001001"]["match_reasons"][0].startswith("title mentions")
    assert "pays up to 95,000 EUR" in by_id["greenhouse:examplecorp:7001001"]["match_reasons"]
    # Ruled out: a React job (no keyword), crypto (excluded word), unpaid (excluded), 68k EUR (below the floor).

    catalog = read_topic("job.catalog", lambda ms: {m.key() for m in ms} >= ADA_MATCHES, timeout_s=60)
    postings = {m.key(): m.value() for m in catalog}
    hostile = postings["greenhouse:examplecorp:7001004"]
    assert "<script" not in (hostile["description_html"] or "") and "onerror" not in (hostile["description_html"] or "")
    assert "fetch(" not in hostile["description_text"]


def test_each_posting_is_published_to_the_catalog_once_however_often_it_is_polled(
    discovery_worker: Worker, read_topic: Reader, tmp_path: Path
) -> None:
    started_ms = time.time() * 1000
    discovered_for(read_topic, register(tmp_path), expected=len(ADA_MATCHES))
    catalog = read_topic("job.catalog", lambda ms: False, timeout_s=8)  # several 2-second poll intervals
    # (other sessions' workers on a shared stack have their own board tables: count what came since this test)
    recent = [m.key() for m in catalog if m.timestamp()[1] >= started_ms and m.key().startswith("lever:example:")]
    assert len(recent) == len(set(recent))

def test_a_posting_gone_from_its_board_is_closed_in_the_catalog(
    discovery_worker: Worker, read_topic: Reader, board_server: tuple[str, Path], tmp_path: Path
) -> None:
    _, folder = board_server
    discovered_for(read_topic, register(tmp_path), expected=len(ADA_MATCHES))
    board = folder / "lever" / "example.json"
    postings = json.loads(board.read_text())
    board.write_text(json.dumps([p for p in postings if p["id"] != "a1b2c3d4-0001"]))
    try:
        def closed(messages: list[Any]) -> bool:
            return any(m.key() == "lever:example:a1b2c3d4-0001" and m.value()["status"] == "CLOSED" for m in messages)

        assert closed(read_topic("job.catalog", closed, timeout_s=60))
    finally:
        board.write_text(json.dumps(postings))


def test_a_failing_board_is_reported_and_the_others_still_deliver(
    discovery_worker: Worker, read_topic: Reader, tmp_path: Path
) -> None:
    prefs = json.loads((FIXTURES / "preferences_ada.json").read_text())
    prefs["saved_searches"][0]["boards"] += [
        {"source": "GREENHOUSE", "token": "no-such-board"},
        {"source": "FEED", "token": "http://169.254.169.254/latest/meta-data/"},
    ]
    user_id = register(tmp_path, prefs)
    assert {d["canonical_job_id"] for d in discovered_for(read_topic, user_id, len(ADA_MATCHES))} == ADA_MATCHES

    metadata = "feed:http://169.254.169.254/latest/meta-data"  # the feed's canonical URL: no trailing slash

    def both(messages: list[Any]) -> bool:
        return {"greenhouse:no-such-board", metadata} <= {m.key() for m in messages}

    errors = {m.key(): m.value() for m in read_topic("discovery.errors", both, timeout_s=60)}
    assert errors["greenhouse:no-such-board"]["error_kind"] == "http_status"
    assert errors[metadata]["error_kind"] == "unsafe_url"


def test_discover_once_runs_one_cycle_and_exits(
    profiles_worker: Worker, discovery_env: dict[str, str], read_topic: Reader, tmp_path: Path, test_app_id: str
) -> None:
    env = {**discovery_env, "RESUMEFLOW_APP_ID": f"{test_app_id}-once"}
    run_cli("topics", "apply", env=env)
    # The profiles worker of this session writes user.profiles; the --once run has its own (empty) tables.
    user_id = register(tmp_path)
    read_topic("user.profiles", lambda ms: any(m.key() == user_id for m in ms))
    result = run_cli("discover", "--once", env=env)
    assert result.returncode == 0
    assert {d["canonical_job_id"] for d in discovered_for(read_topic, user_id, len(ADA_MATCHES))} == ADA_MATCHES


def test_a_feed_under_tracking_links_is_one_board_and_its_unreadable_items_are_reported(
    discovery_worker: Worker, read_topic: Reader, board_server: tuple[str, Path], tmp_path: Path
) -> None:
    """One posting listed under three tracking links is published once; an item whose description cleaning
    would lose is reported on discovery.errors instead of being kept empty; an escaped-CDATA description keeps
    its text and its salary."""
    base, folder = board_server
    name = f"tracking-{uuid.uuid4().hex[:8]}"
    link = f"{base}/jobs/{name}/platform-engineer"
    items = "".join(
        f"<item><title>Platform Engineer (Python)</title><link>{variant}</link>"
        "<description>&lt;![CDATA[&lt;p&gt;Python and Kafka.&lt;/p&gt;&lt;p&gt;Gehalt: &amp;euro;45.000,00 "
        "&amp;ndash; &amp;euro;55.000,00 pro Jahr&lt;/p&gt;]]&gt;</description></item>"
        for variant in (f"{link}?utm_source=rss", f"{link}/#apply", f"{link}?gh_src=a1&amp;utm_medium=x")
    ) + (f"<item><title>Python Marketing</title><link>{base}/jobs/{name}/marketing</link>"
         "<description>&lt;!--&lt;p&gt;Du unterstützt unser Team.&lt;/p&gt;--&gt;</description></item>")
    document = f"<?xml version='1.0'?><rss version='2.0'><channel><title>Nordlicht</title>{items}</channel></rss>"
    (folder / "feeds" / f"{name}.xml").write_text(document)
    feed_url = f"{base}/feeds/{name}"
    prefs = json.loads((FIXTURES / "preferences_ada.json").read_text())
    prefs["saved_searches"][0]["boards"] = [{"source": "FEED", "token": f"{feed_url}?utm_source=newsletter"},
                                            {"source": "FEED", "token": f"{feed_url}/"}]
    register(tmp_path, prefs)
    board = f"feed:{feed_url}"

    catalog = read_topic("job.catalog", lambda ms: any(m.value()["board_token"] == feed_url for m in ms),
                         timeout_s=90)
    published = [m.value() for m in catalog if m.value()["board_token"] == feed_url]
    (posting,) = published
    assert posting["url"] == link
    assert posting["description_text"] == "Python and Kafka.\n\nGehalt: €45.000,00 – €55.000,00 pro Jahr"
    assert (posting["salary_min"], posting["salary_max"], posting["salary_currency"]) == (45_000, 55_000, "EUR")
    assert posting["salary_text"] == "Gehalt: €45.000,00 – €55.000,00 pro Jahr"

    errors = read_topic("discovery.errors", lambda ms: any(m.key() == board for m in ms), timeout_s=60)
    (report,) = [m.value() for m in errors if m.key() == board]
    assert report["error_kind"] == "skipped_items" and report["consecutive_failures"] == 0
    assert report["error"].startswith("1 of 2 items skipped: item #4 ('Python Marketing', ")
    assert "description is empty after cleaning" in report["error"]
