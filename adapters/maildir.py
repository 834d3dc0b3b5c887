"""Mailboxes as Maildirs (one per address under a root folder): delivery by the local mail server, and the look-up
submission uses to reconcile an email whose sending was never confirmed.

A Maildir (https://cr.yp.to/proto/maildir.html) takes a message by writing it under `tmp/` and renaming it into
`new/`, so a reader never sees half a message; Python's `mailbox.Maildir` does exactly that.
"""

from __future__ import annotations

import mailbox
import re
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path

_UNSAFE = re.compile(r"[^a-z0-9@._+-]")
MAX_HEADER_BYTES = 64 * 1024


def mailbox_path(root: Path, address: str) -> Path:
    """`root/<address>`: lower-cased, every character that could climb out of the folder replaced."""
    name = _UNSAFE.sub("_", address.strip().lower()).lstrip(".") or "_"
    return root / name[:200]


def deliver(root: Path, address: str, message: bytes) -> str:
    """Store `message` in `address`'s Maildir (created when missing); returns the Maildir key."""
    return mailbox.Maildir(mailbox_path(root, address), create=True).add(message)


def contains_message_id(root: Path, address: str, message_id: str) -> bool:
    """Whether `address`'s Maildir holds a message with this Message-ID (read from the headers only)."""
    folder = mailbox_path(root, address)
    wanted = message_id.strip()
    parser = BytesHeaderParser(policy=default)
    for sub in ("new", "cur"):
        directory = folder / sub
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            try:
                with path.open("rb") as handle:
                    head = handle.read(MAX_HEADER_BYTES)
            except OSError:
                continue  # moved from new/ to cur/ while listing
            header = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            if str(parser.parsebytes(header).get("Message-ID", "")).strip() == wanted:
                return True
    return False


def messages(root: Path, address: str) -> list[bytes]:
    """Every message in `address`'s Maildir (tests and the demo count them)."""
    folder = mailbox_path(root, address)
    if not folder.exists():
        return []
    box = mailbox.Maildir(folder, create=False)
    return [box.get_bytes(key) for key in box.iterkeys()]
