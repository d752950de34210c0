"""Nested groups: the closures of `group_nesting`, as recursive CTEs (SQLite and PostgreSQL).

A group's transitive members are its own members and those of every group below it; a
user's or a group's transitive groups are its own groups and every group above them.
Cycles are refused when a group is added (`services.groups.add_group_member`), so every
walk ends; the CTEs use UNION all the same, which also drops the rows a diamond repeats.

`licensing(session)` is the organization's `licenseNestedGroups`: off (Entra's rule), a
user's licensing groups are their direct groups; on, every group above them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import CTE, ColumnElement, Select, and_, exists, literal, or_, select
from sqlalchemy.orm import Session

from seatplan.store import dialects
from seatplan.store.tables import (
    Group,
    GroupLicense,
    GroupNesting,
    LicenseAssignment,
    Membership,
    Organization,
    User,
)

#: Graph's groupTypes value of a dynamic group: no hand-made members, so no nested group.
DYNAMIC = "DynamicMembership"


def licensing(session: Session) -> bool:
    """Whether licenses flow to nested groups' members (`licenseNestedGroups`)."""
    return bool(session.scalar(select(Organization.license_nested_groups)))


def any_nesting(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(GroupNesting.parent_id.is_not(None)))))


def below(group_ids: Select[UUID], name: str = "below") -> CTE:
    """Every group under `group_ids` (a one-column select), at any depth, themselves
    excluded unless a group is under another of them. Column `id`."""
    seed = select(GroupNesting.child_id.label("id")).where(GroupNesting.parent_id.in_(group_ids))
    walk = seed.cte(name, recursive=True)
    step = select(GroupNesting.child_id).join(walk, GroupNesting.parent_id == walk.c.id)
    return walk.union(step)


def above(group_ids: Select[UUID], name: str = "above") -> CTE:
    """Every group above `group_ids` (a one-column select), at any depth. Column `id`."""
    seed = select(GroupNesting.parent_id.label("id")).where(GroupNesting.child_id.in_(group_ids))
    walk = seed.cte(name, recursive=True)
    step = select(GroupNesting.parent_id).join(walk, GroupNesting.child_id == walk.c.id)
    return walk.union(step)


def _one(group_id: UUID) -> Select[UUID]:
    return select(literal(group_id, Group.id.type).label("id"))


def in_or_below(group_id: UUID) -> ColumnElement[bool]:
    """`Membership.group_id` is the group or a group under it."""
    under = below(_one(group_id))
    return or_(Membership.group_id == group_id, Membership.group_id.in_(select(under.c.id)))


# -- reads of the Graph API ---------------------------------------------------------------


def member_groups(group_id: UUID) -> Select[Group]:
    """The groups that are direct members of the group."""
    children = select(GroupNesting.child_id).where(GroupNesting.parent_id == group_id)
    return select(Group).where(Group.id.in_(children))


def parent_groups(group_id: UUID) -> Select[Group]:
    """The groups the group is a direct member of (its memberOf)."""
    parents = select(GroupNesting.parent_id).where(GroupNesting.child_id == group_id)
    return select(Group).where(Group.id.in_(parents))


def transitive_member_users(group_id: UUID) -> Select[User]:
    """The users who are members of the group or of any group under it."""
    return select(User).where(User.id.in_(select(Membership.user_id).where(in_or_below(group_id))))


def transitive_member_groups(group_id: UUID) -> Select[Group]:
    """Every group under the group."""
    return select(Group).where(Group.id.in_(select(below(_one(group_id)).c.id)))


def transitive_groups_of_group(group_id: UUID) -> Select[Group]:
    """Every group above the group (its transitiveMemberOf)."""
    return select(Group).where(Group.id.in_(select(above(_one(group_id)).c.id)))


def transitive_groups_of_user(user_id: UUID) -> Select[Group]:
    """The user's groups and every group above them (the user's transitiveMemberOf)."""
    direct = select(Membership.group_id).where(Membership.user_id == user_id)
    up = above(direct)
    return select(Group).where(or_(Group.id.in_(direct), Group.id.in_(select(up.c.id))))


def contains(session: Session, *, parent_id: UUID, child_id: UUID) -> bool:
    """Whether `child_id` is `parent_id` or under it: adding `parent_id` to `child_id`
    would then close a cycle."""
    if parent_id == child_id:
        return True
    under = below(_one(parent_id))
    return bool(session.scalar(select(exists().where(under.c.id == child_id))))


def has_parent(session: Session, *, parent_id: UUID, child_id: UUID) -> bool:
    return session.get(GroupNesting, (parent_id, child_id)) is not None


# -- licensing ------------------------------------------------------------------------------


def reach(user_ids: ColumnElement[bool], name: str = "reach") -> CTE:
    """(user_id, group_id, since) for every group a user reaches: their memberships
    (`user_ids` filters `Membership.user_id`), then the groups above, `since` being the
    latest date along the way (joining, then each nesting). A diamond gives a group
    twice, with its paths' dates."""
    seed = select(
        Membership.user_id.label("user_id"),
        Membership.group_id.label("group_id"),
        Membership.since.label("since"),
    ).where(user_ids)
    walk = seed.cte(name, recursive=True)
    step = select(
        walk.c.user_id,
        GroupNesting.parent_id,
        dialects.Greatest(walk.c.since, GroupNesting.since),
    ).join(GroupNesting, GroupNesting.child_id == walk.c.group_id)
    return walk.union(step)


def _nested_only_paths() -> tuple[CTE, ColumnElement[bool]]:
    """Every (user, group) path over all memberships, and the condition that the user
    reaches the group only through nesting while the group has a product or the user
    holds a license from it."""
    paths = reach(literal(True))
    direct = exists().where(
        Membership.user_id == paths.c.user_id, Membership.group_id == paths.c.group_id
    )
    licensed = exists().where(GroupLicense.group_id == paths.c.group_id)
    holds = exists().where(
        LicenseAssignment.user_id == paths.c.user_id,
        LicenseAssignment.source_id == paths.c.group_id,
    )
    return paths, and_(~direct, or_(licensed, holds))


def affected_by_setting() -> Select[UUID]:
    """The users whose licensing `licenseNestedGroups` changes, each once: those who reach
    a group only through nesting (not as its direct member) while that group has a
    product or they hold a license from it."""
    paths, affected = _nested_only_paths()
    return select(paths.c.user_id).where(affected).distinct()


def groups_affected_by_setting() -> Select[UUID]:
    """The groups whose licensing the setting changes (those of `affected_by_setting`)."""
    paths, affected = _nested_only_paths()
    return select(paths.c.group_id).where(affected).distinct()


def licensing_pairs(session: Session) -> Select[UUID, UUID]:
    """(user_id, group_id) of every user and every group that licenses them: direct
    memberships, and with licenseNestedGroups the groups above too (each pair once)."""
    if not licensing(session):
        return select(Membership.user_id, Membership.group_id)
    paths = reach(literal(True), "licensing_pairs")
    return select(paths.c.user_id, paths.c.group_id).distinct()


def users_below(group_id: UUID) -> Select[UUID]:
    """The ids of the group's transitive member users."""
    return select(Membership.user_id).where(in_or_below(group_id)).distinct()


def licensed_at_or_above(session: Session, group_id: UUID) -> bool:
    """Whether the group or a group above it has a product."""
    up = above(_one(group_id))
    at_or_above = or_(GroupLicense.group_id == group_id, GroupLicense.group_id.in_(select(up.c.id)))
    return bool(session.scalar(select(exists().where(at_or_above))))


def holders_from_at_or_above(group_id: UUID, user_ids: Select[UUID]) -> Select[UUID]:
    """Users among `user_ids` holding a license from the group or a group above it."""
    up = above(_one(group_id), "holders_above")
    sources = or_(
        LicenseAssignment.source_id == group_id, LicenseAssignment.source_id.in_(select(up.c.id))
    )
    return (
        select(LicenseAssignment.user_id)
        .where(and_(sources, LicenseAssignment.user_id.in_(user_ids)))
        .distinct()
    )


def ancestors(session: Session, group_ids: ColumnElement[bool]) -> dict[UUID, dict[UUID, datetime]]:
    """For each group `group_ids` selects (a condition on `GroupNesting.child_id`): every
    group above it, with the date it was reached by its earliest path (the latest nesting
    along the path). A walk over groups, not users: a batch's few groups, however many
    users they hold."""
    seed = select(
        GroupNesting.child_id.label("start"),
        GroupNesting.parent_id.label("id"),
        GroupNesting.since.label("since"),
    ).where(group_ids)
    walk = seed.cte("ancestors", recursive=True)
    step = select(
        walk.c.start, GroupNesting.parent_id, dialects.Greatest(walk.c.since, GroupNesting.since)
    ).join(GroupNesting, GroupNesting.child_id == walk.c.id)
    walk = walk.union(step)
    found: dict[UUID, dict[UUID, datetime]] = {}
    for start, group_id, since in session.execute(select(walk.c.start, walk.c.id, walk.c.since)):
        above_start = found.setdefault(start, {})
        if group_id not in above_start or since < above_start[group_id]:
            above_start[group_id] = since
    return found


def groups_reached(session: Session, user_ids: Sequence[UUID]) -> set[UUID]:
    """Every group the users are members of, directly or through nesting."""
    if not user_ids:
        return set()
    paths = reach(Membership.user_id.in_(list(user_ids)))
    return set(session.scalars(select(paths.c.group_id).distinct()))


def in_cycles() -> Select[UUID]:
    """Groups under themselves (refused when nesting, so only a hand edit makes one)."""
    seed = select(GroupNesting.parent_id.label("top"), GroupNesting.child_id.label("id"))
    walk = seed.cte("cycles", recursive=True)
    step = select(walk.c.top, GroupNesting.child_id).join(
        GroupNesting, GroupNesting.parent_id == walk.c.id
    )
    walk = walk.union(step)
    return select(walk.c.top).where(walk.c.top == walk.c.id).distinct()
