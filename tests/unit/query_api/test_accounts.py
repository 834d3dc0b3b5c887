"""Accounts' pure rules: what counts as an email, which passwords are refused, tokens stored as SHA-256."""

from __future__ import annotations

import hashlib

import pytest

from query_api.accounts import MAX_PASSWORD, MIN_PASSWORD, password_problem, sha256_hex, valid_email


@pytest.mark.parametrize("email", ["ada@example.com", "a.b+tag@sub.example.org"])
def test_plausible_emails(email: str) -> None:
    assert valid_email(email)


@pytest.mark.parametrize("email", ["", "ada", "@example.com", "ada@", "ada@localhost", "a da@example.com",
                                   "ada@exa\x00mple.com", "a" * 250 + "@example.com"])
def test_implausible_emails(email: str) -> None:
    assert not valid_email(email)


def test_password_length_bounds() -> None:
    assert password_problem("x" * MIN_PASSWORD) is None
    assert password_problem("x" * MAX_PASSWORD) is None
    for bad in ("x" * (MIN_PASSWORD - 1), "x" * (MAX_PASSWORD + 1), None, 12345678901):
        assert password_problem(bad)


def test_tokens_are_kept_as_their_sha256() -> None:
    assert sha256_hex("rf_abc") == hashlib.sha256(b"rf_abc").hexdigest()
