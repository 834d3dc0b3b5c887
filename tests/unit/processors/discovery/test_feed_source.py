"""RSS and Atom job feeds become postings; documents with DOCTYPE/ENTITY declarations are refused unparsed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors.discovery.errors import SourceParseError
from processors.discovery.model import SkippedItem
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


def test_an_entity_escaped_cdata_description_keeps_its_text_and_salary() -> None:
    """The issue's example: `&lt;![CDATA[...]]&gt;` arrives as text after XML decoding; an HTML parser would
    drop it with everything inside, leaving an empty description and no salary."""
    skipped: list[SkippedItem] = []
    backend, data, office = feed.parse((BOARDS / "feed_rss_escaped.xml").read_bytes(), board_token=FEED_URL,
                                       skipped=skipped)

    assert backend.description_text == (
        "Wir suchen Verstärkung für unser Plattform-Team.\n\nGehalt: €45.000,00 – €55.000,00 pro Jahr")
    assert backend.description_html == (
        "<p>Wir suchen Verstärkung für unser Plattform-Team.</p><p>Gehalt: €45.000,00 – €55.000,00 pro Jahr</p>")
    assert (backend.salary_min, backend.salary_max, backend.salary_currency) == (45_000, 55_000, "EUR")
    assert backend.salary_text == "Gehalt: €45.000,00 – €55.000,00 pro Jahr"
    assert backend.locations == ["Hamburg"]  # <job:location> in the feed's own namespace
    assert backend.url == "https://stellen.example.test/jobs/4711"  # tracking parameters gone
    assert backend.company == "Stellenmarkt Nord"
    # A description escaped twice is unescaped as many times as it takes.
    assert data.description_text == "Pipelines mit Kafka & Python."
    # Blank from the start: kept, nothing was lost.
    assert office.description_text == "" and office.salary_text is None
    # A description whose words cleaning lost (here: commented out) is reported, never kept empty.
    (lost,) = skipped
    assert lost.where == "item #3 ('Werkstudent Marketing', nord-4713)" and lost.source_job_id == "nord-4713"
    assert lost.reason.startswith("description is empty after cleaning, though the source sent text: '<!--<p>Du ")


def test_links_differing_only_by_tracking_case_slash_or_fragment_are_one_posting() -> None:
    items = "".join(
        f"<item><title>Platform Engineer</title><link>{link}</link><description>Run it.</description></item>"
        for link in ("https://jobs.example.test/platform-engineer?utm_source=rss",
                     "https://Jobs.Example.TEST/Platform-Engineer/?gh_src=x&amp;utm_medium=feed",
                     "https://jobs.example.test/platform-engineer#apply")
    )
    postings = feed.parse(f"<rss version='2.0'><channel><title>J</title>{items}</channel></rss>",
                          board_token=FEED_URL)

    (posting,) = postings
    assert posting.url == posting.apply_url == "https://jobs.example.test/platform-engineer"
    # The id is the link's identity, so the next fetch, under yet another tracking link, is the same posting.
    again = feed.parse("<rss version='2.0'><channel><title>J</title><item><title>Platform Engineer</title><link>"
                       "https://jobs.example.test/platform-engineer/?utm_campaign=autumn</link><description>Run it."
                       "</description></item></channel></rss>", board_token=FEED_URL)
    assert again[0].canonical_job_id == posting.canonical_job_id
    assert again[0].content_hash == posting.content_hash


def test_a_permalink_guid_with_tracking_parameters_is_one_id() -> None:
    template = ("<rss version='2.0'><channel><item><title>Chef</title><guid>https://x.test/jobs/1{}</guid>"
                "</item></channel></rss>")
    first = feed.parse(template.format("?utm_source=a"), board_token=FEED_URL)[0]
    second = feed.parse(template.format("/#top"), board_token=FEED_URL)[0]
    assert first.source_job_id == second.source_job_id == "https://x.test/jobs/1"


def test_a_feed_with_an_unescaped_ampersand_is_read_leniently(caplog: pytest.LogCaptureFixture) -> None:
    document = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>J</title><item><title>R & D Engineer"
                b"</title><link>https://x.test/rd</link><description>Research & development.</description></item>"
                b"</channel></rss>")
    with caplog.at_level(logging.WARNING):
        (posting,) = feed.parse(document, board_token=FEED_URL)
    assert posting.title == "R & D Engineer"
    assert "not well-formed" in caplog.text


def test_a_cut_off_feed_is_refused_rather_than_closing_the_postings_it_lost() -> None:
    whole = (BOARDS / "feed_rss.xml").read_bytes()
    with pytest.raises(SourceParseError, match="ends before its closing tag"):
        feed.parse(whole[: len(whole) // 2], board_token=FEED_URL)


def test_rss_1_0_and_atom_0_3_are_feeds_too() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://x.test/"><title>RDF Jobs</title><link>https://x.test/</link><description>d</description>
  </channel>
  <item rdf:about="https://x.test/jobs/9"><title>Welder</title><link>https://x.test/jobs/9</link>
    <description>Weld things.</description></item>
</rdf:RDF>"""
    (welder,) = feed.parse(rdf, board_token=FEED_URL)
    assert (welder.title, welder.company, welder.description_text) == ("Welder", "RDF Jobs", "Weld things.")


@pytest.mark.parametrize("text", ["/etc/hostname", "https://jobs.example.test/feed.xml", "file:///etc/hostname"])
def test_a_payload_is_never_taken_for_a_file_name_or_a_url(text: str) -> None:
    """feedparser opens a string that names a file or a URL; the adapter only ever hands it a stream."""
    with pytest.raises(SourceParseError, match="not an RSS or Atom feed"):
        feed.parse(text, board_token=FEED_URL)
    with pytest.raises(SourceParseError, match="not an RSS or Atom feed"):
        feed.parse(text.encode(), board_token=FEED_URL)


def test_the_name_in_an_rss_author_survives_a_long_top_level_domain() -> None:
    document = ("<rss version='2.0'><channel><title>Jobs</title><item><title>Dev</title><link>https://x.test/1</link>"
                "<author>jobs@northwind.example (Northwind Labs)</author></item></channel></rss>")
    assert feed.parse(document, board_token=FEED_URL)[0].company == "Northwind Labs"
