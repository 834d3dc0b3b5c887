"""The email channel: one message per application over SMTP (aiosmtplib), STARTTLS or implicit TLS.

- To: the posting's apply address. From: the configured sender (Reply-To the user), or the user's own address.
- BCC (envelope only, no header): the user's own address, so the user keeps a copy and an attempt that died
  before its confirmation can be reconciled by looking for its Message-ID there.
- Message-ID: derived from the application and its claim round (`step.message_id`), so replies link to it and
  a copy found in the mailbox proves which attempt went out.
- The login, when the server needs one, comes from RESUMEFLOW_SMTP_USERNAME and RESUMEFLOW_SMTP_PASSWORD in the
  environment only.

SMTP reply codes (RFC 5321, section 4.2.1): 5yz refuses for good (`ChannelRefused`), 4yz is transient
(`ChannelUnavailable`), as are connection failures and timeouts before the message's data. A timeout or lost
connection after the data was handed over is `ChannelInDoubt`: the server may have taken it (RFC 5321 section
4.1.1.4 warns of exactly this duplicate), so it is never retried blindly.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
from email.message import EmailMessage

import aiosmtplib
import aiosmtplib.email

from processors.submission.channels import (
    ChannelInDoubt,
    ChannelRefused,
    ChannelUnavailable,
    Delivery,
    Files,
    short,
)
from processors.submission.model import SendApplication
from streams.settings import Settings


class EmailChannel:
    name = "email"

    def __init__(self, *, host: str, port: int, security: str, sender: str = "", timeout_s: float = 30.0,
                 username: str | None = None, password: str | None = None) -> None:
        self._host, self._port, self._security = host, port, security
        self._sender, self._timeout_s = sender, timeout_s
        self._username, self._password = username, password

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChannel:
        return cls(host=settings.smtp_host, port=settings.smtp_port, security=settings.smtp_security,
                   sender=settings.smtp_sender, timeout_s=settings.smtp_timeout_s,
                   username=os.environ.get("RESUMEFLOW_SMTP_USERNAME") or None,
                   password=os.environ.get("RESUMEFLOW_SMTP_PASSWORD") or None)

    def message(self, request: SendApplication, files: Files) -> EmailMessage:
        user = request.applicant
        msg = EmailMessage()
        msg["From"] = self._sender or email.utils.formataddr((user.name, user.email))
        if self._sender:
            msg["Reply-To"] = email.utils.formataddr((user.name, user.email))
        msg["To"] = request.posting.apply_email or ""
        msg["Subject"] = request.subject
        msg["Date"] = email.utils.formatdate(usegmt=True)
        msg["Message-ID"] = request.message_id
        msg.set_content(request.body)
        stem = "".join(c if c.isalnum() else "_" for c in user.name)[:60] or "applicant"
        msg.add_attachment(files.resume_pdf, maintype="application", subtype="pdf", filename=f"{stem}_resume.pdf")
        if files.cover_letter_pdf is not None:
            msg.add_attachment(files.cover_letter_pdf, maintype="application", subtype="pdf",
                               filename=f"{stem}_cover_letter.pdf")
        return msg

    async def send(self, request: SendApplication, files: Files) -> Delivery:
        """One SMTP session, step by step, so a failure is known to come before or after the message was handed
        over: connect, EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO and an explicit reply to DATA leave nothing sent
        (`ChannelRefused` for 5yz, else `ChannelUnavailable`); a timeout or lost connection once the message's data
        is being sent may have delivered it (`ChannelInDoubt`)."""
        to = request.posting.apply_email
        if not to:
            raise ChannelRefused("the posting names no address to apply to")
        msg = self.message(request, files)
        envelope_from = email.utils.parseaddr(msg["From"])[1]
        client = aiosmtplib.SMTP(hostname=self._host, port=self._port, use_tls=self._security == "tls",
                                 start_tls=self._security == "starttls", username=self._username,
                                 password=self._password, timeout=self._timeout_s)
        try:
            try:
                await client.connect()  # with EHLO, STARTTLS and AUTH
                await client.mail(envelope_from)
                await client.rcpt(to)
                # The user's copy refused: the employer still gets it; reconciliation would then ask the user.
                with contextlib.suppress(aiosmtplib.SMTPRecipientRefused):
                    await client.rcpt(request.applicant.email)
                data = aiosmtplib.email.flatten_message(
                    msg, cte_type="8bit" if client.supports_extension("8BITMIME") else "7bit")
            except aiosmtplib.SMTPResponseException as exc:  # includes a refused recipient
                kind = ChannelRefused if exc.code >= 500 else ChannelUnavailable
                raise kind(f"the mail server answered {exc.code} {short(exc.message)}") from exc
            except (aiosmtplib.SMTPException, OSError) as exc:  # connection refused, dropped, timed out, TLS failed
                raise ChannelUnavailable(
                    f"the mail server could not be reached: {short(str(exc)) or type(exc).__name__}") from exc
            except (UnicodeError, ValueError) as exc:  # an address SMTP cannot carry
                raise ChannelRefused(f"the mail cannot be addressed: {short(str(exc))}") from exc
            try:
                await client.data(data)
            except aiosmtplib.SMTPResponseException as exc:  # the server's own answer: it did not take the message
                kind = ChannelRefused if exc.code >= 500 else ChannelUnavailable
                raise kind(f"the mail server answered {exc.code} {short(exc.message)}") from exc
            except (aiosmtplib.SMTPException, OSError) as exc:  # RFC 5321 4.1.1.4: silence after data proves nothing
                raise ChannelInDoubt(f"the mail server stopped answering after it was handed the message "
                                     f"({short(str(exc)) or type(exc).__name__})") from exc
        finally:
            if client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()
            client.close()
        return Delivery(message_id=request.message_id)

    async def close(self) -> None:
        return None
