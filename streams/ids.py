"""Ids derived from content: the one way every processor names what it emits.

A processor's outputs must carry the same `event_id` when the same input is processed again (a redelivery after
a crash, a replay), so sinks that upsert by `event_id` see nothing new and a consumer can drop what it has seen.
`derived_id` is a UUID version 5 (RFC 9562, section 5.5) of a kind and its parts in one namespace, joined by the
ASCII unit separator, which no part carries (ids, hashes, numbers), so two different part lists never collide.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1d7a52-4c1e-4d8e-9a8e-2b8f0e6a1c11")
_SEPARATOR = "\x1f"


def derived_id(kind: str, *parts: str) -> str:
    """`derived_id("resume", user_id, job_id, variant_id, sha256)`: the same arguments, the same id."""
    return str(uuid.uuid5(NAMESPACE, _SEPARATOR.join((kind, *parts))))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_id_for_email(email: str) -> str:
    """One email, one user id, one cell: registering twice lands on the same cell and is refused there. (Its form,
    `user:<email>` in the namespace, predates `derived_id` and is kept so existing users keep their ids.)"""
    return str(uuid.uuid5(NAMESPACE, "user:" + normalize_email(email)))


# The domain of the Message-IDs of mails resumeflow sends (RFC 2606 reserves `.invalid`: no one else's mail can
# carry it). Submission names its mails with it; the inbox reader knows a mail carrying it is the user's own copy
# of an application (its BCC), not an employer's answer.
SENT_MESSAGE_DOMAIN = "resumeflow.invalid"


def sent_message_id(key: str) -> str:
    """The RFC 5322 msg-id of a mail resumeflow sends, from an idempotency key: `<key@resumeflow.invalid>`."""
    return f"<{key}@{SENT_MESSAGE_DOMAIN}>"


def is_sent_message_id(message_id: str) -> bool:
    return message_id.strip().strip("<>").lower().endswith("@" + SENT_MESSAGE_DOMAIN)
