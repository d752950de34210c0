"""What the Graph routers share: permissions, documented answers, `$select`, users and groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from seatplan.api.auth import Require
from seatplan.api.errors import COMMON_RESPONSES, GraphError
from seatplan.services import directory, hot_reads, lookup
from seatplan.services.directory import UserRecord
from seatplan.services.errors import NotFound
from seatplan.shapes import groups as group_shapes
from seatplan.shapes import users as user_shapes
from seatplan.store.prepared import Reader
from seatplan.store.tables import Group, User

Json = dict[str, Any]

#: Where the Graph routes are mounted.
PREFIX = "/v1.0"

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
#: The two spellings of a type in an OData cast segment: Graph's SDKs send the alias.
CAST_NAMESPACES = ("microsoft.graph.", "graph.")
_LICENSE_FIELDS = frozenset({"assignedLicenses", "licenseAssignmentStates"})

UserRef = Path(description="The user's id or userPrincipalName.", max_length=256)
GroupId = Path(description="The group's id.", max_length=64)


def require(*any_of: str) -> Any:
    """The route's permission, as a dependency the route table can be checked for."""
    return Depends(Require(*any_of))


def responses(model: Any = None, status: int = 200, description: str = "OK") -> Any:
    """The route's answers: `model` (a shape, see `api.answers`) and the errors."""
    found: dict[int | str, dict[str, Any]] = dict(COMMON_RESPONSES)
    found[status] = {"description": description} | ({"model": model} if model else {})
    return found


def count_responses() -> Any:
    """The answers of a `/$count` route: the number as plain text, and the errors (in
    JSON: named here, since the route's own media type is text/plain)."""
    envelope = {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
    found: dict[int | str, dict[str, Any]] = {
        status: {"description": answer["description"], "content": {"application/json": envelope}}
        for status, answer in COMMON_RESPONSES.items()
    }
    found[200] = {
        "description": "The number of items, as plain text",
        "content": {"text/plain": {"schema": {"type": "integer", "minimum": 0}}},
    }
    return found


def project(item: Mapping[str, Any], select: Sequence[str] | None, default: Sequence[str]) -> Json:
    """What `$select` asks for, or Graph's default properties when it asks for nothing."""
    keys = select if select is not None else default
    return {key: item[key] for key in keys if key in item}


def check_user_select(request: Request, select: Sequence[str] | None) -> Sequence[str] | None:
    """`select`, once the caller may see it: Graph shows `signInActivity` only to a token
    with AuditLog.Read.All, and answers 403 with this code and message otherwise."""
    wanted = select is not None and "signInActivity" in select
    if wanted and not request.state.principal.allows((AUDIT_READ,)):
        raise GraphError(
            403,
            "Authentication_MSGraphPermissionMissing",
            f"Calling principal does not have required MSGraph permissions {AUDIT_READ}",
        )
    return select


def user_items(session: Session, rows: Sequence[User], select: Sequence[str] | None) -> list[Json]:
    """Users as Graph shows them; their licenses are loaded in one query when selected."""
    records = [UserRecord.of(row) for row in rows]
    licenses = None
    if _with_licenses(select):
        licenses = directory.assignments_of(session, [row.id for row in records])
    return [
        project(
            user_shapes.user(row, None if licenses is None else licenses.get(row.id, [])),
            select,
            user_shapes.USER_DEFAULT,
        )
        for row in records
    ]


def user_item(reader: Reader, ref: str, select: Sequence[str] | None) -> Json:
    """`user_items` of one user by id or UPN, as prepared reads (the hot `GET /users/{id}`)."""
    row = hot_reads.user_row(reader, ref)
    licenses = hot_reads.assignment_rows(reader, row.id) if _with_licenses(select) else None
    return project(user_shapes.user(row, licenses), select, user_shapes.USER_DEFAULT)


def _with_licenses(select: Sequence[str] | None) -> bool:
    return select is not None and not _LICENSE_FIELDS.isdisjoint(select)


def group_items(
    session: Session, rows: Sequence[Group], select: Sequence[str] | None
) -> list[Json]:
    licenses = None
    if select is not None and "assignedLicenses" in select:
        licenses = directory.group_licenses_of(session, [row.id for row in rows])
    return [
        project(
            group_shapes.group(row, None if licenses is None else licenses.get(row.id, [])),
            select,
            group_shapes.GROUP_DEFAULT,
        )
        for row in rows
    ]


def group_by_id(session: Session, ref: str) -> Group:
    """Graph addresses groups by id only."""
    group_id = lookup.as_uuid(ref)
    if group_id is None:
        raise NotFound("Group", ref)
    return lookup.group(session, group_id)
