"""SCIM Groups (/scim/v2/Groups): create, read, members, replace, delete, licensing."""

from __future__ import annotations

from tests.integration.api_support import E3, buy, process, row_counts
from tests.integration.scim_support import GROUP, SEATPLAN, create_user, scim_error


def _group(client, scim, name, *members, **extra):
    body = {
        "schemas": [GROUP],
        "displayName": name,
        "members": [{"value": member} for member in members],
        **extra,
    }
    response = client.post("/scim/v2/Groups", headers=scim, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_get_replace_and_delete_a_group_with_members(db, client, scim, admin):
    ann = create_user(client, scim, "ann")
    bob = create_user(client, scim, "bob")
    sales = _group(client, scim, "Sales", ann["id"], externalId="g1")
    assert sales["externalId"] == "g1"
    assert sales["members"] == [
        {
            "value": ann["id"],
            "display": "Ann",
            "type": "User",
            "$ref": f"http://testserver/scim/v2/Users/{ann['id']}",
        }
    ]
    url = f"/scim/v2/Groups/{sales['id']}"
    got = client.get(url, headers=scim)
    assert got.json() == sales
    assert got.headers["etag"] == sales["meta"]["version"]

    graph = client.get(f"/v1.0/groups/{sales['id']}/members", headers=admin).json()["value"]
    assert [member["id"] for member in graph] == [ann["id"]]
    groups_of_ann = client.get(f"/scim/v2/Users/{ann['id']}", headers=scim).json()["groups"]
    assert [group["value"] for group in groups_of_ann] == [sales["id"]]

    body = {"schemas": [GROUP], "displayName": "Sales EU", "members": [{"value": bob["id"]}]}
    stale = client.put(url, headers={**scim, "If-Match": 'W/"old"'}, json=body)
    assert scim_error(stale) == (412, None)
    replaced = client.put(url, headers={**scim, "If-Match": sales["meta"]["version"]}, json=body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["displayName"] == "Sales EU"
    assert [member["value"] for member in replaced.json()["members"]] == [bob["id"]]
    assert "externalId" not in replaced.json()
    graph = client.get(f"/v1.0/groups/{sales['id']}/members", headers=admin).json()["value"]
    assert [member["id"] for member in graph] == [bob["id"]]

    current = replaced.json()["meta"]["version"]
    assert client.delete(url, headers={**scim, "If-Match": current}).status_code == 204
    assert scim_error(client.get(url, headers=scim)) == (404, None)


def test_members_excluded_and_group_filters(db, client, scim):
    ann = create_user(client, scim, "ann")
    sales = _group(client, scim, "Sales", ann["id"])
    _group(client, scim, "Support")
    url = f"/scim/v2/Groups/{sales['id']}?excludedAttributes=members"
    assert "members" not in client.get(url, headers=scim).json()
    found = client.get(
        "/scim/v2/Groups",
        headers=scim,
        params={"filter": 'displayName eq "sales"', "excludedAttributes": "members"},
    ).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == sales["id"]
    assert "members" not in found["Resources"][0]
    having = client.get(
        "/scim/v2/Groups",
        headers=scim,
        params={"filter": f'members[value eq "{ann["id"]}"]', "attributes": "displayName"},
    ).json()
    assert [(g["id"], g["displayName"]) for g in having["Resources"]] == [(sales["id"], "Sales")]


def test_bad_groups_write_nothing(db, client, scim):
    _group(client, scim, "Sales", externalId="g1")
    before = row_counts(db)
    for body, expected in (
        ({"schemas": [GROUP]}, (400, "invalidValue")),
        ({"schemas": [GROUP], "displayName": "X", "externalId": "g1"}, (409, "uniqueness")),
        (
            {"schemas": [GROUP], "displayName": "X", "members": [{"value": "nope"}]},
            (400, "invalidValue"),
        ),
        (
            {
                "schemas": [GROUP],
                "displayName": "X",
                "members": [{"value": "00000000-0000-0000-0000-000000000001"}],
            },
            (400, "invalidValue"),
        ),
    ):
        response = client.post("/scim/v2/Groups", headers=scim, json=body)
        assert scim_error(response) == expected, body
    assert row_counts(db) == before


def test_a_scim_user_added_to_a_licensed_group_gets_the_license(db, client, scim, admin):
    buy(db, units=5)
    group = _group(client, scim, "Licensed")
    assigned = client.post(
        f"/v1.0/groups/{group['id']}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3}], "removeLicenses": []},
    )
    assert assigned.status_code == 202, assigned.text
    ann = create_user(client, scim, "ann", **{SEATPLAN: {"usageLocation": "US"}})
    body = {"schemas": [GROUP], "displayName": "Licensed", "members": [{"value": ann["id"]}]}
    assert client.put(f"/scim/v2/Groups/{group['id']}", headers=scim, json=body).status_code == 200
    process(db)
    user = client.get(f"/v1.0/users/{ann['id']}?$select=assignedLicenses", headers=admin).json()
    assert [item["skuId"] for item in user["assignedLicenses"]] == [E3]

    body["members"] = []
    assert client.put(f"/scim/v2/Groups/{group['id']}", headers=scim, json=body).status_code == 200
    process(db)
    user = client.get(f"/v1.0/users/{ann['id']}?$select=assignedLicenses", headers=admin).json()
    assert user["assignedLicenses"] == []
