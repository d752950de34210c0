"""Directory reads for the Graph API: base statements for collections, and bulk loaders.

Collections are statements (`select(User)`, …) that the API's OData layer filters, orders
and pages before `fetch` runs them; whatever a page shows beyond a row (licenses, group
products, seat totals) is loaded for the whole page in one query, never per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from seatplan.catalog import Catalog
from seatplan.catalog import Product as CatalogProduct
from seatplan.engine import State
from seatplan.services import catalog
from seatplan.services.errors import NotFound
from seatplan.store.tables import (
    AuditEvent,
    Group,
    GroupLicense,
    LicenseAssignment,
    Membership,
    Product,
    SkuUsage,
    Subscription,
    User,
)

T = TypeVar("T")
_APPLIED = (State.ACTIVE.value, State.ACTIVE_WITH_ERROR.value)


def users() -> Select[User]:
    return select(User)


def groups() -> Select[Group]:
    return select(Group)


def audit_events() -> Select[AuditEvent]:
    return select(AuditEvent)


def subscribed_products() -> Select[Product]:
    """Products the organization has a subscription for."""
    return select(Product).where(exists().where(SkuUsage.sku_id == Product.sku_id))


def subscribed_product(session: Session, sku_id: UUID) -> Product | None:
    return session.scalar(subscribed_products().where(Product.sku_id == sku_id))


def members_of(group_id: UUID) -> Select[User]:
    return select(User).where(
        exists().where(Membership.user_id == User.id, Membership.group_id == group_id)
    )


def members_with_errors(group_id: UUID) -> Select[User]:
    """Graph's membersWithLicenseErrors: the users of `reports.members_with_errors`."""
    return select(User).where(
        exists().where(
            LicenseAssignment.user_id == User.id,
            LicenseAssignment.source_id == group_id,
            LicenseAssignment.error.is_not(None),
        )
    )


def groups_of(user_id: UUID) -> Select[Group]:
    return select(Group).where(
        exists().where(Membership.group_id == Group.id, Membership.user_id == user_id)
    )


def fetch(session: Session, statement: Select[T]) -> list[T]:
    return list(session.scalars(statement))


def count(session: Session, statement: Select[Any]) -> int:
    """Rows of a statement (its ORDER BY and LIMIT dropped)."""
    inner = statement.order_by(None).limit(None).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def assignments_of(
    session: Session, user_ids: Sequence[UUID]
) -> dict[UUID, list[LicenseAssignment]]:
    """Every license assignment of the users, in one query (`user_ids` is a page)."""
    found: dict[UUID, list[LicenseAssignment]] = defaultdict(list)
    if user_ids:
        rows = session.scalars(
            select(LicenseAssignment)
            .where(LicenseAssignment.user_id.in_(user_ids))
            .order_by(LicenseAssignment.sku_id, LicenseAssignment.source_id)
        )
        for row in rows:
            found[row.user_id].append(row)
    return found


def group_licenses_of(
    session: Session, group_ids: Sequence[UUID]
) -> dict[UUID, list[GroupLicense]]:
    found: dict[UUID, list[GroupLicense]] = defaultdict(list)
    if group_ids:
        rows = session.scalars(
            select(GroupLicense)
            .where(GroupLicense.group_id.in_(group_ids))
            .order_by(GroupLicense.assigned_at, GroupLicense.sku_id)
        )
        for row in rows:
            found[row.group_id].append(row)
    return found


@dataclass(frozen=True, slots=True)
class EffectiveLicense:
    """A product a user really has: its plans disabled in every applied source."""

    sku_id: UUID
    disabled_plans: frozenset[UUID]


def effective_licenses(rows: Iterable[LicenseAssignment]) -> list[EffectiveLicense]:
    """Per SKU with an applied assignment: the plans no applied source enables."""
    disabled: dict[UUID, frozenset[UUID]] = {}
    for row in rows:
        if row.state in _APPLIED:
            held = disabled.get(row.sku_id)
            disabled[row.sku_id] = row.disabled_plans if held is None else held & row.disabled_plans
    return [EffectiveLicense(sku, plans) for sku, plans in sorted(disabled.items())]


@dataclass(frozen=True, slots=True)
class SkuTotals:
    enabled: int
    suspended: int
    warning: int
    locked_out: int
    consumed: int


def sku_totals(session: Session, sku_ids: Sequence[UUID]) -> dict[UUID, SkuTotals]:
    """Units of every subscription of the SKUs, added up, with the seats in use."""
    if not sku_ids:
        return {}
    consumed = dict(
        session.execute(
            select(SkuUsage.sku_id, SkuUsage.consumed_units).where(SkuUsage.sku_id.in_(sku_ids))
        ).all()
    )
    sums = session.execute(
        select(
            Subscription.sku_id,
            func.sum(Subscription.enabled_units),
            func.sum(Subscription.suspended_units),
            func.sum(Subscription.warning_units),
            func.sum(Subscription.locked_out_units),
        )
        .where(Subscription.sku_id.in_(sku_ids))
        .group_by(Subscription.sku_id)
    )
    totals = {
        sku: SkuTotals(int(e or 0), int(s or 0), int(w or 0), int(lo or 0), consumed.get(sku, 0))
        for sku, e, s, w, lo in sums
    }
    return {sku: totals.get(sku, SkuTotals(0, 0, 0, 0, consumed.get(sku, 0))) for sku in sku_ids}


def catalog_product(session: Session, sku_id: UUID) -> CatalogProduct:
    product = catalog.current(session)[1].product(str(sku_id))
    if product is None:
        raise NotFound("Product", sku_id)
    return product


def current_catalog(session: Session) -> Catalog:
    """The catalog in force (cached per catalog version and process)."""
    return catalog.current(session)[1]
