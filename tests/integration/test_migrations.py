"""The tables in code and the migrations never drift apart, on every backend."""

from alembic import command
from sqlalchemy import create_engine

from seatplan.store import migrate


def test_models_match_migrations(db):
    migrate.check(db.engine)


def test_rebuilding_the_queue_keeps_queued_users(tmp_path):
    """0006 copies the SQLite queue into a table without rowid, and back on downgrade."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = migrate.alembic_config(engine)

    def queued() -> list[tuple[str, str]]:
        with engine.connect() as connection:
            return list(connection.exec_driver_sql("SELECT user_id, priority FROM license_queue"))

    def table_sql() -> str:
        with engine.connect() as connection:
            return str(
                connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'license_queue'"
                ).scalar()
            )

    command.upgrade(config, "0005")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO license_queue VALUES ('0' || hex(randomblob(15)) || '0', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    before = queued()

    command.upgrade(config, "head")
    assert queued() == before
    assert "WITHOUT ROWID" in table_sql()

    command.downgrade(config, "0005")
    assert queued() == before
    assert "WITHOUT ROWID" not in table_sql()
    engine.dispose()
