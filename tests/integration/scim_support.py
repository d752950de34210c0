"""Shared by the SCIM tests: a provisioning token and small requests."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.api_support import bearer

from seatplan.store.db import Database

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEATPLAN = "urn:ietf:params:scim:schemas:extension:seatplan:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@pytest.fixture
def scim(db: Database) -> dict[str, str]:
    """A provisioning app's token (Seatplan.Provisioning only)."""
    return bearer(db, "Seatplan.Provisioning")


def user_body(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [USER],
        "userName": f"{name}@contoso.com",
        "displayName": name.title(),
        **extra,
    }


def create_user(client: Any, headers: dict[str, str], name: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/scim/v2/Users", headers=headers, json=user_body(name, **extra))
    assert response.status_code == 201, response.text
    return dict(response.json())


def scim_error(response: Any) -> tuple[int, str | None]:
    """The status and scimType of a SCIM error answer (checking its shape)."""
    body = response.json()
    assert body["schemas"] == [ERROR], body
    assert body["status"] == str(response.status_code)
    assert response.headers["content-type"].startswith("application/scim+json")
    return response.status_code, body.get("scimType")
