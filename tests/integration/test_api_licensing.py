"""Users, groups and licenses through /v1.0, in Graph's shapes."""

from __future__ import annotations

from uuid import UUID

from tests.integration.api_support import (
    E3,
    buy,
    error_of,
    make_group,
    make_user,
    process,
    row_counts,
)

from seatplan.services import organization, reports

EXCHANGE_S = "efb87545-963c-4e0d-99df-69c6916d9eb0"  # EXCHANGE_S_ENTERPRISE (part of E3)


def test_user_by_id_or_upn_with_selected_license_properties(db, client, admin):
    buy(db, units=5)
    alice = make_user(client, admin, "alice", usageLocation="US")
    group = make_group(client, admin, "Sales", alice)
    assigned = client.post(
        f"/v1.0/users/{alice}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": [EXCHANGE_S]}], "removeLicenses": []},
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["id"] == alice
    queued = client.post(
        f"/v1.0/groups/{group}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert queued.status_code == 202
    assert queued.json()["assignedLicenses"] == [{"disabledPlans": [], "skuId": E3}]
    process(db)

    select = "id,usageLocation,assignedLicenses,licenseAssignmentStates"
    by_upn = client.get(f"/v1.0/users/ALICE@contoso.com?$select={select}", headers=admin)
    assert by_upn.status_code == 200
    body = by_upn.json()
    assert body["@odata.context"].endswith(f"/v1.0/$metadata#users({select})/$entity")
    assert set(body) == {"@odata.context", *select.split(",")}
    assert body["usageLocation"] == "US"
    # Disabled in the direct source only: the group's enables it, so it is not disabled.
    assert body["assignedLicenses"] == [{"disabledPlans": [], "skuId": E3}]
    states = {s["assignedByGroup"]: s for s in body["licenseAssignmentStates"]}
    assert states[None]["disabledPlans"] == [EXCHANGE_S]
    assert states[group]["state"] == "Active"
    assert states[group]["error"] == "None"
    assert states[None]["lastUpdatedDateTime"].endswith("Z")
    assert client.get(f"/v1.0/users/{alice}", headers=admin).json()["userPrincipalName"] == (
        "alice@contoso.com"
    )

    details = client.get(f"/v1.0/users/{alice}/licenseDetails", headers=admin).json()
    assert [d["skuPartNumber"] for d in details["value"]] == ["ENTERPRISEPACK"]
    plans = {
        p["servicePlanId"]: p["provisioningStatus"] for p in details["value"][0]["servicePlans"]
    }
    assert plans[EXCHANGE_S] == "Success"

    removed = client.post(
        f"/v1.0/groups/{group}/assignLicense",
        headers=admin,
        json={"addLicenses": [], "removeLicenses": [E3]},
    )
    assert removed.status_code == 202
    process(db)
    details = client.get(f"/v1.0/users/{alice}/licenseDetails", headers=admin).json()
    plans = {
        p["servicePlanId"]: p["provisioningStatus"] for p in details["value"][0]["servicePlans"]
    }
    assert plans[EXCHANGE_S] == "Disabled"
    assert set(plans.values()) == {"Success", "Disabled"}


def test_group_errors_are_found_listed_and_cleared(db, client, admin):
    buy(db, units=1)
    alice = make_user(client, admin, "alice", usageLocation="US")
    bob = make_user(client, admin, "bob", usageLocation="US")
    group = make_group(client, admin, "Sales", alice, bob)
    make_group(client, admin, "Quiet")
    client.post(
        f"/v1.0/groups/{group}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3}], "removeLicenses": []},
    )
    state = client.get(f"/v1.0/groups/{group}?$select=licenseProcessingState", headers=admin)
    assert state.json()["licenseProcessingState"] == {"state": "QueuedForProcessing"}
    process(db)
    state = client.get(f"/v1.0/groups/{group}?$select=licenseProcessingState", headers=admin)
    assert state.json()["licenseProcessingState"] == {"state": "ProcessingComplete"}

    found = client.get("/v1.0/groups?$filter=hasMembersWithLicenseErrors eq true", headers=admin)
    assert [g["id"] for g in found.json()["value"]] == [group]
    errors = client.get(f"/v1.0/groups/{group}/membersWithLicenseErrors", headers=admin).json()
    assert [u["@odata.type"] for u in errors["value"]] == ["#microsoft.graph.user"]
    with db.reading() as session:
        expected = {
            str(e.user_id) for e in reports.members_with_errors(session, group_id=UUID(group))
        }
    assert {u["id"] for u in errors["value"]} == expected
    (failed,) = expected
    states = client.get(f"/v1.0/users/{failed}?$select=licenseAssignmentStates", headers=admin)
    assert states.json()["licenseAssignmentStates"][0]["error"] == "CountViolation"

    client.patch(
        "/admin/subscriptions/" + _subscription(client, admin),
        headers=admin,
        json={"enabledUnits": 2},
    )
    client.post(f"/v1.0/users/{failed}/reprocessLicenseAssignment", headers=admin)
    process(db)
    found = client.get("/v1.0/groups?$filter=hasMembersWithLicenseErrors eq true", headers=admin)
    assert found.json()["value"] == []
    members = client.get(f"/v1.0/groups/{group}/members?$select=id", headers=admin).json()
    assert {u["id"] for u in members["value"]} == {alice, bob}
    member_of = client.get(f"/v1.0/users/{bob}/memberOf", headers=admin).json()
    assert [g["displayName"] for g in member_of["value"]] == ["Sales"]
    assert member_of["value"][0]["@odata.type"] == "#microsoft.graph.group"


def _subscription(client, admin) -> str:
    return client.get("/admin/subscriptions", headers=admin).json()[0]["id"]


def test_direct_assignment_failure_uses_graphs_message(db, client, admin):
    buy(db, units=0)
    alice = make_user(client, admin, "alice", usageLocation="US")
    response = client.post(
        f"/v1.0/users/{alice}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert error_of(response) == (
        400,
        "Request_BadRequest",
        f"Subscription with SKU {E3} does not have any available licenses.",
    )


def test_direct_assignment_to_a_user_without_usage_location_is_refused(db, client, admin):
    buy(db, units=5)
    with db.writing() as session:
        organization.update(session, default_usage_location="US")
    nomad = make_user(client, admin, "nomad")  # no usageLocation: the organization's is US
    before = row_counts(db)
    response = client.post(
        f"/v1.0/users/{nomad}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert error_of(response) == (
        400,
        "Request_BadRequest",
        "License assignment cannot be done for user with invalid usage location.",
    )
    assert row_counts(db) == before
    sku = client.get(f"/v1.0/subscribedSkus/{E3}", headers=admin).json()
    assert sku["consumedUnits"] == 0
    got = client.get(f"/v1.0/users/{nomad}?$select=assignedLicenses", headers=admin).json()
    assert got["assignedLicenses"] == []

    # Once the user has a location of their own, the same request passes.
    patched = client.patch(f"/v1.0/users/{nomad}", headers=admin, json={"usageLocation": "US"})
    assert patched.status_code == 204
    response = client.post(
        f"/v1.0/users/{nomad}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert response.status_code == 200, response.text
    assert client.get(f"/v1.0/subscribedSkus/{E3}", headers=admin).json()["consumedUnits"] == 1

    # And it cannot be cleared while the direct license needs it.
    cleared = client.patch(f"/v1.0/users/{nomad}", headers=admin, json={"usageLocation": None})
    assert error_of(cleared) == (
        400,
        "Request_BadRequest",
        f"Usage location (none) is not allowed for the license {E3} assigned directly to the user.",
    )


def test_create_update_delete_users_and_groups(db, client, admin):
    alice = make_user(
        client, admin, "alice", mailNickname="alice", passwordProfile={"password": "x"}
    )
    assert (
        client.patch(
            f"/v1.0/users/{alice}", headers=admin, json={"jobTitle": "CFO", "usageLocation": "FR"}
        ).status_code
        == 204
    )
    got = client.get(f"/v1.0/users/{alice}?$select=jobTitle,usageLocation", headers=admin).json()
    assert (got["jobTitle"], got["usageLocation"]) == ("CFO", "FR")
    group = make_group(client, admin, "Team", alice)
    assert (
        client.patch(f"/v1.0/groups/{group}", headers=admin, json={"description": "d"}).status_code
        == 204
    )
    assert client.get(f"/v1.0/groups/{group}", headers=admin).json()["description"] == "d"
    assert (
        client.delete(f"/v1.0/groups/{group}/members/{alice}/$ref", headers=admin).status_code
        == 204
    )
    assert client.get(f"/v1.0/groups/{group}/members", headers=admin).json()["value"] == []
    assert client.delete(f"/v1.0/groups/{group}", headers=admin).status_code == 204
    assert client.delete("/v1.0/users/alice@contoso.com", headers=admin).status_code == 204
    assert client.get(f"/v1.0/users/{alice}", headers=admin).status_code == 404


def test_paging_count_orderby_and_filters(db, client, admin):
    for index in range(7):
        make_user(client, admin, f"user{index}", department="Sales" if index % 2 else "Ops")
    url = (
        "/v1.0/users?$top=3&$count=true&$orderby=displayName desc"
        "&$filter=department eq 'Ops'&$select=id,displayName"
    )
    advanced = {**admin, "ConsistencyLevel": "eventual"}  # $filter with $orderby needs it
    page = client.get(url, headers=advanced).json()
    assert page["@odata.count"] == 4
    names = [u["displayName"] for u in page["value"]]
    while "@odata.nextLink" in page:
        page = client.get(page["@odata.nextLink"], headers=advanced).json()
        names += [u["displayName"] for u in page["value"]]
    assert names == ["User6", "User4", "User2", "User0"]
    starts = client.get("/v1.0/users?$filter=startswith(userPrincipalName,'user1')", headers=admin)
    assert [u["userPrincipalName"] for u in starts.json()["value"]] == ["user1@contoso.com"]
