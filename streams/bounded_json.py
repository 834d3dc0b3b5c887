"""JSON from outside, parsed only once it is known to be small and shallow enough.

Python's `json` recurses once per nesting level: a 100 KB document of `[[[[...` raises `RecursionError` (not
`JSONDecodeError`), which a caller catching decoding errors does not expect. `loads` measures size and nesting
first, with one pass over the text that skips string contents, and refuses with a `JsonRefused` (a
`ValueError`) saying what was too big.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JsonRefused(ValueError):
    """The text is not JSON we accept: too large, nested too deep, or not JSON at all."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (strings skipped; malformed text is measured anyway)."""
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def loads(text: str | bytes, *, max_bytes: int | None, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `text`; `JsonRefused` when it is over `max_bytes` (UTF-8; None when the caller bounded
    the size already), nested deeper than `max_depth`, or not JSON."""
    if isinstance(text, bytes):
        size = len(text)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonRefused(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    else:
        size = len(text.encode("utf-8", errors="surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise JsonRefused(f"{size} bytes, over the limit of {max_bytes}")
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonRefused(f"nested {depth} levels deep, over the limit of {max_depth}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
