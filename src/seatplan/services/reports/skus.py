"""Consumption per product: who holds a seat and how, which groups assign it; the catalog."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatplan.catalog import Product, ServicePlan
from seatplan.engine import ErrorKind
from seatplan.services import catalog as catalog_service
from seatplan.services import subscriptions
from seatplan.services.errors import NotFound
from seatplan.services.reports.common import APPLIED, DELETED, GroupRef, plan_names
from seatplan.store.tables import Group, GroupLicense, LicenseAssignment, Membership, User


@dataclass(frozen=True, slots=True)
class LicensedUser:
    id: UUID
    user_principal_name: str
    display_name: str
    direct: bool
    groups: tuple[GroupRef, ...]


def licensed_users(session: Session, *, sku_id: UUID) -> list[LicensedUser]:
    """Users holding a seat of a SKU, each with how they got it: Direct and/or groups."""
    rows = session.execute(
        select(
            User.id,
            User.user_principal_name,
            User.display_name,
            LicenseAssignment.source_id,
            Group.display_name,
        )
        .join(User, User.id == LicenseAssignment.user_id)
        .outerjoin(Group, Group.id == LicenseAssignment.source_id)
        .where(LicenseAssignment.sku_id == sku_id, LicenseAssignment.state.in_(APPLIED))
        .order_by(User.upn_key, Group.display_name)
    )
    found: dict[UUID, LicensedUser] = {}
    for user_id, upn, name, source_id, group_name in rows:
        held = found.get(user_id) or LicensedUser(user_id, upn, name, False, ())
        if source_id is None:
            held = replace(held, direct=True)
        else:
            held = replace(held, groups=(*held.groups, GroupRef(source_id, group_name or DELETED)))
        found[user_id] = held
    return list(found.values())


@dataclass(frozen=True, slots=True)
class LicensedGroup:
    id: UUID
    display_name: str
    member_count: int
    disabled_plan_names: tuple[str, ...]
    #: Users whose assignment from the group is applied, and users in error.
    users_licensed: int
    users_in_error: int


def licensed_groups(session: Session, *, sku_id: UUID) -> list[LicensedGroup]:
    """Groups that assign a SKU, with how many users hold it from them or wait in error."""
    catalog = catalog_service.current(session).catalog
    groups = list(
        session.execute(
            select(Group.id, Group.display_name, GroupLicense.disabled_plans)
            .join(GroupLicense, GroupLicense.group_id == Group.id)
            .where(GroupLicense.sku_id == sku_id)
            .order_by(Group.display_name, Group.id)
        )
    )
    ids = [g[0] for g in groups]
    counts = dict(
        session.execute(
            select(Membership.group_id, func.count())
            .where(Membership.group_id.in_(ids))
            .group_by(Membership.group_id)
        ).all()
    )
    # Keyed by source, which the query keeps to the groups.
    applied: dict[UUID | None, int] = defaultdict(int)
    failed: dict[UUID | None, int] = defaultdict(int)
    for source_id, state, error, n in session.execute(
        select(
            LicenseAssignment.source_id,
            LicenseAssignment.state,
            LicenseAssignment.error,
            func.count(),
        )
        .where(LicenseAssignment.sku_id == sku_id, LicenseAssignment.source_id.in_(ids))
        .group_by(LicenseAssignment.source_id, LicenseAssignment.state, LicenseAssignment.error)
    ):
        applied[source_id] += n if state in APPLIED else 0
        failed[source_id] += n if error is not None else 0
    return [
        LicensedGroup(
            group_id,
            name,
            counts.get(group_id, 0),
            plan_names(catalog, disabled),
            applied[group_id],
            failed[group_id],
        )
        for group_id, name, disabled in groups
    ]


def sku_summaries(session: Session) -> list[subscriptions.SkuSummary]:
    """Every subscribed SKU: total, consumed and available seats."""
    return subscriptions.summaries(session)


def products(session: Session, *, search: str | None = None) -> list[Product]:
    """Catalog products, optionally those whose part number or name contains `search`."""
    items = catalog_service.current(session).catalog.products
    if search:
        text = search.strip().casefold()
        items = tuple(
            p
            for p in items
            if text in p.sku_part_number.casefold() or text in p.display_name.casefold()
        )
    return sorted(items, key=lambda p: p.sku_part_number.casefold())


def product_plans(session: Session, *, sku_id: UUID) -> list[ServicePlan]:
    """The service plans of a catalog product, by name."""
    catalog = catalog_service.current(session).catalog
    product = catalog.product(sku_id)
    if product is None:
        raise NotFound("Product", sku_id)
    plans = (catalog.plan(p) or ServicePlan(p, str(p), "") for p in product.plan_ids)
    return sorted(plans, key=lambda p: p.name.casefold())


def waiting_for_seats(session: Session, *, sku_id: UUID) -> int:
    """Assignments of a SKU waiting for a seat (CountViolation)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(LicenseAssignment)
            .where(
                LicenseAssignment.sku_id == sku_id,
                LicenseAssignment.error == ErrorKind.COUNT.value,
            )
        )
        or 0
    )
