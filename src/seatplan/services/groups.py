"""Groups and their direct members: users, and groups nested in them (docs/nested-groups.md)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, exists, func, literal, select
from sqlalchemy.orm import Session

from seatplan.services import audit, changes, nesting, queue
from seatplan.services.errors import BadRequest, Conflict
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import (
    Group,
    GroupLicense,
    GroupNesting,
    LicenseAssignment,
    Membership,
    User,
)
from seatplan.store.types import utcnow

#: Graph's group visibilities.
VISIBILITIES = ("Private", "Public", "HiddenMembership")


def _visibility(value: str | None) -> str | None:
    if value is not None and value not in VISIBILITIES:
        raise BadRequest(
            f"Invalid visibility '{value}': expected one of {', '.join(VISIBILITIES)}."
        )
    return value


def create(
    session: Session,
    *,
    display_name: str,
    description: str | None = None,
    security_enabled: bool = True,
    mail_enabled: bool = False,
    group_id: UUID | None = None,
    mail_nickname: str | None = None,
    group_types: Sequence[str] = (),
    visibility: str | None = None,
    mail: str | None = None,
) -> Group:
    """A new group. `mail` is Exchange's in Graph (read-only there): the command line and
    a directory sync set it, the API never does."""
    name = display_name.strip()
    if not name:
        raise BadRequest("displayName cannot be empty.")
    group = Group(
        display_name=name,
        description=description,
        security_enabled=security_enabled,
        mail_enabled=mail_enabled,
        processing_state=queue.COMPLETE,
        mail_nickname=mail_nickname,
        group_types=list(group_types),
        visibility=_visibility(visibility),
        mail=mail,
    )
    if group_id is not None:
        group.id = group_id
    session.add(group)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.ADD_GROUP,
        category="GroupManagement",
        targets=[audit.target("Group", group.id, group.display_name)],
    )
    return group


def update(
    session: Session,
    *,
    group: Group,
    display_name: str | None = None,
    description: str | Unset | None = UNSET,
    mail_nickname: str | None = None,
    visibility: str | Unset | None = UNSET,
    mail: str | Unset | None = UNSET,
) -> Group:
    """Rename a group or change its description, alias, visibility or mail (licensing is
    not affected)."""
    modified = []
    if display_name is not None:
        if not display_name.strip():
            raise BadRequest("displayName cannot be empty.")
        modified.append(audit.changed("DisplayName", group.display_name, display_name.strip()))
        group.display_name = display_name.strip()
    if description is not UNSET:
        modified.append(audit.changed("Description", group.description, description))
        group.description = description
    if mail_nickname is not None:
        modified.append(audit.changed("MailNickname", group.mail_nickname, mail_nickname))
        group.mail_nickname = mail_nickname
    if visibility is not UNSET:
        modified.append(audit.changed("Visibility", group.visibility, visibility))
        group.visibility = _visibility(visibility)
    if mail is not UNSET:
        modified.append(audit.changed("Mail", group.mail, mail))
        group.mail = mail
    session.flush()
    audit.record_update(
        session,
        activity=audit.Activity.UPDATE_GROUP,
        category="GroupManagement",
        target=audit.target("Group", group.id, group.display_name),
        modified=modified,
    )
    return group


def is_licensed(session: Session, group_id: UUID) -> bool:
    return bool(session.scalar(select(exists().where(GroupLicense.group_id == group_id))))


def delete_group(session: Session, *, group: Group) -> None:
    """Delete a group; one that carries licenses must lose them first."""
    if is_licensed(session, group.id):
        raise BadRequest(
            f"Group '{group.display_name}' has licenses assigned: remove its licenses first."
        )
    holders = set(
        session.scalars(
            select(LicenseAssignment.user_id).where(LicenseAssignment.source_id == group.id)
        )
    )
    # Its members may hold licenses of groups above it, through nesting.
    holders.update(
        session.scalars(nesting.holders_from_at_or_above(group.id, nesting.users_below(group.id)))
    )
    changes.memberships_ending(session, Membership.group_id == group.id)
    session.execute(delete(Membership).where(Membership.group_id == group.id))
    session.execute(
        delete(GroupNesting).where(
            (GroupNesting.parent_id == group.id) | (GroupNesting.child_id == group.id)
        )
    )
    audit.record(
        session,
        activity=audit.Activity.DELETE_GROUP,
        category="GroupManagement",
        targets=[audit.target("Group", group.id, group.display_name)],
    )
    session.delete(group)
    session.flush()
    queue.enqueue_users(session, holders)


def add_member(session: Session, *, group: Group, user: User) -> None:
    if session.get(Membership, (group.id, user.id)) is not None:
        raise Conflict(
            f"'{user.user_principal_name}' is already a member of '{group.display_name}'."
        )
    session.add(Membership(group_id=group.id, user_id=user.id, since=utcnow()))
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.ADD_MEMBER,
        category="GroupManagement",
        targets=[
            audit.target("User", user.id, user.user_principal_name),
            audit.target("Group", group.id, group.display_name),
        ],
    )
    if _licenses_flow_to_members(session, group.id):
        queue.enqueue_users(session, [user.id])


def _licenses_flow_to_members(session: Session, group_id: UUID) -> bool:
    """Whether the group's members get licenses: its own, or (licenseNestedGroups) those
    of a group above it."""
    if is_licensed(session, group_id):
        return True
    return nesting.licensing(session) and nesting.licensed_at_or_above(session, group_id)


def remove_member(session: Session, *, group: Group, user: User) -> None:
    membership = session.get(Membership, (group.id, user.id))
    if membership is None:
        raise BadRequest(f"'{user.user_principal_name}' is not a member of '{group.display_name}'.")
    session.delete(membership)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.REMOVE_MEMBER,
        category="GroupManagement",
        targets=[
            audit.target("User", user.id, user.user_principal_name),
            audit.target("Group", group.id, group.display_name),
        ],
    )
    # A licensed group's member may be mid-evaluation by a worker whose rows are not
    # committed yet: queue them whatever is visible now, so the removal is never lost.
    holds = session.scalar(
        select(
            exists().where(
                LicenseAssignment.user_id == user.id, LicenseAssignment.source_id == group.id
            )
        )
    )
    if not holds and nesting.any_nesting(session):
        just_user = select(literal(user.id, User.id.type))
        holds = session.scalar(
            select(exists(nesting.holders_from_at_or_above(group.id, just_user)))
        )
    if holds or _licenses_flow_to_members(session, group.id):
        queue.enqueue_users(session, [user.id])


def add_group_member(session: Session, *, group: Group, member: Group) -> None:
    """Nest `member` in `group`; a cycle (direct or through other groups) is refused."""
    if nesting.DYNAMIC in (group.group_types or []):
        raise BadRequest(
            f"Group '{group.display_name}' has dynamic membership: "
            "groups cannot be added to it as members."
        )
    if nesting.has_parent(session, parent_id=group.id, child_id=member.id):
        raise Conflict(f"'{member.display_name}' is already a member of '{group.display_name}'.")
    if nesting.contains(session, parent_id=member.id, child_id=group.id):
        raise BadRequest(
            f"Group '{member.display_name}' cannot be a member of '{group.display_name}': "
            "it would be a member of itself (a cycle of nested groups)."
        )
    session.add(GroupNesting(parent_id=group.id, child_id=member.id, since=utcnow()))
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.ADD_MEMBER,
        category="GroupManagement",
        targets=[
            audit.target("Group", member.id, member.display_name),
            audit.target("Group", group.id, group.display_name),
        ],
    )
    if nesting.licensing(session) and nesting.licensed_at_or_above(session, group.id):
        queue.enqueue_users(session, session.scalars(nesting.users_below(member.id)))


def remove_group_member(session: Session, *, group: Group, member: Group) -> None:
    nested = session.get(GroupNesting, (group.id, member.id))
    if nested is None:
        raise BadRequest(f"'{member.display_name}' is not a member of '{group.display_name}'.")
    session.delete(nested)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.REMOVE_MEMBER,
        category="GroupManagement",
        targets=[
            audit.target("Group", member.id, member.display_name),
            audit.target("Group", group.id, group.display_name),
        ],
    )
    below = nesting.users_below(member.id)
    # Those holding a license that came down through this link, whatever the setting
    # (a worker may be writing one now), and all of them while licenses flow down.
    affected = set(session.scalars(nesting.holders_from_at_or_above(group.id, below)))
    if nesting.licensing(session) and nesting.licensed_at_or_above(session, group.id):
        affected.update(session.scalars(below))
    queue.enqueue_users(session, affected)


def member_count(session: Session, group_id: UUID) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Membership).where(Membership.group_id == group_id)
        )
        or 0
    )
