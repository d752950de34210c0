"""Events, written in the transaction of the change that causes them (a transactional outbox).

Whoever changes licenses, groups' processing, seats or subscriptions calls `emit` inside
its own write transaction: the event rows, and one delivery row per webhook endpoint that
wants the event, commit with the change or roll back with it. Workers send the
deliveries afterwards (`processing/delivery.py`).

License events are batched: the users of one batch whose license changed the same way
(same product, same source, same error) share an event of up to `USERS_PER_EVENT` users,
so a 100,000-member group makes about a hundred events, not 100,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from seatplan.engine import Assignment, ErrorKind
from seatplan.services import catalog
from seatplan.store.tables import (
    Group,
    OutboxEvent,
    SeatAlert,
    WebhookDelivery,
    WebhookEndpoint,
)
from seatplan.store.types import utcnow

#: Users named by one license event at most.
USERS_PER_EVENT = 1000
#: An endpoint's `events` entry that stands for every type.
EVERY_TYPE = "*"


class EventType(StrEnum):
    LICENSE_ACTIVE = "license.active"
    LICENSE_REMOVED = "license.removed"
    LICENSE_ERROR = "license.error"
    LICENSE_ERROR_RESOLVED = "license.errorResolved"
    GROUP_PROCESSED = "group.processingFinished"
    SEATS_LOW = "seats.low"
    SEATS_EXHAUSTED = "seats.exhausted"
    SUBSCRIPTION_CHANGED = "subscription.changed"
    #: Sent by "send a test event" to one endpoint only.
    TEST = "webhook.test"


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: EventType
    data: dict[str, Any]
    #: The product and the group the event is about: what endpoints' filters look at.
    sku_id: UUID | None = None
    group_id: UUID | None = None


#: (user, the assignment before, the assignment after); None: there was none, or is none.
Transition = tuple[UUID, Assignment | None, Assignment | None]


def emit(session: Session, events: Sequence[NewEvent]) -> list[OutboxEvent]:
    """Write `events` and queue them for every enabled endpoint that wants them."""
    if not events:
        return []
    now = utcnow()
    rows = [
        OutboxEvent(
            message_id=new_message_id(),
            type=event.type.value,
            occurred=now,
            sku_id=event.sku_id,
            group_id=event.group_id,
            data=event.data,
        )
        for event in events
    ]
    session.add_all(rows)
    session.flush()
    # Locked in id order: deliveries of one endpoint get their ids in commit order, which is
    # the order they are sent in.
    endpoints = session.execute(
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.event_types,
            WebhookEndpoint.sku_id,
            WebhookEndpoint.group_id,
        )
        .where(WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)
        .with_for_update()
    ).all()
    deliveries = [
        {"endpoint_id": endpoint_id, "event_id": row.id, "status": "pending", "attempts": 0}
        for endpoint_id, types, sku_id, group_id in endpoints
        for row in rows
        if _wants(types.split(), sku_id, group_id, row)
    ]
    if deliveries:
        session.execute(insert(WebhookDelivery).values(created=now), deliveries)
    return rows


def new_message_id() -> str:
    return f"msg_{uuid4().hex}"


def _wants(types: list[str], sku_id: UUID | None, group_id: UUID | None, row: OutboxEvent) -> bool:
    """An endpoint's filter: the types it asked for; with a product or a group named, only
    the events about that product or group."""
    if EVERY_TYPE not in types and row.type not in types:
        return False
    if sku_id is not None and row.sku_id != sku_id:
        return False
    return group_id is None or row.group_id == group_id


# -- license assignments --------------------------------------------------------------------


def license_changes(session: Session, transitions: Sequence[Transition]) -> None:
    """The events of license assignments that changed, batched by product, source and error."""
    by_kind: dict[tuple[EventType, UUID, UUID | None, ErrorKind | None], list[UUID]] = {}
    for user_id, old, new in transitions:
        for key in _license_events(old, new):
            by_kind.setdefault(key, []).append(user_id)
    if not by_kind:
        return
    names = _group_names(session, {group for _, _, group, _ in by_kind if group is not None})
    products: dict[UUID, dict[str, Any]] = {}
    events: list[NewEvent] = []
    for (kind, sku_id, group_id, error), users in sorted(by_kind.items(), key=_event_order):
        if sku_id not in products:
            products[sku_id] = product_data(session, sku_id)
        source: dict[str, Any] = (
            {"type": "direct"}
            if group_id is None
            else {"type": "group", "id": str(group_id), "displayName": names.get(group_id, "")}
        )
        for start in range(0, len(users), USERS_PER_EVENT):
            chunk = users[start : start + USERS_PER_EVENT]
            data: dict[str, Any] = {"product": products[sku_id], "source": source}
            if error is not None:
                data["error"] = error.value
            data |= {"userCount": len(chunk), "userIds": [str(user) for user in chunk]}
            events.append(NewEvent(kind, data, sku_id=sku_id, group_id=group_id))
    emit(session, events)


def _event_order(item: tuple[tuple[EventType, UUID, UUID | None, ErrorKind | None], Any]) -> str:
    kind, sku_id, group_id, error = item[0]
    return f"{kind}|{sku_id}|{group_id}|{error}"


def _license_events(
    old: Assignment | None, new: Assignment | None
) -> Iterable[tuple[EventType, UUID, UUID | None, ErrorKind | None]]:
    row = new or old
    assert row is not None
    key = (row.sku_id, row.group_id)
    if new is None:
        yield (EventType.LICENSE_REMOVED, *key, old.error if old else None)
        return
    if new.state.applied and not (old is not None and old.state.applied):
        yield (EventType.LICENSE_ACTIVE, *key, None)
    if new.error is not None and (old is None or old.error != new.error):
        yield (EventType.LICENSE_ERROR, *key, new.error)
    elif new.error is None and old is not None and old.error is not None:
        yield (EventType.LICENSE_ERROR_RESOLVED, *key, old.error)


def _group_names(session: Session, group_ids: set[UUID]) -> dict[UUID, str]:
    if not group_ids:
        return {}
    rows = session.execute(select(Group.id, Group.display_name).where(Group.id.in_(group_ids)))
    return dict(rows.all())  # a list of rows: dict() would take a Result for a mapping


def product_data(session: Session, sku_id: UUID) -> dict[str, Any]:
    product = catalog.current(session).catalog.product(str(sku_id))
    return {
        "skuId": str(sku_id),
        "skuPartNumber": product.sku_part_number if product else str(sku_id),
        "displayName": product.display_name if product else str(sku_id),
    }


# -- seats, groups, subscriptions ---------------------------------------------------------


def seats_changed(session: Session, available: Mapping[UUID, tuple[int, int]]) -> None:
    """Events of SKUs whose available seats (before, after) fell under their alert or to 0."""
    falling = {sku: pair for sku, pair in available.items() if pair[1] < pair[0]}
    if not falling:
        return
    alerts = dict(
        session.execute(
            select(SeatAlert.sku_id, SeatAlert.below).where(SeatAlert.sku_id.in_(falling))
        ).all()
    )
    events: list[NewEvent] = []
    for sku_id, (before, after) in sorted(falling.items()):
        below = alerts.get(sku_id)
        data = {"product": product_data(session, sku_id), "available": after}
        if below is not None and after < below <= before:
            events.append(NewEvent(EventType.SEATS_LOW, data | {"below": below}, sku_id=sku_id))
        if after <= 0 < before:
            events.append(NewEvent(EventType.SEATS_EXHAUSTED, data, sku_id=sku_id))
    emit(session, events)


def groups_processed(session: Session, finished: Sequence[tuple[UUID, str, int, int]]) -> None:
    """Groups done processing, each (id, name, users succeeded, users failed): one event
    each, written together."""
    emit(
        session,
        [
            NewEvent(
                EventType.GROUP_PROCESSED,
                {
                    "group": {"id": str(group_id), "displayName": name},
                    "succeeded": succeeded,
                    "failed": failed,
                },
                group_id=group_id,
            )
            for group_id, name, succeeded, failed in finished
        ],
    )


def subscription_changed(
    session: Session,
    *,
    subscription_id: UUID,
    sku_id: UUID,
    before: int | None,
    after: int | None,
) -> None:
    """A subscription created (before None), changed, or deleted (after None)."""
    data = {
        "subscriptionId": str(subscription_id),
        "product": product_data(session, sku_id),
        "change": "created" if before is None else "deleted" if after is None else "updated",
        "previousEnabledUnits": before,
        "enabledUnits": after,
    }
    emit(session, [NewEvent(EventType.SUBSCRIPTION_CHANGED, data, sku_id=sku_id)])
