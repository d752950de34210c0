"""One owner of a license-assignment row: the mapper, the column type, the seat counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from seatplan.engine import Assignment, ErrorKind, State
from seatplan.services import assignment_rows, catalog, groups, subscriptions, users
from seatplan.store import bulk
from seatplan.store.tables import LicenseAssignment, SkuUsage
from seatplan.store.types import NIL

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _tenant(session):
    """A user, a group, and E3 and E1 with 5 seats each."""
    for part in ("ENTERPRISEPACK", "STANDARDPACK"):
        subscriptions.set_units(session, sku=part, units=5)
    user = users.create(session, user_principal_name="u@contoso.com", usage_location="US")
    group = groups.create(session, display_name="Staff")
    e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
    e1 = catalog.find_product(session, "STANDARDPACK").sku_id
    return user.id, group.id, e3, e1


def _stored_sources(session):
    """source_id as the database holds it, without the column type."""
    raw = session.connection().exec_driver_sql("SELECT source_id FROM license_assignment")
    return {str(value).replace("-", "") for (value,) in raw}


def test_rows_written_are_read_back_as_the_same_assignments(db):
    with db.writing() as s:
        user_id, group_id, e3, e1 = _tenant(s)
        plan = next(iter(catalog.find_product(s, "ENTERPRISEPACK").plan_ids))
        direct = Assignment(e3, None, frozenset({plan}), State.ACTIVE, None, T0)
        inherited = Assignment(
            e1, group_id, frozenset(), State.ERROR, ErrorKind.COUNT, T0 + timedelta(seconds=1)
        )
        changes = assignment_rows.Changes(T0)
        changes.insert(user_id, direct)
        changes.insert(user_id, inherited)
        assignment_rows.write(s, changes)

        assert sorted(assignment_rows.held(s, user_id), key=str) == sorted(
            [direct, inherited], key=str
        )
        batch = list(assignment_rows.held_by_users(s, [user_id]))
        assert sorted(batch, key=str) == sorted([(user_id, direct), (user_id, inherited)], key=str)
        # A direct assignment is stored as the NIL group: the schema is unchanged.
        assert _stored_sources(s) == {NIL.hex, group_id.hex}


def test_updates_and_deletes_find_direct_and_group_rows(db):
    with db.writing() as s:
        user_id, group_id, e3, e1 = _tenant(s)
        direct = Assignment(e3, None, frozenset(), State.ACTIVE, None, T0)
        inherited = Assignment(e1, group_id, frozenset(), State.ACTIVE, None, T0)
        first = assignment_rows.Changes(T0)
        first.insert(user_id, direct)
        first.insert(user_id, inherited)
        assignment_rows.write(s, first)

        failed = Assignment(e3, None, frozenset(), State.ERROR, ErrorKind.COUNT, T0)
        later = T0 + timedelta(hours=1)
        second = assignment_rows.Changes(later)
        second.update(user_id, direct, failed)
        second.delete(user_id, inherited)
        assignment_rows.write(s, second)

        assert assignment_rows.held(s, user_id) == [failed]
        updated = s.scalars(select(LicenseAssignment.updated)).all()
        assert updated == [later]

        third = assignment_rows.Changes(later)
        third.delete(user_id, failed)
        assignment_rows.write(s, third)
        assert assignment_rows.held(s, user_id) == []


def test_none_means_direct_in_queries_and_in_bulk_reads(db):
    with db.writing() as s:
        user_id, group_id, e3, e1 = _tenant(s)
        # The ORM inserts a direct row too (None goes through the column type).
        s.add(
            LicenseAssignment(user_id=user_id, sku_id=e3, source_id=None, state="Active", since=T0)
        )
        s.add(
            LicenseAssignment(
                user_id=user_id, sku_id=e1, source_id=group_id, state="Active", since=T0
            )
        )
        s.flush()
        sku = LicenseAssignment.sku_id
        source = LicenseAssignment.source_id
        assert s.scalars(select(sku).where(source == None)).all() == [e3]  # noqa: E711
        assert s.scalars(select(sku).where(source.is_(None))).all() == [e3]
        assert s.scalars(select(sku).where(source != None)).all() == [e1]  # noqa: E711
        assert s.scalars(select(sku).where(source.is_not(None))).all() == [e1]
        assert s.scalars(select(sku).where(source == group_id)).all() == [e1]
        assert sorted(s.scalars(select(source)).all(), key=str) == sorted([None, group_id], key=str)
        fetched = bulk.fetch(s, select(sku, source).order_by(sku))
        assert sorted(fetched, key=str) == sorted([(e3, None), (e1, group_id)], key=str)
        assert _stored_sources(s) == {NIL.hex, group_id.hex}


def test_seats_are_adjusted_in_the_counters_and_in_those_already_loaded(db):
    with db.writing() as s:
        _, _, e3, e1 = _tenant(s)
        usage = subscriptions.lock_usage(s, [e3, e1])
        subscriptions.adjust_seats(s, {e3: 2, e1: 0})
        subscriptions.adjust_seats(s, {e3: -1, e1: 3})
        # The counters this session holds agree with the database.
        assert (usage[e3].consumed_units, usage[e1].consumed_units) == (1, 3)
        s.expire_all()
        counters = dict(s.execute(select(SkuUsage.sku_id, SkuUsage.consumed_units)).all())
        assert (counters[e3], counters[e1]) == (1, 3)
