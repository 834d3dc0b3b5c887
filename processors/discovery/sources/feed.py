"""RSS (0.9x, 1.0, 2.0) and Atom (0.3, 1.0) job feeds, read with feedparser.

feedparser decodes the entities and CDATA sections of every dialect, tells an Atom `type="html"` construct from
plain text, recovers from the faults real feeds have (an unescaped `&`, a wrong declared encoding) and resolves
an item's relative link against the feed's URL. Its own rewriting of descriptions (sanitizing, resolving their
relative links) is off, since its HTML parser drops what sits in a CDATA section: descriptions go through the
allowlist sanitizer every source shares (`textkit.html_text`), which also unwraps a description a feed escaped
twice or wrapped in an escaped CDATA section (`&lt;![CDATA[...]]&gt;`).

Feeds are untrusted XML, so a document with any DOCTYPE or ENTITY declaration is refused before parsing: job
feeds never need one, and refusing them rules out entity expansion bombs ("billion laughs") and external
entities (XXE) whatever the installed expat does. A document that is not well-formed and also lacks its closing
root tag was cut off in transfer: it is refused too, since reading what arrived would close every posting that
did not. The payload is always handed to feedparser as a stream, never as a string it could take for a URL or a
file name. The board token is the feed's URL.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax import SAXParseException

import feedparser

from processors.discovery.errors import SourceParseError
from processors.discovery.model import FetchedPosting, SkippedItem
from processors.discovery.sources._common import (
    MalformedPosting,
    build_postings,
    description_fields,
    require_board_token,
    require_kept_text,
)
from streams.messages import BoardSource
from textkit.html_text import html_to_text, normalize_text
from textkit.normalize import clean_line, detect_workplace, parse_time, split_locations, stable_id
from textkit.salary import find_salary_statement
from textkit.urls import url_identity

SOURCE = BoardSource.FEED
log = logging.getLogger(__name__)

_DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CLOSING_ROOT = re.compile(r"</\s*(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*$", re.IGNORECASE)
# Job feeds commonly add a location element in their own namespace (`<job:location>`, `<region>`); feedparser
# names an element of an unknown namespace `<prefix>_<name>`.
_LOCATION_NAMES = ("location", "region", "joblocation", "job_location")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_AUTHOR_NAME_IN_PARENS = re.compile(r"\(([^()]+)\)\s*$")


def parse(payload: bytes | str, *, board_token: str, skipped: list[SkippedItem] | None = None
          ) -> list[FetchedPosting]:
    """Every well-formed item (RSS) or entry (Atom) in the feed. An item that cannot be a posting (no link, a
    description that cleaning left empty) is skipped with a warning and, when `skipped` is given, listed there."""
    require_board_token(board_token)
    document = _as_bytes(payload, board_token)
    parsed = feedparser.parse(
        io.BytesIO(document), sanitize_html=False, resolve_relative_uris=False,
        response_headers={"content-location": board_token, "content-type": "application/xml"},
    )
    version = parsed.get("version", "")
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not version:
        detail = f" ({problem})" if _not_well_formed(problem) else ""
        raise SourceParseError(f"feed {board_token}: not an RSS or Atom feed{detail}")
    if _not_well_formed(problem):
        if not _CLOSING_ROOT.search(_tail(document)):
            raise SourceParseError(f"feed {board_token}: not well-formed XML, and it ends before its closing tag "
                                   f"(cut off in transfer?): {problem}")
        log.warning("feed %s is not well-formed XML (%s); read leniently", board_token, problem)
    channel = parsed.get("feed", {})
    if version.startswith("rss") and not channel and not parsed.entries:
        raise SourceParseError(f"feed {board_token}: RSS without a channel")
    fallback_company = clean_line(html_to_text(channel.get("title", "")))
    return build_postings(
        parsed.entries,
        lambda entry: _posting(entry, board_token, fallback_company),
        source=SOURCE,
        board_token=board_token,
        skipped=skipped,
        describe=_describe,
        identify=_entry_id,
    )


def _as_bytes(payload: bytes | str, board_token: str) -> bytes:
    if isinstance(payload, str):
        document = payload.encode()
    elif isinstance(payload, bytes | bytearray):
        document = bytes(payload)
    else:
        raise SourceParseError(f"feed {board_token}: expected bytes, got {type(payload).__name__}")
    # Dropping NULs makes UTF-16/32 markup readable as ASCII; latin-1 never fails to decode.
    if _DECLARATION.search(document.replace(b"\x00", b"").decode("latin-1")):
        raise SourceParseError(f"feed {board_token}: refusing a document with a DOCTYPE or ENTITY declaration")
    return document


def _not_well_formed(problem: object) -> bool:
    return isinstance(problem, SAXParseException)


def _tail(document: bytes) -> str:
    return document[-400:].replace(b"\x00", b"").decode("latin-1")


def _describe(entry: Any) -> str:
    title = clean_line(entry.get("title", "")) if isinstance(entry, Mapping) else ""
    ident = clean_line(entry.get("id") or entry.get("link") or "") if isinstance(entry, Mapping) else ""
    return ", ".join(part for part in (f"'{title[:80]}'" if title else "", ident[:200]) if part)


def _entry_id(entry: Any) -> str | None:
    """The item's id: its guid (a permalink guid by its link's identity, so tracking parameters do not make it
    another item), else a hash of its link's identity."""
    if not isinstance(entry, Mapping):
        return None
    entry_id = clean_line(entry.get("id"))
    if entry_id.lower().startswith(("http://", "https://")):
        return url_identity(entry_id)
    link = clean_line(entry.get("link"))
    return entry_id or (stable_id(url_identity(link)) if link else None)


def _posting(entry: Mapping[str, Any], board_token: str, fallback_company: str) -> FetchedPosting:
    title = _text_construct(entry.get("title_detail"), entry.get("title", ""))
    link = clean_line(entry.get("link"))
    if not link:
        raise MalformedPosting("item without a link")
    raw, description_text, description_html = _description(entry)
    require_kept_text(raw, description_text)
    locations = _locations(entry)
    salary, salary_text = find_salary_statement(description_text)
    updated = _time(entry, "updated")
    return FetchedPosting(
        source=SOURCE,
        board_token=board_token,
        source_job_id=_entry_id(entry) or "",
        title=title,
        company=_author(entry) or fallback_company,
        locations=locations,
        workplace=detect_workplace(*locations, title),
        salary_min=salary.minimum if salary else None,
        salary_max=salary.maximum if salary else None,
        salary_currency=salary.currency if salary else None,
        salary_text=salary_text,
        posted_at=_time(entry, "published") or updated,
        updated_at=updated,
        url=link,
        apply_url=link,
        description_text=description_text,
        description_html=description_html,
    )


def _description(entry: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """`(raw, text, sanitized html)` from the entry's content (Atom `content`, RSS `content:encoded`), else its
    summary (Atom `summary`, RSS `description`)."""
    constructs = [c for c in entry.get("content", []) if isinstance(c, Mapping) and clean_line(c.get("value"))]
    construct = constructs[0] if constructs else entry.get("summary_detail")
    if not isinstance(construct, Mapping):
        return "", "", None
    raw = construct.get("value") or ""
    if construct.get("type") in _HTML_TYPES:
        text, html = description_fields(raw, is_html=True)
        return raw, text, html
    return raw, normalize_text(raw), None


def _text_construct(detail: object, value: str) -> str:
    """A title as one line, decoding markup when the feed says it is HTML (Atom `type="html"`)."""
    if isinstance(detail, Mapping) and detail.get("type") in _HTML_TYPES:
        return clean_line(html_to_text(value))
    return clean_line(value)


def _locations(entry: Mapping[str, Any]) -> list[str]:
    for key in (*_LOCATION_NAMES, *(k for k in entry if k.endswith(("_location", "_region")))):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return split_locations(value)
    return []


def _author(entry: Mapping[str, Any]) -> str:
    """The author's name: the name in RSS's "email (Name)" (read here: feedparser's own split mistakes an email
    with a long top-level domain, "jobs@northwind.example (Northwind Labs)"), Atom `<author><name>`, or RSS
    `dc:creator`; a bare email is no name."""
    author = clean_line(entry.get("author"))
    in_parens = _AUTHOR_NAME_IN_PARENS.search(author)
    if in_parens and "@" in author[: in_parens.start()]:
        return clean_line(in_parens[1])
    detail = entry.get("author_detail")
    if isinstance(detail, Mapping) and clean_line(detail.get("name")) and "@" not in author:
        return clean_line(detail.get("name"))
    return "" if "@" in author and " " not in author else author


def _time(entry: Mapping[str, Any], key: str) -> datetime | None:
    """A date the feed states, read from its text (RSS's RFC 822, Atom's ISO 8601), else feedparser's reading of
    the many other formats feeds use. `dict.get`, since feedparser's own `get("updated")` falls back to the
    published date."""
    parsed = parse_time(dict.get(entry, key))  # type: ignore[arg-type]
    if parsed is not None:
        return parsed
    fields = dict.get(entry, f"{key}_parsed")  # type: ignore[arg-type]
    if fields is None:
        return None
    try:
        return datetime(*fields[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None
