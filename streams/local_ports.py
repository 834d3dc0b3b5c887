"""A free TCP port on 127.0.0.1 for a local server the demo, a benchmark or a test starts (a job board, SMTP, the
API, a metrics endpoint).

Ports are drawn below 32768: Linux hands out 32768-60999 (`net.ipv4.ip_local_port_range`) as client ports, so a
server listening there can collide with an outgoing connection, and the kernel's own pick (`bind(port 0)`) is
always in that range. The range starts above the local stack's default ports (15432, 16379, 18081, 19092) and
the port blocks developers give their own stacks (21xxx-26xxx), so a pick never lands on a configured one.
"""

from __future__ import annotations

import random
import socket
from collections import deque

LOW, HIGH = 27000, 32767  # inclusive; below the kernel's ephemeral range
# Ports this process handed out lately: a caller that picks several before binding any (a board, SMTP and the
# API for one test) would otherwise be able to get one twice.
_RECENT: deque[int] = deque(maxlen=64)


def free_local_port() -> int:
    """A port in [LOW, HIGH] that nothing on 127.0.0.1 listens on now and that this process has not handed out
    among its last 64 (another process may still take it before the caller binds it; callers retry or fail
    clearly). Raises `OSError` when every port is taken."""
    start = random.randrange(LOW, HIGH + 1)
    for step in range(HIGH - LOW + 1):
        port = LOW + (start - LOW + step) % (HIGH - LOW + 1)
        if port in _RECENT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _RECENT.append(port)
            return port
    raise OSError(f"no free port on 127.0.0.1 in {LOW}-{HIGH}")
