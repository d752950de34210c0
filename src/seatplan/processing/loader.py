"""Load a claimed batch of users with two set-based queries (never one per user).

Read through `store.bulk`, the worker's raw path (see there why it stays).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.engine import Assignment, Intent, UserCase, effective_location
from seatplan.services import assignment_rows, nesting
from seatplan.store import bulk
from seatplan.store.tables import GroupLicense, Membership, Organization, User


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
        for user_id, location, group_id, sku_id, disabled, joined, assigned in user_rows:
            if user_id not in locations:
                locations[user_id] = effective_location(location, default, country)
                intents[user_id] = []
                held[user_id] = []
            if group_id is not None and user_id not in disabled_users:
                intents[user_id].append(Intent(sku_id, group_id, disabled, max(joined, assigned)))

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
    """With licenseNestedGroups: the products of every group the users reach, directly
    or through nested groups, each group's intent once (a diamond reaches it twice: the
    earliest path counts)."""
    paths = nesting.reach(bulk.among(session, Membership.user_id, user_ids))
    rows = bulk.fetch(
        session,
        select(
            User.id,
            User.usage_location,
            GroupLicense.group_id,
            GroupLicense.sku_id,
            GroupLicense.disabled_plans,
            paths.c.since,
            GroupLicense.assigned_at,
        )
        .outerjoin(paths, paths.c.user_id == User.id)
        .outerjoin(GroupLicense, GroupLicense.group_id == paths.c.group_id)
        .where(bulk.among(session, User.id, user_ids)),
    )
    found: dict[UUID, dict[tuple[UUID, UUID], Intent]] = {}
    for user_id, location, group_id, sku_id, disabled, joined, assigned in rows:
        if user_id not in locations:
            locations[user_id] = effective_location(location, default, country)
            found[user_id] = {}
        if group_id is not None:
            since = max(joined, assigned)
            known = found[user_id].get((group_id, sku_id))
            if known is None or since < known.since:
                found[user_id][(group_id, sku_id)] = Intent(sku_id, group_id, disabled, since)
    for user_id, by_group in found.items():
        intents[user_id] = [by_group[key] for key in sorted(by_group, key=str)]
