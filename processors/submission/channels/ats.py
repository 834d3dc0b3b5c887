"""What the Greenhouse and Lever channels share: one multipart POST and the reading of its answer.

What is known about the application after a failure decides its class (RFC 9110 section 15):
- no connection made (refused, DNS, TLS, connect timeout): nothing was sent, `ChannelUnavailable`;
- 429 (RFC 6585 section 4: the request was rate limited, not processed; Lever documents it for its apply limit):
  `ChannelUnavailable`;
- any other 4xx: the API refused it with its own message (`ChannelRefused`: validation, a closed posting, a key);
- 5xx, a timeout or a dropped connection after the request was sent: the server may have stored the application
  before failing, and these APIs take no idempotency key, so it is `ChannelInDoubt` (never retried blindly).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from processors.submission.channels import ChannelInDoubt, ChannelRefused, ChannelUnavailable, short
from processors.submission.model import Applicant
from streams.messages import PostingSummary

MAX_ANSWER_BYTES = 64 * 1024


async def post_form(session: aiohttp.ClientSession, url: str, form: aiohttp.FormData, *, who: str,
                    headers: dict[str, str] | None = None, params: dict[str, str] | None = None) -> Any:
    """POST `form` and return the decoded JSON answer (None when it is not JSON)."""
    try:
        async with session.post(url, data=form, headers=headers, params=params, allow_redirects=False) as response:
            body = await response.content.read(MAX_ANSWER_BYTES)
            status = response.status
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:  # no connection: nothing sent
        raise ChannelUnavailable(f"{who} could not be reached: {short(str(exc)) or type(exc).__name__}") from exc
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise ChannelInDoubt(f"{who} stopped answering after the application was sent "
                             f"({short(str(exc)) or type(exc).__name__})") from exc
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        answer = None
    if 200 <= status < 300:
        return answer
    message = ""
    if isinstance(answer, dict):
        message = str(answer.get("error") or answer.get("message") or answer.get("errors") or "")
    message = short(message or body.decode("utf-8", "replace"))
    if status == 429:
        raise ChannelUnavailable(f"{who} answered {status}{f': {message}' if message else ''}")
    if status >= 500:
        raise ChannelInDoubt(f"{who} answered {status} after the application was sent"
                             f"{f': {message}' if message else ''}")
    raise ChannelRefused(f"{who} refused the application ({status}){f': {message}' if message else ''}")


class AtsChannel:
    """An employer's apply API: its base URL, the employers' keys by board, and the form fields every one takes."""

    name = ""
    board_word = "board"

    def __init__(self, session: aiohttp.ClientSession, base_url: str, keys: dict[str, str]) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._keys = keys

    def key(self, posting: PostingSummary) -> str:
        key = self._keys.get(posting.board_token)
        if key is None:
            raise ChannelRefused(f"no {self.name.capitalize()} apply key for the {self.board_word} "
                                 f"{posting.board_token!r}")
        return key

    @staticmethod
    def form(who: Applicant, resume_pdf: bytes, **names: str) -> aiohttp.FormData:
        """The applicant's fields under this API's `names` (name, first_name, last_name, email, phone) and the
        resume as a PDF file."""
        values = {"name": who.name, "first_name": who.first_name, "last_name": who.last_name, "email": who.email,
                  "phone": who.phone}
        form = aiohttp.FormData()
        for field, api_name in names.items():
            if values[field]:
                form.add_field(api_name, values[field])
        form.add_field("resume", resume_pdf, filename="resume.pdf", content_type="application/pdf")
        return form

    async def close(self) -> None:
        return None
