"""Write a batch's outcomes with bulk statements: only the rows that changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from seatplan.engine import Assignment, UserCase, UserOutcome
from seatplan.store.tables import LicenseAssignment, SkuUsage
from seatplan.store.types import NIL, utcnow

_TABLE: Table = LicenseAssignment.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class WriteSummary:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
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
                updates.append(_keyed(_values(user_id, row, now)))
        deletes.extend(
            {"k_user": user_id, "k_sku": sku, "k_source": group or NIL} for sku, group in before
        )
        for sku_id, change in outcome.seat_changes.items():
            summary.seat_changes[sku_id] = summary.seat_changes.get(sku_id, 0) + change

    if inserts:
        session.execute(insert(_TABLE), inserts)
    if updates:
        session.execute(
            update(_TABLE)
            .where(*_by_key())
            .values(
                disabled_plans=bindparam("disabled_plans"),
                state=bindparam("state"),
                error=bindparam("error"),
                since=bindparam("since"),
                updated=bindparam("updated"),
            ),
            updates,
            execution_options={"synchronize_session": False},
        )
    if deletes:
        session.execute(
            delete(_TABLE).where(*_by_key()),
            deletes,
            execution_options={"synchronize_session": False},
        )
    for sku_id, change in sorted(summary.seat_changes.items()):
        if change:
            session.execute(
                update(SkuUsage)
                .where(SkuUsage.sku_id == sku_id)
                .values(consumed_units=SkuUsage.consumed_units + change)
            )
    summary.inserted, summary.updated, summary.deleted = len(inserts), len(updates), len(deletes)
    return summary


def _by_key() -> tuple[Any, ...]:
    return (
        _TABLE.c.user_id == bindparam("k_user"),
        _TABLE.c.sku_id == bindparam("k_sku"),
        _TABLE.c.source_id == bindparam("k_source"),
    )


def _values(user_id: UUID, row: Assignment, now: Any) -> dict[str, Any]:
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


def _keyed(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "k_user": values.pop("user_id"),
        "k_sku": values.pop("sku_id"),
        "k_source": values.pop("source_id"),
        **values,
    }
