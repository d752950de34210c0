"""Webhook endpoints, their deliveries and seat alerts, as the admin API and the command
line show them."""

from __future__ import annotations

from typing import Any

from pydantic import with_config
from typing_extensions import TypedDict

from seatplan.shapes.values import EXACT, DateTime, Guid, maybe_when, when
from seatplan.store.tables import OutboxEvent, SeatAlert, WebhookDelivery, WebhookEndpoint


@with_config(EXACT)
class Endpoint(TypedDict):
    id: Guid
    url: str
    description: str
    #: Event types, or `*` for every type.
    events: list[str]
    #: Only events about this product (skuId), or every product.
    skuId: Guid | None
    #: Only events about this group, or every group.
    groupId: Guid | None
    #: standard, slack or teams.
    format: str
    enabled: bool
    #: Why the endpoint was disabled (a day of failed deliveries, or an administrator).
    disabledReason: str | None
    #: The first failed attempt since the last success.
    failingSinceDateTime: DateTime | None
    createdDateTime: DateTime


@with_config(EXACT)
class CreatedEndpoint(Endpoint):
    #: The signing secret (Standard Webhooks `whsec_…`): shown in this answer only.
    secret: str


@with_config(EXACT)
class Secret(TypedDict):
    secret: str


@with_config(EXACT)
class Delivery(TypedDict):
    id: int
    #: The `webhook-id` header: the receiver's idempotency key, the same on every attempt.
    webhookId: str
    eventType: str
    eventDateTime: DateTime
    #: pending (not delivered yet: waiting or retrying) or succeeded.
    status: str
    attempts: int
    lastAttemptDateTime: DateTime | None
    deliveredDateTime: DateTime | None
    #: The HTTP status of the last answer (none when there was no answer).
    responseStatus: int | None
    responseMilliseconds: int | None
    error: str | None
    #: The event's data (the body's `data` in the standard format).
    data: dict[str, Any]


@with_config(EXACT)
class SeatAlertShape(TypedDict):
    skuId: Guid
    skuPartNumber: str
    #: A `seats.low` event when the available seats fall under this number.
    below: int


def endpoint(row: WebhookEndpoint) -> Endpoint:
    return {
        "id": str(row.id),
        "url": row.url,
        "description": row.description,
        "events": row.event_types.split(),
        "skuId": str(row.sku_id) if row.sku_id else None,
        "groupId": str(row.group_id) if row.group_id else None,
        "format": row.format,
        "enabled": row.enabled,
        "disabledReason": row.disabled_reason,
        "failingSinceDateTime": maybe_when(row.failing_since),
        "createdDateTime": when(row.created),
    }


def created_endpoint(row: WebhookEndpoint) -> CreatedEndpoint:
    return {**endpoint(row), "secret": row.secret}


def delivery(row: WebhookDelivery, event: OutboxEvent) -> Delivery:
    return {
        "id": row.id,
        "webhookId": event.message_id,
        "eventType": event.type,
        "eventDateTime": when(event.occurred),
        "status": row.status,
        "attempts": row.attempts,
        "lastAttemptDateTime": maybe_when(row.last_attempt),
        "deliveredDateTime": maybe_when(row.delivered),
        "responseStatus": row.response_status,
        "responseMilliseconds": row.response_ms,
        "error": row.error,
        "data": dict(event.data),
    }


def seat_alert(row: SeatAlert, sku_part_number: str) -> SeatAlertShape:
    return {"skuId": str(row.sku_id), "skuPartNumber": sku_part_number, "below": row.below}
