"""Counting and Graph's advanced queries through the API, on SQLite and PostgreSQL.

What needs `ConsistencyLevel: eventual` (and `$count=true`) is refused without it with
Graph's code and message; with it, the answer is the right objects.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import E3, buy, error_of, make_group, make_user, process

from seatplan.store.db import Database

EVENTUAL = {"ConsistencyLevel": "eventual"}
NEEDS_ADVANCED = (
    "Operator '{}' is not supported because the required parameters might be missing. "
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)


@pytest.fixture
def tenant(db: Database, client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    """Five users (two licensed, one in error), three groups."""
    buy(db, units=2)
    ids = {
        "adele": make_user(client, admin, "adele.vance", displayName="Adele Vance"),
        "alex": make_user(client, admin, "alexw", displayName="AlexWilber"),
        "megan": make_user(client, admin, "megan", displayName="Megan Bowen-Smith"),
        "lee": make_user(client, admin, "lee", displayName="Lee Gu", usageLocation="US"),
        "nobody": make_user(client, admin, "nobody", displayName="Nobody 42"),
    }
    ids["sales"] = make_group(client, admin, "Sales", ids["adele"], ids["alex"], ids["megan"])
    ids["video"] = make_group(client, admin, "OneVideo team", ids["adele"])
    ids["empty"] = make_group(client, admin, "Empty")
    client.patch(
        f"/v1.0/groups/{ids['video']}", headers=admin, json={"description": "Videos for all"}
    )
    for user in ("adele", "alex", "megan"):  # two seats: one of them waits in error
        client.patch(f"/v1.0/users/{ids[user]}", headers=admin, json={"usageLocation": "US"})
    add = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}
    assert client.post(f"/v1.0/groups/{ids['sales']}/assignLicense", headers=admin, json=add)
    process(db)
    return ids


def names(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return sorted(item["displayName"] for item in answer.json()["value"])


def get(client: TestClient, headers: dict[str, str], path: str, eventual: bool = True) -> Any:
    return client.get(path, headers={**headers, **EVENTUAL} if eventual else headers)


def test_count_segments_answer_plain_text(client, admin, tenant):
    paths = {
        "/v1.0/users/$count": 5,
        "/v1.0/groups/$count": 3,
        f"/v1.0/groups/{tenant['sales']}/members/$count": 3,
        f"/v1.0/users/{tenant['adele']}/memberOf/$count": 2,
        f"/v1.0/groups/{tenant['sales']}/membersWithLicenseErrors/$count": 1,
        f"/v1.0/groups/{tenant['empty']}/members/$count": 0,
        "/v1.0/users/$count?$filter=startswith(displayName,'a')": 2,
        "/v1.0/users/$count?$filter=assignedLicenses/$count eq 0": 3,
        '/v1.0/users/$count?$search="displayName:bowen"': 1,
        "/v1.0/groups/$count?$filter=displayName ne 'Sales'": 2,
    }
    for path, expected in paths.items():
        answer = get(client, admin, path)
        assert answer.status_code == 200, f"{path}: {answer.text}"
        assert answer.headers["content-type"].startswith("text/plain")
        assert answer.text == str(expected), path
        refused = get(client, admin, path, eventual=False)
        assert error_of(refused) == (
            400,
            "Request_BadRequest",
            "$count is not currently supported.",
        )


def test_count_segment_refusals(client, admin, tenant):
    answer = get(client, admin, "/v1.0/users/$count?$top=1")
    assert error_of(answer) == (
        400,
        "Request_UnsupportedQuery",
        "Query option '$top' is not supported with /$count",
    )
    answer = get(client, admin, "/v1.0/groups/00000000-0000-0000-0000-000000000000/members/$count")
    assert answer.status_code == 404
    # The header in any case, as HTTP headers are.
    answer = client.get("/v1.0/users/$count", headers={**admin, "consistencylevel": "Eventual"})
    assert answer.text == "5"


def test_count_true_is_ignored_without_the_header(client, admin, tenant):
    plain = get(client, admin, "/v1.0/users?$count=true", eventual=False).json()
    assert "@odata.count" not in plain
    assert len(plain["value"]) == 5
    counted = get(client, admin, "/v1.0/users?$count=true&$top=2").json()
    assert counted["@odata.count"] == 5
    assert len(counted["value"]) == 2
    members = get(client, admin, f"/v1.0/groups/{tenant['sales']}/members?$count=true").json()
    assert members["@odata.count"] == 3
    member_of = get(client, admin, f"/v1.0/users/{tenant['adele']}/memberOf?$count=true").json()
    assert member_of["@odata.count"] == 2
    audits = get(client, admin, "/v1.0/auditLogs/directoryAudits?$count=true", eventual=False)
    assert audits.json()["@odata.count"] > 0  # not a directory object: no header needed


ADVANCED_FILTERS = [
    (
        "displayName ne 'Adele Vance'",
        "ne",
        ["AlexWilber", "Lee Gu", "Megan Bowen-Smith", "Nobody 42"],
    ),
    ("not(startswith(displayName,'a'))", "not", ["Lee Gu", "Megan Bowen-Smith", "Nobody 42"]),
    ("NOT startsWith(displayName, 'A')", "not", ["Lee Gu", "Megan Bowen-Smith", "Nobody 42"]),
    ("endswith(userPrincipalName,'W@CONTOSO.COM')", "endsWith", ["AlexWilber"]),
    ("assignedLicenses/$count eq 0", "$count", "unlicensed"),
    ("assignedLicenses/$count ne 0", "$count", "licensed"),
    (f"not(assignedLicenses/any(x:x/skuId eq {E3}))", "not", "unlicensed"),
    (
        "usageLocation eq 'US' and department eq null",
        "eq",
        ["Adele Vance", "AlexWilber", "Lee Gu", "Megan Bowen-Smith"],
    ),
]


@pytest.mark.parametrize(("text", "operator", "expected"), ADVANCED_FILTERS)
def test_advanced_filters(client, admin, tenant, text, operator, expected):
    path = f"/v1.0/users?$filter={text}"
    for headers, extra in ((admin, "&$count=true"), ({**admin, **EVENTUAL}, "")):
        refused = client.get(path + extra, headers=headers)
        assert error_of(refused) == (
            400,
            "Request_UnsupportedQuery",
            NEEDS_ADVANCED.format(operator),
        )
    if isinstance(expected, str):  # who got the two seats is the worker's choice
        licensed = names(
            get(
                client,
                admin,
                f"/v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq {E3})",
                eventual=False,
            )
        )
        assert len(licensed) == 2
        everyone = names(get(client, admin, "/v1.0/users", eventual=False))
        unlicensed = [name for name in everyone if name not in licensed]
        expected = licensed if expected == "licensed" else unlicensed
    answer = get(client, admin, path + "&$count=true")
    assert names(answer) == expected
    assert answer.json()["@odata.count"] == len(expected)


def test_filter_with_orderby(client, admin, tenant):
    path = "/v1.0/users?$filter=startswith(displayName,'a')&$orderby=displayName desc"
    refused = get(client, admin, path, eventual=False)
    assert error_of(refused) == (
        400,
        "Request_UnsupportedQuery",
        "Sorting not supported for current query.",
    )
    answer = get(client, admin, path + "&$count=true&$top=1")
    page = answer.json()
    assert [u["displayName"] for u in page["value"]] == ["AlexWilber"]
    following = get(client, admin, page["@odata.nextLink"]).json()
    assert [u["displayName"] for u in following["value"]] == ["Adele Vance"]


SEARCHES = [
    ("users", '"displayName:adele"', ["Adele Vance"]),
    ("users", '"displayName:VAN"', ["Adele Vance"]),
    ("users", '"displayName:wilber"', ["AlexWilber"]),
    ("users", '"displayName:alexwil"', ["AlexWilber"]),
    ("users", '"displayName:smith bowen"', ["Megan Bowen-Smith"]),
    ("users", '"displayName:bowensmith"', ["Megan Bowen-Smith"]),
    ("users", '"displayName:42"', ["Nobody 42"]),
    ("users", '"displayName:ance"', []),
    ("users", '"displayName:lee" OR "userPrincipalName:megan"', ["Lee Gu", "Megan Bowen-Smith"]),
    ("users", '"displayName:a" AND "userPrincipalName:alexw"', ["AlexWilber"]),
    ("groups", '"displayName:video"', ["OneVideo team"]),
    ("groups", '"displayName:OneVideo"', ["OneVideo team"]),
    ("groups", '"description:all"', ["OneVideo team"]),
    (
        "groups",
        '"description:vid" AND ("displayName:sales" OR "displayName:team")',
        ["OneVideo team"],
    ),
]


@pytest.mark.parametrize(("collection", "search", "expected"), SEARCHES)
def test_search(client, admin, tenant, collection, search, expected):
    path = f"/v1.0/{collection}?$search={search}"
    refused = get(client, admin, path, eventual=False)
    assert error_of(refused) == (
        400,
        "Request_UnsupportedQuery",
        "Request with $search query parameter only works through MSGraph with a special "
        "request header: 'ConsistencyLevel: eventual'",
    )
    assert names(get(client, admin, path)) == expected
    counted = get(client, admin, path + "&$count=true").json()
    assert counted["@odata.count"] == len(expected)


def test_search_pages_and_combines_with_filter(client, admin, tenant):
    path = '/v1.0/users?$search="displayName:a"&$top=1&$filter=accountEnabled eq true'
    page = get(client, admin, path).json()
    found = [u["displayName"] for u in page["value"]]
    while "@odata.nextLink" in page:
        page = get(client, admin, page["@odata.nextLink"]).json()
        found += [u["displayName"] for u in page["value"]]
    assert found == ["Adele Vance", "AlexWilber"]
    members = f'/v1.0/groups/{tenant["sales"]}/members?$search="displayName:megan"'
    assert names(get(client, admin, members)) == ["Megan Bowen-Smith"]


def test_search_follows_changes(client, admin, tenant):
    client.patch(
        f"/v1.0/users/{tenant['lee']}", headers=admin, json={"displayName": "Patti Fernandez"}
    )
    assert names(get(client, admin, '/v1.0/users?$search="displayName:lee"')) == []
    assert names(get(client, admin, '/v1.0/users?$search="displayName:patti"')) == [
        "Patti Fernandez"
    ]
    client.patch(f"/v1.0/groups/{tenant['video']}", headers=admin, json={"description": None})
    assert names(get(client, admin, '/v1.0/groups?$search="description:all"')) == []


def test_what_graph_refuses_even_with_the_header(client, admin, tenant):
    errors = "/v1.0/groups?$filter=hasMembersWithLicenseErrors eq true"
    assert names(get(client, admin, errors + "&$count=true", eventual=False)) == ["Sales"]
    assert error_of(get(client, admin, errors + "&$count=true")) == (
        400,
        "Request_UnsupportedQuery",
        "Unsupported or invalid query filter clause specified for property "
        "'hasMembersWithLicenseErrors' of resource 'Group'.",
    )
    status, code, _ = error_of(
        get(client, admin, "/v1.0/users?$filter=endswith(displayName,'e')&$count=true")
    )
    assert (status, code) == (400, "Request_UnsupportedQuery")
    status, code, message = error_of(
        get(client, admin, '/v1.0/users?$search="onPremisesImmutableId:x"')
    )
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert "'onPremisesImmutableId' of users is not supported in $search" in message


def test_standard_properties_in_advanced_queries(client, admin, tenant):
    for user, body in (
        ("adele", {"givenName": "Adele", "surname": "Vance", "mail": "adele@outlook.com"}),
        ("lee", {"givenName": "Lee", "surname": "Gu", "mail": "lee@contoso.com"}),
    ):
        changed = client.patch(f"/v1.0/users/{tenant[user]}", headers=admin, json=body)
        assert changed.status_code == 204, changed.text
    outlook = "/v1.0/users?$filter=endswith(mail,'@outlook.com')&$count=true"
    assert names(get(client, admin, outlook)) == ["Adele Vance"]
    # Other properties are searched by their start, as Graph does.
    search = '/v1.0/users?$search="givenName:le" OR "surname:van" OR "mail:lee@"'
    assert names(get(client, admin, search)) == ["Adele Vance", "Lee Gu"]
    assert names(get(client, admin, '/v1.0/users?$search="mail:outlook"')) == []
    nameless = "/v1.0/users?$filter=mail eq null&$count=true"
    assert len(names(get(client, admin, nameless))) == 3
    refused = get(client, admin, "/v1.0/users?$filter=mail eq null", eventual=False)
    assert error_of(refused) == (400, "Request_UnsupportedQuery", NEEDS_ADVANCED.format("eq"))


def test_advanced_queries_in_a_batch(client, admin, tenant):
    """The header travels in each request of the batch, as Graph wants it."""
    requests = [
        {"id": "1", "method": "GET", "url": "/users/$count", "headers": EVENTUAL},
        {"id": "2", "method": "GET", "url": "/users/$count"},
        {
            "id": "3",
            "method": "GET",
            "url": '/users?$search="displayName:adele"&$select=displayName',
            "headers": EVENTUAL,
        },
        {"id": "4", "method": "GET", "url": "/users?$filter=displayName ne 'x'"},
    ]
    answer = client.post("/v1.0/$batch", headers=admin, json={"requests": requests})
    assert answer.status_code == 200, answer.text
    found = {item["id"]: item for item in answer.json()["responses"]}
    assert {key: item["status"] for key, item in found.items()} == {
        "1": 200,
        "2": 400,
        "3": 200,
        "4": 400,
    }
    assert base64.b64decode(found["1"]["body"]) == b"5"  # not JSON: base64, as Graph
    assert found["2"]["body"]["error"]["message"] == "$count is not currently supported."
    assert [u["displayName"] for u in found["3"]["body"]["value"]] == ["Adele Vance"]
    assert found["4"]["body"]["error"]["message"] == NEEDS_ADVANCED.format("ne")
