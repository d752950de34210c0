"""Database faults: a clear 503 in Graph's shape, the process goes on, nothing acknowledged lost.

- A read-only database: `PRAGMA query_only` fails every write as a read-only file does
  (SQLITE_READONLY); the tests run as root, whom a file's mode does not stop.
- A full disk: a hook fails writing statements with the driver's own error
  (sqlite3 "database or disk is full", psycopg `DiskFull`).
- PostgreSQL connections killed under load (`pg_terminate_backend`): the shared test server
  cannot be restarted, and a restart ends every connection in the same way.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, make_url, select, text
from tests.integration.api_support import bearer, error_of
from tests.integration.portal_support import csrf_of

from seatplan.server import create_app
from seatplan.services import admins, tokens
from seatplan.settings import Settings
from seatplan.store import faults
from seatplan.store.db import Database
from seatplan.store.tables import User

WRITES = ("INSERT", "UPDATE", "DELETE")


def _app(db: Database) -> FastAPI:
    # No secret key: the signing keys come from the database, as in a default deployment.
    return create_app(db, Settings(database_url=db.url, secret_key=None))


def _new_user(name: str) -> dict[str, Any]:
    return {"userPrincipalName": f"{name}@contoso.com", "displayName": name}


def _stored_names(db: Database, prefix: str) -> set[str]:
    with db.reading() as session:
        names = session.scalars(
            select(User.user_principal_name).where(User.user_principal_name.like(f"{prefix}%"))
        )
        return {name.split("@")[0] for name in names}


def _unavailable(response: Any, reason: str) -> None:
    assert error_of(response) == (503, "serviceNotAvailable", reason)
    assert response.headers["Retry-After"]


@pytest.fixture(autouse=True)
def _no_fault_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults, "_last", None)  # a fault of another test is not this one's


def test_ready_and_healthy(db: Database) -> None:
    with TestClient(_app(db)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ready"}
        with db.writing() as session:
            session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "seatplan db upgrade" in answer.json()["reason"]


def _read_only(db: Database) -> Database:
    """The same database, opened so that every write fails as on a read-only file."""
    url = make_url(db.url)
    if db.is_sqlite:
        return Database(f"sqlite:///file:{url.database}?mode=ro&uri=true")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
        )
    db.engine.dispose()
    return Database(db.url)


def test_a_read_only_database_answers_503_to_writes_and_serves_reads(db: Database) -> None:
    headers = bearer(db, *tokens.PERMISSIONS)
    with db.writing() as session:
        admins.create(
            session, username="admin", role=admins.GLOBAL_ADMINISTRATOR, password="admin-pass-1"
        )
    read_only = _read_only(db)
    app = _app(read_only)
    try:
        with TestClient(app) as client:
            assert client.get("/v1.0/users", headers=headers).status_code == 200
            _unavailable(
                client.post("/v1.0/users", headers=headers, json=_new_user("ro")), faults.READ_ONLY
            )
            assert client.get("/healthz").status_code == 200
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["reason"] == faults.READ_ONLY

            page = client.get("/signin")
            assert page.status_code == 200
            signed_in = client.post(
                "/signin",
                data={
                    "csrf_token": csrf_of(page.text),
                    "username": "admin",
                    "password": "admin-pass-1",
                },
                follow_redirects=False,
            )
            assert signed_in.status_code in (303, 503), signed_in.text
            if signed_in.status_code == 303:  # signing in wrote nothing; signing out writes
                form = client.get("/licenses")
                assert form.status_code == 200
                signed_in = client.post(
                    "/signout", data={"csrf_token": csrf_of(form.text)}, follow_redirects=False
                )
            assert signed_in.status_code == 503
            assert "read-only" in signed_in.text
    finally:
        read_only.dispose()
    assert _stored_names(db, "ro") == set()


def _disk_full_error(db: Database) -> Callable[[], Exception]:
    if db.is_sqlite:
        return lambda: sqlite3.OperationalError("database or disk is full")
    return lambda: psycopg.errors.DiskFull(
        'could not extend file "base/16384/16385": No space left on device'
    )


@contextmanager
def _failing_writes(engine: Engine, error: Callable[[], Exception], odds: float) -> Iterator[None]:
    """Writing statements fail at random (seeded) as the driver fails them on a full disk."""
    chance = random.Random(9)
    lock = threading.Lock()

    def fail(_cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            with lock:
                unlucky = chance.random() < odds
            if unlucky:
                raise error()

    event.listen(engine, "do_execute", fail)
    event.listen(engine, "do_executemany", fail)
    try:
        yield
    finally:
        event.remove(engine, "do_execute", fail)
        event.remove(engine, "do_executemany", fail)


def _load(client: TestClient, headers: dict[str, str], prefix: str, count: int) -> list[Any]:
    """`count` creates from 4 threads; the answers in any order."""
    answers: list[Any] = []
    lock = threading.Lock()

    def create(names: list[str]) -> None:
        for name in names:
            answer = client.post("/v1.0/users", headers=headers, json=_new_user(name))
            with lock:
                answers.append((name, answer))

    names = [f"{prefix}{i}" for i in range(count)]
    threads = [threading.Thread(target=create, args=(names[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(answers) == count
    return answers


def test_a_full_disk_answers_503_and_loses_nothing_acknowledged(db: Database) -> None:
    headers = bearer(db, "Directory.ReadWrite.All")
    with TestClient(_app(db)) as client:
        # A create writes several rows (user, change log, audit): 1 in 5 statements failing
        # leaves both outcomes among 80 creates, whatever order the threads run in.
        with _failing_writes(db.engine, _disk_full_error(db), odds=0.2):
            answers = _load(client, headers, "full", 80)
        created = set()
        for name, answer in answers:
            if answer.status_code == 201:
                created.add(name)
            else:
                _unavailable(answer, faults.FULL)
        assert 0 < len(created) < len(answers)  # both happened
        assert _stored_names(db, "full") == created  # a 503 wrote nothing
        assert client.get("/readyz").json()["reason"] == faults.FULL
        # The process goes on: once there is room again, writes succeed.
        again = client.post("/v1.0/users", headers=headers, json=_new_user("after"))
        assert again.status_code == 201, again.text


@pytest.mark.postgres
def test_killed_postgresql_connections_answer_503_and_lose_nothing_acknowledged(
    db: Database,
) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL connections only")
    headers = bearer(db, "Directory.ReadWrite.All", "User.Read.All")
    name = db.engine.url.database
    killer = create_engine(db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    stop = threading.Event()
    killed = 0

    def kill_connections() -> None:
        nonlocal killed
        with killer.connect() as connection:
            while not stop.is_set():
                killed += len(
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    ).all()
                )
                time.sleep(0.03)

    with TestClient(_app(db)) as client:
        assert client.get(f"/v1.0/users/{'0' * 32}", headers=headers).status_code == 404
        thread = threading.Thread(target=kill_connections)
        thread.start()
        try:
            answers = _load(client, headers, "kill", 120)
            reads = [client.get("/v1.0/users?$top=5", headers=headers) for _ in range(20)]
        finally:
            stop.set()
            thread.join(timeout=30)
            killer.dispose()
        acknowledged = set()
        for user, answer in answers:
            if answer.status_code == 201:
                acknowledged.add(user)
            else:
                _unavailable(answer, faults.UNREACHABLE)
        for read in reads:
            if read.status_code != 200:
                _unavailable(read, faults.UNREACHABLE)
        assert killed > 0
        assert acknowledged  # requests went on between the kills
        # A connection killed while committing may have committed: answered 503, yet stored.
        assert acknowledged <= _stored_names(db, "kill")
        ready = client.get("/readyz")
        # Connections were just killed: ready again, or still recalling exactly that fault.
        assert ready.status_code == 200 or ready.json()["reason"] == faults.UNREACHABLE
        after = client.post("/v1.0/users", headers=headers, json=_new_user("after"))
        assert after.status_code == 201, after.text
