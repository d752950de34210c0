"""A batch writes its users' rows before its turn to take seats, and again if the seats
changed meanwhile: what it wrote first is undone, nothing is oversubscribed."""

from __future__ import annotations

import pytest
import scale_support as scale
from sqlalchemy import func, select

from seatplan.processing import batch, worker
from seatplan.services import catalog, licenses, lookup, subscriptions
from seatplan.store.tables import LicenseAssignment, SkuUsage


def test_seats_that_go_while_a_batch_writes_its_rows_are_respected(db, monkeypatch):
    if db.is_sqlite:
        pytest.skip("SQLite: one writer at a time, seats cannot change under a batch")
    scale.build(db, members=6, seats=5)
    with db.writing() as s:
        e3 = catalog.find_product(s, scale.E3).sku_id
        group = lookup.group(s, "Everyone")
        licenses.assign_to_group(s, group=group, add={e3: frozenset()}, remove=[])
    wait = batch.ordering.wait_for_earlier
    sold = []

    def sell_seats_then_wait(session, ticket):
        # The batch has evaluated on 5 free seats and written its rows (not committed):
        # another transaction lowers the seats to 3 and commits.
        if not sold:
            with db.writing() as other:
                subscriptions.set_units(other, sku=scale.E3, units=3)
            sold.append(True)
        wait(session, ticket)

    monkeypatch.setattr(batch.ordering, "wait_for_earlier", sell_seats_then_wait)
    worker.drain(db, batch_size=10)

    assert sold == [True]
    with db.reading() as s:
        rows = s.execute(
            select(LicenseAssignment.state, LicenseAssignment.error, func.count())
            .where(LicenseAssignment.sku_id == e3)
            .group_by(LicenseAssignment.state, LicenseAssignment.error)
            .order_by(LicenseAssignment.state)
        ).all()
        consumed = s.scalar(select(SkuUsage.consumed_units).where(SkuUsage.sku_id == e3))
    # The oldest three members hold the three seats left; nothing of the first rows stays.
    assert [tuple(row) for row in rows] == [("Active", None, 3), ("Error", "CountViolation", 3)]
    assert consumed == 3
