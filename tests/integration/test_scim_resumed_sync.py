"""An identity provider's sync interrupted mid-way and started again, as Entra does it:
nothing is duplicated and nothing is lost.

Entra's provisioning service keeps no record of a request whose answer it lost: on its next
cycle it sends the same creates again. Seatplan answers 409 (scimType uniqueness) for a
userName it already has; the provider then finds the user with `GET /Users?filter=…` and
goes on with that id. Membership PATCHes sent again change nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.integration.api_support import E3, bearer, buy, process, row_counts

from seatplan.store.db import Database
from seatplan.store.tables import Membership, User

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _user(n: int, *, active: Any = True) -> dict[str, Any]:
    return {
        "schemas": [USER],
        "userName": f"user{n}@contoso.com",
        "externalId": f"ext-{n}",
        "name": {"givenName": f"User{n}", "familyName": "Sync"},
        "active": active,
    }


class Provider:
    """An identity provider's sync: creates users (or finds them after a 409), then a group."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.ids: dict[int, str] = {}

    def create(self, n: int, body: dict[str, Any]) -> int:
        response = self.client.post("/scim/v2/Users", headers=self.headers, json=body)
        if response.status_code == 201:
            self.ids[n] = response.json()["id"]
        elif response.status_code == 409:
            assert response.json()["scimType"] == "uniqueness", response.text
            found = self.client.get(
                "/scim/v2/Users",
                headers=self.headers,
                params={"filter": f'userName eq "{body["userName"]}"'},
            )
            assert found.status_code == 200, found.text
            (resource,) = found.json()["Resources"]
            self.ids[n] = resource["id"]
        return response.status_code

    def add_members(self, group_id: str, numbers: list[int]) -> int:
        body = {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "Add",
                    "path": "members",
                    "value": [{"value": self.ids[n]} for n in numbers],
                }
            ],
        }
        response = self.client.patch(f"/scim/v2/Groups/{group_id}", headers=self.headers, json=body)
        return response.status_code


def _counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
        members = session.scalar(select(func.count()).select_from(Membership)) or 0
    return users, members


def test_a_sync_interrupted_mid_way_resumes_without_duplicates_or_losses(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    buy(db, units=10)
    headers = bearer(db, "Seatplan.Provisioning")
    group = client.post(
        "/scim/v2/Groups", headers=headers, json={"displayName": "Licensed", "members": []}
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    licensed = client.post(
        f"/v1.0/groups/{group_id}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert licensed.status_code in (200, 202), licensed.text
    users_before, _ = _counts(db)

    # First cycle: users 1-3 are created, then the 4th request is refused (a value Seatplan
    # cannot keep), and the provider's cycle stops there, its answer for user 3 lost.
    first = Provider(client, headers)
    assert [first.create(n, _user(n)) for n in (1, 2, 3)] == [201, 201, 201]
    before_bad = row_counts(db)
    assert first.create(4, _user(4, active="maybe")) == 400
    assert row_counts(db) == before_bad  # the refused request wrote nothing
    assert first.add_members(group_id, [1, 2]) in (200, 204)
    lost = first.ids.pop(3)

    # Next cycle: the same batch, whole, with user 4 fixed; then every membership again.
    second = Provider(client, headers)
    statuses = [second.create(n, _user(n)) for n in range(1, 7)]
    assert statuses == [409, 409, 409, 201, 201, 201]
    assert {n: second.ids[n] for n in (1, 2)} == first.ids
    assert second.ids[3] == lost
    assert second.add_members(group_id, list(range(1, 7))) in (200, 204)
    assert second.add_members(group_id, list(range(1, 7))) in (200, 204)

    users, members = _counts(db)
    assert users == users_before + 6
    assert members == 6
    listed = client.get(
        "/scim/v2/Users", headers=headers, params={"filter": 'userName sw "user"'}
    ).json()
    assert sorted(r["userName"] for r in listed["Resources"]) == [
        f"user{n}@contoso.com" for n in range(1, 7)
    ]

    # Licensing settles once per user: six seats, not more.
    process(db)
    for n in range(1, 7):
        details = client.get(f"/v1.0/users/{second.ids[n]}/licenseDetails", headers=admin)
        assert details.status_code == 200, details.text
        assert [d["skuId"] for d in details.json()["value"]] == [E3]
    sku = client.get("/v1.0/subscribedSkus", headers=admin).json()["value"]
    assert next(s for s in sku if s["skuId"] == E3)["consumedUnits"] == 6
