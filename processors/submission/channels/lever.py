"""The Lever channel: the postings API's "Apply to a job posting".

`POST {lever_url}/v0/postings/{site}/{posting id}?key={API key}`, multipart/form-data with name, email, phone,
resume (file) and comments; success is `200 {"ok": true, "applicationId": "..."}`, an error `{"ok": false,
"error": "..."}` with its status (Lever's postings-api README). Lever allows 2 application POSTs a second and
answers 429 beyond: the ports take a token from a Redis bucket shared by every worker first, and a 429 still
counts as transient. The key is the employer's, per site, from RESUMEFLOW_LEVER_APPLY_KEYS.
"""

from __future__ import annotations

from urllib.parse import quote

from processors.submission.channels import ChannelRefused, Delivery, Files, short
from processors.submission.channels.ats import AtsChannel, post_form
from processors.submission.model import SendApplication


class LeverChannel(AtsChannel):
    name = "lever"
    board_word = "site"

    async def send(self, request: SendApplication, files: Files) -> Delivery:
        posting = request.posting
        key = self.key(posting)
        form = self.form(request.applicant, files.resume_pdf, name="name", email="email", phone="phone")
        form.add_field("comments", request.body)
        site, job = quote(posting.board_token, safe=""), quote(posting.source_job_id, safe="")
        answer = await post_form(self._session, f"{self._base}/v0/postings/{site}/{job}", form, who="Lever",
                                 params={"key": key})
        if isinstance(answer, dict) and answer.get("ok") is False:
            raise ChannelRefused(f"Lever refused the application: {short(str(answer.get('error') or ''))}")
        # Any other 2xx was taken (retrying it could apply twice); the id is kept when Lever gives one.
        external = answer.get("applicationId") if isinstance(answer, dict) else None
        return Delivery(external_id=str(external) if external is not None else None)
