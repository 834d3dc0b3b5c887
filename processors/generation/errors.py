"""Generation's errors, classified by who must act (see `streams.errors`)."""

from streams.errors import ResumeflowError


class GenerationError(ResumeflowError):
    """Ours: e.g. a tailored line the truthfulness check still rejects after the fallback."""
