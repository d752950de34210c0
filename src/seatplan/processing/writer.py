"""Write a batch's outcomes with bulk statements: only the rows that changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.orm import Session

from seatplan.engine import UserCase, UserOutcome
from seatplan.services import assignment_rows, subscriptions
from seatplan.store.types import utcnow


@dataclass(slots=True)
class WriteSummary:
    seat_changes: dict[UUID, int] = field(default_factory=dict)


def write_outcomes(
    session: Session, cases: Sequence[UserCase], outcomes: Sequence[UserOutcome]
) -> WriteSummary:
    summary = WriteSummary()
    changes = assignment_rows.Changes(utcnow())
    for case, outcome in zip(cases, outcomes, strict=True):
        before = {row.key: row for row in case.held}
        user_id = case.user_id
        for row in outcome.assignments:
            old = before.pop(row.key, None)
            if old is None:
                changes.insert(user_id, row)
            elif old != row:
                changes.update(user_id, old, row)
        for old in before.values():
            changes.delete(user_id, old)
        for sku_id, change in outcome.seat_changes.items():
            summary.seat_changes[sku_id] = summary.seat_changes.get(sku_id, 0) + change

    assignment_rows.write(session, changes)
    subscriptions.adjust_seats(session, summary.seat_changes)
    return summary
