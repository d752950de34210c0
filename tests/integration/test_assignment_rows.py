"""One function adjusts the seat counters."""

from __future__ import annotations

from sqlalchemy import select

from seatplan.services import catalog, subscriptions
from seatplan.store.tables import SkuUsage


def _tenant(session):
    """E3 and E1 with 5 seats each."""
    for part in ("ENTERPRISEPACK", "STANDARDPACK"):
        subscriptions.set_units(session, sku=part, units=5)
    e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
    e1 = catalog.find_product(session, "STANDARDPACK").sku_id
    return None, None, e3, e1


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
