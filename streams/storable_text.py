"""PostgreSQL's `text` and `jsonb` cannot hold NUL (U+0000): asyncpg raises CharacterNotInRepertoireError for the
whole statement. Text from outside (a board's JSON saying "\\u0000", an AI provider's answer) may carry one, so
whatever is written to PostgreSQL from such a source goes through `without_nul` first.
"""

from __future__ import annotations

from typing import Any

REPLACEMENT = "\ufffd"  # Unicode's replacement character: visible, and not mistaken for the text it replaces


def without_nul(value: Any) -> Any:
    """`value` with every NUL in its strings replaced by U+FFFD, at any depth of lists and dicts (keys too);
    anything else is returned as it is."""
    if isinstance(value, str):
        return value.replace("\x00", REPLACEMENT)
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value
