"""RSS and Atom job feeds become postings; documents with DOCTYPE/ENTITY declarations are refused unparsed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors.discovery.errors import SourceParseError
from processors.discovery.sources import feed
from streams.messages import BoardSource, Workplace

BOARDS = Path(__file__).resolve().parents[3] / "fixtures" / "boards"
FEED_URL = "https://jobs.example.test/feed.xml"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>https://x.test</link></item></channel></rss>"""


def test_rss_items_become_postings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        postings = feed.parse((BOARDS / "feed_rss.xml").read_bytes(), board_token=FEED_URL)

    assert [p.title for p in postings] == ["Platform Engineer (Remote)", "Designer", "Copywriter"]
    assert "item without a link" in caplog.text
    first, designer, copywriter = postings
    assert first.source is BoardSource.FEED
    assert first.board_token == FEED_URL
    assert first.canonical_job_id == f"feed:{FEED_URL}:job-101"
    assert first.company == "Acme Robotics"  # dc:creator
    assert first.locations == ["Anywhere in the World"]
    assert first.workplace is Workplace.REMOTE
    assert first.posted_at == datetime(2021, 9, 6, 14, 45, tzinfo=UTC)
    assert first.url == first.apply_url == "https://jobs.example.test/platform-engineer"
    assert first.description_text == "Run our platform.\n\nSalary: $120,000 - $150,000"
    assert first.description_html == "<p>Run our platform.</p><p>Salary: $120,000 - $150,000</p>"
    assert (first.salary_min, first.salary_max, first.salary_currency) == (120_000, 150_000, "USD")
    # No guid: the id is a hash of the link; "email (Name)" author gives the name; a bad date is no date.
    assert len(designer.source_job_id) == 40 and designer.company == "Beta Studio" and designer.posted_at is None
    assert designer.description_text == "Design & build.\n\nclick"
    assert designer.description_html == "<p>Design &amp; build.</p>click"
    # A permalink guid stands in for the link; the channel title for the company.
    assert copywriter.url == "https://jobs.example.test/copywriter"
    assert copywriter.company == "Example Remote Jobs"
    assert copywriter.description_text == "" and copywriter.description_html is None


def test_atom_entries_become_postings() -> None:
    staff, analyst, plain = feed.parse((BOARDS / "feed_atom.xml").read_bytes(), board_token=FEED_URL)

    assert staff.title == "Staff Engineer & Mentor"
    assert staff.source_job_id == "urn:gamma:job:1"
    assert staff.url == "https://gamma.test/jobs/1"  # rel="alternate", not the enclosure
    assert staff.company == "Gamma Inc"
    assert staff.posted_at == datetime(2026, 1, 1, 7, tzinfo=UTC)
    assert staff.updated_at == datetime(2026, 1, 2, 10, tzinfo=UTC)
    assert staff.description_text == "Lead things."
    assert staff.description_html == "<p>Lead things.</p>"
    assert analyst.company == "Gamma Careers"
    assert analyst.workplace is Workplace.HYBRID
    assert analyst.posted_at == analyst.updated_at == datetime(2026, 1, 3, 10, tzinfo=UTC)
    assert analyst.description_text == "Analyse data.\n\n- SQL"
    assert analyst.description_html == "<p>Analyse <b>data</b>.</p><ul><li>SQL</li></ul>"
    assert len(plain.source_job_id) == 40
    assert plain.description_text == "Line one.\nLine two."
    assert plain.description_html is None


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        XXE,
        BILLION_LAUGHS.decode().encode("utf-16"),
        b'<?xml version="1.0"?><!doctype rss><rss version="2.0"><channel/></rss>',
        b'<?xml version="1.0"?><rss version="2.0"><!ENTITY x "y"><channel/></rss>',
    ],
)
def test_documents_with_declarations_are_refused(document: bytes) -> None:
    with pytest.raises(SourceParseError, match="DOCTYPE or ENTITY"):
        feed.parse(document, board_token=FEED_URL)


@pytest.mark.parametrize(
    "document",
    [
        b"<rss version='2.0'><channel><item>",
        b"not xml at all",
        b"<html><body>a job board</body></html>",
        b"<rss version='2.0'></rss>",
    ],
)
def test_not_a_feed_is_a_source_parse_error(document: bytes) -> None:
    with pytest.raises(SourceParseError):
        feed.parse(document, board_token=FEED_URL)


def test_empty_channel_is_no_postings() -> None:
    assert feed.parse(b"<rss version='2.0'><channel><title>t</title></channel></rss>", board_token=FEED_URL) == []


def test_text_payload_is_accepted() -> None:
    document = (
        "<rss version='2.0'><channel><item><title>Chef</title><link>https://x.test/1</link></item></channel></rss>"
    )
    (posting,) = feed.parse(document, board_token=FEED_URL)
    assert posting.title == "Chef"
