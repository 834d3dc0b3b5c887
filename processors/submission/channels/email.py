"""The email channel: one message per application over SMTP (aiosmtplib), STARTTLS or implicit TLS.

- To: the posting's apply address. From: the configured sender (Reply-To the user), or the user's own address.
- BCC (envelope only, no header): the user's own address, so the user keeps a copy and an attempt that died
  before its confirmation can be reconciled by looking for its Message-ID there.
- Message-ID: derived from the application and its claim round (`step.message_id`), so replies link to it and
  a copy found in the mailbox proves which attempt went out.
- The login, when the server needs one, comes from RESUMEFLOW_SMTP_USERNAME and RESUMEFLOW_SMTP_PASSWORD in the
  environment only.

SMTP reply codes (RFC 5321, section 4.2.1): 5yz refuses for good (`ChannelRefused`), 4yz is transient
(`ChannelUnavailable`), as are connection failures and timeouts.
"""

from __future__ import annotations

import email.utils
import os
from email.message import EmailMessage

import aiosmtplib

from processors.submission.channels import ChannelRefused, ChannelUnavailable, Delivery, Files, short
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
        to = request.posting.apply_email
        if not to:
            raise ChannelRefused("the posting names no address to apply to")
        msg = self.message(request, files)
        envelope_from = email.utils.parseaddr(msg["From"])[1]
        try:
            refused, _ = await aiosmtplib.send(
                msg, sender=envelope_from, recipients=[to, request.applicant.email], hostname=self._host,
                port=self._port, use_tls=self._security == "tls", start_tls=self._security == "starttls",
                username=self._username, password=self._password, timeout=self._timeout_s)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise (ChannelUnavailable if all(400 <= c < 500 for c in codes) else ChannelRefused)(
                "the mail server refused the recipients: " + short("; ".join(str(r) for r in exc.recipients))
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            kind = ChannelRefused if exc.code >= 500 else ChannelUnavailable
            raise kind(f"the mail server answered {exc.code} {short(exc.message)}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:  # connection refused, dropped, timed out, TLS failed
            raise ChannelUnavailable(f"the mail server could not be reached: {short(str(exc)) or type(exc).__name__}"
                                     ) from exc
        if to in refused:  # the employer's address refused while the user's copy was accepted
            code, text = refused[to]
            raise (ChannelRefused if code >= 500 else ChannelUnavailable)(
                f"the mail server refused {to}: {code} {short(text)}")
        return Delivery(message_id=request.message_id)

    async def close(self) -> None:
        return None
