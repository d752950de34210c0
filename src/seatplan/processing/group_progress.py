"""Groups' licenseProcessingState, and the audit events that frame a group's processing."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from seatplan.services import audit
from seatplan.services.queue import COMPLETE, IN_PROGRESS, QUEUED
from seatplan.store.tables import Group, LicenseAssignment, Membership, QueuedUser


def mark_started(session: Session, token: str) -> None:
    """Groups with a member in batch `token` and still waiting: now in progress."""
    started = session.execute(
        select(Group.id, Group.display_name)
        .where(Group.processing_state == QUEUED)
        .where(
            exists()
            .where(Membership.group_id == Group.id)
            .where(QueuedUser.user_id == Membership.user_id, QueuedUser.claimed_by == token)
        )
    ).all()
    for group_id, name in started:
        session.execute(
            update(Group).where(Group.id == group_id).values(processing_state=IN_PROGRESS)
        )
        audit.record(
            session,
            activity=audit.Activity.START_GROUP_LICENSING,
            category="GroupManagement",
            targets=[audit.target("Group", group_id, name)],
            actor=audit.SYSTEM_ACTOR,
        )


def mark_finished(session: Session) -> int:
    """Groups none of whose members is queued any more: ProcessingComplete. Returns how many."""
    pending = session.execute(
        select(Group.id, Group.display_name).where(Group.processing_state != COMPLETE)
    ).all()
    finished = 0
    for group_id, name in pending:
        # Walk the queue (which shrinks) rather than the group's members (which may be many).
        queued_member = select(
            exists()
            .where(QueuedUser.user_id == Membership.user_id)
            .where(Membership.group_id == group_id)
        )
        if session.scalar(queued_member):
            continue
        session.execute(update(Group).where(Group.id == group_id).values(processing_state=COMPLETE))
        ok, failed = _counts(session, group_id)
        audit.record(
            session,
            activity=audit.Activity.FINISH_GROUP_LICENSING,
            category="GroupManagement",
            targets=[audit.target("Group", group_id, name)],
            actor=audit.SYSTEM_ACTOR,
            reason=(
                f"Users successfully assigned licenses: {ok}, "
                f"Users for whom license assignment failed: {failed}."
            ),
        )
        finished += 1
    return finished


def _counts(session: Session, group_id: UUID) -> tuple[int, int]:
    rows = session.execute(
        select(LicenseAssignment.user_id, func.max(LicenseAssignment.error))
        .where(LicenseAssignment.source_id == group_id)
        .group_by(LicenseAssignment.user_id)
        .subquery()
        .select()
    ).all()
    failed = sum(1 for _, error in rows if error is not None)
    return len(rows) - failed, failed
