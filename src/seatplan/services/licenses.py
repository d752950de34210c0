"""License assignment: direct (validated at once) and by group (processed in the background)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.engine import Assignment, State
from seatplan.services import assignment_rows, audit, catalog, queue, subscriptions
from seatplan.services.errors import BadRequest
from seatplan.store.tables import Group, GroupLicense, SkuUsage, User
from seatplan.store.types import utcnow

Products = Mapping[UUID, frozenset[UUID]]


def assign_to_user(session: Session, *, user: User, add: Products, remove: Sequence[UUID]) -> None:
    """Graph's `assignLicense` on a user: every change of the request, or none."""
    rules = catalog.rulebook(session)
    rows = assignment_rows.held(session, user.id)
    usage = subscriptions.lock_usage(session, [*add, *remove])
    available = {sku: u.enabled_units - u.consumed_units for sku, u in usage.items()}
    try:
        engine.check_direct_change(
            rules=rules,
            # Graph checks a direct assignment against the user's own location only; the
            # organization's is inherited by group-based licensing alone.
            usage_location=user.usage_location,
            held=rows,
            add=add,
            remove=remove,
            available=available,
        )
    except engine.LicenseRefused as refused:
        raise BadRequest(refused.message) from refused

    before = {row.sku_id for row in rows if row.state.applied}
    previous = {row.sku_id: row for row in rows if row.group_id is None}
    had = {sku: row.disabled_plans for sku, row in previous.items() if sku in add or sku in remove}
    changes = assignment_rows.Changes(utcnow())
    for sku_id in remove:
        if (gone := previous.get(sku_id)) is not None:
            changes.delete(user.id, gone)
    for sku_id, disabled in add.items():
        old = previous.get(sku_id)
        row = Assignment(
            sku_id, None, disabled, State.ACTIVE, None, old.since if old else changes.now
        )
        if old is None:
            changes.insert(user.id, row)
        else:
            changes.update(user.id, old, row)
    session.flush()  # the ORM's pending changes (a new user, say) before the rows
    assignment_rows.write(session, changes)
    after = {row.sku_id for row in assignment_rows.held(session, user.id) if row.state.applied}
    taken, freed = after - before, before - after
    subscriptions.adjust_seats(session, dict.fromkeys(taken, 1) | dict.fromkeys(freed, -1))
    subscriptions.offer_freed_seats(session, dict.fromkeys(freed, 1))
    audit.record(
        session,
        activity=audit.Activity.CHANGE_USER_LICENSE,
        category="UserManagement",
        targets=[audit.target("User", user.id, user.user_principal_name)],
        modified=_license_changes(session, had, add),
    )
    # Group licenses of the user may now pass (a conflict gone) or fail.
    queue.enqueue_users(session, [user.id])


def _license_changes(session: Session, before: Products, after: Products) -> list[dict[str, Any]]:
    """The audit's modified property: the licenses the request touched, before and after.

    Written as Entra writes AssignedLicense, one `[SkuName=…, SkuId=…, DisabledPlans=[…]]`
    per license, so a change of disabled plans shows the plans on either side.
    """
    names = {sku: catalog.find_product(session, sku).sku_part_number for sku in {*before, *after}}

    def listed(licenses: Products) -> list[str]:
        return [
            f"[SkuName={names[sku]}, SkuId={sku}, "
            f"DisabledPlans=[{', '.join(sorted(str(p) for p in licenses[sku]))}]]"
            for sku in sorted(licenses, key=lambda sku: (names[sku], str(sku)))
        ]

    return [audit.changed("AssignedLicense", listed(before), listed(after))]


def assign_to_group(
    session: Session, *, group: Group, add: Products, remove: Sequence[UUID]
) -> None:
    """Graph's `assignLicense` on a group: checks the group itself, then queues its members."""
    current = check_group_change(session, group=group, add=add, remove=remove)
    had = {sku: row.disabled_plans for sku, row in current.items() if sku in add or sku in remove}
    for sku_id in remove:
        session.delete(current[sku_id])
    for sku_id, disabled in add.items():
        row = current.get(sku_id)
        if row is None:
            session.add(GroupLicense(group_id=group.id, sku_id=sku_id, disabled_plans=disabled))
        else:
            row.disabled_plans = disabled
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.SET_GROUP_LICENSE,
        category="GroupManagement",
        targets=[audit.target("Group", group.id, group.display_name)],
        modified=_license_changes(session, had, add),
    )
    queue.enqueue_group(session, group.id)


def check_group_change(
    session: Session, *, group: Group, add: Products, remove: Sequence[UUID]
) -> dict[UUID, GroupLicense]:
    """Refuse what `assign_to_group` would refuse (BadRequest), writing nothing; else the
    group's products as they are, by SKU."""
    if not group.security_enabled:
        raise BadRequest(
            f"Group '{group.display_name}' is not security-enabled: only security groups "
            "can be assigned licenses."
        )
    current = {
        row.sku_id: row
        for row in session.scalars(select(GroupLicense).where(GroupLicense.group_id == group.id))
    }
    for sku_id in remove:
        if sku_id not in current:
            raise BadRequest(f"License {sku_id} is not assigned to the group.")
        if sku_id in add:
            raise BadRequest(f"License {sku_id} cannot be both added and removed.")
    wanted = {sku: row.disabled_plans for sku, row in current.items() if sku not in remove}
    wanted.update(add)
    subscribed = dict.fromkeys(session.scalars(select(SkuUsage.sku_id)), 0)
    try:
        engine.check_group_products(
            catalog.rulebook(session),
            wanted,
            subscribed,
            lambda plan: catalog.plan_name(session, plan),
        )
    except engine.LicenseRefused as refused:
        raise BadRequest(refused.message) from refused
    return current


def reprocess_group(session: Session, *, group: Group) -> None:
    """Evaluate every member again, and every user still holding a license from the group.
    Audited, so that the log says who asked for it."""
    queue.enqueue_group(session, group.id)
    audit.record(
        session,
        activity=audit.Activity.REPROCESS_GROUP,
        category="GroupManagement",
        targets=[audit.target("Group", group.id, group.display_name)],
    )


def reprocess_user(session: Session, *, user: User) -> None:
    queue.enqueue_users(session, [user.id])
    audit.record(
        session,
        activity=audit.Activity.REPROCESS_USER,
        category="UserManagement",
        targets=[audit.target("User", user.id, user.user_principal_name)],
    )
