"""The shape every stream processor has, declared as data: what it reads, what it keeps, what it writes.

A processor is one or more **cell agents**. Each agent owns one table of cells (a user's, a board's or a job's
state, partitioned like its input topics) and one pure function:

    step(cell, event, *, now) -> (cell, [outputs])

`event` is a record of one of the agent's input topics (validated into its message model) or the result of a
port. `outputs` are messages, each sent to the topic the agent's routing table names for its type and keyed as
the table says, and `PortRequest`s: slow or outside work (embedding, rendering, HTTP, LLM, SMTP) that the agent
hands to the processor's `Ports`, whose results come back into `step` as events before anything is sent. So the
decision is always `step`'s, and `step` stays deterministic and free of I/O: tests call it directly.

`streams.cell_agent` runs these declarations on Faust; nothing here imports Faust.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from streams.messages import Message
from streams.settings import Settings
from streams.topics import TableSpec, TopicSpec

log = logging.getLogger(__name__)


class PortRequest(BaseModel):
    """Work `step` asks a port to do. Never published: it lives only while one record is processed."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PortResult(BaseModel):
    """What a port did, handed back to `step` as an event. Never published."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Ports(Protocol):
    """A processor's slow work behind one small interface: `run` does what a request asks and returns the results
    to feed back into `step` (none for pure side effects). `cell` is the partition of the record being processed
    (per-cell budgets count against it). It raises `streams.errors.TransientError` when a dependency is
    unreachable (the agent waits and retries); anything else is a failure of the record."""

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]: ...

    async def close(self) -> None: ...


class NoPorts:
    """For processors whose `step` never asks for outside work."""

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]:
        raise TypeError(f"this processor has no ports, but step asked for {type(request).__name__}")

    async def close(self) -> None:
        return None


Step = Callable[..., tuple[Any, Sequence[Message | PortRequest]]]
RunPort = Callable[[PortRequest], Awaitable[Sequence[PortResult]]]
MAX_PORT_HOPS = 32  # step -> port -> step ... for one record; more means a step that loops


async def run_step(step: Step, cell: Any, item: Any, *, now: datetime, run_port: RunPort, hops: int = 0
                   ) -> tuple[Any, list[Message]]:
    """What a cell agent does with one record: `step` on it, then on every result of every port request it
    returns (depth first, in order), until only messages remain. Returns the final cell and the messages in the
    order they were produced. Tests drive a `step` through this with fake ports."""
    if hops > MAX_PORT_HOPS:
        raise RuntimeError(f"step asked for more than {MAX_PORT_HOPS} port calls in a row for one record")
    cell, produced = step(cell, item, now=now)
    outputs: list[Message] = []
    for out in produced:
        if isinstance(out, PortRequest):
            for result in await run_port(out):
                cell, more = await run_step(step, cell, result, now=now, run_port=run_port, hops=hops + 1)
                outputs += more
        else:
            outputs.append(out)
    return cell, outputs


@dataclass(frozen=True)
class CellInput:
    """An input topic of a cell agent: its records validate as `model`, and `key(record)` names the cell a record
    belongs to, which must be the record's Kafka key (else it would sit in another cell's partition)."""

    topic: TopicSpec | Callable[[Settings], TopicSpec]
    model: type[Message]
    key: Callable[[Any], str]

    def spec(self, settings: Settings) -> TopicSpec:
        return self.topic(settings) if callable(self.topic) else self.topic.for_settings(settings)


@dataclass(frozen=True)
class Route:
    """Where an output message goes: its topic, and its key there (a user id, a board key, a job id)."""

    topic: TopicSpec | Callable[[Settings], TopicSpec]
    key: Callable[[Any], str]

    def spec(self, settings: Settings) -> TopicSpec:
        return self.topic(settings) if callable(self.topic) else self.topic.for_settings(settings)


@dataclass(frozen=True)
class CellAgentSpec:
    """One agent: its inputs, its table of cells, its pure `step` and its routing table (output type -> route).
    A step that depends on configuration (discovery's poll interval) is given as `step_for(settings)` instead."""

    name: str
    table: TableSpec
    cell_model: type[Message]
    inputs: tuple[CellInput, ...]
    routes: Mapping[type[Message], Route]
    step: Step | None = None
    step_for: Callable[[Settings], Step] | None = None

    def __post_init__(self) -> None:
        if (self.step is None) == (self.step_for is None):
            raise TypeError(f"{self.name}: give exactly one of step and step_for")

    def make_step(self, settings: Settings) -> Step:
        return self.step_for(settings) if self.step_for is not None else self.step  # type: ignore[return-value]


@dataclass(frozen=True)
class ProcessorSpec:
    """A processor: its agents, how to open its ports, and (rarely) extra wiring such as discovery's poll timer,
    which gets the app and the agents' tables by table name.

    `warm_up`: what a worker loads before it joins its consumer group (blocking; no network, no database: the
    ports still open on first use, so a worker starts while they are down). A model or fonts loaded lazily would
    be loaded inside the first batch, while the group waits for it to rebalance."""

    name: str
    doc: str
    agents: tuple[CellAgentSpec, ...]
    open_ports: Callable[[Settings], Awaitable[Ports]] | None = None
    extra_wiring: Callable[..., None] | None = field(default=None)
    warm_up: Callable[[Settings], None] | None = None

    def input_topics(self, settings: Settings) -> list[TopicSpec]:
        return [i.spec(settings) for agent in self.agents for i in agent.inputs]

    def output_topics(self, settings: Settings) -> list[TopicSpec]:
        seen: dict[str, TopicSpec] = {}
        for agent in self.agents:
            for route in agent.routes.values():
                seen.setdefault(route.spec(settings).name, route.spec(settings))
        return list(seen.values())


M = TypeVar("M", bound=Message)
T = TypeVar("T")


def due_cells(cells: Iterable[tuple[str, Any]], model: type[M], when_due: Callable[[M], T | None], *, timer: str
              ) -> list[tuple[str, T]]:
    """For a processor's timer: `(key, when_due(cell))` of every stored cell (`(key, cell or its dict)`) for which
    `when_due` is not None. A cell that cannot be read or decided is logged and passed over: one bad cell must not
    stop the others' ticks, nor crash the worker (a timer runs outside any record, so nothing would dead-letter
    it)."""
    found = []
    for key, stored in cells:
        try:
            value = when_due(model.model_validate(stored))
        except Exception as exc:
            log.error("%s: the timer passed over cell %s (%s)", timer, key, type(exc).__name__)
            continue
        if value is not None:
            found.append((key, value))
    return found
