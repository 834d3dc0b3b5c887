"""A URL a user typed is fetched only if it is http(s), carries no credentials, and every address its host
resolves to is public — private networks and cloud metadata stay out of reach."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.http_fetch import (
    FetchError,
    VettingResolver,
    ensure_public_http_url,
    ensure_public_http_url_async,
    is_public_address,
)

DNS: dict[str, list[str]] = {
    "example.com": ["93.184.216.34"],
    "localhost": ["127.0.0.1"],
    "intranet.example": ["10.1.2.3"],
    "split.example": ["93.184.216.34", "192.168.1.10"],
    "metadata.example": ["169.254.169.254"],
    "v6-loopback.example": ["::1"],
}


def fake_resolve(host: str) -> Iterable[str]:
    """Answers from the table above, like a DNS server we control."""
    if host not in DNS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return DNS[host]


def refused(url: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        ensure_public_http_url(url, resolve=fake_resolve, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "gopher://example.com/1",
    "ftp://example.com/jobs.xml",
    "http://user:pw@example.com/feed",
    "http://user@example.com/feed",
    "http:///no-host",
])
def test_only_plain_http_urls_without_credentials_are_fetched(url: str) -> None:
    error = refused(url)
    assert error.kind == "unsafe_url"
    assert error.attempts == 0


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/",
    "http://localhost:8080/admin",
    "http://10.0.0.1/",
    "http://intranet.example/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.example/latest/meta-data/",
    "http://[::1]/",
    "http://v6-loopback.example/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "http://[64:ff9b::a00:1]/",  # NAT64 wrapping 10.0.0.1
])
def test_private_loopback_link_local_and_special_addresses_are_refused(url: str) -> None:
    error = refused(url)
    assert error.kind == "unsafe_url"
    assert "non-public" in str(error)


def test_a_host_with_one_public_and_one_private_address_is_refused() -> None:
    error = refused("https://split.example/jobs.rss")
    assert error.kind == "unsafe_url"
    assert "192.168.1.10" in str(error)


def test_a_public_host_is_allowed() -> None:
    ensure_public_http_url("https://example.com/jobs.rss", resolve=fake_resolve)
    ensure_public_http_url("http://93.184.216.34/jobs.rss", resolve=fake_resolve)
    ensure_public_http_url("http://[2606:2800:220:1:248:1893:25c8:1946]/", resolve=fake_resolve)


def test_a_name_that_does_not_resolve_is_a_connection_failure_not_a_safety_one() -> None:
    assert refused("https://nowhere.invalid/").kind == "connection"


def test_the_allowlist_admits_only_the_hosts_it_names_and_is_off_by_default() -> None:
    assert refused("http://127.0.0.1:8080/").kind == "unsafe_url"
    ensure_public_http_url("http://127.0.0.1:8080/", resolve=fake_resolve, allow_private_hosts=frozenset({"127.0.0.1"}))
    # Same address, other name: not allowlisted.
    assert refused("http://localhost:8080/", allow_private_hosts=frozenset({"127.0.0.1"})).kind == "unsafe_url"
    # The allowlist never admits other schemes or credentials.
    assert refused("file://127.0.0.1/etc/passwd", allow_private_hosts=frozenset({"127.0.0.1"})).kind == "unsafe_url"


def test_the_async_check_agrees_with_the_sync_one() -> None:
    async def resolve(host: str) -> Iterable[str]:
        return fake_resolve(host)

    async def scenario() -> None:
        await ensure_public_http_url_async("https://example.com/", resolve=resolve)
        with pytest.raises(FetchError) as caught:
            await ensure_public_http_url_async("https://split.example/", resolve=resolve)
        assert caught.value.kind == "unsafe_url"

    asyncio.run(scenario())


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("fe80::1%eth0", False), ("not-an-address", False),
])
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


class TableResolver(AbstractResolver):
    """aiohttp-shaped answers from the table (what the connector would get from DNS)."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=address, port=port, family=family, proto=0, flags=0)
            for address in fake_resolve(host)
        ]

    async def close(self) -> None:
        pass


def test_the_connect_time_resolver_refuses_private_answers_and_passes_public_ones() -> None:
    async def scenario() -> None:
        resolver = VettingResolver(TableResolver(), allow_private_hosts=frozenset({"localhost"}))
        assert [r["host"] for r in await resolver.resolve("example.com", 443)] == ["93.184.216.34"]
        assert [r["host"] for r in await resolver.resolve("localhost", 80)] == ["127.0.0.1"]
        for host in ("split.example", "metadata.example", "intranet.example"):
            with pytest.raises(FetchError) as caught:
                await resolver.resolve(host, 80)
            assert caught.value.kind == "unsafe_url"

    asyncio.run(scenario())
