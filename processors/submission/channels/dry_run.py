"""The dry-run channel: "try AUTO without sending". Stands in for every sending channel when
RESUMEFLOW_SUBMISSION_DRY_RUN is set; everything around it stays real (the rate limit's token, the ledger's claim
and confirmation, the files read and checked against their SHA-256, the events published).

Each application it would have sent is one JSON line appended to `<home>/dry-run/<worker id>.jsonl` (one file per
worker, so processes never interleave a line): when, the channel it stands in for, where it would go (the apply
address, or `<source>:<board>/<job id>` for an ATS), subject, user, job, application, variant, idempotency key,
Message-ID, and each attachment's SHA-256 and size in bytes. Never the resume, the letter or the mail's body:
they are personal data and stay in the artifact store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.submission.channels import Delivery, Files
from processors.submission.model import SendApplication


def dry_run_record(channel: str, request: SendApplication, files: Files, *, at: datetime) -> dict[str, Any]:
    """What the channel would have sent, without any personal text (pure; `at` is UTC)."""
    posting = request.posting
    to = (posting.apply_email or "" if channel == "email"
          else f"{posting.source.value.lower()}:{posting.board_token}/{posting.source_job_id}")
    letter = files.cover_letter_pdf
    return {
        "at": at.isoformat(timespec="milliseconds"), "channel": channel, "to": to, "subject": request.subject,
        "user_id": request.user_id, "canonical_job_id": request.canonical_job_id,
        "application_id": request.application_id, "variant_id": request.variant.variant_id,
        "idempotency_key": request.idempotency_key, "message_id": request.message_id,
        "resume_sha256": hashlib.sha256(files.resume_pdf).hexdigest(), "resume_bytes": len(files.resume_pdf),
        "cover_letter_sha256": hashlib.sha256(letter).hexdigest() if letter is not None else None,
        "cover_letter_bytes": len(letter) if letter is not None else None,
        "body_chars": len(request.body),
    }


class DryRunChannel:
    """Records instead of sending, under the name of the channel it replaces ("email", "greenhouse", "lever")."""

    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self._path = log_path

    def _append(self, line: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as out:
            out.write(line)

    async def send(self, request: SendApplication, files: Files) -> Delivery:
        record = dry_run_record(self.name, request, files, at=datetime.now(UTC))
        await asyncio.to_thread(self._append, json.dumps(record, sort_keys=True) + "\n")
        return Delivery(message_id=request.message_id if self.name == "email" else None,
                        external_id=f"dry-run:{request.idempotency_key}" if self.name != "email" else None,
                        dry_run=True)

    async def close(self) -> None:
        return None
