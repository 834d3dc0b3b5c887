"""Which providers a task tries, in what order, and how the chain is read from the settings."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from adapters.ai_gateway import (
    AiGateway,
    InvalidProviderConfig,
    NoProviderConfigured,
    Provider,
    RedisBudgets,
    UnknownTask,
    input_cost_per_token,
    job_posting_messages,
    providers_from_settings,
    route,
)
from adapters.ai_gateway.gateway import redact
from processors.analysis.model import JobRequirements
from streams.settings import Settings

OPENAI = Provider(model="openai/gpt-4o")
ANTHROPIC = Provider(model="anthropic/claude-3-5-haiku-20241022")
MINI = Provider(model="openai/gpt-4o-mini")
LOCAL = Provider(model="ollama/llama3.1", api_base="http://127.0.0.1:11434")


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **{"RESUMEFLOW_AI_PROVIDERS": "", "RESUMEFLOW_AI_API_BASES": "", **env})


def test_quality_tasks_follow_the_configured_order() -> None:
    assert route([OPENAI, ANTHROPIC, LOCAL], "quality") == [OPENAI, ANTHROPIC, LOCAL]


def test_cheap_tasks_start_at_the_cheapest_by_litellm_price_and_local_first() -> None:
    assert input_cost_per_token(OPENAI.model) > input_cost_per_token(MINI.model) > 0
    assert input_cost_per_token("openai/some-unknown-local-model") == 0

    assert route([OPENAI, MINI, LOCAL], "cheap") == [LOCAL, MINI, OPENAI]


def test_equal_prices_keep_the_configured_order() -> None:
    a, b, c = Provider(model="x/a"), Provider(model="x/b"), Provider(model="x/c")
    prices = {"x/a": 2.0, "x/b": 1.0, "x/c": 1.0}

    assert route([a, b, c], "cheap", price=prices.__getitem__) == [b, c, a]


def test_the_chain_comes_from_the_environment_with_optional_api_bases() -> None:
    chain = providers_from_settings(settings(
        RESUMEFLOW_AI_PROVIDERS="openai/gpt-4o-mini, anthropic/claude-3-5-haiku-20241022 ,ollama/llama3.1",
        RESUMEFLOW_AI_API_BASES=",,http://127.0.0.1:11434",
    ))

    assert chain == (MINI, ANTHROPIC, LOCAL)
    assert providers_from_settings(settings(RESUMEFLOW_AI_PROVIDERS="openai/gpt-4o")) == (OPENAI,)
    assert providers_from_settings(settings()) == ()


def test_more_api_bases_than_providers_is_a_configuration_error() -> None:
    with pytest.raises(InvalidProviderConfig, match="2 entries for 1 providers"):
        providers_from_settings(settings(RESUMEFLOW_AI_PROVIDERS="openai/gpt-4o", RESUMEFLOW_AI_API_BASES="a,b"))


def test_without_providers_the_gateway_is_disabled_and_refuses_at_once() -> None:
    gateway = asyncio.run(AiGateway.start(settings()))

    assert gateway.enabled is False
    messages = job_posting_messages(instruction="x", schema=JobRequirements, job_text="y")
    with pytest.raises(NoProviderConfigured):
        asyncio.run(gateway.complete(task="extract_requirements", messages=messages, schema=JobRequirements,
                                     user_id="u1", cell=0))


def test_an_unknown_task_is_a_programming_error() -> None:
    budgets = RedisBudgets(Redis(), user_budget_usd=1.0, cell_budget_usd=1.0)  # never connects here
    gateway = AiGateway([LOCAL], budgets=budgets)

    with pytest.raises(UnknownTask, match="summarize_everything"):
        gateway.chain("summarize_everything")
    assert gateway.chain("extract_requirements") == [LOCAL]


def test_provider_errors_are_kept_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "not-a-real-key-123456")

    message = redact("401 Incorrect API key provided: not-a-real-key-123456; also sk-abcdef123456 and Bearer xyz")

    assert "not-a-real-key-123456" not in message
    assert "sk-abcdef123456" not in message
    assert "xyz" not in message
    assert message.startswith("401 Incorrect API key provided: ***")
