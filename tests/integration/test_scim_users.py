"""SCIM Users (/scim/v2/Users): create, read, replace, delete, errors, licensing."""

from __future__ import annotations

import json

from tests.integration.api_support import E3, buy, make_group, process, row_counts
from tests.integration.scim_support import (
    ENTERPRISE,
    SEATPLAN,
    USER,
    create_user,
    scim_error,
)


def test_create_answers_201_with_location_etag_and_the_mapped_graph_user(db, client, scim, admin):
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": "00u1",
        "userName": "ann@contoso.com",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "displayName": "Ann Lee",
        "active": True,
        "emails": [
            {"value": "ann@contoso.com", "type": "work", "primary": True},
            {"value": "ann@home.example", "type": "home"},
        ],
        "phoneNumbers": [
            {"value": "+1 555 0100", "type": "work"},
            {"value": "+1 555 0199", "type": "mobile"},
        ],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "1 Main St",
                "locality": "Springfield",
                "region": "IL",
                "postalCode": "62701",
                "country": "US",
            }
        ],
        "title": "Engineer",
        "userType": "Member",
        "preferredLanguage": "en-US",
        ENTERPRISE: {
            "department": "Sales",
            "employeeNumber": "42",
            "organization": "Contoso",
            "costCenter": "CC1",
            "division": "East",
        },
        SEATPLAN: {"usageLocation": "US"},
    }
    response = client.post(
        "/scim/v2/Users",
        headers={**scim, "Content-Type": "application/scim+json"},
        content=json.dumps(body),
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    created = response.json()
    assert response.headers["location"].endswith(f"/scim/v2/Users/{created['id']}")
    assert response.headers["etag"] == created["meta"]["version"]
    assert created["meta"]["version"].startswith('W/"')
    assert created["meta"]["resourceType"] == "User"
    assert created["externalId"] == "00u1"
    assert created[ENTERPRISE]["costCenter"] == "CC1"
    assert created[SEATPLAN] == {"usageLocation": "US"}
    assert created["emails"] == [
        {"value": "ann@contoso.com", "type": "work", "primary": True},
        {"value": "ann@home.example", "type": "other"},
    ]

    select = (
        "userPrincipalName,givenName,surname,mail,otherMails,businessPhones,mobilePhone,city,"
        "country,jobTitle,department,employeeId,companyName,usageLocation,accountEnabled"
    )
    graph = client.get(f"/v1.0/users/{created['id']}?$select={select}", headers=admin).json()
    assert graph["userPrincipalName"] == "ann@contoso.com"
    assert graph["givenName"] == "Ann"
    assert graph["surname"] == "Lee"
    assert graph["mail"] == "ann@contoso.com"
    assert graph["otherMails"] == ["ann@home.example"]
    assert graph["businessPhones"] == ["+1 555 0100"]
    assert graph["mobilePhone"] == "+1 555 0199"
    assert graph["city"] == "Springfield"
    assert graph["country"] == "US"
    assert graph["jobTitle"] == "Engineer"
    assert graph["department"] == "Sales"
    assert graph["employeeId"] == "42"
    assert graph["companyName"] == "Contoso"
    assert graph["usageLocation"] == "US"
    assert graph["accountEnabled"] is True

    again = client.get(f"/scim/v2/Users/{created['id']}", headers=scim)
    assert again.status_code == 200
    assert again.json() == created


def test_duplicate_user_name_is_409_uniqueness_and_writes_nothing(db, client, scim):
    create_user(client, scim, "ann", externalId="x1")
    before = row_counts(db)
    taken = client.post(
        "/scim/v2/Users", headers=scim, json={"schemas": [USER], "userName": "ANN@contoso.com"}
    )
    assert scim_error(taken) == (409, "uniqueness")
    taken_external = client.post(
        "/scim/v2/Users",
        headers=scim,
        json={"schemas": [USER], "userName": "bob@contoso.com", "externalId": "x1"},
    )
    assert scim_error(taken_external) == (409, "uniqueness")
    assert row_counts(db) == before


def test_bad_values_are_400_invalid_value_and_write_nothing(db, client, scim):
    before = row_counts(db)
    for body in (
        {"schemas": [USER]},
        {"schemas": [USER], "userName": "no-at-sign"},
        {"schemas": [USER], "userName": "a@contoso.com", "active": "maybe"},
        {"schemas": [USER], "userName": "a@contoso.com", "emails": [{"value": "not an address"}]},
        {"schemas": [USER], "userName": "a@contoso.com", "name": {"givenName": "x" * 65}},
        {"schemas": [USER], "userName": "a@contoso.com", SEATPLAN: {"usageLocation": "ZZ"}},
        {"schemas": [USER], "userName": "a@contoso.com", "userType": "Robot"},
        {"schemas": [USER], "userName": "a@contoso.com", ENTERPRISE: {"manager": {"value": "x"}}},
    ):
        response = client.post("/scim/v2/Users", headers=scim, json=body)
        assert scim_error(response) == (400, "invalidValue"), body
    syntax = client.post("/scim/v2/Users", headers=scim, content=b"{not json")
    assert scim_error(syntax) == (400, "invalidSyntax")
    assert row_counts(db) == before


def test_get_unknown_and_unknown_paths_are_404(client, scim):
    assert scim_error(client.get("/scim/v2/Users/nope", headers=scim)) == (404, None)
    missing = "/scim/v2/Users/00000000-0000-0000-0000-000000000000"
    assert scim_error(client.get(missing, headers=scim)) == (404, None)
    assert scim_error(client.get("/scim/v2/Things", headers=scim)) == (404, None)
    # An endpoint that exists, with a method it does not take.
    assert scim_error(client.post("/scim/v2/Schemas", headers=scim, json={})) == (405, None)
    assert scim_error(client.put("/scim/v2/Users", headers=scim, json={})) == (405, None)


def test_put_replaces_and_honours_if_match(db, client, scim, admin):
    ann = create_user(client, scim, "ann", title="Engineer", externalId="e1")
    url = f"/scim/v2/Users/{ann['id']}"
    body = {"schemas": [USER], "userName": "ann.lee@contoso.com", "displayName": "Ann Lee"}
    stale = client.put(url, headers={**scim, "If-Match": 'W/"stale"'}, json=body)
    assert scim_error(stale) == (412, None)
    replaced = client.put(url, headers={**scim, "If-Match": ann["meta"]["version"]}, json=body)
    assert replaced.status_code == 200, replaced.text
    now = replaced.json()
    assert now["userName"] == "ann.lee@contoso.com"
    assert "title" not in now  # replaced: what is not sent is cleared
    assert "externalId" not in now
    assert now["meta"]["version"] != ann["meta"]["version"]
    assert replaced.headers["etag"] == now["meta"]["version"]
    graph = client.get(
        f"/v1.0/users/{ann['id']}?$select=userPrincipalName,jobTitle", headers=admin
    ).json()
    assert graph["userPrincipalName"] == "ann.lee@contoso.com"
    assert graph["jobTitle"] is None
    unchanged = client.get(url, headers={**scim, "If-None-Match": now["meta"]["version"]})
    assert unchanged.status_code == 304


def test_delete_is_204_then_404(db, client, scim):
    ann = create_user(client, scim, "ann")
    url = f"/scim/v2/Users/{ann['id']}"
    assert scim_error(client.delete(url, headers={**scim, "If-Match": 'W/"x"'})) == (412, None)
    assert client.delete(url, headers=scim).status_code == 204
    assert scim_error(client.get(url, headers=scim)) == (404, None)
    assert scim_error(client.delete(url, headers=scim)) == (404, None)


def test_active_false_frees_the_license_and_true_gives_it_back(db, client, scim, admin):
    buy(db, units=1)
    ann = create_user(client, scim, "ann", **{SEATPLAN: {"usageLocation": "US"}})
    group = make_group(client, admin, "Licensed", ann["id"])
    assigned = client.post(
        f"/v1.0/groups/{group}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3}], "removeLicenses": []},
    )
    assert assigned.status_code == 202, assigned.text
    process(db)

    def licenses() -> list[str]:
        user = client.get(f"/v1.0/users/{ann['id']}?$select=assignedLicenses", headers=admin)
        return [item["skuId"] for item in user.json()["assignedLicenses"]]

    def consumed() -> int:
        skus = client.get("/v1.0/subscribedSkus", headers=admin).json()["value"]
        return sum(sku["consumedUnits"] for sku in skus)

    assert licenses() == [E3]
    assert consumed() == 1
    body = {**ann, "active": False}
    del body["meta"]
    off = client.put(f"/scim/v2/Users/{ann['id']}", headers=scim, json=body)
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    process(db)
    assert licenses() == []
    assert consumed() == 0
    assert client.get(f"/scim/v2/Users/{ann['id']}", headers=scim).status_code == 200

    on = client.put(f"/scim/v2/Users/{ann['id']}", headers=scim, json={**body, "active": True})
    assert on.status_code == 200
    process(db)
    assert licenses() == [E3]


def test_the_provisioning_app_is_named_in_the_audit_log(db, client, scim, admin):
    ann = create_user(client, scim, "ann")
    events = client.get(
        "/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Add user'", headers=admin
    ).json()["value"]
    mine = [e for e in events if e["targetResources"][0]["id"] == ann["id"]]
    assert mine
    assert mine[0]["initiatedBy"]["app"]["displayName"] == "test"


def test_a_sync_resumed_after_an_interruption_duplicates_and_loses_nothing(db, client, scim):
    """As identity providers resume: look each user up by userName, create the missing."""
    names = [f"user{number}" for number in range(6)]
    for name in names[:3]:  # the first run stops half way
        create_user(client, scim, name, externalId=f"x-{name}")
    for name in names:  # the resumed run
        found = client.get(
            "/scim/v2/Users",
            headers=scim,
            params={"filter": f'userName eq "{name}@contoso.com"'},
        ).json()
        if found["totalResults"] == 0:
            create_user(client, scim, name, externalId=f"x-{name}")
        else:
            again = client.post(
                "/scim/v2/Users", headers=scim, json={"userName": f"{name}@contoso.com"}
            )
            assert scim_error(again) == (409, "uniqueness")
    listed = client.get("/scim/v2/Users", headers=scim, params={"count": 100}).json()
    assert listed["totalResults"] == 6
    assert sorted(user["externalId"] for user in listed["Resources"]) == sorted(
        f"x-{name}" for name in names
    )
