"""The Greenhouse channel: the Job Board API's "Submit an application".

`POST {greenhouse_url}/v1/boards/{board_token}/jobs/{job id}`, multipart/form-data with first_name, last_name,
email, phone, resume (file) and cover_letter (file); HTTP Basic authentication with the employer's Job Board API
key as the user name and no password (Greenhouse's Job Board API documentation, "Applications"). The key is the
employer's, per board, from RESUMEFLOW_GREENHOUSE_APPLY_KEYS; a board without one is not applied to here.
Greenhouse takes no idempotency key: the ledger's claim is what prevents a second application.
"""

from __future__ import annotations

from urllib.parse import quote

import aiohttp

from processors.submission.channels import ChannelRefused, Delivery, Files
from processors.submission.channels.ats import post_form
from processors.submission.model import SendApplication


class GreenhouseChannel:
    name = "greenhouse"

    def __init__(self, session: aiohttp.ClientSession, base_url: str, keys: dict[str, str]) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._keys = keys

    async def send(self, request: SendApplication, files: Files) -> Delivery:
        posting = request.posting
        key = self._keys.get(posting.board_token)
        if key is None:
            raise ChannelRefused(f"no Greenhouse apply key for the board {posting.board_token!r}")
        who = request.applicant
        form = aiohttp.FormData()
        form.add_field("first_name", who.first_name)
        form.add_field("last_name", who.last_name)
        form.add_field("email", who.email)
        if who.phone:
            form.add_field("phone", who.phone)
        form.add_field("resume", files.resume_pdf, filename="resume.pdf", content_type="application/pdf")
        if files.cover_letter_pdf is not None:
            form.add_field("cover_letter", files.cover_letter_pdf, filename="cover_letter.pdf",
                           content_type="application/pdf")
        board, job = quote(posting.board_token, safe=""), quote(posting.source_job_id, safe="")
        url = f"{self._base}/v1/boards/{board}/jobs/{job}"
        auth = {"Authorization": aiohttp.encode_basic_auth(key, "")}
        answer = await post_form(self._session, url, form, who="Greenhouse", headers=auth)
        external = answer.get("id") if isinstance(answer, dict) else None
        return Delivery(external_id=str(external) if external is not None else None)

    async def close(self) -> None:
        return None
