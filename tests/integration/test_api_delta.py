"""`/v1.0/users/delta` and `/v1.0/groups/delta`: rounds, changes, removals, members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.integration.api_support import (
    E3,
    bearer,
    buy,
    error_of,
    make_group,
    make_user,
    process,
)
from tests.integration.test_api_documented_answers import documented

from seatplan.api.graph import delta
from seatplan.services import changes, lookup

Json = dict[str, Any]


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def sync(client, headers, first: str, prefer: str | None = None) -> tuple[list[Json], str, int]:
    """Follow nextLinks from `first` to the deltaLink: every item, the deltaLink, pages."""
    items: list[Json] = []
    link, pages = first, 0
    sent = {**headers, "Prefer": prefer} if prefer else headers
    while True:
        response = client.get(link, headers=sent)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        items += body["value"]
        assert not ("@odata.nextLink" in body and "@odata.deltaLink" in body)
        if "@odata.deltaLink" in body:
            return items, _path(body["@odata.deltaLink"]), pages
        link = _path(body["@odata.nextLink"])


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(delta, "OBJECTS_PER_PAGE", 2)
    monkeypatch.setattr(delta, "CHANGES_PER_PAGE", 2)
    monkeypatch.setattr(delta, "MEMBERS_PER_PAGE", 3)


def test_users_initial_round_then_changes_and_removals(client, admin, small_pages):
    ids = {name: make_user(client, admin, name, jobTitle="Clerk") for name in ("ann", "bo", "cy")}
    items, delta_link, pages = sync(client, admin, "/v1.0/users/delta?$select=displayName,jobTitle")
    assert pages == 2
    assert sorted(items, key=lambda i: i["displayName"]) == [
        {"displayName": name.title(), "jobTitle": "Clerk", "id": ids[name]}
        for name in ("ann", "bo", "cy")
    ]
    assert "$deltatoken=" in delta_link

    # Nothing changed: an empty page and a deltaLink.
    items, delta_link, _ = sync(client, admin, delta_link)
    assert items == []

    assert client.patch(f"/v1.0/users/{ids['ann']}", headers=admin, json={"displayName": "Anna"})
    assert client.delete(f"/v1.0/users/{ids['bo']}", headers=admin).status_code == 204
    dee = make_user(client, admin, "dee", jobTitle="Chef")
    # A property that is not selected is not tracked: cy does not show.
    client.patch(f"/v1.0/users/{ids['cy']}", headers=admin, json={"department": "Sales"})
    items, delta_link, pages = sync(client, admin, delta_link)
    assert pages == 2  # four change rows, two per page
    assert items == [
        {"displayName": "Anna", "jobTitle": "Clerk", "id": ids["ann"]},
        {"id": ids["bo"], "@removed": {"reason": "deleted"}},
        {"displayName": "Dee", "jobTitle": "Chef", "id": dee},
    ]
    assert sync(client, admin, delta_link)[0] == []


def test_default_properties_and_the_minimal_answer(client, admin):
    ann = make_user(client, admin, "ann")
    items, delta_link, _ = sync(client, admin, "/v1.0/users/delta")
    assert set(items[0]) == {
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
    client.patch(f"/v1.0/users/{ann}", headers=admin, json={"jobTitle": "Cook"})
    minimal = sync(client, admin, delta_link, prefer="return=minimal")[0]
    assert minimal == [{"jobTitle": "Cook", "id": ann}]
    full, _, _ = sync(client, admin, delta_link)
    assert full[0]["displayName"] == "Ann"
    assert full[0]["jobTitle"] == "Cook"


def test_latest_token_starts_from_now(client, admin):
    make_user(client, admin, "ann")
    response = client.get("/v1.0/users/delta?$deltatoken=latest&$select=displayName", headers=admin)
    body = response.json()
    assert body["value"] == []
    assert "@odata.nextLink" not in body
    bo = make_user(client, admin, "bo")
    items, _, _ = sync(client, admin, _path(body["@odata.deltaLink"]))
    assert items == [{"displayName": "Bo", "id": bo}]


def test_license_changes_made_by_the_worker_show_under_assigned_licenses(db, client, admin):
    buy(db, units=5)
    ann = make_user(client, admin, "ann", usageLocation="US")
    group = make_group(client, admin, "Staff", ann)
    _, delta_link, _ = sync(client, admin, "/v1.0/users/delta?$select=assignedLicenses")
    _, default_link, _ = sync(client, admin, "/v1.0/users/delta")
    body = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}
    assert client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=body)
    process(db)
    items, _, _ = sync(client, admin, delta_link)
    assert items == [{"assignedLicenses": [{"disabledPlans": [], "skuId": E3}], "id": ann}]
    # Licenses are not among the default properties: a default round does not track them.
    assert sync(client, admin, default_link)[0] == []


def test_groups_with_members_paged_and_member_changes(client, admin, small_pages):
    users = [make_user(client, admin, f"user{i}") for i in range(5)]
    big = make_group(client, admin, "Big", *users)
    empty = make_group(client, admin, "Empty")
    items, delta_link, _ = sync(client, admin, "/v1.0/groups/delta?$select=displayName,members")
    members: dict[str, list[str]] = {}
    for item in items:
        assert set(item) <= {"displayName", "id", "members@delta"}
        for member in item.get("members@delta", []):
            assert member["@odata.type"] == "#microsoft.graph.user"
            members.setdefault(item["id"], []).append(member["id"])
    assert sorted(members[big]) == sorted(users)  # over two pages of three members at most
    assert empty not in members
    assert {item["id"] for item in items} == {big, empty}

    removed = client.delete(f"/v1.0/groups/{big}/members/{users[0]}/$ref", headers=admin)
    assert removed.status_code == 204
    client.post(
        f"/v1.0/groups/{empty}/members/$ref",
        headers=admin,
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{users[1]}"},
    )
    items, delta_link, _ = sync(client, admin, delta_link)
    assert items == [
        {
            "displayName": "Big",
            "id": big,
            "members@delta": [
                {
                    "@odata.type": "#microsoft.graph.user",
                    "id": users[0],
                    "@removed": {"reason": "deleted"},
                }
            ],
        },
        {
            "displayName": "Empty",
            "id": empty,
            "members@delta": [{"@odata.type": "#microsoft.graph.user", "id": users[1]}],
        },
    ]
    assert client.delete(f"/v1.0/groups/{empty}", headers=admin).status_code == 204
    items, _, _ = sync(client, admin, delta_link)
    assert items == [{"id": empty, "@removed": {"reason": "deleted"}}]


def test_removals_have_their_documented_shape(client, admin):
    ann = make_user(client, admin, "ann")
    group = make_group(client, admin, "Staff", ann)
    _, delta_link, _ = sync(client, admin, "/v1.0/groups/delta")
    client.delete(f"/v1.0/users/{ann}", headers=admin)
    answer = client.get(delta_link, headers=admin).json()
    assert answer["value"][0]["members@delta"][0]["@removed"] == {"reason": "deleted"}
    _, validator = documented(client.get("/openapi.json").json(), "GET", "/v1.0/groups/delta")
    validator.validate(answer)
    client.delete(f"/v1.0/groups/{group}", headers=admin)
    answer = client.get(delta_link, headers=admin).json()
    assert answer["value"][0]["@removed"] == {"reason": "deleted"}
    validator.validate(answer)


def test_filter_by_id_keeps_to_those_objects(client, admin):
    ann, bo = make_user(client, admin, "ann"), make_user(client, admin, "bo")
    items, delta_link, _ = sync(
        client, admin, f"/v1.0/users/delta?$select=displayName&$filter=id eq '{ann}'"
    )
    assert items == [{"displayName": "Ann", "id": ann}]
    client.patch(f"/v1.0/users/{bo}", headers=admin, json={"displayName": "Bob"})
    client.patch(f"/v1.0/users/{ann}", headers=admin, json={"displayName": "Anna"})
    assert sync(client, admin, delta_link)[0] == [{"displayName": "Anna", "id": ann}]


def test_sdk_paths_answer_the_same(client, admin):
    ann = make_user(client, admin, "ann")
    for path in ("delta()", "microsoft.graph.delta", "microsoft.graph.delta()"):
        response = client.get(f"/v1.0/users/{path}?$select=displayName", headers=admin)
        assert response.json()["value"] == [{"displayName": "Ann", "id": ann}], path


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$top=5", "Query option '$top' is not supported with delta"),
        ("$orderby=displayName", "Query option '$orderby' is not supported with delta"),
        ("$expand=memberOf", "$expand=memberOf is not supported with delta"),
        ("$filter=displayName eq 'Ann'", "Only $filter=id eq '{id}'"),
        ("$select=nope", "Unknown property 'nope'"),
        ("$deltatoken=forged", "Invalid $deltatoken: it was altered"),
        ("$skiptoken=forged", "Invalid $skiptoken: it was altered"),
    ],
)
def test_refused_queries(client, admin, query, message):
    status, code, text = error_of(client.get(f"/v1.0/users/delta?{query}", headers=admin))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert message in text


def test_a_token_of_one_collection_is_refused_by_the_other(client, admin):
    _, delta_link, _ = sync(client, admin, "/v1.0/users/delta")
    token = delta_link.split("$deltatoken=")[1]
    status, _, text = error_of(client.get(f"/v1.0/groups/delta?$deltatoken={token}", headers=admin))
    assert status == 400
    assert "issued for /users/delta" in text


def test_an_expired_token_answers_410_sync_state_not_found(client, admin, monkeypatch):
    _, delta_link, _ = sync(client, admin, "/v1.0/users/delta")
    monkeypatch.setattr(changes, "RETENTION", timedelta(seconds=-1))
    response = client.get(delta_link, headers=admin)
    status, code, _ = error_of(response)
    assert (status, code) == (410, "syncStateNotFound")
    assert response.headers["Location"].endswith("/v1.0/users/delta")


def test_delta_needs_the_read_permission(db, client):
    groups_only = bearer(db, "Group.Read.All")
    assert client.get("/v1.0/users/delta", headers=groups_only).status_code == 403
    assert client.get("/v1.0/groups/delta", headers=groups_only).status_code == 200


def test_a_new_column_is_tracked_with_no_code_of_its_own(db, client, admin):
    """Any property a service changes through the ORM is recorded (here: set directly)."""
    ann = make_user(client, admin, "ann")
    _, delta_link, _ = sync(client, admin, "/v1.0/users/delta?$select=officeLocation,city")
    with db.writing() as session:
        lookup.user(session, ann).office_location = "B 12"
    minimal = sync(client, admin, delta_link, prefer="return=minimal")[0]
    assert minimal == [{"officeLocation": "B 12", "id": ann}]
