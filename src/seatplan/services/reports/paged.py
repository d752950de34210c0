"""Paged read-only views for the portal: one page of rows and the total, never a whole list.

Each view reads one page with a query ordered on an indexed key, then what the page shows
beyond a row for that page only, so that a page costs the same on a 100,000-user tenant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    exists,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from seatplan.services import catalog as catalog_service
from seatplan.services.reports.common import APPLIED, DELETED, GroupRef
from seatplan.services.reports.groups import GroupSummary, Member, group_summaries
from seatplan.services.reports.problems import (
    AssignmentError,
    assignment_errors,
    error_conditions,
)
from seatplan.services.reports.skus import LicensedGroup, LicensedUser, licensed_groups
from seatplan.services.reports.users import UserSummary, user_summaries
from seatplan.store.tables import (
    Group,
    GroupLicense,
    LicenseAssignment,
    Membership,
    SkuUsage,
    User,
)

T = TypeVar("T")
#: Above this many users (members, holders of a SKU), a page is read by walking users in
#: name order and probing a key for each, rather than by sorting every one of them.
_WALK_USERS_ABOVE = 5000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.limit))


@dataclass(frozen=True, slots=True)
class Order:
    """How a list is sorted: one of its keys (the `*_ORDERS` below), either way."""

    key: str
    descending: bool = False


#: Users are sorted on indexed keys only (a page never sorts the directory).
USER_ORDERS: dict[str, tuple[SQLColumnExpression[Any], ...]] = {
    "upn": (User.upn_key,),
    "name": (User.display_name, User.id),
}
GROUP_ORDERS = ("name", "members", "errors", "state")
LICENSED_GROUP_ORDERS = ("name", "members", "licensed", "errors")


def _sorted(
    columns: Sequence[SQLColumnExpression[Any]], order: Order
) -> list[SQLColumnExpression[Any]]:
    return [c.desc() if order.descending else c for c in columns]


def _after(order: Order, after: UUID) -> ColumnElement[bool]:
    """The users after user `after` in `order` (keyset paging: no rows skipped by offset)."""
    columns = USER_ORDERS[order.key]
    last = [select(c).where(User.id == after).scalar_subquery() for c in columns]
    left = tuple_(*columns) if len(columns) > 1 else columns[0]
    right = tuple_(*last) if len(last) > 1 else last[0]
    return left < right if order.descending else left > right


@dataclass(frozen=True, slots=True)
class UserFilter:
    """Which users a list holds: a substring of the name or UPN; with an assignment of a
    SKU; in error (of one kind)."""

    search: str | None = None
    sku_id: UUID | None = None
    in_error: bool = False
    error: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.search and self.search.strip():
            text = _like(self.search)
            found.append(
                or_(
                    User.upn_key.like(text, escape="\\"),
                    func.lower(User.display_name).like(text, escape="\\"),
                )
            )
        if self.in_error or self.error:
            # The few rows in error (their own index) give the users.
            wrong = error_conditions(error=self.error, sku_id=self.sku_id)
            found.append(User.id.in_(select(LicenseAssignment.user_id).where(*wrong)))
        elif self.sku_id is not None:
            found.append(
                exists().where(
                    LicenseAssignment.user_id == User.id, LicenseAssignment.sku_id == self.sku_id
                )
            )
        return found


def _count(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def licensed_users_page(
    session: Session,
    *,
    sku_id: UUID,
    offset: int,
    limit: int,
    search: str | None = None,
    order: Order = Order("upn"),
    after: UUID | None = None,
) -> Page[LicensedUser]:
    """Users holding a seat of a SKU (their number is the SKU's consumed units); `after`:
    the page after that user (an export's next page; the total is then not counted)."""
    total = session.scalar(select(SkuUsage.consumed_units).where(SkuUsage.sku_id == sku_id)) or 0
    if total > _WALK_USERS_ABOVE:
        # Users in name order, each looked up in its own assignments. coalesce() keeps the
        # (sku, state) index out of this per-user probe: SQLite would otherwise pick it
        # and scan every holder of the SKU for each user (quadratic).
        holds: ColumnElement[bool] = exists().where(
            LicenseAssignment.user_id == User.id,
            LicenseAssignment.sku_id == sku_id,
            func.coalesce(LicenseAssignment.state, "").in_(APPLIED),
        )
    else:  # few holders: read them from the (sku, state) index and sort them
        holds = User.id.in_(
            select(LicenseAssignment.user_id).where(
                LicenseAssignment.sku_id == sku_id, LicenseAssignment.state.in_(APPLIED)
            )
        )
    query = select(User.id, User.user_principal_name, User.display_name).where(
        holds, *UserFilter(search=search).conditions()
    )
    if search and search.strip() and after is None:
        total = _count(session, query.with_only_columns(User.id))
    if after is not None:
        query = query.where(_after(order, after))
    users = list(
        session.execute(
            query.order_by(*_sorted(USER_ORDERS[order.key], order)).offset(offset).limit(limit)
        )
    )
    sources: dict[UUID, list[tuple[UUID | None, str | None]]] = defaultdict(list)
    for user_id, source_id, name, sku, state in session.execute(
        select(
            LicenseAssignment.user_id,
            LicenseAssignment.source_id,
            Group.display_name,
            LicenseAssignment.sku_id,
            LicenseAssignment.state,
        )
        .outerjoin(Group, Group.id == LicenseAssignment.source_id)
        .where(LicenseAssignment.user_id.in_([u[0] for u in users]))
    ):
        if sku == sku_id and state in APPLIED:  # filtered here: see members_page
            sources[user_id].append((source_id, name))
    items = tuple(
        LicensedUser(
            user_id,
            upn,
            name,
            any(s is None for s, _ in sources[user_id]),
            tuple(
                sorted(
                    (GroupRef(s, n or DELETED) for s, n in sources[user_id] if s is not None),
                    key=lambda g: g.display_name.casefold(),
                )
            ),
        )
        for user_id, upn, name in users
    )
    return Page(items, max(total, offset + len(items)), offset, limit)


def licensed_groups_page(
    session: Session, *, sku_id: UUID, offset: int, limit: int, order: Order = Order("name")
) -> Page[LicensedGroup]:
    """Groups that assign a SKU (a few: sorted here), one page of them."""
    found = licensed_groups(session, sku_id=sku_id)
    key = {
        "name": lambda g: (g.display_name.casefold(), str(g.id)),
        "members": lambda g: (g.member_count, g.display_name.casefold()),
        "licensed": lambda g: (g.users_licensed, g.display_name.casefold()),
        "errors": lambda g: (g.users_in_error, g.display_name.casefold()),
    }[order.key]
    found.sort(key=key, reverse=order.descending)
    return Page(tuple(found[offset : offset + limit]), len(found), offset, limit)


def licensed_group_count(session: Session, *, sku_id: UUID) -> int:
    """How many groups assign a SKU (for a tab's label: no counting of their users)."""
    query = select(GroupLicense.group_id).where(GroupLicense.sku_id == sku_id)
    return _count(session, query)


def groups_page(
    session: Session,
    *,
    search: str | None,
    offset: int,
    limit: int,
    in_error: bool = False,
    sku_id: UUID | None = None,
    order: Order = Order("name"),
) -> Page[GroupSummary]:
    """Groups by name, members, users in error or processing state; a group's counts are
    read through its own keys, so sorting costs a probe per group (there are few)."""
    members = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.group_id == Group.id)
        .scalar_subquery()
    )
    errors = (
        select(func.count(func.distinct(LicenseAssignment.user_id)))
        .where(LicenseAssignment.source_id == Group.id, LicenseAssignment.error.is_not(None))
        .scalar_subquery()
    )
    query = select(Group.id)
    if search and search.strip():
        query = query.where(func.lower(Group.display_name).like(_like(search), escape="\\"))
    if in_error:
        query = query.where(
            exists().where(
                LicenseAssignment.source_id == Group.id, LicenseAssignment.error.is_not(None)
            )
        )
    if sku_id is not None:
        query = query.where(
            exists().where(GroupLicense.group_id == Group.id, GroupLicense.sku_id == sku_id)
        )
    first: SQLColumnExpression[Any] = {
        "name": Group.display_name,
        "members": members,
        "errors": errors,
        "state": Group.processing_state,
    }[order.key]
    columns = [first] if order.key == "name" else [first, Group.display_name]
    ids = list(
        session.scalars(
            query.order_by(*_sorted([*columns, Group.id], order)).offset(offset).limit(limit)
        )
    )
    by_id = {g.id: g for g in group_summaries(session, group_ids=ids)} if ids else {}
    items = tuple(by_id[i] for i in ids if i in by_id)
    return Page(items, _count(session, query), offset, limit)


def members_page(
    session: Session,
    *,
    group_id: UUID,
    search: str | None,
    offset: int,
    limit: int,
    in_error: bool = False,
    order: Order = Order("upn"),
    after: UUID | None = None,
) -> Page[Member]:
    """Direct members of a group, by userPrincipalName or name, with the group's licenses'
    state; `in_error`: only those with an error from the group."""
    catalog = catalog_service.current(session).catalog
    size = (
        session.scalar(
            select(func.count()).select_from(Membership).where(Membership.group_id == group_id)
        )
        or 0
    )
    members = select(Membership.user_id).where(Membership.group_id == group_id)
    if size > _WALK_USERS_ABOVE or in_error:
        # Users in name order (or the few in error), each looked up in the membership key:
        # a page stops early, and the rows in error drive rather than every member.
        is_member: ColumnElement[bool] = exists().where(
            Membership.group_id == group_id, Membership.user_id == User.id
        )
    else:  # the group's membership rows, sorted
        is_member = User.id.in_(members)
    query = select(User.id, User.user_principal_name, User.display_name).where(is_member)
    total = size
    if in_error:
        wrong = error_conditions(group_id=group_id)
        query = query.where(User.id.in_(select(LicenseAssignment.user_id).where(*wrong)))
    if (search and search.strip()) or in_error:
        query = query.where(*UserFilter(search=search).conditions())
        if after is None:
            total = _count(session, query.with_only_columns(User.id))
    if after is not None:
        query = query.where(_after(order, after))
    rows = list(
        session.execute(
            query.order_by(*_sorted(USER_ORDERS[order.key], order)).offset(offset).limit(limit)
        )
    )
    page = [r[0] for r in rows]
    since = dict(
        session.execute(
            select(Membership.user_id, Membership.since).where(
                Membership.group_id == group_id, Membership.user_id.in_(page)
            )
        ).all()
    )
    states: dict[UUID, list[tuple[str, str, str | None]]] = defaultdict(list)
    for user_id, sku_id, state, error, source_id in session.execute(
        select(
            LicenseAssignment.user_id,
            LicenseAssignment.sku_id,
            LicenseAssignment.state,
            LicenseAssignment.error,
            LicenseAssignment.source_id,
        ).where(LicenseAssignment.user_id.in_(page))
    ):
        # Filtered here: a condition on the source would make SQLite walk the group's
        # every assignment through the (source, state) index instead of the page's users.
        if source_id != group_id:
            continue
        product = catalog.product(sku_id)
        states[user_id].append((product.sku_part_number if product else str(sku_id), state, error))
    items = tuple(
        Member(*row, since=since[row[0]], licenses=tuple(sorted(states[row[0]]))) for row in rows
    )
    return Page(items, total, offset, limit)


def errors_page(
    session: Session,
    *,
    group_id: UUID | None = None,
    error: str | None = None,
    sku_id: UUID | None = None,
    order: Order = Order("upn"),
    offset: int,
    limit: int,
) -> Page[AssignmentError]:
    """License assignments in error (of a group, or every one), one row per user, product
    and source: read from the rows in error, which have an index of their own."""
    wrong = error_conditions(group_id=group_id, error=error, sku_id=sku_id)
    total = _count(session, select(LicenseAssignment.user_id).where(*wrong))
    items = tuple(
        assignment_errors(
            session,
            group_id=group_id,
            error=error,
            sku_id=sku_id,
            order=order.key,
            descending=order.descending,
            offset=offset,
            limit=limit,
        )
    )
    return Page(items, total, offset, limit)


def users_page(
    session: Session,
    *,
    search: str | None,
    offset: int,
    limit: int,
    filters: UserFilter | None = None,
    order: Order = Order("upn"),
) -> Page[UserSummary]:
    """Users by UPN or name; `filters` (with `search`) keeps some of them."""
    conditions = (filters or UserFilter()).conditions()
    if search and search.strip():
        conditions += UserFilter(search=search).conditions()
    query = select(User.id).where(*conditions)
    ids = list(
        session.scalars(
            query.order_by(*_sorted(USER_ORDERS[order.key], order)).offset(offset).limit(limit)
        )
    )
    found = {u.id: u for u in user_summaries(session, ids=ids)} if ids else {}
    items = tuple(found[i] for i in ids if i in found)
    return Page(items, _count(session, query), offset, limit)
