"""The demo tenant shows every problem of the founding document, and every fix works."""

from __future__ import annotations

from sqlalchemy import select

from seatplan import demo
from seatplan.processing import worker
from seatplan.services import (
    assignment_rows,
    catalog,
    licenses,
    lookup,
    reports,
    subscriptions,
    users,
)
from seatplan.store.tables import Group, LicenseAssignment, SkuUsage, User


def problems(db):
    """(user alias, product, source, state, error) of every assignment not plainly Active."""
    with db.reading() as session:
        names = {u.id: u.user_principal_name.split("@")[0] for u in session.scalars(select(User))}
        group_names = {g.id: g.display_name for g in session.scalars(select(Group))}
        parts = {p.sku_id: p.sku_part_number for p in catalog.current(session).catalog.products}
        return sorted(
            (
                names[row.user_id],
                parts[row.sku_id],
                "Direct" if row.source_id is None else group_names.get(row.source_id, "?"),
                row.state,
                row.error,
            )
            for row in session.scalars(select(LicenseAssignment))
            if row.state != "Active" or row.error
        )


def seats(db):
    with db.reading() as session:
        parts = {p.sku_id: p.sku_part_number for p in catalog.current(session).catalog.products}
        return {
            parts[u.sku_id]: (u.enabled_units, u.consumed_units)
            for u in session.scalars(select(SkuUsage))
        }


def test_demo_shows_every_problem_of_the_founding_document(db):
    assert demo.load(db) is True
    found = problems(db)
    kinds = {
        (alias, product, source): (state, error) for alias, product, source, state, error in found
    }
    assert kinds[("adele", "ENTERPRISEPACK", "All Staff")] == (
        "Error",
        "MutuallyExclusiveViolation",
    )
    assert kinds[("megan", "ENTERPRISEPACK", "Security team")] == (
        "ActiveWithError",
        "DependencyViolation",
    )
    assert kinds[("bruno", "MCOPSTN1", "Phone users")] == (
        "Error",
        "ProhibitedInUsageLocationViolation",
    )
    # Marketing's E3 is not applied because its Power BI Pro has no seat.
    for alias in ("irvin", "henrietta"):
        assert kinds[(alias, "POWER_BI_PRO", "Marketing")] == ("Error", "CountViolation")
        assert kinds[(alias, "ENTERPRISEPACK", "Marketing")] == ("Error", "Other")
    analysts_short = [k for k in kinds if k[1:] == ("POWER_BI_PRO", "Analysts")]
    assert len(analysts_short) == 1  # 6 analysts, 5 seats
    # Nestor has no usage location and inherits the organization's.
    with db.reading() as session:
        nestor = lookup.user(session, demo.upn("nestor"))
        assert nestor.usage_location is None
        assert reports.user_detail(session, user_id=nestor.id).effective_usage_location == "US"
        assert {row.state for row in assignment_rows.held(session, nestor.id)} == {"Active"}
        # A direct license needs the user's own location: the organization's is not enough.
        direct_holders = session.scalars(
            select(User).join(LicenseAssignment).where(LicenseAssignment.source_id.is_(None))
        ).all()
        assert {u.user_principal_name for u in direct_holders} == {
            demo.upn("megan"),
            demo.upn("adele"),
        }
        assert all(u.usage_location for u in direct_holders)
    assert seats(db)["POWER_BI_PRO"] == (5, 5)
    # Loading twice does nothing.
    assert demo.load(db) is False


def test_every_documented_fix_resolves_its_problem(db):
    demo.load(db)
    with db.writing() as session:
        adele = lookup.user(session, demo.upn("adele"))
        e1 = catalog.find_product(session, "STANDARDPACK")
        disabled = catalog.plan_ids(session, e1, ["EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD"])
        licenses.assign_to_user(session, user=adele, add={e1.sku_id: disabled}, remove=[])
        licenses.reprocess_group(session, group=lookup.group(session, "All Staff"))
        subscriptions.set_units(session, sku="POWER_BI_PRO", units=10)
        megan = lookup.user(session, demo.upn("megan"))
        defender = catalog.find_product(session, "THREAT_INTELLIGENCE")
        licenses.assign_to_user(session, user=megan, add={}, remove=[defender.sku_id])
        users.update(session, user=lookup.user(session, demo.upn("bruno")), usage_location="GB")
    worker.drain(db, batch_size=7)

    assert problems(db) == []
    assert seats(db)["POWER_BI_PRO"] == (10, 8)
    with db.reading() as session:
        megan = lookup.user(session, demo.upn("megan"))
        assert assignment_rows.held(session, megan.id) == []
        assert {g.processing_state for g in session.scalars(select(Group))} == {
            "ProcessingComplete"
        }
