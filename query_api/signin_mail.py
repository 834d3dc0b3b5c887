"""The one-time sign-in link's mail, sent through the same SMTP settings as the submission's email channel
(RESUMEFLOW_SMTP_HOST, _PORT, _SECURITY, _SENDER, _TIMEOUT_S; the login from RESUMEFLOW_SMTP_USERNAME and
RESUMEFLOW_SMTP_PASSWORD in the environment). The link itself is never logged."""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from streams.settings import Settings

DEFAULT_SENDER = "resumeflow@localhost"  # when RESUMEFLOW_SMTP_SENDER is empty (the channel then sends as the user)


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def signin_message(settings: Settings, to: str, link: str, minutes: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender or DEFAULT_SENDER
    message["To"] = to
    message["Subject"] = "Your resumeflow sign-in link"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="resumeflow.local")
    message.set_content(
        f"Follow this link to sign in to resumeflow:\n\n{link}\n\nIt works once, within {minutes} minutes. If you "
        "did not ask for it, ignore this mail: nobody can sign in without the link.\n")
    return message


async def send_signin_link(settings: Settings, to: str, link: str, minutes: int) -> None:
    """Raises aiosmtplib.SMTPException or OSError when the server cannot be reached or refuses."""
    await aiosmtplib.send(
        signin_message(settings, to, link, minutes), hostname=settings.smtp_host, port=settings.smtp_port,
        use_tls=settings.smtp_security == "tls", start_tls=settings.smtp_security == "starttls",
        username=os.environ.get("RESUMEFLOW_SMTP_USERNAME") or None,
        password=os.environ.get("RESUMEFLOW_SMTP_PASSWORD") or None, timeout=settings.smtp_timeout_s)
