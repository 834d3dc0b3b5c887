"""Errors of the streaming backbone, classified by who must act.

`UserError`: the person running a command must fix something (bad input, missing tool, port taken).
Anything else deriving from `ResumeflowError` is ours; it is logged with context and fails loudly.
"""


class ResumeflowError(Exception):
    """Root of every error this project raises on purpose."""


class UserError(ResumeflowError):
    """Something the operator or user must fix; the CLI prints it without a traceback."""


class SchemaError(ResumeflowError):
    """A schema file is unreadable, or a schema does not agree with its model."""


class DecodeError(ResumeflowError):
    """Bytes on a topic are not a valid record of its schema (not Confluent framing, unknown id, bad Avro)."""


class EncodeError(ResumeflowError):
    """A value does not fit the topic's schema."""


class CoPartitioningError(UserError):
    """User-scoped topics disagree on their partition count, so a user's records would land in different cells."""


class TransientError(ResumeflowError):
    """A dependency (database, cache, remote API) cannot be reached right now; the same work succeeds later.
    The cell agent waits and retries the record instead of counting it as poison."""


class PoisonRecord(ResumeflowError):
    """A record that can never be processed as it is (for example its outputs would not fit on their topic):
    it goes to its topic's dead-letter topic with this reason, at once."""
