"""Write a batch's outcomes with bulk statements: only the rows that changed (`write_rows`),
then, in the batch's turn, their events and seats (`take_seats`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.orm import Session

from seatplan.engine import UserCase, UserOutcome
from seatplan.services import assignment_rows, events, subscriptions
from seatplan.store.types import utcnow


@dataclass(slots=True)
class WriteSummary:
    seat_changes: dict[UUID, int] = field(default_factory=dict)
    transitions: list[events.Transition] = field(default_factory=list)


def take_seats(session: Session, summary: WriteSummary) -> None:
    """The license events and the seat counters of the rows `write_rows` wrote. The
    caller holds the counters' row locks (`batch.seat_pool(lock=True)`)."""
    events.license_changes(session, summary.transitions)
    subscriptions.adjust_seats(session, summary.seat_changes)


def write_rows(
    session: Session, cases: Sequence[UserCase], outcomes: Sequence[UserOutcome]
) -> WriteSummary:
    """The rows that changed and the change log; the seats and events are left to
    `take_seats`."""
    summary = WriteSummary()
    changes = assignment_rows.Changes(utcnow())
    for case, outcome in zip(cases, outcomes, strict=True):
        user_id = case.user_id
        if not case.held:
            # Nothing recorded yet (new members): every row is new.
            for row in outcome.assignments:
                changes.insert(user_id, row)
        else:
            _compare(changes, user_id, case, outcome)
        for sku_id, change in outcome.seat_changes.items():
            summary.seat_changes[sku_id] = summary.seat_changes.get(sku_id, 0) + change

    assignment_rows.write_rows(session, changes)
    summary.transitions = changes.transitions
    return summary


def _compare(
    changes: assignment_rows.Changes, user_id: UUID, case: UserCase, outcome: UserOutcome
) -> None:
    """The rows of `outcome` against those `case` held: inserts, updates and deletes."""
    before = {row.key: row for row in case.held}
    for row in outcome.assignments:
        old = before.pop(row.key, None)
        if old is None:
            changes.insert(user_id, row)
        elif old != row:
            changes.update(user_id, old, row)
    for old in before.values():
        changes.delete(user_id, old)
