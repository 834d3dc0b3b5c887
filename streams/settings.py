"""The one settings object. Read from the environment, then from the local stack's address file.

Production points the four addresses at real clusters through the environment; on a developer's machine
`resumeflow stack up` writes them to `<home>/stack.env`, which every other command reads.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def resumeflow_home() -> Path:
    """Where the local stack keeps its data and address file: `$RESUMEFLOW_HOME`, else `./.resumeflow`."""
    return Path(os.environ.get("RESUMEFLOW_HOME", ".resumeflow")).resolve()


def stack_env_file() -> Path:
    return resumeflow_home() / "stack.env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_file_encoding="utf-8")

    kafka_bootstrap_servers: str = Field("127.0.0.1:19092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    schema_registry_url: str = Field("http://127.0.0.1:18081", validation_alias="SCHEMA_REGISTRY_URL")
    database_url: str = Field("postgresql://postgres@127.0.0.1:15432/resumeflow", validation_alias="DATABASE_URL")
    redis_url: str = Field("redis://127.0.0.1:16379/0", validation_alias="REDIS_URL")

    app_id: str = Field("resumeflow", validation_alias="RESUMEFLOW_APP_ID")
    # Prepended to every topic of the catalog (`user.commands` -> `<prefix>user.commands`), so several deployments
    # (a test session, a demo, a staging copy) can share one cluster without reading each other's records.
    topic_prefix: str = Field("", pattern=r"^[A-Za-z0-9._-]*$", validation_alias="RESUMEFLOW_TOPIC_PREFIX")
    cell_partitions: Annotated[int, Field(ge=1)] = Field(12, validation_alias="RESUMEFLOW_CELL_PARTITIONS")
    replication_factor: Annotated[int, Field(ge=1)] = Field(1, validation_alias="RESUMEFLOW_REPLICATION_FACTOR")
    # Replicas that must have a record before a producer with acks=all hears it was written; unset: derived from
    # the replication factor (`min_insync`). `stack up --brokers 3` writes 3 and 2 to stack.env.
    min_insync_replicas_override: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias="RESUMEFLOW_MIN_INSYNC_REPLICAS")
    table_standby_replicas: Annotated[int, Field(ge=0)] = Field(1, validation_alias="RESUMEFLOW_STANDBY_REPLICAS")
    # How fast a dead worker's cells move (issue 11, bench/failover.py): the group notices a worker that stopped
    # heartbeating (a kill -9, a lost machine) only after the session timeout, then rebalances; Faust's defaults
    # (60 s session, 3 s heartbeat) kept the moved cells idle for over a minute, and Kafka's own floor of 6 s
    # (group.min.session.timeout.ms) was most of what was left. The local stack, kafka-compose.yml and the Strimzi
    # Kafka set that floor to 3 s; a worker raises its session to a higher floor it reads from the brokers
    # (streams.admin.session_the_broker_allows). The workers left learn of the rebalance at their next heartbeat,
    # so 1 s (a third of the session, Kafka's guidance). The price of a short session: on an overloaded machine
    # (load average 24 on 2 cores) a few starting workers missed a 6 s one once and rejoined (README, "Cells that
    # move"); raise it there, not on healthy machines.
    broker_session_timeout_s: Annotated[float, Field(gt=0)] = Field(
        3.0, validation_alias="RESUMEFLOW_BROKER_SESSION_TIMEOUT_S")
    broker_heartbeat_interval_s: Annotated[float, Field(gt=0)] = Field(
        1.0, validation_alias="RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S")
    # How long the group waits for every member to rejoin a rebalance (a member still finishing its batch).
    broker_rebalance_timeout_s: Annotated[float, Field(gt=0)] = Field(
        60.0, validation_alias="RESUMEFLOW_BROKER_REBALANCE_TIMEOUT_S")
    # Prometheus metrics of a worker (AI calls, cost, cache hits) on 127.0.0.1:<port>/metrics; off when unset.
    metrics_port: int | None = Field(None, validation_alias="RESUMEFLOW_METRICS_PORT")
    # The address it binds: loopback on a shared machine; 0.0.0.0 only inside a pod or container, where the
    # network namespace is the process's own and Prometheus scrapes the pod's address.
    metrics_host: str = Field("127.0.0.1", validation_alias="RESUMEFLOW_METRICS_HOST")
    worker_id: str = Field("0", pattern=r"^[A-Za-z0-9_-]+$", validation_alias="RESUMEFLOW_WORKER_ID")
    # A worker asked to stop (SIGTERM/SIGINT) that has not stopped within this long exits anyway, as a kill -9 would.
    worker_stop_grace_s: Annotated[float, Field(gt=0)] = Field(20.0, validation_alias="RESUMEFLOW_WORKER_STOP_GRACE_S")
    home: Path = Field(default_factory=resumeflow_home, validation_alias="RESUMEFLOW_HOME")
    # text: one readable line per record; json: one JSON object per line, for a log collector (streams/log_control.py)
    log_format: Literal["text", "json"] = Field("text", validation_alias="RESUMEFLOW_LOG_FORMAT")

    # discovery: where the boards' public APIs live (tests and the demo point these at a local server)
    greenhouse_url: str = Field("https://boards-api.greenhouse.io", validation_alias="RESUMEFLOW_GREENHOUSE_URL")
    lever_url: str = Field("https://api.lever.co", validation_alias="RESUMEFLOW_LEVER_URL")
    ashby_url: str = Field("https://api.ashbyhq.com", validation_alias="RESUMEFLOW_ASHBY_URL")
    discovery_interval_s: Annotated[float, Field(gt=0)] = Field(
        900.0, validation_alias="RESUMEFLOW_DISCOVERY_INTERVAL_S")
    discovery_tick_s: Annotated[float, Field(gt=0)] = Field(5.0, validation_alias="RESUMEFLOW_DISCOVERY_TICK_S")
    discovery_once: bool = False  # set by `resumeflow discover --once`, never from the environment
    import_dir_override: Path | None = Field(None, validation_alias="RESUMEFLOW_IMPORT_DIR")
    # Hosts that may resolve to private addresses (a local board server in tests and the demo). Empty in
    # production: then every fetch connects only to public addresses.
    allow_private_hosts_csv: str = Field("", validation_alias="RESUMEFLOW_ALLOW_PRIVATE_HOSTS")
    rate_limit_burst: Annotated[int, Field(ge=1)] = Field(5, validation_alias="RESUMEFLOW_RATE_LIMIT_BURST")
    rate_limit_per_s: Annotated[float, Field(gt=0)] = Field(1.0, validation_alias="RESUMEFLOW_RATE_LIMIT_PER_S")

    # AI gateway (streams/ai_gateway). Providers are litellm model strings in fallback order; empty = no LLM,
    # every processor takes its deterministic path. API keys are never settings: litellm reads them from the
    # environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
    ai_providers_csv: str = Field("", validation_alias="RESUMEFLOW_AI_PROVIDERS")
    # One api_base per provider, same order, empty for the provider's default (e.g. ",,http://127.0.0.1:11434").
    ai_api_bases_csv: str = Field("", validation_alias="RESUMEFLOW_AI_API_BASES")
    ai_timeout_s: Annotated[float, Field(gt=0)] = Field(30.0, validation_alias="RESUMEFLOW_AI_TIMEOUT_S")
    ai_max_output_tokens: Annotated[int, Field(ge=1)] = Field(
        2048, validation_alias="RESUMEFLOW_AI_MAX_OUTPUT_TOKENS")
    ai_user_budget_usd_per_day: Annotated[float, Field(gt=0)] = Field(
        1.0, validation_alias="RESUMEFLOW_AI_USER_BUDGET_USD_PER_DAY")
    ai_cell_budget_usd_per_day: Annotated[float, Field(gt=0)] = Field(
        20.0, validation_alias="RESUMEFLOW_AI_CELL_BUDGET_USD_PER_DAY")
    ai_cache_ttl_s: Annotated[int, Field(ge=1)] = Field(7 * 24 * 3600, validation_alias="RESUMEFLOW_AI_CACHE_TTL_S")
    ai_semantic_cache: bool = Field(True, validation_alias="RESUMEFLOW_AI_SEMANTIC_CACHE")
    # Measured: a senior posting rewritten as junior (years, salary changed) still scores 0.991 against the
    # original, a true repost 0.999; so only near-identical prompts may share an answer.
    ai_semantic_threshold: Annotated[float, Field(gt=0, le=1)] = Field(
        0.995, validation_alias="RESUMEFLOW_AI_SEMANTIC_THRESHOLD")

    # analysis's offline tier: a fine-tuned MiniLM skill tagger (`resumeflow train skills --approach minilm-full
    # --out FILE`) instead of the shipped CRF; finds more skills, reads ~20x fewer postings a second (README)
    skill_tagger: Path | None = Field(None, validation_alias="RESUMEFLOW_SKILL_TAGGER")

    # outcomes: how often each worker looks for applications with no response (the days are the user's)
    outcomes_tick_s: Annotated[float, Field(gt=0)] = Field(3600.0, validation_alias="RESUMEFLOW_OUTCOMES_TICK_S")
    # ATS webhooks (`POST /webhooks/ats/{provider}`): the HMAC-SHA256 key the ATS signs its bodies with; the
    # route answers 503 without one. From the environment only.
    ats_webhook_secret: str | None = Field(None, validation_alias="RESUMEFLOW_ATS_WEBHOOK_SECRET", repr=False)

    artifact_dir_override: Path | None = Field(None, validation_alias="RESUMEFLOW_ARTIFACT_DIR")

    # query API: the HMAC key of the per-user bearer tokens, from the environment only (never a file in the repo);
    # `resumeflow api` refuses to start without one of at least 32 characters.
    api_secret: str | None = Field(None, validation_alias="RESUMEFLOW_API_SECRET", repr=False)
    # Web sign-in: the session cookie is `Secure` (sent over HTTPS only) unless this is false, which is only for
    # plain http://127.0.0.1 development (a browser drops a Secure cookie set over http). Sessions end after
    # `api_session_hours` (or on sign-out); API tokens live `api_token_days` unless created with fewer.
    api_cookie_secure: bool = Field(True, validation_alias="RESUMEFLOW_API_COOKIE_SECURE")
    api_session_hours: Annotated[float, Field(gt=0, le=24 * 90)] = Field(
        168.0, validation_alias="RESUMEFLOW_API_SESSION_HOURS")
    api_token_days: Annotated[int, Field(ge=1, le=365)] = Field(90, validation_alias="RESUMEFLOW_API_TOKEN_DAYS")
    # Sign-in attempts per email: a burst of this many, then one more every `api_signin_refill_s` seconds (a Redis
    # token bucket shared by every API process); past it, 429 with Retry-After.
    api_signin_burst: Annotated[int, Field(ge=1)] = Field(5, validation_alias="RESUMEFLOW_API_SIGNIN_BURST")
    api_signin_refill_s: Annotated[float, Field(gt=0)] = Field(60.0, validation_alias="RESUMEFLOW_API_SIGNIN_REFILL_S")
    # The web client's address as users reach it (e.g. https://jobs.example.org), for the one-time sign-in links
    # mailed through the SMTP settings below; "": the request's own origin, allowed only on 127.0.0.1/localhost so
    # a forged Host header cannot point a link elsewhere.
    api_public_url: str = Field("", validation_alias="RESUMEFLOW_API_PUBLIC_URL")

    # submission. Email goes out through this SMTP server (none: no email channel); its login, if it needs one,
    # is read from RESUMEFLOW_SMTP_USERNAME / RESUMEFLOW_SMTP_PASSWORD in the environment only, never a setting.
    smtp_host: str = Field("", validation_alias="RESUMEFLOW_SMTP_HOST")
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = Field(587, validation_alias="RESUMEFLOW_SMTP_PORT")
    smtp_security: Literal["starttls", "tls", "none"] = Field("starttls", validation_alias="RESUMEFLOW_SMTP_SECURITY")
    smtp_sender: str = Field("", validation_alias="RESUMEFLOW_SMTP_SENDER")  # From (Reply-To the user); "": the user
    smtp_timeout_s: Annotated[float, Field(gt=0)] = Field(30.0, validation_alias="RESUMEFLOW_SMTP_TIMEOUT_S")
    # Where the copy BCC'd to each user can be looked up (a Maildir per address under it), to reconcile a claimed
    # but unconfirmed email after a crash; none: such an email waits for the user's confirmation.
    submission_mailbox_dir: Path | None = Field(None, validation_alias="RESUMEFLOW_SUBMISSION_MAILBOX_DIR")
    # How long after its claim an unconfirmed email's copy may still be on its way: not found after this, it was
    # not sent. A local Maildir server delivers before answering, so seconds would do; a remote mailbox is slower.
    submission_in_doubt_grace_s: Annotated[float, Field(gt=0)] = Field(
        300.0, validation_alias="RESUMEFLOW_SUBMISSION_IN_DOUBT_GRACE_S")
    # "Try AUTO without sending": every sending channel is replaced by one that records what it would send as JSON
    # lines under `<home>/dry-run/` (no resume or body text); ledger claims, rate limits and events stay real.
    submission_dry_run: bool = Field(False, validation_alias="RESUMEFLOW_SUBMISSION_DRY_RUN")
    submission_tick_s: Annotated[float, Field(gt=0)] = Field(5.0, validation_alias="RESUMEFLOW_SUBMISSION_TICK_S")
    submission_retry_s: Annotated[float, Field(gt=0)] = Field(60.0, validation_alias="RESUMEFLOW_SUBMISSION_RETRY_S")
    submission_max_attempts: Annotated[int, Field(ge=1)] = Field(5, validation_alias="RESUMEFLOW_SUBMISSION_ATTEMPTS")
    # Sends per second per channel, shared by every worker (Redis token buckets); Lever allows 2 application POSTs
    # a second (its postings API documentation, "POST Application Rate Limit").
    submission_email_per_s: Annotated[float, Field(gt=0)] = Field(
        2.0, validation_alias="RESUMEFLOW_SUBMISSION_EMAIL_PER_S")
    submission_greenhouse_per_s: Annotated[float, Field(gt=0)] = Field(
        1.0, validation_alias="RESUMEFLOW_SUBMISSION_GREENHOUSE_PER_S")
    submission_lever_per_s: Annotated[float, Field(gt=0, le=2)] = Field(
        2.0, validation_alias="RESUMEFLOW_SUBMISSION_LEVER_PER_S")
    # The employers' apply keys, "board_token=key,..." (Greenhouse) and "site=key,..." (Lever): secrets, from the
    # environment; a board without one is applied to by email or by hand.
    greenhouse_apply_keys: str = Field("", validation_alias="RESUMEFLOW_GREENHOUSE_APPLY_KEYS", repr=False)
    lever_apply_keys: str = Field("", validation_alias="RESUMEFLOW_LEVER_APPLY_KEYS", repr=False)
    # Shifts the clock submission's step sees (tests of day boundaries only).
    clock_offset_s: float = Field(0.0, validation_alias="RESUMEFLOW_CLOCK_OFFSET_S")

    @field_validator("skill_tagger", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # `RESUMEFLOW_SKILL_TAGGER=` (an env file's empty line) means unset, not the current directory
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _heartbeat_within_session(self) -> Settings:
        if self.broker_heartbeat_interval_s >= self.broker_session_timeout_s:
            raise ValueError("RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S must be shorter than "
                             "RESUMEFLOW_BROKER_SESSION_TIMEOUT_S (a third of it is usual)")
        return self

    @model_validator(mode="after")
    def _insync_within_replicas(self) -> Settings:
        wanted = self.min_insync_replicas_override
        if wanted is not None and wanted > self.replication_factor:
            raise ValueError(f"RESUMEFLOW_MIN_INSYNC_REPLICAS={wanted} is more than "
                             f"RESUMEFLOW_REPLICATION_FACTOR={self.replication_factor}: no write could succeed")
        return self

    @property
    def min_insync(self) -> int:
        """`min.insync.replicas` of every catalog topic: the setting, else 2 from 3 replicas up (a write survives
        one broker's loss and still has a copy on two), else 1 (with 2 replicas, 2 would stop writes whenever one
        broker is down)."""
        if self.min_insync_replicas_override is not None:
            return self.min_insync_replicas_override
        return 2 if self.replication_factor >= 3 else 1

    @property
    def vector_table(self) -> str:
        """The posting index's PostgreSQL table, namespaced like the topics."""
        namespace = re.sub(r"[^a-z0-9_]", "_", self.topic_prefix.lower()).strip("_")
        return f"{namespace}_job_embeddings"[:48].lstrip("_") if namespace else "job_embeddings"

    @staticmethod
    def _pairs(csv: str) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in csv.split(",") if "=" in item)
        return {name.strip(): value.strip() for name, value in pairs if name.strip() and value.strip()}

    @property
    def greenhouse_keys(self) -> dict[str, str]:
        """Board token -> the employer's Job Board API key (RESUMEFLOW_GREENHOUSE_APPLY_KEYS)."""
        return self._pairs(self.greenhouse_apply_keys)

    @property
    def lever_keys(self) -> dict[str, str]:
        """Lever site -> the employer's postings API key (RESUMEFLOW_LEVER_APPLY_KEYS)."""
        return self._pairs(self.lever_apply_keys)

    @property
    def artifact_dir(self) -> Path:
        """Where rendered resumes are stored by content hash."""
        return self.artifact_dir_override or self.home / "artifacts"

    @property
    def import_dir(self) -> Path:
        """Where FILE boards live: a FILE board's token is a file name in this folder."""
        return self.import_dir_override or self.home / "imports"

    @property
    def allow_private_hosts(self) -> frozenset[str]:
        return frozenset(h.strip() for h in self.allow_private_hosts_csv.split(",") if h.strip())


def load_settings() -> Settings:
    """Environment first, then `stack.env`; built in `main()` and handed down, never read at import time."""
    env_file = stack_env_file()
    return Settings(_env_file=env_file if env_file.exists() else None)  # type: ignore[call-arg]
