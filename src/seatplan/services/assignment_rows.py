"""The one owner of a license-assignment row: engine `Assignment` values in, rows out.

The services read and write one user's rows, the worker a batch's rows (reads and writes
in bulk, with `store.bulk`), both through here, so a row means the same thing everywhere. A direct
assignment has no group (None); its column type stores that (`store.types.AssigningGroup`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from seatplan.engine import Assignment, ErrorKind, State
from seatplan.services import changes as change_log
from seatplan.services import events
from seatplan.store import bulk
from seatplan.store.tables import LicenseAssignment

_TABLE: Table = LicenseAssignment.__table__  # type: ignore[assignment]
_KEY = ("user_id", "sku_id", "source_id")
_CHANGING = ("disabled_plans", "state", "error", "since", "updated")
#: The columns an `Assignment` is made of, in its fields' order.
_FIELDS = (
    _TABLE.c.sku_id,
    _TABLE.c.source_id,
    _TABLE.c.disabled_plans,
    _TABLE.c.state,
    _TABLE.c.error,
    _TABLE.c.since,
)


def held(session: Session, user_id: UUID) -> list[Assignment]:
    """The user's recorded license assignments, as the engine sees them."""
    rows = session.execute(select(*_FIELDS).where(_TABLE.c.user_id == user_id))
    return [_assignment(*row) for row in rows]


def held_by_users(session: Session, user_ids: Sequence[UUID]) -> Iterator[tuple[UUID, Assignment]]:
    """(user, assignment) of every recorded assignment of a batch of users, in one query."""
    stmt = select(_TABLE.c.user_id, *_FIELDS).where(bulk.among(session, _TABLE.c.user_id, user_ids))
    for user_id, *fields in bulk.fetch(session, stmt):
        yield user_id, _assignment(*fields)


def _as_int(user_id: UUID) -> int:
    return user_id.int


def _assignment(
    sku_id: UUID,
    group_id: UUID | None,
    disabled: frozenset[UUID],
    state: str,
    error: str | None,
    since: datetime,
) -> Assignment:
    return Assignment(
        sku_id, group_id, disabled, State(state), ErrorKind(error) if error else None, since
    )


@dataclass(slots=True)
class Changes:
    """Rows to insert, update and delete, written by `write` with one statement each.

    Each change names the row before it, so that `write` records the events of the
    changes in the same transaction (`services.events`).
    """

    now: datetime
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[events.Transition] = field(default_factory=list)

    def insert(self, user_id: UUID, row: Assignment) -> None:
        self.inserts.append(self._values(user_id, row))
        self.transitions.append((user_id, None, row))

    def update(self, user_id: UUID, old: Assignment, row: Assignment) -> None:
        self.updates.append(self._values(user_id, row))
        self.transitions.append((user_id, old, row))

    def delete(self, user_id: UUID, old: Assignment) -> None:
        """Delete the user's row `old`."""
        self.deletes.append({"user_id": user_id, "sku_id": old.sku_id, "source_id": old.group_id})
        self.transitions.append((user_id, old, None))

    def _values(self, user_id: UUID, row: Assignment) -> dict[str, Any]:
        return {
            "user_id": user_id,
            "sku_id": row.sku_id,
            "source_id": row.group_id,
            "disabled_plans": row.disabled_plans,
            "state": row.state.value,
            "error": row.error.value if row.error else None,
            "since": row.since,
            "updated": self.now,
        }


def write(session: Session, changes: Changes) -> None:
    """Write the rows, record their users' license changes in the change log, and their
    events."""
    write_rows(session, changes)
    events.license_changes(session, changes.transitions)


def write_rows(session: Session, changes: Changes) -> None:
    """The rows and the change log, not the events: nothing another writer's transaction
    also locks (events lock the webhook endpoints), so a worker's batch writes them
    before its turn to take seats (`processing.batch`)."""
    bulk.insert_many(session, _TABLE, changes.inserts)
    bulk.execute_many(session, _TABLE, keys=_KEY, set_columns=_CHANGING, rows=changes.updates)
    bulk.execute_many(session, _TABLE, keys=_KEY, rows=changes.deletes)
    written = (changes.inserts, changes.updates, changes.deletes)
    users = {row["user_id"] for rows in written for row in rows}
    # Sorted by their integers: the order of the ids, compared in C.
    change_log.licenses_changed(session, sorted(users, key=_as_int))
