"""SCIM PATCH writes as PUT does: If-Match, all-or-nothing, errors with their scimType,
licensing of the members it adds and removes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import E3, buy, process, row_counts
from tests.integration.scim_support import create_user, scim_error

from seatplan.store.db import Database

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_if_match_is_honoured(client: TestClient, scim: dict[str, str]) -> None:
    ann = create_user(client, scim, "ann")
    url = f"/scim/v2/Users/{ann['id']}"
    body = _patch({"op": "replace", "path": "displayName", "value": "Ann B."})
    stale = client.patch(url, headers={**scim, "If-Match": 'W/"stale"'}, json=body)
    assert scim_error(stale) == (412, None)
    assert client.get(url, headers=scim).json()["displayName"] == ann["displayName"]
    current = client.patch(url, headers={**scim, "If-Match": ann["meta"]["version"]}, json=body)
    assert current.status_code == 200, current.text
    assert current.json()["displayName"] == "Ann B."
    assert current.headers["ETag"] == current.json()["meta"]["version"] != ann["meta"]["version"]


@pytest.mark.parametrize(
    ("operations", "status", "scim_type"),
    [
        ([{"op": "replace", "path": "id", "value": "x"}], 400, "mutability"),
        ([{"op": "replace", "path": "nosuch", "value": "x"}], 400, "invalidPath"),
        ([{"op": "remove"}], 400, "noTarget"),
        ([{"op": "copy", "path": "title", "value": "x"}], 400, "invalidSyntax"),
        ([{"op": "replace", "path": "active", "value": "maybe"}], 400, "invalidValue"),
        ([{"op": "replace", "path": "userName", "value": "bob@contoso.com"}], 409, "uniqueness"),
        # Good operations first: the failing last one undoes them.
        (
            [
                {"op": "replace", "path": "displayName", "value": "changed"},
                {"op": "replace", "path": "name.givenName", "value": "changed"},
                {"op": "add", "path": "addresses", "value": [{"type": "home"}, {"type": "x"}]},
            ],
            400,
            "invalidValue",
        ),
    ],
)
def test_a_refused_patch_writes_nothing(
    client: TestClient,
    db: Database,
    scim: dict[str, str],
    operations: list[dict[str, Any]],
    status: int,
    scim_type: str,
) -> None:
    ann = create_user(client, scim, "ann")
    create_user(client, scim, "bob")
    url = f"/scim/v2/Users/{ann['id']}"
    before, resource = row_counts(db), client.get(url, headers=scim).json()
    response = client.patch(url, headers=scim, json=_patch(*operations))
    assert scim_error(response) == (status, scim_type)
    assert row_counts(db) == before
    assert client.get(url, headers=scim).json() == resource


def test_members_patched_in_and_out_are_licensed_and_freed(
    client: TestClient, db: Database, scim: dict[str, str], admin: dict[str, str]
) -> None:
    buy(db, units=5)
    users = [create_user(client, scim, name)["id"] for name in ("ann", "bob", "cy")]
    for user_id in users:
        located = client.patch(
            f"/v1.0/users/{user_id}", headers=admin, json={"usageLocation": "US"}
        )
        assert located.status_code == 204, located.text
    group = client.post(
        "/scim/v2/Groups", headers=scim, json={"displayName": "Licensed", "members": []}
    ).json()
    assigned = client.post(
        f"/v1.0/groups/{group['id']}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert assigned.status_code in (200, 202), assigned.text
    url = f"/scim/v2/Groups/{group['id']}"

    def licensed() -> list[str]:
        process(db)
        return [
            u
            for u in users
            if client.get(f"/v1.0/users/{u}/licenseDetails", headers=admin).json()["value"]
        ]

    added = client.patch(
        url,
        headers=scim,
        json=_patch({"op": "Add", "path": "members", "value": [{"value": u} for u in users]}),
    )
    # Member batches are answered 204 No Content (docs/scim.md).
    assert added.status_code == 204, added.text
    assert licensed() == users
    removed = client.patch(
        url,
        headers=scim,
        json=_patch(
            {"op": "remove", "path": f'members[value eq "{users[0]}"]'},
            {"op": "Remove", "path": "members", "value": [{"value": users[1]}]},
        ),
    )
    assert removed.status_code == 204, removed.text
    after = client.get(url, headers=scim).json()
    assert [m["value"] for m in after["members"]] == [users[2]]
    assert licensed() == [users[2]]
