"""The ways an application reaches an employer, behind one small port: `Channel.send(request, files)`.

- `email`: SMTP to the posting's apply address, resume and cover letter attached, a BCC copy to the user.
- `greenhouse`: the Greenhouse Job Board API's "Submit an application", with the employer's key.
- `lever`: the Lever postings API's "Apply to a job posting", with the employer's key.
- `manual`: nothing is sent; the user gets a packet (`manual.py`, pure, used by the step).
- `dry_run`: stands in for the three above when RESUMEFLOW_SUBMISSION_DRY_RUN is set: records what would be sent.

A channel raises `ChannelRefused` when the employer's side refused the application (retrying cannot help: an SMTP
5xx, an HTTP 4xx validation error), `ChannelUnavailable` when nothing was handed over and it may work later (no
connection, an SMTP 4xx, HTTP 429), and `ChannelInDoubt` when the failure came after the application was handed
over and it may have arrived (the mail server went silent or away after the message's data, an HTTP timeout, a
dropped connection or a 5xx after the request was sent). Only the first two release the ledger's claim. No browser
automation and no scraping: only documented APIs and mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from processors.submission.model import SendApplication


class ChannelError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


class ChannelRefused(ChannelError):
    """The employer's side said no: failing again would say no again."""


class ChannelUnavailable(ChannelError):
    """Nothing was handed over: the channel could not be reached or asked to come back later."""


class ChannelInDoubt(ChannelError):
    """The application was handed over and then the channel failed: it may have reached the employer."""


@dataclass(frozen=True)
class Files:
    """The application's files, read from the artifact store and checked against their SHA-256."""

    resume_pdf: bytes
    cover_letter_pdf: bytes | None


@dataclass(frozen=True)
class Delivery:
    message_id: str | None = None  # the email's Message-ID
    external_id: str | None = None  # the ATS's id for the application, when it returns one
    dry_run: bool = False  # recorded by the dry-run channel, not sent (`dry_run.py`)


class Channel(Protocol):
    name: str

    async def send(self, request: SendApplication, files: Files) -> Delivery: ...

    async def close(self) -> None: ...


def short(text: str, limit: int = 300) -> str:
    """A remote party's message, bounded and on one line, for a reason the user reads."""
    return " ".join(text.split())[:limit]
