"""What every source adapter shares: reading loosely typed JSON fields, and building postings one at a time so
a malformed item is skipped with a warning (and listed for the board's report) instead of failing the board.
Every posting leaves here with its links in canonical form (`textkit.urls`), and one board's items that are
one posting under several links are kept once."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from processors.discovery.model import FetchedPosting, SkippedItem
from streams.messages import BoardSource
from streams.storable_text import without_nul
from textkit.html_text import html_to_text, looks_like_html, normalize_text, sanitize_html
from textkit.normalize import clean_line
from textkit.urls import canonical_url, url_identity

logger = logging.getLogger("processors.discovery.sources")

# A catalog record must fit Kafka's default 1 MiB message: a description is cut to these many UTF-8 bytes (its
# HTML copy, which cannot be cut safely, is dropped instead), and the other fields to lengths no real posting has.
MAX_DESCRIPTION_BYTES = 200_000
MAX_HTML_BYTES = 400_000
MAX_FIELD_CHARS = {"title": 500, "company": 300, "url": 2_000, "apply_url": 2_000, "employment_type": 100,
                   "salary_text": 300}
MAX_LOCATIONS, MAX_LOCATION_CHARS = 50, 200


def fit_to_record(posting: FetchedPosting) -> FetchedPosting:
    """`posting` cut to what a catalog record can carry; a cut description records its original length. NUL
    (a board's JSON may say "\\u0000") becomes U+FFFD in every field: PostgreSQL, which the posting index and the
    read model keep postings in, cannot store it (`streams.storable_text`)."""
    fields = posting.model_dump()
    if (clean := without_nul(fields)) != fields:
        logger.warning("posting %s holds NUL: replaced by U+FFFD", posting.canonical_job_id)
        posting = FetchedPosting.model_validate(clean)
    changes: dict[str, Any] = {}
    for field, limit in MAX_FIELD_CHARS.items():
        value = getattr(posting, field)
        if isinstance(value, str) and len(value) > limit:
            changes[field] = value[:limit]
    if len(posting.locations) > MAX_LOCATIONS or any(len(p) > MAX_LOCATION_CHARS for p in posting.locations):
        changes["locations"] = [p[:MAX_LOCATION_CHARS] for p in posting.locations[:MAX_LOCATIONS]]
    text = posting.description_text
    if len(text.encode()) > MAX_DESCRIPTION_BYTES:
        cut = text.encode()[:MAX_DESCRIPTION_BYTES].decode(errors="ignore")
        changes["description_text"] = cut[: cut.rfind(" ")] if " " in cut[-200:] else cut
        changes["description_original_chars"] = len(text)
    if posting.description_html is not None and len(posting.description_html.encode()) > MAX_HTML_BYTES:
        changes["description_html"] = None
    if not changes:
        return posting
    logger.warning("posting %s cut to fit a record: %s", posting.canonical_job_id, ", ".join(sorted(changes)))
    return posting.model_copy(update=changes)


class MalformedPosting(ValueError):
    """One item cannot become a posting; the adapter logs the reason and moves on."""


def require_board_token(board_token: str) -> None:
    if not board_token or not board_token.strip():
        raise ValueError("board_token must be a non-empty string")


def build_postings(
    items: Iterable[Any],
    build: Callable[[Any], FetchedPosting | None],
    *,
    source: BoardSource,
    board_token: str,
    item_type: type = Mapping,
    skipped: list[SkippedItem] | None = None,
    describe: Callable[[Any], str] | None = None,
    identify: Callable[[Any], str | None] | None = None,
) -> list[FetchedPosting]:
    """`build` each item; skip any that is not an `item_type` (a JSON object unless told) or that `build`
    rejects — logged, and added to `skipped` when given, named by its position and `describe(item)`, with the
    source id `identify(item)` finds. Links are
    made canonical; of items sharing a source id, or a link and a title, the first is kept (logged), so the
    postings of one fetch are distinct. `build` returns None for items the source marks as not to be listed."""
    postings: list[FetchedPosting] = []
    seen: set[str] = set()
    seen_links: set[tuple[str, str]] = set()
    for position, item in enumerate(items):
        reason = None
        try:
            if not isinstance(item, item_type):
                raise MalformedPosting(f"expected {item_type.__name__}, got {type(item).__name__}")
            posting = build(item)
        except MalformedPosting as exc:
            reason = str(exc)
        except ValidationError as exc:
            reason = validation_reason(exc)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        if reason is not None:
            logger.warning("skipping malformed %s posting #%d on board %s: %s", source, position, board_token, reason)
            if skipped is not None:
                readable = isinstance(item, item_type)
                label = describe(item) if describe is not None and readable else ""
                skipped.append(SkippedItem(where=f"item #{position + 1}" + (f" ({label})" if label else ""),
                                           reason=reason,
                                           source_job_id=identify(item) if identify is not None and readable else None))
            continue
        if posting is None:
            continue
        posting = with_canonical_links(posting)
        link = (url_identity(posting.url), posting.title.casefold())
        if posting.source_job_id in seen or (posting.url and link in seen_links):
            logger.info("skipping %s posting #%d on board %s: the same posting as an earlier item (id %s, link %s)",
                        source, position, board_token, posting.source_job_id, posting.url)
            continue
        seen.add(posting.source_job_id)
        seen_links.add(link)
        postings.append(posting)
    return postings


def job_id(job: Any) -> str | None:
    """A JSON job's own id, when it has a usable one (what `required_id` would give)."""
    return (text_field(job, "id") or "").strip() or None if isinstance(job, Mapping) else None


def describe_job(job: Any) -> str:
    """A JSON job as a report names it: its id and title, as far as it has them."""
    if not isinstance(job, Mapping):
        return ""
    title = clean_line(job.get("title") or job.get("text"))[:80]
    ident = clean_line(job.get("id"))[:100]
    return ", ".join(part for part in (f"id {ident}" if ident else "", f"'{title}'" if title else "") if part)


def with_canonical_links(posting: FetchedPosting) -> FetchedPosting:
    """`posting` with `url` and `apply_url` in canonical form (tracking parameters, fragment, case of the host,
    default port and trailing slash removed), so the same posting reached by another link hashes the same."""
    url, apply_url = canonical_url(posting.url), canonical_url(posting.apply_url) or None
    if (url, apply_url) == (posting.url, posting.apply_url):
        return posting
    return posting.model_copy(update={"url": url, "apply_url": apply_url})


def require_kept_text(raw: str | None, text: str) -> None:
    """Refuse an item whose description had words that cleaning lost: a posting without its text is wrong data,
    and it must be reported, not kept. An item whose description was empty to begin with stays."""
    if text or not raw:
        return
    markup = html.unescape(raw)
    words = html.unescape(_TAGS.sub(" ", _CODE.sub(" ", markup)))
    if _WORD.search(words):
        sample = clean_line(raw)[:80]
        raise MalformedPosting(f"description is empty after cleaning, though the source sent text: {sample!r}")


_TAGS = re.compile(r"<[^>]*>")
_CODE = re.compile(r"(?is)<(script|style)\b.*?(?:</\1\s*>|$)")  # words there were never text
_WORD = re.compile(r"\w{2,}")


def validation_reason(exc: ValidationError) -> str:
    """A short reason naming the fields that failed, e.g. "title: String should have at least 1 character"."""
    return "; ".join(f"{'.'.join(map(str, error['loc'])) or 'posting'}: {error['msg']}" for error in exc.errors())


def text_field(item: Mapping[str, Any], key: str) -> str | None:
    """A string field, or None when it is missing, null, blank or not a string (numbers are stringified)."""
    value = item.get(key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def object_field(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = item.get(key)
    return value if isinstance(value, Mapping) else {}


def list_field(item: Mapping[str, Any], key: str) -> list[Any]:
    value = item.get(key)
    return value if isinstance(value, list) else []


def required_id(item: Mapping[str, Any], key: str = "id") -> str:
    value = text_field(item, key)
    if value is None:
        raise MalformedPosting(f"missing {key}")
    return value.strip()


def description_fields(markup_or_text: str | None, *, is_html: bool = False) -> tuple[str, str | None]:
    """`(description_text, description_html)` from a source field that may be HTML or plain text. `is_html` for
    a field that is HTML by definition (RSS `description`, Atom `type="html"`) even when it has no tags: its
    entities still need decoding."""
    if not markup_or_text:
        return "", None
    if looks_like_html(markup_or_text):
        return html_to_text(markup_or_text), sanitize_html(markup_or_text) or None
    if is_html:
        return html_to_text(markup_or_text), None
    return normalize_text(markup_or_text), None
