"""Posting URLs in one spelling, so a posting reached through several links is one posting. Pure, no I/O.

Boards and aggregators hand out the same posting under links that differ only by tracking parameters
(`utm_source`, Greenhouse's `gh_src`, Lever's `lever-source`, ad click ids), the host's case, a default port, a
trailing slash, the order of the query or a fragment. `canonical_url` removes those differences with Scrapy's
w3lib (percent-encoding, query order and fragment per its `canonicalize_url`) and keeps everything that can
select a page: the path's case and every other parameter (`gh_jid=123` names the job). `url_identity` also folds
the case of path and query — two links of one board that differ only in case are one posting — and is what
ids and duplicate checks compare; it is never fetched.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that only say how a visitor arrived. Matched without regard to case.
_TRACKING_PREFIXES = ("utm_", "mc_", "_hs", "pk_", "mtm_", "matomo_")
_TRACKING = frozenset({
    "gh_src", "lever-source", "lever-origin", "lever-via", "ashby_src", "fbclid", "gclid", "gclsrc", "dclid",
    "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id", "igshid", "_ga", "_gl", "trk",
    "trackingid", "refid", "hsctatracking", "vero_id", "oly_enc_id", "oly_anon_id", "rb_clickid", "s_cid",
})  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HTTP = re.compile(r"^https?://", re.IGNORECASE)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str:
    """`url` without tracking parameters, fragment, default port or trailing slash, host in lower case and
    query sorted; "" for none. Only http(s) URLs are rewritten; anything else comes back trimmed."""
    text = (url or "").strip()
    if not _HTTP.match(text):
        return text
    try:
        raw = urlsplit(text)
        kept = [pair for pair in raw.query.split("&") if pair and not is_tracking_parameter(unquote_plus(
            pair.split("=", 1)[0]))]
        parts = urlsplit(canonicalize_url(urlunsplit(raw._replace(query="&".join(kept))), keep_fragments=False))
        port = parts.port
    except ValueError:
        return text
    host = (parts.hostname or "").rstrip(".")
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    netloc = host if port in (None, _DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"
    if "@" in parts.netloc:  # credentials kept as given: rare, but part of where the link leads
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def url_identity(url: str | None) -> str:
    """What two links of one posting share: `canonical_url` with path and query in lower case."""
    canonical = canonical_url(url)
    if not _HTTP.match(canonical):
        return canonical
    parts = urlsplit(canonical)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.lower(), parts.query.lower(), ""))
