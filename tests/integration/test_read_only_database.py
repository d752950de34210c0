"""A database the service may only read still serves reads: no request writes a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, make_url, text
from tests.integration.api_support import bearer, make_user

from seatplan.server import create_app
from seatplan.settings import Settings
from seatplan.store import faults
from seatplan.store.db import Database
from seatplan.store.tables import AppSecret


def _read_only_url(db: Database) -> str:
    """The same database, opened so that any write fails."""
    url = make_url(db.url)
    if db.is_sqlite:
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
        )
    admin.dispose()
    return db.url


@pytest.fixture
def read_only(db: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app on a read-only copy of a tenant of three users, signing with the stored key."""
    headers = bearer(db, "User.ReadWrite.All")
    with TestClient(create_app(db, Settings(database_url=db.url))) as writer:
        for name in ("ann", "bob", "cat"):
            make_user(writer, headers, name)
    db.dispose()
    database = Database(_read_only_url(db))
    # No SEATPLAN_SECRET_KEY: the key is the one set-up stored in the database.
    app = create_app(database, Settings(database_url=database.url, secret_key=None))
    # A refused write answers an error rather than raising into the test.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers
    database.dispose()


def test_the_database_refuses_writes(read_only):
    client, headers = read_only
    answer = client.post(
        "/v1.0/users",
        headers=headers,
        json={"userPrincipalName": "dan@contoso.com", "displayName": "Dan"},
    )
    assert answer.status_code >= 500


def test_users_page_through_a_read_only_database(read_only):
    client, headers = read_only
    first = client.get("/v1.0/users?$top=2", headers=headers)
    assert first.status_code == 200, first.text
    rest = client.get(first.json()["@odata.nextLink"], headers=headers)
    assert rest.status_code == 200, rest.text
    names = [user["displayName"] for user in first.json()["value"] + rest.json()["value"]]
    assert names == ["Ann", "Bob", "Cat"]


def test_the_sign_in_page_answers_on_a_read_only_database(read_only):
    client, _headers = read_only
    page = client.get("/signin")
    assert page.status_code == 200, page.text
    assert 'name="csrf_token"' in page.text
    assert "seatplan_session" in page.headers["set-cookie"]


def test_readyz_says_the_database_is_read_only(read_only, monkeypatch):
    """A load balancer learns it before the first write fails, not after."""
    monkeypatch.setattr(faults, "_last", None)  # no earlier test's failed write to recall
    client, _ = read_only
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["reason"] == faults.READ_ONLY


def test_a_database_without_its_signing_key_answers_503_saying_what_to_run(db: Database):
    """Migrated without `seatplan db upgrade` (plain Alembic): a clear 503, not a 500."""
    headers = bearer(db, "User.ReadWrite.All")
    with TestClient(create_app(db, Settings(database_url=db.url))) as writer:
        for name in ("ann", "bob"):
            make_user(writer, headers, name)
    with db.writing() as session:
        session.execute(delete(AppSecret))
    app = create_app(db, Settings(database_url=db.url, secret_key=None))
    with TestClient(app, raise_server_exceptions=False) as client:
        paged = client.get("/v1.0/users?$top=1", headers=headers)  # its nextLink is signed
        assert paged.status_code == 503
        assert "seatplan db upgrade" in paged.json()["error"]["message"]
        assert client.get("/signin").status_code == 503  # its form's CSRF token is signed
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "seatplan db upgrade" in ready.json()["reason"]
