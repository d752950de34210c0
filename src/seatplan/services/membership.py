"""Users joining and leaving a group: the one path of every membership change.

A manual `members/$ref`, the command line and a dynamic group's rule all come here, so
the change log (through the session's flush or `changes.memberships_ending`), the audit
log and the licensing queue follow every change the same way, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Table, and_, delete, exists, select
from sqlalchemy.orm import Session

from seatplan.services import audit, changes, nesting, queue
from seatplan.store import bulk
from seatplan.store.tables import Group, GroupLicense, LicenseAssignment, Membership, User
from seatplan.store.types import utcnow

#: A user as a membership change names them: (id, userPrincipalName).
Member = tuple[UUID, str]
_MEMBERSHIP: Table = Membership.__table__  # type: ignore[assignment]


def is_licensed(session: Session, group_id: UUID) -> bool:
    return bool(session.scalar(select(exists().where(GroupLicense.group_id == group_id))))


def licenses_flow(session: Session, group_id: UUID) -> bool:
    """Whether the group's members get licenses: its own, or (licenseNestedGroups) those
    of a group above it."""
    if is_licensed(session, group_id):
        return True
    return nesting.licensing(session) and nesting.licensed_at_or_above(session, group_id)


def _targets(group: Group, users: Sequence[Member]) -> list[list[dict[str, object]]]:
    return [
        [audit.target("User", user_id, upn), audit.target("Group", group.id, group.display_name)]
        for user_id, upn in users
    ]


def join(
    session: Session,
    *,
    group: Group,
    users: Sequence[Member],
    licensed: bool | None = None,
    actor: audit.Actor | None = None,
) -> None:
    """Make `users` (none of them a member yet) members of `group`."""
    if not users:
        return
    now = utcnow()
    ids = [user_id for user_id, _ in users]
    # Core, not the ORM: a rule's chunk adds thousands of rows at once.
    session.flush()
    bulk.insert_many(
        session, _MEMBERSHIP, [{"group_id": group.id, "user_id": uid, "since": now} for uid in ids]
    )
    changes.members_added(session, group.id, ids)
    audit.record_each(
        session,
        activity=audit.Activity.ADD_MEMBER,
        category="GroupManagement",
        targets=_targets(group, users),
        actor=actor,
    )
    if licensed if licensed is not None else licenses_flow(session, group.id):
        queue.enqueue_users(session, ids)


def leave(
    session: Session,
    *,
    group: Group,
    users: Sequence[Member],
    licensed: bool | None = None,
    actor: audit.Actor | None = None,
) -> None:
    """Remove `users` (each a member) from `group`."""
    if not users:
        return
    ids = [user_id for user_id, _ in users]
    leaving = and_(Membership.group_id == group.id, bulk.among(session, Membership.user_id, ids))
    changes.memberships_ending(session, leaving)
    session.execute(delete(Membership).where(leaving).execution_options(synchronize_session=False))
    for user_id in ids:  # a membership this session holds would be flushed again
        held = session.identity_map.get(session.identity_key(Membership, (group.id, user_id)))
        if held is not None:
            session.expunge(held)
    audit.record_each(
        session,
        activity=audit.Activity.REMOVE_MEMBER,
        category="GroupManagement",
        targets=_targets(group, users),
        actor=actor,
    )
    if licensed if licensed is not None else licenses_flow(session, group.id):
        queue.enqueue_users(session, ids)
        return
    # A licensed group's member may be mid-evaluation by a worker whose rows are not
    # committed yet: queue them whatever is visible now, so the removal is never lost.
    holders = select(LicenseAssignment.user_id).where(
        LicenseAssignment.source_id == group.id,
        bulk.among(session, LicenseAssignment.user_id, ids),
    )
    found = set(session.scalars(holders))
    if nesting.any_nesting(session):  # licenses that came down through this group
        leaving_users = select(User.id).where(bulk.among(session, User.id, ids))
        found.update(session.scalars(nesting.holders_from_at_or_above(group.id, leaving_users)))
    queue.enqueue_users(session, found)
