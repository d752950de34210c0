"""Shared by the API tests: a client over the test database, tokens, a small tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from seatplan.processing import worker
from seatplan.server import create_app
from seatplan.services import organization, subscriptions, tokens
from seatplan.settings import Settings
from seatplan.store.db import Database
from seatplan.store.tables import Base

E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"  # ENTERPRISEPACK (Office 365 E3)


def bearer(db: Database, *scopes: str) -> dict[str, str]:
    with db.writing() as session:
        _, token = tokens.create(session, name="test", scopes=scopes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = create_app(db, Settings(database_url=db.url, secret_key="test-secret"))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(db: Database) -> dict[str, str]:
    """Every permission."""
    return bearer(db, *tokens.PERMISSIONS)


def buy(db: Database, sku: str = "ENTERPRISEPACK", units: int = 10, country: str = "US") -> None:
    with db.writing() as session:
        organization.update(session, country_letter_code=country)
        subscriptions.set_units(session, sku=sku, units=units)


def make_user(client: TestClient, headers: dict[str, str], name: str, **extra: Any) -> str:
    body = {"userPrincipalName": f"{name}@contoso.com", "displayName": name.title(), **extra}
    response = client.post("/v1.0/users", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def make_group(client: TestClient, headers: dict[str, str], name: str, *members: str) -> str:
    response = client.post(
        "/v1.0/groups",
        headers=headers,
        json={"displayName": name, "mailEnabled": False, "securityEnabled": True},
    )
    assert response.status_code == 201, response.text
    group_id = str(response.json()["id"])
    for user_id in members:
        added = client.post(
            f"/v1.0/groups/{group_id}/members/$ref",
            headers=headers,
            json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"},
        )
        assert added.status_code == 204, added.text
    return group_id


def process(db: Database) -> None:
    worker.drain(db, batch_size=1000)


def row_counts(db: Database) -> dict[str, int]:
    with db.reading() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["innerError"]["request-id"]
    assert error["innerError"]["date"]
    return response.status_code, error["code"], error["message"]
