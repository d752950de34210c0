"""Groups with their members, products, processing state and members in error."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatplan.services import catalog as catalog_service
from seatplan.services.errors import NotFound
from seatplan.services.reports.common import part_number, plan_names
from seatplan.store.tables import (
    Group,
    GroupLicense,
    GroupNesting,
    LicenseAssignment,
    Membership,
    User,
)


@dataclass(frozen=True, slots=True)
class GroupProduct:
    sku_id: UUID
    sku_part_number: str
    disabled_plans: frozenset[UUID]
    disabled_plan_names: tuple[str, ...]
    assigned: datetime


@dataclass(frozen=True, slots=True)
class RuleSummary:
    """A dynamic group's rule, its processing state and its evaluation's status."""

    text: str
    state: str
    status: str | None
    joined: int
    left: int
    updated: datetime | None
    error: str | None


def rule_summary(group: Group) -> RuleSummary | None:
    if group.membership_rule is None or group.membership_rule_processing_state is None:
        return None
    return RuleSummary(
        text=group.membership_rule,
        state=group.membership_rule_processing_state,
        status=group.rule_status,
        joined=group.rule_joined,
        left=group.rule_left,
        updated=group.rule_updated,
        error=group.rule_error,
    )


@dataclass(frozen=True, slots=True)
class GroupSummary:
    id: UUID
    display_name: str
    description: str | None
    security_enabled: bool
    mail_enabled: bool
    processing_state: str
    member_count: int
    products: tuple[GroupProduct, ...]
    #: Users with a license assignment error from this group (members or not).
    users_in_error: int
    #: A dynamic group's rule and its evaluation; None for a group kept by hand.
    rule: RuleSummary | None = None


def group_summaries(session: Session, *, group_ids: list[UUID] | None = None) -> list[GroupSummary]:
    """Groups (all of them, or those of `group_ids`) with members, products and errors."""
    catalog = catalog_service.current(session).catalog
    query = select(Group).order_by(Group.display_name, Group.id)
    members = select(Membership.group_id, func.count()).group_by(Membership.group_id)
    licenses = select(GroupLicense).order_by(GroupLicense.assigned_at, GroupLicense.sku_id)
    in_error = (
        select(LicenseAssignment.source_id, func.count(func.distinct(LicenseAssignment.user_id)))
        .where(LicenseAssignment.error.is_not(None), LicenseAssignment.source_id.is_not(None))
        .group_by(LicenseAssignment.source_id)
    )
    if group_ids is not None:
        query = query.where(Group.id.in_(group_ids))
        members = members.where(Membership.group_id.in_(group_ids))
        licenses = licenses.where(GroupLicense.group_id.in_(group_ids))
        in_error = in_error.where(LicenseAssignment.source_id.in_(group_ids))
    counts = dict(session.execute(members).all())
    errors = dict(session.execute(in_error).all())
    products: dict[UUID, list[GroupProduct]] = defaultdict(list)
    for row in session.scalars(licenses):
        products[row.group_id].append(
            GroupProduct(
                sku_id=row.sku_id,
                sku_part_number=part_number(catalog, row.sku_id),
                disabled_plans=row.disabled_plans,
                disabled_plan_names=plan_names(catalog, row.disabled_plans),
                assigned=row.assigned_at,
            )
        )
    return [
        GroupSummary(
            id=g.id,
            display_name=g.display_name,
            description=g.description,
            security_enabled=g.security_enabled,
            mail_enabled=g.mail_enabled,
            processing_state=g.processing_state,
            member_count=counts.get(g.id, 0),
            products=tuple(products[g.id]),
            users_in_error=errors.get(g.id, 0),
            rule=rule_summary(g),
        )
        for g in session.scalars(query)
    ]


def group_detail(session: Session, *, group_id: UUID) -> GroupSummary:
    found = group_summaries(session, group_ids=[group_id])
    if not found:
        raise NotFound("Group", group_id)
    return found[0]


@dataclass(frozen=True, slots=True)
class Member:
    id: UUID
    user_principal_name: str
    display_name: str
    since: datetime
    #: This group's assignments to the user: (skuPartNumber, state, error).
    licenses: tuple[tuple[str, str, str | None], ...]


def group_members(session: Session, *, group_id: UUID) -> list[Member]:
    """Direct members of a group, each with the state of the group's licenses."""
    catalog = catalog_service.current(session).catalog
    states: dict[UUID, list[tuple[str, str, str | None]]] = defaultdict(list)
    rows = session.execute(
        select(
            LicenseAssignment.user_id,
            LicenseAssignment.sku_id,
            LicenseAssignment.state,
            LicenseAssignment.error,
        ).where(LicenseAssignment.source_id == group_id)
    )
    for user_id, sku_id, state, error in rows:
        states[user_id].append((part_number(catalog, sku_id), state, error))
    members = session.execute(
        select(User.id, User.user_principal_name, User.display_name, Membership.since)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id)
        .order_by(User.upn_key)
    )
    return [Member(*row, licenses=tuple(sorted(states[row[0]]))) for row in members]


@dataclass(frozen=True, slots=True)
class MemberGroup:
    id: UUID
    display_name: str
    since: datetime


def member_groups(session: Session, *, group_id: UUID) -> list[MemberGroup]:
    """The groups nested in a group, by name."""
    rows = session.execute(
        select(Group.id, Group.display_name, GroupNesting.since)
        .join(GroupNesting, GroupNesting.child_id == Group.id)
        .where(GroupNesting.parent_id == group_id)
        .order_by(Group.display_name, Group.id)
    )
    return [MemberGroup(*row) for row in rows]


def parent_groups(session: Session, *, group_id: UUID) -> list[MemberGroup]:
    """The groups a group is a direct member of, by name."""
    rows = session.execute(
        select(Group.id, Group.display_name, GroupNesting.since)
        .join(GroupNesting, GroupNesting.parent_id == Group.id)
        .where(GroupNesting.child_id == group_id)
        .order_by(Group.display_name, Group.id)
    )
    return [MemberGroup(*row) for row in rows]
