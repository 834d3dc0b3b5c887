"""`resumeflow worker NAME... | all`: one processor runs in this process; several run as one child process each.

Each processor is its own Faust app and consumer group (`<app id>-<processor>`), so a processor started on
another machine only adds a worker to that processor's group, whatever else either machine runs. Several
processors in one command get one process each — one consumer group, one event loop and one CPU core's worth
of Python each — under a small supervisor that prefixes their output with their name, says when all of them
are ready, restarts one that crashes (after a backoff that doubles up to `MAX_BACKOFF_S`), and on SIGTERM or
SIGINT stops them all within `STOP_GRACE_S`.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from streams.metrics import child_port
from streams.processor import ProcessorSpec
from streams.settings import Settings

log = logging.getLogger("resumeflow.worker")
READY_MARK = "Worker ready"  # what Faust logs once a worker's tables are recovered and it processes records
STOP_GRACE_S = 45.0
MAX_BACKOFF_S = 30.0
HEALTHY_AFTER_S = 60.0  # a child that ran this long before crashing starts over from the shortest backoff


def run_in_process(settings: Settings, processor: ProcessorSpec, loglevel: str) -> int:
    """One processor's Faust worker in this process, until SIGTERM/SIGINT; an agent that raises stops it with a
    non-zero status, so whatever supervises it restarts it (its record is retried: see `streams.cell_agent`)."""
    import faust

    from streams.faust_wiring import create_app, prepare_local_state
    from streams.kafka_clients import Serdes, registry_client
    from streams.log_control import quiet_repeats, use_format

    class Worker(faust.Worker):
        """Faust's worker, with a log that stays readable while the broker is down (`streams.log_control`)."""

        def install_signal_handlers(self) -> None:
            super().install_signal_handlers()  # the stop itself runs on the event loop (asyncio's wakeup fd)
            # A Python handler runs in the main thread even when the loop is stuck; seen: with the broker down, the
            # Kafka consumer's thread died of a CancelledError while stopping and the worker waited for it forever.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: exit_after(settings.worker_stop_grace_s))

        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            # No progress spinner: at --loglevel warning or error it sets the root logger to DEBUG to spin on every
            # line, so every debug line of the Kafka client was built and handled (4 per record, in bench.ceiling).
            self.spinner = None
            super().on_setup_root_logger(logger, level)
            quiet_repeats()
            use_format(settings.log_format)

    if processor.warm_up is not None:  # before the app exists: its consumer joins the group only when warm
        started = time.monotonic()
        processor.warm_up(settings)
        log.info("%s warmed up in %.1fs", processor.name, time.monotonic() - started)
    app = create_app(settings, Serdes(registry_client(settings)), processor)
    prepare_local_state(app)
    if settings.metrics_port is not None:
        from streams import metrics

        metrics.install_faust_sensor(app)
        metrics.serve(settings.metrics_port, settings.metrics_host)
    Worker(app, loglevel=loglevel).execute_from_commandline()
    return 0


def exit_after(grace_s: float) -> None:
    """End this process with status 1 if it is still running `grace_s` seconds from now (once; later calls do
    nothing). Safe as a last resort: it is what kill -9 does, and offsets are committed only for records whose
    outputs and cells are stored, so whatever was in flight is processed again after a restart."""
    global _exit_timer
    if _exit_timer is not None:
        return

    def give_up() -> None:
        log.error("the worker did not stop within %.1fs of being asked to: exiting anyway (its uncommitted records "
                  "are processed again after a restart)", grace_s)
        logging.shutdown()
        os._exit(1)

    _exit_timer = threading.Timer(grace_s, give_up)
    _exit_timer.daemon = True
    _exit_timer.start()


_exit_timer: threading.Timer | None = None


@dataclass
class _Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff_s: float = 1.0
    restart_at: float | None = None
    ready: bool = False
    readers: list[threading.Thread] = field(default_factory=list)
    metrics_port: int | None = None  # each child serves its own metrics (a port cannot be shared)


class Supervisor:
    def __init__(self, names: Sequence[str], loglevel: str, metrics_port: int | None = None) -> None:
        self.children = [_Child(name, [sys.executable, "-m", "cli.main", "worker", name, "--loglevel", loglevel],
                                metrics_port=child_port(metrics_port, index))
                         for index, name in enumerate(names)]
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._announced = False

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        for child in self.children:
            self._start(child)
        while not self.stopping.is_set():
            now = time.monotonic()
            for child in self.children:
                self._watch(child, now)
            if all(c.process is None and c.restart_at is None for c in self.children):
                break  # every child finished on its own (exit 0)
            self.stopping.wait(0.5)
        return self._stop_all()

    def _start(self, child: _Child) -> None:
        env = None
        if child.metrics_port is not None:
            env = {**os.environ, "RESUMEFLOW_METRICS_PORT": str(child.metrics_port)}
            log.info("%s: metrics on http://127.0.0.1:%d/metrics", child.name, child.metrics_port)
        child.process = subprocess.Popen(child.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        child.started_at = time.monotonic()
        child.restart_at = None
        child.ready = False
        reader = threading.Thread(target=self._forward, args=(child, child.process.stdout), daemon=True)
        reader.start()
        child.readers = [reader]

    def _forward(self, child: _Child, stream: IO[bytes] | None) -> None:
        assert stream is not None
        for raw in stream:
            line = raw.decode(errors="replace").rstrip("\n")
            with self._lock:
                sys.stdout.write(f"{child.name:10} | {line}\n")
                sys.stdout.flush()
                if READY_MARK in line and not child.ready:
                    child.ready = True
                    if all(c.ready for c in self.children) and not self._announced:
                        self._announced = True
                        sys.stdout.write(f"resumeflow worker: all {len(self.children)} processors ready "
                                         f"({', '.join(c.name for c in self.children)})\n")
                        sys.stdout.flush()

    def _watch(self, child: _Child, now: float) -> None:
        if child.process is not None:
            code = child.process.poll()
            if code is None:
                return
            child.process = None
            if code == 0:
                log.info("%s finished", child.name)
                return
            if now - child.started_at > HEALTHY_AFTER_S:
                child.backoff_s = 1.0
            child.restart_at = now + child.backoff_s
            log.error("%s exited with status %d; restarting it in %.0fs", child.name, code, child.backoff_s)
            child.backoff_s = min(child.backoff_s * 2, MAX_BACKOFF_S)
        elif child.restart_at is not None and now >= child.restart_at:
            self._start(child)

    def _stop_all(self) -> int:
        running = [c for c in self.children if c.process is not None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        status = 0
        for child in running:
            assert child.process is not None
            try:
                code = child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.error("%s did not stop within %.0fs: killing it", child.name, STOP_GRACE_S)
                child.process.kill()
                code = child.process.wait()
            status = status or (code if code > 0 else 0)
        for child in self.children:
            for reader in child.readers:
                reader.join(timeout=2)
        return status


def supervise(names: Sequence[str], loglevel: str, metrics_port: int | None = None) -> int:
    return Supervisor(names, loglevel, metrics_port).run()
