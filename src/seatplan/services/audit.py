"""Audit events with Entra's activity names (Graph's directoryAudit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID, uuid4

from sqlalchemy import insert
from sqlalchemy.orm import Session

from seatplan.store.tables import AuditEvent
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


def act_as(session: Session, actor: Actor) -> None:
    """The events recorded in `session` from now on are initiated by `actor`."""
    session.info[ACTOR_KEY] = actor


class Activity:
    SET_GROUP_LICENSE = "Set group license"
    CHANGE_USER_LICENSE = "Change user license"
    START_GROUP_LICENSING = "Start applying group based license to users"
    FINISH_GROUP_LICENSING = "Finish applying group based license to users"
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


def target(kind: str, object_id: UUID | str, name: str | None = None) -> dict[str, Any]:
    return {"id": str(object_id), "type": kind, "displayName": name}


def changed(name: str, old: object, new: object) -> dict[str, Any]:
    return {"displayName": name, "oldValue": _text(old), "newValue": _text(new)}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


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
) -> None:
    # A Core insert: audit rows are written in the caller's transaction, never read back.
    session.execute(
        insert(AuditEvent).values(
            id=uuid4(),
            activity_date_time=utcnow(),
            activity_display_name=activity,
            category=category,
            initiated_by=(actor or session.info.get(ACTOR_KEY, ADMINISTRATOR)).initiated_by(),
            target_resources=list(targets),
            result=result,
            result_reason=reason,
            modified_properties=list(modified),
        )
    )
