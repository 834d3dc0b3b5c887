"""Bearer tokens: only a token signed with the server's secret for that exact user id is accepted."""

from __future__ import annotations

import base64

import pytest

from query_api.auth import MIN_SECRET_LENGTH, issue_token, require_secret, verify_token
from streams.errors import UserError
from streams.settings import Settings

SECRET = "s" * 40
OTHER_SECRET = "t" * 40


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def test_a_token_round_trips_to_its_user_id() -> None:
    for user_id in ("a1b2c3", "0c7f5e0e-1d3b-5f7a-9a54-3b1f0f6e7d21", "ünïcode user"):
        assert verify_token(issue_token(user_id, SECRET), SECRET) == user_id


def test_a_token_has_two_url_safe_parts() -> None:
    token = issue_token("user-1", SECRET)
    head, _sig = token.split(".")
    assert head == _b64("user-1")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_a_token_with_another_user_id_is_rejected() -> None:
    _, sig = issue_token("alice", SECRET).split(".")
    assert verify_token(f"{_b64('bob')}.{sig}", SECRET) is None


def test_a_tampered_signature_is_rejected() -> None:
    head, sig = issue_token("alice", SECRET).split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert verify_token(f"{head}.{flipped}", SECRET) is None
    assert verify_token(f"{head}.{sig[:-2]}", SECRET) is None


def test_a_token_signed_with_another_secret_is_rejected() -> None:
    assert verify_token(issue_token("alice", OTHER_SECRET), SECRET) is None


@pytest.mark.parametrize("token", [
    "", ".", "abc", "a.b.c", f"{_b64('alice')}.", f".{_b64('x')}", "!!!.???", "YWxpY2U.%%%%",
    f"{_b64('alice')}=.{_b64('x')}", "gA.AAAA",  # padding char; non-UTF-8 user id
])
def test_malformed_tokens_are_rejected(token: str) -> None:
    assert verify_token(token, SECRET) is None


def test_a_non_canonical_spelling_of_the_user_id_is_rejected() -> None:
    head, sig = issue_token("A", SECRET).split(".")  # "QQ"; "QR" decodes to the same byte
    assert head == "QQ"
    assert verify_token(f"QR.{sig}", SECRET) is None


def test_the_api_needs_a_long_enough_secret() -> None:
    assert require_secret(Settings(RESUMEFLOW_API_SECRET="x" * MIN_SECRET_LENGTH)) == "x" * MIN_SECRET_LENGTH  # type: ignore[call-arg]
    for secret in (None, "", "short"):
        with pytest.raises(UserError, match="RESUMEFLOW_API_SECRET"):
            require_secret(Settings(RESUMEFLOW_API_SECRET=secret))  # type: ignore[call-arg]
