"""`GET /metrics`: Prometheus's text format, written by the official client.

Each metric is kept where it stays right with several processes:

- What the database knows (the queue, seats, assignments in error, the batches every
  worker committed: `services.gauges`) is read from it at scrape time by
  `DatabaseCollector`, so every process answers the same, and a `seatplan worker`
  needs no HTTP server of its own.
- What only a server process sees (its HTTP requests) is counted in that process by
  prometheus_client in multiprocess mode when `PROMETHEUS_MULTIPROC_DIR` is set
  (`seatplan serve` sets it for its processes): each process writes its counters to a
  file of that folder and a scrape, whichever process answers it, sums them all. Without
  it (one process, tests), the counters live in the process.

The environment variable must be set before prometheus_client is first imported:
`seatplan serve` sets it before uvicorn imports this module.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from fastapi import FastAPI, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client import generate_latest as exposition
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.responses import Response

from seatplan.api.errors import DENIED, UNAUTHENTICATED, GraphError
from seatplan.services import gauges
from seatplan.settings import Settings
from seatplan.store import faults
from seatplan.store.db import Database
from seatplan.store.types import utcnow

log = logging.getLogger(__name__)

#: prometheus_client chose its storage on import from the same variable.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

_PROCESS = CollectorRegistry()
# `_created` series: multiprocess mode has none, so neither has one process.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: Upper bounds in seconds: reads answer in a millisecond or two, lists and writes later.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "seatplan_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=_PROCESS,
)
HTTP_DURATION = Histogram(
    "seatplan_http_request_duration_seconds",
    "Time from receiving a request to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=_PROCESS,
)


#: The series of each (method, route, status) met so far: `labels()` checks and converts
#: its arguments on every call, and every answer counts. Bounded like the series.
_counted: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    series = _counted.get(key)
    if series is None:
        series = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_DURATION.labels(method, route),
        )
        _counted[key] = series
    series[0].inc()
    series[1].observe(seconds)


class DatabaseCollector(Collector):
    """The gauges and the workers' counters, read from the database at each scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        try:
            with self.database.reading() as session:
                read = gauges.read(session)
        except faults.database_errors() as error:
            # The process's own metrics are still worth a scrape; this says why the rest
            # is missing.
            log.warning("metrics without the database's: %s", faults.unavailable(error) or error)
            yield GaugeMetricFamily(
                "seatplan_database_up", "Whether the database answered this scrape.", value=0
            )
            return
        yield GaugeMetricFamily(
            "seatplan_database_up", "Whether the database answered this scrape.", value=1
        )
        yield from _queue(read)
        yield from _seats(read.seats)
        errors = GaugeMetricFamily(
            "seatplan_license_assignments_in_error",
            "License assignments in error, by product, state and error kind.",
            labels=["sku", "state", "error"],
        )
        for row in read.errors:
            errors.add_metric([row.sku, row.state, row.error], row.assignments)
        yield errors
        yield from _batches(read.batches)
        yield from _webhooks(read.webhooks)


def _queue(read: gauges.Gauges) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "seatplan_queue_users", "Users queued for evaluation by a worker.", value=read.queued
    )
    waited = 0.0
    if read.head_queued_at is not None:
        waited = max(0.0, (utcnow() - read.head_queued_at).total_seconds())
    yield GaugeMetricFamily(
        "seatplan_queue_oldest_wait_seconds",
        "How long the user next in line (the oldest intent) has been queued; 0 when none is.",
        value=waited,
    )


def _seats(seats: list[gauges.Seats]) -> Iterator[Metric]:
    enabled = GaugeMetricFamily(
        "seatplan_seats_enabled",
        "Seats bought and enabled (the total), by product: Graph's prepaidUnits.enabled.",
        labels=["sku"],
    )
    assigned = GaugeMetricFamily(
        "seatplan_seats_assigned",
        "Seats held by users, by product: Graph's consumedUnits.",
        labels=["sku"],
    )
    available = GaugeMetricFamily(
        "seatplan_seats_available", "Seats enabled and not assigned, by product.", labels=["sku"]
    )
    for row in seats:
        enabled.add_metric([row.sku], row.total)
        assigned.add_metric([row.sku], row.assigned)
        available.add_metric([row.sku], row.available)
    yield from (enabled, assigned, available)


def _batches(batches: gauges.Batches) -> Iterator[Metric]:
    yield CounterMetricFamily(
        "seatplan_worker_batches",
        "Batches the workers committed (every worker, every process).",
        value=batches.batches,
    )
    yield CounterMetricFamily(
        "seatplan_worker_users",
        "Users the workers evaluated in committed batches.",
        value=batches.users,
    )
    buckets = [(_bound(le), count) for le, count in batches.buckets]
    yield HistogramMetricFamily(
        "seatplan_worker_batch_duration_seconds",
        "Time a committed batch took, from its claim to its writes (the commit excepted).",
        buckets=[*buckets, ("+Inf", batches.batches)],
        sum_value=batches.seconds,
    )


def _webhooks(webhooks: gauges.Webhooks) -> Iterator[Metric]:
    pending = GaugeMetricFamily(
        "seatplan_webhook_deliveries_pending",
        "Webhook deliveries not made yet: waiting for their first attempt, or retrying.",
        labels=["state"],
    )
    pending.add_metric(["waiting"], webhooks.waiting)
    pending.add_metric(["retrying"], webhooks.retrying)
    yield pending
    endpoints = GaugeMetricFamily(
        "seatplan_webhook_endpoints",
        "Webhook endpoints: delivering, failing (retried, disabled after a day), disabled.",
        labels=["state"],
    )
    endpoints.add_metric(["ok"], webhooks.endpoints_enabled)
    endpoints.add_metric(["failing"], webhooks.endpoints_failing)
    endpoints.add_metric(["disabled"], webhooks.endpoints_disabled)
    yield endpoints
    attempts = CounterMetricFamily(
        "seatplan_webhook_attempts",
        "Webhook delivery attempts by result: succeeded (2xx), failed (another answer), "
        "error (no answer), counted by every worker with the attempt's record.",
        labels=["result"],
    )
    for result, count in sorted(webhooks.attempts.items()):
        attempts.add_metric([result], count)
    yield attempts


def _bound(le: float) -> str:
    return repr(float(le))


def scrape(database: Database) -> bytes:
    """Every metric, in Prometheus's text format."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_PROCESS)
    registry.register(DatabaseCollector(database))
    return exposition(registry)


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_access(request: Request, settings: Settings) -> None:
    """Loopback clients read freely (unless told otherwise); others need the metrics token."""
    client = request.client.host if request.client else None
    if settings.metrics_open_on_loopback and is_loopback(client):
        return
    expected = settings.metrics_token
    if expected is None:
        raise GraphError(
            403,
            DENIED,
            "Metrics are served to clients on loopback only: set SEATPLAN_METRICS_TOKEN "
            "to let others read them with that bearer token.",
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise GraphError(401, UNAUTHENTICATED, "Access token is empty.")
    if not hmac.compare_digest(token.strip().encode(), expected.get_secret_value().encode()):
        raise GraphError(401, UNAUTHENTICATED, "Access token validation failure. Invalid token.")


def mount_metrics(app: FastAPI) -> None:
    """`GET /metrics` on `app`, over `app.state.db`, guarded by `app.state.settings`."""

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        check_access(request, request.app.state.settings)
        return Response(scrape(request.app.state.db), media_type=CONTENT_TYPE_LATEST)
