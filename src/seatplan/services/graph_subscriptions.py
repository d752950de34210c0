"""Microsoft Graph change notifications: subscriptions, and the notifications made from
the directory's change log (`services.changes`).

A subscription watches `users`, `groups` or `groups/{id}/members` for the change types it
names. Its notifications travel like webhook deliveries (`services.outbox`, sent by the
workers, retried, in order), through an endpoint of its own that the admin API does not
list (format `graph`).

`notify` follows the change log with one cursor (`notification_cursor`): in one write
transaction it reads the changes committed since the cursor, queues a notification
per change and subscription that wants it, and moves the cursor. A worker that dies
before committing leaves the cursor where it was, so no change is skipped and none is
notified twice; two workers take turns on the cursor's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seatplan.services import changes as change_log
from seatplan.services import events, webhooks
from seatplan.services.errors import BadRequest, NotFound
from seatplan.store.tables import (
    GraphSubscription,
    Group,
    NotificationCursor,
    Organization,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from seatplan.store.types import utcnow

#: Graph's longest subscription to users, groups and other directory resources.
MAX_MINUTES = 41760
CHANGE_TYPES = ("created", "updated", "deleted")
#: The format of a subscription's own endpoint: the body is Graph's `{"value": [...]}`.
GRAPH_FORMAT = webhooks.GRAPH_FORMAT
#: Notifications sent in one request at most (Graph sends several in one `value` too).
PER_REQUEST = 100
CURSOR = "graph"
NOTIFICATION = "graph.notification"


class SubscriptionError(BadRequest):
    """Refused as Graph refuses it: with Graph's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Watched:
    """What a subscription's resource names: all users, all groups, or one group's members."""

    kind: str  # "users", "groups", "members"
    group_id: UUID | None = None


def parse_resource(session: Session, resource: str) -> tuple[str, Watched]:
    """The resource as stored, and what it watches; `SubscriptionError` when unsupported."""
    text = resource.strip().strip("/")
    parts = text.split("/")
    if len(parts) == 1 and parts[0].lower() in ("users", "groups"):
        return parts[0].lower(), Watched(parts[0].lower())
    if len(parts) == 3 and parts[0].lower() == "groups" and parts[2].lower() == "members":
        try:
            group_id = UUID(parts[1])
        except ValueError:
            group_id = None
        if group_id is None or session.get(Group, group_id) is None:
            raise SubscriptionError(
                "ResourceNotFound",
                f"Resource '{resource}' does not exist or one of its "
                "queried reference-property objects are not present.",
            )
        return f"groups/{group_id}/members", Watched("members", group_id)
    raise SubscriptionError(
        "InvalidRequest",
        f"Resource '{resource}' is not supported: subscribe to users, groups or "
        "groups/{id}/members.",
    )


def parse_change_types(value: str) -> str:
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names or any(name not in CHANGE_TYPES for name in names):
        raise SubscriptionError(
            "InvalidRequest",
            f"Invalid changeType '{value}': use created, updated or deleted, comma-separated.",
        )
    return ",".join(dict.fromkeys(names))


def check_expiration(value: datetime, *, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    if value <= now:
        raise SubscriptionError(
            "InvalidRequest", "Subscription expiration date time must be in the future."
        )
    if value > now + timedelta(minutes=MAX_MINUTES):
        raise SubscriptionError(
            "ExtensionError",
            f"Subscription expiration can only be {MAX_MINUTES} minutes in the future.",
        )
    return value


def create(
    session: Session,
    *,
    resource: str,
    change_type: str,
    notification_url: str,
    expiration: datetime,
    client_state: str | None,
    creator: str | None,
    lifecycle_notification_url: str | None = None,
    latest_supported_tls_version: str | None = None,
) -> GraphSubscription:
    """A subscription (its URL already validated by the caller's handshake)."""
    stored, _ = parse_resource(session, resource)
    types = parse_change_types(change_type)
    check_expiration(expiration)
    endpoint = WebhookEndpoint(
        url=notification_url,
        description="Microsoft Graph subscription",
        event_types="",  # never matched by `events.emit`: the notifier queues for it
        format=GRAPH_FORMAT,
        secret=webhooks.new_secret(),
        enabled=True,
        created=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    if session.scalar(select(GraphSubscription.id).limit(1)) is None:
        _start_cursor(session)
    row = GraphSubscription(
        id=uuid4(),
        resource=stored,
        change_type=types,
        notification_url=notification_url,
        lifecycle_notification_url=lifecycle_notification_url,
        client_state=client_state,
        expiration=expiration,
        creator_id=creator,
        latest_supported_tls_version=latest_supported_tls_version or "v1_2",
        endpoint_id=endpoint.id,
        created=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _start_cursor(session: Session) -> None:
    """The first subscription: notifications start from the changes committed from now on."""
    found = session.get(NotificationCursor, CURSOR, with_for_update=True)
    position = str(change_log.current(session))
    if found is None:
        session.add(NotificationCursor(name=CURSOR, position=position))
    else:
        found.position = position
    session.flush()


def get(session: Session, subscription_id: str, *, creator: str | None = None) -> GraphSubscription:
    """An active subscription; with `creator`, only one that this token created."""
    try:
        found = session.get(GraphSubscription, UUID(subscription_id))
    except ValueError:
        found = None
    if (
        found is None
        or found.expiration <= utcnow()
        or (creator is not None and found.creator_id != creator)
    ):
        raise NotFound("Subscription", subscription_id)
    return found


def list_active(session: Session, *, creator: str | None = None) -> list[GraphSubscription]:
    """Active subscriptions, oldest first; with `creator`, only those this token created."""
    query = select(GraphSubscription).where(GraphSubscription.expiration > utcnow())
    if creator is not None:
        query = query.where(GraphSubscription.creator_id == creator)
    return list(session.scalars(query.order_by(GraphSubscription.created)))


def renew(session: Session, row: GraphSubscription, *, expiration: datetime) -> GraphSubscription:
    row.expiration = check_expiration(expiration)
    session.flush()
    return row


def delete_subscription(session: Session, row: GraphSubscription) -> None:
    endpoint_id = row.endpoint_id
    session.delete(row)
    session.flush()
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
    session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))


# -- notifications ---------------------------------------------------------------------------


def anything_to_notify(session: Session) -> bool:
    """A read: are there subscriptions, and changes committed since the cursor?"""
    if session.scalar(select(GraphSubscription.id).limit(1)) is None:
        return False
    found = session.get(NotificationCursor, CURSOR)
    if found is None:
        return True
    cursor = change_log.Cursor.parse(found.position)
    return bool(change_log.between(session, cursor, change_log.current(session), limit=1))


def notify(session: Session) -> int:
    """Queue the notifications of the changes committed since the cursor; move it.

    Also deletes the subscriptions that expired (Graph deletes them). Returns how many
    notifications were queued.
    """
    now = utcnow()
    for expired in session.scalars(
        select(GraphSubscription).where(GraphSubscription.expiration <= now)
    ):
        delete_subscription(session, expired)
    found = session.get(NotificationCursor, CURSOR, with_for_update=True)
    if found is None:
        _start_cursor(session)
        return 0
    changes, position = change_log.since(session, change_log.Cursor.parse(found.position))
    found.position = str(position)
    subscriptions = list_active(session)
    if not changes or not subscriptions:
        return 0
    tenant = str(session.scalar(select(Organization.id)))
    queued = 0
    for sub in subscriptions:
        _, watched = parse_resource(session, sub.resource)
        wanted = set(sub.change_type.split(","))
        items = [
            item
            for change in changes
            if sub.created <= change.recorded_at
            for item in _notifications(sub, watched, wanted, change, tenant)
        ]
        for start in range(0, len(items), PER_REQUEST):
            _queue(session, sub, items[start : start + PER_REQUEST])
        queued += len(items)
    return queued


def _queue(session: Session, sub: GraphSubscription, items: list[dict[str, Any]]) -> None:
    event = OutboxEvent(
        message_id=events.new_message_id(),
        type=NOTIFICATION,
        occurred=utcnow(),
        data={"value": items},
    )
    session.add(event)
    session.flush()
    session.add(
        WebhookDelivery(
            endpoint_id=sub.endpoint_id,
            event_id=event.id,
            status="pending",
            attempts=0,
            created=utcnow(),
        )
    )
    session.flush()


_TYPES = {
    "users": ("Users", "#Microsoft.Graph.User"),
    "groups": ("Groups", "#Microsoft.Graph.Group"),
}


def _notifications(
    sub: GraphSubscription,
    watched: Watched,
    wanted: set[str],
    change: change_log.Change,
    tenant: str,
) -> list[dict[str, Any]]:
    """The notifications `sub` gets for `change`: none, or one."""
    if watched.kind == "users" and change.kind == change_log.USER:
        change_type = change.change
        path, odata_type, object_id = *_TYPES["users"], change.object_id
        extra: dict[str, Any] = {}
    elif watched.kind == "groups" and change.kind == change_log.GROUP:
        change_type = change.change
        path, odata_type, object_id = *_TYPES["groups"], change.object_id
        extra = {}
    elif watched.kind == "groups" and change.kind == change_log.MEMBER:
        # A group's members changed: the group is updated (with the member, as Graph's
        # `members@delta` says it).
        change_type = change_log.UPDATED
        path, odata_type, object_id = *_TYPES["groups"], change.object_id
        member: dict[str, Any] = {"id": str(change.member_id)}
        if change.change == change_log.REMOVED:
            member["@removed"] = {"reason": "deleted"}
        extra = {"members@delta": [member]}
    elif (
        watched.kind == "members"
        and change.kind == change_log.MEMBER
        and change.object_id == watched.group_id
    ):
        change_type = "created" if change.change == change_log.ADDED else "deleted"
        resource = f"Groups/{change.object_id}/members/{change.member_id}"
        return (
            [
                _item(
                    sub,
                    change,
                    change_type,
                    resource,
                    {
                        "@odata.type": _TYPES["users"][1],
                        "@odata.id": f"Users/{change.member_id}",
                        "id": str(change.member_id),
                        "organizationId": tenant,
                    },
                    tenant,
                )
            ]
            if change_type in wanted
            else []
        )
    else:
        return []
    if change_type not in wanted:
        return []
    resource = f"{path}/{object_id}"
    data = {
        "@odata.type": odata_type,
        "@odata.id": resource,
        "id": str(object_id),
        "organizationId": tenant,
        **extra,
    }
    return [_item(sub, change, change_type, resource, data, tenant)]


def _item(
    sub: GraphSubscription,
    change: change_log.Change,
    change_type: str,
    resource: str,
    data: dict[str, Any],
    tenant: str,
) -> dict[str, Any]:
    return {
        "id": f"{sub.id.hex[:8]}-{change.seq}",
        "subscriptionId": str(sub.id),
        "subscriptionExpirationDateTime": sub.expiration.isoformat().replace("+00:00", "Z"),
        "changeType": change_type,
        "resource": resource,
        "resourceData": data,
        "clientState": sub.client_state,
        "tenantId": tenant,
    }
