"""SCIM lists: filters (in SQL and over resources), paging, attributes; discovery; auth."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from tests.integration.api_support import bearer
from tests.integration.scim_support import ENTERPRISE, LIST, create_user, scim_error


@pytest.fixture
def people(client, scim):
    made = {}
    for name, title, department, active in (
        ("ann", "Engineer", "Sales", True),
        ("bob", "Manager", "Sales", False),
        ("cat", "Engineer", "Support", True),
        ("dan", None, None, True),
    ):
        extra = {"active": active, "emails": [{"value": f"{name}@work.example", "type": "work"}]}
        if title:
            extra["title"] = title
        if department:
            extra[ENTERPRISE] = {"department": department}
        made[name] = create_user(client, scim, name, externalId=f"ext-{name}", **extra)["id"]
    return made


def _names(client, scim, text, **params):
    response = client.get("/scim/v2/Users", headers=scim, params={"filter": text, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schemas"] == [LIST]
    return sorted(user["userName"].split("@")[0] for user in body["Resources"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "ANN@contoso.com"', ["ann"]),
        ('userName ne "ann@contoso.com"', ["bob", "cat", "dan"]),
        ('userName co "A"', ["ann", "cat", "dan"]),
        ('userName sw "b"', ["bob"]),
        ('userName ew "n@contoso.com"', ["ann", "dan"]),
        ("title pr", ["ann", "bob", "cat"]),
        ('title gt "F"', ["bob"]),
        ('title ge "Engineer"', ["ann", "bob", "cat"]),
        ('title lt "F"', ["ann", "cat"]),
        ('title le "Engineer"', ["ann", "cat"]),
        ("active eq false", ["bob"]),
        ('externalId eq "ext-cat"', ["cat"]),
        ('externalId eq "EXT-CAT"', []),
        ('title eq "Engineer" and not (userName sw "c")', ["ann"]),
        ('userName sw "a" or userName sw "d"', ["ann", "dan"]),
        (f'{ENTERPRISE}:department eq "sales"', ["ann", "bob"]),
        ('emails[type eq "work" and value co "cat@"]', ["cat"]),
        ('emails.value ew "@work.example" and title eq "Manager"', ["bob"]),
        ('name.formatted pr or displayName eq "Dan"', ["dan"]),
        ('not (emails[value sw "a"])', ["bob", "cat", "dan"]),
    ],
)
def test_filters(client, scim, people, text, expected):
    assert _names(client, scim, text) == expected


@pytest.mark.parametrize(
    "text",
    ["userName eq", 'userName zz "a"', "(userName pr", 'userName eq "a" and', 'emails[type eq "w"'],
)
def test_invalid_filters_are_400_invalid_filter(client, scim, text):
    response = client.get("/scim/v2/Users", headers=scim, params={"filter": text})
    assert scim_error(response) == (400, "invalidFilter")


def test_paging_walks_every_user_once(client, scim, people):
    seen = []
    for start in (1, 3, 5):
        page = client.get(
            "/scim/v2/Users", headers=scim, params={"startIndex": start, "count": 2}
        ).json()
        assert page["totalResults"] == 4
        assert page["startIndex"] == start
        seen += [user["id"] for user in page["Resources"]]
        assert page["itemsPerPage"] == len(page["Resources"])
    assert sorted(seen) == sorted(people.values())
    none = client.get("/scim/v2/Users", headers=scim, params={"count": 0}).json()
    assert none["totalResults"] == 4
    assert none["Resources"] == []
    # Over resources (a filter without a column) pages the same way.
    slow = client.get(
        "/scim/v2/Users",
        headers=scim,
        params={"filter": 'emails[type eq "work"]', "startIndex": 2, "count": 2},
    ).json()
    assert slow["totalResults"] == 4
    assert len(slow["Resources"]) == 2


def test_attributes_and_excluded_attributes(client, scim, people):
    url = f"/scim/v2/Users/{people['ann']}"
    only = client.get(
        url, headers=scim, params={"attributes": f"userName,emails.value,{ENTERPRISE}:department"}
    ).json()
    assert only == {
        "schemas": only["schemas"],
        "id": people["ann"],
        "userName": "ann@contoso.com",
        "emails": [{"value": "ann@work.example"}],
        ENTERPRISE: {"department": "Sales"},
    }
    without = client.get(url, headers=scim, params={"excludedAttributes": "emails,meta"}).json()
    assert "emails" not in without
    assert "meta" not in without
    assert without["userName"] == "ann@contoso.com"


def test_discovery(client, scim):
    config = client.get("/scim/v2/ServiceProviderConfig", headers=scim).json()
    assert config["patch"] == {"supported": True}
    assert config["bulk"]["supported"] is False
    assert config["filter"]["supported"] is True
    assert config["filter"]["maxResults"] > 0
    assert config["changePassword"] == {"supported": False}
    assert config["sort"] == {"supported": False}
    assert config["etag"] == {"supported": True}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = client.get("/scim/v2/ResourceTypes", headers=scim).json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = client.get("/scim/v2/Schemas", headers=scim).json()["Resources"]
    by_id = {schema["id"]: schema for schema in schemas}
    assert ENTERPRISE in by_id
    user_attributes = {
        a["name"] for a in by_id["urn:ietf:params:scim:schemas:core:2.0:User"]["attributes"]
    }
    assert {"userName", "name", "emails", "active", "addresses"} <= user_attributes
    one = client.get(f"/scim/v2/Schemas/{ENTERPRISE}", headers=scim)
    assert one.json()["id"] == ENTERPRISE


def test_only_provisioning_or_admin_tokens_may_call(db, client):
    assert scim_error(client.get("/scim/v2/Users")) == (401, None)
    bad = {"Authorization": "Bearer spt_000000000000_" + "x" * 43}
    assert scim_error(client.get("/scim/v2/Users", headers=bad)) == (401, None)
    graph_only = bearer(db, "Directory.ReadWrite.All")
    assert scim_error(client.get("/scim/v2/Users", headers=graph_only)) == (403, None)
    assert client.get("/scim/v2/Users", headers=bearer(db, "Seatplan.Admin")).status_code == 200
    provisioning = bearer(db, "Seatplan.Provisioning")
    assert client.get("/scim/v2/Users", headers=provisioning).status_code == 200
    # The provisioning token opens nothing of Graph.
    assert client.get("/v1.0/users", headers=provisioning).status_code == 403


def test_every_scim_route_needs_a_token(client):
    routes = [
        (method, context.path)
        for context in iter_route_contexts(client.app.routes)
        if isinstance(context.original_route, APIRoute)
        and context.path.startswith("/scim/v2/")
        and not context.path.endswith("{rest:path}")  # unknown paths: 404 to anyone
        for method in sorted(context.original_route.methods)
    ]
    assert len(routes) >= 12
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        answer = client.request(method, url, json={})
        assert scim_error(answer) == (401, None), (method, path)


def test_an_administrator_gives_a_provisioning_app_its_token(db, client):
    admin_only = bearer(db, "Seatplan.Admin")
    made = client.post(
        "/admin/tokens",
        headers=admin_only,
        json={"name": "Okta provisioning", "scopes": ["Seatplan.Provisioning"]},
    )
    assert made.status_code == 201, made.text
    token = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/scim/v2/Users", headers=token).status_code == 200
    assert client.get("/admin/tokens", headers=token).status_code == 403
