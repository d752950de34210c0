"""The tables in code and the migrations never drift apart, on every backend."""

from seatplan.store import migrate


def test_models_match_migrations(db):
    migrate.check(db.engine)
