"""What the Graph routers share: permissions, documented answers, user and group JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Depends, Path
from sqlalchemy.orm import Session

from seatplan.api.auth import Require
from seatplan.api.errors import COMMON_RESPONSES
from seatplan.api.graph import shapes
from seatplan.services import directory, lookup
from seatplan.services.errors import NotFound
from seatplan.store.prepared import Reader
from seatplan.store.tables import Group, User

Json = dict[str, Any]

USER_READ = "User.Read.All"
USER_WRITE = "User.ReadWrite.All"
GROUP_READ = "Group.Read.All"
GROUP_WRITE = "Group.ReadWrite.All"
MEMBER_WRITE = "GroupMember.ReadWrite.All"
LICENSE_WRITE = "LicenseAssignment.ReadWrite.All"
ORG_READ = "Organization.Read.All"
AUDIT_READ = "AuditLog.Read.All"

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"
_LICENSE_FIELDS = frozenset({"assignedLicenses", "licenseAssignmentStates"})

UserRef = Path(description="The user's id or userPrincipalName.", max_length=256)
GroupId = Path(description="The group's id.", max_length=64)


def require(*any_of: str) -> Any:
    """The route's permission, as a dependency the route table can be checked for."""
    return Depends(Require(*any_of))


def responses(model: Any = None, status: int = 200, description: str = "OK") -> Any:
    found: dict[int | str, dict[str, Any]] = dict(COMMON_RESPONSES)
    found[status] = {"description": description} | ({"model": model} if model else {})
    return found


def user_items(session: Session, rows: Sequence[User], select: Sequence[str] | None) -> list[Json]:
    """Users as Graph shows them; their licenses are loaded in one query when selected."""
    licenses = None
    if _with_licenses(select):
        licenses = directory.assignments_of(session, [row.id for row in rows])
    return [
        shapes.project(
            shapes.user(row, None if licenses is None else licenses.get(row.id, [])),
            select,
            shapes.USER_DEFAULT,
        )
        for row in rows
    ]


def user_item(reader: Reader, ref: str, select: Sequence[str] | None) -> Json:
    """`user_items` of one user by id or UPN, as prepared reads (the hot `GET /users/{id}`)."""
    row = directory.user_row(reader, ref)
    licenses = directory.assignment_rows(reader, row.id) if _with_licenses(select) else None
    return shapes.project(shapes.user(row, licenses), select, shapes.USER_DEFAULT)


def _with_licenses(select: Sequence[str] | None) -> bool:
    return select is not None and not _LICENSE_FIELDS.isdisjoint(select)


def group_items(
    session: Session, rows: Sequence[Group], select: Sequence[str] | None
) -> list[Json]:
    licenses = None
    if select is not None and "assignedLicenses" in select:
        licenses = directory.group_licenses_of(session, [row.id for row in rows])
    return [
        shapes.project(
            shapes.group(row, None if licenses is None else licenses.get(row.id, [])),
            select,
            shapes.GROUP_DEFAULT,
        )
        for row in rows
    ]


def group_by_id(session: Session, ref: str) -> Group:
    """Graph addresses groups by id only."""
    group_id = lookup.as_uuid(ref)
    if group_id is None:
        raise NotFound("Group", ref)
    return lookup.group(session, group_id)
