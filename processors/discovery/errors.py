"""Discovery's errors, classified by who must act (see `streams.errors`).

A single malformed posting is never an error: adapters skip it with a logged warning. `SourceParseError` means
the whole payload has the wrong shape (not a board response, not a feed, a file without the needed columns),
so the fetch of that board fails as a `parse` failure. Fetching itself fails with `adapters.http_fetch.FetchError`.
"""

from streams.errors import ResumeflowError


class DiscoveryError(ResumeflowError):
    """Root of the errors the discovery processor raises on purpose."""


class SourceParseError(DiscoveryError):
    """A source's payload as a whole is not what its adapter reads (wrong shape, unsafe or unparsable XML)."""
