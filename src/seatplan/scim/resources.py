"""Users and groups read as SCIM resources, and written from them: the functions every
route (PATCH's too) goes through."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.scim import mapping
from seatplan.scim.errors import ScimError
from seatplan.services import provisioning
from seatplan.store.tables import Group, GroupNesting, Membership, User

Json = dict[str, Any]


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def find_user(session: Session, user_id: str) -> User:
    found = session.get(User, _uuid(user_id)) if _uuid(user_id) else None
    if found is None:
        raise ScimError(404, f"User {user_id} not found.")
    return found


def find_group(session: Session, group_id: str) -> Group:
    found = session.get(Group, _uuid(group_id)) if _uuid(group_id) else None
    if found is None:
        raise ScimError(404, f"Group {group_id} not found.")
    return found


def user_resources(session: Session, users: Sequence[User], base: str) -> list[Json]:
    """The SCIM Users of a page, with their groups and managers in two queries."""
    ids = [user.id for user in users]
    groups: dict[UUID, list[tuple[UUID, str]]] = defaultdict(list)
    managers: dict[UUID, str] = {}
    if ids:
        rows = session.execute(
            select(Membership.user_id, Group.id, Group.display_name)
            .join(Group, Group.id == Membership.group_id)
            .where(Membership.user_id.in_(ids))
            .order_by(Group.display_name, Group.id)
        )
        for user_id, group_id, name in rows:
            groups[user_id].append((group_id, name))
        wanted = {user.manager_id for user in users if user.manager_id is not None}
        if wanted:
            managers = dict(
                session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
            )
    return [
        mapping.user_resource(
            user,
            base,
            groups[user.id],
            (user.manager_id, managers[user.manager_id])
            if user.manager_id in managers and user.manager_id is not None
            else None,
        )
        for user in users
    ]


def user_resource(session: Session, user: User, base: str) -> Json:
    return user_resources(session, [user], base)[0]


def group_resources(
    session: Session, groups: Sequence[Group], base: str, *, with_members: bool = True
) -> list[Json]:
    members: dict[UUID, list[tuple[UUID, str, str]]] = defaultdict(list)
    ids = [group.id for group in groups]
    if ids and with_members:
        for group_id, user_id, upn in session.execute(
            select(Membership.group_id, User.id, User.display_name)
            .join(User, User.id == Membership.user_id)
            .where(Membership.group_id.in_(ids))
            .order_by(User.id)
        ):
            members[group_id].append((user_id, upn, "User"))
        for parent_id, child_id, name in session.execute(
            select(GroupNesting.parent_id, Group.id, Group.display_name)
            .join(Group, Group.id == GroupNesting.child_id)
            .where(GroupNesting.parent_id.in_(ids))
            .order_by(Group.id)
        ):
            members[parent_id].append((child_id, name, "Group"))
    return [
        mapping.group_resource(group, base, members[group.id] if with_members else None)
        for group in groups
    ]


def group_resource(session: Session, group: Group, base: str) -> Json:
    return group_resources(session, [group], base)[0]


def replace_user(session: Session, user: User | None, resource: Mapping[str, Any]) -> User:
    """Make `user` (a new one when None) be the SCIM `resource`: create, PUT and PATCH."""
    values = mapping.user_values(resource, replacing=user)
    return provisioning.put_user(session, user=user, values=values)


def replace_group(session: Session, group: Group | None, resource: Mapping[str, Any]) -> Group:
    """Make `group` (a new one when None) be the SCIM `resource`: create, PUT and PATCH."""
    display_name, external_id, members = mapping.group_values(resource)
    return provisioning.put_group(
        session, group=group, display_name=display_name, external_id=external_id, members=members
    )


def change_members(session: Session, group: Group, wanted: Mapping[UUID, bool]) -> None:
    """Make each named member (True) or not (False) a member of `group`, touching no other."""
    provisioning.change_members(
        session,
        group=group,
        add=[member for member, joining in wanted.items() if joining],
        remove=[member for member, joining in wanted.items() if not joining],
    )
