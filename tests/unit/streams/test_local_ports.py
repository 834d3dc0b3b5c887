"""Local servers get ports below the kernel's ephemeral range, and never one that is taken."""

from __future__ import annotations

import socket

import pytest

from streams import local_ports
from streams.local_ports import HIGH, LOW, free_local_port


def test_a_free_port_is_below_32768_and_bindable() -> None:
    for _ in range(20):
        port = free_local_port()
        assert LOW <= port <= HIGH < 32768
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_taken_port_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_ports.random, "randrange", lambda low, high: LOW)  # start the search on taken ports
    taken = []
    try:
        for port in range(LOW, LOW + 50):
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            sock.listen()
            taken.append(sock)
        held = {s.getsockname()[1] for s in taken}
        assert LOW in held
        port = free_local_port()
        assert port not in held and LOW < port <= HIGH
    finally:
        for sock in taken:
            sock.close()


def test_a_port_handed_out_is_not_handed_out_again_before_it_is_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_ports.random, "randrange", lambda low, high: LOW)  # every search starts at one port

    picked = [free_local_port() for _ in range(40)]  # none bound: each would still pass the bind check

    assert len(set(picked)) == 40
