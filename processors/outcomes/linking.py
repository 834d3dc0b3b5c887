"""Which application a report answers: pure, in a fixed order, each way recorded as `linked_by`.

Never an application sent after the answer: a mail received (`received_at`, with `CLOCK_SLACK` for the sender's
clock) or a report dated (`responded_on`) before an application's submission does not link to it, whatever way
would name it (an old rejection for another role at the same company is not the new application's answer).

1. `application_id`: the report names it (the user's report, a fix).
2. `external_id`: the ATS's own application id (a webhook) equals the one the submission got back.
3. `canonical_job_id`: the report names the job; one application per (user, job).
4. `in_reply_to`, then `references` (newest first): a mail's thread headers hold the Message-ID the application
   was sent with (RFC 5322, section 3.6.4).
5. `company_and_title`: the posting's company, normalized (legal forms dropped, accents folded). Evidence for an
   application is either the sender naming the company (its domain, or its display name) or the company named
   anywhere (subject, body) together with the title (`title_overlap` at least `TITLE_NAMED`: recruiters quote
   titles with words dropped or reordered, rarely with words changed). Among applications whose title the mail
   names, the open one (not completed) first, then the most title words in common, then the most recent. With no
   title named, only an unambiguous one links: the one open application among them, or, none being open, the
   one application; several open applications at that company leave the report unlinked for the user to link.

No way matches: None, and the report waits in the cell for an application that arrives later (or the user).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, timedelta

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
CLOCK_SLACK = timedelta(minutes=15)  # a sender's clock behind ours: an instant acknowledgement still links
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


def _phrase_in(words: list[str], text: str) -> bool:
    if len("".join(words)) < MIN_COMPANY_CHARS:
        return False
    return " " + " ".join(words) + " " in " " + fold(text) + " "


def sender_names(company: str, message: InboundMessage) -> bool:
    """True when the sender is `company`: its domain (acme.io, careers.acme-robotics.com) or its display name
    ("Acme Robotics Talent" <no-reply@greenhouse.io>) names it as a whole phrase."""
    words = company_words(company)
    if not words:
        return False
    return "".join(words) in _domain_labels(message.from_address) or _phrase_in(words, message.from_name)


def company_named(company: str, message: InboundMessage) -> bool:
    """True when the sender is `company` (`sender_names`) or the subject or body names it as a whole phrase."""
    return sender_names(company, message) or _phrase_in(
        company_words(company), f"{message.subject} {message.body_text[:BODY_CHARS]}")


def title_overlap(title: str, message: InboundMessage) -> float:
    """The share of the title's words (gender markers and fillers left out) present in the subject and body."""
    words = {w for w in fold(title).split() if w not in TITLE_NOISE}
    if not words:
        return 0.0
    present = set(fold(f"{message.subject} {message.body_text[:BODY_CHARS]}").split())
    return len(words & present) / len(words)


def answered_before_sent(report: OutcomeReport, app: TrackedApplication) -> bool:
    """True when `report` is dated, or its mail was received, before `app` was submitted (it cannot answer it)."""
    if app.submitted is None:
        return False
    sent = app.submitted.occurred_at
    if report.responded_on is not None and report.responded_on < sent.astimezone(UTC).date():
        return True
    received = report.message.received_at if report.message is not None else None
    return received is not None and received < sent - CLOCK_SLACK


def link(report: OutcomeReport, applications: list[TrackedApplication]) -> Link | None:
    """The application `report` answers, and how it was found; None when none."""
    applications = [a for a in applications if not answered_before_sent(report, a)]
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
    titled: list[tuple[TrackedApplication, float]] = []
    by_sender: list[TrackedApplication] = []
    for app in applications:
        if app.submitted is None or app.submitted.posting is None:
            continue
        posting = app.submitted.posting
        if not company_named(posting.company, message):
            continue
        overlap = title_overlap(posting.title, message)
        if overlap >= TITLE_NAMED:
            titled.append((app, overlap))
        elif sender_names(posting.company, message):
            by_sender.append(app)
    if titled:
        best, _ = max(titled, key=lambda pair: (pair[0].completed is None, pair[1],
                                                pair[0].submitted.occurred_at.timestamp()))  # type: ignore[union-attr]
        return Link(best.application_id, "company_and_title")
    pool = [a for a in by_sender if a.completed is None] or by_sender
    return Link(pool[0].application_id, "company_and_title") if len(pool) == 1 else None
