"""Generation's errors, classified by who must act (see `streams.errors`)."""

from streams.errors import ResumeflowError, UserError


class GenerationError(ResumeflowError):
    """Ours: e.g. a tailored line the truthfulness check still rejects after the fallback."""


class JobInputError(UserError):
    """A job given by the user cannot be read: say what to fix."""
