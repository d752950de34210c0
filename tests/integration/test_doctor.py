"""`seatplan doctor` finds what is inconsistent, and --repair makes it right again."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from seatplan import demo
from seatplan.processing import worker
from seatplan.services import catalog, doctor, lookup
from seatplan.store.tables import LicenseAssignment, SkuUsage


def checks(db):
    with db.reading() as session:
        return sorted({p.check for p in doctor.check(session).problems})


def repair_and_drain(db):
    with db.writing() as session:
        doctor.repair(session, doctor.check(session))
    worker.drain(db, batch_size=50)


def test_the_demo_tenant_is_consistent(db):
    demo.load(db)
    with db.reading() as session:
        report = doctor.check(session)
    assert report.problems == []
    assert report.users_checked == len(demo.PEOPLE)


def test_wrong_seat_counters_are_found_and_repaired(db):
    demo.load(db)
    with db.writing() as session:
        e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
        session.execute(update(SkuUsage).where(SkuUsage.sku_id == e3).values(consumed_units=3))
    assert checks(db) == ["seat counters"]
    repair_and_drain(db)
    assert checks(db) == []
    with db.reading() as session:
        assert session.scalar(select(SkuUsage.consumed_units).where(SkuUsage.sku_id == e3)) == 7


def test_a_lost_assignment_is_found_and_the_user_evaluated_again(db):
    demo.load(db)
    with db.writing() as session:
        alex = lookup.user(session, demo.upn("alex"))
        session.execute(delete(LicenseAssignment).where(LicenseAssignment.user_id == alex.id))
    assert checks(db) == ["intent kept", "seat counters"]
    repair_and_drain(db)
    assert checks(db) == []


def test_conflicting_plans_and_a_missing_prerequisite_are_found(db):
    demo.load(db)
    with db.writing() as session:
        adele = lookup.user(session, demo.upn("adele"))
        # Force Adele's group E3 on beside her E1: two Exchange and two SharePoint plans.
        session.execute(
            update(LicenseAssignment)
            .where(LicenseAssignment.user_id == adele.id, LicenseAssignment.error.is_not(None))
            .values(state="Active", error=None)
        )
        megan = lookup.user(session, demo.upn("megan"))
        # Take away the E3 that Megan's Defender plan depends on.
        session.execute(
            delete(LicenseAssignment).where(
                LicenseAssignment.user_id == megan.id,
                LicenseAssignment.error == "DependencyViolation",
            )
        )
    found = checks(db)
    assert "exclusive plans" in found
    assert "prerequisites" in found
