"""Webhook endpoints: register, change, delete; their delivery log; test and redeliver;
the seat alerts that raise `seats.low` events."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seatplan.services import audit, catalog, events, webhook_urls
from seatplan.services.errors import BadRequest, NotFound
from seatplan.services.events import EVERY_TYPE, EventType
from seatplan.services.unset import UNSET, Unset
from seatplan.settings import get_settings
from seatplan.store.tables import (
    Group,
    OutboxEvent,
    SeatAlert,
    WebhookDelivery,
    WebhookEndpoint,
)
from seatplan.store.types import utcnow

STANDARD = "standard"
SLACK = "slack"
TEAMS = "teams"
FORMATS = (STANDARD, SLACK, TEAMS)
#: What an administrator may subscribe to (the test event is sent on request only).
SUBSCRIBABLE = tuple(t.value for t in EventType if t is not EventType.TEST)
#: Deliveries listed at most per page of the log.
MAX_LOG = 500


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


#: The endpoints of Graph subscriptions: managed through `/v1.0/subscriptions` only.
GRAPH_FORMAT = "graph"


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.format != GRAPH_FORMAT)
            .order_by(WebhookEndpoint.created)
        )
    )


def get(session: Session, endpoint_id: UUID) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.format == GRAPH_FORMAT:
        raise NotFound("Webhook endpoint", endpoint_id)
    return endpoint


@dataclass(frozen=True)
class CheckedUrl:
    """A URL `check_url` accepted, which `create` and `update` require.

    Faces check it before they open the write transaction: resolving its host can take
    seconds, and on SQLite the write transaction holds the whole database's lock.
    """

    value: str


def check_url(url: str) -> CheckedUrl:
    """The URL, checked; refused (`BadRequest`) if webhooks may not be sent to it."""
    if len(url) > 2048:
        raise BadRequest("A webhook URL may have at most 2048 characters.")
    webhook_urls.check_url(url, allow_private=get_settings().webhook_allow_private)
    return CheckedUrl(url.strip())


def _types(names: Sequence[str]) -> str:
    if not names:
        raise BadRequest("Name at least one event type (or '*' for every type).")
    for name in names:
        if name != EVERY_TYPE and name not in SUBSCRIBABLE:
            raise BadRequest(
                f"Unknown event type '{name}': use one of {', '.join(SUBSCRIBABLE)} or '*'."
            )
    return " ".join(dict.fromkeys(names))


def _format(name: str) -> str:
    if name not in FORMATS:
        raise BadRequest(f"Unknown format '{name}': use one of {', '.join(FORMATS)}.")
    return name


def _sku(session: Session, ref: str | None) -> UUID | None:
    return None if ref is None else catalog.find_product(session, ref).sku_id


def _group(session: Session, ref: str | UUID | None) -> UUID | None:
    if ref is None:
        return None
    text = str(ref).strip()
    try:
        found = session.get(Group, UUID(text))
    except ValueError:
        found = session.scalars(select(Group).where(Group.display_name == text)).first()
    if found is None:
        raise NotFound("Group", ref)
    return found.id


def create(
    session: Session,
    *,
    url: CheckedUrl,
    event_types: Sequence[str],
    format_: str = STANDARD,
    sku: str | None = None,
    group: str | UUID | None = None,
    description: str = "",
) -> WebhookEndpoint:
    """A new endpoint with a new secret (the caller shows it once)."""
    types, chosen, sku_id, group_id = (
        _types(event_types),
        _format(format_),
        _sku(session, sku),
        _group(session, group),
    )
    endpoint = WebhookEndpoint(
        url=url.value,
        description=description,
        event_types=types,
        format=chosen,
        sku_id=sku_id,
        group_id=group_id,
        secret=new_secret(),
        enabled=True,
        created=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    _audit(session, endpoint, audit.Activity.ADD_WEBHOOK)
    return endpoint


def update(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    url: CheckedUrl | Unset = UNSET,
    event_types: Sequence[str] | Unset = UNSET,
    format_: str | Unset = UNSET,
    sku: str | Unset | None = UNSET,
    group: str | UUID | Unset | None = UNSET,
    description: str | Unset = UNSET,
    enabled: bool | Unset = UNSET,
) -> WebhookEndpoint:
    """Change what is given. Enabling an endpoint starts its retries afresh."""
    if url is not UNSET:
        endpoint.url = url.value
    if event_types is not UNSET:
        endpoint.event_types = _types(event_types)
    if format_ is not UNSET:
        endpoint.format = _format(format_)
    if sku is not UNSET:
        endpoint.sku_id = _sku(session, sku)
    if group is not UNSET:
        endpoint.group_id = _group(session, group)
    if description is not UNSET:
        endpoint.description = description
    if enabled is not UNSET and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_reason = None if enabled else "Disabled by an administrator."
        endpoint.failing_since = None
        endpoint.retry_at = None
    session.flush()
    _audit(session, endpoint, audit.Activity.UPDATE_WEBHOOK)
    return endpoint


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> str:
    endpoint.secret = new_secret()
    session.flush()
    _audit(session, endpoint, audit.Activity.UPDATE_WEBHOOK)
    return endpoint.secret


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log; its events stay."""
    _audit(session, endpoint, audit.Activity.DELETE_WEBHOOK)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.delete(endpoint)
    session.flush()


def _audit(session: Session, endpoint: WebhookEndpoint, activity: str) -> None:
    audit.record(
        session,
        activity=activity,
        category="Webhook",
        targets=[audit.target("WebhookEndpoint", endpoint.id, endpoint.url)],
    )


# -- the delivery log -------------------------------------------------------------------------


def deliveries(
    session: Session, endpoint: WebhookEndpoint, *, top: int = 50, before: int | None = None
) -> list[tuple[WebhookDelivery, OutboxEvent]]:
    """The endpoint's deliveries, newest first; `before`: older than that delivery id."""
    query = (
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(max(1, min(top, MAX_LOG)))
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return [(delivery, event) for delivery, event in session.execute(query)]


def delivery(
    session: Session, endpoint: WebhookEndpoint, delivery_id: int
) -> tuple[WebhookDelivery, OutboxEvent]:
    found = session.execute(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.id == delivery_id)
    ).first()
    if found is None:
        raise NotFound("Delivery", delivery_id)
    return found[0], found[1]


def _queue(session: Session, endpoint: WebhookEndpoint, event: OutboxEvent) -> WebhookDelivery:
    row = WebhookDelivery(
        endpoint_id=endpoint.id, event_id=event.id, status="pending", attempts=0, created=utcnow()
    )
    session.add(row)
    session.flush()
    return row


def redeliver(
    session: Session, endpoint: WebhookEndpoint, delivery_id: int
) -> tuple[WebhookDelivery, OutboxEvent]:
    """Send a delivery's event again (with the same `webhook-id`), after those queued."""
    _, event = delivery(session, endpoint, delivery_id)
    return _queue(session, endpoint, event), event


def send_test(session: Session, endpoint: WebhookEndpoint) -> tuple[WebhookDelivery, OutboxEvent]:
    """Queue a `webhook.test` event for this endpoint alone."""
    event = OutboxEvent(
        message_id=events.new_message_id(),
        type=EventType.TEST.value,
        occurred=utcnow(),
        data={"endpointId": str(endpoint.id)},
    )
    session.add(event)
    session.flush()
    return _queue(session, endpoint, event), event


# -- seat alerts ------------------------------------------------------------------------------


def seat_alerts(session: Session) -> list[tuple[SeatAlert, str]]:
    """Every alert with its product's skuPartNumber."""
    rows = session.scalars(select(SeatAlert).order_by(SeatAlert.sku_id))
    return [(row, catalog.find_product(session, row.sku_id).sku_part_number) for row in rows]


def set_seat_alert(session: Session, *, sku: str, below: int) -> tuple[SeatAlert, str]:
    """`seats.low` when the product's available seats fall under `below`."""
    if below < 1:
        raise BadRequest(f"A seat alert's threshold must be 1 or more, not {below}.")
    product = catalog.find_product(session, sku)
    alert = session.get(SeatAlert, product.sku_id)
    if alert is None:
        alert = SeatAlert(sku_id=product.sku_id, below=below)
        session.add(alert)
    alert.below = below
    session.flush()
    return alert, product.sku_part_number


def clear_seat_alert(session: Session, *, sku: str) -> None:
    product = catalog.find_product(session, sku)
    alert = session.get(SeatAlert, product.sku_id)
    if alert is None:
        raise NotFound("Seat alert", product.sku_part_number)
    session.delete(alert)
    session.flush()
