"""The port discovery fetches job boards through: polite (per-host rate limit, conditional requests, capped
retries with jittered backoff, capped bodies) and, for URLs a user typed, safe (no requests to private
networks, not even through a redirect).

Server-side request forgery and DNS rebinding: `ensure_public_http_url` resolves the host and refuses any
non-global address, but aiohttp then resolves the name again when it connects, and a hostile DNS server can
answer differently the second time. The check that counts therefore runs at connect time: sessions built by
`open_vetted_session` connect through `VettingResolver`, which refuses to hand aiohttp any address that is not
global, so the addresses aiohttp dials are exactly the vetted ones. Literal IPs never reach a resolver in
aiohttp, so `ensure_public_http_url` (run on every hop when `check_public`) is what covers them.
(Through an HTTP proxy the resolver would vet the proxy, not the target: vetted sessions ignore proxy env.)
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from pydantic import BaseModel, ConfigDict, Field
from yarl import URL

from adapters.rate_limit import RateLimiter, RedisTokenBucket
from streams.errors import ResumeflowError

__all__ = [
    "CacheValidators",
    "FetchError",
    "FetchResponse",
    "HttpClientSettings",
    "PoliteHttpClient",
    "RateLimiter",
    "RedisTokenBucket",
    "VettingResolver",
    "ensure_public_http_url",
    "ensure_public_http_url_async",
    "is_public_address",
    "open_vetted_session",
]


class CacheValidators(BaseModel):
    """HTTP cache validators (RFC 9110 section 8.8) from the last successful fetch, for conditional requests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    etag: str | None = None
    last_modified: str | None = None


FetchErrorKind = Literal["timeout", "connection", "http_status", "unsafe_url", "too_large", "rate_limited"]


class FetchError(ResumeflowError):
    """A board or feed could not be fetched. `kind` says why (it becomes `BoardFailed.error_kind`);
    `attempts` is how many attempts sent a request (0 when the URL was refused before anything was sent)."""

    def __init__(
        self,
        message: str,
        *,
        kind: FetchErrorKind,
        attempts: int = 0,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: FetchErrorKind = kind
        self.attempts = attempts
        self.url = url
        self.status = status

    def __repr__(self) -> str:
        return f"FetchError({str(self)!r}, kind={self.kind!r}, attempts={self.attempts}, status={self.status})"


log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "resumeflow/0.1 (+https://github.com/resumeflow)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_CHUNK_BYTES = 64 * 1024
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

Resolve = Callable[[str], Iterable[str]]
AsyncResolve = Callable[[str], Awaitable[Iterable[str]]]


class HttpClientSettings(BaseModel):
    """How politely and how long to try. `allow_private_hosts` names hosts (as written in URLs) that may
    resolve to private addresses — for tests and local demos only; empty in production."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout_s: float = Field(20.0, gt=0)
    max_attempts: int = Field(3, ge=1)
    base_backoff_s: float = Field(0.5, ge=0)
    max_backoff_s: float = Field(8.0, ge=0)
    max_body_bytes: int = Field(20 * 1024 * 1024, ge=0)
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """What a board answered. `body` is empty on 304; `url` is the final URL after redirects; `attempts`
    counts requests tried for this fetch (redirect hops are not extra attempts)."""

    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    url: str
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> CacheValidators:
        return CacheValidators(etag=self.etag, last_modified=self.last_modified)


# --- URL safety -------------------------------------------------------------------------------------------


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address. IPv4 inside IPv6 (mapped, 6to4, NAT64) is judged
    by the IPv4 address it carries, so `::ffff:127.0.0.1` is loopback."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
        if ip.is_site_local:
            return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return ip.is_global and not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified
    )


def _unsafe(url: str, reason: str) -> FetchError:
    return FetchError(f"refusing to fetch {url!r}: {reason}", kind="unsafe_url", url=url)


def _checked_host(url: str) -> tuple[str, bool]:
    """Validate what can be judged from the URL alone; return the host and whether it is a literal IP."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise _unsafe(url, f"not a valid URL ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise _unsafe(url, f"scheme {parsed.scheme!r} is not http or https")
    if parsed.user is not None or parsed.password is not None:
        raise _unsafe(url, "credentials in the URL are not allowed")
    host = (parsed.raw_host or "").lower().rstrip(".")
    if not host:
        raise _unsafe(url, "no host")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host, False
    return host, True


def _check_addresses(url: str, host: str, addresses: Iterable[str]) -> None:
    addresses = list(addresses)
    if not addresses:
        raise FetchError(f"cannot fetch {url!r}: {host} resolved to no address", kind="connection", url=url)
    refused = sorted({address for address in addresses if not is_public_address(address)})
    if refused:
        raise _unsafe(url, f"{host} resolves to non-public address(es) {', '.join(refused)}")


def _is_allowlisted(host: str, allow_private_hosts: frozenset[str]) -> bool:
    return host in {allowed.lower().rstrip(".") for allowed in allow_private_hosts}


def _getaddrinfo_addresses(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def ensure_public_http_url(
    url: str, *, resolve: Resolve = _getaddrinfo_addresses, allow_private_hosts: frozenset[str] = frozenset(),
) -> None:
    """Raise `FetchError(kind="unsafe_url")` unless `url` is http(s), carries no credentials, and its host
    (a literal IP, or every address the name resolves to) is public. Hosts in `allow_private_hosts` skip the
    address check. This checks at the time of the call only; see the module docstring on DNS rebinding."""
    host, literal = _checked_host(url)
    if _is_allowlisted(host, allow_private_hosts):
        return
    if literal:
        _check_addresses(url, host, [host])
        return
    try:
        addresses = resolve(host)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc}", kind="connection", url=url) from exc
    _check_addresses(url, host, addresses)


async def _loop_getaddrinfo_addresses(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def ensure_public_http_url_async(
    url: str, *, resolve: AsyncResolve = _loop_getaddrinfo_addresses,
    allow_private_hosts: frozenset[str] = frozenset(),
) -> None:
    """`ensure_public_http_url` without blocking the event loop on DNS."""
    host, literal = _checked_host(url)
    if _is_allowlisted(host, allow_private_hosts):
        return
    if literal:
        _check_addresses(url, host, [host])
        return
    try:
        addresses = await resolve(host)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc}", kind="connection", url=url) from exc
    _check_addresses(url, host, addresses)


class VettingResolver(AbstractResolver):
    """aiohttp resolver that refuses a name if ANY of its addresses is not public, so the vetting happens on
    the very answer aiohttp connects to (no DNS-rebinding window). Wraps aiohttp's default resolver."""

    def __init__(
        self, inner: AbstractResolver | None = None, *, allow_private_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._inner = inner
        self._owns_inner = inner is None
        self._allow_private_hosts = allow_private_hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET,
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = DefaultResolver()
        results = await self._inner.resolve(host, port, family)
        name = host.lower().rstrip(".")
        if not _is_allowlisted(name, self._allow_private_hosts):
            _check_addresses(f"//{host}:{port}", name, [result["host"] for result in results])
        return results

    async def close(self) -> None:
        if self._owns_inner and self._inner is not None:
            await self._inner.close()


def open_vetted_session(settings: HttpClientSettings | None = None, **session_kwargs: object) -> aiohttp.ClientSession:
    """A session whose connections only ever go to public addresses (plus `settings.allow_private_hosts`).
    The session discovery's `main()` should hand to `PoliteHttpClient`. Call inside a running loop. Never
    reads proxy settings from the environment (`trust_env=False`): through a proxy the vetting would judge the
    proxy's address, not the target's."""
    allow = (settings or HttpClientSettings()).allow_private_hosts
    connector = aiohttp.TCPConnector(resolver=VettingResolver(allow_private_hosts=allow))
    session_kwargs["trust_env"] = False
    return aiohttp.ClientSession(connector=connector, **session_kwargs)  # type: ignore[arg-type]


# --- the client ---------------------------------------------------------------------------------------------


class _Retryable(Exception):
    """One attempt failed in a way worth another try."""

    def __init__(self, kind: FetchErrorKind, message: str, *, status: int | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.kind: FetchErrorKind = kind
        self.status = status
        self.retry_after_s = retry_after_s


def _retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds, or an HTTP date relative to now); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class PoliteHttpClient:
    """GETs a URL the polite way; see the module docstring. Raises `FetchError` for every failure."""

    def __init__(
        self, session: aiohttp.ClientSession, limiter: RateLimiter, settings: HttpClientSettings | None = None,
        *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, rng: random.Random | None = None,
        resolve: AsyncResolve = _loop_getaddrinfo_addresses,
    ) -> None:
        self._session = session
        self._limiter = limiter
        self.settings = settings or HttpClientSettings()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._resolve = resolve

    async def get(
        self, url: str, *, validators: CacheValidators | None = None, check_public: bool = False,
    ) -> FetchResponse:
        """Fetch `url`. With `check_public` (URLs a user typed), the URL and every redirect target must be
        public (`ensure_public_http_url_async`). 304 comes back as a response with an empty body. A retry
        starts again from `url`; an attempt follows up to `MAX_REDIRECTS` redirects."""
        attempts = 0
        while True:
            attempts += 1
            try:
                return await self._attempt(url, validators, check_public, attempts)
            except _Retryable as failure:
                if attempts >= self.settings.max_attempts:
                    raise FetchError(f"giving up on {url!r} after {attempts} attempt(s): {failure}",
                                     kind=failure.kind, attempts=attempts, url=url,
                                     status=failure.status) from failure
                delay = self._backoff(attempts - 1, failure.retry_after_s)
                log.info("retrying %s in %.2fs after: %s (attempt %d of %d)", url, delay, failure, attempts,
                         self.settings.max_attempts)
                await self._sleep(delay)

    def _backoff(self, retry_index: int, retry_after_s: float | None) -> float:
        """Full jitter (uniform over [0, min(max, base·2ⁿ)]) unless the server said how long to wait."""
        settings = self.settings
        if retry_after_s is not None:
            return min(settings.max_backoff_s, retry_after_s)
        return self._rng.uniform(0, min(settings.max_backoff_s, settings.base_backoff_s * 2**retry_index))

    async def _attempt(
        self, url: str, validators: CacheValidators | None, check_public: bool, attempt: int,
    ) -> FetchResponse:
        """One attempt, following redirects: a response, or `_Retryable` / `FetchError`."""
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            if check_public:
                try:
                    await ensure_public_http_url_async(
                        current, resolve=self._resolve, allow_private_hosts=self.settings.allow_private_hosts,
                    )
                except FetchError as exc:
                    if exc.kind == "connection":
                        raise _Retryable("connection", str(exc)) from exc
                    # Nothing was sent in this attempt if the very first URL is refused.
                    exc.attempts = attempt if hop else attempt - 1
                    raise
            try:
                outcome = await self._request(current, validators, attempt)
            except FetchError as exc:
                exc.attempts = attempt
                raise
            if isinstance(outcome, FetchResponse):
                return outcome
            current = outcome
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url!r}", kind="http_status",
                         attempts=attempt, url=current)

    async def _request(self, url: str, validators: CacheValidators | None, attempt: int) -> FetchResponse | str:
        """One request: a response, the absolute URL a redirect points to, or `_Retryable` / `FetchError`."""
        settings = self.settings
        target = URL(url)
        await self._limiter.acquire((target.raw_host or "").lower())
        headers = {"User-Agent": settings.user_agent}
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        try:
            async with self._session.get(
                target, headers=headers, allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=settings.timeout_s),
            ) as response:
                status = response.status
                if status in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"{url!r} answered {status} without a Location", kind="http_status",
                                         url=url, status=status)
                    try:
                        return str(response.url.join(URL(location)))
                    except ValueError as exc:
                        raise FetchError(f"{url!r} redirected to an invalid URL {location!r}", kind="http_status",
                                         url=url, status=status) from exc
                if status == 304:
                    return FetchResponse(
                        status=304, body=b"",
                        etag=response.headers.get("ETag") or (validators.etag if validators else None),
                        last_modified=response.headers.get("Last-Modified")
                        or (validators.last_modified if validators else None),
                        url=url, attempts=attempt,
                    )
                if status == 429 or status == 408 or status >= 500:
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After")) \
                        if status in (429, 503) else None
                    raise _Retryable("rate_limited" if status == 429 else "http_status",
                                     f"{url!r} answered {status}", status=status, retry_after_s=retry_after)
                if not 200 <= status < 300:
                    raise FetchError(f"{url!r} answered {status}", kind="http_status", url=url, status=status)
                body = await self._read_capped(response, url)
                return FetchResponse(
                    status=status, body=body, etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"), url=url, attempts=attempt,
                )
        except TimeoutError as exc:
            raise _Retryable("timeout", f"{url!r} timed out after {settings.timeout_s}s") from exc
        except aiohttp.ClientError as exc:
            raise _Retryable("connection", f"{url!r}: {type(exc).__name__}: {exc}") from exc

    async def _read_capped(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        cap = self.settings.max_body_bytes
        if response.content_length is not None and response.content_length > cap:
            raise FetchError(f"{url!r} declares {response.content_length} bytes, over the {cap}-byte cap",
                             kind="too_large", url=url, status=response.status)
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
            body += chunk
            if len(body) > cap:
                raise FetchError(f"{url!r} sent more than the {cap}-byte cap", kind="too_large", url=url,
                                 status=response.status)
        return bytes(body)
