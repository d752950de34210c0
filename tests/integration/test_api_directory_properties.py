"""Graph's standard user and group properties: returned, selected, filtered, written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.integration.api_support import (
    E3,
    bearer,
    buy,
    error_of,
    make_group,
    make_user,
    process,
)

from seatplan.services import organization, tokens
from seatplan.store.db import Database
from seatplan.store.tables import Subscription, User

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


def test_create_and_update_standard_properties(client: TestClient, admin: dict[str, str]):
    created = client.post(
        "/v1.0/users",
        headers=admin,
        json={
            "userPrincipalName": "megan@contoso.com",
            "displayName": "Megan Bowen",
            "givenName": "Megan",
            "surname": "Bowen",
            "mailNickname": "megan",
            "mail": "megan@contoso.com",
            "companyName": "Contoso",
            "businessPhones": ["+1 425 555 0109"],
            "userType": "Guest",
            "onPremisesExtensionAttributes": {
                "extensionAttribute1": "A",
                "extensionAttribute2": "B",
            },
            "passwordProfile": {"password": "x"},
        },
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert created.json()["givenName"] == "Megan"
    changed = client.patch(
        f"/v1.0/users/{user_id}",
        headers=admin,
        json={
            "surname": "Bowen-Smith",
            "officeLocation": "12/1110",
            "otherMails": ["megan@fabrikam.com"],
            "mail": "mbowen@contoso.com",
            "onPremisesExtensionAttributes": {
                "extensionAttribute2": None,
                "extensionAttribute9": "C",
            },
            "userType": "Member",
        },
    )
    assert changed.status_code == 204, changed.text
    fields = (
        "givenName,surname,mail,mailNickname,companyName,businessPhones,userType,"
        "officeLocation,otherMails,proxyAddresses,onPremisesExtensionAttributes"
    )
    body = client.get(f"/v1.0/users/{user_id}?$select={fields}", headers=admin).json()
    assert body["surname"] == "Bowen-Smith"
    assert body["officeLocation"] == "12/1110"
    assert body["otherMails"] == ["megan@fabrikam.com"]
    assert body["userType"] == "Member"
    assert body["businessPhones"] == ["+1 425 555 0109"]
    # Graph: the new mail becomes the primary SMTP address, the old one a secondary.
    assert body["proxyAddresses"] == ["SMTP:mbowen@contoso.com", "smtp:megan@contoso.com"]
    attributes = body["onPremisesExtensionAttributes"]
    assert (attributes["extensionAttribute1"], attributes["extensionAttribute2"]) == ("A", None)
    assert attributes["extensionAttribute9"] == "C"

    audits = client.get(
        "/v1.0/auditLogs/directoryAudits",
        headers=admin,
        params={"$filter": "activityDisplayName eq 'Update user'"},
    ).json()["value"]
    modified = {
        item["displayName"]: (item["oldValue"], item["newValue"])
        for item in audits[0]["targetResources"][0]["modifiedProperties"]
    }
    assert modified["Surname"] == ('["Bowen"]', '["Bowen-Smith"]')
    assert modified["UserType"] == ('["Guest"]', '["Member"]')
    assert "ProxyAddresses" in modified
    assert "GivenName" not in modified  # not sent: not changed


def test_refused_writes_change_nothing(client: TestClient, admin: dict[str, str]) -> None:
    user_id = make_user(client, admin, "adele")
    cases = [
        ({"createdDateTime": "2020-01-01T00:00:00Z"}, "Property 'createdDateTime' is read-only"),
        ({"proxyAddresses": ["SMTP:a@b.c"]}, "Property 'proxyAddresses' is read-only"),
        ({"userType": "Admin"}, "Invalid value specified for property 'userType' of resource"),
        ({"mail": "not an address"}, "Invalid value specified for property 'mail'"),
        ({"onPremisesImmutableId": "a_b"}, "property 'onPremisesImmutableId'"),
        ({"businessPhones": ["1", "2"]}, "only one number can be set"),
        ({"givenName": "x" * 65}, "givenName"),
        ({"faxNumber": "1"}, "Property 'faxNumber' does not exist"),
        (
            {"onPremisesExtensionAttributes": {"extensionAttribute16": "x"}},
            "extensionAttribute16",
        ),
    ]
    before = client.get(f"/v1.0/users/{user_id}?$select=userType,mail", headers=admin).json()
    for body, message in cases:
        response = client.patch(f"/v1.0/users/{user_id}", headers=admin, json=body)
        status, code, text = error_of(response)
        assert (status, code) == (400, "Request_BadRequest"), body
        assert message in text, (body, text)
    after = client.get(f"/v1.0/users/{user_id}?$select=userType,mail", headers=admin).json()
    assert after == before


def test_groups_standard_properties(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post(
        "/v1.0/groups",
        headers=admin,
        json={
            "displayName": "Marketing",
            "mailEnabled": True,
            "securityEnabled": False,
            "mailNickname": "marketing",
            "groupTypes": ["Unified"],
            "visibility": "Private",
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["groupTypes"] == ["Unified"]
    assert (group["mailNickname"], group["visibility"], group["mail"]) == (
        "marketing",
        "Private",
        None,
    )
    changed = client.patch(
        f"/v1.0/groups/{group['id']}", headers=admin, json={"visibility": "Public"}
    )
    assert changed.status_code == 204, changed.text
    unified = client.get(
        "/v1.0/groups", headers=admin, params={"$filter": "groupTypes/any(c:c eq 'unified')"}
    ).json()["value"]
    assert [item["visibility"] for item in unified] == ["Public"]

    refused = [
        ({"displayName": "N", "mailEnabled": True}, "does not currently support writes of mail"),
        ({"displayName": "N", "groupTypes": ["Unified"]}, "must be mailEnabled"),
        ({"displayName": "N", "groupTypes": ["DynamicMembership"]}, "groupTypes"),
        ({"displayName": "N", "visibility": "Secret"}, "visibility"),
        ({"displayName": "N", "mail": "n@contoso.com"}, "Property 'mail' is read-only"),
    ]
    for body, message in refused:
        status, code, text = error_of(client.post("/v1.0/groups", headers=admin, json=body))
        assert (status, code) == (400, "Request_BadRequest"), body
        assert message in text, (body, text)
    patched = client.patch(f"/v1.0/groups/{group['id']}", headers=admin, json={"groupTypes": []})
    assert error_of(patched)[2] == (
        "Only 'DynamicMembership' can be added to or removed from groupTypes."
    )


def test_license_details_select_and_by_id(client: TestClient, db: Database, admin):
    buy(db, units=5)
    user_id = make_user(client, admin, "adele", usageLocation="US")
    assigned = client.post(
        f"/v1.0/users/{user_id}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert assigned.status_code == 200, assigned.text
    process(db)
    base = f"/v1.0/users/{user_id}/licenseDetails"
    listed = client.get(f"{base}?$select=skuId,skuPartNumber", headers=admin)
    assert listed.status_code == 200, listed.text
    assert listed.json()["value"] == [{"skuId": E3, "skuPartNumber": "ENTERPRISEPACK"}]
    assert listed.json()["@odata.context"].endswith(
        f"users('{user_id}')/licenseDetails(skuId,skuPartNumber)"
    )
    detail_id = client.get(base, headers=admin).json()["value"][0]["id"]
    assert detail_id == f"{user_id}_{E3}"
    one = client.get(f"{base}/{detail_id}", headers=admin)
    assert one.status_code == 200, one.text
    assert one.json()["skuPartNumber"] == "ENTERPRISEPACK"
    assert one.json()["servicePlans"]
    assert one.json()["@odata.context"].endswith(f"users('{user_id}')/licenseDetails/$entity")
    selected = client.get(f"{base}/{detail_id}?$select=id", headers=admin).json()
    assert set(selected) == {"@odata.context", "id"}

    other = make_user(client, admin, "alex")
    for missing in (f"{other}_{E3}", f"{user_id}_{UUID(int=1)}", "nonsense"):
        assert error_of(client.get(f"{base}/{missing}", headers=admin))[:2] == (
            404,
            "Request_ResourceNotFound",
        )
    assert error_of(client.get(f"{base}?$top=1", headers=admin)) == (
        400,
        "Request_UnsupportedQuery",
        "Query option '$top' is not supported here",
    )
    assert error_of(client.get(f"{base}?$select=nope", headers=admin))[0] == 400


def test_subscribed_skus_account_and_subscriptions(client: TestClient, db: Database, admin):
    buy(db, units=5)
    with db.reading() as session:
        org = organization.get(session)
        ids = [
            str(s.id) for s in session.scalars(select(Subscription).order_by(Subscription.created))
        ]
    skus = client.get(
        "/v1.0/subscribedSkus?$select=skuPartNumber,accountId,accountName,subscriptionIds",
        headers=admin,
    )
    assert skus.status_code == 200, skus.text
    (item,) = skus.json()["value"]
    assert item == {
        "skuPartNumber": "ENTERPRISEPACK",
        "accountId": str(org.id),
        "accountName": org.display_name,
        "subscriptionIds": ids,
    }
    assert ids
