"""Submission's port requests and results (never published: they live while one record is processed)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from streams.messages import PostingSummary, VariantOption
from streams.processor import PortRequest, PortResult


class Applicant(BaseModel):
    """Who applies, from the profile's `basics` (name split at its last space for forms that want two fields)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    first_name: str
    last_name: str
    email: str
    phone: str = ""


class SendApplication(PortRequest):
    """Claim (user, job) in the ledger, then hand the application to `channel` ("email", "greenhouse", "lever").
    `message_id` is the email's Message-ID, derived from the application and its claim round."""

    application_id: str
    user_id: str
    canonical_job_id: str
    channel: str
    idempotency_key: str
    message_id: str
    posting: PostingSummary
    variant: VariantOption
    cover_letter_uri: str = ""
    cover_letter_sha256: str = ""
    applicant: Applicant
    subject: str
    body: str  # the email's text, Lever's `comments`


class Reconcile(PortRequest):
    """Is an unconfirmed email claim in the BCC copy's mailbox? Found, the claim is confirmed. Not found, the claim
    stays: a missing copy does not prove the mail was not sent (greylisting, a slow relay, a provider that hides
    the sender's own BCC copy), so only the user's CONFIRM_NOT_SENT releases it."""

    application_id: str
    user_id: str
    canonical_job_id: str
    idempotency_key: str
    message_id: str
    mailbox: str  # the user's address the copy was BCC'd to


class ResolveClaim(PortRequest):
    """The user says whether an in-doubt application reached the employer: confirm or release the claim."""

    application_id: str
    user_id: str
    canonical_job_id: str
    idempotency_key: str
    sent: bool


class Sent(PortResult):
    """The channel took it (`earlier`: a previous attempt had, and the ledger says so; `dry_run`: it was only
    recorded). `sent_at`: when, as the ledger recorded it once (None: not known, the step's clock stands in)."""

    application_id: str
    idempotency_key: str
    message_id: str | None = None
    external_id: str | None = None
    earlier: bool = False
    dry_run: bool = False  # the dry-run channel recorded it instead of sending
    sent_at: datetime | None = None


class SendFailed(PortResult):
    """Nothing went out, and this is known (the failure came before the application was handed over, or the
    channel answered that it did not take it); the claim is released. `permanent`: the channel refused (do not
    retry)."""

    application_id: str
    reason: str
    permanent: bool


class RateLimited(PortResult):
    """The channel's shared token bucket is empty: nothing was claimed or sent."""

    application_id: str
    retry_after_s: float


class InDoubt(PortResult):
    """It may have reached the employer and this is not known: the channel failed after the application was handed
    over (`reason` says how), or the ledger already holds an unconfirmed claim (an earlier attempt died between
    claiming and confirming; `reason` empty). The claim is kept; nothing is sent blindly."""

    application_id: str
    idempotency_key: str
    reason: str = ""


class Reconciled(PortResult):
    """`found`: the email is in the BCC mailbox (the claim is confirmed). `settled`: nothing holds this claim any
    more (released by a known failure or by the user), so it may be sent again under a new key. Else the claim is
    kept and looked for again in `retry_after_s`; `overdue`: the grace period is over without a copy, so the user
    is asked; `waited_s` is how long since the claim. `sent_at`: with `found`, when the ledger confirmed it."""

    application_id: str
    idempotency_key: str
    found: bool
    sent_at: datetime | None = None
    settled: bool = False
    overdue: bool = False
    retry_after_s: float = 0.0
    waited_s: float = 0.0


class ClaimResolved(PortResult):
    """The user's word on an in-doubt claim, recorded in the ledger (`sent_at`: when it was confirmed)."""

    application_id: str
    idempotency_key: str
    sent: bool
    sent_at: datetime | None = None
