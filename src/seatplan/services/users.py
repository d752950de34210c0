"""Users: create, change, delete. Changes that can alter licensing queue the user."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.services import assignment_rows, audit, catalog, changes, queue, subscriptions
from seatplan.services import organization as org_service
from seatplan.services.errors import BadRequest, Conflict
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import Membership, QueuedUser, User
from seatplan.store.types import utcnow


def _upn(value: str) -> str:
    upn = value.strip()
    if upn.count("@") != 1 or upn.startswith("@") or upn.endswith("@") or " " in upn:
        raise BadRequest(f"Invalid userPrincipalName '{value}': expected name@domain.")
    return upn


def create(
    session: Session,
    *,
    user_principal_name: str,
    display_name: str | None = None,
    usage_location: str | None = None,
    account_enabled: bool = True,
    department: str | None = None,
    job_title: str | None = None,
    user_id: UUID | None = None,
) -> User:
    upn = _upn(user_principal_name)
    if session.scalar(select(User.id).where(User.upn_key == upn.lower())):
        raise Conflict(f"A user with userPrincipalName '{upn}' already exists.")
    user = User(
        user_principal_name=upn,
        upn_key=upn.lower(),
        display_name=(display_name or upn.split("@")[0]).strip(),
        usage_location=org_service.country(usage_location, "usage location"),
        account_enabled=account_enabled,
        department=department,
        job_title=job_title,
    )
    if user_id is not None:
        user.id = user_id
    session.add(user)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.ADD_USER,
        category="UserManagement",
        targets=[audit.target("User", user.id, user.user_principal_name)],
    )
    return user


def update(
    session: Session,
    *,
    user: User,
    display_name: str | None = None,
    usage_location: str | Unset | None = UNSET,
    account_enabled: bool | None = None,
    department: str | Unset | None = UNSET,
    job_title: str | Unset | None = UNSET,
) -> User:
    """Change a user. A new usage location must suit the user's direct licenses."""
    modified = []
    if display_name is not None:
        if not display_name.strip():
            raise BadRequest("displayName cannot be empty.")
        modified.append(audit.changed("DisplayName", user.display_name, display_name.strip()))
        user.display_name = display_name.strip()
    if usage_location is not UNSET:
        code = org_service.country(usage_location, "usage location")
        if code != user.usage_location:
            # Direct licenses are judged at the user's own location, never the organization's
            # (as when they were assigned), so clearing it while holding one is refused.
            try:
                engine.check_location_change(
                    catalog.rulebook(session), assignment_rows.held(session, user.id), code
                )
            except engine.LicenseRefused as refused:
                raise BadRequest(refused.message) from refused
            modified.append(audit.changed("UsageLocation", user.usage_location, code))
            user.usage_location = code
            queue.enqueue_users(session, [user.id])
    if account_enabled is not None:
        modified.append(audit.changed("AccountEnabled", user.account_enabled, account_enabled))
        user.account_enabled = account_enabled
    if department is not UNSET:
        modified.append(audit.changed("Department", user.department, department))
        user.department = department
    if job_title is not UNSET:
        modified.append(audit.changed("JobTitle", user.job_title, job_title))
        user.job_title = job_title
    session.flush()
    audit.record_update(
        session,
        activity=audit.Activity.UPDATE_USER,
        category="UserManagement",
        target=audit.target("User", user.id, user.user_principal_name),
        modified=modified,
    )
    return user


def delete_user(session: Session, *, user: User) -> None:
    """Delete a user: their seats are freed and offered to users waiting for one."""
    rows = assignment_rows.held(session, user.id)
    skus = sorted({row.sku_id for row in rows if row.state.applied})
    subscriptions.lock_usage(session, skus)
    subscriptions.adjust_seats(session, dict.fromkeys(skus, -1))
    # Through the rows' one writer, which records their license.removed events.
    removed = assignment_rows.Changes(utcnow())
    for row in rows:
        removed.delete(user.id, row)
    assignment_rows.write(session, removed)
    changes.memberships_ending(session, Membership.user_id == user.id)
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    session.execute(delete(QueuedUser).where(QueuedUser.user_id == user.id))
    audit.record(
        session,
        activity=audit.Activity.DELETE_USER,
        category="UserManagement",
        targets=[audit.target("User", user.id, user.user_principal_name)],
    )
    session.delete(user)
    session.flush()
    subscriptions.offer_freed_seats(session, dict.fromkeys(skus, 1))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
