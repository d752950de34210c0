"""What `/metrics` reads from the database when it is scraped, and `/readyz`'s one query.

Each read goes through an index and touches only rows that say something: the queue
(empty when the workers keep up), the head of the queue's index, the seat counters of
the products bought, the assignments in error (a partial index holds only those), the
batch totals. tests/integration/test_gauge_plans.py checks their plans on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from seatplan.services.outbox import PENDING
from seatplan.store.tables import (
    BatchDurationBucket,
    BatchTotals,
    LicenseAssignment,
    Product,
    QueuedUser,
    SkuUsage,
    WebhookAttemptTotal,
    WebhookDelivery,
    WebhookEndpoint,
)


@dataclass(frozen=True, slots=True)
class Seats:
    sku: str
    total: int
    assigned: int

    @property
    def available(self) -> int:
        return self.total - self.assigned


@dataclass(frozen=True, slots=True)
class Errors:
    sku: str
    state: str
    error: str
    assignments: int


@dataclass(frozen=True, slots=True)
class Batches:
    batches: int
    users: int
    seconds: float
    #: (upper bound in seconds, batches that took at most that long), by bound.
    buckets: list[tuple[float, int]]


@dataclass(frozen=True, slots=True)
class Webhooks:
    #: Deliveries not made yet and not tried yet, or tried and failed (retried later).
    waiting: int
    retrying: int
    #: Endpoints that deliver, whose deliveries fail now, and that are disabled.
    endpoints_enabled: int
    endpoints_failing: int
    endpoints_disabled: int
    #: Delivery attempts ever made, by result (succeeded, failed, error).
    attempts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Gauges:
    queued: int
    #: When the user next in line was queued (None: nobody is queued).
    head_queued_at: datetime | None
    seats: list[Seats]
    errors: list[Errors]
    batches: Batches
    webhooks: Webhooks


def _head_of_queue() -> ScalarSelect[datetime]:
    """When the next user the workers will take was queued: one step into the queue's index.

    The next in line holds the oldest intent (`priority`); how long it has waited is the
    workers' lag. A full scan for the earliest `enqueued_at` would cost a read of the
    whole queue, or a third index on it, on every probe.
    """
    return (
        select(QueuedUser.enqueued_at)
        .order_by(QueuedUser.priority, QueuedUser.user_id)
        .limit(1)
        .scalar_subquery()
    )


def read(session: Session) -> Gauges:
    queued, head = session.execute(
        select(func.count().label("queued"), _head_of_queue()).select_from(QueuedUser)
    ).one()
    seats = [
        Seats(sku, enabled, consumed)
        for sku, enabled, consumed in session.execute(
            select(Product.sku_part_number, SkuUsage.enabled_units, SkuUsage.consumed_units)
            .join(Product, Product.sku_id == SkuUsage.sku_id)
            .where(or_(SkuUsage.enabled_units > 0, SkuUsage.consumed_units > 0))
            .order_by(Product.sku_part_number)
        )
    ]
    return Gauges(queued, head, seats, _errors(session), _batches(session), _webhooks(session))


def _errors(session: Session) -> list[Errors]:
    in_error = (
        select(
            LicenseAssignment.sku_id,
            LicenseAssignment.state,
            LicenseAssignment.error,
            func.count().label("assignments"),
        )
        .where(LicenseAssignment.error.is_not(None))
        # Error first: grouped by (sku, state) first, SQLite would rather walk every
        # assignment in the (sku_id, state) index than the few rows in error.
        .group_by(LicenseAssignment.error, LicenseAssignment.state, LicenseAssignment.sku_id)
        .subquery()
    )
    rows = session.execute(
        select(Product.sku_part_number, in_error.c.state, in_error.c.error, in_error.c.assignments)
        .join(Product, Product.sku_id == in_error.c.sku_id)
        .order_by(Product.sku_part_number, in_error.c.state, in_error.c.error)
    )
    return [Errors(sku, state, error, count) for sku, state, error, count in rows]


def _batches(session: Session) -> Batches:
    totals = session.execute(
        select(BatchTotals.batches, BatchTotals.users, BatchTotals.seconds).where(
            BatchTotals.id == 1
        )
    ).one_or_none()
    buckets = session.execute(
        select(BatchDurationBucket.le, BatchDurationBucket.batches).order_by(BatchDurationBucket.le)
    )
    batches, users, seconds = totals or (0, 0, 0.0)
    return Batches(batches, users, seconds, [(le, count) for le, count in buckets])


def _webhooks(session: Session) -> Webhooks:
    """Pending deliveries through the partial index that holds only those (delivered ones
    pile up, and are not read); the endpoints, a short list an administrator keeps."""
    tried = WebhookDelivery.attempts > 0
    waiting, retrying = session.execute(
        select(
            func.count().filter(~tried),
            func.count().filter(tried),
        ).where(WebhookDelivery.status == PENDING)
    ).one()
    failing = WebhookEndpoint.failing_since.is_not(None)
    enabled = WebhookEndpoint.enabled
    ok, failing_now, disabled = session.execute(
        select(
            func.count().filter(enabled, ~failing),
            func.count().filter(enabled, failing),
            func.count().filter(~enabled),
        )
    ).one()
    totals = select(WebhookAttemptTotal.result, WebhookAttemptTotal.attempts)
    # Not dict(result): a Result has keys() (its columns), so dict() would read it as a mapping.
    attempts = dict(list(session.execute(totals).tuples()))
    return Webhooks(waiting or 0, retrying or 0, ok or 0, failing_now or 0, disabled or 0, attempts)


@dataclass(frozen=True, slots=True)
class Readiness:
    revision: str | None
    head_queued_at: datetime | None
    #: PostgreSQL's `transaction_read_only` (None on SQLite, which is asked otherwise).
    read_only: bool | None


def readiness(connection: Connection) -> Readiness:
    """The schema's revision, the head of the queue and (PostgreSQL) whether the session
    is read-only: one statement, two index lookups, for `/readyz`."""
    revision = (
        select(literal_column("version_num")).select_from(table("alembic_version"))
    ).scalar_subquery()
    columns: list[ColumnElement[Any]] = [revision, _head_of_queue()]
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        columns.append(func.current_setting("transaction_read_only"))
    row = connection.execute(select(*columns)).one()
    return Readiness(row[0], row[1], row[2] == "on" if postgres else None)
