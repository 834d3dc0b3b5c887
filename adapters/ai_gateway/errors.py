"""The AI gateway's errors, classified by who must act (see `streams.errors`).

`NoProviderConfigured` is expected in deployments without an LLM: callers check `AiGateway.enabled` (or catch
it) and take their deterministic path. `BudgetExceeded` is a business refusal the caller turns into an event.
`AllProvidersFailed` carries every provider's reason, so one log line says why the whole chain failed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from streams.errors import ResumeflowError, UserError

FailureKind = Literal["timeout", "http_error", "invalid_output", "error"]


class AiGatewayError(ResumeflowError):
    """Root of the errors the AI gateway raises on purpose."""


class InvalidProviderConfig(AiGatewayError, UserError):
    """`RESUMEFLOW_AI_PROVIDERS` / `RESUMEFLOW_AI_API_BASES` do not describe a provider chain."""


class NoProviderConfigured(AiGatewayError):
    """No LLM provider is configured; the caller uses its deterministic path."""


class UnknownTask(AiGatewayError):
    """A task the routing table does not know: a programming error, so it fails loudly."""


class BudgetExceeded(AiGatewayError):
    """A user's or a cell's spend today has reached its cap; the call was refused before any provider was asked."""

    def __init__(self, scope: Literal["user", "cell"], id: str, budget_usd: float, spent_usd: float,
                 day: date) -> None:
        super().__init__(f"AI budget of {scope} {id!r} exhausted on {day}: spent ${spent_usd:.6f} of "
                         f"${budget_usd:.6f}")
        self.scope = scope
        self.id = id
        self.budget_usd = budget_usd
        self.spent_usd = spent_usd
        self.day = day


class ProviderFailure(BaseModel):
    """Why one provider of the chain did not give a valid answer (secrets redacted from `message`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    kind: FailureKind
    message: str


class AllProvidersFailed(AiGatewayError):
    """Every provider of the routed chain failed; `failures` lists each one's reason, in the order tried."""

    def __init__(self, task: str, failures: list[ProviderFailure]) -> None:
        reasons = "; ".join(f"{f.provider}: {f.kind}: {f.message}" for f in failures)
        super().__init__(f"every AI provider failed for task {task!r}: {reasons}")
        self.task = task
        self.failures = tuple(failures)
