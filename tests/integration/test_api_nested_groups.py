"""Nested groups through Graph: members/$ref with a group, cycles refused, memberOf of a
group, transitiveMembers and transitiveMemberOf with $count, casts, $select and paging."""

from __future__ import annotations

import itertools

import pytest
from tests.integration.api_support import error_of, make_group, make_user, row_counts

EVENTUAL = {"ConsistencyLevel": "eventual"}


def nest(client, admin, parent: str, child: str, form: str = "directoryObjects"):
    return client.post(
        f"/v1.0/groups/{parent}/members/$ref",
        headers=admin,
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/{form}/{child}"},
    )


@pytest.fixture
def tree(client, admin) -> dict[str, str]:
    """All ⊃ {Sales ⊃ {Emea}, alice}; Sales ⊃ bob; Emea ⊃ carol, alice."""
    alice = make_user(client, admin, "alice", jobTitle="Analyst")
    bob = make_user(client, admin, "bob")
    carol = make_user(client, admin, "carol")
    everyone = make_group(client, admin, "All", alice)
    sales = make_group(client, admin, "Sales", bob)
    emea = make_group(client, admin, "Emea", carol, alice)
    assert nest(client, admin, everyone, sales).status_code == 204
    assert nest(client, admin, sales, emea, "groups").status_code == 204
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "all": everyone,
        "sales": sales,
        "emea": emea,
    }


def names(body) -> list[str]:
    return [item["displayName"] for item in body["value"]]


def test_members_list_users_then_groups_with_their_types(client, admin, tree):
    body = client.get(f"/v1.0/groups/{tree['all']}/members", headers=admin).json()
    assert body["@odata.context"] == "http://testserver/v1.0/$metadata#directoryObjects"
    assert [(i["@odata.type"], i["displayName"]) for i in body["value"]] == [
        ("#microsoft.graph.user", "Alice"),
        ("#microsoft.graph.group", "Sales"),
    ]
    chosen = client.get(
        f"/v1.0/groups/{tree['all']}/members?$select=id,jobTitle,securityEnabled", headers=admin
    ).json()
    assert chosen["value"] == [
        {"@odata.type": "#microsoft.graph.user", "id": tree["alice"], "jobTitle": "Analyst"},
        {"@odata.type": "#microsoft.graph.group", "id": tree["sales"], "securityEnabled": True},
    ]
    count = client.get(f"/v1.0/groups/{tree['all']}/members/$count", headers=EVENTUAL | admin)
    assert count.text == "2"


@pytest.mark.parametrize("namespace", ["microsoft.graph.", "graph."])
def test_member_casts(client, admin, tree, namespace):
    base = f"/v1.0/groups/{tree['sales']}/members/{namespace}"
    assert names(client.get(base + "group", headers=admin).json()) == ["Emea"]
    assert names(client.get(base + "user", headers=admin).json()) == ["Bob"]
    counted = client.get(base + "group/$count", headers=EVENTUAL | admin)
    assert counted.text == "1"


def test_transitive_members(client, admin, tree):
    url = f"/v1.0/groups/{tree['all']}/transitiveMembers"
    body = client.get(url, headers=admin).json()
    assert [(i["@odata.type"][17:], i["displayName"]) for i in body["value"]] == [
        ("user", "Alice"),
        ("user", "Bob"),
        ("user", "Carol"),
        ("group", "Emea"),
        ("group", "Sales"),
    ]
    assert client.get(url + "/$count", headers=EVENTUAL | admin).text == "5"
    missing_header = client.get(url + "/$count", headers=admin)
    assert error_of(missing_header)[:2] == (400, "Request_BadRequest")
    counted = client.get(url + "?$count=true&$top=2", headers=EVENTUAL | admin).json()
    assert counted["@odata.count"] == 5
    # Paging walks users then groups, whatever page size.
    seen, page = [], client.get(url + "?$top=2&$select=displayName", headers=admin).json()
    while True:
        seen += names(page)
        if "@odata.nextLink" not in page:
            break
        page = client.get(page["@odata.nextLink"], headers=admin).json()
    assert seen == ["Alice", "Bob", "Carol", "Emea", "Sales"]
    users = client.get(url + "/microsoft.graph.user?$select=id", headers=admin).json()
    assert users["@odata.context"].endswith("#users(id)")
    assert {u["id"] for u in users["value"]} == {tree["alice"], tree["bob"], tree["carol"]}
    groups = client.get(url + "/graph.group/$count", headers=EVENTUAL | admin)
    assert groups.text == "2"
    filtered = client.get(
        url + "?$filter=startswith(displayName,'S')&$count=true", headers=EVENTUAL | admin
    ).json()
    assert names(filtered) == ["Sales"]
    assert filtered["@odata.count"] == 1
    # A user's property: groups are left out, as a cast would.
    analysts = client.get(url + "?$filter=jobTitle eq 'Analyst'", headers=EVENTUAL | admin)
    assert names(analysts.json()) == ["Alice"]


def test_transitive_member_of(client, admin, tree):
    carol = client.get(f"/v1.0/users/{tree['carol']}/transitiveMemberOf", headers=admin).json()
    assert sorted(names(carol)) == ["All", "Emea", "Sales"]
    assert {g["@odata.type"] for g in carol["value"]} == {"#microsoft.graph.group"}
    direct = client.get(f"/v1.0/users/{tree['carol']}/memberOf", headers=admin).json()
    assert names(direct) == ["Emea"]
    counted = client.get(
        f"/v1.0/users/{tree['carol']}/transitiveMemberOf/$count", headers=EVENTUAL | admin
    )
    assert counted.text == "3"
    cast = client.get(
        f"/v1.0/users/{tree['carol']}/transitiveMemberOf/microsoft.graph.group?$select=id",
        headers=admin,
    ).json()
    assert cast["@odata.context"].endswith("#groups(id)")
    emea = client.get(f"/v1.0/groups/{tree['emea']}/transitiveMemberOf", headers=admin).json()
    assert sorted(names(emea)) == ["All", "Sales"]
    parents = client.get(f"/v1.0/groups/{tree['emea']}/memberOf", headers=admin).json()
    assert names(parents) == ["Sales"]
    assert (
        client.get(f"/v1.0/groups/{tree['emea']}/memberOf/$count", headers=EVENTUAL | admin).text
        == "1"
    )


def test_cycles_refused_and_nothing_changes(client, admin, db, tree):
    before = row_counts(db)
    for parent, child in ((tree["emea"], tree["all"]), (tree["sales"], tree["sales"])):
        refused = nest(client, admin, parent, child)
        status, code, message = error_of(refused)
        assert (status, code) == (400, "Request_BadRequest")
        assert "cycle" in message
    assert row_counts(db) == before


def test_duplicates_answer_as_for_users(client, admin, tree):
    again = nest(client, admin, tree["all"], tree["sales"])
    user_again = client.post(
        f"/v1.0/groups/{tree['all']}/members/$ref",
        headers=admin,
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{tree['alice']}"},
    )
    assert error_of(again)[:2] == error_of(user_again)[:2] == (400, "Request_BadRequest")


def test_remove_group_member_and_unknown_refs(client, admin, tree):
    url = f"/v1.0/groups/{tree['sales']}/members/{tree['emea']}/$ref"
    assert client.delete(url, headers=admin).status_code == 204
    assert error_of(client.delete(url, headers=admin))[:2] == (400, "Request_BadRequest")
    body = client.get(f"/v1.0/groups/{tree['all']}/transitiveMembers", headers=admin).json()
    assert names(body) == ["Alice", "Bob", "Sales"]
    unknown = nest(client, admin, tree["all"], "00000000-0000-0000-0000-000000000009", "groups")
    assert error_of(unknown)[:2] == (404, "Request_ResourceNotFound")
    user_as_group = nest(client, admin, tree["all"], tree["bob"], "groups")
    assert error_of(user_as_group)[:2] == (404, "Request_ResourceNotFound")


def test_deleting_a_nested_group(client, admin, tree):
    assert client.delete(f"/v1.0/groups/{tree['sales']}", headers=admin).status_code == 204
    body = client.get(f"/v1.0/groups/{tree['all']}/transitiveMembers", headers=admin).json()
    assert names(body) == ["Alice"]
    emea = client.get(f"/v1.0/groups/{tree['emea']}/transitiveMemberOf", headers=admin).json()
    assert emea["value"] == []


def test_long_cycle_and_deep_nesting(client, admin):
    levels = [make_group(client, admin, f"L{i:02}") for i in range(50)]
    for parent, child in itertools.pairwise(levels):
        assert nest(client, admin, parent, child).status_code == 204
    leaf_user = make_user(client, admin, "deep")
    client.post(
        f"/v1.0/groups/{levels[-1]}/members/$ref",
        headers=admin,
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/users/{leaf_user}"},
    )
    refused = nest(client, admin, levels[-1], levels[0])
    assert error_of(refused)[:2] == (400, "Request_BadRequest")
    top = client.get(f"/v1.0/groups/{levels[0]}/transitiveMembers/$count", headers=EVENTUAL | admin)
    assert top.text == "50"  # 49 groups and the user
    up = client.get(f"/v1.0/users/{leaf_user}/transitiveMemberOf/$count", headers=EVENTUAL | admin)
    assert up.text == "50"


def test_a_dynamic_group_takes_no_group_member(client, admin, db, tree):
    dynamic = client.post(
        "/v1.0/groups",
        headers=admin,
        json={
            "displayName": "Dynamic",
            "mailEnabled": False,
            "securityEnabled": True,
            "groupTypes": ["DynamicMembership"],
            "membershipRule": 'user.department -eq "Sales"',
            "membershipRuleProcessingState": "On",
        },
    )
    assert dynamic.status_code == 201, dynamic.text
    before = row_counts(db)
    refused = nest(client, admin, dynamic.json()["id"], tree["sales"])
    assert error_of(refused)[:2] == (400, "Request_BadRequest")
    assert row_counts(db) == before
    # A dynamic group may itself be nested in a static one (as in Entra).
    assert nest(client, admin, tree["all"], dynamic.json()["id"]).status_code == 204
