"""RSS 2.0 and Atom 1.0 job feeds, read with the stdlib `xml.etree.ElementTree`.

Feeds are untrusted XML, so a document with any DOCTYPE or ENTITY declaration is refused before parsing: job
feeds never need one, and refusing them rules out entity expansion bombs ("billion laughs") and external
entities (XXE) whatever the installed expat does. The board token is the feed's URL.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from processors.discovery.errors import SourceParseError
from processors.discovery.model import FetchedPosting
from processors.discovery.sources._common import (
    MalformedPosting,
    build_postings,
    description_fields,
    html_fields,
    require_board_token,
)
from streams.messages import BoardSource
from textkit.html_text import normalize_text
from textkit.normalize import (
    clean_line,
    detect_workplace,
    find_salary,
    parse_time,
    split_locations,
    stable_id,
)

SOURCE = BoardSource.FEED

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Job feeds commonly add a location element in their own namespace (`<job:location>`, `<region>`).
_LOCATION_NAMES = frozenset({"location", "region", "joblocation", "job_location"})
_AUTHOR_NAME_IN_PARENS = re.compile(r"\(([^()]+)\)\s*$")


def parse(payload: bytes | str, *, board_token: str) -> list[FetchedPosting]:
    """Every well-formed item (RSS) or entry (Atom) in the feed; a malformed one is skipped with a warning."""
    require_board_token(board_token)
    root = _parse_xml(payload, board_token)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise SourceParseError(f"feed {board_token}: RSS without a channel")
        fallback = clean_line(channel.findtext("title"))
        return build_postings(
            channel.findall("item"),
            lambda item: _rss_item(item, board_token, fallback),
            source=SOURCE,
            board_token=board_token,
            item_type=ET.Element,
        )
    if root.tag == f"{_ATOM}feed":
        fallback = _atom_text(root.find(f"{_ATOM}title"))[0]
        return build_postings(
            root.findall(f"{_ATOM}entry"),
            lambda entry: _atom_entry(entry, board_token, fallback),
            source=SOURCE,
            board_token=board_token,
            item_type=ET.Element,
        )
    raise SourceParseError(f"feed {board_token}: not RSS 2.0 or Atom 1.0 (root element {root.tag!r})")


def _parse_xml(payload: bytes | str, board_token: str) -> ET.Element:
    if isinstance(payload, str):
        scan = payload
    elif isinstance(payload, bytes | bytearray):
        # Dropping NULs makes UTF-16/32 markup readable as ASCII; latin-1 never fails to decode.
        scan = bytes(payload).replace(b"\x00", b"").decode("latin-1")
    else:
        raise SourceParseError(f"feed {board_token}: expected bytes, got {type(payload).__name__}")
    if _DECLARATION.search(scan):
        raise SourceParseError(f"feed {board_token}: refusing a document with a DOCTYPE or ENTITY declaration")
    try:
        return ET.fromstring(payload)
    except ET.ParseError as exc:
        raise SourceParseError(f"feed {board_token}: not well-formed XML: {exc}") from exc


def _rss_item(element: ET.Element, board_token: str, channel_title: str) -> FetchedPosting:
    title = clean_line(element.findtext("title"))
    link = clean_line(element.findtext("link"))
    guid_element = element.find("guid")
    guid = clean_line(guid_element.text if guid_element is not None else None)
    if not link and guid and (guid_element.get("isPermaLink", "true").lower() == "true") and guid.startswith("http"):
        link = guid
    if not link:
        raise MalformedPosting("item without a link")
    body = element.findtext(_CONTENT_ENCODED) or element.findtext("description") or ""
    description_text, description_html = html_fields(body)
    locations = _locations(element)
    salary = find_salary(description_text)
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=guid or stable_id(link),
        title=title,
        company=_author(element.findtext(_DC_CREATOR) or element.findtext("author")) or channel_title,
        locations=locations,
        workplace=detect_workplace(*locations, title),
        salary_min=salary.minimum if salary else None,
        salary_max=salary.maximum if salary else None,
        salary_currency=salary.currency if salary else None,
        posted_at=parse_time(element.findtext("pubDate")),
        url=link,
        apply_url=link,
        description_text=description_text,
        description_html=description_html,
    )


def _atom_entry(element: ET.Element, board_token: str, feed_title: str) -> FetchedPosting:
    title = _atom_text(element.find(f"{_ATOM}title"))[0]
    link = _atom_link(element)
    if not link:
        raise MalformedPosting("entry without a link")
    entry_id = clean_line(element.findtext(f"{_ATOM}id"))
    content = element.find(f"{_ATOM}content")
    if content is None or not _atom_text(content)[1]:
        content = element.find(f"{_ATOM}summary")
    description_text, description_html = _atom_text(content)[1:]
    author = element.find(f"{_ATOM}author")
    author_name = clean_line(author.findtext(f"{_ATOM}name")) if author is not None else ""
    locations = _locations(element)
    salary = find_salary(description_text)
    updated = parse_time(element.findtext(f"{_ATOM}updated"))
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=entry_id or stable_id(link),
        title=title,
        company=author_name or feed_title,
        locations=locations,
        workplace=detect_workplace(*locations, title),
        salary_min=salary.minimum if salary else None,
        salary_max=salary.maximum if salary else None,
        salary_currency=salary.currency if salary else None,
        posted_at=parse_time(element.findtext(f"{_ATOM}published")) or updated,
        updated_at=updated,
        url=link,
        apply_url=link,
        description_text=description_text,
        description_html=description_html,
    )


def _atom_text(element: ET.Element | None) -> tuple[str, str, str | None]:
    """An Atom text construct as `(one line, description text, sanitized html)`, honouring its `type`."""
    if element is None:
        return "", "", None
    kind = element.get("type", "text")
    if kind == "xhtml":
        for node in element.iter():
            node.tag = node.tag.rsplit("}", 1)[-1]  # serialize XHTML as plain HTML, without ns0: prefixes
        markup = (element.text or "") + "".join(ET.tostring(child, encoding="unicode") for child in element)
        text, html = description_fields(markup)
    elif kind == "html":
        text, html = html_fields(element.text or "")
    else:
        text, html = normalize_text(element.text or ""), None
    return clean_line(text), text, html


def _atom_link(entry: ET.Element) -> str:
    links = entry.findall(f"{_ATOM}link")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return clean_line(link.get("href"))
    return clean_line(links[0].get("href")) if links else ""


def _locations(element: ET.Element) -> list[str]:
    for child in element:
        local = child.tag.rsplit("}", 1)[-1].lower()
        if local in _LOCATION_NAMES and child.text:
            return split_locations(child.text)
    return []


def _author(value: str | None) -> str:
    """RSS `<author>` is "email (Name)" by the spec; keep the name when there is one."""
    line = clean_line(value)
    match = _AUTHOR_NAME_IN_PARENS.search(line)
    return clean_line(match[1]) if match else line
