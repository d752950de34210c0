"""The audit log as administrators read it: newest first, filtered, one page at a time."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from seatplan.catalog import Catalog
from seatplan.services import catalog as catalog_service
from seatplan.services.reports.paged import Order, Page
from seatplan.store.tables import AuditEvent


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: UUID
    when: datetime
    activity: str
    category: str
    actor: str
    targets: tuple[str, ...]
    result: str
    reason: str
    modified: tuple[str, ...]
    #: Shared by the events of one request or batch (Graph's correlationId).
    correlation: UUID


def _actor(initiated_by: dict[str, Any]) -> str:
    for kind in ("user", "app"):
        found = initiated_by.get(kind)
        if isinstance(found, dict):
            return str(found.get("displayName") or found.get("userPrincipalName") or kind)
    return ""


def _change(item: dict[str, Any], catalog: Catalog) -> str:
    old, new = _readable(item.get("oldValue")), _readable(item.get("newValue"))
    return _plans_named(f"{item.get('displayName')}: {old or '-'} → {new or '-'}", catalog)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _plans_named(text: str, catalog: Catalog) -> str:
    """Service plans by name (the log keeps their ids, as Entra's does), so that a change
    of disabled plans says which plans."""

    def name(found: re.Match[str]) -> str:
        plan = catalog.plan(UUID(found.group(0)))
        return plan.name if plan else found.group(0)

    return _UUID.sub(name, text)


def _readable(value: str | None) -> str | None:
    """A value as Entra encodes it (a JSON list) shown as its items; older plain text as is."""
    if not value:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, list):
        return ", ".join(str(item) for item in decoded)
    return value


NEWEST_FIRST = Order("when", descending=True)


def activities(session: Session) -> list[str]:
    """The activity names the log holds, for a filter."""
    query = select(AuditEvent.activity_display_name).distinct()
    return sorted(session.scalars(query))


def audit_page(
    session: Session,
    *,
    activity: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
    order: Order = NEWEST_FIRST,
) -> Page[AuditRow]:
    """Events newest first (or in `order`: by "when" or "activity", then date); `target`
    matches a target's name or id, any case."""
    query = select(AuditEvent)
    if activity:
        query = query.where(AuditEvent.activity_display_name == activity)
    if target and target.strip():
        text = target.strip().lower()
        query = query.where(
            func.lower(cast(AuditEvent.target_resources, String)).contains(text, autoescape=True)
        )
    if since is not None:
        query = query.where(AuditEvent.activity_date_time >= since)
    if until is not None:
        query = query.where(AuditEvent.activity_date_time < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    columns = [AuditEvent.activity_date_time, AuditEvent.id]
    if order.key == "activity":
        columns.insert(0, AuditEvent.activity_display_name)
    rows = session.scalars(
        query.order_by(*(c.desc() if order.descending else c for c in columns))
        .offset(offset)
        .limit(limit)
    )
    products = catalog_service.current(session).catalog
    items = tuple(
        AuditRow(
            id=row.id,
            when=row.activity_date_time,
            activity=row.activity_display_name,
            category=row.category,
            actor=_actor(row.initiated_by),
            targets=tuple(str(t.get("displayName") or t.get("id")) for t in row.target_resources),
            result=row.result,
            reason=row.result_reason,
            # `if m`: older versions wrote `{}` for a side of a license change left empty.
            modified=tuple(_change(m, products) for m in row.modified_properties if m),
            correlation=row.correlation_id,
        )
        for row in rows
    )
    return Page(items, total, offset, limit)
