"""Directory reads for the Graph API: base statements for collections, and bulk loaders.

Collections are statements (`select(User)`, …) that the API's OData layer filters, orders
and pages before `fetch` runs them; whatever a page shows beyond a row (licenses, group
products, seat totals) is loaded for the whole page in one query, never per row.

The API's busiest reads (one user, their assignments) also exist as prepared reads
(`user_row`, `assignment_rows`, see `store.prepared`): records with the entities'
attribute names, for a fraction of the ORM's cost per query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from seatplan.catalog import Catalog
from seatplan.engine import State
from seatplan.services import catalog, lookup
from seatplan.services.errors import NotFound
from seatplan.store.prepared import Prepared, Reader
from seatplan.store.tables import (
    AuditEvent,
    Group,
    GroupLicense,
    LicenseAssignment,
    Membership,
    Organization,
    Product,
    SkuUsage,
    Subscription,
    User,
)

T = TypeVar("T")
R = TypeVar("R")
_APPLIED = (State.ACTIVE.value, State.ACTIVE_WITH_ERROR.value)


class UserRow(Protocol):
    """A user as an entity (`User`) or as a Core row of its table."""

    @property
    def id(self) -> UUID: ...
    @property
    def user_principal_name(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def usage_location(self) -> str | None: ...
    @property
    def account_enabled(self) -> bool: ...
    @property
    def department(self) -> str | None: ...
    @property
    def job_title(self) -> str | None: ...
    @property
    def created(self) -> datetime: ...


class AssignmentRow(Protocol):
    """A license assignment as an entity (`LicenseAssignment`) or as a Core row."""

    @property
    def user_id(self) -> UUID: ...
    @property
    def sku_id(self) -> UUID: ...
    @property
    def source_id(self) -> UUID | None: ...
    @property
    def disabled_plans(self) -> frozenset[UUID]: ...
    @property
    def state(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def updated(self) -> datetime: ...


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
) -> dict[UUID, list[LicenseAssignment]]:
    """Every license assignment of the users, in one query (`user_ids` is a page)."""
    return _by_owner(
        session,
        select(LicenseAssignment)
        .where(LicenseAssignment.user_id.in_(user_ids))
        .order_by(LicenseAssignment.sku_id, LicenseAssignment.source_id),
        owner=lambda row: row.user_id,
        owners=user_ids,
    )


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
    """A user read by `user_row` (a `UserRow`, as the entity is)."""

    id: UUID
    user_principal_name: str
    display_name: str
    usage_location: str | None
    account_enabled: bool
    department: str | None
    job_title: str | None
    created: datetime


class AssignmentRecord(NamedTuple):
    """An assignment read by `assignment_rows` (an `AssignmentRow`)."""

    user_id: UUID
    sku_id: UUID
    source_id: UUID | None
    disabled_plans: frozenset[UUID]
    state: str
    error: str | None
    updated: datetime


class _CatalogKey(NamedTuple):
    org_id: UUID
    version: int


def _columns(table: Any, record: type[tuple[Any, ...]]) -> list[Any]:
    """The record's columns of the table, by name (a column added later changes nothing)."""
    return [table.c[name] for name in record._fields]  # type: ignore[attr-defined]


_USERS = User.__table__
_ASSIGNMENTS = LicenseAssignment.__table__
_USER_COLUMNS = _columns(_USERS, UserRecord)
_USER_BY_ID = Prepared(select(*_USER_COLUMNS).where(_USERS.c.id == bindparam("ref")), UserRecord)
_USER_BY_UPN = Prepared(
    select(*_USER_COLUMNS).where(_USERS.c.upn_key == bindparam("ref")), UserRecord
)
_ASSIGNMENTS_OF_USER = Prepared(
    select(*_columns(_ASSIGNMENTS, AssignmentRecord))
    .where(_ASSIGNMENTS.c.user_id == bindparam("user_id"))
    .order_by(_ASSIGNMENTS.c.sku_id, _ASSIGNMENTS.c.source_id),
    AssignmentRecord,
)
_CATALOG_KEY = Prepared(select(Organization.id, Organization.catalog_version), _CatalogKey)
#: The catalog in force, by organization and catalog version (one entry).
_catalogs: dict[_CatalogKey, Catalog] = {}


def user_row(reader: Reader, ref: str | UUID) -> UserRecord:
    """`lookup.user` as a prepared read: a user by id or userPrincipalName (any case)."""
    user_id = lookup.as_uuid(ref)
    found = (
        reader.first(_USER_BY_ID, ref=user_id)
        if user_id is not None
        else reader.first(_USER_BY_UPN, ref=str(ref).strip().lower())
    )
    if found is None:
        raise NotFound("User", ref)
    return found


def assignment_rows(reader: Reader, user_id: UUID) -> list[AssignmentRecord]:
    """`assignments_of` one user as a prepared read, in the same order."""
    return reader.all(_ASSIGNMENTS_OF_USER, user_id=user_id)


def catalog_in_force(reader: Reader) -> Catalog:
    """`current_catalog` for a prepared read: one small query while the version holds."""
    found = _catalogs.get(reader.one(_CATALOG_KEY))
    if found is None:
        with reader.session() as session:
            # The key again, in the session's own transaction: it matches what it loads.
            key = _CatalogKey(*session.execute(_CATALOG_KEY.statement).one())
            found = current_catalog(session)
        _catalogs.clear()
        _catalogs[key] = found
    return found


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


def effective_licenses(rows: Iterable[AssignmentRow]) -> list[EffectiveLicense]:
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


def current_catalog(session: Session) -> Catalog:
    """The catalog in force (cached per catalog version and process)."""
    return catalog.current(session).catalog
