"""The submission processor's own records: its per-user cell and the ticks its timer sends to it.

Never read by another processor (applications are published as `application.*`); they are messages so the cell
and the tick travel through Kafka (the table's changelog, the tick topic) with a schema like everything else.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from streams.messages.analysis import JobAnalyzed
from streams.messages.applications import ApplicationStatus
from streams.messages.common import Message, NonEmptyStr, UtcDatetime
from streams.messages.learning import LearningUpdated
from streams.messages.resumes import ResumeGenerated
from streams.messages.users import Preferences


class SubmissionTick(Message):
    """Time to look at a user's waiting applications: sent by the worker owning the user's partition, to itself,
    because a cell may only change while a record of its partition is processed."""

    avro_schema: ClassVar[str] = "submission_tick"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime


class Dispatch(Message):
    """One application handed to a channel (or its manual packet to the user): what the daily and company caps
    count. `company` is normalized (`processors.submission.limits.company_key`)."""

    application_id: NonEmptyStr
    company: str
    at: UtcDatetime


class SubmissionApplication(Message):
    """One application in its user's cell. `status` None: still collecting its variants (or the profile)."""

    application_id: NonEmptyStr
    canonical_job_id: NonEmptyStr  # the job the application is for: `duplicate_of` when the posting has one
    posting_job_id: NonEmptyStr  # the posting it goes to (its decision's canonical_job_id)
    decision: JobAnalyzed
    resumes: list[ResumeGenerated] = []
    status: ApplicationStatus | None = None
    approved: bool = False
    variant_id: str | None = None
    recommended_variant_id: str | None = None
    channel: str | None = None
    claim_round: Annotated[int, Field(ge=0)] = 0  # raised whenever a claim is released: a new key and Message-ID
    attempts: Annotated[int, Field(ge=0)] = 0  # channel failures in this round
    not_before: UtcDatetime | None = None  # a limit, a retry backoff or a reconciliation waits until then
    reason: str = ""
    version: Annotated[int, Field(ge=0)] = 0  # one per published update, so update ids derive from it
    message_id: str | None = None
    external_id: str | None = None
    auto_approved: bool = False  # approved by AUTO mode, not by the user: held while the mode is OFF
    # The last command applied (its time, and every id applied at that time): a replayed older one changes nothing.
    last_command_at: UtcDatetime | None = None
    last_command_ids: list[str] = []


class SubmissionUser(Message):
    """The submission processor's state for one user (in the user's cell)."""

    avro_schema: ClassVar[str] = "submission_user"
    user_id: NonEmptyStr
    email: str = ""
    profile_version: Annotated[int, Field(ge=0)] = 0
    profile_json: str = ""
    preferences: Preferences = Preferences()
    learning: LearningUpdated | None = None
    applications: dict[str, SubmissionApplication] = {}
    early_resumes: list[ResumeGenerated] = []  # variants whose decision has not arrived yet
    dispatches: list[Dispatch] = []
    seen_commands: list[str] = []  # the latest command ids applied: a redelivered command changes nothing
