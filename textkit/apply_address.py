"""The address a posting asks applications to be mailed to, when it names one. Pure, no I/O.

Most postings are applied to through a form (the board's apply URL); some say "send your CV to jobs@acme.com" or
link `mailto:`. The email channel only ever sends to an address found here, so the finder is strict: a `mailto:`
apply link first, else an address in a sentence that asks for an application (apply, send, CV, résumé,
Bewerbung, candidature, ...). An address in other sentences (privacy contact, a "questions?" line, an unsubscribe
footer) is not an application address; nor is a no-reply mailbox.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

# RFC 5322's dot-atom local part and a dotted host with a letter TLD: what real postings write (no quoted locals).
_ADDRESS = re.compile(r"(?<![\w.+-])([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                      r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])")
_ASKS_TO_APPLY = re.compile(
    r"\b(appl(y|ying|ication|ications)|send|submit|e-?mail (us|your)|cv|r[ée]sum[ée]|cover letter"
    r"|bewerb\w*|lebenslauf|unterlagen|candidature|postuler|envoyez|solicitud|curr[ií]culum|sollicit\w*)\b",
    re.IGNORECASE)
_NOT_FOR_APPLICATIONS = re.compile(r"\b(privacy|data protection|datenschutz|unsubscribe|gdpr|dpo)\b", re.IGNORECASE)
_NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster)@", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def apply_email(apply_url: str | None, description_text: str) -> str | None:
    """The application address (lower-cased domain, local part as written), or None when the posting names none.

    `apply_url` may be a `mailto:` link (its first address; `?subject=` and the like are ignored);
    `description_text` is the posting's clean text."""
    if apply_url and apply_url[:7].lower() == "mailto:":
        found = _valid(unquote(urlsplit(apply_url).path).split(",")[0])
        if found:
            return found
    for sentence in _SENTENCE.split(description_text):
        if not _ASKS_TO_APPLY.search(sentence) or _NOT_FOR_APPLICATIONS.search(sentence):
            continue
        for match in _ADDRESS.finditer(sentence):
            found = _valid(match.group(1))
            if found:
                return found
    return None


def _valid(text: str) -> str | None:
    _, address = parseaddr(text.strip())
    match = _ADDRESS.fullmatch(address)
    if match is None or _NO_REPLY.match(address):
        return None
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"
