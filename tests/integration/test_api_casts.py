"""OData casts of directoryObject collections: `…/members/microsoft.graph.user` and the
alias `graph.user` that Graph's SDKs send."""

from __future__ import annotations

import pytest
from tests.integration.api_support import error_of, make_group, make_user

NAMESPACES = ("microsoft.graph.", "graph.")


@pytest.fixture
def sales(client, admin) -> dict[str, str]:
    alice = make_user(client, admin, "alice", jobTitle="Analyst")
    bob = make_user(client, admin, "bob")
    make_user(client, admin, "carol")  # in no group
    group = make_group(client, admin, "Sales", alice, bob)
    other = make_group(client, admin, "Zeta", alice)
    return {"alice": alice, "bob": bob, "group": group, "other": other}


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_members_cast_to_users(client, admin, sales, namespace):
    url = f"/v1.0/groups/{sales['group']}/members/{namespace}user"
    body = client.get(url, headers=admin).json()
    assert body["@odata.context"] == "http://testserver/v1.0/$metadata#users"
    assert [user["displayName"] for user in body["value"]] == ["Alice", "Bob"]
    assert all("@odata.type" not in user for user in body["value"])
    chosen = client.get(
        f"{url}?$select=id,jobTitle&$filter=startswith(displayName,'A')", headers=admin
    ).json()
    assert chosen["@odata.context"] == "http://testserver/v1.0/$metadata#users(id,jobTitle)"
    assert chosen["value"] == [{"id": sales["alice"], "jobTitle": "Analyst"}]
    paged = client.get(f"{url}?$top=1", headers=admin).json()
    assert [user["displayName"] for user in paged["value"]] == ["Alice"]
    following = client.get(paged["@odata.nextLink"], headers=admin).json()
    assert [user["displayName"] for user in following["value"]] == ["Bob"]


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_members_cast_to_groups_is_empty(client, admin, sales, namespace):
    url = f"/v1.0/groups/{sales['group']}/members/{namespace}group"
    body = client.get(f"{url}?$select=id,displayName", headers=admin).json()
    assert body == {
        "@odata.context": "http://testserver/v1.0/$metadata#groups(id,displayName)",
        "value": [],
    }
    # Options are checked against groups: a user's property is refused.
    refused = client.get(f"{url}?$select=jobTitle", headers=admin)
    assert error_of(refused)[:2] == (400, "Request_UnsupportedQuery")


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_member_of_cast_to_groups_is_every_membership(client, admin, sales, namespace):
    url = f"/v1.0/users/{sales['alice']}/memberOf/{namespace}group"
    body = client.get(url, headers=admin).json()
    assert body["@odata.context"] == "http://testserver/v1.0/$metadata#groups"
    assert [group["displayName"] for group in body["value"]] == ["Sales", "Zeta"]
    assert all("@odata.type" not in group for group in body["value"])
    found = client.get(f"{url}?$filter=displayName eq 'Zeta'&$select=id", headers=admin).json()
    assert found["value"] == [{"id": sales["other"]}]
    plain = client.get(f"/v1.0/users/{sales['alice']}/memberOf", headers=admin).json()
    assert {group["@odata.type"] for group in plain["value"]} == {"#microsoft.graph.group"}


def test_casts_answer_404_for_unknown_objects_and_types(client, admin, sales):
    missing = "00000000-0000-0000-0000-000000000001"
    response = client.get(f"/v1.0/groups/{missing}/members/microsoft.graph.user", headers=admin)
    assert error_of(response)[:2] == (404, "Request_ResourceNotFound")
    response = client.get("/v1.0/users/nobody@contoso.com/memberOf/graph.group", headers=admin)
    assert error_of(response)[:2] == (404, "Request_ResourceNotFound")
    response = client.get(
        f"/v1.0/groups/{sales['group']}/members/microsoft.graph.printer", headers=admin
    )
    assert error_of(response) == (
        404,
        "Request_ResourceNotFound",
        "Resource not found for the segment 'microsoft.graph.printer'.",
    )


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_casts_count_as_their_collections(client, admin, sales, namespace):
    eventual = {**admin, "ConsistencyLevel": "eventual"}
    members = f"/v1.0/groups/{sales['group']}/members/{namespace}"
    users = client.get(f"{members}user/$count", headers=eventual)
    assert (users.status_code, users.text) == (200, "2")
    assert users.headers["content-type"].startswith("text/plain")
    some = client.get(f"{members}user/$count?$filter=startswith(displayName,'A')", headers=eventual)
    assert some.text == "1"
    assert client.get(f"{members}group/$count", headers=eventual).text == "0"
    member_of = f"/v1.0/users/{sales['alice']}/memberOf/{namespace}group"
    assert client.get(f"{member_of}/$count", headers=eventual).text == "2"
    counted = client.get(f"{members}user?$count=true", headers=eventual).json()
    assert counted["@odata.count"] == 2
    # As every count of directory objects: not without ConsistencyLevel: eventual.
    assert error_of(client.get(f"{members}user/$count", headers=admin))[:2] == (
        400,
        "Request_BadRequest",
    )
