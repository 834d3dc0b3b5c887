"""Reading a user's mail folder into outcome reports (`resumeflow inbox read`): the stdlib `mailbox` and `email`
packages, nothing else.

A mail is read bounded (`MAX_MAIL_BYTES` of it; the body cut to `InboundMessage`'s 20,000 characters), parsed
with `email.policy.default` (RFC 2047 subjects, quoted-printable and base64 bodies, charsets), its text/plain
part preferred and an HTML-only mail turned into text by `textkit.html_text.html_to_text` (scripts, styles and
comments dropped; nothing is rendered or fetched). A mail that cannot be parsed is skipped with the reason,
never half-read. The report's id derives from the user and the Message-ID (or, for a mail without one, the
hash of its bytes), so reading a folder again sends the same reports, which the outcomes processor answers once.
A folder is one user's mailbox: every mail in it is that user's (`--email`); its To and Delivered-To are kept
for display, never used to choose the user. A Date header before 2000 or more than a day ahead is dropped
(`received_at` None; the mail is still read).
IMAP is not read: point this at a Maildir or mbox a mail client or `mbsync`/`offlineimap` keeps.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Literal

from streams.dates import plausible_moment
from streams.ids import derived_id, is_sent_message_id, normalize_email, user_id_for_email
from streams.messages import InboundMessage, OutcomeReport, ResponseSource
from textkit.html_text import html_to_text

MAX_MAIL_BYTES = 2 * 1024 * 1024
MAX_BODY_CHARS = 20_000
MAX_HEADER_CHARS = 998  # RFC 5322's line limit: a longer header is not a real one
MAX_REFERENCES = 50
FolderKind = Literal["maildir", "mbox"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")


class MailSkipped(ValueError):
    """A mail that is not read, and why (too large, unparseable, the user's own copy of an application)."""


@dataclass(frozen=True, slots=True)
class ReadMail:
    key: str  # the mail's key in its folder (file name in a Maildir, position in an mbox)
    report: OutcomeReport | None
    skipped: str = ""


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:  # the policy's parser refusing a header
        raise MailSkipped(f"unreadable {name} header ({type(exc).__name__})") from exc
    return _CONTROL.sub("", " ".join(str(value or "").split()))[:MAX_HEADER_CHARS]


def _address(message: Message, *names: str) -> tuple[str, str]:
    for name in names:
        value = _header(message, name)
        if value:
            display, address = email.utils.parseaddr(value)
            if "@" in address:
                return display, normalize_email(address)
    return "", ""


def _received_at(message: Message, *, now: datetime) -> datetime | None:
    """The Date header in UTC; None when absent, unparseable or implausible (`streams.dates`: before 2000 or more
    than a day after `now`), since any sender writes it."""
    value = _header(message, "Date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if not plausible_moment(parsed, now=now):
            return None
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError, KeyError):  # unknown charset, broken transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def body_text(message: EmailMessage) -> str:
    """The text the mail shows: its text/plain part, else its HTML part as text; "" for neither."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, AttributeError):
        part = None
    if part is None:
        return ""
    text = _decoded(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text[: MAX_BODY_CHARS * 10])
    return _CONTROL.sub("", text.replace("\r\n", "\n"))[:MAX_BODY_CHARS]


def inbound(raw: bytes, *, now: datetime) -> InboundMessage:
    """One mail's bytes as an `InboundMessage` (its Date kept only when plausible at `now`); raises MailSkipped
    when it cannot be read."""
    if len(raw) > MAX_MAIL_BYTES:
        raise MailSkipped(f"larger than {MAX_MAIL_BYTES // 1024} KiB")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything it still raises is this mail's fault
        raise MailSkipped(f"unparseable ({type(exc).__name__})") from exc
    if not isinstance(message, EmailMessage):
        raise MailSkipped("not a mail")
    from_name, from_address = _address(message, "From")
    _, to_address = _address(message, "Delivered-To", "To")
    references = _MESSAGE_ID.findall(_header(message, "References"))[-MAX_REFERENCES:]
    in_reply_to = _MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    message_id = _MESSAGE_ID.findall(_header(message, "Message-ID"))
    return InboundMessage(
        message_id=message_id[0] if message_id else "", in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=references, from_address=from_address, from_name=from_name[:200], to_address=to_address,
        subject=_header(message, "Subject"), body_text=body_text(message), received_at=_received_at(message, now=now),
    )


def report(raw: bytes, *, user_email: str, now: datetime) -> OutcomeReport:
    """The report for one mail of `user_email`'s folder, keyed by that user.

    The folder's owner, never the mail's own headers: a mail the user was CC'd on names someone else in To, a
    forwarded one keeps the first recipient's Delivered-To, and any sender writes both, so reading them would put
    a mail in another user's cell."""
    if "@" not in user_email:
        raise ValueError(f"not an email address: {user_email!r}")
    mail = inbound(raw, now=now)
    if is_sent_message_id(mail.message_id):  # its BCC copy in the user's own mailbox
        raise MailSkipped("the user's copy of an application resumeflow sent, not an answer")
    user_id = user_id_for_email(user_email)
    identity = mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    return OutcomeReport(event_id=derived_id("inbox-report", user_id, identity), user_id=user_id, occurred_at=now,
                         source=ResponseSource.INBOX, message=mail)


def _folder(path: Path, kind: FolderKind) -> mailbox.Mailbox:
    if kind == "maildir":
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise FileNotFoundError(f"{path} is not a Maildir (no cur/ or new/)")
        return mailbox.Maildir(path, factory=None, create=False)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not an mbox file")
    return mailbox.mbox(path, create=False)


def read_folder(path: Path, kind: FolderKind, *, user_email: str, now: datetime) -> Iterator[ReadMail]:
    """Every mail of `user_email`'s Maildir (new/ and cur/) or mbox file, in the folder's order, as a report or a
    skip.
    Raises FileNotFoundError when `path` is not such a folder."""
    folder = _folder(path, kind)
    try:
        for key in list(folder.iterkeys()):  # a Mailbox iterates over messages, not keys
            try:
                with folder.get_file(key) as handle:
                    raw = handle.read(MAX_MAIL_BYTES + 1)
                yield ReadMail(str(key), report(raw, user_email=user_email, now=now))
            except MailSkipped as exc:
                yield ReadMail(str(key), None, str(exc))
            except (KeyError, OSError) as exc:  # removed or unreadable while reading: the next read sees it
                yield ReadMail(str(key), None, f"unreadable ({type(exc).__name__})")
    finally:
        folder.close()
