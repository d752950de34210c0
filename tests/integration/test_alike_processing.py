"""Property: processing random tenants with alike users evaluated once (the fast path)
writes exactly the rows and seat counters of evaluating every user (the plain path), on
both backends, over several batches and with products short of seats."""

from __future__ import annotations

import functools
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from seatplan import engine
from seatplan.processing import worker
from seatplan.services import catalog, groups, licenses, queue, subscriptions
from seatplan.services import organization as org_service
from seatplan.store.tables import LicenseAssignment, SkuUsage, User

#: Products whose rules meet: E1 conflicts with E3 and E5; Teams Phone needs E3 or E5.
PROFILES = (
    ("ENTERPRISEPACK",),
    ("STANDARDPACK",),
    ("ENTERPRISEPREMIUM",),
    ("POWER_BI_PRO",),
    ("ENTERPRISEPACK", "MCOEV"),
    ("EMS",),
)
PARTS = sorted({part for profile in PROFILES for part in profile})
LOCATIONS = ("US", "US", "IN", "IR", None)

tenants = st.fixed_dictionaries(
    {
        "users": st.lists(st.sampled_from(LOCATIONS), min_size=1, max_size=30),
        "groups": st.lists(st.sampled_from(range(len(PROFILES))), min_size=1, max_size=4),
        "members": st.lists(st.tuples(st.integers(0, 3), st.integers(0, 29)), max_size=60),
        "seats": st.lists(st.integers(0, 30), min_size=len(PARTS), max_size=len(PARTS)),
        "batch": st.integers(1, 12),
    }
)


def outcome(db, user_ids):
    with db.reading() as session:
        rows = session.execute(
            select(
                LicenseAssignment.user_id,
                LicenseAssignment.sku_id,
                LicenseAssignment.source_id,
                LicenseAssignment.disabled_plans,
                LicenseAssignment.state,
                LicenseAssignment.error,
                LicenseAssignment.since,
            ).where(LicenseAssignment.user_id.in_(user_ids))
        ).all()
        counters = session.execute(
            select(SkuUsage.sku_id, SkuUsage.enabled_units, SkuUsage.consumed_units)
        ).all()
    return sorted(rows, key=str), sorted(counters, key=str)


def forget_outcomes(db):
    """Every outcome forgotten and every licensed user queued again: processing anew."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM license_assignment")
        connection.exec_driver_sql("UPDATE sku_usage SET consumed_units = 0")
    with db.writing() as session:
        queue.enqueue_all_licensed(session)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tenant=tenants)
def test_the_fast_path_writes_what_the_plain_path_writes(db, tenant, monkeypatch):
    tag = uuid4().hex[:8]
    with db.engine.begin() as connection:  # an earlier example's products and outcomes go
        connection.exec_driver_sql("DELETE FROM group_license")
    forget_outcomes(db)
    with db.writing() as session:
        org_service.update(session, country_letter_code=None)
        for part, units in zip(PARTS, tenant["seats"], strict=True):
            subscriptions.set_units(session, sku=part, units=units)
        users = [
            User(
                user_principal_name=f"{tag}-{i}@x.com",
                upn_key=f"{tag}-{i}@x.com",
                display_name=f"U{i}",
                usage_location=location,
            )
            for i, location in enumerate(tenant["users"])
        ]
        session.add_all(users)
        made = [
            groups.create(session, display_name=f"{tag}-{i}") for i in range(len(tenant["groups"]))
        ]
        session.flush()
        user_ids = [user.id for user in users]
        for group_index, user_index in sorted(set(tenant["members"])):
            if group_index < len(made) and user_index < len(users):
                groups.add_member(session, group=made[group_index], user=users[user_index])
        for group, profile in zip(made, tenant["groups"], strict=True):
            add = {catalog.find_product(session, p).sku_id: frozenset() for p in PROFILES[profile]}
            licenses.assign_to_group(session, group=group, add=add, remove=[])

    worker.drain(db, batch_size=tenant["batch"])
    fast = outcome(db, user_ids)

    forget_outcomes(db)
    plain = functools.partial(engine.evaluate_batch, alike_once=False)
    monkeypatch.setattr("seatplan.processing.batch.engine.evaluate_batch", plain)
    try:
        worker.drain(db, batch_size=tenant["batch"])
    finally:
        monkeypatch.undo()
    assert outcome(db, user_ids) == fast
