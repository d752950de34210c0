"""The queue of users to evaluate again, and the processing state of their groups.

Every change that can alter a user's outcome calls one of these in its own transaction,
so the intent to re-evaluate is committed with the change itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from seatplan.services import nesting
from seatplan.store import dialects
from seatplan.store.tables import (
    Group,
    GroupLicense,
    LicenseAssignment,
    Membership,
    QueuedUser,
    User,
)
from seatplan.store.types import utcnow

QUEUED = "QueuedForProcessing"
IN_PROGRESS = "ProcessingInProgress"
COMPLETE = "ProcessingComplete"


_QUEUE: Table = QueuedUser.__table__  # type: ignore[assignment]


def _insert_queue(session: Session, rows: Select[*tuple[Any, ...]]) -> None:
    """INSERT … SELECT (user id, priority, now) into the queue.

    A user already queued keeps the oldest priority, so nobody loses their place.
    """
    columns = ["user_id", "priority", "enqueued_at"]
    # In key order the queue's B-tree grows at its end; in the order a scan happens to
    # find them (a whole group's members) every row lands on a random page: 3x slower.
    rows = rows.order_by(rows.selected_columns[0])
    insert = dialects.insert_from_select(session, _QUEUE, columns, rows)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"priority": dialects.Least(_QUEUE.c.priority, insert.excluded.priority)},
        )
    )


def enqueue_users(
    session: Session, user_ids: Iterable[UUID], *, priority: datetime | None = None
) -> None:
    ids = sorted(set(user_ids))
    if not ids:
        return
    now = utcnow()
    when = priority or now
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = select(User.id, literal(when), literal(now)).where(User.id.in_(chunk))
        _insert_queue(session, rows)
    mark_groups_of_users_queued(session, ids)


def enqueue_selected(
    session: Session, user_ids: Select[UUID], groups: Select[UUID] | None = None
) -> None:
    """Queue the users a statement selects with one `INSERT … SELECT` (a setting that
    affects many), and mark `groups` queued."""
    now = utcnow()
    _insert_queue(session, select(User.id, literal(now), literal(now)).where(User.id.in_(user_ids)))
    if groups is not None:
        session.execute(
            update(Group)
            .where(Group.id.in_(groups), Group.processing_state == COMPLETE)
            .values(processing_state=QUEUED)
        )


def enqueue_group(session: Session, group_id: UUID) -> None:
    """Queue every member of a group, and every user still holding a license from it."""
    now = utcnow()
    got_product = (
        select(func.min(GroupLicense.assigned_at))
        .where(GroupLicense.group_id == group_id)
        .scalar_subquery()
    )
    for rows in group_queue(session, group_id, got_product, now):
        _insert_queue(session, rows.add_columns(literal(now)))
    session.execute(
        update(Group)
        .where(Group.id == group_id, Group.processing_state != QUEUED)
        .values(processing_state=QUEUED)
    )


def group_queue(
    session: Session, group_id: UUID, got_product: ColumnElement[Any], now: datetime
) -> tuple[Select[UUID, Any], Select[UUID, Any]]:
    """(user id, priority) of the users `enqueue_group` queues: its members (with
    `got_product`, the time the group got its first product), then the users still
    holding a license from it. A user in both keeps the older priority."""
    members = select(
        Membership.user_id,
        # The intent's age: the later of joining and the group getting its first product.
        func.coalesce(dialects.Greatest(Membership.since, got_product), literal(now)),
    ).where(Membership.group_id == group_id)
    if nesting.licensing(session) and nesting.any_nesting(session):
        # Members of the groups under it too, once each (a user may be in several).
        members = (
            select(
                Membership.user_id,
                func.coalesce(
                    dialects.Greatest(func.min(Membership.since), got_product), literal(now)
                ),
            )
            .where(nesting.in_or_below(group_id))
            .group_by(Membership.user_id)
        )
    holders = (
        select(LicenseAssignment.user_id, func.min(LicenseAssignment.since))
        .where(LicenseAssignment.source_id == group_id)
        .group_by(LicenseAssignment.user_id)
    )
    return members, holders


def enqueue_waiting_for_seats(session: Session, sku_id: UUID, seats: int) -> None:
    """Offer `seats` freed seats to the users waiting longest in CountViolation.

    Users queued already are left alone: they will be evaluated anyway, and a worker may
    hold their queue row (waiting for it could deadlock two workers).
    """
    if seats <= 0:
        return
    queued = exists().where(QueuedUser.user_id == LicenseAssignment.user_id)
    waiting = (
        select(LicenseAssignment.user_id, func.min(LicenseAssignment.since), literal(utcnow()))
        .where(LicenseAssignment.sku_id == sku_id, LicenseAssignment.error == "CountViolation")
        .where(~queued)
        .group_by(LicenseAssignment.user_id)
        .order_by(func.min(LicenseAssignment.since), LicenseAssignment.user_id)
        .limit(seats)
    )
    user_ids = list(session.scalars(select(waiting.subquery().c.user_id)))
    enqueue_users(session, user_ids)


def enqueue_holders_of_sku(session: Session, sku_id: UUID) -> None:
    """Queue every user with an assignment of a SKU (its subscriptions changed state)."""
    now = utcnow()
    holders = (
        select(LicenseAssignment.user_id, func.min(LicenseAssignment.since), literal(now))
        .where(LicenseAssignment.sku_id == sku_id)
        .group_by(LicenseAssignment.user_id)
    )
    _insert_queue(session, holders)
    session.execute(
        update(Group)
        .where(Group.id.in_(select(GroupLicense.group_id).where(GroupLicense.sku_id == sku_id)))
        .where(Group.processing_state == COMPLETE)
        .values(processing_state=QUEUED)
    )


def _licensed(session: Session) -> ColumnElement[bool]:
    """The user has an assignment, or is a member of a group that has products (or, with
    licenseNestedGroups, of a group under one)."""
    pairs = nesting.licensing_pairs(session).subquery()
    return or_(
        User.id.in_(select(LicenseAssignment.user_id)),
        User.id.in_(
            select(pairs.c.user_id).join(GroupLicense, GroupLicense.group_id == pairs.c.group_id)
        ),
    )


def enqueue_all_licensed(session: Session) -> None:
    """Queue every user with an assignment or a licensed group (the rules changed)."""
    now = utcnow()
    _insert_queue(session, select(User.id, literal(now), literal(now)).where(_licensed(session)))
    session.execute(
        update(Group)
        .where(Group.id.in_(select(GroupLicense.group_id)), Group.processing_state == COMPLETE)
        .values(processing_state=QUEUED)
    )


def enqueue_users_without_location(session: Session) -> None:
    """Queue users who inherit the organization's location and have any license."""
    now = utcnow()
    rows = select(User.id, literal(now), literal(now)).where(
        User.usage_location.is_(None), _licensed(session)
    )
    _insert_queue(session, rows)


def mark_groups_of_users_queued(session: Session, user_ids: list[UUID]) -> None:
    if nesting.licensing(session) and nesting.any_nesting(session):
        # The groups above theirs license them too.
        for start in range(0, len(user_ids), 500):
            reached = nesting.reach(Membership.user_id.in_(user_ids[start : start + 500]))
            licensed = select(reached.c.group_id).join(
                GroupLicense, GroupLicense.group_id == reached.c.group_id
            )
            session.execute(
                update(Group)
                .where(Group.id.in_(licensed), Group.processing_state == COMPLETE)
                .values(processing_state=QUEUED)
            )
        return
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start : start + 500]
        licensed_groups = (
            select(Membership.group_id)
            .join(GroupLicense, GroupLicense.group_id == Membership.group_id)
            .where(Membership.user_id.in_(chunk))
        )
        session.execute(
            update(Group)
            .where(Group.id.in_(licensed_groups), Group.processing_state == COMPLETE)
            .values(processing_state=QUEUED)
        )


def queued_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(QueuedUser)) or 0


def is_queued(session: Session, user_id: UUID) -> bool:
    """The user waits to be evaluated (their states may change any moment)."""
    return session.get(QueuedUser, user_id) is not None


def queued_in_error(session: Session, group_id: UUID) -> int:
    """Users in error from `group_id` who wait to be evaluated again. A former member
    (kept in ActiveWithError) does not make the group's processing state change, so a
    page follows these too."""
    return (
        session.scalar(
            select(func.count(func.distinct(LicenseAssignment.user_id)))
            .join(QueuedUser, QueuedUser.user_id == LicenseAssignment.user_id)
            .where(
                LicenseAssignment.source_id == group_id,
                LicenseAssignment.error.is_not(None),
            )
        )
        or 0
    )


def former_members_in_error(session: Session, group_id: UUID) -> int:
    """Users in error from `group_id` who are no longer among its (transitive) members:
    their removal is blocked, since another plan of theirs depends on the product."""
    return (
        session.scalar(
            select(func.count(func.distinct(LicenseAssignment.user_id))).where(
                LicenseAssignment.source_id == group_id,
                LicenseAssignment.error.is_not(None),
                LicenseAssignment.user_id.not_in(nesting.users_below(group_id)),
            )
        )
        or 0
    )
