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

from processors.submission.channels import Delivery, Files
from processors.submission.channels.ats import AtsChannel, post_form
from processors.submission.model import SendApplication


class GreenhouseChannel(AtsChannel):
    name = "greenhouse"

    async def send(self, request: SendApplication, files: Files) -> Delivery:
        posting = request.posting
        key = self.key(posting)
        form = self.form(request.applicant, files.resume_pdf, first_name="first_name", last_name="last_name",
                         email="email", phone="phone")
        if files.cover_letter_pdf is not None:
            form.add_field("cover_letter", files.cover_letter_pdf, filename="cover_letter.pdf",
                           content_type="application/pdf")
        board, job = quote(posting.board_token, safe=""), quote(posting.source_job_id, safe="")
        url = f"{self._base}/v1/boards/{board}/jobs/{job}"
        auth = {"Authorization": aiohttp.encode_basic_auth(key, "")}
        answer = await post_form(self._session, url, form, who="Greenhouse", headers=auth)
        external = answer.get("id") if isinstance(answer, dict) else None
        return Delivery(external_id=str(external) if external is not None else None)
