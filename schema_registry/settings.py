"""The one settings object of the registry, built by the CLI and passed down."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from schema_registry.compatibility import CompatibilityLevel


class RegistrySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bootstrap_servers: str
    topic: str = "_schemas"
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=0, le=65535)
    replication_factor: int = Field(default=1, ge=1)
    default_compatibility: CompatibilityLevel = CompatibilityLevel.BACKWARD
    kafka_timeout_s: float = Field(default=30.0, gt=0)
