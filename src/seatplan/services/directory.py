"""Directory reads for the Graph API, through the session: statements and page loaders.

Collections are statements (`select(User)`, …) that the API's OData layer filters, orders
and pages before `fetch` runs them; whatever a page shows beyond a row (licenses, group
products, seat totals) is loaded for the whole page in one query, never per row.

Users and their assignments are shaped from `UserRecord` and `AssignmentRecord`, which
the API's two busiest reads also fill, with prepared reads (`services.hot_reads`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from seatplan.catalog import Catalog
from seatplan.engine import State
from seatplan.services import catalog
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
R = TypeVar("R")
_APPLIED = (State.ACTIVE.value, State.ACTIVE_WITH_ERROR.value)


def users() -> Select[User]:
    return select(User)


def groups() -> Select[Group]:
    return select(Group)


def audit_events() -> Select[AuditEvent]:
    return select(AuditEvent)


def audit_event(session: Session, event_id: UUID) -> AuditEvent | None:
    return session.get(AuditEvent, event_id)


def subscribed_products() -> Select[Product]:
    """Products the organization has a subscription for."""
    return select(Product).where(exists().where(SkuUsage.sku_id == Product.sku_id))


def subscribed_product(session: Session, sku_id: UUID) -> Product | None:
    return session.scalar(subscribed_products().where(Product.sku_id == sku_id))


#: Above this many members, a page of a group's members walks the users in the page's
#: order and looks each one up in the membership key; up to it, the page is sorted from
#: the group's membership rows.
WALK_USERS_ABOVE = 5000


def members_of(session: Session, group_id: UUID) -> Select[User]:
    """The group's direct members, read the cheaper way for the group's size.

    Sorting a few thousand members is quick; sorting 100,000 for each page is not, but
    walking users in order then finds a page of them after a few rows. Counting stops at
    the threshold, so choosing costs the same for any group.
    """
    members = select(Membership.user_id).where(Membership.group_id == group_id)
    first = members.limit(WALK_USERS_ABOVE + 1).subquery()
    if (session.scalar(select(func.count()).select_from(first)) or 0) > WALK_USERS_ABOVE:
        return select(User).where(
            exists().where(Membership.user_id == User.id, Membership.group_id == group_id)
        )
    return select(User).where(User.id.in_(members))


def members_with_errors(group_id: UUID) -> Select[User]:
    """Graph's membersWithLicenseErrors: the users of `reports.members_with_errors`.

    Read from the group's assignments in error (their own small index), never by
    looking for errors user after user.
    """
    in_error = select(LicenseAssignment.user_id).where(
        LicenseAssignment.source_id == group_id, LicenseAssignment.error.is_not(None)
    )
    return select(User).where(User.id.in_(in_error))


def groups_of(user_id: UUID) -> Select[Group]:
    """The user's groups, from the user's membership rows."""
    return select(Group).where(
        Group.id.in_(select(Membership.group_id).where(Membership.user_id == user_id))
    )


def fetch(session: Session, statement: Select[T]) -> list[T]:
    return list(session.scalars(statement))


def count(session: Session, statement: Select[Any]) -> int:
    """Rows of a statement (its ORDER BY and LIMIT dropped)."""
    inner = statement.order_by(None).limit(None).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def assignments_of(
    session: Session, user_ids: Sequence[UUID]
) -> dict[UUID, list[AssignmentRecord]]:
    """Every license assignment of the users, in one query (`user_ids` is a page)."""
    found: dict[UUID, list[AssignmentRecord]] = defaultdict(list)
    if user_ids:
        statement = (
            select(*ASSIGNMENT_COLUMNS)
            .where(_ASSIGNMENTS.c.user_id.in_(user_ids))
            .order_by(_ASSIGNMENTS.c.sku_id, _ASSIGNMENTS.c.source_id)
        )
        for row in session.execute(statement):
            found[row.user_id].append(AssignmentRecord(*row))
    return found


def _by_owner(
    session: Session,
    statement: Select[R],
    *,
    owner: Callable[[R], UUID],
    owners: Sequence[UUID],
) -> dict[UUID, list[R]]:
    """The rows of `statement` (about `owners`) by owner; an owner without rows has [].

    No query at all when there is no owner.
    """
    found: dict[UUID, list[R]] = defaultdict(list)
    if owners:
        for row in session.scalars(statement):
            found[owner(row)].append(row)
    return found


class UserRecord(NamedTuple):
    """What Graph shows of a user (the entity's attribute names)."""

    id: UUID
    user_principal_name: str
    display_name: str
    usage_location: str | None
    account_enabled: bool
    department: str | None
    job_title: str | None
    created: datetime
    given_name: str | None
    surname: str | None
    mail: str | None
    mail_nickname: str | None
    other_mails: list[str]
    proxy_addresses: list[str]
    business_phones: list[str]
    mobile_phone: str | None
    company_name: str | None
    office_location: str | None
    city: str | None
    state: str | None
    country: str | None
    postal_code: str | None
    street_address: str | None
    employee_id: str | None
    employee_type: str | None
    user_type: str
    preferred_language: str | None
    extension_attributes: dict[str, Any]
    on_premises_sync_enabled: bool | None
    on_premises_immutable_id: str | None

    @classmethod
    def of(cls, user: User) -> UserRecord:
        """The record of an entity a route already holds (a page's row, a changed user)."""
        return cls(*(getattr(user, name) for name in cls._fields))


class AssignmentRecord(NamedTuple):
    """What Graph shows of a license assignment (the entity's attribute names)."""

    user_id: UUID
    sku_id: UUID
    source_id: UUID | None
    disabled_plans: frozenset[UUID]
    state: str
    error: str | None
    updated: datetime


def _columns(table: Any, record: type[tuple[Any, ...]]) -> list[Any]:
    """The record's columns of the table, by name (a column added later changes nothing)."""
    return [table.c[name] for name in record._fields]  # type: ignore[attr-defined]


_ASSIGNMENTS = LicenseAssignment.__table__
USER_COLUMNS = _columns(User.__table__, UserRecord)
ASSIGNMENT_COLUMNS = _columns(_ASSIGNMENTS, AssignmentRecord)


def group_licenses_of(
    session: Session, group_ids: Sequence[UUID]
) -> dict[UUID, list[GroupLicense]]:
    """Every product of the groups, oldest assignment first, in one query."""
    return _by_owner(
        session,
        select(GroupLicense)
        .where(GroupLicense.group_id.in_(group_ids))
        .order_by(GroupLicense.assigned_at, GroupLicense.sku_id),
        owner=lambda row: row.group_id,
        owners=group_ids,
    )


@dataclass(frozen=True, slots=True)
class EffectiveLicense:
    """A product a user really has: its plans disabled in every applied source."""

    sku_id: UUID
    disabled_plans: frozenset[UUID]


def effective_licenses(rows: Iterable[AssignmentRecord]) -> list[EffectiveLicense]:
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


def subscription_ids(session: Session, sku_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
    """The ids of every subscription of the SKUs, oldest first, in one query."""
    found: dict[UUID, list[UUID]] = defaultdict(list)
    if sku_ids:
        rows = session.execute(
            select(Subscription.sku_id, Subscription.id)
            .where(Subscription.sku_id.in_(sku_ids))
            .order_by(Subscription.created, Subscription.id)
        )
        for sku_id, subscription_id in rows:
            found[sku_id].append(subscription_id)
    return found


def current_catalog(session: Session) -> Catalog:
    """The catalog in force (cached per catalog version and process)."""
    return catalog.current(session).catalog
