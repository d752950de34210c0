"""`/healthz` and `/readyz`: no token, and for readiness one cheap statement, which also
says whether the workers keep up (`SEATPLAN_READY_MAX_LAG_SECONDS`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, update
from tests.integration.api_support import bearer, make_user, process

from seatplan.server import create_app
from seatplan.services import tokens
from seatplan.settings import Settings
from seatplan.store import faults
from seatplan.store.db import Database
from seatplan.store.tables import QueuedUser
from seatplan.store.types import utcnow


def _app(db: Database, **settings: Any) -> TestClient:
    return TestClient(create_app(db, Settings(database_url=db.url, secret_key="t", **settings)))


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, but for opening a transaction (SQLite's BEGIN,
    PostgreSQL's statement timeout for the request)."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith(("BEGIN", "SET LOCAL statement_timeout")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def _queue_someone(db: Database, client: TestClient, waited: timedelta) -> None:
    headers = bearer(db, *tokens.PERMISSIONS)
    user = make_user(client, headers, "ann", usageLocation="US")
    reprocessed = client.post(f"/v1.0/users/{user}/reprocessLicenseAssignment", headers=headers)
    assert reprocessed.status_code == 200, reprocessed.text
    with db.writing() as session:
        session.execute(update(QueuedUser).values(enqueued_at=utcnow() - waited))


def test_readyz_answers_503_when_the_workers_fall_behind(db, monkeypatch):
    monkeypatch.setattr(faults, "_last", None)
    with _app(db, ready_max_lag_seconds=60) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        _queue_someone(db, client, timedelta(minutes=10))
        answer = client.get("/readyz")
        assert answer.status_code == 503
        reason = answer.json()["reason"]
        assert "SEATPLAN_READY_MAX_LAG_SECONDS" in reason
        assert "seatplan worker" in reason
        assert client.get("/healthz").json() == {"status": "ok"}  # alive all the same

        process(db)
        assert client.get("/readyz").json() == {"status": "ready"}


def test_a_recent_queue_or_no_threshold_is_ready(db, monkeypatch):
    monkeypatch.setattr(faults, "_last", None)
    with _app(db, ready_max_lag_seconds=0) as client:
        _queue_someone(db, client, timedelta(days=3))
        assert client.get("/readyz").status_code == 200  # 0: the lag is not checked
    with _app(db, ready_max_lag_seconds=900) as client:
        with db.writing() as session:
            session.execute(update(QueuedUser).values(enqueued_at=utcnow()))
        assert client.get("/readyz").status_code == 200


def test_readyz_runs_one_statement_and_needs_no_token(db, monkeypatch):
    monkeypatch.setattr(faults, "_last", None)
    with _app(db) as client:
        assert client.get("/readyz").status_code == 200  # reads the signing key once
        with statements(db) as seen:
            assert client.get("/readyz").status_code == 200
            assert client.get("/healthz").status_code == 200
    assert len(seen) == 1, seen
    assert "alembic_version" in seen[0]
    assert "license_queue" in seen[0]
