"""The one settings object. Read from the environment, then from the local stack's address file.

Production points the four addresses at real clusters through the environment; on a developer's machine
`resumeflow stack up` writes them to `<home>/stack.env`, which every other command reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def resumeflow_home() -> Path:
    """Where the local stack keeps its data and address file: `$RESUMEFLOW_HOME`, else `./.resumeflow`."""
    return Path(os.environ.get("RESUMEFLOW_HOME", ".resumeflow")).resolve()


def stack_env_file() -> Path:
    return resumeflow_home() / "stack.env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_file_encoding="utf-8")

    kafka_bootstrap_servers: str = Field("127.0.0.1:39092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    schema_registry_url: str = Field("http://127.0.0.1:38081", validation_alias="SCHEMA_REGISTRY_URL")
    database_url: str = Field("postgresql://postgres@127.0.0.1:35432/resumeflow", validation_alias="DATABASE_URL")
    redis_url: str = Field("redis://127.0.0.1:36379/0", validation_alias="REDIS_URL")

    app_id: str = Field("resumeflow", validation_alias="RESUMEFLOW_APP_ID")
    cell_partitions: Annotated[int, Field(ge=1)] = Field(12, validation_alias="RESUMEFLOW_CELL_PARTITIONS")
    replication_factor: Annotated[int, Field(ge=1)] = Field(1, validation_alias="RESUMEFLOW_REPLICATION_FACTOR")
    table_standby_replicas: Annotated[int, Field(ge=0)] = Field(1, validation_alias="RESUMEFLOW_STANDBY_REPLICAS")
    worker_id: str = Field("0", pattern=r"^[A-Za-z0-9_-]+$", validation_alias="RESUMEFLOW_WORKER_ID")
    home: Path = Field(default_factory=resumeflow_home, validation_alias="RESUMEFLOW_HOME")

    @property
    def table_dir(self) -> Path:
        return self.home / "tables"


def load_settings() -> Settings:
    """Environment first, then `stack.env`; built in `main()` and handed down, never read at import time."""
    env_file = stack_env_file()
    return Settings(_env_file=env_file if env_file.exists() else None)  # type: ignore[call-arg]
