"""Services and the worker together, on SQLite and PostgreSQL: what administrators rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from seatplan.processing import worker
from seatplan.services import (
    assignment_rows,
    catalog,
    groups,
    licenses,
    lookup,
    queue,
    subscriptions,
    users,
)
from seatplan.services import organization as org_service
from seatplan.services.errors import BadRequest
from seatplan.store.tables import AuditEvent, Group, LicenseAssignment, QueuedUser, SkuUsage

E3, E1, PBI = "ENTERPRISEPACK", "STANDARDPACK", "POWER_BI_PRO"


def sku(session, part):
    return catalog.find_product(session, part).sku_id


def setup_tenant(db, *, seats=None, members=3):
    """A US organization, some subscriptions, a group 'Staff' with `members` users."""
    with db.writing() as s:
        org_service.update(s, country_letter_code="US")
        for part, units in (seats or {E3: 10, E1: 10, PBI: 10}).items():
            subscriptions.set_units(s, sku=part, units=units)
        group = groups.create(s, display_name="Staff")
        for i in range(members):
            user = users.create(s, user_principal_name=f"u{i}@contoso.com", usage_location="US")
            groups.add_member(s, group=group, user=user)


def assign_group(db, part, *, group="Staff", disabled=()):
    with db.writing() as s:
        product = catalog.find_product(s, part)
        plans = catalog.plan_ids(s, product, disabled)
        licenses.assign_to_group(
            s, group=lookup.group(s, group), add={product.sku_id: plans}, remove=[]
        )
    worker.drain(db, batch_size=2)


def states(db, upn):
    with db.reading() as s:
        user = lookup.user(s, upn)
        parts = {p.sku_id: p.sku_part_number for p in catalog.current(s).catalog.products}
        return sorted(
            (parts[row.sku_id], "Direct" if row.group_id is None else "Group", row.state, row.error)
            for row in assignment_rows.held(s, user.id)
        )


def consumed(db, part):
    with db.reading() as s:
        return s.scalar(select(SkuUsage.consumed_units).where(SkuUsage.sku_id == sku(s, part)))


def queued(db):
    with db.reading() as s:
        return {
            lookup.user(s, user_id).user_principal_name
            for user_id in s.scalars(select(QueuedUser.user_id))
        }


def count_rows(db, table):
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_group_assignment_licenses_every_member_and_completes(db):
    setup_tenant(db)
    assign_group(db, E3)
    for i in range(3):
        assert states(db, f"u{i}@contoso.com") == [(E3, "Group", "Active", None)]
    assert consumed(db, E3) == 3
    with db.reading() as s:
        assert s.scalar(select(Group.processing_state)) == "ProcessingComplete"
        finish = s.scalars(
            select(AuditEvent.result_reason).where(
                AuditEvent.activity_display_name == "Finish applying group based license to users"
            )
        ).all()
    assert finish == [
        "Users successfully assigned licenses: 3, Users for whom license assignment failed: 0."
    ]


def test_a_seat_is_counted_once_whatever_the_sources(db):
    setup_tenant(db, members=1)
    assign_group(db, E3)
    with db.writing() as s:
        other = groups.create(s, display_name="Other")
        groups.add_member(s, group=other, user=lookup.user(s, "u0@contoso.com"))
    assign_group(db, E3, group="Other")
    with db.writing() as s:
        licenses.assign_to_user(
            s, user=lookup.user(s, "u0@contoso.com"), add={sku(s, E3): frozenset()}, remove=[]
        )
    worker.drain(db, batch_size=10)
    assert [state for *_, state, _ in states(db, "u0@contoso.com")] == ["Active"] * 3
    assert consumed(db, E3) == 1


def test_not_enough_seats_waits_and_takes_seats_when_bought(db):
    setup_tenant(db, seats={E3: 2}, members=3)
    assign_group(db, E3)
    errors = [states(db, f"u{i}@contoso.com")[0][3] for i in range(3)]
    assert errors.count(None) == 2
    assert errors.count("CountViolation") == 1
    with db.writing() as s:
        subscriptions.set_units(s, sku=E3, units=3)
    worker.drain(db, batch_size=10)
    assert all(states(db, f"u{i}@contoso.com")[0][2] == "Active" for i in range(3))
    assert consumed(db, E3) == 3


def test_automatic_offer_can_be_turned_off(db):
    setup_tenant(db, seats={E3: 1}, members=2)
    assign_group(db, E3)
    with db.writing() as s:
        org_service.update(s, auto_offer_seats=False)
        subscriptions.set_units(s, sku=E3, units=2)
    assert queued(db) == set()
    with db.writing() as s:
        licenses.reprocess_group(s, group=lookup.group(s, "Staff"))
    worker.drain(db, batch_size=10)
    assert consumed(db, E3) == 2


def test_reducing_seats_never_revokes_a_working_license(db):
    setup_tenant(db, seats={E3: 3}, members=3)
    assign_group(db, E3)
    with db.writing() as s:
        subscriptions.set_units(s, sku=E3, units=1)
        licenses.reprocess_group(s, group=lookup.group(s, "Staff"))
    worker.drain(db, batch_size=10)
    assert all(states(db, f"u{i}@contoso.com")[0][2] == "Active" for i in range(3))
    with db.writing() as s:
        user = users.create(s, user_principal_name="late@contoso.com")
        groups.add_member(s, group=lookup.group(s, "Staff"), user=user)
    worker.drain(db, batch_size=10)
    assert states(db, "late@contoso.com") == [(E3, "Group", "Error", "CountViolation")]


def test_no_enabled_unit_left_disables_the_sku_and_units_bring_it_back(db):
    setup_tenant(db, seats={E3: 5}, members=2)
    assign_group(db, E3)
    with db.writing() as s:
        subscriptions.set_units(s, sku=E3, units=0)
    worker.drain(db, batch_size=10)
    assert states(db, "u0@contoso.com") == [(E3, "Group", "Disabled", None)]
    assert consumed(db, E3) == 0
    with db.writing() as s:
        subscriptions.set_units(s, sku=E3, units=5)
    worker.drain(db, batch_size=10)
    assert states(db, "u0@contoso.com") == [(E3, "Group", "Active", None)]
    assert consumed(db, E3) == 2


def test_direct_assignment_refusals_use_graphs_messages_and_write_nothing(db):
    setup_tenant(db, seats={E3: 1, E1: 5}, members=2)
    with db.writing() as s:
        licenses.assign_to_user(
            s, user=lookup.user(s, "u0@contoso.com"), add={sku(s, E3): frozenset()}, remove=[]
        )
    before = count_rows(db, LicenseAssignment), count_rows(db, AuditEvent)
    with db.writing() as s:
        e3, e1 = sku(s, E3), sku(s, E1)
        u0, u1 = lookup.user(s, "u0@contoso.com"), lookup.user(s, "u1@contoso.com")
    cases = [
        (u1, {e3: frozenset()}, [], f"Subscription with SKU {e3} does not have any available"),
        (u0, {e1: frozenset()}, [], "are mutually exclusive."),
        (u1, {e1: frozenset(), e3: frozenset()}, [], "does not have any available licenses"),
    ]
    for user, add, remove, message in cases:
        with pytest.raises(BadRequest, match=message), db.writing() as s:
            licenses.assign_to_user(s, user=lookup.user(s, user.id), add=add, remove=remove)
    assert (count_rows(db, LicenseAssignment), count_rows(db, AuditEvent)) == before


INVALID_LOCATION = "License assignment cannot be done for user with invalid usage location."


def test_a_direct_assignment_needs_the_users_own_location_never_the_organizations(db):
    with db.writing() as s:
        org_service.update(s, country_letter_code="FR", default_usage_location="FR")
        subscriptions.set_units(s, sku=E1, units=5)
        users.create(s, user_principal_name="nomad@contoso.com")
    before = count_rows(db, LicenseAssignment), count_rows(db, AuditEvent), consumed(db, E1)
    with pytest.raises(BadRequest) as refused, db.writing() as s:
        licenses.assign_to_user(
            s, user=lookup.user(s, "nomad@contoso.com"), add={sku(s, E1): frozenset()}, remove=[]
        )
    assert refused.value.message == INVALID_LOCATION
    assert (count_rows(db, LicenseAssignment), count_rows(db, AuditEvent), consumed(db, E1)) == (
        before
    )
    assert queued(db) == set()
    with db.writing() as s:
        user = users.update(s, user=lookup.user(s, "nomad@contoso.com"), usage_location="FR")
        licenses.assign_to_user(s, user=user, add={sku(s, E1): frozenset()}, remove=[])
    assert states(db, "nomad@contoso.com") == [(E1, "Direct", "Active", None)]
    assert consumed(db, E1) == 1


def test_group_licensing_of_a_user_without_location_uses_the_organizations(db):
    calling = "MCOPSTN1"  # sold only in some countries: Brazil is not one, Britain is
    with db.writing() as s:
        org_service.update(s, default_usage_location="BR")
        subscriptions.set_units(s, sku=calling, units=5)
        group = groups.create(s, display_name="Phones")
        groups.add_member(s, group=group, user=users.create(s, user_principal_name="n@contoso.com"))
    assign_group(db, calling, group="Phones")
    assert states(db, "n@contoso.com") == [
        (calling, "Group", "Error", "ProhibitedInUsageLocationViolation")
    ]
    with db.writing() as s:
        org_service.update(s, default_usage_location="GB")
    worker.drain(db, batch_size=10)
    assert states(db, "n@contoso.com") == [(calling, "Group", "Active", None)]
    with db.reading() as s:
        assert lookup.user(s, "n@contoso.com").usage_location is None  # licensing never writes it


def test_clearing_the_location_of_a_user_with_a_direct_license_is_refused(db):
    setup_tenant(db, members=2)
    with db.writing() as s:
        org_service.update(s, default_usage_location="US")
        e1 = sku(s, E1)
        licenses.assign_to_user(
            s, user=lookup.user(s, "u0@contoso.com"), add={e1: frozenset()}, remove=[]
        )
    with pytest.raises(BadRequest) as refused, db.writing() as s:
        users.update(s, user=lookup.user(s, "u0@contoso.com"), usage_location=None)
    assert refused.value.message == (
        f"Usage location (none) is not allowed for the license {e1} assigned directly to the user."
    )
    with db.writing() as s:
        users.update(s, user=lookup.user(s, "u1@contoso.com"), usage_location=None)
    with db.reading() as s:
        assert lookup.user(s, "u0@contoso.com").usage_location == "US"
        assert lookup.user(s, "u1@contoso.com").usage_location is None


def test_inherited_license_cannot_be_removed_directly(db):
    setup_tenant(db, members=1)
    assign_group(db, E3)
    with pytest.raises(BadRequest, match="inherited from a group"), db.writing() as s:
        licenses.assign_to_user(
            s, user=lookup.user(s, "u0@contoso.com"), add={}, remove=[sku(s, E3)]
        )


def test_group_checks_refuse_bad_groups_and_record_nothing(db):
    setup_tenant(db, members=1)
    with db.writing() as s:
        groups.create(s, display_name="Newsletter", security_enabled=False)
    with pytest.raises(BadRequest, match="not security-enabled"), db.writing() as s:
        licenses.assign_to_group(
            s, group=lookup.group(s, "Newsletter"), add={sku(s, E3): frozenset()}, remove=[]
        )
    with db.reading() as s:
        both = {sku(s, E3): frozenset(), sku(s, E1): frozenset()}
    with pytest.raises(BadRequest, match="mutually exclusive"), db.writing() as s:
        licenses.assign_to_group(s, group=lookup.group(s, "Staff"), add=both, remove=[])
    assert queued(db) == set()
    assign_group(db, E3)
    with pytest.raises(BadRequest, match="remove its licenses first"), db.writing() as s:
        groups.delete_group(s, group=lookup.group(s, "Staff"))


def test_each_change_queues_exactly_the_users_it_touches(db):
    setup_tenant(db, members=3)
    with db.writing() as s:
        groups.create(s, display_name="Unlicensed")
        outsider = users.create(s, user_principal_name="outsider@contoso.com")
        groups.add_member(s, group=lookup.group(s, "Unlicensed"), user=outsider)
    assert queued(db) == set()  # nothing is licensed yet
    with db.writing() as s:
        product = catalog.find_product(s, E3)
        licenses.assign_to_group(
            s, group=lookup.group(s, "Staff"), add={product.sku_id: frozenset()}, remove=[]
        )
    assert queued(db) == {"u0@contoso.com", "u1@contoso.com", "u2@contoso.com"}
    worker.drain(db, batch_size=10)
    with db.writing() as s:
        users.update(s, user=lookup.user(s, "u1@contoso.com"), usage_location="GB")
    assert queued(db) == {"u1@contoso.com"}
    worker.drain(db, batch_size=10)
    with db.writing() as s:
        groups.remove_member(
            s, group=lookup.group(s, "Staff"), user=lookup.user(s, "u2@contoso.com")
        )
    assert queued(db) == {"u2@contoso.com"}
    worker.drain(db, batch_size=10)
    assert states(db, "u2@contoso.com") == []
    assert consumed(db, E3) == 2


def test_deleting_a_user_frees_their_seat_for_the_longest_waiting(db):
    setup_tenant(db, seats={E3: 2}, members=3)
    assign_group(db, E3)
    with db.reading() as s:
        waiting = s.scalar(
            select(LicenseAssignment.user_id).where(LicenseAssignment.error == "CountViolation")
        )
        holder = s.scalar(
            select(LicenseAssignment.user_id).where(LicenseAssignment.state == "Active")
        )
    with db.writing() as s:
        users.delete_user(s, user=lookup.user(s, holder))
    with db.reading() as s:
        assert set(s.scalars(select(QueuedUser.user_id))) == {waiting}
    worker.drain(db, batch_size=10)
    assert consumed(db, E3) == 2
    with db.reading() as s:
        assert [r.state for r in assignment_rows.held(s, waiting)] == ["Active"]


def test_queue_keeps_the_oldest_priority(db):
    setup_tenant(db, members=1)
    with db.writing() as s:
        user = lookup.user(s, "u0@contoso.com")
        queue.enqueue_users(s, [user.id])
        first = s.scalar(select(QueuedUser.priority))
        queue.enqueue_users(s, [user.id])
        assert s.scalar(select(QueuedUser.priority)) == first
        assert s.scalar(select(func.count()).select_from(QueuedUser)) == 1


def test_importing_catalog_rules_queues_every_licensed_user(db):
    setup_tenant(db, members=2)
    assign_group(db, E3)
    with db.writing() as s:
        catalog.import_file(s, Path("docs/examples/contoso-catalog.toml"))
        assert catalog.find_product(s, "CONTOSO_FIELD_PREMIUM").display_name == (
            "Contoso Field Premium"
        )
    assert queued(db) == {"u0@contoso.com", "u1@contoso.com"}
