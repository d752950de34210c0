"""Load a claimed batch of users with two set-based queries (never one per user).

Read through `store.bulk`, the worker's raw path (see there why it stays).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.engine import Assignment, Intent, UserCase, effective_location
from seatplan.services import assignment_rows, nesting
from seatplan.store import bulk
from seatplan.store.tables import GroupLicense, GroupNesting, Membership, Organization, User


def load_cases(session: Session, user_ids: Sequence[UUID]) -> list[UserCase]:
    """Every user of the batch, with their intents and recorded assignments."""
    default, country, nested = session.execute(
        select(
            Organization.default_usage_location,
            Organization.country_letter_code,
            Organization.license_nested_groups,
        )
    ).one()
    locations: dict[UUID, str | None] = {}
    intents: dict[UUID, list[Intent]] = {}
    held: dict[UUID, list[Assignment]] = {}

    # A disabled account holds nothing: no group's products, and its direct licenses are
    # no intent either, so evaluating it frees every seat (as deleting it would).
    disabled_users = {
        row[0]
        for row in bulk.fetch(
            session,
            select(User.id).where(
                bulk.among(session, User.id, user_ids), User.account_enabled.is_(False)
            ),
        )
    }
    if nested and nesting.any_nesting(session):
        _load_nested_intents(session, user_ids, default, country, locations, intents)
        for user_id in disabled_users & set(intents):
            intents[user_id] = []
        for user_id in locations:
            held[user_id] = []
    else:
        # Users and the products of their groups, in one pass over the batch. Groups
        # without products come back as NULLs and are skipped.
        user_rows = bulk.fetch(
            session,
            select(
                User.id,
                User.usage_location,
                GroupLicense.group_id,
                GroupLicense.sku_id,
                GroupLicense.disabled_plans,
                Membership.since,
                GroupLicense.assigned_at,
            )
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(GroupLicense, GroupLicense.group_id == Membership.group_id)
            .where(bulk.among(session, User.id, user_ids)),
        )
        # One look-up per row: the user's list of intents, made on their first row.
        for user_id, location, group_id, sku_id, disabled, joined, assigned in user_rows:
            found = intents.get(user_id)
            if found is None:
                locations[user_id] = effective_location(location, default, country)
                found = intents[user_id] = []
                held[user_id] = []
            if group_id is not None and (not disabled_users or user_id not in disabled_users):
                found.append(Intent(sku_id, group_id, disabled, max(joined, assigned)))

    for user_id, row in assignment_rows.held_by_users(session, user_ids):
        held[user_id].append(row)
        if row.group_id is None and user_id not in disabled_users:
            # A direct assignment is its own intent.
            intents[user_id].append(Intent(row.sku_id, None, row.disabled_plans, row.since))

    return [
        UserCase(user_id, location, tuple(intents[user_id]), tuple(held[user_id]))
        for user_id, location in locations.items()
    ]


def _load_nested_intents(
    session: Session,
    user_ids: Sequence[UUID],
    default: str | None,
    country: str | None,
    locations: dict[UUID, str | None],
    intents: dict[UUID, list[Intent]],
) -> None:
    """With licenseNestedGroups: the products of every group the users reach, directly or
    through nested groups, each group's intent once (a diamond reaches it twice: the
    earliest path counts). The users' memberships are read as without nesting; the
    groups above theirs are walked once for the batch (groups, not users)."""
    memberships = bulk.fetch(
        session,
        select(User.id, User.usage_location, Membership.group_id, Membership.since)
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(bulk.among(session, User.id, user_ids)),
    )
    direct = sorted({group_id for _, _, group_id, _ in memberships if group_id is not None})
    above = (
        nesting.ancestors(session, bulk.among(session, GroupNesting.child_id, direct))
        if direct
        else {}
    )
    reached = sorted(set(direct).union(*(set(groups) for groups in above.values())))
    products: dict[UUID, list[tuple[UUID, frozenset[UUID], datetime]]] = {}
    if reached:
        for group_id, sku_id, disabled, assigned in bulk.fetch(
            session,
            select(
                GroupLicense.group_id,
                GroupLicense.sku_id,
                GroupLicense.disabled_plans,
                GroupLicense.assigned_at,
            ).where(bulk.among(session, GroupLicense.group_id, reached)),
        ):
            products.setdefault(group_id, []).append((sku_id, disabled, assigned))
    # Per direct group, once: every product it leads to, with the date its path was made.
    offers: dict[UUID, list[tuple[UUID, UUID, frozenset[UUID], datetime, datetime | None]]] = {}
    for group_id in direct:
        paths: list[tuple[UUID, datetime | None]] = [(group_id, None)]
        paths += list(above.get(group_id, {}).items())
        offers[group_id] = [
            (licensing_group, sku_id, disabled, assigned, nested_since)
            for licensing_group, nested_since in paths
            for sku_id, disabled, assigned in products.get(licensing_group, ())
        ]
    for user_id, location, group_id, joined in memberships:
        if user_id not in locations:
            locations[user_id] = effective_location(location, default, country)
            intents[user_id] = []
        if group_id is None:
            continue
        for licensing_group, sku_id, disabled, assigned, nested_since in offers[group_id]:
            since = (
                max(joined, assigned)
                if nested_since is None
                else max(joined, assigned, nested_since)
            )
            intents[user_id].append(Intent(sku_id, licensing_group, disabled, since))
    # A user reaching one group by several paths: one intent, the earliest.
    for user_id, found in intents.items():
        if len(found) > 1:
            earliest: dict[tuple[UUID, UUID], Intent] = {}
            for intent in found:
                key = (intent.group_id or user_id, intent.sku_id)
                if key not in earliest or intent.since < earliest[key].since:
                    earliest[key] = intent
            if len(earliest) < len(found):
                intents[user_id] = list(earliest.values())
