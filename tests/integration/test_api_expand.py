"""`$expand=members` on groups and `$expand=memberOf` on users: at most 20, as Graph."""

from __future__ import annotations

import pytest
from tests.integration.api_support import error_of, make_group, make_user

CONTEXT = "http://testserver/v1.0/$metadata#"


@pytest.fixture
def crowd(client, admin) -> dict[str, object]:
    """A group of 25 users (more than Graph expands), one of them in a second group."""
    users = [make_user(client, admin, f"user{number:02d}") for number in range(25)]
    big = make_group(client, admin, "Big", *users)
    small = make_group(client, admin, "Small", users[0])
    return {"users": users, "big": big, "small": small}


def test_a_group_expands_its_first_20_members(client, admin, crowd):
    body = client.get(f"/v1.0/groups/{crowd['big']}?$expand=members", headers=admin).json()
    assert body["@odata.context"] == f"{CONTEXT}groups(members())/$entity"
    assert body["displayName"] == "Big"
    members = body["members"]
    assert [member["displayName"] for member in members] == [
        f"User{number:02d}" for number in range(20)
    ]
    assert {member["@odata.type"] for member in members} == {"#microsoft.graph.user"}
    assert "userPrincipalName" in members[0]  # a user's default properties
    assert "@odata.nextLink" not in body
    assert "members@odata.nextLink" not in body


def test_nested_select_chooses_the_expanded_properties(client, admin, crowd):
    options = "$select=id,displayName&$expand=members($select=id,displayName)"
    url = f"/v1.0/groups/{crowd['small']}?{options}"
    body = client.get(url, headers=admin).json()
    assert body == {
        "@odata.context": f"{CONTEXT}groups(id,displayName,members(id,displayName))/$entity",
        "id": crowd["small"],
        "displayName": "Small",
        "members": [
            {
                "@odata.type": "#microsoft.graph.user",
                "id": crowd["users"][0],
                "displayName": "User00",
            }  # type: ignore[index]
        ],
    }


def test_a_user_expands_member_of(client, admin, crowd):
    first = crowd["users"][0]  # type: ignore[index]
    body = client.get(
        f"/v1.0/users/{first}?$expand=memberOf($select=displayName)", headers=admin
    ).json()
    assert body["@odata.context"] == f"{CONTEXT}users(memberOf(displayName))/$entity"
    assert body["id"] == first
    assert body["memberOf"] == [
        {"@odata.type": "#microsoft.graph.group", "displayName": "Big"},
        {"@odata.type": "#microsoft.graph.group", "displayName": "Small"},
    ]
    by_upn = client.get("/v1.0/users/user01@contoso.com?$expand=memberOf", headers=admin).json()
    assert [group["displayName"] for group in by_upn["memberOf"]] == ["Big"]
    missing = client.get("/v1.0/users/nobody@contoso.com?$expand=memberOf", headers=admin)
    assert error_of(missing)[:2] == (404, "Request_ResourceNotFound")


def test_lists_expand_each_item_in_pages_of_at_most_100(client, admin, crowd):
    groups = client.get(
        "/v1.0/groups?$expand=members($select=id)&$select=displayName", headers=admin
    ).json()
    assert groups["@odata.context"] == f"{CONTEXT}groups(displayName,members(id))"
    assert [(g["displayName"], len(g["members"])) for g in groups["value"]] == [
        ("Big", 20),
        ("Small", 1),
    ]
    users = client.get(
        "/v1.0/users?$expand=memberOf&$top=999&$filter=startswith(displayName,'User0')",
        headers=admin,
    ).json()
    assert [len(u["memberOf"]) for u in users["value"]] == [2] + [1] * 9
    paged = client.get("/v1.0/users?$expand=memberOf&$top=2", headers=admin).json()
    following = client.get(paged["@odata.nextLink"], headers=admin).json()
    assert [u["displayName"] for u in following["value"]] == ["User02", "User03"]
    assert all("memberOf" in u for u in following["value"])


def test_page_size_with_expand_is_at_most_100(client, admin, db):
    for number in range(101):
        make_user(client, admin, f"many{number:03d}")
    page = client.get("/v1.0/users?$expand=memberOf&$top=500", headers=admin).json()
    assert len(page["value"]) == 100
    assert "@odata.nextLink" in page


def test_refusals_answer_graphs_errors(client, admin, crowd):
    big = crowd["big"]
    cases = {
        f"/v1.0/groups/{big}?$expand=members,members": (400, "BadRequest"),
        f"/v1.0/groups/{big}?$expand=members($filter=displayName eq 'x')": (
            400,
            "Request_UnsupportedQuery",
        ),
        f"/v1.0/groups/{big}?$expand=members($top=5)": (400, "Request_UnsupportedQuery"),
        f"/v1.0/groups/{big}?$expand=owners": (400, "Request_UnsupportedQuery"),
        f"/v1.0/groups/{big}?$expand=displayName": (400, "Request_BadRequest"),
        "/v1.0/groups?$expand=nothing": (400, "Request_BadRequest"),
        f"/v1.0/groups/{big}/members?$expand=memberOf": (400, "Request_UnsupportedQuery"),
        "/v1.0/auditLogs/directoryAudits?$expand=targetResources": (
            400,
            "Request_UnsupportedQuery",
        ),
        f"/v1.0/groups/{big}?$expand=members&$top=1": (400, "Request_UnsupportedQuery"),
    }
    for url, expected in cases.items():
        assert error_of(client.get(url, headers=admin))[:2] == expected, url


def test_a_request_that_expands_is_not_an_advanced_query(client, admin, crowd):
    eventual = {**admin, "ConsistencyLevel": "eventual"}
    searched = client.get('/v1.0/users?$search="displayName:User01"', headers=eventual)
    assert searched.status_code == 200, searched.text
    expanded = client.get(
        '/v1.0/users?$search="displayName:User01"&$expand=memberOf', headers=eventual
    )
    assert error_of(expanded)[0] == 400
