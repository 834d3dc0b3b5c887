"""The account mails: each carries its link whole (however the body is encoded), says what it is for, and a
sign-up for a known email says so without a confirm link."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest

from query_api import signin_mail
from streams.settings import Settings

Build = Callable[[Settings, str, str, int], EmailMessage]  # (settings, to, link, minutes) -> the mail
LINK = "https://rf.example/#signup-confirm=" + "A1-_" * 11  # a 43-character token, as secrets.token_urlsafe(32)


@pytest.mark.parametrize(("build", "subject"), [
    (signin_mail.signin_message, "Your resumeflow sign-in link"),
    (signin_mail.signup_message, "Confirm your resumeflow account"),
    (signin_mail.account_exists_message, "You already have a resumeflow account"),
])
def test_each_mail_carries_its_link_whole(build: Build, subject: str) -> None:
    message = build(Settings().model_copy(update={"smtp_sender": ""}), "ada@example.com", LINK, 15)
    assert (message["Subject"], message["To"], message["From"]) == (subject, "ada@example.com",
                                                                     signin_mail.DEFAULT_SENDER)
    text = message.get_content()
    assert LINK in text.split() and "15 minutes" in text


def test_the_known_email_mail_says_no_second_account_was_made() -> None:
    text = signin_mail.account_exists_message(Settings(), "ada@example.com", LINK, 15).get_content()
    assert "already has one" in text and "no second account" in text and "password is unchanged" in text
