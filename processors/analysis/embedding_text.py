"""The text analysis embeds for each posting, its fingerprint. Pure; no I/O (the embedder is `adapters.embeddings`).

all-MiniLM-L6-v2 reads at most 256 word pieces and silently drops the rest, so what goes first decides what is
compared: title and company (the identity of a role), then the locations, then the start of the description,
cut at a sentence or word boundary near `DESCRIPTION_CHARS`. About 1,000 characters of English is 200-250 word
pieces, so the description fills the window and the title is never the part that falls off.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from streams.messages import JobPosting, Workplace

DESCRIPTION_CHARS = 1000
# A cut is moved back to the end of a sentence (or else a word) when one ends at most this far before the limit.
_CUT_SLACK = 200
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"[^\S\n]+")
_SENTENCE_END = re.compile(r"[.!?;:](?=\s)|\n")


def truncate_description(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The first `limit` characters of `text`, ending at a sentence end (or else a word end) when one is near,
    so the embedding never ends on half a word the tokenizer would split into noise. Runs of spaces and of blank
    lines count as one character, so a re-post that only re-spaces its text is cut at the same words."""
    text = _SPACES.sub(" ", _LINE_BREAK.sub("\n", text)).strip()
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    floor = limit - _CUT_SLACK
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(head) if floor <= m.end() <= limit]
    if sentence_ends:
        return head[: sentence_ends[-1]].rstrip()
    space = head.rfind(" ", floor, limit + 1)
    return head[:space].rstrip() if space > 0 else text[:limit]


def embedding_text(
    title: str,
    company: str,
    locations: Sequence[str],
    description: str,
    *,
    description_chars: int = DESCRIPTION_CHARS,
) -> str:
    """`"<title> at <company>. <locations>.\\n<description head>"`, whitespace collapsed within the header."""
    header = _one_line(title)
    if _one_line(company):
        header += f" at {_one_line(company)}"
    places = "; ".join(_one_line(place) for place in locations if _one_line(place))
    if places:
        header += f". {places}"
    body = truncate_description(description, description_chars)
    return f"{header}.\n{body}" if body else f"{header}."


def posting_embedding_text(posting: JobPosting, *, description_chars: int = DESCRIPTION_CHARS) -> str:
    return embedding_text(posting.title, posting.company, dedup_locations(posting.locations, posting.workplace),
                          posting.description_text, description_chars=description_chars)


def dedup_locations(locations: Sequence[str], workplace: Workplace = Workplace.UNKNOWN) -> list[str]:
    """The locations the summary embedding reads: its own, plus "Remote" when the source says it is remote but no
    location says so. (Dedup compares places itself: `dedup.remote_locations`.)"""
    kept = [place for place in locations if place.strip()]
    if workplace == Workplace.REMOTE and not any("remote" in place.lower() for place in kept):
        kept.append("Remote")
    return kept


def posting_fingerprint(title: str, company: str, locations: Sequence[str], description: str, *,
                        description_chars: int = DESCRIPTION_CHARS) -> str:
    """The sha256 of the embedded text, case-folded and with whitespace collapsed — MiniLM's tokenizer is
    uncased and reads any whitespace as one separator, so equal fingerprints mean equal embeddings and a posting
    that did not change (or changed only after the embedded head) is not embedded again. Stored as
    `content_hash` beside the embedding."""
    text = embedding_text(title, company, locations, description, description_chars=description_chars)
    return hashlib.sha256(_one_line(text).casefold().encode()).hexdigest()


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()
