"""Audit events with Entra's activity names (Graph's directoryAudit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert
from sqlalchemy.orm import Session

from seatplan.store.tables import AuditEvent
from seatplan.store.types import utcnow

SYSTEM_ACTOR = "Group-based licensing"
ADMIN_ACTOR = "Seatplan administrator"


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


def target(kind: str, object_id: UUID | str, name: str | None = None) -> dict[str, Any]:
    return {"id": str(object_id), "type": kind, "displayName": name}


def changed(name: str, old: object, new: object) -> dict[str, Any]:
    return {"displayName": name, "oldValue": _text(old), "newValue": _text(new)}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def record(
    session: Session,
    *,
    activity: str,
    category: str,
    targets: Sequence[dict[str, Any]],
    actor: str = ADMIN_ACTOR,
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
            initiated_by={"app": {"displayName": actor}}
            if actor == SYSTEM_ACTOR
            else {"user": {"displayName": actor}},
            target_resources=list(targets),
            result=result,
            result_reason=reason,
            modified_properties=list(modified),
        )
    )
