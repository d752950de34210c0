"""Groups and their direct members: users, and groups nested in them (docs/nested-groups.md)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from seatplan.services import audit, changes, dynamic_groups, membership, nesting, queue
from seatplan.services.errors import BadRequest, Conflict
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import (
    Group,
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
    membership_rule: str | None = None,
    membership_rule_processing_state: str | None = None,
) -> Group:
    """A new group. `mail` is Exchange's in Graph (read-only there): the command line and
    a directory sync set it, the API never does. With `DynamicMembership` in
    `group_types`, `membership_rule` decides its members (evaluated in the background)."""
    name = display_name.strip()
    if not name:
        raise BadRequest("displayName cannot be empty.")
    dynamic = dynamic_groups.DYNAMIC in group_types
    group = Group(
        display_name=name,
        description=description,
        security_enabled=security_enabled,
        mail_enabled=mail_enabled,
        processing_state=queue.COMPLETE,
        mail_nickname=mail_nickname,
        group_types=[kind for kind in group_types if kind != dynamic_groups.DYNAMIC],
        visibility=_visibility(visibility),
        mail=mail,
    )
    dynamic_groups.configure(
        session,
        group=group,
        dynamic=dynamic,
        rule_text=membership_rule,
        state=membership_rule_processing_state,
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
    dynamic: bool | None = None,
    membership_rule: str | Unset | None = UNSET,
    membership_rule_processing_state: str | Unset | None = UNSET,
) -> Group:
    """Rename a group or change its description, alias, visibility or mail (licensing is
    not affected); make it dynamic (`dynamic`, a rule, a state) or static again.

    A new or changed rule, or a group resumed, is evaluated over the whole directory in
    the background; turning a group static keeps its members."""
    modified = []
    rule_given = membership_rule is not UNSET or membership_rule_processing_state is not UNSET
    if dynamic is not None or rule_given:
        modified += dynamic_groups.configure(
            session,
            group=group,
            dynamic=dynamic_groups.is_dynamic(group) if dynamic is None else dynamic,
            rule_text=membership_rule,
            state=membership_rule_processing_state,
        )
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


def dynamic_in(group: Group, group_types: Sequence[str]) -> bool:
    """Whether new `group_types` make the group dynamic; its other types cannot change."""
    others = {kind for kind in group_types if kind != dynamic_groups.DYNAMIC}
    if others != {kind for kind in group.group_types or [] if kind != dynamic_groups.DYNAMIC}:
        raise BadRequest("Only 'DynamicMembership' can be added to or removed from groupTypes.")
    return dynamic_groups.DYNAMIC in group_types


def is_licensed(session: Session, group_id: UUID) -> bool:
    return membership.is_licensed(session, group_id)


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
    """Add a member by hand (refused for a dynamic group: its rule decides)."""
    dynamic_groups.refuse_manual_change(group)
    if session.get(Membership, (group.id, user.id)) is not None:
        raise Conflict(
            f"'{user.user_principal_name}' is already a member of '{group.display_name}'."
        )
    membership.join(session, group=group, users=[(user.id, user.user_principal_name)])


def remove_member(session: Session, *, group: Group, user: User) -> None:
    """Remove a member by hand (refused for a dynamic group: its rule decides)."""
    dynamic_groups.refuse_manual_change(group)
    if session.get(Membership, (group.id, user.id)) is None:
        raise BadRequest(f"'{user.user_principal_name}' is not a member of '{group.display_name}'.")
    membership.leave(session, group=group, users=[(user.id, user.user_principal_name)])


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


def add_user_or_group(session: Session, *, group: Group, member: User | Group) -> None:
    """Add a user or nest a group (the command line and the portal name either)."""
    if isinstance(member, Group):
        add_group_member(session, group=group, member=member)
    else:
        add_member(session, group=group, user=member)


def remove_user_or_group(session: Session, *, group: Group, member: User | Group) -> None:
    if isinstance(member, Group):
        remove_group_member(session, group=group, member=member)
    else:
        remove_member(session, group=group, user=member)
