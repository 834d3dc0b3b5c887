"""The one generic cell agent: runs a `CellAgentSpec` on Faust with the delivery rules every processor needs.

For each batch of records (up to `BATCH_MAX`, or what arrived within `BATCH_WITHIN_S`; delivered in parts every
`BATCH_FLUSH_S` when its records do slow work):

1. **Decode and validate** each record with its topic's serde and model. Anything that raises doing so (bad
   framing, an unknown schema, a model refusing the value, a key that is not the record's cell) sends the record,
   whole, to its topic's dead-letter topic with the reason. Input never crashes the worker.
2. **Load the cell, call `step`**, run the `PortRequest`s it returns through the processor's ports and feed their
   results back to `step`, until only messages remain. Outputs are encoded at once: one that would not fit on its
   topic makes the record poison (dead letter), instead of a send that fails later.
3. **Send every output, and wait for the broker to acknowledge all of them; only then store the changed cells
   and acknowledge the records.** So a cell never records work whose outputs were lost: after a crash the record
   is processed again, and `step` either redoes it (same event ids) or finds it done because its outputs were
   delivered. The offset moves only past acknowledged records (Faust commits the contiguous acknowledged range).
4. **Failures.** A port that raises `TransientError` (a database or cache down) makes the agent finish what came
   before, wait with capped exponential backoff and retry the same record, logging each outage once. Anything
   else unexpected is logged with topic/partition/offset and crashes the worker with the record unacknowledged,
   so a restart retries it; the crashes are counted in Redis per record, and the `MAX_CRASHES`th crash of the same
   record dead-letters it with its traceback instead of looping forever.

5. **Every record, in order.** Each partition's records must reach `step` in an unbroken run from the group's
   committed offset (`streams.contiguity`): the records of a hole (ones Faust never handed over) are read from
   the broker and processed first. The app commits for the agent's partitions only that run
   (`ResumeflowApp.processed_to`), never what Faust itself counted as acknowledged. A hole shows only when a later
   record arrives, so an agent idle for `IDLE_CHECK_S` also compares its partitions' log ends with its runs and
   reads the records Faust never handed over from the broker (`_watch_idle`).
6. **A rebalance does not wait for a batch.** When one begins (Faust stops the flow), the agent delivers what it
   has processed and hands the rest of the batch back: Faust is told they are acknowledged, so its wait for the
   streams ends, but the commit stops before them, and after the rebalance Faust seeks every partition it assigns
   to the committed offset, so they come again, here or to the new owner. (The rebalance used to wait for the
   whole batch: 3 s of slow analysis work in bench.failover. Stopping without acknowledging them was tried: the
   rebalance waited for them forever.) Faust's wait knows only the records it handed over, so the app first waits
   for the idle watch's record in flight too (`ResumeflowApp.before_revoke`, at most `REVOKE_WAIT_S`); a look of
   the watch that outlives the whole rebalance delivers nothing, and each partition's owner reads it again.

Faust acknowledges the record in flight when an agent's iterator closes, which would commit a record that
crashed the worker; `noack_take` does not, so acknowledging stays ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from faust.streams import _current_event  # Faust's own per-task "current event"; tables read their partition from it
from faust.types import TP, EventT, StreamT
from pydantic import BaseModel
from redis.asyncio import Redis

from streams import metrics
from streams.contiguity import Contiguity, read_range
from streams.dead_letters import dead_letter
from streams.errors import PoisonRecord, TransientError
from streams.kafka_clients import Serdes
from streams.log_control import record_context
from streams.messages import DeadLetter, Message, utc_now
from streams.processor import CellAgentSpec, CellInput, PortRequest, Ports, run_step
from streams.redis_client import redis_client
from streams.settings import Settings
from streams.topics import TopicSpec, dead_letter_topic

log = logging.getLogger(__name__)

BATCH_MAX = 100
BATCH_WITHIN_S = 0.2
# A batch whose records take longer than this (ports doing slow work) is delivered in parts, so an early record's
# outputs wait at most this long for the records after it, and a crash redoes at most this much work.
BATCH_FLUSH_S = 0.5
# Acknowledged offsets are committed at least this often: after a kill -9 the records processed since the last
# commit are processed again, so this bounds the work a crash redoes.
COMMIT_INTERVAL_S = 1.0
MAX_CRASHES = 3  # the third crash on one record dead-letters it
CRASH_MEMORY_S = 7 * 24 * 3600
BROKER_MAX_BYTES = 1_048_576  # Kafka's default max.message.bytes, for topics that do not set their own
BACKOFF_START_S, BACKOFF_MAX_S = 1.0, 30.0
# An agent idle this long looks for records of its partitions Faust never handed over (`_watch_idle`).
IDLE_CHECK_S = 5.0
OUTAGE_POLL_S = 0.25  # how often a wait for a dependency looks whether a rebalance began
# How long a rebalance waits for the idle watch's record in flight (`_finish_watch`); the group's rebalance timeout
# is longer (streams.settings), so the wait cannot cost the worker its membership.
REVOKE_WAIT_S = 10.0
_MISSING = object()


@contextlib.contextmanager
def event_context(event: EventT) -> Iterator[None]:
    """Make `event` Faust's current event: a table reads and writes the partition of the current event."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


@dataclass(frozen=True)
class _Fetched:
    """A record the agent read from the broker itself (a hole, `streams.contiguity`): what it uses of a Faust
    message (timestamp in seconds since the epoch, as Faust gives it)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: float | None

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)


class _FetchedEvent:
    """Stands for a Faust event in the agent (and as the tables' current event, which give its partition)."""

    def __init__(self, message: _Fetched) -> None:
        self.message = message


@dataclass
class _Encoded:
    topic: str
    key: bytes | None
    value: bytes
    partition: int | None = None


class _RebalanceBegan(Exception):
    """Faust stopped the flow: the records of the batch not yet processed are handed back."""


@dataclass
class _Batch:
    """What the records of one batch produced, held back until their outputs are acknowledged."""

    events: list[EventT] = field(default_factory=list)
    outputs: list[_Encoded] = field(default_factory=list)
    cells: dict[str, Any] = field(default_factory=dict)  # key -> cell after this batch's records
    loaded: dict[str, Any] = field(default_factory=dict)  # key -> cell as the table had it
    last_event: dict[str, EventT] = field(default_factory=dict)  # key -> the event whose partition stores it


class CrashCounter:
    """How many times a record crashed the worker, in Redis so it survives the restarts it counts."""

    def __init__(self, settings: Settings, group: str) -> None:
        self._url = settings.redis_url
        self._group = group
        self._redis: Redis | None = None

    async def record(self, topic: str, partition: int, offset: int) -> int:
        if self._redis is None:
            self._redis = redis_client(self._url)
        key = f"resumeflow:crashes:{self._group}:{topic}:{partition}:{offset}"
        count = int(await self._redis.incr(key))
        await self._redis.expire(key, CRASH_MEMORY_S)
        return count

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


class CellAgent:
    """Runs one `CellAgentSpec` on the app; see the module docstring for the rules."""

    def __init__(self, app: Any, spec: CellAgentSpec, ports: PortsHandle, crashes: CrashCounter) -> None:
        self.app = app
        self.spec = spec
        self.settings: Settings = app.settings
        self.serdes: Serdes = app.serdes
        self.ports = ports
        self.crashes = crashes
        self.labels = (app.processor_label, spec.name)  # the metrics' processor and agent
        self.inputs: dict[str, tuple[CellInput, TopicSpec]] = {
            i.spec(self.settings).name: (i, i.spec(self.settings)) for i in spec.inputs}
        self.routes = {kind: (route, route.spec(self.settings)) for kind, route in spec.routes.items()}
        self.table = app.cell_table(spec.table, help=spec.table.doc)
        self.cell_serde = self.serdes.value(spec.table.changelog(self.settings))
        self.step = spec.make_step(self.settings)
        self._outage_since: float | None = None
        self._committed_at = 0.0
        # One batch at a time: the agent's own, or one the idle watch reads from the broker.
        self._lock = asyncio.Lock()
        self._quiet_since = 0.0  # loop time of the last batch or assignment
        self._ends_seen: dict[TP, int] = {}  # log end offsets at the idle watch's previous look
        self.contiguity = Contiguity()
        self._record_crash: BaseException | None = None  # the last crash `_crashed` let through
        self._watch_crash: BaseException | None = None  # one in the idle watch, for `_run` to raise
        self._assignments = 0  # how many assignments the agent has had
        # While the idle watch looks: the assignment it began under. A rebalance waits for it at most
        # `REVOKE_WAIT_S`; one that went on without it ends the look (`_continue_or_hand_back`), whose batch then
        # is not delivered: its partitions may be another worker's now, and they read the records again.
        self._look_assignment: int | None = None

    def install(self) -> None:
        names = list(self.inputs)
        # Raw bytes from Faust: each topic has its own serde, and decoding is ours so every failure is a dead letter.
        channel = self.app.topic(*names, key_serializer="raw", value_serializer="raw",
                                 partitions=self.settings.cell_partitions)
        self.app.agent(channel, name=self.spec.name)(self._run)

        self.app.agent_topics.update(self.inputs)

        async def assigned(sender: object, assigned: object, **kwargs: object) -> None:
            self._assignments += 1
            self.contiguity.reset()
            self._ends_seen.clear()
            self._quiet_since = asyncio.get_running_loop().time()
            self._committed_at = 0.0  # the first batch after a move commits at once: a second crash redoes less
            for tp in [tp for tp in self.app.processed_to if tp.topic in self.inputs]:
                del self.app.processed_to[tp]

        self.app.on_partitions_assigned.connect(assigned)
        self.app.before_revoke.append(self._finish_watch)

    async def _finish_watch(self) -> None:
        """When a rebalance begins: wait until the batch in hand (the agent's own, or the idle watch's) is done,
        which is at its record in flight (`_continue_or_hand_back`), at most `REVOKE_WAIT_S`; past that, the
        rebalance goes on and the partition's next owner may redo that record (steps are idempotent)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + REVOKE_WAIT_S
        while self._lock.locked():  # polled: acquiring under a timeout can leave the lock taken (bpo-42130)
            if loop.time() > until:
                log.warning("%s: a record in flight held the rebalance up for %.0fs; going on without it",
                            self.spec.name, REVOKE_WAIT_S)
                return
            await asyncio.sleep(0.05)

    # --- the loop -------------------------------------------------------------------------------------------------

    async def _run(self, stream: StreamT) -> None:
        busy = metrics.BUSY.labels(*self.labels)
        run = asyncio.current_task()
        assert run is not None
        watch = asyncio.ensure_future(self._watch_idle(stream, run))
        try:
            async for events in stream.noack_take(BATCH_MAX, within=BATCH_WITHIN_S):
                async with self._lock:
                    await self._run_batch(events, stream, busy)
        except asyncio.CancelledError:
            if self._watch_crash is None:
                raise
            crash, self._watch_crash = self._watch_crash, None
            raise crash from None  # Faust's agent crashes with it, and the worker stops, as for a batch's crash
        finally:
            watch.cancel()
            await asyncio.wait({watch}, timeout=REVOKE_WAIT_S)  # its batch delivered before Faust's last commit

    async def _run_batch(self, events: Sequence[EventT], stream: StreamT, busy: Any) -> None:
        loop = asyncio.get_running_loop()
        batch = _Batch()
        started = began = loop.time()
        try:
            for index, event in enumerate(events):
                try:
                    self._continue_or_hand_back()
                    if not self.contiguity.knows(event.message.tp):
                        await self._start_run(event.message.tp)
                    hole = self.contiguity.check(event.message.tp, event.message.offset)
                    if hole is not None:
                        await self._read_hole(event, hole, batch, stream)
                    with record_context(event.message.topic, event.message.partition, event.message.offset):
                        await self._process(event, batch, stream)
                except _RebalanceBegan:
                    await self._finish(batch, stream)
                    # Committed before the hand-back acks, which end Faust's wait_empty: its last commit returns
                    # without committing when another (its timer's, computed before this `_finish`) is in flight.
                    if not await self.app.consumer.commit():
                        await self.app.consumer.commit()
                    await self._hand_back(events[index:], stream)
                    break
                if loop.time() - started > BATCH_FLUSH_S:  # slow work (ports): deliver what is done so far
                    await self._finish(batch, stream)
                    started = loop.time()
            await self._finish(batch, stream)
        finally:
            busy.inc(loop.time() - began)
            self._quiet_since = loop.time()

    def _continue_or_hand_back(self) -> None:
        """Raise `_RebalanceBegan` once Faust has stopped the flow for a rebalance (or the worker's stop), or the
        idle watch's look outlived a whole rebalance (the flow is on again, for another assignment)."""
        if not self.app.consumer.flow_active:
            raise _RebalanceBegan
        if self._look_assignment is not None and self._look_assignment != self._assignments:
            raise _RebalanceBegan

    async def _hand_back(self, events: Sequence[EventT], stream: StreamT) -> None:
        """Acknowledge `events` to Faust unprocessed, so the rebalance need not wait for them; the offsets this app
        commits stay before them (`ResumeflowApp.processed_to`), so they are read again after it."""
        for event in events:
            await stream.ack(event)
        metrics.HANDED_BACK.labels(*self.labels).inc(len(events))
        spans: dict[TP, list[int]] = {}
        for event in events:
            spans.setdefault(event.message.tp, []).append(event.message.offset)
        log.info("%s: a rebalance began; %d record(s) of the batch handed back unprocessed: %s", self.spec.name,
                 len(events), ", ".join(f"{tp.topic}[{tp.partition}]@{min(o)}..{max(o)}" for tp, o in spans.items()))

    async def _start_run(self, tp: TP) -> None:
        """Where the partition's unbroken run begins: the group's committed offset as Faust read it when it sought
        to it (`perform_seek`); Faust says None both for 0 and for nothing committed, when the group reads from the
        log's first record (`consumer_auto_offset_reset` earliest), so then that."""
        committed = self.app.consumer._committed_offset.get(tp)
        if committed is None:
            [committed] = (await self.app.consumer.earliest_offsets(tp)).values()
        self.contiguity.start(tp, committed)

    async def _read_hole(self, event: EventT, start: int, batch: _Batch, stream: StreamT) -> None:
        """Process the records of `event`'s partition from `start` up to it, read from the broker: Faust did not
        hand them to the agent (`streams.contiguity`)."""
        message = event.message
        metrics.INPUT_GAPS.labels(*self.labels, message.topic).inc()
        log.warning("%s: %s[%d]@%d..%d never reached the agent (Faust lost them around a rebalance or a start): "
                    "reading them from the broker", self.spec.name, message.topic, message.partition, start,
                    message.offset - 1)
        await self._process_from_broker(message.tp, start, message.offset, batch, stream)

    async def _process_from_broker(self, tp: TP, start: int, end: int, batch: _Batch, stream: StreamT) -> None:
        """Read `tp`'s records at `start` <= offset < `end` from the broker and process them, in order; slow
        work is delivered every `BATCH_FLUSH_S`, as a batch's is."""
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(
            None, functools.partial(read_range, self.settings, tp.topic, tp.partition, start, end))
        started = loop.time()
        for record in found:
            # Before the flush: a look of the idle watch that outlived a rebalance delivers nothing (`_look`).
            self._continue_or_hand_back()  # a long hole, or the idle watch's reads, do not hold a rebalance up
            if loop.time() - started > BATCH_FLUSH_S:
                await self._finish(batch, stream)
                started = loop.time()
            kind, at_ms = record.timestamp()  # type: ignore[attr-defined]
            fetched = _FetchedEvent(_Fetched(
                topic=record.topic(), partition=record.partition(), offset=record.offset(),  # type: ignore[attr-defined]
                key=record.key(), value=record.value(), timestamp=at_ms / 1000 if kind else None))  # type: ignore[attr-defined]
            with record_context(fetched.message.topic, fetched.message.partition, fetched.message.offset):
                await self._process(fetched, batch, stream)  # type: ignore[arg-type]
            self.contiguity.check(tp, fetched.message.offset)  # processed: a later look starts after it

    # --- the idle watch -------------------------------------------------------------------------------------------

    async def _watch_idle(self, stream: StreamT, run: asyncio.Task[None]) -> None:
        """While the agent has had nothing to do for `IDLE_CHECK_S`, look every half of it for records of its
        partitions that were in the log at the previous look and are still not processed: Faust lost them (the
        last ones of a partition, so no later record reveals the hole), and they are read from the broker."""
        loop = asyncio.get_running_loop()
        this = asyncio.current_task()
        assert this is not None
        # Cancelled (the agent stops), but the cancellation may have been replaced by an error in `_finish`.
        while not this.cancelling():
            await asyncio.sleep(IDLE_CHECK_S / 2)
            if self.app.rebalancing or not self.app.consumer.flow_active:
                self._ends_seen.clear()
                continue
            try:
                async with self._lock:
                    if loop.time() - self._quiet_since < IDLE_CHECK_S:
                        self._ends_seen.clear()  # busy: what Faust has not handed over yet is on its way
                        continue
                    await self._read_stalled(stream)
            except _RebalanceBegan:
                continue
            except Exception as exc:
                if exc is self._record_crash:  # a record crashed `step`: the agent raises it, as a batch would
                    self._watch_crash = exc
                    run.cancel()
                    return
                log.exception("%s: reading the records Faust did not hand over failed (looked at again next time)",
                              self.spec.name)

    async def _read_stalled(self, stream: StreamT) -> None:
        self._look_assignment = self._assignments
        try:
            await self._look(stream, self._assignments)
        finally:
            self._look_assignment = None

    async def _look(self, stream: StreamT, look: int) -> None:
        tps = [tp for tp in self.app.consumer.assignment() if tp.topic in self.inputs]
        ends = dict(await self.app.consumer.highwaters(*tps)) if tps else {}
        seen, self._ends_seen = self._ends_seen, {tp: end for tp, end in ends.items() if end is not None}
        batch = _Batch()
        touched: list[TP] = []
        try:
            try:
                for tp in tps:
                    if tp not in seen:
                        continue
                    self._continue_or_hand_back()  # `tps` and `seen` are the assignment's the look began under
                    if not self.contiguity.knows(tp):
                        await self._start_run(tp)
                    start = self.contiguity.expected(tp)
                    end = min(seen[tp], start + BATCH_MAX)
                    if start >= end:
                        continue
                    self._continue_or_hand_back()
                    metrics.INPUT_GAPS.labels(*self.labels, tp.topic).inc()
                    log.warning("%s: %s[%d]@%d..%d never reached the agent, idle for %.0fs (Faust lost them around "
                                "a rebalance or a start): reading them from the broker", self.spec.name, tp.topic,
                                tp.partition, start, end - 1, IDLE_CHECK_S)
                    touched.append(tp)
                    try:
                        await self._process_from_broker(tp, start, end, batch, stream)
                    except _RebalanceBegan:
                        at = self.contiguity.expected(tp) if self.contiguity.knows(tp) else start  # reset: a new one
                        log.info("%s: a rebalance began; the idle watch stops before %s[%d]@%d, read again after it",
                                 self.spec.name, tp.topic, tp.partition, at)
                        raise
                    # The range is read whole: offsets it lacks (compacted away, markers) are not records to wait for.
                    self.contiguity.check(tp, end - 1)
            finally:
                if self._assignments == look:
                    await self._finish(batch, stream)
                elif batch.events:
                    log.warning("%s: a rebalance went on without the idle watch's %d record(s) in hand; not delivered "
                                "(their partitions' owners read them again)", self.spec.name, len(batch.events))
        except Exception:
            # The run moved past records whose delivery may have failed with this batch: start those partitions
            # again from the committed offset, or the next record Faust hands over would be taken as next in order.
            for tp in touched:
                self.contiguity.forget(tp)
            raise

    async def _process(self, event: EventT, batch: _Batch, stream: StreamT) -> None:
        message = event.message
        source, topic = self.inputs[message.topic]
        try:
            record = self._decode(source, topic, message)
        except Exception as exc:  # anything the input makes decoding or validation raise
            self._dead_letter(batch, topic, event, exc)
            return
        key = source.key(record)
        attempt = 0
        while True:
            try:
                with event_context(event):
                    cell = batch.cells[key] if key in batch.cells else self._load(key)
                    if key not in batch.loaded:
                        batch.loaded[key] = cell
                new_cell, outputs = await self._apply(cell, record, message.partition)
                encoded = [self._encode(out) for out in outputs]
            except PoisonRecord as exc:
                self._dead_letter(batch, topic, event, exc)
                return
            except TransientError as exc:
                await self._finish(batch, stream)  # keep what is done; this record waits
                await self._wait_out(exc, attempt, message)
                attempt += 1
                batch.cells.pop(key, None)
                batch.loaded.pop(key, None)
                continue
            except Exception as exc:
                await self._finish(batch, stream)
                await self._crashed(event, topic, exc, stream)
                return
            self._recovered()
            batch.events.append(event)
            batch.outputs.extend(encoded)
            batch.cells[key] = new_cell
            batch.last_event[key] = event
            return

    async def _apply(self, cell: Any, record: Any, partition: int) -> tuple[Any, list[Message]]:
        async def run_port(request: PortRequest) -> Sequence[BaseModel]:
            return await self.ports.run(request, cell=partition)

        return await run_step(self.step, cell, record, now=utc_now(), run_port=run_port)

    async def _finish(self, batch: _Batch, stream: StreamT) -> None:
        """Send the outputs and wait for every acknowledgement; then store the cells and ack the records."""
        if not batch.events:
            return
        if self._look_assignment is not None and self._look_assignment != self._assignments:
            # The idle watch's look outlived a rebalance (`_continue_or_hand_back`): its partitions may be another
            # worker's now. Whatever path delivers (an outage's wait, a crash), nothing of the look is delivered.
            raise _RebalanceBegan
        producer = self.app.producer
        pending = [await producer.send(out.topic, out.key, out.value, out.partition, None, None)
                   for out in batch.outputs]
        await asyncio.gather(*pending)  # a failed delivery raises: nothing below happens, the batch is redone
        for key, cell in batch.cells.items():
            if cell != batch.loaded.get(key, _MISSING):
                with event_context(batch.last_event[key]):
                    if cell is None:
                        self.table.pop(key, None)
                    else:
                        # Encoded once here, with the very serde of the table's codec: Faust passes bytes through
                        # as they are, to the store and to the changelog, instead of encoding the cell for each.
                        self.table[key] = self.cell_serde.encode(cell)
        processed_to = self.app.processed_to
        for event in batch.events:
            if not isinstance(event, _FetchedEvent):  # one the agent read itself is not Faust's to acknowledge
                await stream.ack(event)
            tp = event.message.tp
            processed_to[tp] = max(processed_to.get(tp, 0), event.message.offset + 1)
        self._count(batch)
        now = asyncio.get_running_loop().time()
        if now - self._committed_at >= COMMIT_INTERVAL_S:  # do not wait for Faust's timer, which drifts under load
            self._committed_at = now
            # Awaited, not left to run beside the next batch: Faust's commit first flushes the producer until its
            # buffer is empty, which a busy agent keeps filling, so the commit would land late and a kill -9 would
            # redo more than an interval (tried: test_crash_redo.py, on a loaded machine, 1,500 redone for 1,400).
            if not await self.app.consumer.commit():
                # A commit already running (Faust's own) was waited for, and may predate these acks: once more.
                await self.app.consumer.commit()
        batch.events.clear()
        batch.outputs.clear()
        batch.cells.clear()
        batch.loaded.clear()
        batch.last_event.clear()

    def _count(self, batch: _Batch) -> None:
        """Metrics of an acknowledged batch: records per input topic with their delay since their timestamp
        (Faust's message timestamp, seconds since the epoch), outputs per topic."""
        now = time.time()
        delay = metrics.RECORD_DELAY.labels(*self.labels)
        for event in batch.events:
            metrics.RECORDS.labels(*self.labels, event.message.topic).inc()
            if event.message.timestamp:
                delay.observe(max(now - event.message.timestamp, 0.0))
        for out in batch.outputs:
            metrics.OUTPUTS.labels(*self.labels, out.topic).inc()

    # --- records in and out ---------------------------------------------------------------------------------------

    def _decode(self, source: CellInput, topic: TopicSpec, message: Any) -> Message:
        value = self.serdes.value(topic).decode(message.value)
        record = source.model.model_validate(value)
        key_serde = self.serdes.key(topic)
        key = key_serde.decode(message.key) if key_serde is not None else message.key
        if key != source.key(record):
            raise ValueError(f"the record's key {key!r} is not the cell it belongs to ({source.key(record)!r}): "
                             "it would be processed in another cell")
        return record

    def _load(self, key: str) -> Any:
        stored = self.table.get(key)
        return None if stored is None else self.spec.cell_model.model_validate(stored)

    def _encode(self, out: Message) -> _Encoded:
        try:
            route, topic = self.routes[type(out)]
        except KeyError:
            raise TypeError(f"{self.spec.name}: no route for {type(out).__name__} in the routing table") from None
        key = route.key(out)
        key_serde = self.serdes.key(topic)
        key_bytes = key_serde.encode(key) if key_serde is not None else key.encode()
        value = self.serdes.value(topic).encode(out)
        limit = topic.max_message_bytes or BROKER_MAX_BYTES
        if len(value) + len(key_bytes) > limit:
            raise PoisonRecord(f"its {type(out).__name__} for {topic.name} would be {len(value)} bytes, over the "
                               f"topic's limit of {limit}")
        return _Encoded(topic.name, key_bytes, value)

    def _dead_letter(self, batch: _Batch, topic: TopicSpec, event: EventT, exc: BaseException, *,
                     attempts: int | None = None) -> None:
        letter = self._letter(topic, event, exc, attempts=attempts)
        dlq = dead_letter_topic(topic)
        metrics.DEAD_LETTERS.labels(*self.labels, letter.source_topic, letter.error_type).inc()
        log.warning("dead-lettering %s[%d]@%d to %s: %s", letter.source_topic, letter.source_partition,
                    letter.source_offset, dlq.name, letter.error.splitlines()[0][:300])
        batch.outputs.append(_Encoded(dlq.name, letter.key, self.serdes.value(dlq).encode(letter),
                                      letter.source_partition))
        batch.events.append(event)

    def _letter(self, topic: TopicSpec, event: EventT, exc: BaseException, *,
                attempts: int | None = None) -> DeadLetter:
        message = event.message
        return dead_letter(self.spec.name, topic=message.topic, partition=message.partition, offset=message.offset,
                           key=message.key, value=message.value, exc=exc, with_traceback=attempts is not None,
                           attempts=attempts)

    # --- failures -------------------------------------------------------------------------------------------------

    async def _crashed(self, event: EventT, topic: TopicSpec, exc: BaseException, stream: StreamT) -> None:
        message = event.message
        where = f"{message.topic}[{message.partition}]@{message.offset}"
        metrics.CRASHES.labels(*self.labels, message.topic).inc()
        try:
            crashes = await self.crashes.record(message.topic, message.partition, message.offset)
        except Exception:
            log.exception("%s failed on %s, and its crashes cannot be counted (Redis?)", self.spec.name, where)
            self._record_crash = exc  # a record's crash all the same: the idle watch stops the worker too
            raise exc from None
        if crashes >= MAX_CRASHES:
            log.error("%s failed on %s for the %d. time: dead-lettering it with its traceback", self.spec.name,
                      where, crashes, exc_info=exc)
            batch = _Batch()
            self._dead_letter(batch, topic, event, exc, attempts=crashes)
            await self._finish(batch, stream)
            return
        log.error("%s failed on %s (crash %d of %d before it is dead-lettered); stopping the worker so it is "
                  "retried", self.spec.name, where, crashes, MAX_CRASHES, exc_info=exc)
        self._record_crash = exc
        raise exc

    async def _wait_out(self, exc: TransientError, attempt: int, message: Any) -> None:
        loop = asyncio.get_running_loop()
        metrics.OUTAGE_WAITS.labels(*self.labels).inc()
        if self._outage_since is None:
            self._outage_since = loop.time()
            log.warning("%s: %s; waiting to retry %s[%d]@%d", self.spec.name, exc, message.topic,
                        message.partition, message.offset)
        elif attempt % 10 == 0:
            log.warning("%s: still waiting (%.0fs): %s", self.spec.name, loop.time() - self._outage_since, exc)
        until = loop.time() + min(BACKOFF_START_S * 2 ** min(attempt, 10), BACKOFF_MAX_S)
        while (left := until - loop.time()) > 0:
            await asyncio.sleep(min(left, OUTAGE_POLL_S))
            self._continue_or_hand_back()  # an outage does not hold a rebalance up either

    def _recovered(self) -> None:
        if self._outage_since is not None:
            waited = asyncio.get_running_loop().time() - self._outage_since
            log.warning("%s: working again after %.0fs", self.spec.name, waited)
            self._outage_since = None


class PortsHandle:
    """The processor's ports, opened on first use (so a worker starts without its databases) and shared by its
    agents. Opening them when a dependency is down is a `TransientError` like any port call."""

    def __init__(self, open_ports: Any, settings: Settings) -> None:
        self._open = open_ports
        self._settings = settings
        self._ports: Ports | None = None
        self._lock = asyncio.Lock()

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[BaseModel]:
        if self._ports is None:
            async with self._lock:
                if self._ports is None:
                    if self._open is None:
                        raise TypeError(f"step asked for {type(request).__name__}, but the processor has no ports")
                    try:
                        self._ports = await self._open(self._settings)
                    except (OSError, ConnectionError) as exc:
                        raise TransientError(f"cannot open the ports: {exc}") from exc
        return await self._ports.run(request, cell=cell)

    async def close(self) -> None:
        if self._ports is not None:
            await self._ports.close()
            self._ports = None
