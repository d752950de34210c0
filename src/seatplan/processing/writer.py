"""Write a batch's outcomes with bulk statements: only the rows that changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.orm import Session

from seatplan.engine import Assignment, UserCase, UserOutcome
from seatplan.services import subscriptions
from seatplan.store import bulk
from seatplan.store.tables import LicenseAssignment
from seatplan.store.types import NIL, utcnow

_TABLE: Table = LicenseAssignment.__table__  # type: ignore[assignment]
_KEY = ("user_id", "sku_id", "source_id")
_CHANGING = ("disabled_plans", "state", "error", "since", "updated")


@dataclass(slots=True)
class WriteSummary:
    seat_changes: dict[UUID, int] = field(default_factory=dict)


def write_outcomes(
    session: Session, cases: Sequence[UserCase], outcomes: Sequence[UserOutcome]
) -> WriteSummary:
    now = utcnow()
    summary = WriteSummary()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    for case, outcome in zip(cases, outcomes, strict=True):
        before = {row.key: row for row in case.held}
        user_id = case.user_id
        for row in outcome.assignments:
            old = before.pop(row.key, None)
            if old is None:
                inserts.append(_values(user_id, row, now))
            elif old != row:
                updates.append(_values(user_id, row, now))
        deletes.extend(
            {"user_id": user_id, "sku_id": sku, "source_id": group or NIL} for sku, group in before
        )
        for sku_id, change in outcome.seat_changes.items():
            summary.seat_changes[sku_id] = summary.seat_changes.get(sku_id, 0) + change

    bulk.insert_many(session, _TABLE, inserts)
    bulk.execute_many(session, _TABLE, keys=_KEY, set_columns=_CHANGING, rows=updates)
    bulk.execute_many(session, _TABLE, keys=_KEY, rows=deletes)
    subscriptions.adjust_seats(session, summary.seat_changes)
    return summary


def _values(user_id: UUID, row: Assignment, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "sku_id": row.sku_id,
        "source_id": row.group_id or NIL,
        "disabled_plans": row.disabled_plans,
        "state": row.state.value,
        "error": row.error.value if row.error else None,
        "since": row.since,
        "updated": now,
    }
