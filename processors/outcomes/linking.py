"""Which application a report answers: pure, in a fixed order, each way recorded as `linked_by`.

1. `application_id`: the report names it (the user's report, a fix).
2. `external_id`: the ATS's own application id (a webhook) equals the one the submission got back.
3. `canonical_job_id`: the report names the job; one application per (user, job).
4. `in_reply_to`, then `references` (newest first): a mail's thread headers hold the Message-ID the application
   was sent with (RFC 5322, section 3.6.4).
5. `company_and_title`: the posting's company, normalized (legal forms dropped, accents folded), is in the
   sender's domain, display name, subject or body; among the user's applications to that company, one whose title
   the mail names (`TITLE_NAMED`) comes first, then the open ones (not completed), then the most title words in
   common, then the most recent. Title similarity is the share of the title's words found (`title_overlap`):
   recruiters quote titles with words dropped or reordered, rarely with words changed.

No way matches: None, and the report waits in the cell for an application that arrives later.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from streams.messages import InboundMessage, OutcomeReport, TrackedApplication

LEGAL_FORMS = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "se", "co", "corp", "corporation", "company",
    "plc", "sa", "sas", "sarl", "bv", "nv", "kg", "ug", "oy", "ab", "as", "spa", "srl", "pty", "lp", "llp",
    "the", "kgaa", "mbh", "haftungsbeschrankt",
})
TITLE_NOISE = frozenset({"m", "w", "d", "f", "x", "h", "all", "genders", "and", "of", "the", "for", "in", "a", "an",
                         "remote", "hybrid", "onsite", "mfd", "mwd", "wmd"})
MIN_COMPANY_CHARS = 3  # "AB" or "X" would be found in any text; such a company links by its domain only
BODY_CHARS = 4000
TITLE_NAMED = 0.5  # half the title's words in the mail: it names that role, even over a more recent open one
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Link:
    application_id: str
    linked_by: str


def fold(text: str) -> str:
    """Lower case ASCII words separated by single spaces: accents dropped (Müller -> muller), punctuation gone."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", ascii_text.lower()).strip()


def company_words(company: str) -> list[str]:
    return [w for w in fold(company).split() if w not in LEGAL_FORMS]


def _message_ids(value: str) -> str:
    return value.strip().strip("<>").strip()


def _domain_labels(address: str) -> list[str]:
    domain = address.rpartition("@")[2].lower()
    return [fold(label).replace(" ", "") for label in domain.split(".")[:-1] if label]


def company_named(company: str, message: InboundMessage) -> bool:
    """True when `company` is the sender's domain (acme.io, careers.acme-robotics.com) or is named as a whole
    phrase in the display name, subject or body."""
    words = company_words(company)
    if not words:
        return False
    compact = "".join(words)
    if compact in _domain_labels(message.from_address):
        return True
    if len(compact) < MIN_COMPANY_CHARS:
        return False
    phrase = " " + " ".join(words) + " "
    haystack = " " + fold(f"{message.from_name} {message.subject} {message.body_text[:BODY_CHARS]}") + " "
    return phrase in haystack


def title_overlap(title: str, message: InboundMessage) -> float:
    """The share of the title's words (gender markers and fillers left out) present in the subject and body."""
    words = {w for w in fold(title).split() if w not in TITLE_NOISE}
    if not words:
        return 0.0
    present = set(fold(f"{message.subject} {message.body_text[:BODY_CHARS]}").split())
    return len(words & present) / len(words)


def link(report: OutcomeReport, applications: list[TrackedApplication]) -> Link | None:
    """The application `report` answers, and how it was found; None when none."""
    if report.application_id:
        found = next((a for a in applications if a.application_id == report.application_id), None)
        return Link(found.application_id, "application_id") if found else None
    if report.external_id:
        for app in applications:
            if app.submitted is not None and app.submitted.external_id == report.external_id:
                return Link(app.application_id, "external_id")
    if report.canonical_job_id:
        found = next((a for a in applications if a.canonical_job_id == report.canonical_job_id), None)
        if found:
            return Link(found.application_id, "canonical_job_id")
    message = report.message
    if message is None:
        return None
    sent = {_message_ids(a.submitted.message_id): a for a in applications
            if a.submitted is not None and a.submitted.message_id}
    if message.in_reply_to and (app := sent.get(_message_ids(message.in_reply_to))):
        return Link(app.application_id, "in_reply_to")
    for reference in reversed(message.references):
        if app := sent.get(_message_ids(reference)):
            return Link(app.application_id, "references")
    return _by_company_and_title(message, applications)


def _by_company_and_title(message: InboundMessage, applications: list[TrackedApplication]) -> Link | None:
    candidates = [a for a in applications if a.submitted is not None and a.submitted.posting is not None
                  and company_named(a.submitted.posting.company, message)]
    if not candidates:
        return None

    def rank(app: TrackedApplication) -> tuple[bool, bool, float, float]:
        assert app.submitted is not None and app.submitted.posting is not None
        overlap = title_overlap(app.submitted.posting.title, message)
        return (overlap >= TITLE_NAMED, app.completed is None, overlap, app.submitted.occurred_at.timestamp())

    best = max(candidates, key=rank)
    return Link(best.application_id, "company_and_title")
