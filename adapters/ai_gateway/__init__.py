"""The AI gateway: the one module every processor uses to ask an LLM for a typed value.

Build it once per worker with `await AiGateway.start(settings)`; check `gateway.enabled` (False without
providers) and call `await gateway.complete(task=..., messages=job_posting_messages(...), schema=Model,
user_id=..., cell=...)`. Publish the returned `AiResult.budget_events` on `ai.budget`, keyed by `budget_key`;
turn `BudgetExceeded` into a refusal event.
"""

from adapters.ai_gateway.budgets import RedisBudgets, budget_crossed, budget_key
from adapters.ai_gateway.cache import ExactCache, SemanticCache, cache_key, schema_name
from adapters.ai_gateway.errors import (
    AiGatewayError,
    AllProvidersFailed,
    BudgetExceeded,
    InvalidProviderConfig,
    NoProviderConfigured,
    ProviderFailure,
    UnknownTask,
)
from adapters.ai_gateway.gateway import (
    DEFAULT_ROUTES,
    AiGateway,
    AiResult,
    GatewayMetrics,
    Provider,
    Tier,
    call_cost,
    input_cost_per_token,
    providers_from_settings,
    route,
)
from adapters.ai_gateway.prompts import (
    JOB_POSTING,
    ChatMessage,
    build_messages,
    job_posting_messages,
    neutralize,
    untrusted_block,
)

__all__ = [
    "DEFAULT_ROUTES",
    "JOB_POSTING",
    "AiGateway",
    "AiGatewayError",
    "AiResult",
    "AllProvidersFailed",
    "BudgetExceeded",
    "ChatMessage",
    "ExactCache",
    "GatewayMetrics",
    "InvalidProviderConfig",
    "NoProviderConfigured",
    "Provider",
    "ProviderFailure",
    "RedisBudgets",
    "SemanticCache",
    "Tier",
    "UnknownTask",
    "budget_crossed",
    "budget_key",
    "build_messages",
    "cache_key",
    "call_cost",
    "input_cost_per_token",
    "job_posting_messages",
    "neutralize",
    "providers_from_settings",
    "route",
    "schema_name",
    "untrusted_block",
]
