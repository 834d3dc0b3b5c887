"""Prometheus metrics: what each process (a processor's worker, the sink, the query API) counts, in one place.

Kafka-level figures of a worker come from Faust's own Prometheus sensor (`faust.sensors.prometheus`, names
prefixed `resumeflow_faust_`): records received per topic and partition, records sent per topic, send latency,
table operations, rebalances and assignment latency, and per partition the end offset and the committed offset
(their difference is the consumer lag). What Faust cannot know is counted here: records processed per processor
and input topic with the delay from the record's timestamp to its acknowledgement, dead letters by reason,
crashes, waits out of an outage, the cells a worker owns (and the processor has in all), the seconds its
agent was busy (its rate is how near a worker is to its capacity), the sink's rows per view and application status
changes by channel and status, and the query API's latency per route.

Labels: `processor` is the processor's name (`profiles`, its consumer group `<app id>-profiles`); the cell agent's
counts also name the `agent` within it (`profiles.commands`).

Counts follow at-least-once delivery: a record redone after a crash is counted again.

Each process serves its registry on `127.0.0.1:<RESUMEFLOW_METRICS_PORT>/metrics` (Prometheus text format; the
address is RESUMEFLOW_METRICS_HOST, `0.0.0.0` in the Kubernetes manifests); under
`resumeflow worker all` the Nth processor (0-based, in the order printed at start) uses that port + N.
"""

from __future__ import annotations

import logging
from typing import Any

import prometheus_client
from prometheus_client import REGISTRY, Counter, Gauge, Histogram

from streams.errors import UserError

log = logging.getLogger(__name__)

# Seconds; from 5 ms (a cell-only step) to 5 min (a record that waited out an outage or a backlog).
DELAY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Seconds; the query API's target is a p95 under 20 ms (issue 10), so the buckets are dense there.
API_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

RECORDS = Counter("resumeflow_records_processed_total",
                  "Input records acknowledged by a processor's cell agent (outputs sent, cells stored)",
                  ["processor", "agent", "topic"], registry=REGISTRY)
RECORD_DELAY = Histogram("resumeflow_record_delay_seconds",
                         "From an input record's timestamp to its acknowledgement by the processor (queueing "
                         "included)", ["processor", "agent"], buckets=DELAY_BUCKETS, registry=REGISTRY)
OUTPUTS = Counter("resumeflow_records_out_total", "Output records sent and acknowledged by the broker",
                  ["processor", "agent", "topic"], registry=REGISTRY)
DEAD_LETTERS = Counter("resumeflow_dead_letters_total", "Records sent to a dead-letter topic",
                       ["processor", "agent", "topic", "error_type"], registry=REGISTRY)
CRASHES = Counter("resumeflow_record_crashes_total",
                  "Records whose processing raised unexpectedly (the worker stops; the record is retried)",
                  ["processor", "agent", "topic"], registry=REGISTRY)
INPUT_GAPS = Counter("resumeflow_input_gaps_total",
                     "Holes in an input partition's offsets seen by a cell agent, each read again from the hole "
                     "(streams/contiguity.py)", ["processor", "agent", "topic"], registry=REGISTRY)
HANDED_BACK = Counter("resumeflow_records_handed_back_total",
                      "Records of a batch a cell agent handed back unprocessed when a rebalance began; they are "
                      "read again after it (streams/cell_agent.py)", ["processor", "agent"], registry=REGISTRY)
OUTAGE_WAITS = Counter("resumeflow_outage_waits_total",
                       "Retries of a record after a port found a dependency down (TransientError)",
                       ["processor", "agent"], registry=REGISTRY)
CELLS_OWNED = Gauge("resumeflow_cells_owned",
                    "Cells (partitions of the processor's input topics) this worker owns since the last rebalance",
                    ["processor"], registry=REGISTRY)
CELLS = Gauge("resumeflow_cells", "Cells the processor has in all (partitions of its input topics): the workers of "
              "a processor together own this many when none is down", ["processor"], registry=REGISTRY)
BUSY = Counter("resumeflow_busy_seconds_total",
               "Seconds an agent spent on its batches (decoding, steps, ports, sends), not waiting for records: its "
               "rate is the share of one core's time the worker's cells use", ["processor", "agent"], registry=REGISTRY)
APPLICATIONS = Counter("resumeflow_application_updates_total",
                       "Application status changes read by the sink, by channel and status",
                       ["channel", "status"], registry=REGISTRY)
SINK_ROWS = Counter("resumeflow_sink_rows_total", "Rows upserted into a PostgreSQL view", ["view"],
                    registry=REGISTRY)
API_LATENCY = Histogram("resumeflow_api_request_seconds", "Query API request latency, by route and status",
                        ["method", "route", "status"], buckets=API_BUCKETS, registry=REGISTRY)


def serve(port: int | None, host: str = "127.0.0.1") -> None:
    """Serve this process's metrics on `host`:`port` (RESUMEFLOW_METRICS_HOST, loopback unless in a pod), if a port
    is configured. Raises UserError when it is taken."""
    if port is not None:
        try:
            prometheus_client.start_http_server(port, addr=host)
        except OSError as exc:
            raise UserError(f"metrics cannot be served on {host}:{port} (RESUMEFLOW_METRICS_PORT): {exc}") from exc
        log.info("metrics on http://%s:%d/metrics", host, port)


def child_port(port: int | None, index: int) -> int | None:
    """The metrics port of the `index`th (0-based) child of a supervisor serving on `port` itself."""
    return None if port is None else port + index


def install_faust_sensor(app: Any) -> None:
    """Faust's Prometheus monitor on `app`, into the default registry (served by `serve`), names prefixed
    `resumeflow_faust_`. Faust's own /metrics page is not used: the worker's web server is off."""
    from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor

    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(REGISTRY, "resumeflow_faust"))
