"""Four real workers, overlapping groups, too few seats, memberships changing meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import scale_support as scale
from sqlalchemy import func, select

from seatplan.processing import worker
from seatplan.services import catalog, groups, licenses, lookup, users
from seatplan.store.tables import GroupLicense, LicenseAssignment, Membership, SkuUsage

MEMBERS, SEATS, BATCH, WORKERS = 900, 500, 40, 4
GROUPS = ("Everyone", "Halves", "Thirds")


def seats_in_use(db):
    """(users holding an E3 seat according to the assignments, seats bought)."""
    with db.reading() as s:
        e3 = catalog.find_product(s, scale.E3).sku_id
        holders = s.scalar(
            select(func.count(func.distinct(LicenseAssignment.user_id))).where(
                LicenseAssignment.sku_id == e3,
                LicenseAssignment.state.in_(("Active", "ActiveWithError")),
            )
        )
        bought = s.scalar(select(SkuUsage.enabled_units).where(SkuUsage.sku_id == e3))
        return holders or 0, bought or 0


def intent_ages(db):
    """User → the age of their oldest E3 intent (later of joining and the group's product)."""
    with db.reading() as s:
        rows = s.execute(
            select(
                Membership.user_id, func.min(Membership.since), func.min(GroupLicense.assigned_at)
            )
            .join(GroupLicense, GroupLicense.group_id == Membership.group_id)
            .group_by(Membership.user_id, Membership.group_id)
        ).all()
    ages = {}
    for user_id, joined, assigned in rows:
        age = max(joined, assigned)
        ages[user_id] = min(age, ages.get(user_id, age))
    return ages


def holders(db):
    with db.reading() as s:
        return set(
            s.scalars(
                select(LicenseAssignment.user_id).where(
                    LicenseAssignment.state.in_(("Active", "ActiveWithError"))
                )
            )
        )


def test_four_workers_never_over_allocate_and_serve_the_oldest_first(db, database_url):
    # The groups get their product before anyone joins: a user's intent is their joining.
    scale.build(db, members=0, seats=SEATS, group_names=GROUPS)
    for name in GROUPS:
        scale.assign(db, name)
    scale.build_members(db, members=MEMBERS, group_names=GROUPS)
    with db.writing() as s:
        for name in GROUPS:
            licenses.reprocess_group(s, group=lookup.group(s, name))

    samples: list[tuple[int, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(seats_in_use(db))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    processes = [scale.worker_process(database_url, batch_size=BATCH) for _ in range(WORKERS)]
    sampler.start()
    try:
        # Meanwhile: newcomers join (the newest intents) and some members leave entirely.
        for n in range(40):
            with db.writing() as s:
                newcomer = users.create(
                    s, user_principal_name=f"new{n}@scale.example", usage_location="US"
                )
                groups.add_member(s, group=lookup.group(s, GROUPS[n % 3]), user=newcomer)
                leaver = lookup.user(s, scale.user_id(7 * n + 1))
                for name in GROUPS:
                    group = lookup.group(s, name)
                    if s.get(Membership, (group.id, leaver.id)) is not None:
                        groups.remove_member(s, group=group, user=leaver)
            time.sleep(0.02)
        deadline = time.monotonic() + 120
        while scale.queued(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scale.queued(db) == 0, "the workers did not finish"
    finally:
        stop.set()
        sampler.join()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

    assert samples, "the sampler saw nothing"
    assert all(used <= bought for used, bought in samples), max(samples)
    assert seats_in_use(db) == (SEATS, SEATS)  # there were more users than seats
    assert scale.problems(db) == []  # counters, one seat per user per SKU, every rule

    ages = intent_ages(db)
    have = holders(db)
    newest_served = max(ages[user] for user in have)
    waiting = [user for user in ages if user not in have]
    assert all(ages[user] >= newest_served - timedelta(0) for user in waiting), (
        "a user waits while a newer intent holds a seat"
    )

    before = scale.outcome(db)
    with db.writing() as s:
        for name in GROUPS:
            licenses.reprocess_group(s, group=lookup.group(s, name))
    worker.drain(db, batch_size=BATCH)
    assert scale.outcome(db) == before  # processing again changes nothing
