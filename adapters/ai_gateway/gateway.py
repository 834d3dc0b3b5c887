"""One small interface to every LLM the project uses: `AiGateway.complete(task, messages, schema, ...)`.

Behind it, litellm talks to a chain of providers from the settings (say an OpenAI model, then an Anthropic
model, then a local OpenAI-compatible server). A call goes:

1. routing — the task's tier picks the order: a `cheap` task starts at the cheapest provider (litellm's input
   price, unknown and local models count as free), a `quality` task follows the configured order;
2. the exact cache (Redis), then the semantic cache (pgvector): a hit answers without any provider;
3. the budgets: a user or cell already at its daily cap is refused (`BudgetExceeded`) before any provider;
4. the providers in routed order, each with the per-call timeout, asked for one JSON object (response_format
   json_object; the schema is in the system prompt) and the answer validated by the caller's pydantic model.
   A timeout, an HTTP error, invalid JSON or a value failing validation moves on to the next provider;
   when all fail, `AllProvidersFailed` lists each one's reason;
5. the spend (litellm's price tables) is added to the budgets, the answer cached, and everything the caller
   needs — value, provider, tokens, cost, latency, cache outcome, crossed budgets — returned as `AiResult`.

No tools are ever passed to a model, so a typed value is all it can produce. API keys come only from the
environment (litellm reads them) and are never logged: provider error messages are redacted before they are
kept. litellm is imported lazily, with its price table pinned to the one shipped in the locked release
(`LITELLM_LOCAL_MODEL_COST_MAP`), so start-up makes no network call and costs are reproducible.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType, TracebackType
from typing import Any, Generic, Literal, TypeVar

import asyncpg
from prometheus_client import REGISTRY, CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.ai_gateway.budgets import RedisBudgets
from adapters.ai_gateway.cache import (
    CachedAnswer,
    ExactCache,
    SemanticCache,
    cache_key,
    schema_name,
    semantic_text,
)
from adapters.ai_gateway.errors import (
    AllProvidersFailed,
    FailureKind,
    InvalidProviderConfig,
    NoProviderConfigured,
    ProviderFailure,
    UnknownTask,
)
from adapters.ai_gateway.prompts import ChatMessage
from adapters.embeddings import Embedder, MiniLmEmbedder
from streams.messages import BudgetCrossed
from streams.redis_client import redis_client
from streams.settings import Settings

log = logging.getLogger(__name__)
# A prompt (a whole posting) is embedded in windows, so two prompts that differ only at the end differ.
PROMPT_WINDOW_WORDS = 160

T = TypeVar("T", bound=BaseModel)
Tier = Literal["cheap", "quality"]
CacheOutcome = Literal["miss", "exact", "semantic"]

# Which tasks may start at the cheapest model. Extraction into a fixed schema is where small models do well;
# text a person will read (a tailored resume) starts at the configured (best-first) order.
DEFAULT_ROUTES: Mapping[str, Tier] = {
    "extract_requirements": "cheap",
    "tailor_resume": "quality",
}
DEFAULT_KEY_PREFIX = "resumeflow:ai:"


class Provider(BaseModel):
    """One link of the chain: a litellm model string and, for a self-hosted server, its api_base."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(min_length=3, pattern=r"^\S+$")
    api_base: str | None = None


class AiResult(BaseModel, Generic[T]):
    """A validated answer and what it took. For a cache hit, `provider`/`model` are the ones that produced the
    cached answer, and tokens and cost are 0 (nothing was spent)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: T
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float
    cache: CacheOutcome
    failures: tuple[ProviderFailure, ...] = ()
    budget_events: tuple[BudgetCrossed, ...] = ()


def providers_from_settings(settings: Settings) -> tuple[Provider, ...]:
    """`RESUMEFLOW_AI_PROVIDERS` (comma list of litellm model strings) with `RESUMEFLOW_AI_API_BASES` (same
    order; empty entries, or fewer entries, mean the provider's default endpoint)."""
    models = [m.strip() for m in settings.ai_providers_csv.split(",") if m.strip()]
    bases = [b.strip() for b in settings.ai_api_bases_csv.split(",")] if settings.ai_api_bases_csv.strip() else []
    if len(bases) > len(models):
        raise InvalidProviderConfig(
            f"RESUMEFLOW_AI_API_BASES has {len(bases)} entries for {len(models)} providers in RESUMEFLOW_AI_PROVIDERS")
    bases += [""] * (len(models) - len(bases))
    try:
        return tuple(Provider(model=m, api_base=b or None) for m, b in zip(models, bases, strict=True))
    except ValidationError as exc:
        raise InvalidProviderConfig(f"RESUMEFLOW_AI_PROVIDERS: {exc}") from exc


# litellm's loggers. It gives them a stream handler of its own and logger filters that render each record's
# message and set `record.args = None` (their secret redaction and truncation).
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")


class _RenderedArgs(logging.Filter):
    """After litellm's own filters: a record whose message they rendered gets `args = ()`, not None.

    `None` is fine for `logging.Formatter`, but the Faust worker's formatter (mode's `ExtensionFormatter`) wraps
    non-tuple args in a tuple, `(None,)`, and then `%`-formats the rendered message with it: a TypeError, which
    `logging` reports as a "--- Logging error ---" traceback on every LLM call."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args is None:
            record.args = ()
        return True


def route_litellm_logs() -> None:
    """One path for litellm's log records: the application's handlers (propagation to the root logger, where the
    worker's formatter is), with well-formed args. litellm's own stream handler is removed — it printed every
    line a second time in its own format — and its filters (secret redaction) stay on the loggers. Idempotent."""
    for name in LITELLM_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
        for old in [f for f in logger.filters if isinstance(f, _RenderedArgs)]:
            logger.removeFilter(old)
        logger.addFilter(_RenderedArgs())  # last, so it sees what litellm's filters did


@functools.cache
def _litellm() -> ModuleType:
    """litellm, imported on first use with its bundled price table, without its console chatter, and logging
    through the application's handlers (`route_litellm_logs`)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    route_litellm_logs()
    return litellm


def input_cost_per_token(model: str) -> float:
    """litellm's input price of a model in USD per token; 0 for a model its table does not know (a local one)."""
    try:
        info = _litellm().get_model_info(model)
    except Exception:  # litellm raises plain Exception for an unmapped model
        return 0.0
    return float(info.get("input_cost_per_token") or 0.0)


def route(providers: Sequence[Provider], tier: Tier, *,
          price: Callable[[str], float] = input_cost_per_token) -> list[Provider]:
    """The order to try providers in: the configured order for `quality`, cheapest first (stable, so equal
    prices keep the configured order) for `cheap`."""
    if tier == "quality":
        return list(providers)
    return sorted(providers, key=lambda p: price(p.model))


def call_cost(response: Any) -> float:
    """USD of one completion from litellm's price table (by the model the response names); 0 when unpriced."""
    try:
        return float(_litellm().completion_cost(completion_response=response) or 0.0)
    except Exception:  # unmapped model: litellm raises plain Exception / NotFoundError
        return 0.0


_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$")
_SECRET_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_\-]{6,}|sk-ant-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+)")


def redact(message: str, *, limit: int = 500) -> str:
    """A provider's error message without secrets: the values of secret-looking environment variables and
    key-shaped strings are replaced; long messages are cut."""
    for name, value in os.environ.items():
        if len(value) >= 8 and _SECRET_ENV.search(name.upper()):
            message = message.replace(value, "***")
    message = _SECRET_SHAPES.sub("***", message)
    return message if len(message) <= limit else message[:limit] + "…"


class GatewayMetrics:
    """The gateway's Prometheus counters. The default set is registered once per process in the default
    registry; tests pass their own registry."""

    def __init__(self, registry: CollectorRegistry | None = REGISTRY) -> None:
        self.cache = Counter("resumeflow_ai_cache_total", "AI gateway cache lookups by result", ["result"],
                             registry=registry)
        self.calls = Counter("resumeflow_ai_calls_total", "AI provider calls by provider and outcome",
                             ["provider", "outcome"], registry=registry)
        self.cost = Counter("resumeflow_ai_cost_usd_total", "USD spent on AI provider calls", ["provider"],
                            registry=registry)
        # By the provider whose answer it is, so a hit rate per provider is answers{source!="provider"} / answers.
        self.answers = Counter("resumeflow_ai_answers_total",
                               "AI answers delivered, by the provider that produced them and where they came from "
                               "(provider: a call now; exact or semantic: the cache)", ["provider", "source"],
                               registry=registry)

    @staticmethod
    @functools.cache
    def default() -> GatewayMetrics:
        return GatewayMetrics(REGISTRY)


class _InvalidOutput(Exception):
    """A provider answered, but not with a valid value of the schema."""


class AiGateway:
    """The one way processors ask an LLM for a typed value. Build it with `start(settings)` in `main()`
    (or construct it from parts in tests) and `close()` it at shutdown."""

    def __init__(
        self, providers: Sequence[Provider], *, budgets: RedisBudgets | None = None,
        exact_cache: ExactCache | None = None, semantic_cache: SemanticCache | None = None,
        embedder: Embedder | None = None, routes: Mapping[str, Tier] = DEFAULT_ROUTES, timeout_s: float = 30.0,
        max_output_tokens: int = 2048, metrics: GatewayMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        closers: Sequence[Callable[[], Any]] = (),
    ) -> None:
        if providers and budgets is None:
            raise ValueError("a gateway with providers needs budgets: spend is never uncapped")
        if semantic_cache is not None and embedder is None:
            raise ValueError("the semantic cache needs an embedder")
        self.providers = tuple(providers)
        self.routes = dict(routes)
        self._budgets = budgets
        self._exact = exact_cache
        self._semantic = semantic_cache
        self._embedder = embedder
        self._timeout_s = timeout_s
        self._max_output_tokens = max_output_tokens
        self._metrics = metrics or GatewayMetrics.default()
        self._clock = clock
        self._closers = list(closers)

    @property
    def enabled(self) -> bool:
        """False when no provider is configured: callers take their deterministic path."""
        return bool(self.providers)

    @classmethod
    async def start(
        cls, settings: Settings, *, embedder: Embedder | None = None, routes: Mapping[str, Tier] = DEFAULT_ROUTES,
        metrics: GatewayMetrics | None = None, key_prefix: str = DEFAULT_KEY_PREFIX,
    ) -> AiGateway:
        """Connect Redis (budgets, exact cache) and PostgreSQL (semantic cache; the table and its HNSW index are
        created if missing). With no provider configured nothing is connected and the gateway is disabled."""
        providers = providers_from_settings(settings)
        if not providers:
            log.info("AI gateway disabled: RESUMEFLOW_AI_PROVIDERS is empty")
            return cls((), routes=routes, metrics=metrics)
        redis = redis_client(settings.redis_url)
        closers: list[Callable[[], Any]] = [redis.aclose]
        semantic: SemanticCache | None = None
        try:
            if settings.ai_semantic_cache:
                connection = await asyncpg.connect(settings.database_url)
                try:
                    await SemanticCache.create_schema(connection)
                finally:
                    await connection.close()
                pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4,
                                                 init=SemanticCache.init_connection)
                closers.append(pool.close)
                semantic = SemanticCache(pool, threshold=settings.ai_semantic_threshold,
                                         ttl_s=settings.ai_cache_ttl_s)
                embedder = embedder or MiniLmEmbedder(window_words=PROMPT_WINDOW_WORDS)
        except BaseException:
            await redis.aclose()
            raise
        _litellm()  # imported here, at start-up: a first call would otherwise spend its timeout importing it
        log.info("AI gateway: providers %s", [p.model for p in providers])
        return cls(
            providers,
            budgets=RedisBudgets(redis, user_budget_usd=settings.ai_user_budget_usd_per_day,
                                 cell_budget_usd=settings.ai_cell_budget_usd_per_day,
                                 key_prefix=key_prefix + "spend:"),
            exact_cache=ExactCache(redis, ttl_s=settings.ai_cache_ttl_s, key_prefix=key_prefix + "cache:"),
            semantic_cache=semantic, embedder=embedder, routes=routes, timeout_s=settings.ai_timeout_s,
            max_output_tokens=settings.ai_max_output_tokens, metrics=metrics, closers=closers,
        )

    async def close(self) -> None:
        for close in reversed(self._closers):
            result = close()
            if asyncio.iscoroutine(result):
                await result
        self._closers.clear()

    async def __aenter__(self) -> AiGateway:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def chain(self, task: str) -> list[Provider]:
        """The providers `task` tries, in order."""
        if not self.providers:
            raise NoProviderConfigured("no AI provider configured (RESUMEFLOW_AI_PROVIDERS is empty)")
        if task not in self.routes:
            raise UnknownTask(f"task {task!r} is not in the AI routing table {sorted(self.routes)}")
        return route(self.providers, self.routes[task])

    async def complete(
        self, *, task: str, messages: Sequence[ChatMessage], schema: type[T], user_id: str, cell: str | int,
        timeout_s: float | None = None,
    ) -> AiResult[T]:
        """Ask for a `schema` value. Raises `NoProviderConfigured` (disabled gateway), `UnknownTask`,
        `BudgetExceeded` (before any provider is called) or `AllProvidersFailed`."""
        started = time.perf_counter()
        chain = self.chain(task)
        key = cache_key(chain=[p.model for p in chain], task=task, messages=messages, schema=schema)
        schema_id = schema_name(schema)

        cached = await self._exact.get(key) if self._exact is not None else None
        if cached is not None and (value := _revalidate(schema, cached)) is not None:
            return self._hit(value, cached, "exact", started)
        embedding: list[float] | None = None
        if self._semantic is not None and self._embedder is not None:
            embedder = self._embedder
            [embedding] = await asyncio.to_thread(embedder.embed, [semantic_text(messages)])
            cached = await self._semantic.nearest(task=task, schema=schema_id, embedding=embedding)
            if cached is not None and (value := _revalidate(schema, cached)) is not None:
                if self._exact is not None:
                    await self._exact.put(key, cached)
                return self._hit(value, cached, "semantic", started)
        self._metrics.cache.labels(result="miss").inc()

        assert self._budgets is not None  # guaranteed by __init__ for an enabled gateway
        cell_id = str(cell)
        day = self._clock().astimezone(UTC).date()
        await self._budgets.check(user_id=user_id, cell=cell_id, day=day)

        failures: list[ProviderFailure] = []
        payload = [m.model_dump() for m in messages]
        for provider in chain:
            try:
                response = await self._call(provider, payload, timeout_s or self._timeout_s)
                value = _parse(response, schema)
            except _InvalidOutput as exc:
                failures.append(self._failed(provider, "invalid_output", str(exc)))
                continue
            except Exception as exc:  # any provider/transport failure means: try the next provider
                failures.append(self._failed(provider, _classify(exc), f"{type(exc).__name__}: {exc}"))
                continue
            cost = call_cost(response)
            usage = getattr(response, "usage", None)
            self._metrics.calls.labels(provider=provider.model, outcome="ok").inc()
            self._metrics.answers.labels(provider=provider.model, source="provider").inc()
            self._metrics.cost.labels(provider=provider.model).inc(cost)
            crossed = await self._budgets.record(user_id=user_id, cell=cell_id, day=day, cost_usd=cost)
            answer = CachedAnswer(value=value.model_dump(mode="json"), provider=provider.model,
                                  model=str(getattr(response, "model", None) or provider.model))
            if self._exact is not None:
                await self._exact.put(key, answer)
            if self._semantic is not None and embedding is not None:
                await self._semantic.put(task=task, schema=schema_id, embedding=embedding, prompt_sha=key,
                                         answer=answer)
            return AiResult(
                value=value, provider=provider.model, model=answer.model,
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                cost_usd=cost, latency_s=time.perf_counter() - started, cache="miss",
                failures=tuple(failures), budget_events=tuple(crossed),
            )
        raise AllProvidersFailed(task, failures)

    async def _call(self, provider: Provider, messages: list[dict[str, str]], timeout_s: float) -> Any:
        async with asyncio.timeout(timeout_s):
            return await _litellm().acompletion(
                model=provider.model, messages=messages, api_base=provider.api_base, timeout=timeout_s,
                response_format={"type": "json_object"}, temperature=0, max_tokens=self._max_output_tokens,
                num_retries=0, max_retries=0, drop_params=True,
            )

    def _failed(self, provider: Provider, kind: FailureKind, message: str) -> ProviderFailure:
        failure = ProviderFailure(provider=provider.model, kind=kind, message=redact(message))
        self._metrics.calls.labels(provider=provider.model, outcome=kind).inc()
        log.warning("AI provider %s failed (%s): %s", provider.model, kind, failure.message)
        return failure

    def _hit(self, value: T, cached: CachedAnswer, outcome: CacheOutcome, started: float) -> AiResult[T]:
        self._metrics.cache.labels(result=outcome).inc()
        self._metrics.answers.labels(provider=cached.provider, source=outcome).inc()
        return AiResult(value=value, provider=cached.provider, model=cached.model,
                        latency_s=time.perf_counter() - started, cache=outcome)


def _classify(exc: Exception) -> FailureKind:
    litellm = _litellm()
    if isinstance(exc, TimeoutError | litellm.Timeout):
        return "timeout"
    if isinstance(getattr(exc, "status_code", None), int):
        return "http_error"
    return "error"


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _parse(response: Any, schema: type[T]) -> T:
    """The response's content as a `schema` value (one surrounding code fence tolerated)."""
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError) as exc:
        raise _InvalidOutput("no message in the response") from exc
    if not isinstance(content, str) or not content.strip():
        raise _InvalidOutput("empty answer")
    text = content.strip()
    if fenced := _FENCE.match(text):
        text = fenced.group(1)
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()[:5])
        raise _InvalidOutput(f"not a valid {schema.__name__}: {problems}") from exc


def _revalidate(schema: type[T], cached: CachedAnswer) -> T | None:
    try:
        return schema.model_validate(cached.value)
    except ValidationError:
        log.warning("AI cache entry no longer valid for %s; treated as a miss", schema.__name__)
        return None
