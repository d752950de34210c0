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


def test_audit_events_written_before_0010_read_with_their_old_values(tmp_path):
    """0010 gives old events their own id as correlationId, the operation their activity
    names, and copies their initiator and targets where the filters read them."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = migrate.alembic_config(engine)
    command.upgrade(config, "0009")
    event_id = "0123456789abcdef0123456789abcdef"
    initiated = '{"user": {"id": "u-1", "displayName": "Megan", "userPrincipalName": "m@x"}}'
    targets = (
        '[{"id": "G-1", "type": "Group", "displayName": "Sales"}, {"id": "u-2", "type": "User"}]'
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_event (id, activity_date_time, activity_display_name, category, "
            "initiated_by, target_resources, result, result_reason, modified_properties) "
            "VALUES (?, '2026-01-01 00:00:00', 'Remove member from group', 'GroupManagement', "
            "?, ?, 'success', '', '[]')",
            (event_id, initiated, targets),
        )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT correlation_id, operation_type, logged_by_service, additional_details, "
            "initiator_user_id, initiator_user_name, initiator_upn, initiator_app_id "
            "FROM audit_event"
        ).one()
        found = list(
            connection.exec_driver_sql(
                "SELECT position, target_id, display_name FROM audit_target ORDER BY position"
            )
        )
    assert tuple(row) == (event_id, "Delete", "Core Directory", "[]", "u-1", "Megan", "m@x", None)
    assert [tuple(r) for r in found] == [(0, "G-1", "Sales"), (1, "u-2", None)]
    command.downgrade(config, "0009")
    engine.dispose()
