"""Each channel against a local server speaking its documented contract: SMTP (the project's Maildir server on
aiosmtpd), Greenhouse's "Submit an application" and Lever's "Apply to a job posting" (aiohttp servers)."""

from __future__ import annotations

import asyncio
import base64
import email
import time
from collections.abc import Awaitable, Callable
from email.policy import default
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.mail_server import MailServer
from adapters.maildir import contains_message_id, messages
from processors.submission.channels import ChannelInDoubt, ChannelRefused, ChannelUnavailable, Files
from processors.submission.channels.email import EmailChannel
from processors.submission.channels.greenhouse import GreenhouseChannel
from processors.submission.channels.lever import LeverChannel
from processors.submission.model import Applicant, SendApplication
from streams.local_ports import free_local_port
from streams.messages import PostingSummary, VariantOption

FILES = Files(resume_pdf=b"%PDF-1.7 resume", cover_letter_pdf=b"%PDF-1.7 letter")


def request(source: str = "GREENHOUSE", board: str = "acme", apply_email: str | None = "jobs@acme.example"
            ) -> SendApplication:
    posting = PostingSummary(source=source, board_token=board, source_job_id="4242", title="Backend Engineer",
                             company="Acme", url="https://jobs.example/4242", apply_email=apply_email)
    return SendApplication(
        application_id="app-1", user_id="u-1", canonical_job_id="gh:acme:4242", channel="email",
        idempotency_key="key-1", message_id="<key-1@resumeflow.invalid>", posting=posting,
        variant=VariantOption(variant_id="skills-first", template="classic", ats_score=0.8,
                              artifact_uri="file:///x.pdf", sha256="a" * 64),
        applicant=Applicant(name="Ada Park", first_name="Ada", last_name="Park", email="ada@example.org",
                            phone="+351 900"),
        subject="Application for Backend Engineer – Ada Park", body="Dear Acme hiring team,\n")


# --- email ----------------------------------------------------------------------------------------------------------


def test_email_goes_to_the_apply_address_with_attachments_and_a_bcc_copy(tmp_path: Path) -> None:
    port = free_local_port()
    with MailServer(tmp_path, port=port):
        channel = EmailChannel(host="127.0.0.1", port=port, security="none", sender="apply@resumeflow.example")
        delivery = asyncio.run(channel.send(request(), FILES))
    assert delivery.message_id == "<key-1@resumeflow.invalid>"
    [employer] = messages(tmp_path, "jobs@acme.example")
    [copy] = messages(tmp_path, "ada@example.org")
    assert employer == copy
    msg = email.message_from_bytes(employer, policy=default)
    assert msg["Message-ID"] == "<key-1@resumeflow.invalid>"
    assert msg["From"] == "apply@resumeflow.example" and msg["Reply-To"] == "Ada Park <ada@example.org>"
    assert msg["To"] == "jobs@acme.example" and msg["Bcc"] is None  # the copy is in the envelope only
    attachments = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert attachments == {"Ada_Park_resume.pdf": FILES.resume_pdf,
                           "Ada_Park_cover_letter.pdf": FILES.cover_letter_pdf}
    assert contains_message_id(tmp_path, "ada@example.org", "<key-1@resumeflow.invalid>")
    assert not contains_message_id(tmp_path, "ada@example.org", "<other@resumeflow.invalid>")


def test_a_550_is_a_refusal_and_a_450_is_transient(tmp_path: Path) -> None:
    port = free_local_port()
    replies = {"jobs@acme.example": "550 5.1.1 no such mailbox", "busy@acme.example": "450 4.2.1 try later"}
    with MailServer(tmp_path, port=port, refuse=replies.get):
        channel = EmailChannel(host="127.0.0.1", port=port, security="none")
        with pytest.raises(ChannelRefused, match="550"):
            asyncio.run(channel.send(request(), FILES))
        with pytest.raises(ChannelUnavailable, match="450"):
            asyncio.run(channel.send(request(apply_email="busy@acme.example"), FILES))
    assert messages(tmp_path, "jobs@acme.example") == []


def test_no_server_is_transient() -> None:
    channel = EmailChannel(host="127.0.0.1", port=free_local_port(), security="none", timeout_s=5)
    with pytest.raises(ChannelUnavailable, match="could not be reached"):
        asyncio.run(channel.send(request(), FILES))


def test_silence_after_the_message_was_handed_over_is_in_doubt_not_transient(tmp_path: Path) -> None:
    """The server stores the message, then takes longer than the client's timeout to say 250: it arrived, and a
    retry would send it twice, so the channel must not call it transient."""
    port = free_local_port()
    with MailServer(tmp_path, port=port, after_delivery=lambda recipients: time.sleep(1.5)):
        channel = EmailChannel(host="127.0.0.1", port=port, security="none", timeout_s=0.5)
        with pytest.raises(ChannelInDoubt, match="after it was handed the message"):
            asyncio.run(channel.send(request(), FILES))
        time.sleep(1.5)
    assert len(messages(tmp_path, "jobs@acme.example")) == 1


def test_a_server_gone_before_the_data_is_transient(tmp_path: Path) -> None:
    """A server that answers its greeting and then closes the connection: nothing was handed over."""
    port = free_local_port()

    async def greet_and_hang_up() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"220 mx.example ESMTP\r\n")
            await writer.drain()
            await reader.readline()  # EHLO
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            channel = EmailChannel(host="127.0.0.1", port=port, security="none", timeout_s=5)
            await channel.send(request(), FILES)

    with pytest.raises(ChannelUnavailable):
        asyncio.run(greet_and_hang_up())


# --- Greenhouse and Lever -------------------------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve(handler: Handler, path: str, call: Callable[[str, aiohttp.ClientSession], Awaitable[Any]],
                timeout: aiohttp.ClientTimeout | None = None) -> Any:
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_local_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with aiohttp.ClientSession(timeout=timeout or aiohttp.ClientTimeout(total=30)) as session:
            return await call(f"http://127.0.0.1:{port}", session)
    finally:
        await runner.cleanup()


def test_greenhouse_posts_the_documented_multipart_form_with_basic_auth() -> None:
    seen: dict[str, Any] = {}

    async def submit(req: web.Request) -> web.Response:
        seen["auth"] = req.headers.get("Authorization")
        seen["path"] = req.match_info
        form = await req.post()
        seen["fields"] = {k: v for k, v in form.items() if isinstance(v, str)}
        seen["files"] = {k: (v.filename, v.file.read()) for k, v in form.items() if not isinstance(v, str)}
        return web.json_response({"success": "Candidate saved successfully"})

    async def call(base: str, session: aiohttp.ClientSession) -> Any:
        return await GreenhouseChannel(session, base, {"acme": "secret-key"}).send(request(), FILES)

    asyncio.run(serve(submit, "/v1/boards/{board}/jobs/{job}", call))
    assert seen["auth"] == "Basic " + base64.b64encode(b"secret-key:").decode()
    assert dict(seen["path"]) == {"board": "acme", "job": "4242"}
    assert seen["fields"] == {"first_name": "Ada", "last_name": "Park", "email": "ada@example.org",
                              "phone": "+351 900"}
    assert seen["files"] == {"resume": ("resume.pdf", FILES.resume_pdf),
                             "cover_letter": ("cover_letter.pdf", FILES.cover_letter_pdf)}


@pytest.mark.parametrize(("status", "error"), [(400, ChannelRefused), (401, ChannelRefused),
                                                (429, ChannelUnavailable), (500, ChannelInDoubt),
                                                (503, ChannelInDoubt)])
def test_greenhouse_answers_are_classified(status: int, error: type[Exception]) -> None:
    async def submit(req: web.Request) -> web.Response:
        await req.read()
        return web.json_response({"error": "Invalid attributes: email"}, status=status)

    async def call(base: str, session: aiohttp.ClientSession) -> Any:
        return await GreenhouseChannel(session, base, {"acme": "k"}).send(request(), FILES)

    with pytest.raises(error, match=str(status)):
        asyncio.run(serve(submit, "/v1/boards/{board}/jobs/{job}", call))


def test_no_http_server_is_transient() -> None:
    async def call() -> Any:
        async with aiohttp.ClientSession() as session:
            return await GreenhouseChannel(session, f"http://127.0.0.1:{free_local_port()}", {"acme": "k"}).send(
                request(), FILES)

    with pytest.raises(ChannelUnavailable, match="could not be reached"):
        asyncio.run(call())


@pytest.mark.parametrize("failure", ["timeout", "dropped"])
def test_a_timeout_or_a_dropped_connection_after_the_post_is_in_doubt(failure: str) -> None:
    received: list[bytes] = []

    async def submit(req: web.Request) -> web.Response:
        received.append(await req.read())  # the application is in: the answer is what gets lost
        if failure == "timeout":
            await asyncio.sleep(2)
        else:
            assert req.transport is not None
            req.transport.close()
        return web.json_response({"success": "Candidate saved successfully"})

    async def call(base: str, session: aiohttp.ClientSession) -> Any:
        return await GreenhouseChannel(session, base, {"acme": "k"}).send(request(), FILES)

    with pytest.raises(ChannelInDoubt, match="after the application was sent"):
        asyncio.run(serve(submit, "/v1/boards/{board}/jobs/{job}", call, timeout=aiohttp.ClientTimeout(total=0.5)))
    assert len(received) == 1


def test_lever_posts_the_documented_form_with_its_key_and_keeps_the_application_id() -> None:
    seen: dict[str, Any] = {}

    async def apply(req: web.Request) -> web.Response:
        seen["key"] = req.query.get("key")
        seen["path"] = dict(req.match_info)
        form = await req.post()
        seen["fields"] = {k: v for k, v in form.items() if isinstance(v, str)}
        seen["files"] = sorted(k for k, v in form.items() if not isinstance(v, str))
        return web.json_response({"ok": True, "applicationId": "lever-app-7"})

    async def call(base: str, session: aiohttp.ClientSession) -> Any:
        return await LeverChannel(session, base, {"acme": "lever-key"}).send(request("LEVER"), FILES)

    delivery = asyncio.run(serve(apply, "/v0/postings/{site}/{posting}", call))
    assert delivery.external_id == "lever-app-7"
    assert seen["key"] == "lever-key" and seen["path"] == {"site": "acme", "posting": "4242"}
    assert seen["fields"] == {"name": "Ada Park", "email": "ada@example.org", "phone": "+351 900",
                              "comments": "Dear Acme hiring team,\n"}
    assert seen["files"] == ["resume"]


def test_lever_ok_false_is_a_refusal_with_its_error() -> None:
    async def apply(req: web.Request) -> web.Response:
        await req.read()
        return web.json_response({"ok": False, "error": "Posting is closed"}, status=400)

    async def call(base: str, session: aiohttp.ClientSession) -> Any:
        return await LeverChannel(session, base, {"acme": "k"}).send(request("LEVER"), FILES)

    with pytest.raises(ChannelRefused, match="Posting is closed"):
        asyncio.run(serve(apply, "/v0/postings/{site}/{posting}", call))


def test_a_board_without_a_key_is_refused_before_any_request() -> None:
    async def call(base: str, session: aiohttp.ClientSession) -> Any:
        return await GreenhouseChannel(session, base, {}).send(request(), FILES)

    async def never(req: web.Request) -> web.Response:
        raise AssertionError("no request without a key")

    with pytest.raises(ChannelRefused, match="no Greenhouse apply key"):
        asyncio.run(serve(never, "/v1/boards/{board}/jobs/{job}", call))
