"""The change log of the directory: users, groups and group members.

Every change is recorded in the transaction that makes it, so a reader sees a change
exactly when it sees the change itself: never one that rolled back, never one missed.
Delta queries (`/users/delta`, `/groups/delta`) and change notifications read it.

Recording, one place per kind of change:

- users, groups, memberships and group licenses changed through the ORM (every service
  does so) are recorded when the session flushes (`_record_flushed`, an `after_flush`
  listener on every session), with the Graph names of the properties an update changed;
- license assignments, written in bulk (the worker, a direct assignLicense), by
  `assignment_rows.write` with `licenses_changed` (one `INSERT … SELECT` per batch);
- what services change with Core statements, where they do it: a deleted user's
  and group's memberships (`memberships_ending`), the worker's licenseProcessingState (`record`).

Reading: a `Cursor` is where a reader stands. `current` takes one; `between(since,
until)` gives the changes committed after `since` and up to `until`, exactly once over
consecutive windows; `since(cursor)` is both for a reader that just follows the log.

Why this is exact with concurrent writers. On SQLite one transaction writes at a time, so
`seq` grows in commit order and a cursor is the last `seq` seen. On PostgreSQL a sequence
does not: a transaction may take seq 7 and commit after another took 8, and a reader that
saw 8 would skip 7 for ever. So each row keeps its transaction's id (`txid`), and a cursor
is a PostgreSQL snapshot (`pg_current_snapshot()`): the transactions it counts as
committed are those below its `xmax` and not in its in-progress list. The rows after a
cursor are those of transactions it did not count; a later cursor counts them once they
have committed. No writer waits for another.

Retention: rows older than `RETENTION` plus a day are pruned (`prune`, by the worker);
a delta token older than `RETENTION` is refused (Graph keeps directory tokens 7 days).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session, UOWTransaction

from seatplan.store import bulk, dialects
from seatplan.store.tables import DirectoryChange, Group, GroupLicense, Membership, User
from seatplan.store.types import UtcDateTime, utcnow

Kind = Literal["user", "group", "member"]
USER: Kind = "user"
GROUP: Kind = "group"
MEMBER: Kind = "member"

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"
ADDED = "added"
REMOVED = "removed"

#: How long a delta token stays valid (Graph's limit for directory objects).
RETENTION = timedelta(days=7)
#: Rows are kept this much longer than tokens: a transaction that recorded a change
#: before a token was issued may commit after it.
_MARGIN = timedelta(days=1)

#: The Graph properties a license-assignment change alters.
LICENSE_PROPERTIES = ("assignedLicenses", "licenseAssignmentStates")

_TABLE: Table = DirectoryChange.__table__  # type: ignore[assignment]
#: Columns that are not Graph properties (search words are derived from a property that
#: is tracked itself); the others are named in camelCase, or as `_RENAMED` says.
_INTERNAL = frozenset(
    {
        "id",
        "upn_key",
        "run_succeeded",
        "run_failed",
        "display_name_words",
        "description_words",
        "rule_cursor",
        "rule_joined",
        "rule_left",
        # SCIM's own attributes, which Seatplan's Graph surface does not offer.
        "external_id",
        "cost_center",
        "division",
        "manager_id",
    }
)
_RENAMED = {
    "created": "createdDateTime",
    "processing_state": "licenseProcessingState",
    "extension_attributes": "onPremisesExtensionAttributes",
    "rule_status": "membershipRuleProcessingStatus",
    "rule_updated": "membershipRuleProcessingStatus",
    "rule_error": "membershipRuleProcessingStatus",
}


# -- recording ------------------------------------------------------------------------


def _txid(session: Session) -> ColumnElement[Any]:
    """The writing transaction's id on PostgreSQL (see the module's docstring)."""
    if dialects.is_postgres(session):
        return literal_column("pg_current_xact_id()::text::bigint")
    return null()


def _row(
    kind: Kind,
    object_id: UUID,
    change: str,
    *,
    member_id: UUID | None = None,
    properties: Iterable[str] = (),
) -> dict[str, Any]:
    return {
        "kind": kind,
        "object_id": object_id,
        "member_id": member_id,
        "change": change,
        "properties": ",".join(sorted(properties)) or None,
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        now = utcnow()
        statement = insert(_TABLE).values(txid=_txid(session))
        session.connection().execute(statement, [{"recorded_at": now, **row} for row in rows])


def record(
    session: Session,
    kind: Kind,
    object_ids: Sequence[UUID],
    change: str,
    *,
    properties: Iterable[str] = (),
) -> None:
    """Record one change of each object (for writes made with Core statements)."""
    names = tuple(properties)
    _insert(session, [_row(kind, oid, change, properties=names) for oid in object_ids])


def members_added(session: Session, group_id: UUID, user_ids: Sequence[UUID]) -> None:
    """Users joined a group through a Core insert (`services.membership`)."""
    _insert(session, [_row(MEMBER, group_id, ADDED, member_id=uid) for uid in user_ids])


def licenses_changed(session: Session, user_ids: Sequence[UUID]) -> None:
    """The users' license assignments changed: one `INSERT … SELECT` for all of them."""
    if not user_ids:
        return
    rows = select(
        _txid(session),
        literal(utcnow(), UtcDateTime()),
        literal(USER),
        bulk.each_id(session, user_ids),
        literal(UPDATED),
        literal(",".join(LICENSE_PROPERTIES)),
    )
    columns = ["txid", "recorded_at", "kind", "object_id", "change", "properties"]
    session.connection().execute(insert(_TABLE).from_select(columns, rows))


def memberships_ending(session: Session, where: ColumnElement[bool]) -> None:
    """The memberships `where` selects are about to be deleted with a Core statement (a
    deleted user's, a deleted group's): a removal each, with one `INSERT … SELECT`."""
    rows = select(
        _txid(session),
        literal(utcnow(), UtcDateTime()),
        literal(MEMBER),
        Membership.group_id,
        Membership.user_id,
        literal(REMOVED),
    ).where(where)
    columns = ["txid", "recorded_at", "kind", "object_id", "member_id", "change"]
    session.connection().execute(insert(_TABLE).from_select(columns, rows))


def graph_name(attribute: str) -> str | None:
    """The Graph property of a column of `User` or `Group`; None for an internal one."""
    if attribute in _INTERNAL:
        return None
    if attribute in _RENAMED:
        return _RENAMED[attribute]
    head, *rest = attribute.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _changed_properties(entity: object) -> list[str]:
    state = inspect(entity)
    names = []
    for attribute in state.mapper.column_attrs:
        if state.attrs[attribute.key].history.has_changes():
            name = graph_name(attribute.key)
            if name is not None and name not in names:
                names.append(name)
    return names


def _flushed_rows(session: Session) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for entity in session.new:
        if isinstance(entity, User):
            rows.append(_row(USER, entity.id, CREATED))
        elif isinstance(entity, Group):
            rows.append(_row(GROUP, entity.id, CREATED))
        elif isinstance(entity, Membership):
            rows.append(_row(MEMBER, entity.group_id, ADDED, member_id=entity.user_id))
        elif isinstance(entity, GroupLicense):
            rows.append(_row(GROUP, entity.group_id, UPDATED, properties=["assignedLicenses"]))
    for entity in session.dirty:
        if isinstance(entity, User | Group) and (names := _changed_properties(entity)):
            kind = USER if isinstance(entity, User) else GROUP
            rows.append(_row(kind, entity.id, UPDATED, properties=names))
        elif isinstance(entity, GroupLicense) and _changed_properties(entity):
            rows.append(_row(GROUP, entity.group_id, UPDATED, properties=["assignedLicenses"]))
    for entity in session.deleted:
        if isinstance(entity, User):
            rows.append(_row(USER, entity.id, DELETED))
        elif isinstance(entity, Group):
            rows.append(_row(GROUP, entity.id, DELETED))
        elif isinstance(entity, Membership):
            rows.append(_row(MEMBER, entity.group_id, REMOVED, member_id=entity.user_id))
        elif isinstance(entity, GroupLicense):
            rows.append(_row(GROUP, entity.group_id, UPDATED, properties=["assignedLicenses"]))
    return rows


@event.listens_for(Session, "after_flush")
def _record_flushed(session: Session, _context: UOWTransaction) -> None:
    """Record what the flush wrote (ids are set now; the changes' history is still there)."""
    _insert(session, _flushed_rows(session))


# -- reading --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """A point in the change log: the changes committed before it are behind the reader.

    `seq` is the largest seq committed at that point. On PostgreSQL the cursor is also a
    snapshot: transactions below `xmin` had ended, those from `xmax` on had not begun,
    `in_progress` had begun and not committed.
    """

    seq: int
    xmin: int | None = None
    xmax: int | None = None
    in_progress: tuple[int, ...] = ()

    def __str__(self) -> str:
        if self.xmax is None:
            return str(self.seq)
        running = ",".join(map(str, self.in_progress))
        return f"{self.seq}:{self.xmin}:{self.xmax}:{running}"

    @classmethod
    def parse(cls, value: str) -> Cursor:
        """The cursor `str(cursor)` wrote; ValueError when it is not one."""
        if re.fullmatch(r"[0-9]{1,19}", value):
            return cls(int(value))
        match = re.fullmatch(r"([0-9]{1,19}):([0-9]{1,19}):([0-9]{1,19}):([0-9,]*)", value)
        if match is None:
            raise ValueError("not a change log cursor")
        seq, xmin, xmax, running = match.groups()
        in_progress = tuple(int(x) for x in running.split(",") if x)
        return cls(int(seq), int(xmin), int(xmax), in_progress)


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    kind: Kind
    object_id: UUID
    member_id: UUID | None
    change: str
    properties: frozenset[str]
    recorded_at: datetime


def current(session: Session) -> Cursor:
    """Where the log stands now: every change committed so far is behind this cursor."""
    latest = select(func.coalesce(func.max(DirectoryChange.seq), 0)).scalar_subquery()
    if not dialects.is_postgres(session):
        return Cursor(int(session.scalar(select(latest)) or 0))
    # One statement, one snapshot: the largest seq it sees and the snapshot itself.
    row = session.execute(select(latest, literal_column("pg_current_snapshot()::text"))).one()
    xmin, xmax, running = str(row[1]).split(":")
    in_progress = tuple(sorted(int(x) for x in running.split(",") if x))
    return Cursor(int(row[0]), int(xmin), int(xmax), in_progress)


def _window(since: Cursor, until: Cursor) -> ColumnElement[bool]:
    """The rows committed after `since` and up to `until`."""
    seq = DirectoryChange.seq
    if until.xmax is None or since.xmax is None:
        return and_(seq > since.seq, seq <= until.seq)
    txid = DirectoryChange.txid
    not_seen = or_(txid >= since.xmax, txid.in_(since.in_progress))
    seen_now = and_(txid < until.xmax, txid.not_in(until.in_progress))
    # `txid >= xmin` and `seq <= until.seq` follow from the others: bounds for the indexes.
    assert since.xmin is not None
    return and_(txid >= since.xmin, seq <= until.seq, not_seen, seen_now)


def between(
    session: Session,
    since: Cursor,
    until: Cursor,
    *,
    kinds: Sequence[Kind] = (USER, GROUP, MEMBER),
    object_ids: Sequence[UUID] | None = None,
    after_seq: int = 0,
    limit: int | None = None,
) -> list[Change]:
    """The changes committed after `since` and up to `until`, in seq order.

    `after_seq` and `limit` page through a window (seq is unique); `object_ids` keeps
    the changes of those objects only.
    """
    statement = (
        select(DirectoryChange)
        .where(_window(since, until), DirectoryChange.seq > after_seq)
        .where(DirectoryChange.kind.in_(kinds))
        .order_by(DirectoryChange.seq)
        .limit(limit)
    )
    if object_ids is not None:
        statement = statement.where(DirectoryChange.object_id.in_(object_ids))
    return [
        Change(
            row.seq,
            row.kind,  # type: ignore[arg-type]
            row.object_id,
            row.member_id,
            row.change,
            frozenset(row.properties.split(",")) if row.properties else frozenset(),
            row.recorded_at,
        )
        for row in session.scalars(statement)
    ]


def since(session: Session, cursor: Cursor) -> tuple[list[Change], Cursor]:
    """Every change committed after `cursor`, and the cursor to read from next time."""
    now = current(session)
    return between(session, cursor, now), now


def prune(session: Session, *, now: datetime | None = None) -> int:
    """Delete the rows no valid token can need any more. Returns how many."""
    cutoff = (now or utcnow()) - RETENTION - _MARGIN
    old = delete(DirectoryChange).where(DirectoryChange.recorded_at < cutoff)
    result = session.execute(old.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
