"""Bad input answers 400/404/405/413 in Graph's envelope, naming the problem, and writes nothing."""

from __future__ import annotations

import pytest
from tests.integration.api_support import (
    E3,
    buy,
    error_of,
    make_group,
    make_user,
    row_counts,
)

NIL = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def tenant(db, client, admin):
    buy(db, units=1)
    alice = make_user(client, admin, "alice", usageLocation="US")
    group = make_group(client, admin, "Sales", alice)
    return {"alice": alice, "group": group}


CASES = [
    # (method, url, body or raw bytes, status, code, words in the message)
    (
        "POST",
        "/v1.0/users",
        b'{"userPrincipalName": "x@contoso.com",',
        400,
        "Request_BadRequest",
        "not valid JSON",
    ),
    (
        "POST",
        "/v1.0/users",
        {"userPrincipalName": "x@contoso.com", "displayName": "X", "shoeSize": 42},
        400,
        "Request_BadRequest",
        "shoeSize",
    ),
    (
        "POST",
        "/v1.0/users",
        {"userPrincipalName": "x@contoso.com", "displayName": 7},
        400,
        "Request_BadRequest",
        "displayName",
    ),
    ("POST", "/v1.0/users", {"displayName": "X"}, 400, "Request_BadRequest", "userPrincipalName"),
    (
        "POST",
        "/v1.0/users",
        {"userPrincipalName": "x@contoso.com", "displayName": "X", "usageLocation": "ZZ"},
        400,
        "Request_BadRequest",
        "usage location 'ZZ'",
    ),
    (
        "POST",
        "/v1.0/users",
        {"userPrincipalName": "no-at-sign", "displayName": "X"},
        400,
        "Request_BadRequest",
        "userPrincipalName",
    ),
    (
        "POST",
        "/v1.0/users",
        {"userPrincipalName": "alice@contoso.com", "displayName": "X"},
        400,
        "Request_BadRequest",
        "already exists",
    ),
    ("POST", "/v1.0/users", [1, 2], 400, "Request_BadRequest", "JSON object"),
    (
        "PATCH",
        "/v1.0/users/{alice}",
        {"usageLocation": "Narnia"},
        400,
        "Request_BadRequest",
        "Narnia",
    ),
    (
        "PATCH",
        "/v1.0/users/{alice}",
        {"accountEnabled": "maybe"},
        400,
        "Request_BadRequest",
        "accountEnabled",
    ),
    (
        "POST",
        "/v1.0/users/{alice}/assignLicense",
        {"addLicenses": [{"skuId": "not-a-guid"}], "removeLicenses": []},
        400,
        "Request_BadRequest",
        "skuId",
    ),
    (
        "POST",
        "/v1.0/users/{alice}/assignLicense",
        {"addLicenses": [{"skuId": NIL}], "removeLicenses": []},
        400,
        "Request_BadRequest",
        "does not correspond to a valid company License",
    ),
    (
        "POST",
        "/v1.0/users/{alice}/assignLicense",
        {"addLicenses": [], "removeLicenses": [E3]},
        400,
        "Request_BadRequest",
        "is not assigned",
    ),
    (
        "POST",
        "/v1.0/groups/{group}/assignLicense",
        {"addLicenses": [{"skuId": E3, "disabledPlans": [NIL]}], "removeLicenses": []},
        400,
        "Request_BadRequest",
        "not part of the product",
    ),
    (
        "POST",
        "/v1.0/groups/{group}/members/$ref",
        {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/xyz"},
        400,
        "Request_BadRequest",
        "@odata.id",
    ),
    (
        "POST",
        "/v1.0/groups/{group}/members/$ref",
        {"@odata.id": f"https://x/v1.0/directoryObjects/{NIL}"},
        404,
        "Request_ResourceNotFound",
        NIL,
    ),
    (
        "POST",
        "/v1.0/groups/{group}/members/$ref",
        {"@odata.id": "https://x/v1.0/directoryObjects/{alice}"},
        400,
        "Request_BadRequest",
        "already a member",
    ),
    (
        "POST",
        "/v1.0/groups",
        {"displayName": "U", "groupTypes": ["Unified"]},
        400,
        "Request_BadRequest",
        "groupTypes",
    ),
    ("GET", f"/v1.0/users/{NIL}", None, 404, "Request_ResourceNotFound", NIL),
    (
        "GET",
        "/v1.0/users/nobody@contoso.com",
        None,
        404,
        "Request_ResourceNotFound",
        "nobody@contoso.com",
    ),
    ("GET", "/v1.0/groups/not-a-guid", None, 404, "Request_ResourceNotFound", "not-a-guid"),
    ("DELETE", f"/v1.0/groups/{NIL}", None, 404, "Request_ResourceNotFound", NIL),
    (
        "DELETE",
        "/v1.0/groups/{group}/members/{group}/$ref",
        None,
        400,
        "Request_BadRequest",
        "is not a member",
    ),
    (
        "DELETE",
        f"/v1.0/groups/{{group}}/members/{NIL}/$ref",
        None,
        404,
        "Request_ResourceNotFound",
        "User",
    ),
    ("GET", "/v1.0/subscribedSkus/nonsense", None, 404, "Request_ResourceNotFound", "nonsense"),
    (
        "GET",
        "/v1.0/users?$filter=faxNumber eq 'x'",
        None,
        400,
        "Request_UnsupportedQuery",
        "faxNumber",
    ),
    ("GET", "/v1.0/users?$expand=manager", None, 400, "Request_UnsupportedQuery", "manager"),
    ("GET", "/v1.0/users?$top=5000", None, 400, "Request_UnsupportedQuery", "$top"),
    (
        "GET",
        "/v1.0/users?$skiptoken=forged.token",
        None,
        400,
        "Request_UnsupportedQuery",
        "$skiptoken",
    ),
    (
        "GET",
        "/v1.0/users/{alice}?$filter=displayName eq 'x'",
        None,
        400,
        "Request_UnsupportedQuery",
        "$filter",
    ),
    (
        "GET",
        "/v1.0/users/{alice}/licenseDetails?$top=1",
        None,
        400,
        "Request_UnsupportedQuery",
        "$top",
    ),
    ("GET", "/v1.0/nothing/here", None, 404, "Request_ResourceNotFound", "here"),
    ("PUT", "/v1.0/users", {}, 405, "Request_BadRequest", "method"),
    (
        "POST",
        "/admin/subscriptions",
        {"sku": "NO_SUCH_SKU", "enabledUnits": 1},
        404,
        "Request_ResourceNotFound",
        "NO_SUCH_SKU",
    ),
    (
        "POST",
        "/admin/subscriptions",
        {"sku": "ENTERPRISEPACK", "enabledUnits": -1},
        400,
        "Request_BadRequest",
        "enabledUnits",
    ),
    (
        "PATCH",
        "/admin/organization",
        {"defaultUsageLocation": "XX"},
        400,
        "Request_BadRequest",
        "'XX'",
    ),
    (
        "POST",
        "/admin/tokens",
        {"name": "t", "scopes": ["Mail.Send"]},
        400,
        "Request_BadRequest",
        "Mail.Send",
    ),
    # Graph refuses a product named twice; the last one must not silently win.
    (
        "POST",
        "/v1.0/users/{alice}/assignLicense",
        {"addLicenses": [{"skuId": E3}, {"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
        400,
        "Request_BadRequest",
        "more than once",
    ),
    (
        "POST",
        "/v1.0/groups/{group}/assignLicense",
        {"addLicenses": [{"skuId": E3}, {"skuId": E3}], "removeLicenses": []},
        400,
        "Request_BadRequest",
        "more than once",
    ),
    # JSON types are not coerced: "off", "true", 1 are no booleans, "10" is no number.
    (
        "POST",
        "/v1.0/users",
        {"userPrincipalName": "x@contoso.com", "displayName": "X", "accountEnabled": "off"},
        400,
        "Request_BadRequest",
        "accountEnabled",
    ),
    (
        "PATCH",
        "/v1.0/users/{alice}",
        {"accountEnabled": "off"},
        400,
        "Request_BadRequest",
        "accountEnabled",
    ),
    (
        "PATCH",
        "/v1.0/users/{alice}",
        {"accountEnabled": 0},
        400,
        "Request_BadRequest",
        "accountEnabled",
    ),
    (
        "POST",
        "/v1.0/groups",
        {"displayName": "G", "securityEnabled": "true"},
        400,
        "Request_BadRequest",
        "securityEnabled",
    ),
    (
        "POST",
        "/admin/subscriptions",
        {"sku": "ENTERPRISEPACK", "enabledUnits": "10"},
        400,
        "Request_BadRequest",
        "enabledUnits",
    ),
    (
        "POST",
        "/admin/subscriptions",
        {"sku": "ENTERPRISEPACK", "enabledUnits": 10.0},
        400,
        "Request_BadRequest",
        "enabledUnits",
    ),
    (
        "PATCH",
        "/admin/organization",
        {"autoOfferSeats": "false"},
        400,
        "Request_BadRequest",
        "autoOfferSeats",
    ),
    # null for a property that cannot be empty is refused, not ignored.
    (
        "PATCH",
        "/v1.0/users/{alice}",
        {"displayName": None},
        400,
        "Request_BadRequest",
        "displayName",
    ),
    (
        "PATCH",
        "/v1.0/users/{alice}",
        {"accountEnabled": None},
        400,
        "Request_BadRequest",
        "accountEnabled",
    ),
    (
        "PATCH",
        "/v1.0/groups/{group}",
        {"displayName": None},
        400,
        "Request_BadRequest",
        "displayName",
    ),
    (
        "PATCH",
        "/admin/organization",
        {"displayName": None},
        400,
        "Request_BadRequest",
        "displayName",
    ),
    (
        "PATCH",
        "/admin/organization",
        {"autoOfferSeats": None},
        400,
        "Request_BadRequest",
        "autoOfferSeats",
    ),
]


@pytest.mark.parametrize(("method", "url", "body", "status", "code", "words"), CASES)
def test_bad_input_changes_nothing(
    db, client, admin, tenant, method, url, body, status, code, words
):
    url = url.format(**tenant)
    if isinstance(body, dict):
        body = {k: v.format(**tenant) if isinstance(v, str) else v for k, v in body.items()}
    before = row_counts(db)
    kwargs = (
        {"content": body, "headers": {**admin, "Content-Type": "application/json"}}
        if isinstance(body, bytes)
        else {"json": body, "headers": admin}
    )
    response = client.request(method, url, **kwargs)
    got_status, got_code, message = error_of(response)
    assert (got_status, got_code) == (status, code), response.text
    assert words.lower() in message.lower(), message
    assert row_counts(db) == before


@pytest.mark.parametrize(
    "body", [{}, {"displayName": "Alice", "accountEnabled": True, "usageLocation": "US"}]
)
def test_a_patch_that_changes_nothing_writes_no_audit_event(db, client, admin, tenant, body):
    before = row_counts(db)
    response = client.patch(f"/v1.0/users/{tenant['alice']}", headers=admin, json=body)
    assert response.status_code == 204, response.text
    assert row_counts(db) == before


def test_a_patch_audits_only_what_changed(db, client, admin, tenant):
    body = {"displayName": "Alice", "jobTitle": "Buyer"}
    assert (
        client.patch(f"/v1.0/users/{tenant['alice']}", headers=admin, json=body).status_code == 204
    )
    audits = client.get(
        "/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Update user'",
        headers=admin,
    ).json()["value"]
    assert len(audits) == 1
    changed = audits[0]["targetResources"][0]["modifiedProperties"]
    assert [p["displayName"] for p in changed] == ["JobTitle"]


def test_body_over_one_megabyte_is_refused(db, client, admin):
    before = row_counts(db)
    big = b'{"displayName": "' + b"x" * (1024 * 1024) + b'", "userPrincipalName": "a@b.c"}'
    response = client.post(
        "/v1.0/users", content=big, headers={**admin, "Content-Type": "application/json"}
    )
    status, code, message = error_of(response)
    assert code == "Request_EntityTooLarge"
    assert status == 413
    assert "larger than" in message
    assert row_counts(db) == before


def test_chunked_body_over_one_megabyte_is_refused(db, client, admin):
    def chunks():
        yield b'{"displayName": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = client.post(
        "/v1.0/users", content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert error_of(response)[0] == 413


@pytest.mark.parametrize(
    "url",
    ["/v1.0/users/a%00b", "/v1.0/users?$filter=displayName eq 'a%00'", "/v1.0/groups/%00"],
)
def test_nul_characters_are_refused_on_every_backend(db, client, admin, url):
    assert error_of(client.get(url, headers=admin))[:2] == (400, "Request_BadRequest")


def test_nul_characters_in_bodies_are_refused(db, client, admin):
    before = row_counts(db)
    response = client.post(
        "/v1.0/users", headers=admin, json={"userPrincipalName": "a@b.c", "displayName": "a\x00"}
    )
    status, _, message = error_of(response)
    assert status == 400
    assert "displayName" in message
    assert row_counts(db) == before
