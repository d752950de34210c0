"""The people picker's search: users whose name, mail or userPrincipalName contains the
text (as the users list matches names and principal names), and groups by name.

A handful of rows at a time, for a picker that searches as the administrator types.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from seatplan.store.tables import Group, GroupNesting, Membership, User

#: At most this many users, and this many groups, per search.
LIMIT = 10


@dataclass(frozen=True, slots=True)
class Person:
    """A user or a group the picker offers; `member` when already in the group."""

    id: UUID
    kind: str  # "user" or "group"
    display_name: str
    #: The name a group's Add member form takes: a user's userPrincipalName, a group's id.
    ref: str
    detail: str
    member: bool


def find_people(
    session: Session, *, text: str, group_id: UUID | None = None, limit: int = LIMIT
) -> list[Person]:
    """Users, then groups (never `group_id` itself), matching `text`; none for no text."""
    needle = text.strip().lower()
    if not needle:
        return []
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    users = session.execute(
        select(User.id, User.display_name, User.user_principal_name, User.mail)
        .where(
            or_(
                User.upn_key.like(like, escape="\\"),
                func.lower(User.display_name).like(like, escape="\\"),
                func.lower(User.mail).like(like, escape="\\"),
            )
        )
        .order_by(func.lower(User.display_name), User.upn_key)
        .limit(limit)
    ).all()
    group_query = select(Group.id, Group.display_name, Group.mail).where(
        func.lower(Group.display_name).like(like, escape="\\")
    )
    if group_id is not None:
        group_query = group_query.where(Group.id != group_id)
    groups = session.execute(
        group_query.order_by(func.lower(Group.display_name), Group.id).limit(limit)
    ).all()
    members: set[UUID] = set()
    if group_id is not None and users:
        members |= set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.group_id == group_id,
                    Membership.user_id.in_([u.id for u in users]),
                )
            )
        )
    if group_id is not None and groups:
        members |= set(
            session.scalars(
                select(GroupNesting.child_id).where(
                    GroupNesting.parent_id == group_id,
                    GroupNesting.child_id.in_([g.id for g in groups]),
                )
            )
        )
    found = [
        Person(
            u.id,
            "user",
            u.display_name,
            u.user_principal_name,
            " · ".join(dict.fromkeys(v for v in (u.user_principal_name, u.mail) if v).keys()),
            u.id in members,
        )
        for u in users
    ]
    found += [
        Person(
            g.id,
            "group",
            g.display_name,
            str(g.id),
            f"Group{f' · {g.mail}' if g.mail else ''}",
            g.id in members,
        )
        for g in groups
    ]
    return found
