"""Graph's standard user and group properties: returned, selected, filtered, written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from tests.integration.api_support import bearer, error_of, make_group, make_user

from seatplan.services import tokens
from seatplan.store.db import Database
from seatplan.store.tables import User

USER_DEFAULT = {
    "@odata.context",
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
}


def _set(db: Database, user_id: str, **values: Any) -> None:
    """Properties the API cannot write (read-only in Graph), set as a directory sync would."""
    with db.writing() as session:
        user = session.get(User, UUID(user_id))
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)


def test_default_properties_are_graphs(client: TestClient, admin: dict[str, str]) -> None:
    user_id = make_user(client, admin, "adele")
    body = client.get(f"/v1.0/users/{user_id}", headers=admin).json()
    assert set(body) == USER_DEFAULT
    assert body["businessPhones"] == []
    assert body["givenName"] is None
    assert body["mail"] is None
    group_id = make_group(client, admin, "Sales")
    group = client.get(f"/v1.0/groups/{group_id}", headers=admin).json()
    assert group["groupTypes"] == []
    assert group["visibility"] is None
    assert "licenseProcessingState" not in group


def test_select_every_standard_property(client: TestClient, db: Database, admin: dict[str, str]):
    user_id = make_user(client, admin, "alex")
    _set(
        db,
        user_id,
        proxy_addresses=["SMTP:alex@contoso.com"],
        on_premises_sync_enabled=True,
        extension_attributes={"extensionAttribute3": "CC-42"},
    )
    names = (
        "createdDateTime,userType,companyName,officeLocation,mailNickname,otherMails,"
        "proxyAddresses,onPremisesExtensionAttributes,onPremisesSyncEnabled,"
        "onPremisesImmutableId,employeeId,employeeType,city,state,country,postalCode,"
        "streetAddress"
    )
    response = client.get(f"/v1.0/users/{user_id}?$select={names}", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"@odata.context", *names.split(",")}
    assert body["userType"] == "Member"
    assert body["createdDateTime"].endswith("Z")
    assert body["proxyAddresses"] == ["SMTP:alex@contoso.com"]
    assert body["onPremisesSyncEnabled"] is True
    attributes = body["onPremisesExtensionAttributes"]
    assert len(attributes) == 15
    assert attributes["extensionAttribute3"] == "CC-42"
    assert attributes["extensionAttribute1"] is None
    assert body["companyName"] is None
    assert body["otherMails"] == []
    listed = client.get(
        "/v1.0/users?$select=displayName,mail,userPrincipalName,assignedLicenses", headers=admin
    )
    assert listed.status_code == 200, listed.text
    assert set(listed.json()["value"][0]) == {
        "displayName",
        "mail",
        "userPrincipalName",
        "assignedLicenses",
    }


def test_unknown_property_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/v1.0/users?$select=displayName,faxNumber", headers=admin)
    assert error_of(response) == (
        400,
        "Request_UnsupportedQuery",
        "Unknown property 'faxNumber' of users in $select",
    )


def test_filters_on_standard_properties(client: TestClient, db: Database, admin: dict[str, str]):
    adele = make_user(client, admin, "adele")
    alex = make_user(client, admin, "alex")
    _set(db, adele, proxy_addresses=["SMTP:adele@contoso.com", "smtp:av@sales.contoso.com"])
    _set(db, alex, proxy_addresses=["SMTP:alex@contoso.com"], user_type="Guest")

    def found(text: str) -> set[str]:
        response = client.get("/v1.0/users", headers=admin, params={"$filter": text})
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["value"]}

    assert found("proxyAddresses/any(p:startswith(p,'smtp:av'))") == {adele}
    assert found("proxyAddresses/any(p:p eq 'smtp:ALEX@contoso.com')") == {alex}
    assert found("userType eq 'guest'") == {alex}
    assert found("userType in ('Member')") == {adele}


def test_sign_in_activity_needs_audit_log_permission(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    user_id = make_user(client, admin, "adele")
    others = [p for p in tokens.PERMISSIONS if p != "AuditLog.Read.All"]
    reader = bearer(db, *others)
    for path in (f"/v1.0/users/{user_id}", "/v1.0/users"):
        denied = client.get(f"{path}?$select=id,signInActivity", headers=reader)
        assert error_of(denied) == (
            403,
            "Authentication_MSGraphPermissionMissing",
            "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
        )
        assert client.get(f"{path}?$select=id", headers=reader).status_code == 200
    allowed = client.get(f"/v1.0/users/{user_id}?$select=signInActivity", headers=admin)
    assert allowed.status_code == 200
    assert allowed.json()["signInActivity"] is None
