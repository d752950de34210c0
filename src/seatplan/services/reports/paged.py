"""Paged read-only views for the portal: one page of rows and the total, never a whole list.

Each view reads one page with a query ordered on an indexed key, then what the page shows
beyond a row for that page only, so that a page costs the same on a 100,000-user tenant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from seatplan.services import catalog as catalog_service
from seatplan.services.reports.common import APPLIED, DELETED, GroupRef
from seatplan.services.reports.groups import GroupSummary, Member, group_summaries
from seatplan.services.reports.problems import AssignmentError, assignment_errors
from seatplan.services.reports.skus import LicensedUser
from seatplan.services.reports.users import UserSummary, user_summaries
from seatplan.store.tables import Group, LicenseAssignment, Membership, SkuUsage, User

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


def _count(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def licensed_users_page(
    session: Session, *, sku_id: UUID, offset: int, limit: int
) -> Page[LicensedUser]:
    """Users holding a seat of a SKU (their number is the SKU's consumed units)."""
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
    users = list(
        session.execute(
            select(User.id, User.user_principal_name, User.display_name)
            .where(holds)
            .order_by(User.upn_key)
            .offset(offset)
            .limit(limit)
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


def groups_page(
    session: Session, *, search: str | None, offset: int, limit: int
) -> Page[GroupSummary]:
    query = select(Group.id)
    if search and search.strip():
        query = query.where(func.lower(Group.display_name).like(_like(search), escape="\\"))
    ids = list(
        session.scalars(query.order_by(Group.display_name, Group.id).offset(offset).limit(limit))
    )
    items = tuple(group_summaries(session, group_ids=ids)) if ids else ()
    return Page(items, _count(session, query), offset, limit)


def members_page(
    session: Session, *, group_id: UUID, search: str | None, offset: int, limit: int
) -> Page[Member]:
    """Direct members of a group, by userPrincipalName, with the group's licenses' state."""
    catalog = catalog_service.current(session).catalog
    size = (
        session.scalar(
            select(func.count()).select_from(Membership).where(Membership.group_id == group_id)
        )
        or 0
    )
    members = select(Membership.user_id).where(Membership.group_id == group_id)
    if size > _WALK_USERS_ABOVE:
        # Users in name order, each looked up in the membership key: a page stops early.
        is_member: ColumnElement[bool] = exists().where(
            Membership.group_id == group_id, Membership.user_id == User.id
        )
    else:  # the group's membership rows, sorted
        is_member = User.id.in_(members)
    query = select(User.id, User.user_principal_name, User.display_name).where(is_member)
    total = size
    if search and search.strip():
        text = _like(search)
        query = query.where(
            or_(
                User.upn_key.like(text, escape="\\"),
                func.lower(User.display_name).like(text, escape="\\"),
            )
        )
        total = _count(session, query.with_only_columns(User.id))
    rows = list(session.execute(query.order_by(User.upn_key).offset(offset).limit(limit)))
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
    session: Session, *, group_id: UUID, offset: int, limit: int
) -> Page[AssignmentError]:
    """A group's license assignments in error, one row per user and product."""
    in_error = select(LicenseAssignment.user_id).where(
        LicenseAssignment.source_id == group_id, LicenseAssignment.error.is_not(None)
    )
    total = _count(session, in_error)
    items = tuple(assignment_errors(session, group_id=group_id, offset=offset, limit=limit))
    return Page(items, total, offset, limit)


def users_page(
    session: Session, *, search: str | None, offset: int, limit: int
) -> Page[UserSummary]:
    query = select(User.id)
    if search and search.strip():
        text = f"%{search.strip().lower()}%"  # as user_summaries matches
        query = query.where(or_(User.upn_key.like(text), func.lower(User.display_name).like(text)))
    items = tuple(user_summaries(session, search=search, top=limit, offset=offset))
    return Page(items, _count(session, query), offset, limit)
