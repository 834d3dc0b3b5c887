"""The account mails — a one-time sign-in link, a sign-up's confirm link, and "you already have an account" (a
sign-up for a known email, with a sign-in link) — sent through the same SMTP settings as the submission's email
channel (RESUMEFLOW_SMTP_HOST, _PORT, _SECURITY, _SENDER, _TIMEOUT_S; the login from RESUMEFLOW_SMTP_USERNAME and
RESUMEFLOW_SMTP_PASSWORD in the environment). The links themselves are never logged."""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from streams.settings import Settings

DEFAULT_SENDER = "resumeflow@localhost"  # when RESUMEFLOW_SMTP_SENDER is empty (the channel then sends as the user)


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _message(settings: Settings, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender or DEFAULT_SENDER
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="resumeflow.local")
    message.set_content(text)
    return message


def signin_message(settings: Settings, to: str, link: str, minutes: int) -> EmailMessage:
    return _message(settings, to, "Your resumeflow sign-in link", (
        f"Follow this link to sign in to resumeflow:\n\n{link}\n\nIt works once, within {minutes} minutes. If you "
        "did not ask for it, ignore this mail: nobody can sign in without the link.\n"))


def signup_message(settings: Settings, to: str, link: str, minutes: int) -> EmailMessage:
    return _message(settings, to, "Confirm your resumeflow account", (
        f"Follow this link to finish creating your resumeflow account:\n\n{link}\n\nIt works once, within "
        f"{minutes} minutes. If you did not sign up, ignore this mail: no account is made without the link.\n"))


def account_exists_message(settings: Settings, to: str, link: str, minutes: int) -> EmailMessage:
    return _message(settings, to, "You already have a resumeflow account", (
        "Someone (you, we hope) asked to create a resumeflow account for this address, but it already has one; "
        f"no second account was made and your password is unchanged. To sign in, follow this link:\n\n{link}\n\n"
        f"It works once, within {minutes} minutes. If you did not ask, ignore this mail.\n"))


async def send(settings: Settings, message: EmailMessage) -> None:
    """Raises aiosmtplib.SMTPException or OSError when the server cannot be reached or refuses."""
    await aiosmtplib.send(
        message, hostname=settings.smtp_host, port=settings.smtp_port,
        use_tls=settings.smtp_security == "tls", start_tls=settings.smtp_security == "starttls",
        username=os.environ.get("RESUMEFLOW_SMTP_USERNAME") or None,
        password=os.environ.get("RESUMEFLOW_SMTP_PASSWORD") or None, timeout=settings.smtp_timeout_s)

