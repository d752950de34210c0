"""Find users and groups the way administrators name them."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatplan.services.errors import BadRequest, NotFound
from seatplan.store.tables import Group, User


def as_uuid(value: str | UUID) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value.strip())
    except ValueError:
        return None


def user(session: Session, ref: str | UUID) -> User:
    """A user by id or userPrincipalName (case-insensitive)."""
    user_id = as_uuid(ref)
    found = (
        session.get(User, user_id)
        if user_id is not None
        else session.scalar(select(User).where(User.upn_key == str(ref).strip().lower()))
    )
    if found is None:
        raise NotFound("User", ref)
    return found


def group(session: Session, ref: str | UUID) -> Group:
    """A group by id or displayName (any case); a name two groups share needs the id."""
    group_id = as_uuid(ref)
    if group_id is not None:
        found = session.get(Group, group_id)
        if found is None:
            raise NotFound("Group", ref)
        return found
    name = str(ref).strip().lower()
    named = list(session.scalars(select(Group).where(func.lower(Group.display_name) == name)))
    if not named:
        raise NotFound("Group", ref)
    if len(named) > 1:
        raise BadRequest(f"{len(named)} groups are named '{ref}': use the group's id.")
    return named[0]


def group_by_id(session: Session, group_id: UUID | None) -> Group | None:
    """The group with this id, if there is one (a member's id may be a user's)."""
    return None if group_id is None else session.get(Group, group_id)


def member(session: Session, ref: str) -> User | Group:
    """A user or a group, as a group's member is named on the command line: an id is
    either's; a name with '@' a userPrincipalName; another a group's displayName."""
    member_id = as_uuid(ref)
    if member_id is not None:
        found = group_by_id(session, member_id)
        return found if found is not None else user(session, member_id)
    return user(session, ref) if "@" in ref else group(session, ref)
