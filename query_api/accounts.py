"""Web accounts, sessions and API tokens: the tables the query API owns (the pipeline's views are the sinks').

- An account per email: `user_id` is `streams.ids.user_id_for_email(email)`, the id the pipeline gives that email,
  so what a signed-up user later sends (a profile, a decision) lands in their own cell. The password is kept only
  as an Argon2id hash (argon2-cffi's `PasswordHasher`, its RFC 9106 low-memory profile); `role` is `user` or
  `operator` (`resumeflow user role`).
- Sessions live in PostgreSQL, not Redis: sign-out and expiry must hold across every API process and a restart,
  and the account they belong to is in the same database (one `DELETE` of an account's rows ends all of it); a
  lookup by primary key costs well under a millisecond, so no cache is needed (bench/api_latency.py). The cookie
  carries a random session id; the table keeps only its SHA-256, so a read of the table cannot sign anyone in.
  Each session has its own CSRF token (a synchronizer token, kept server side) that cookie-authenticated writes
  must echo in `X-CSRF-Token`.
- One-time sign-in links: a random token (32 bytes, base64url) mailed to the account's address; only its SHA-256
  is stored, it expires after SIGNIN_LINK_LIFETIME and is consumed by the one UPDATE that redeems it, so two
  clicks (or two browsers) sign in once.
- Sign-up by mail: `POST /api/auth/signup` answers the same whether or not the email has an account (no account
  enumeration). A new email gets a pending sign-up (the email, the password's Argon2id hash, the SHA-256 of a
  one-time token, an expiry like a sign-in link's) and a mail with a confirm link; the account is made only when
  the link is followed (`confirm_sign_up`), so nobody can hold an address they cannot read. An email that has an
  account gets a sign-in link instead. Both paths hash the password and write one row, so timing tells nothing.
- API tokens for scripts: `rf_` + 32 random bytes (base64url); only the SHA-256 is stored (the token is shown
  once), with a name, an expiry and a revocation time. High-entropy random tokens need no slow hash: SHA-256
  cannot be brute-forced back to 256 random bits.

Passwords, session ids and tokens are never logged. `db` is an asyncpg pool or connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import secrets
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from streams.ids import normalize_email, user_id_for_email

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_accounts (
    user_id text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'operator')),
    created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS api_sessions (
    session_hash text PRIMARY KEY,
    user_id text NOT NULL REFERENCES api_accounts (user_id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS api_sessions_user ON api_sessions (user_id);
CREATE INDEX IF NOT EXISTS api_sessions_expiry ON api_sessions (expires_at);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id text NOT NULL REFERENCES api_accounts (user_id) ON DELETE CASCADE,
    name text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (user_id, created_at DESC);
CREATE TABLE IF NOT EXISTS api_signin_links (
    token_hash text PRIMARY KEY,
    user_id text NOT NULL REFERENCES api_accounts (user_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_signin_links_expiry ON api_signin_links (expires_at);
CREATE TABLE IF NOT EXISTS api_pending_signups (
    token_hash text PRIMARY KEY,
    email text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_pending_signups_expiry ON api_pending_signups (expires_at);
"""

TOKEN_PREFIX = "rf_"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # Argon2 takes any length; a bound keeps one request from hashing megabytes
MAX_EMAIL = 254  # RFC 5321's path limit
ROLES = ("user", "operator")
Db = asyncpg.Pool | asyncpg.Connection

# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): tens of milliseconds on idle cores, run in a
# thread so the event loop keeps serving.
_HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email has no account, so a wrong email costs the same time as a wrong password
    (made on first use, not at import)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


# Each hash or verification takes 64 MiB: at most this many at once per process, so a flood of sign-ups or
# sign-ins queues instead of exhausting memory.
_HASH_SLOTS = threading.BoundedSemaphore(2)


def _hash(password: str) -> str:
    with _HASH_SLOTS:
        return _HASHER.hash(password)


def _verify(stored: str | None, password: str) -> None:
    with _HASH_SLOTS:
        _HASHER.verify(stored or _dummy_hash(), password)


@dataclass(frozen=True)
class Principal:
    """Who a request is: the user, their role, and how they authenticated (`session`, `token`, `operator-token`:
    the stateless HMAC token of `resumeflow user token`). `csrf` is the session's CSRF token (None otherwise)."""

    user_id: str
    role: str
    via: str
    csrf: str | None = None


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def valid_email(email: str) -> bool:
    """A plausible address: one @, something on both sides, no spaces or controls, within RFC 5321's length.
    (Deliverability is the mail channel's concern.)"""
    local, at, domain = email.rpartition("@")
    return (bool(at and local and "." in domain.strip(".")) and len(email) <= MAX_EMAIL
            and not any(c.isspace() or ord(c) < 32 for c in email))


def password_problem(password: object) -> str | None:
    """Why a new password is refused, or None."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"password must be a string of {MIN_PASSWORD} to {MAX_PASSWORD} characters"
    return None


async def create_schema(db: Db) -> None:
    await db.execute(SCHEMA)


async def set_password(db: Db, email: str, password: str, *, now: dt.datetime) -> str:
    """Sets the email's password, making its account when it has none (operators and the demo); the user id.
    The account's sessions end: whoever held one signs in with the new password."""
    email = normalize_email(email)
    password_hash = await asyncio.to_thread(_hash, password)
    user_id = user_id_for_email(email)
    await db.execute(
        """INSERT INTO api_accounts (user_id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash""", user_id, email, password_hash,
        now)
    await db.execute("DELETE FROM api_sessions WHERE user_id = $1", user_id)
    return user_id


async def check_password(db: Db, email: str, password: str) -> str | None:
    """The account's user id when the password is right, else None (the same time for an unknown email). A hash
    made with older parameters is re-hashed with the current ones."""
    email = normalize_email(email)
    row = await db.fetchrow("SELECT user_id, password_hash FROM api_accounts WHERE email = $1", email)
    stored = row["password_hash"] if row else None
    try:
        await asyncio.to_thread(_verify, stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _HASHER.check_needs_rehash(stored):
        new_hash = await asyncio.to_thread(_hash, password)
        await db.execute("UPDATE api_accounts SET password_hash = $2 WHERE user_id = $1", row["user_id"], new_hash)
    return row["user_id"]


async def start_session(db: Db, user_id: str, *, now: dt.datetime, lifetime: dt.timedelta) -> tuple[str, str]:
    """(session id for the cookie, CSRF token). Expired sessions (anyone's) are cleared on the way, so they do not
    pile up (an expired one is refused whether or not it is still there)."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await db.execute("DELETE FROM api_sessions WHERE expires_at <= $1", now)
    await db.execute(
        "INSERT INTO api_sessions (session_hash, user_id, csrf_token, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)", sha256_hex(session_id), user_id, csrf, now, now + lifetime)
    return session_id, csrf


async def session_principal(db: Db, session_id: str, *, now: dt.datetime) -> Principal | None:
    row = await db.fetchrow(
        """SELECT s.user_id, s.csrf_token, a.role FROM api_sessions s JOIN api_accounts a USING (user_id)
            WHERE s.session_hash = $1 AND s.expires_at > $2""", sha256_hex(session_id), now)
    return Principal(row["user_id"], row["role"], "session", row["csrf_token"]) if row else None


async def end_session(db: Db, session_id: str) -> None:
    await db.execute("DELETE FROM api_sessions WHERE session_hash = $1", sha256_hex(session_id))


SIGNIN_LINK_LIFETIME = dt.timedelta(minutes=15)


async def _new_signin_link(db: Db, user_id: str, *, now: dt.datetime) -> str:
    """A sign-in link's token for the account (never stored); expired links (anyone's) are cleared on the way."""
    token = secrets.token_urlsafe(32)
    await db.execute("DELETE FROM api_signin_links WHERE expires_at <= $1", now)
    await db.execute(
        "INSERT INTO api_signin_links (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        sha256_hex(token), user_id, now, now + SIGNIN_LINK_LIFETIME)
    return token


async def create_signin_link(db: Db, email: str, *, now: dt.datetime) -> tuple[str, str] | None:
    """(the token for the link — never stored, the account's address) when the email has an account, else None.
    Expired links (anyone's) are cleared on the way."""
    row = await db.fetchrow("SELECT user_id, email FROM api_accounts WHERE email = $1", normalize_email(email))
    if row is None:
        return None
    return await _new_signin_link(db, row["user_id"], now=now), row["email"]


async def redeem_signin_link(db: Db, token: str, *, now: dt.datetime) -> str | None:
    """The link's user id, the link used up in the same statement; None when it is unknown, used or expired."""
    return await db.fetchval(
        """UPDATE api_signin_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
           RETURNING user_id""", sha256_hex(token), now)


@dataclass(frozen=True)
class SignUpMail:
    """What a sign-up mails: `token` (never stored) to `address`; `existing` True when the email already has an
    account (the token is then a sign-in link's, else a pending sign-up's)."""

    token: str
    address: str
    existing: bool


async def start_sign_up(db: Db, email: str, password: str, *, now: dt.datetime) -> SignUpMail:
    """The mail a sign-up sends, the same work for a new and a known email: the password is hashed either way
    (so the answer's timing does not tell), then one row is written — a pending sign-up (expiring after
    SIGNIN_LINK_LIFETIME) or a sign-in link for the existing account. Expired rows (anyone's) are cleared on the way."""
    email = normalize_email(email)
    password_hash = await asyncio.to_thread(_hash, password)
    row = await db.fetchrow("SELECT user_id, email FROM api_accounts WHERE email = $1", email)
    if row is not None:
        return SignUpMail(await _new_signin_link(db, row["user_id"], now=now), row["email"], existing=True)
    token = secrets.token_urlsafe(32)
    await db.execute("DELETE FROM api_pending_signups WHERE expires_at <= $1", now)
    await db.execute(
        "INSERT INTO api_pending_signups (token_hash, email, password_hash, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)", sha256_hex(token), email, password_hash, now, now + SIGNIN_LINK_LIFETIME)
    return SignUpMail(token, email, existing=False)


@contextlib.asynccontextmanager
async def _transaction(db: Db) -> AsyncIterator[asyncpg.Connection]:
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db


async def confirm_sign_up(db: Db, token: str, *, now: dt.datetime) -> tuple[str, bool] | None:
    """(user id, True when the account was made now) for a pending sign-up's token, the token used up in the same
    transaction (a second confirm gets None); None when it is unknown, used or expired. When the email got an
    account since (another confirm, an operator), that account is the answer and no second one is made: the
    holder of the mail could have asked for a sign-in link anyway."""
    async with _transaction(db) as conn:
        pending = await conn.fetchrow(
            """UPDATE api_pending_signups SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL
               AND expires_at > $2 RETURNING email, password_hash""", sha256_hex(token), now)
        if pending is None:
            return None
        email = pending["email"]
        created = await conn.fetchval(
            """INSERT INTO api_accounts (user_id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT DO NOTHING RETURNING user_id""", user_id_for_email(email), email,
            pending["password_hash"], now)
        if created is not None:
            return created, True
        existing = await conn.fetchval("SELECT user_id FROM api_accounts WHERE email = $1", email)
        return (existing, False) if existing is not None else None


async def create_token(db: Db, user_id: str, name: str, *, now: dt.datetime, lifetime: dt.timedelta
                       ) -> tuple[str, str, dt.datetime]:
    """(token id, the token itself — shown once, never stored, expiry)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(8)
    expires_at = now + lifetime
    await db.execute(
        "INSERT INTO api_tokens (token_id, token_hash, user_id, name, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)", token_id, sha256_hex(token), user_id, name, now, expires_at)
    return token_id, token, expires_at


async def token_principal(db: Db, token: str, *, now: dt.datetime) -> Principal | None:
    row = await db.fetchrow(
        """SELECT t.user_id, a.role FROM api_tokens t JOIN api_accounts a USING (user_id)
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2""", sha256_hex(token), now)
    return Principal(row["user_id"], row["role"], "token") if row else None


async def revoke_token(db: Db, user_id: str, token_id: str, *, now: dt.datetime) -> bool:
    """True when the user had that token (revoked now, or already)."""
    return await db.fetchval(
        """UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $3) WHERE token_id = $1 AND user_id = $2
           RETURNING true""", token_id, user_id, now) is not None


async def role_of(db: Db, user_id: str) -> str:
    """The account's role; `user` for a user with no account (e.g. one holding only an operator-issued token)."""
    return await db.fetchval("SELECT role FROM api_accounts WHERE user_id = $1", user_id) or "user"


async def set_role(db: Db, email: str, role: str) -> bool:
    """False when the email has no account."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return await db.fetchval("UPDATE api_accounts SET role = $2 WHERE email = $1 RETURNING true",
                             normalize_email(email), role) is not None
