"""A small SMTP server for tests and the demo: every accepted message is delivered into a Maildir per recipient
(`adapters.maildir`) BEFORE the server answers 250, so whatever a client saw accepted can be found afterwards.

Built on aiosmtpd (the standard library's smtpd successor). No relaying, no authentication, no TLS: it listens
on the loopback interface by default and is not a mail server for the internet. `resumeflow mail serve` runs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from adapters.maildir import deliver

log = logging.getLogger(__name__)


class MaildirHandler:
    """aiosmtpd handler: `refuse(address)` -> an SMTP reply ("550 ...") refuses that recipient (tests of refusals);
    None accepts it. `after_delivery(recipients)` runs once a message is stored and before the 250 is sent (a
    test kills its client there: the message is delivered, the client never hears so)."""

    def __init__(self, root: Path, refuse: Callable[[str], str | None] | None = None,
                 after_delivery: Callable[[list[str]], None] | None = None) -> None:
        self.root = root
        self.refuse = refuse
        self.after_delivery = after_delivery

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        answer = self.refuse(address) if self.refuse is not None else None
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode()
        try:
            for address in envelope.rcpt_tos:
                await asyncio.to_thread(deliver, self.root, address, content)
        except OSError:
            log.exception("cannot store a message")
            return "451 Requested action aborted: local error in processing"
        log.info("delivered a message of %d bytes to %d recipients", len(content), len(envelope.rcpt_tos))
        if self.after_delivery is not None:
            self.after_delivery(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class MailServer:
    """`with MailServer(root, port=0) as server:` serves on `server.port` in a thread of its own."""

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 2525,
                 refuse: Callable[[str], str | None] | None = None,
                 after_delivery: Callable[[list[str]], None] | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.handler = MaildirHandler(root, refuse, after_delivery)
        self.controller = Controller(self.handler, hostname=host, port=port,
                                     data_size_limit=25 * 1024 * 1024)
        self.host = host

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
