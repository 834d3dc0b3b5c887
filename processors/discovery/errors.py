"""Discovery's errors, classified by who must act (see `streams.errors`).

A single malformed posting is never an error: adapters skip it with a logged warning. `SourceParseError` means
the whole payload has the wrong shape (not a board response, not a feed, a file without the needed columns),
so the fetch of that board fails as a `parse` failure.
"""

from typing import Literal

from streams.errors import ResumeflowError


class DiscoveryError(ResumeflowError):
    """Root of the errors the discovery processor raises on purpose."""


class SourceParseError(DiscoveryError):
    """A source's payload as a whole is not what its adapter reads (wrong shape, unsafe or unparsable XML)."""


FetchErrorKind = Literal["timeout", "connection", "http_status", "unsafe_url", "too_large", "rate_limited"]


class FetchError(DiscoveryError):
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
