"""Groups' licenseProcessingState, and the audit events that frame a group's processing."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Select, Table, bindparam, exists, select, update
from sqlalchemy.orm import Session

from seatplan.engine import UserOutcome
from seatplan.services import audit, changes, events, nesting
from seatplan.services.queue import COMPLETE, IN_PROGRESS, QUEUED
from seatplan.store import bulk
from seatplan.store.tables import Group, Membership, QueuedUser

_GROUPS: Table = Group.__table__  # type: ignore[assignment]
_STATE = ("licenseProcessingState",)


def mark_started(session: Session, user_ids: Sequence[UUID]) -> None:
    """Groups with a member in the batch and still waiting: now in progress."""
    # From the batch to its groups: a batch is small, a group may have 100,000 members.
    groups_of_batch: Select[UUID] = select(Membership.group_id).where(
        bulk.among(session, Membership.user_id, user_ids)
    )
    if nesting.licensing(session) and nesting.any_nesting(session):
        # And the groups above theirs: walked from the batch's few groups, not its users.
        up = nesting.above(groups_of_batch.distinct())
        groups_of_batch = groups_of_batch.union(select(up.c.id))  # type: ignore[assignment]
    started = session.execute(
        select(Group.id, Group.display_name)
        .where(Group.processing_state == QUEUED)
        .where(Group.id.in_(groups_of_batch))
        .order_by(Group.id)
    ).all()
    if not started:
        return
    # One statement each for all the groups: a batch of a tenant's users starts hundreds.
    ids = [group_id for group_id, _ in started]
    session.execute(
        update(_GROUPS)
        .where(bulk.among(session, _GROUPS.c.id, ids))
        .values(processing_state=IN_PROGRESS, run_succeeded=0, run_failed=0)
    )
    changes.record(session, changes.GROUP, ids, changes.UPDATED, properties=_STATE)
    audit.record_each(
        session,
        activity=audit.Activity.START_GROUP_LICENSING,
        category="GroupManagement",
        targets=[[audit.target("Group", group_id, name)] for group_id, name in started],
        actor=audit.SYSTEM,
    )


def mark_finished(session: Session) -> int:
    """Groups none of whose members is queued any more: ProcessingComplete. Returns how many."""
    pending = session.execute(
        select(Group.id, Group.display_name, Group.run_succeeded, Group.run_failed).where(
            Group.processing_state != COMPLETE
        )
    ).all()
    finished: list[tuple[UUID, str, int, int]] = []
    nested = bool(pending) and nesting.licensing(session) and nesting.any_nesting(session)
    for group_id, name, ok, failed in pending:
        # With licenseNestedGroups, the members of the groups under it are its members too.
        of_group = nesting.in_or_below(group_id) if nested else Membership.group_id == group_id
        # Walk the queue (which shrinks) rather than the group's members (which may be many).
        queued_member = (
            select(QueuedUser.user_id)
            .where(exists().where(Membership.user_id == QueuedUser.user_id).where(of_group))
            .limit(1)
        )
        if session.scalar(queued_member) is None:
            finished.append((group_id, name, ok, failed))
    if not finished:
        return 0
    # One statement each for all the finished groups (a full reprocess finishes hundreds).
    ids = [group_id for group_id, _, _, _ in finished]
    session.execute(
        update(_GROUPS)
        .where(bulk.among(session, _GROUPS.c.id, ids))
        .values(processing_state=COMPLETE)
    )
    changes.record(session, changes.GROUP, ids, changes.UPDATED, properties=_STATE)
    audit.record_each(
        session,
        activity=audit.Activity.FINISH_GROUP_LICENSING,
        category="GroupManagement",
        targets=[[audit.target("Group", group_id, name)] for group_id, name, _, _ in finished],
        actor=audit.SYSTEM,
        reasons=[
            f"Users successfully assigned licenses: {ok}, "
            f"Users for whom license assignment failed: {failed}."
            for _, _, ok, failed in finished
        ],
    )
    events.groups_processed(session, finished)
    return len(finished)


def count_outcomes(session: Session, outcomes: Sequence[UserOutcome]) -> None:
    """Add a batch's users to the run counts of the groups that license them."""
    counts: dict[UUID, list[int]] = {}
    for outcome in outcomes:
        failed_in: dict[UUID, bool] = {}
        for row in outcome.assignments:
            if row.group_id is not None:
                failed_in[row.group_id] = failed_in.get(row.group_id, False) or bool(row.error)
        for group_id, failed in failed_in.items():
            counts.setdefault(group_id, [0, 0])[failed] += 1
    if counts:
        # Core UPDATE with executemany: one statement for all groups, no ORM bookkeeping.
        session.execute(
            update(_GROUPS)
            .where(_GROUPS.c.id == bindparam("g"))
            .values(
                run_succeeded=_GROUPS.c.run_succeeded + bindparam("ok"),
                run_failed=_GROUPS.c.run_failed + bindparam("bad"),
            ),
            [{"g": g, "ok": ok, "bad": bad} for g, (ok, bad) in sorted(counts.items())],
        )
