"""License assignments in error, with who, which product, which source and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, select
from sqlalchemy.orm import Session

from seatplan.services import catalog as catalog_service
from seatplan.services.reports.common import DELETED, GroupRef, part_number
from seatplan.services.reports.help import ErrorHelp, error_help
from seatplan.store.tables import Group, LicenseAssignment, Membership, Product, User

#: The orders a list of errors can take: its sort key's columns (each one ends in the
#: user and the product, so that a page is the same from one request to the next).
ERROR_ORDERS: dict[str, tuple[SQLColumnExpression[Any], ...]] = {
    "upn": (User.upn_key,),
    "name": (User.display_name, User.upn_key),
    "product": (Product.sku_part_number, User.upn_key),
    "error": (LicenseAssignment.error, User.upn_key),
    "group": (Group.display_name, User.upn_key),
    "state": (LicenseAssignment.state, User.upn_key),
}


def error_conditions(
    *, group_id: UUID | None = None, error: str | None = None, sku_id: UUID | None = None
) -> list[ColumnElement[bool]]:
    """Which assignments in error a list holds: of a source group, an error kind, a SKU."""
    found: list[ColumnElement[bool]] = [LicenseAssignment.error.is_not(None)]
    if group_id is not None:
        found.append(LicenseAssignment.source_id == group_id)
    if error:
        found.append(LicenseAssignment.error == error)
    if sku_id is not None:
        found.append(LicenseAssignment.sku_id == sku_id)
    return found


@dataclass(frozen=True, slots=True)
class AssignmentError:
    """A license assignment in error: who, which product, from which source, why."""

    user_id: UUID
    user_principal_name: str
    display_name: str
    sku_id: UUID
    sku_part_number: str
    group: GroupRef | None
    state: str
    error: str
    #: False when the user left the group but keeps its license (DependencyViolation).
    is_member: bool

    @property
    def help(self) -> ErrorHelp | None:
        return error_help(self.error)


def assignment_errors(
    session: Session,
    *,
    group_id: UUID | None = None,
    error: str | None = None,
    sku_id: UUID | None = None,
    order: str = "upn",
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[AssignmentError]:
    """License assignments in error: all of them, or those whose source is `group_id`,
    of one error kind, of one SKU.

    `offset` and `limit` take one page of them, in `order` (a key of ERROR_ORDERS).

    For a group this includes users who left it but keep its license in
    ActiveWithError (DependencyViolation): Graph's membersWithLicenseErrors.
    """
    catalog = catalog_service.current(session).catalog
    # Joined by key rather than asked per row: the rows in error (their own index) drive.
    member = and_(
        Membership.group_id == LicenseAssignment.source_id,
        Membership.user_id == LicenseAssignment.user_id,
    )
    query = (
        select(
            LicenseAssignment.user_id,
            User.user_principal_name,
            User.display_name,
            LicenseAssignment.sku_id,
            LicenseAssignment.source_id,
            Group.display_name,
            LicenseAssignment.state,
            LicenseAssignment.error,
            Membership.user_id.is_not(None),
        )
        .join(User, User.id == LicenseAssignment.user_id)
        .outerjoin(Group, Group.id == LicenseAssignment.source_id)
        .outerjoin(Membership, member)
        .where(*error_conditions(group_id=group_id, error=error, sku_id=sku_id))
    )
    if order == "product":
        query = query.outerjoin(Product, Product.sku_id == LicenseAssignment.sku_id)
    columns: Sequence[SQLColumnExpression[Any]] = ERROR_ORDERS[order]
    query = query.order_by(
        *(c.desc() if descending else c for c in columns),
        LicenseAssignment.sku_id,
        LicenseAssignment.source_id,
    )
    if offset or limit is not None:
        query = query.offset(offset).limit(limit)
    return [
        AssignmentError(
            user_id=user_id,
            user_principal_name=upn,
            display_name=name,
            sku_id=sku_id,
            sku_part_number=part_number(catalog, sku_id),
            group=None if source_id is None else GroupRef(source_id, group_name or DELETED),
            state=state,
            error=error or "",
            is_member=bool(is_member),
        )
        for user_id, upn, name, sku_id, source_id, group_name, state, error, is_member in (
            session.execute(query)
        )
    ]


def members_with_errors(session: Session, *, group_id: UUID) -> list[AssignmentError]:
    """Users with a license assignment error from this group, one row per product."""
    return assignment_errors(session, group_id=group_id)
