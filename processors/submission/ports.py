"""Submission's ports: the ledger claim around every send, the channels, the shared rate limits, reconciliation.

A send (`SendApplication`) is, in this order:

1. a token from the channel's Redis bucket (shared by every worker): none -> `RateLimited`, nothing claimed;
2. the ledger claim of (user, canonical job): lost to a CONFIRMED row -> `Sent(earlier=True)` (a crash after
   sending and confirming, before Kafka had the outputs); lost to a CLAIMED row -> `InDoubt` (nothing is sent);
3. the files, read from the user's own folder of the artifact store (`artifact_dir/<user_id>`, file:// only)
   and checked against their SHA-256 (a file without one is not read; a cover letter without one is not sent);
4. the channel: taken -> the claim is confirmed, `Sent`; refused or unavailable with nothing handed over -> the
   claim is released, `SendFailed`; failed after handing it over (`ChannelInDoubt`) or with an unexpected error ->
   the claim is kept, `InDoubt`.

A kill -9 anywhere leaves either no claim (redone from scratch), a released claim (redone), a confirmed one
(reported as sent) or a claimed one (in doubt, never resent blindly). Reconciling an in-doubt email looks for its
Message-ID in the mailbox its BCC copy went to: found, the claim is confirmed. Not found, the claim stays: within
the grace period (`RESUMEFLOW_SUBMISSION_IN_DOUBT_GRACE_S`, counted from the claim on the database's clock) it is
looked for again; after it, the user is asked (`overdue`) and it is still looked for, less and less often. Only the
user's CONFIRM_NOT_SENT (`ResolveClaim`) releases an in-doubt claim.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp
import asyncpg
from redis.asyncio import Redis

from adapters.maildir import contains_message_id
from adapters.rate_limit import RedisTokenBucket
from adapters.transient import outages
from processors.submission.channels import Channel, ChannelError, ChannelInDoubt, ChannelRefused, Files
from processors.submission.channels.dry_run import DryRunChannel
from processors.submission.channels.email import EmailChannel
from processors.submission.channels.greenhouse import GreenhouseChannel
from processors.submission.channels.lever import LeverChannel
from processors.submission.ledger import ClaimState, Ledger, table_name
from processors.submission.model import (
    ClaimResolved,
    InDoubt,
    RateLimited,
    Reconcile,
    Reconciled,
    ResolveClaim,
    SendApplication,
    SendFailed,
    Sent,
)
from streams.processor import PortRequest, PortResult
from streams.redis_client import redis_client
from streams.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
RATE_KEY_PREFIX = "resumeflow:ratelimit:submission:"
SHORT_WAIT_S, SHORT_WAITS = 1.0, 3


OWNER = re.compile(r"^[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,127}$")  # a user id as a folder name: no separator, no ".."


class ArtifactRefused(Exception):
    pass


def owner_root(artifact_dir: Path, user_id: str) -> Path:
    """The user's own folder of the artifact store (as the query API serves it). Raises ArtifactRefused for a user id
    that cannot be a plain folder name."""
    if not OWNER.match(user_id):
        raise ArtifactRefused("the user id cannot name a folder of the artifact store")
    return artifact_dir / user_id


def read_artifact(uri: str, sha256: str, root: Path) -> bytes:
    """The bytes of a `file://` artifact inside `root`, checked against `sha256`. Raises ArtifactRefused for any
    other scheme, a path outside `root` (after resolving links), a missing or oversized file, no hash to check
    against or another hash."""
    if not sha256:
        raise ArtifactRefused("the artifact has no SHA-256 to check it against")
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ArtifactRefused(f"the artifact {uri[:200]!r} is not a file in the artifact store")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ArtifactRefused("the artifact is outside the artifact store")
    try:
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            raise ArtifactRefused(f"the artifact is over {MAX_ATTACHMENT_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactRefused(f"the artifact cannot be read: {exc.strerror}") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ArtifactRefused("the artifact changed since it was rendered (SHA-256 differs)")
    return data


def application_files(request: SendApplication, artifact_dir: Path) -> Files:
    """The resume and cover letter from the user's own folder (`artifact_dir/<user_id>`, as the query API serves
    them), each checked against its SHA-256. Raises ArtifactRefused (nothing to send). A cover letter without its
    hash is left out rather than read unchecked."""
    root = owner_root(artifact_dir, request.user_id)
    resume = read_artifact(request.variant.artifact_uri, request.variant.sha256, root)
    letter = (read_artifact(request.cover_letter_uri, request.cover_letter_sha256, root)
              if request.cover_letter_uri and request.cover_letter_sha256 else None)
    return Files(resume_pdf=resume, cover_letter_pdf=letter)


class SubmissionPorts:
    def __init__(self, *, ledger: Ledger, buckets: dict[str, RedisTokenBucket], channels: dict[str, Channel],
                 artifact_dir: Path, mailbox_dir: Path | None, grace_s: float,
                 session: aiohttp.ClientSession | None = None, redis: Redis | None = None,
                 pool: asyncpg.Pool | None = None) -> None:
        self._ledger = ledger
        self._buckets = buckets
        self._channels = channels
        self._artifact_dir = artifact_dir
        self._mailbox_dir = mailbox_dir
        self._grace_s = grace_s
        self._session, self._redis, self._pool = session, redis, pool

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]:
        match request:
            case SendApplication():
                return [await self._send(request)]
            case Reconcile():
                return [await self._reconcile(request)]
            case ResolveClaim():
                return [await self._resolve(request)]
        raise TypeError(f"submission has no port for {type(request).__name__}")

    async def _send(self, request: SendApplication) -> PortResult:
        channel = self._channels.get(request.channel)
        if channel is None:
            return SendFailed(application_id=request.application_id, permanent=True,
                              reason=f"the {request.channel} channel is not configured here")
        bucket = self._buckets.get(request.channel)
        if bucket is not None:
            async with outages("Redis (rate limits)"):
                wait_s = await bucket.try_acquire(request.channel)
                # A token due within a moment is waited for, like any polite client; a longer wait is the cell's
                # (WAITING with its time), so a busy channel never holds the partition up.
                for _ in range(SHORT_WAITS):
                    if not 0 < wait_s <= SHORT_WAIT_S:
                        break
                    await asyncio.sleep(wait_s)
                    wait_s = await bucket.try_acquire(request.channel)
            if wait_s > 0:
                return RateLimited(application_id=request.application_id, retry_after_s=wait_s)
        ids = {"user_id": request.user_id, "canonical_job_id": request.canonical_job_id}
        async with outages("PostgreSQL (the submission ledger)"):
            claim = await self._ledger.claim(**ids, application_id=request.application_id,
                                             idempotency_key=request.idempotency_key, channel=request.channel)
        if not claim.won:
            if claim.row.state == ClaimState.CONFIRMED:
                return Sent(application_id=request.application_id, idempotency_key=claim.row.idempotency_key,
                            message_id=claim.row.message_id, external_id=claim.row.external_id, earlier=True,
                            sent_at=claim.row.confirmed_at,
                            dry_run=isinstance(channel, DryRunChannel))
            log.warning("application %s: an unconfirmed claim from an earlier attempt: in doubt",
                        request.application_id)
            return InDoubt(application_id=request.application_id, idempotency_key=claim.row.idempotency_key)
        try:
            files = await asyncio.to_thread(application_files, request, self._artifact_dir)
        except Exception as exc:  # before the channel: nothing went out
            if not isinstance(exc, ArtifactRefused):
                log.exception("application %s: its files could not be read", request.application_id)
            reason = str(exc) if isinstance(exc, ArtifactRefused) else "the files could not be read"
            return await self._released(request, reason, permanent=True)
        try:
            delivery = await channel.send(request, files)
        except ChannelInDoubt as exc:
            log.warning("application %s: %s failed after it was handed over: in doubt", request.application_id,
                        request.channel)
            return InDoubt(application_id=request.application_id, idempotency_key=request.idempotency_key,
                           reason=exc.reason)
        except ChannelError as exc:  # refused or unavailable before anything was handed over
            return await self._released(request, exc.reason, permanent=isinstance(exc, ChannelRefused))
        except Exception:
            # A channel's own bug: whether it sent anything is unknown, so the claim stays (in doubt, for the user
            # to confirm) and no retry can crash-loop the worker; loudly in the log.
            log.exception("application %s: %s raised unexpectedly", request.application_id, request.channel)
            return InDoubt(application_id=request.application_id, idempotency_key=request.idempotency_key,
                           reason=f"{request.channel} failed unexpectedly while sending")
        async with outages("PostgreSQL (the submission ledger)"):
            sent_at = await self._ledger.confirm(**ids, idempotency_key=request.idempotency_key,
                                                 message_id=delivery.message_id, external_id=delivery.external_id)
        log.info("application %s %s %s", request.application_id,
                 "recorded by the dry run in place of" if delivery.dry_run else "sent by", request.channel)
        return Sent(application_id=request.application_id, idempotency_key=request.idempotency_key,
                    message_id=delivery.message_id, external_id=delivery.external_id, dry_run=delivery.dry_run,
                    sent_at=sent_at)

    async def _released(self, request: SendApplication, reason: str, *, permanent: bool) -> SendFailed:
        async with outages("PostgreSQL (the submission ledger)"):
            await self._ledger.release(user_id=request.user_id, canonical_job_id=request.canonical_job_id,
                                       idempotency_key=request.idempotency_key, failed=permanent)
        log.info("application %s: %s %s", request.application_id, request.channel,
                 "refused" if permanent else "failed")
        return SendFailed(application_id=request.application_id, reason=reason, permanent=permanent)

    async def _reconcile(self, request: Reconcile) -> Reconciled:
        ids = {"user_id": request.user_id, "canonical_job_id": request.canonical_job_id}
        key = request.idempotency_key
        async with outages("PostgreSQL (the submission ledger)"):
            row = await self._ledger.get(**ids)
        if row is None or row.idempotency_key != key or row.state in (ClaimState.RELEASED, ClaimState.FAILED):
            # Nothing holds this key any more: nothing of this round went out.
            return Reconciled(application_id=request.application_id, idempotency_key=key, found=False, settled=True)
        if row.state == ClaimState.CONFIRMED:
            return Reconciled(application_id=request.application_id, idempotency_key=key, found=True,
                              sent_at=row.confirmed_at)
        if self._mailbox_dir is not None and await asyncio.to_thread(
                contains_message_id, self._mailbox_dir, request.mailbox, request.message_id):
            async with outages("PostgreSQL (the submission ledger)"):
                sent_at = await self._ledger.confirm(**ids, idempotency_key=key, message_id=request.message_id)
            log.info("application %s: its copy is in the mailbox: sent", request.application_id)
            return Reconciled(application_id=request.application_id, idempotency_key=key, found=True,
                              sent_at=sent_at)
        if row.age_s < self._grace_s:
            return Reconciled(application_id=request.application_id, idempotency_key=key, found=False,
                              retry_after_s=self._grace_s - row.age_s, waited_s=row.age_s)
        # No copy does not prove no mail (greylisting, a slow relay, a provider hiding the sender's own BCC copy):
        # the claim stays for the user to settle; the copy is still looked for, each wait as long as the last.
        log.warning("application %s: no copy in the mailbox %.0fs after its claim: the user is asked",
                    request.application_id, row.age_s)
        return Reconciled(application_id=request.application_id, idempotency_key=key, found=False, overdue=True,
                          retry_after_s=max(self._grace_s, row.age_s), waited_s=row.age_s)

    async def _resolve(self, request: ResolveClaim) -> ClaimResolved:
        ids = {"user_id": request.user_id, "canonical_job_id": request.canonical_job_id}
        sent_at = None
        async with outages("PostgreSQL (the submission ledger)"):
            if request.sent:
                sent_at = await self._ledger.confirm(**ids, idempotency_key=request.idempotency_key)
            else:
                await self._ledger.release(**ids, idempotency_key=request.idempotency_key)
        return ClaimResolved(application_id=request.application_id, idempotency_key=request.idempotency_key,
                             sent=request.sent, sent_at=sent_at)

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        if self._session is not None:
            await self._session.close()
        if self._redis is not None:
            await self._redis.aclose()
        if self._pool is not None:
            await self._pool.close()


async def open_ports(settings: Settings) -> SubmissionPorts:
    async with outages("PostgreSQL or Redis (the submission ledger and rate limits)"):
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        ledger = Ledger(pool, table_name(settings.topic_prefix))
        await ledger.ensure_table()
    redis = redis_client(settings.redis_url)
    per_s = {"email": settings.submission_email_per_s, "greenhouse": settings.submission_greenhouse_per_s,
             "lever": settings.submission_lever_per_s}
    # Capacity 1: never more than `per_s` requests in any one-second window, not even in a burst.
    buckets = {name: RedisTokenBucket(redis, capacity=1, refill_per_s=rate, key_prefix=RATE_KEY_PREFIX)
               for name, rate in per_s.items()}
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60, sock_connect=15))
    channels: dict[str, Channel] = {}
    if settings.submission_dry_run:
        # Every channel the step may choose records instead of sending; the claim, the tokens and the files stay real.
        log_path = settings.home / "dry-run" / f"{settings.worker_id}.jsonl"
        channels = {name: DryRunChannel(name, log_path) for name in ("email", "greenhouse", "lever")}
        log.warning("submission is a dry run: applications are recorded in %s, not sent", log_path)
    else:
        if settings.smtp_host:
            channels["email"] = EmailChannel.from_settings(settings)
        if settings.greenhouse_keys:
            channels["greenhouse"] = GreenhouseChannel(session, settings.greenhouse_url, settings.greenhouse_keys)
        if settings.lever_keys:
            channels["lever"] = LeverChannel(session, settings.lever_url, settings.lever_keys)
    return SubmissionPorts(ledger=ledger, buckets=buckets, channels=channels, artifact_dir=settings.artifact_dir,
                           mailbox_dir=settings.submission_mailbox_dir, grace_s=settings.submission_in_doubt_grace_s,
                           session=session, redis=redis, pool=pool)
