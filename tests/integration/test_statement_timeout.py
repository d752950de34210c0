"""A request's slow query is cancelled at SEATPLAN_STATEMENT_TIMEOUT_SECONDS: a clear 503,
and the server (its core, SQLite's write lock) is free for the next request."""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text
from tests.integration.api_support import bearer, error_of

from seatplan.server import create_app
from seatplan.settings import Settings
from seatplan.store import deadline, faults
from seatplan.store.db import Database

#: Long enough for a request's own quick statements on a loaded machine (at 0.5 s the
#: token lookup before a write could itself be cancelled, and the answer was not "busy").
LIMIT = 2.0
#: Counts to a billion: minutes of work on any database.
SLOW = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
    "SELECT count(*) FROM n"
)


@pytest.fixture
def slow_app(db: Database) -> TestClient:
    app = create_app(db, Settings(database_url=db.url, statement_timeout_seconds=LIMIT))

    @app.get("/v1.0/slowRead")
    def slow_read() -> int:
        with db.reading() as session:
            return int(session.scalar(SLOW) or 0)

    @app.get("/v1.0/slowWrite")
    def slow_write() -> int:
        with db.writing() as session:  # on SQLite: holds the write lock from BEGIN
            return int(session.scalar(SLOW) or 0)

    return TestClient(app)


@pytest.mark.parametrize("path", ["/v1.0/slowRead", "/v1.0/slowWrite"])
def test_a_slow_query_is_cancelled_with_a_clear_error(
    slow_app: TestClient, db: Database, path: str
) -> None:
    headers = bearer(db, "User.ReadWrite.All")
    with slow_app:
        start = time.monotonic()
        answer = slow_app.get(path)
        took = time.monotonic() - start
        assert error_of(answer) == (503, "serviceNotAvailable", faults.TOO_SLOW)
        assert answer.headers["Retry-After"]
        assert took < LIMIT + 2.0
        # Nothing is held: another connection takes the write lock without waiting at all,
        # and a write (which would answer 503 "busy" within the limit if the lock were
        # held, see store.db) and a read succeed.
        if db.is_sqlite:
            free = sqlite3.connect(make_url(db.url).database or "", timeout=0)
            try:
                free.execute("BEGIN IMMEDIATE")
                free.rollback()
            finally:
                free.close()
        created = slow_app.post(
            "/v1.0/users",
            headers=headers,
            json={"userPrincipalName": "after@contoso.com", "displayName": "After"},
        )
        assert created.status_code == 201, created.text
        assert slow_app.get("/v1.0/users", headers=headers).status_code == 200
        # A slow query says nothing of the database's health (other faults may be recent).
        assert slow_app.get("/readyz").json().get("reason") != faults.TOO_SLOW


def test_work_outside_a_request_has_no_limit(db: Database) -> None:
    """The worker's batches and the command line run without a deadline."""
    quick = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        "SELECT count(*) FROM n"
    )
    with deadline.time_limit(0.0):
        time.sleep(0.01)
        assert deadline.passed()
    assert not deadline.passed()
    with db.reading() as session:
        assert session.scalar(quick) == 3000


def test_a_write_waiting_for_another_writer_gives_up_at_the_limit(
    slow_app: TestClient, db: Database
) -> None:
    """SQLite: a request waits for the write lock only as long as its time limit, then a
    clear 503; the pooled connection it used waits the full time again outside requests."""
    if not db.is_sqlite:
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows, bounded by the timeout")
    headers = bearer(db, "User.ReadWrite.All")
    body = {"userPrincipalName": "waits@contoso.com", "displayName": "Waits"}
    with slow_app, db.writing() as other:
        other.connection()  # BEGIN IMMEDIATE: another writer holds the lock throughout
        start = time.monotonic()
        answer = slow_app.post("/v1.0/users", headers=headers, json=body)
        took = time.monotonic() - start
    assert error_of(answer) == (503, "serviceNotAvailable", faults.BUSY)
    assert took < LIMIT + 2.0
    with slow_app:
        assert slow_app.post("/v1.0/users", headers=headers, json=body).status_code == 201
    # Outside a request, every pooled connection waits the full busy timeout again.
    for _ in range(3):
        with db.writing() as session:
            waits = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert waits == 30_000
