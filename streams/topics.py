"""The topic catalog: every topic's name, key and value schema, partitioning, retention and dead-letter topic.

Scopes decide partitioning:
- `USER`: keyed by `user_id`, exactly `cell_partitions` partitions. A partition is a cell; the same user lands
  in the same partition number of every user topic, so one worker owns all of a user's records and state.
- `JOB`: the global catalog, keyed by canonical job id; not co-partitioned with users.
- `BOARD`: discovery's boards, keyed `<source>:<token>`: each board is polled by the worker owning its partition.
- `SEGMENT`: learning's cross-user counts, keyed by segment (`Senior`, `any`): a handful of keys.
- `DEAD_LETTER`: `<topic>.dlq`, same partition count as its source, key copied byte for byte.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from streams.settings import Settings

DAY_MS = 24 * 60 * 60 * 1000
BOARD_CELL_MAX_BYTES = 16 * 1024 * 1024  # a board with thousands of open postings is one record
OUTCOMES_CELL_MAX_BYTES = 8 * 1024 * 1024  # a user's every application with its answers is one record
FOREVER = -1


class Scope(StrEnum):
    USER = "user"
    JOB = "job"
    BOARD = "board"
    SEGMENT = "segment"
    DEAD_LETTER = "dead-letter"


class TopicSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    scope: Scope
    key_schema: str | None  # None: the key is raw bytes (dead letters keep the poison key as it came)
    value_schema: str
    compacted: bool = False
    retention_ms: int = FOREVER
    max_message_bytes: int | None = None  # broker default (1 MiB) unless a record can be larger
    with_dead_letter: bool = True
    namespaced: bool = False  # the name already carries the deployment's prefix (or needs none: changelogs)
    doc: str

    @property
    def dlq(self) -> str | None:
        return f"{self.name}.dlq" if self.with_dead_letter else None

    def partitions(self, settings: Settings) -> int:
        return settings.cell_partitions

    def for_settings(self, settings: Settings) -> TopicSpec:
        """This topic in the deployment `settings` describe: its name behind the deployment's topic prefix."""
        if not settings.topic_prefix or self.namespaced:
            return self
        return self.model_copy(update={"name": settings.topic_prefix + self.name, "namespaced": True})

    def config(self, settings: Settings | None = None) -> dict[str, str]:
        """The topic's configs; with `settings`, also its `min.insync.replicas` (`Settings.min_insync`)."""
        if self.compacted:
            config = {"cleanup.policy": "compact", "min.compaction.lag.ms": str(60 * 60 * 1000)}
        else:
            config = {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}
        if self.max_message_bytes is not None:
            config["max.message.bytes"] = str(self.max_message_bytes)
        if settings is not None:
            config["min.insync.replicas"] = str(settings.min_insync)
        return config

    @property
    def key_subject(self) -> str:
        return f"{self.name}-key"

    @property
    def value_subject(self) -> str:
        return f"{self.name}-value"


class TableSpec(BaseModel):
    """A Faust table of cells; its changelog is a user-scoped compacted topic like any other."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    scope: Scope = Scope.USER
    key_schema: str = "user_id"
    value_schema: str
    max_message_bytes: int | None = None
    doc: str

    def changelog(self, settings: Settings) -> TopicSpec:
        return TopicSpec(
            name=f"{settings.app_id}-{self.name}-changelog",
            scope=self.scope,
            key_schema=self.key_schema,
            value_schema=self.value_schema,
            compacted=True,
            max_message_bytes=self.max_message_bytes,
            with_dead_letter=False,  # read only by Faust's own recovery, which needs every record
            namespaced=True,  # the app id names the deployment
            doc=f"Changelog of the {self.name} table: {self.doc}",
        )


def _user(name: str, value_schema: str, doc: str, **kw: object) -> TopicSpec:
    return TopicSpec(name=name, scope=Scope.USER, key_schema="user_id", value_schema=value_schema, doc=doc, **kw)


USER_COMMANDS = _user("user.commands", "user_command", "Commands about a user from the web client and CLI.",
                      retention_ms=30 * DAY_MS)
USER_PROFILES = _user("user.profiles", "user_profile", "Accepted profile and preferences, latest per user.",
                      compacted=True)
PROFILE_REJECTED = _user("profile.rejected", "profile_rejected", "Refused user commands with their reasons.",
                         retention_ms=90 * DAY_MS)
JOB_CATALOG = TopicSpec(name="job.catalog", scope=Scope.JOB, key_schema="canonical_job_id",
                        value_schema="job_posting", compacted=True,
                        doc="Every posting once, keyed by canonical job id; again only when it changed.")
JOB_ANALYSIS = TopicSpec(name="job.analysis", scope=Scope.JOB, key_schema="canonical_job_id",
                         value_schema="job_analysis", compacted=True,
                         doc="Each posting analyzed once: requirements, duplicate of, same role as.")
AI_BUDGET = TopicSpec(name="ai.budget", scope=Scope.JOB, key_schema="budget_scope", value_schema="budget_crossed",
                      retention_ms=90 * DAY_MS, doc="A user's or a cell's daily LLM budget was reached.")
JOB_DISCOVERED = _user("job.discovered", "job_discovered", "A posting matched one of a user's saved searches.")
JOB_ANALYZED = _user("job.analyzed", "job_analyzed", "Match score and decision for a user and a job.")
ANALYSIS_REQUESTS = TopicSpec(name="analysis.requests", scope=Scope.JOB, key_schema="canonical_job_id",
                              value_schema="analysis_requested", retention_ms=30 * DAY_MS,
                              doc="A user's cell asks a posting's cell for its analysis (re-keyed user -> job).")
ANALYSIS_DELIVERIES = _user("analysis.deliveries", "analysis_delivered",
                            "A posting's analysis for a user's cell (re-keyed job -> user).", retention_ms=30 * DAY_MS)
ANALYSIS_FAILED = TopicSpec(name="analysis.failed", scope=Scope.JOB, key_schema="canonical_job_id",
                            value_schema="analysis_failed", retention_ms=90 * DAY_MS,
                            doc="A posting that could not be analyzed, and why.")
RESUME_GENERATED = _user("resume.generated", "resume_generated", "A rendered, verified resume variant.")
RESUME_FAILED = _user("resume.failed", "resume_failed", "No resume could be made for a job, and why.",
                      retention_ms=90 * DAY_MS)
APPLICATION_COMMANDS = _user("application.commands", "application_command",
                            "A user's approvals, rejections and marks about applications.", retention_ms=90 * DAY_MS)
APPLICATION_UPDATES = _user("application.updates", "application_updated",
                           "Each application's state after every change: the review queue and applications view.")
APPLICATION_SUBMITTED = _user("application.submitted", "application_submitted", "An application was sent.")
APPLICATION_FAILED = _user("application.failed", "application_failed",
                           "An application no channel could deliver, with the reason.")
OUTCOME_REPORTS = _user("outcome.reports", "outcome_report",
                        "Possible answers before linking: the user's reports, inbox mails, ATS webhooks.",
                        retention_ms=90 * DAY_MS)
RESPONSE_RECEIVED = _user("response.received", "response_received", "An employer's answer to an application.")
WORKFLOW_COMPLETED = _user("workflow.completed", "workflow_completed", "A user's journey with a job ended.")
OUTCOME_UNLINKED = _user("outcome.unlinked", "outcome_unlinked",
                          "Reports that link to no application (yet), for the user to see and fix.",
                          retention_ms=90 * DAY_MS)
LEARNING_UPDATED = _user("learning.updated", "learning_updated",
                         "A user's posteriors per segment and variant, after an outcome.", compacted=True)
LEARNING_CONTRIBUTIONS = TopicSpec(name="learning.contributions", scope=Scope.SEGMENT, key_schema="segment",
                                   value_schema="outcome_contributed", retention_ms=30 * DAY_MS,
                                   doc="A user's outcome for its segment's cross-user counts (re-keyed user -> "
                                       "segment).")
LEARNING_PRIORS = _user("learning.priors", "prior_delivered",
                        "A segment's cross-user counts for a user's cell (re-keyed segment -> user).",
                        retention_ms=30 * DAY_MS)

BOARD_SUBSCRIPTIONS = TopicSpec(name="discovery.subscriptions", scope=Scope.BOARD, key_schema="board_key",
                                value_schema="board_subscription", retention_ms=30 * DAY_MS,
                                doc="A user's searches for one board, re-keyed from the user's cell to the board's.")
SOURCE_FAILED = TopicSpec(name="discovery.errors", scope=Scope.BOARD, key_schema="board_key",
                          value_schema="source_failed", retention_ms=30 * DAY_MS,
                          doc="A board that could not be fetched or read in a cycle, with the reason.")

PROFILE_CELLS = TableSpec(name="profile-cells", value_schema="user_cell", doc="each user's accepted state")
FOLLOWED_BOARDS = TableSpec(name="discovery-followed", value_schema="followed_boards",
                            doc="the boards each user's latest profile follows")
BOARD_CELLS = TableSpec(name="discovery-boards", scope=Scope.BOARD, key_schema="board_key", value_schema="board_cell",
                        max_message_bytes=BOARD_CELL_MAX_BYTES,
                        doc="each board's followers, open postings and poll state")

SOURCE_TOPICS: tuple[TopicSpec, ...] = (
    USER_COMMANDS, USER_PROFILES, PROFILE_REJECTED, JOB_CATALOG, JOB_ANALYSIS, JOB_DISCOVERED, JOB_ANALYZED,
    RESUME_GENERATED, APPLICATION_SUBMITTED, RESPONSE_RECEIVED, WORKFLOW_COMPLETED, BOARD_SUBSCRIPTIONS, AI_BUDGET,
    SOURCE_FAILED, ANALYSIS_REQUESTS, ANALYSIS_DELIVERIES, ANALYSIS_FAILED, RESUME_FAILED,
    APPLICATION_COMMANDS, APPLICATION_UPDATES, APPLICATION_FAILED, OUTCOME_REPORTS, LEARNING_UPDATED,
    OUTCOME_UNLINKED, LEARNING_CONTRIBUTIONS, LEARNING_PRIORS,
)
ANALYSIS_USERS = TableSpec(name="analysis-users", value_schema="analysis_user",
                           doc="what each user's profile shows, postings awaiting analysis, decisions taken")
ANALYSIS_JOBS = TableSpec(name="analysis-jobs", scope=Scope.JOB, key_schema="canonical_job_id",
                          value_schema="analysis_job", doc="each posting's latest analysis and who asked for it")
GENERATION_USERS = TableSpec(name="generation-users", value_schema="generation_user",
                             doc="each user's latest master profile, decisions waiting for it, what was generated")
LEARNING_USERS = TableSpec(name="learning-users", value_schema="learning_user",
                           doc="each user's counted outcomes (ledger) and the other users' counts per segment")
# A segment's cell holds ~40 bytes per contributor (a user in the segment): 16 MiB is some 400,000 of them.
LEARNING_SEGMENTS = TableSpec(name="learning-segments", scope=Scope.SEGMENT, key_schema="segment",
                              value_schema="learning_segment", max_message_bytes=BOARD_CELL_MAX_BYTES,
                              doc="each segment's counts per variant, the last contribution counted per contributor")
OUTCOMES_USERS = TableSpec(name="outcomes-users", value_schema="outcomes_user",
                           max_message_bytes=OUTCOMES_CELL_MAX_BYTES,
                           doc="each user's applications with their answers and completion, reports not linked yet")
# Each application keeps its decision and variants until it ends (then only a summary): a user with hundreds of
# open applications is one record of a few MiB.
SUBMISSION_CELL_MAX_BYTES = 16 * 1024 * 1024
SUBMISSION_USERS = TableSpec(name="submission-users", value_schema="submission_user",
                             max_message_bytes=SUBMISSION_CELL_MAX_BYTES,
                             doc="each user's preferences, posteriors and applications with their state")
TABLES: tuple[TableSpec, ...] = (PROFILE_CELLS, FOLLOWED_BOARDS, BOARD_CELLS, ANALYSIS_USERS, ANALYSIS_JOBS,
                                 GENERATION_USERS, SUBMISSION_USERS, OUTCOMES_USERS, LEARNING_USERS,
                                 LEARNING_SEGMENTS)


def board_polls(settings: Settings) -> TopicSpec:
    """Discovery's ticks to itself: internal to one deployment (app id), like a changelog."""
    return TopicSpec(name=f"{settings.app_id}-discovery-polls", scope=Scope.BOARD, key_schema="board_key",
                     value_schema="poll_requested", retention_ms=1 * DAY_MS, namespaced=True,
                     doc="Ticks that make the worker owning a board consider polling it.")


def submission_ticks(settings: Settings) -> TopicSpec:
    """Submission's ticks to itself (a user's waiting applications are due): internal to one deployment."""
    return TopicSpec(name=f"{settings.app_id}-submission-ticks", scope=Scope.USER, key_schema="user_id",
                     value_schema="submission_tick", retention_ms=1 * DAY_MS, namespaced=True,
                     doc="Ticks that make the worker owning a user look at the user's waiting applications.")


def outcome_ticks(settings: Settings) -> TopicSpec:
    """The outcomes timer's ticks to the user cells it owns: internal to one deployment (app id)."""
    return TopicSpec(name=f"{settings.app_id}-outcomes-ticks", scope=Scope.USER, key_schema="user_id",
                     value_schema="outcome_tick", retention_ms=1 * DAY_MS, namespaced=True,
                     doc="Ticks that make a user's outcomes cell look for applications with no response.")


def dead_letter_topic(source: TopicSpec) -> TopicSpec:
    assert source.dlq is not None
    return TopicSpec(name=source.dlq, scope=Scope.DEAD_LETTER, key_schema=None, value_schema="dead_letter",
                     with_dead_letter=False, namespaced=source.namespaced,
                     doc=f"Records of {source.name} that could not be decoded or validated.")


def catalog(settings: Settings) -> tuple[TopicSpec, ...]:
    """Every topic the platform owns, in a stable order, named for the deployment `settings` describe."""
    sources = tuple(t.for_settings(settings) for t in SOURCE_TOPICS)
    internal = (*(table.changelog(settings) for table in TABLES), board_polls(settings), submission_ticks(settings),
                outcome_ticks(settings))
    dead_letters = tuple(dead_letter_topic(t) for t in (*sources, *internal) if t.with_dead_letter)
    return sources + internal + dead_letters


def by_name(settings: Settings, name: str) -> TopicSpec:
    """A catalog topic by its name, with or without the deployment's prefix."""
    for spec in catalog(settings):
        if spec.name in (name, settings.topic_prefix + name):
            return spec
    raise KeyError(name)
