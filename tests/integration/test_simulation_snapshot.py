"""The preview of a group's assignLicense only reads, and says what making the change says.

The reference is the change made for real in a savepoint, its queue evaluated and the
savepoint rolled back (how previews worked before they read a snapshot): on random small
tenants — nested groups, disabled accounts, direct licenses, scarce seats, users queued
already — both must give the same answer, refusals included.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from functools import partial
from uuid import UUID

import pytest
from tests.integration.api_support import process, row_counts

from seatplan.processing import simulation
from seatplan.processing.simulation import Simulation
from seatplan.services import (
    catalog,
    groups,
    licenses,
    lookup,
    subscriptions,
    transaction,
    users,
)
from seatplan.services import organization as org_service
from seatplan.services.errors import BadRequest
from seatplan.store import deadline
from seatplan.store.db import Database
from seatplan.store.tables import Group

PRODUCTS = ("ENTERPRISEPACK", "ENTERPRISEPREMIUM", "EMS", "MCOPSTN1", "EXCHANGESTANDARD")
LOCATIONS = ("US", "GB", "BR", None)


def reference(
    session, *, group: Group, add: dict[UUID, frozenset[UUID]], remove: list[UUID]
) -> Simulation:
    """The change made in a savepoint, the queue evaluated as the worker would, undone."""
    savepoint = session.begin_nested()
    try:
        licenses.assign_to_group(session, group=group, add=add, remove=remove)
        return simulation.evaluate_queue(
            session,
            group_id=group.id,
            display_name=group.display_name,
            batches=simulation.queued_in_claim_order(session, 7),
            skus=sorted({*add, *remove}),
        )
    finally:
        savepoint.rollback()


def build(db: Database, rng: random.Random) -> list[UUID]:
    """Users, four groups (the second nested in the first), products given and processed."""
    with transaction.writing(db) as session:
        org_service.update(
            session, country_letter_code="US", license_nested_groups=rng.random() < 0.5
        )
        for part in PRODUCTS:
            subscriptions.set_units(session, sku=part, units=rng.randint(2, 14))
        made = [groups.create(session, display_name=f"Group {i}") for i in range(4)]
        groups.add_group_member(session, group=made[0], member=made[1])
        people = [
            users.create(
                session,
                user_principal_name=f"u{i}@contoso.com",
                usage_location=rng.choice(LOCATIONS),
                account_enabled=rng.random() > 0.1,
            )
            for i in range(24)
        ]
        for person in people:
            for group in rng.sample(made, rng.randint(0, 3)):
                groups.add_member(session, group=group, user=person)
        for person in rng.sample(people, 3):
            sku = catalog.find_product(session, rng.choice(PRODUCTS)).sku_id
            try:
                with session.begin_nested():
                    licenses.assign_to_user(session, user=person, add={sku: frozenset()}, remove=[])
            except BadRequest:
                pass  # no location, no seat left: not every user can have one
        group_ids = [group.id for group in made]
    for group_id in group_ids:
        with transaction.writing(db) as session:
            sku = catalog.find_product(session, rng.choice(PRODUCTS)).sku_id
            group = lookup.group(session, group_id)
            with contextlib.suppress(BadRequest):  # a product the group cannot have
                licenses.assign_to_group(session, group=group, add={sku: frozenset()}, remove=[])
    process(db)
    with transaction.writing(db) as session:
        # Queued for other reasons: evaluated first, as the worker would.
        for user_id in rng.sample([p.id for p in people], 4):
            licenses.reprocess_user(session, user=lookup.user(session, user_id))
    return group_ids


def a_change(session, group: Group, rng: random.Random) -> tuple[dict, list]:
    held = sorted(licenses.check_group_change(session, group=group, add={}, remove=[]))
    products = [catalog.find_product(session, part) for part in PRODUCTS]
    add: dict[UUID, frozenset[UUID]] = {}
    remove: list[UUID] = []
    for _ in range(rng.randint(1, 2)):
        product = rng.choice(products)
        if product.sku_id in held and rng.random() < 0.4:
            remove.append(product.sku_id)
        else:
            disabled = rng.sample(product.plan_ids, rng.choice((0, 0, 1)))
            add[product.sku_id] = frozenset(disabled)
    remove = [sku for sku in dict.fromkeys(remove) if sku not in add]
    return add, remove


def outcome(preview: Callable[..., Simulation], session, group_id, add, remove) -> Simulation | str:
    try:
        group = lookup.group(session, group_id)
        return preview(session, group=group, add=add, remove=remove)
    except BadRequest as refused:
        return refused.message


@pytest.mark.parametrize("seed", range(5))
def test_the_preview_says_what_the_change_made_in_a_savepoint_says(db, seed):
    rng = random.Random(seed)
    group_ids = build(db, rng)
    for group_id in group_ids:
        with db.snapshot() as session:
            group = lookup.group(session, group_id)
            add, remove = a_change(session, group, rng)
        before = row_counts(db)
        with db.snapshot() as session:
            preview = partial(simulation.simulate_group_change, batch_size=7)
            previewed = outcome(preview, session, group_id, add, remove)
        assert row_counts(db) == before
        with transaction.writing(db) as session:
            expected = outcome(reference, session, group_id, add, remove)
        assert previewed == expected, (seed, add, remove)


def test_a_writer_commits_while_a_preview_reads(db, monkeypatch):
    """The preview's transaction stays open while another writer commits (on SQLite it
    would wait for the write lock if the preview held it), and the preview answers from
    its snapshot: the seats bought meanwhile are not in it."""
    with transaction.writing(db) as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku="ENTERPRISEPACK", units=1)
        group = groups.create(session, display_name="Staff")
        for name in ("ann", "ben"):
            person = users.create(session, user_principal_name=f"{name}@contoso.com")
            groups.add_member(session, group=group, user=person)
        group_id = group.id
    committed = []
    load = simulation.load_cases

    def load_then_write(session, user_ids):
        if not committed:
            # Within the preview's transaction, between its reads: another writer.
            with deadline.time_limit(20), transaction.writing(db) as writer:
                subscriptions.set_units(writer, sku="ENTERPRISEPACK", units=50)
            committed.append(True)
        return load(session, user_ids)

    monkeypatch.setattr(simulation, "load_cases", load_then_write)
    with db.snapshot() as session:
        sku = catalog.find_product(session, "ENTERPRISEPACK").sku_id
        found = simulation.simulate_group_change(
            session,
            group=lookup.group(session, group_id),
            add={sku: frozenset()},
            remove=[],
            batch_size=10,
        )
    assert committed == [True]
    assert [(o.state, o.error, o.users) for o in found.outcomes] == [
        ("Active", None, 1),
        ("Error", "CountViolation", 1),
    ]
    assert (found.seats[0].available_now, found.seats[0].available_after) == (1, 0)
    # The writer's seats are there for the next preview.
    with db.snapshot() as session:
        again = simulation.simulate_group_change(
            session,
            group=lookup.group(session, group_id),
            add={sku: frozenset()},
            remove=[],
            batch_size=10,
        )
    assert (again.seats[0].available_now, again.seats[0].available_after) == (50, 48)
