"""The outbox's side of delivering: which endpoint is due, its lease, the head of its queue,
and what an attempt did.

A worker leases one endpoint at a time (`claim`) and sends that endpoint's deliveries in
id order, one after the other, so a second worker never sends the same endpoint's events
at once and events arrive in order. A worker that dies holding a lease loses it when the
lease runs out; another worker then sends the same delivery again (at least once: the
`webhook-id` is the receiver's idempotency key).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from seatplan.store.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint
from seatplan.store.types import utcnow

PENDING = "pending"
SUCCEEDED = "succeeded"


@dataclass(frozen=True, slots=True)
class Policy:
    """How deliveries are retried and endpoints leased (from the SEATPLAN_WEBHOOK_* settings)."""

    retry_seconds: float = 10.0
    max_retry_seconds: float = 3600.0
    disable_after_seconds: float = 86_400.0
    lease_seconds: float = 60.0

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter: about base·2^(n-1), capped, times 0.5–1."""
        ceiling = min(self.max_retry_seconds, self.retry_seconds * 2 ** min(attempts - 1, 30))
        return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


@dataclass(frozen=True, slots=True)
class Head:
    """The next delivery of a leased endpoint, with what it takes to send it."""

    delivery_id: int
    attempts: int
    url: str
    secret: str
    format: str
    message_id: str
    event_type: str
    occurred: datetime
    data: dict[str, object]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt did: a 2xx answer, another answer, or no answer."""

    ok: bool
    status: int | None
    milliseconds: int
    error: str | None


def _due(now: datetime) -> list[ColumnElement[bool]]:
    pending = exists().where(
        WebhookDelivery.endpoint_id == WebhookEndpoint.id, WebhookDelivery.status == PENDING
    )
    return [
        WebhookEndpoint.enabled.is_(True),
        or_(WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now),
        or_(WebhookEndpoint.retry_at.is_(None), WebhookEndpoint.retry_at <= now),
        pending,
    ]


def anything_due(session: Session) -> bool:
    """A read: is there an endpoint to send to now? (So that an idle worker never writes.)"""
    return session.scalar(select(WebhookEndpoint.id).where(*_due(utcnow())).limit(1)) is not None


def claim(session: Session, owner: str, policy: Policy) -> UUID | None:
    """Lease an endpoint that has a delivery due now; None when there is none."""
    now = utcnow()
    candidates = session.scalars(
        select(WebhookEndpoint.id)
        .where(*_due(now))
        .order_by(WebhookEndpoint.lease_until.nulls_first(), WebhookEndpoint.id)
        .limit(5)
        .with_for_update(skip_locked=True)
    ).all()
    for endpoint_id in candidates:
        taken = session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, *_due(now))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=policy.lease_seconds))
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return endpoint_id
    return None


def head(session: Session, endpoint_id: UUID, owner: str) -> Head | None:
    """The endpoint's oldest pending delivery, while `owner` holds its lease and it is due."""
    now = utcnow()
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if (
        endpoint is None
        or not endpoint.enabled
        or endpoint.lease_owner != owner
        or (endpoint.retry_at is not None and endpoint.retry_at > now)
    ):
        return None
    row = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
        .order_by(WebhookDelivery.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    delivery_id, attempts, event = row
    return Head(
        delivery_id,
        attempts,
        endpoint.url,
        endpoint.secret,
        endpoint.format,
        event.message_id,
        event.type,
        event.occurred,
        dict(event.data),
    )


def record(
    session: Session, endpoint_id: UUID, owner: str, head: Head, outcome: Outcome, policy: Policy
) -> None:
    """Record an attempt; after failures for `disable_after_seconds`, disable the endpoint."""
    now = utcnow()
    values: dict[str, object] = {
        "attempts": WebhookDelivery.attempts + 1,
        "last_attempt": now,
        "response_status": outcome.status,
        "response_ms": outcome.milliseconds,
        "error": outcome.error,
    }
    if outcome.ok:
        values |= {"status": SUCCEEDED, "delivered": now}
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == head.delivery_id, WebhookDelivery.status == PENDING)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if endpoint is None or endpoint.lease_owner != owner:
        return  # the lease ran out and another worker has the endpoint now
    endpoint.lease_until = now + timedelta(seconds=policy.lease_seconds)
    if outcome.ok:
        endpoint.failing_since = None
        endpoint.retry_at = None
        return
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.retry_at = now + policy.retry_delay(head.attempts + 1)
    failing = (now - endpoint.failing_since).total_seconds()
    if failing >= policy.disable_after_seconds:
        endpoint.enabled = False
        endpoint.disabled_reason = (
            f"Disabled at {_stamp(now)}: no delivery succeeded since "
            f"{_stamp(endpoint.failing_since)}; the last attempt failed with: {outcome.error}"
        )


def release(session: Session, endpoint_id: UUID, owner: str) -> None:
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def pending_count(session: Session) -> int:
    """Deliveries not made yet, of every endpoint (for metrics and tests)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == PENDING)
        )
        or 0
    )


def prune(session: Session, *, retention: timedelta, now: datetime | None = None) -> int:
    """Delete the events older than `retention` that no endpoint still waits for, with
    their delivery log. Returns how many events."""
    cutoff = (now or utcnow()) - retention
    waiting = exists().where(
        WebhookDelivery.event_id == OutboxEvent.id, WebhookDelivery.status == PENDING
    )
    stale = select(OutboxEvent.id).where(OutboxEvent.occurred < cutoff, ~waiting)
    ids = list(session.scalars(stale.limit(10_000)))
    if not ids:
        return 0
    session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.event_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(OutboxEvent)
        .where(OutboxEvent.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")
