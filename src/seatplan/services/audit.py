"""Audit events with Entra's activity names (Graph's directoryAudit)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast
from uuid import UUID, uuid4

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from seatplan.store.tables import AuditEvent, AuditTarget
from seatplan.store.types import utcnow


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, as Graph's `initiatedBy` says it: a user, or an app (a token)."""

    kind: Literal["user", "app"]
    display_name: str
    id: str | None = None
    user_principal_name: str | None = None

    def initiated_by(self) -> dict[str, Any]:
        if self.kind == "app":
            return {"app": {"appId": self.id, "displayName": self.display_name}}
        return {
            "user": {
                "id": self.id,
                "displayName": self.display_name,
                "userPrincipalName": self.user_principal_name,
            }
        }


#: Background processing, as Entra names it.
SYSTEM = Actor("app", "Group-based licensing")
#: Changes made through the services by a caller that said nothing of who it is.
ADMINISTRATOR = Actor("user", "Seatplan administrator")
#: Key of `Session.info` naming who acts in that session (see `act_as`).
ACTOR_KEY = "seatplan.actor"
#: Key of `Session.info` holding the correlationId of the session's events (see `correlate`).
CORRELATION_KEY = "seatplan.correlation"
#: The service Entra names for directory changes, group-based licensing included.
CORE_DIRECTORY = "Core Directory"


def act_as(session: Session, actor: Actor) -> None:
    """The events recorded in `session` from now on are initiated by `actor`."""
    session.info[ACTOR_KEY] = actor


def correlate(session: Session, correlation_id: UUID) -> None:
    """The events recorded in `session` share `correlation_id` (an API request's id).

    Without it, the events of one session (one transaction: a portal or CLI change, a
    worker's batch) share an id drawn when the first is recorded.
    """
    session.info[CORRELATION_KEY] = correlation_id


class Activity:
    SET_GROUP_LICENSE = "Set group license"
    CHANGE_USER_LICENSE = "Change user license"
    START_GROUP_LICENSING = "Start applying group based license to users"
    FINISH_GROUP_LICENSING = "Finish applying group based license to users"
    REPROCESS_GROUP = "Reprocess group license assignments"
    REPROCESS_USER = "Reprocess user license assignments"
    ADD_USER = "Add user"
    UPDATE_USER = "Update user"
    DELETE_USER = "Delete user"
    ADD_GROUP = "Add group"
    UPDATE_GROUP = "Update group"
    DELETE_GROUP = "Delete group"
    ADD_MEMBER = "Add member to group"
    REMOVE_MEMBER = "Remove member from group"
    UPDATE_ORGANIZATION = "Update company settings"
    UPDATE_SUBSCRIPTION = "Update subscription"
    IMPORT_CATALOG = "Import catalog"
    ADD_ADMINISTRATOR = "Add administrator"
    UPDATE_ADMINISTRATOR = "Update administrator"
    DELETE_ADMINISTRATOR = "Delete administrator"
    ADD_WEBHOOK = "Add webhook endpoint"
    UPDATE_WEBHOOK = "Update webhook endpoint"
    DELETE_WEBHOOK = "Delete webhook endpoint"


def target(kind: str, object_id: UUID | str, name: str | None = None) -> dict[str, Any]:
    """A targetResource: a user's name is its userPrincipalName; groups are Entra groups."""
    found: dict[str, Any] = {"id": str(object_id), "type": kind, "displayName": name}
    if kind == "User":
        found["userPrincipalName"] = name
    elif kind == "Group":
        found["groupType"] = "azureAD"
    return found


def changed(name: str, old: object, new: object) -> dict[str, Any]:
    """A modifiedProperty, its values JSON-encoded as Entra writes an attribute's values:
    a list (`["Sales"]`, `[]` for none); a value already a list or tuple is kept as one."""
    return {"displayName": name, "oldValue": encoded(old), "newValue": encoded(new)}


def encoded(value: object) -> str:
    if value is None:
        items: list[object] = []
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        items = [value]
    return json.dumps(items, default=str, ensure_ascii=False)


def record_update(
    session: Session,
    *,
    activity: str,
    category: str,
    target: dict[str, Any],
    modified: Sequence[dict[str, Any]],
) -> None:
    """Record an update of one object with the properties whose value changed.

    An update may repeat current values; one that changes nothing is no event.
    """
    real = [m for m in modified if m.get("oldValue") != m.get("newValue")]
    if real:
        record(session, activity=activity, category=category, targets=[target], modified=real)


_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))
_INSERT_TARGET = insert(cast(Table, AuditTarget.__table__))


def record(
    session: Session,
    *,
    activity: str,
    category: str,
    targets: Sequence[dict[str, Any]],
    actor: Actor | None = None,
    result: str = "success",
    reason: str = "",
    modified: Sequence[dict[str, Any]] = (),
    operation: str | None = None,
    service: str = CORE_DIRECTORY,
    details: Sequence[tuple[str, str]] = (),
) -> None:
    """Record one event in the session's transaction.

    `operation` is Graph's operationType (Add, Update, Delete, Assign, Unassign…), by
    default the verb the activity starts with; `details` are additionalDetails pairs.
    """
    who = actor or session.info.get(ACTOR_KEY, ADMINISTRATOR)
    correlation = session.info.setdefault(CORRELATION_KEY, uuid4())
    event_id = uuid4()
    # Core inserts of prebuilt statements on the session's connection: audit rows are
    # written in the caller's transaction, never read back (an ORM insert built per event
    # was a third of a user's create, profiled).
    connection = session.connection()
    connection.execute(
        _INSERT_EVENT,
        {
            "id": event_id,
            "activity_date_time": utcnow(),
            "activity_display_name": activity,
            "category": category,
            "initiated_by": who.initiated_by(),
            "target_resources": list(targets),
            "result": result,
            "result_reason": reason,
            "modified_properties": list(modified),
            "correlation_id": correlation,
            "logged_by_service": service,
            "operation_type": operation or operation_of(activity),
            "additional_details": [{"key": key, "value": value} for key, value in details],
            "initiator_user_id": who.id if who.kind == "user" else None,
            "initiator_user_name": who.display_name if who.kind == "user" else None,
            "initiator_upn": who.user_principal_name if who.kind == "user" else None,
            "initiator_app_id": who.id if who.kind == "app" else None,
            "initiator_app_name": who.display_name if who.kind == "app" else None,
        },
    )
    if targets:
        connection.execute(
            _INSERT_TARGET,
            [
                {
                    "event_id": event_id,
                    "position": position,
                    "target_id": item.get("id"),
                    "display_name": item.get("displayName"),
                }
                for position, item in enumerate(targets)
            ],
        )


def record_each(
    session: Session,
    *,
    activity: str,
    category: str,
    targets: Sequence[Sequence[dict[str, Any]]],
    actor: Actor | None = None,
    modified: Sequence[Sequence[dict[str, Any]]] | None = None,
    reasons: Sequence[str] | None = None,
) -> None:
    """Record one event per item of `targets` (each the event's targets, with the same
    item of `modified` if given), as `record` would one by one, with two statements for
    all of them (a rule's thousands of joins, a bulk import's chunk). `reasons`, when
    given, are the events' resultReason, one per item of `targets`."""
    if not targets:
        return
    if reasons is not None and len(reasons) != len(targets):
        raise ValueError("one reason per event")
    who = actor or session.info.get(ACTOR_KEY, ADMINISTRATOR)
    correlation = session.info.setdefault(CORRELATION_KEY, uuid4())
    now = utcnow()
    initiated_by = who.initiated_by()
    operation = operation_of(activity)
    events: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for n, items in enumerate(targets):
        event_id = uuid4()
        events.append(
            {
                "id": event_id,
                "activity_date_time": now,
                "activity_display_name": activity,
                "category": category,
                "initiated_by": initiated_by,
                "target_resources": list(items),
                "result": "success",
                "result_reason": reasons[n] if reasons is not None else "",
                "modified_properties": list(modified[n]) if modified is not None else [],
                "correlation_id": correlation,
                "logged_by_service": CORE_DIRECTORY,
                "operation_type": operation,
                "additional_details": [],
                "initiator_user_id": who.id if who.kind == "user" else None,
                "initiator_user_name": who.display_name if who.kind == "user" else None,
                "initiator_upn": who.user_principal_name if who.kind == "user" else None,
                "initiator_app_id": who.id if who.kind == "app" else None,
                "initiator_app_name": who.display_name if who.kind == "app" else None,
            }
        )
        rows.extend(
            {
                "event_id": event_id,
                "position": position,
                "target_id": item.get("id"),
                "display_name": item.get("displayName"),
            }
            for position, item in enumerate(items)
        )
    session.execute(insert(AuditEvent), events)
    if rows:
        session.execute(insert(AuditTarget), rows)


def operation_of(activity: str) -> str:
    """Graph's operationType for an activity named the Entra way ("Add user", ...)."""
    first = activity.split(" ", 1)[0].lower()
    return {"add": "Add", "delete": "Delete", "remove": "Delete"}.get(first, "Update")
