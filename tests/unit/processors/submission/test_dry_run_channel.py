"""The dry-run channel records what it would send, one JSON line per application, without personal text."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

from processors.submission.channels.dry_run import DryRunChannel
from tests.unit.processors.submission.test_channels import FILES, request


def test_email_stand_in_records_one_line_and_returns_a_delivery_marked_dry_run(tmp_path: Path) -> None:
    log = tmp_path / "dry-run" / "w0.jsonl"
    delivery = asyncio.run(DryRunChannel("email", log).send(request(), FILES))
    assert delivery.dry_run and delivery.message_id == "<key-1@resumeflow.invalid>"
    [line] = log.read_text().splitlines()
    record = json.loads(line)
    assert record["channel"] == "email" and record["to"] == "jobs@acme.example"
    assert record["user_id"] == "u-1" and record["canonical_job_id"] == "gh:acme:4242"
    assert record["variant_id"] == "skills-first" and record["idempotency_key"] == "key-1"
    assert record["resume_sha256"] == hashlib.sha256(FILES.resume_pdf).hexdigest()
    assert record["resume_bytes"] == len(FILES.resume_pdf)
    assert record["cover_letter_bytes"] == len(FILES.cover_letter_pdf or b"")
    # No resume, letter or body text: only sizes and hashes.
    assert "Dear Acme" not in line and "%PDF" not in line


def test_ats_stand_in_names_the_board_and_job_and_appends(tmp_path: Path) -> None:
    log = tmp_path / "w1.jsonl"
    channel = DryRunChannel("greenhouse", log)
    first = asyncio.run(channel.send(request(), FILES))
    asyncio.run(channel.send(request(board="globex"), FILES))
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["to"] for r in records] == ["greenhouse:acme/4242", "greenhouse:globex/4242"]
    assert first.external_id == "dry-run:key-1" and first.message_id is None and first.dry_run
