"""Per-user bearer tokens, stateless: `<b64url(user_id)>.<b64url(HMAC-SHA256(secret, user_id))>`.

Nothing is stored server side; rotating `RESUMEFLOW_API_SECRET` revokes every token at once. Tokens do not
expire: they are meant for a single-operator deployment where the operator hands each user their token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from streams.errors import UserError
from streams.settings import Settings

MIN_SECRET_LENGTH = 32


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    """Strict: characters outside the alphabet, padding, or non-canonical trailing bits are refused, so each
    token has exactly one spelling."""
    data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    if _b64url(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _signature(user_id: str, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), user_id.encode("utf-8"), hashlib.sha256).digest()


def issue_token(user_id: str, secret: str) -> str:
    return f"{_b64url(user_id.encode('utf-8'))}.{_b64url(_signature(user_id, secret))}"


def verify_token(token: str, secret: str) -> str | None:
    """The user id the token was issued for, or None for anything not signed with `secret`."""
    parts = token.split(".")
    if len(parts) != 2 or not all(parts):
        return None
    try:
        user_id = _unb64url(parts[0]).decode("utf-8")
        signature = _unb64url(parts[1])
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not user_id or not hmac.compare_digest(signature, _signature(user_id, secret)):
        return None
    return user_id


def require_secret(settings: Settings) -> str:
    """The API secret, or a UserError saying how to set one."""
    secret = settings.api_secret
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        raise UserError(
            f"the query API needs RESUMEFLOW_API_SECRET of at least {MIN_SECRET_LENGTH} characters in the "
            "environment, e.g. `export RESUMEFLOW_API_SECRET=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(48))')`"
        )
    return secret
