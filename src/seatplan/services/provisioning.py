"""Writes of the SCIM service (`seatplan.scim`): one function per resource type.

Create, replace (PUT) and PATCH all end in `put_user` or `put_group` with the resource's
whole new state, so every path checks, audits and queues licensing the same way, through
the same services as Graph's (`users`, `groups`, `membership`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services import audit, dynamic_groups, groups, membership, users
from seatplan.services.errors import BadRequest, Conflict
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import Group, GroupNesting, Membership, User


@dataclass(frozen=True, slots=True)
class UserValues:
    """A user's whole state as a provisioning client sets it (Seatplan's attributes)."""

    user_principal_name: str
    display_name: str | None = None
    account_enabled: bool = True
    #: Left as it is by a client that does not send it (UNSET).
    usage_location: str | Unset | None = UNSET
    department: str | None = None
    job_title: str | None = None
    external_id: str | None = None
    cost_center: str | None = None
    division: str | None = None
    manager_id: UUID | None = None
    #: Graph's standard properties (`users.STANDARD`) by attribute.
    properties: Mapping[str, Any] = field(default_factory=dict)


def _unique_external_id(
    session: Session, column: Any, value: str | None, own_id: UUID | None
) -> None:
    if value is None:
        return
    found = session.scalar(select(column.table.c.id).where(column == value))
    if found is not None and found != own_id:
        raise Conflict(f"externalId '{value}' is already taken.")


def put_user(session: Session, *, user: User | None, values: UserValues) -> User:
    """Create `values` as a new user (`user` None) or make `user` be `values`."""
    _unique_external_id(session, User.external_id, values.external_id, user.id if user else None)
    if values.manager_id is not None and (
        session.get(User, values.manager_id) is None
        or (user is not None and values.manager_id == user.id)
    ):
        raise BadRequest(f"Invalid manager '{values.manager_id}': no such other user.")
    provisioned = {
        "external_id": values.external_id,
        "cost_center": values.cost_center,
        "division": values.division,
        "manager_id": values.manager_id,
    }
    if user is None:
        # One INSERT: the provider's columns go with the user; "Add user" says it all.
        return users.create(
            session,
            user_principal_name=values.user_principal_name,
            display_name=values.display_name,
            usage_location=None
            if isinstance(values.usage_location, Unset)
            else values.usage_location,
            account_enabled=values.account_enabled,
            department=values.department,
            job_title=values.job_title,
            properties=values.properties,
            provisioned=provisioned,
        )
    before = {
        "ExternalId": user.external_id,
        "CostCenter": user.cost_center,
        "Division": user.division,
        "Manager": user.manager_id,
    }
    users.update(
        session,
        user=user,
        user_principal_name=values.user_principal_name,
        display_name=values.display_name or user.display_name,
        usage_location=values.usage_location,
        account_enabled=values.account_enabled,
        department=values.department,
        job_title=values.job_title,
        properties=values.properties,
    )
    for name, value in provisioned.items():
        setattr(user, name, value)
    session.flush()
    after = dict(zip(before, provisioned.values(), strict=True))
    audit.record_update(
        session,
        activity=audit.Activity.UPDATE_USER,
        category="UserManagement",
        target=audit.target("User", user.id, user.user_principal_name),
        modified=[audit.changed(name, before[name], after[name]) for name in after],
    )
    return user


def put_group(
    session: Session,
    *,
    group: Group | None,
    display_name: str,
    external_id: str | None,
    members: Sequence[UUID] | None,
) -> Group:
    """Create a group (`group` None) or make `group` be this; `members` (users' and
    groups' ids) replaces its direct members, None leaves them as they are."""
    _unique_external_id(session, Group.external_id, external_id, group.id if group else None)
    if group is None:
        group = groups.create(session, display_name=display_name)
        group.external_id = external_id
        session.flush()
    else:
        old_external = group.external_id
        groups.update(session, group=group, display_name=display_name)
        group.external_id = external_id
        session.flush()
        audit.record_update(
            session,
            activity=audit.Activity.UPDATE_GROUP,
            category="GroupManagement",
            target=audit.target("Group", group.id, group.display_name),
            modified=[audit.changed("ExternalId", old_external, external_id)],
        )
    if members is not None:
        set_members(session, group=group, members=members)
    return group


def set_members(session: Session, *, group: Group, members: Sequence[UUID]) -> None:
    """Make `members` (ids of users and groups) the group's direct members."""
    wanted = set(members)
    current_users = set(
        session.scalars(select(Membership.user_id).where(Membership.group_id == group.id))
    )
    current_groups = set(
        session.scalars(select(GroupNesting.child_id).where(GroupNesting.parent_id == group.id))
    )
    _change_members(
        session,
        group=group,
        new=wanted - current_users - current_groups,
        users_leaving=current_users - wanted,
        groups_leaving=current_groups - wanted,
    )


def change_members(
    session: Session, *, group: Group, add: Collection[UUID], remove: Collection[UUID]
) -> None:
    """Add and remove only these members (ids of users and groups; SCIM PATCH's batches):
    reads their rows, never the group's other members. Adding a member or removing a
    non-member changes nothing, so a batch sent again succeeds."""
    touched = set(add) | set(remove)
    if not touched:
        return
    current_users = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group.id, Membership.user_id.in_(touched)
            )
        )
    )
    current_groups = set(
        session.scalars(
            select(GroupNesting.child_id).where(
                GroupNesting.parent_id == group.id, GroupNesting.child_id.in_(touched)
            )
        )
    )
    _change_members(
        session,
        group=group,
        new=set(add) - current_users - current_groups,
        users_leaving=set(remove) & current_users,
        groups_leaving=set(remove) & current_groups,
    )


def _change_members(
    session: Session,
    *,
    group: Group,
    new: set[UUID],
    users_leaving: set[UUID],
    groups_leaving: set[UUID],
) -> None:
    """Join `new` (users' or groups' ids, checked to exist), then let the others leave."""
    found_users: dict[UUID, str] = dict(
        session.execute(select(User.id, User.user_principal_name).where(User.id.in_(new))).all()
    )
    found_groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_(new)))}
    unknown = new - set(found_users) - set(found_groups)
    if unknown:
        raise BadRequest(f"No user or group has the id '{sorted(map(str, unknown))[0]}'.")
    joining = [(user_id, found_users[user_id]) for user_id in sorted(found_users)]
    if joining or users_leaving:
        dynamic_groups.refuse_manual_change(group)
    if users_leaving:
        names = [
            (user_id, upn)
            for user_id, upn in session.execute(
                select(User.id, User.user_principal_name).where(User.id.in_(users_leaving))
            )
        ]
        membership.leave(session, group=group, users=sorted(names))
    membership.join(session, group=group, users=joining)
    for child_id in sorted(groups_leaving):
        child = session.get(Group, child_id)
        if child is not None:
            groups.remove_group_member(session, group=group, member=child)
    for child_id in sorted(found_groups):
        groups.add_group_member(session, group=group, member=found_groups[child_id])
