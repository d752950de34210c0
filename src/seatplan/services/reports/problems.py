"""License assignments in error, with who, which product, which source and why."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from seatplan.services import catalog as catalog_service
from seatplan.services.reports.common import DELETED, GroupRef, part_number
from seatplan.services.reports.help import ErrorHelp, error_help
from seatplan.store.tables import Group, LicenseAssignment, Membership, User


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
    session: Session, *, group_id: UUID | None = None, offset: int = 0, limit: int | None = None
) -> list[AssignmentError]:
    """License assignments in error: all of them, or those whose source is `group_id`.

    `offset` and `limit` take one page of them (by userPrincipalName).

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
        .where(LicenseAssignment.error.is_not(None))
        .order_by(User.upn_key, LicenseAssignment.sku_id, LicenseAssignment.source_id)
    )
    if group_id is not None:
        query = query.where(LicenseAssignment.source_id == group_id)
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
