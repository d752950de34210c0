"""`POST /v1.0/$batch`: each request answers as the same direct call would, on its own."""

from __future__ import annotations

import base64
from typing import Any

from tests.integration.api_support import bearer, error_of, make_group, make_user, row_counts


def run(client: Any, headers: dict[str, str], *requests: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1.0/$batch", headers=headers, json={"requests": list(requests)})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["responses"]}


def test_each_request_answers_as_a_direct_call(client, admin):
    alice = make_user(client, admin, "alice")
    direct = client.get(f"/v1.0/users/{alice}?$select=id,displayName", headers=admin).json()
    answers = run(
        client,
        admin,
        {"id": "1", "method": "GET", "url": f"/users/{alice}?$select=id,displayName"},
        {"id": "2", "method": "GET", "url": "/users/nobody@contoso.com"},
        {"id": "3", "method": "get", "url": "groups?$top=1"},
    )
    assert answers["1"]["status"] == 200
    assert answers["1"]["body"] == direct
    assert answers["1"]["headers"]["Content-Type"] == "application/json"
    assert answers["2"]["status"] == 404
    assert answers["2"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert answers["3"]["status"] == 200
    assert "value" in answers["3"]["body"]


def test_urls_as_graph_shows_them_spaces_and_accents_included(client, admin):
    zoe = make_user(client, admin, "zoe", displayName="Zoë Ångström")
    answers = run(
        client,
        admin,
        {"id": "1", "method": "GET", "url": "/users?$filter=displayName eq 'Zoë Ångström'"},
        {"id": "2", "method": "GET", "url": "/users/zoe%40contoso.com?$select=id"},
    )
    assert [user["id"] for user in answers["1"]["body"]["value"]] == [zoe]
    assert answers["2"]["body"]["id"] == zoe


def test_writes_each_commit_on_their_own(client, admin):
    answers = run(
        client,
        admin,
        {
            "id": "a",
            "method": "POST",
            "url": "/users",
            "headers": {"Content-Type": "application/json"},
            "body": {"userPrincipalName": "carol@contoso.com", "displayName": "Carol"},
        },
        {
            "id": "b",
            "method": "POST",
            "url": "/users",
            "headers": {"Content-Type": "application/json"},
            "body": {"userPrincipalName": "carol@contoso.com", "displayName": "Carol again"},
        },
    )
    assert answers["a"]["status"] == 201
    assert answers["b"]["status"] == 400  # the UPN is taken: the first one was committed
    listed = client.get("/v1.0/users?$filter=startswith(displayName,'Carol')", headers=admin)
    assert [user["displayName"] for user in listed.json()["value"]] == ["Carol"]


def test_each_request_is_authorised_with_the_callers_token(client, db, admin):
    alice = make_user(client, admin, "alice")
    reader = bearer(db, "User.Read.All")
    answers = run(
        client,
        reader,
        {"id": "1", "method": "GET", "url": f"/users/{alice}"},
        {"id": "2", "method": "GET", "url": "/groups"},
        {"id": "3", "method": "DELETE", "url": f"/users/{alice}", "headers": {}},
    )
    assert answers["1"]["status"] == 200
    assert answers["2"]["status"] == 403
    assert answers["2"]["body"]["error"]["code"] == "Authorization_RequestDenied"
    assert answers["3"]["status"] == 403
    assert client.get(f"/v1.0/users/{alice}", headers=admin).status_code == 200
    # A token inside the batch's own headers grants nothing more.
    sneaky = run(
        client,
        reader,
        {"id": "1", "method": "GET", "url": "/groups", "headers": admin},
    )
    assert sneaky["1"]["status"] == 403


def test_the_batch_needs_a_valid_token(client):
    response = client.post(
        "/v1.0/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "/users"}]}
    )
    assert error_of(response)[:2] == (401, "InvalidAuthenticationToken")


def test_a_failed_dependency_answers_424_and_nothing_runs(client, db, admin):
    alice = make_user(client, admin, "alice")
    group = make_group(client, admin, "Sales")
    before = row_counts(db)
    answers = run(
        client,
        admin,
        {"id": "1", "method": "GET", "url": "/users/nobody@contoso.com"},
        {
            "id": "2",
            "dependsOn": ["1"],
            "method": "POST",
            "url": f"/groups/{group}/members/$ref",
            "headers": {"Content-Type": "application/json"},
            "body": {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{alice}"},
        },
        {"id": "3", "dependsOn": ["2"], "method": "GET", "url": f"/groups/{group}/members"},
    )
    assert [answers[key]["status"] for key in ("1", "2", "3")] == [404, 424, 424]
    assert answers["2"]["body"]["error"]["code"] == "FailedDependency"
    assert row_counts(db) == before


def test_dependencies_run_in_order(client, admin):
    alice = make_user(client, admin, "alice")
    group = make_group(client, admin, "Sales")
    answers = run(
        client,
        admin,
        {
            "id": "1",
            "method": "POST",
            "url": f"/groups/{group}/members/$ref",
            "headers": {"Content-Type": "application/json"},
            "body": {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{alice}"},
        },
        {"id": "2", "dependsOn": ["1"], "method": "GET", "url": f"/groups/{group}/members"},
    )
    assert answers["1"]["status"] == 204
    assert "body" not in answers["1"]
    assert [member["id"] for member in answers["2"]["body"]["value"]] == [alice]


def test_absolute_urls_of_the_api_are_accepted(client, admin):
    alice = make_user(client, admin, "alice")
    answers = run(
        client,
        admin,
        {"id": "1", "method": "GET", "url": f"http://testserver/v1.0/users/{alice}"},
        {"id": "2", "method": "GET", "url": "ftp://elsewhere/users"},
        {"id": "3", "method": "POST", "url": "/$batch", "headers": {}},
    )
    assert answers["1"]["status"] == 200
    assert answers["2"]["status"] == 400
    assert answers["3"]["status"] == 400


def test_a_base64_body_is_sent_as_bytes(client, admin):
    group = make_group(client, admin, "Sales")
    raw = b'{"description": "from base64"}'
    answers = run(
        client,
        admin,
        {
            "id": "1",
            "method": "PATCH",
            "url": f"/groups/{group}",
            "headers": {"Content-Type": "application/json"},
            "body": base64.b64encode(raw).decode(),
        },
    )
    assert answers["1"]["status"] == 204
    got = client.get(f"/v1.0/groups/{group}?$select=description", headers=admin).json()
    assert got["description"] == "from base64"


def malformed(client: Any, headers: dict[str, str], payload: Any) -> str:
    response = client.post("/v1.0/$batch", headers=headers, json=payload)
    status, code, message = error_of(response)
    assert (status, code) == (400, "BadRequest")
    return message


def test_a_malformed_batch_is_refused_whole(client, db, admin):
    get = {"method": "GET", "url": "/users"}
    before = row_counts(db)
    assert "'requests'" in malformed(client, admin, {"requests": {}})
    assert "'requests'" in malformed(client, admin, [])
    assert "no requests" in malformed(client, admin, {"requests": []})
    many = [{"id": str(n), **get} for n in range(21)]
    assert "at most 20" in malformed(client, admin, {"requests": many})
    assert "'id'" in malformed(client, admin, {"requests": [get]})
    assert "'url'" in malformed(client, admin, {"requests": [{"id": "1", "method": "GET"}]})
    twice = [{"id": "A", **get}, {"id": "a", **get}]
    assert "more than one request" in malformed(client, admin, {"requests": twice})
    later = [{"id": "1", "dependsOn": ["2"], **get}, {"id": "2", **get}]
    assert "Invalid dependency" in malformed(client, admin, {"requests": later})
    mixed = [{"id": "1", **get}, {"id": "2", **get}, {"id": "3", "dependsOn": ["1"], **get}]
    assert malformed(client, admin, {"requests": mixed}) == (
        "Batch should be either fully sequential or fully parallel."
    )
    odd = [{"id": "1", "method": "TRACE", "url": "/users"}]
    assert "TRACE" in malformed(client, admin, {"requests": odd})
    bodied = [{"id": "1", "method": "POST", "url": "/users", "body": {}}]
    assert "Content-Type" in malformed(client, admin, {"requests": bodied})
    response = client.post(
        "/v1.0/$batch", headers={**admin, "Content-Type": "application/json"}, content=b"{"
    )
    assert error_of(response)[:2] == (400, "BadRequest")
    assert row_counts(db) == before
    # 20 requests are allowed.
    assert len(run(client, admin, *many[:20])) == 20
