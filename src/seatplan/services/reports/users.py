"""Users as administrators look at them: profile, location, licenses by source."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.services import catalog as catalog_service
from seatplan.services import nesting
from seatplan.services import organization as org_service
from seatplan.services.errors import NotFound
from seatplan.services.reports.common import (
    APPLIED,
    DELETED,
    DIRECT,
    GroupRef,
    part_number,
    plan_labels,
    plan_names,
)
from seatplan.store.tables import Group, LicenseAssignment, Membership, User


@dataclass(frozen=True, slots=True)
class LicenseView:
    """One license assignment of a user, by source ("Direct" or the group's name)."""

    sku_id: UUID
    sku_part_number: str
    group: GroupRef | None
    state: str
    error: str | None
    disabled_plans: frozenset[UUID]
    disabled_plan_names: tuple[str, ...]
    enabled_plan_names: tuple[str, ...]
    updated: datetime
    #: The user's own group the license came through, when it came from a group above
    #: it (licenseNestedGroups).
    via: GroupRef | None = None
    #: The enabled plans' friendly names (their code name when they have none), sorted.
    enabled_plan_labels: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return DIRECT if self.group is None else self.group.display_name


@dataclass(frozen=True, slots=True)
class UserDetail:
    id: UUID
    user_principal_name: str
    display_name: str
    usage_location: str | None
    effective_usage_location: str | None
    account_enabled: bool
    department: str | None
    job_title: str | None
    mail: str | None
    created: datetime
    licenses: tuple[LicenseView, ...]
    groups: tuple[GroupRef, ...]


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: UUID
    user_principal_name: str
    display_name: str
    usage_location: str | None
    account_enabled: bool
    #: skuPartNumbers of the products the user really has (Active or ActiveWithError).
    products: tuple[str, ...]
    #: Assignments in error (any state).
    errors: int


def _group_names(session: Session, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Group.id, Group.display_name).where(Group.id.in_(ids)))
    return dict(rows.all())


def user_detail(session: Session, *, user_id: UUID) -> UserDetail:
    """A user's profile, effective usage location, groups and every license assignment."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User", user_id)
    org = org_service.get(session)
    catalog = catalog_service.current(session).catalog
    rows = list(
        session.scalars(select(LicenseAssignment).where(LicenseAssignment.user_id == user_id))
    )
    groups = list(
        session.execute(
            select(Group.id, Group.display_name)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user_id)
            .order_by(Group.display_name)
        )
    )
    names = {g[0]: g[1] for g in groups} | _group_names(
        session, {r.source_id for r in rows if r.source_id is not None}
    )

    direct = {group_id for group_id, _ in groups}
    vias = _vias(session, user_id, {r.source_id for r in rows if r.source_id not in direct})

    def view(row: LicenseAssignment) -> LicenseView:
        product = catalog.product(row.sku_id)
        plans = product.plan_ids if product else ()
        group = (
            None
            if row.source_id is None
            else GroupRef(row.source_id, names.get(row.source_id, DELETED))
        )
        return LicenseView(
            via=vias.get(row.source_id) if row.source_id is not None else None,
            sku_id=row.sku_id,
            sku_part_number=part_number(catalog, row.sku_id),
            group=group,
            state=row.state,
            error=row.error,
            disabled_plans=row.disabled_plans,
            disabled_plan_names=plan_names(catalog, row.disabled_plans),
            enabled_plan_names=plan_names(
                catalog, tuple(p for p in plans if p not in row.disabled_plans)
            ),
            enabled_plan_labels=plan_labels(
                catalog, tuple(p for p in plans if p not in row.disabled_plans)
            ),
            updated=row.updated,
        )

    licenses = sorted(
        map(view, rows), key=lambda v: (v.sku_part_number, v.group is not None, v.source)
    )
    return UserDetail(
        id=user.id,
        user_principal_name=user.user_principal_name,
        display_name=user.display_name,
        usage_location=user.usage_location,
        effective_usage_location=engine.effective_location(
            user.usage_location, org.default_usage_location, org.country_letter_code
        ),
        account_enabled=user.account_enabled,
        department=user.department,
        job_title=user.job_title,
        mail=user.mail,
        created=user.created,
        licenses=tuple(licenses),
        groups=tuple(GroupRef(*g) for g in groups),
    )


def user_summaries(
    session: Session,
    *,
    search: str | None = None,
    top: int = 100,
    offset: int = 0,
    ids: list[UUID] | None = None,
) -> list[UserSummary]:
    """Users by userPrincipalName, optionally those whose UPN or name contains `search`;
    or those of `ids` (a page chosen elsewhere)."""
    query = select(User).order_by(User.upn_key).offset(offset).limit(top)
    if ids is not None:
        query = select(User).where(User.id.in_(ids))
    elif search:
        text = f"%{search.strip().lower()}%"
        query = query.where(or_(User.upn_key.like(text), func.lower(User.display_name).like(text)))
    users = list(session.scalars(query))
    catalog = catalog_service.current(session).catalog
    products: dict[UUID, set[str]] = defaultdict(set)
    errors: dict[UUID, int] = defaultdict(int)
    if users:
        rows = session.execute(
            select(
                LicenseAssignment.user_id,
                LicenseAssignment.sku_id,
                LicenseAssignment.state,
                LicenseAssignment.error,
            ).where(LicenseAssignment.user_id.in_([u.id for u in users]))
        )
        for user_id, sku_id, state, error in rows:
            if state in APPLIED:
                products[user_id].add(part_number(catalog, sku_id))
            errors[user_id] += error is not None
    return [
        UserSummary(
            u.id,
            u.user_principal_name,
            u.display_name,
            u.usage_location,
            u.account_enabled,
            tuple(sorted(products[u.id])),
            errors[u.id],
        )
        for u in users
    ]


def _vias(session: Session, user_id: UUID, sources: set[UUID | None]) -> dict[UUID, GroupRef]:
    """For each source group the user is not a direct member of: the first (by name) of
    the user's groups under it, the one a nested license came through."""
    found: dict[UUID, GroupRef] = {}
    for source in sorted(s for s in sources if s is not None):
        under = nesting.below(select(literal(source, Group.id.type)))
        row = session.execute(
            select(Group.id, Group.display_name)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user_id, Group.id.in_(select(under.c.id)))
            .order_by(Group.display_name, Group.id)
            .limit(1)
        ).first()
        if row is not None:
            found[source] = GroupRef(row[0], row[1])
    return found
