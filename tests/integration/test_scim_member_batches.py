"""A big group's members added and removed in batches, as Entra sends them: only the named
members are read and written, the answer and the rows are exact, and versions stay true."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.integration.api_support import row_counts
from tests.integration.scim_support import GROUP, scim_error

from seatplan.scim import resources
from seatplan.services import provisioning
from seatplan.services import users as user_service
from seatplan.store.db import Database
from seatplan.store.tables import Membership

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#: Big enough that reading the group would show; small enough for a quick test.
MEMBERS = 300


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def _users(db: Database, count: int) -> list[str]:
    with db.writing() as session:
        made = [
            user_service.create(session, user_principal_name=f"member{n:04d}@contoso.com")
            for n in range(count)
        ]
        return [str(user.id) for user in made]


def _members(db: Database, group_id: str) -> set[str]:
    with db.reading() as session:
        rows = session.scalars(
            select(Membership.user_id).where(Membership.group_id == UUID(group_id))
        )
        return {str(user_id) for user_id in rows}


@pytest.fixture
def big_group(client: TestClient, db: Database, scim: dict[str, str]) -> tuple[str, list[str]]:
    """A group of MEMBERS users, and MEMBERS + 10 users' ids (the last 10 not members)."""
    ids = _users(db, MEMBERS + 10)
    body = {
        "schemas": [GROUP],
        "displayName": "Everyone",
        "members": [{"value": i} for i in ids[:MEMBERS]],
    }
    created = client.post("/scim/v2/Groups", headers=scim, json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"], ids


def test_batches_touch_only_the_named_members(
    client: TestClient,
    db: Database,
    scim: dict[str, str],
    big_group: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group_id, ids = big_group
    url = f"/scim/v2/Groups/{group_id}"
    before = client.get(url, headers=scim)
    old_version = before.headers["ETag"]

    def whole_group(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the whole group was read")

    # Both read or rewrite every member: a batch must do neither.
    monkeypatch.setattr(resources, "group_resources", whole_group)
    monkeypatch.setattr(provisioning, "set_members", whole_group)
    newcomers, leavers = ids[MEMBERS:], ids[:5]
    response = client.patch(
        url,
        headers=scim,
        json=_patch(
            {"op": "Add", "path": "members", "value": [{"value": i} for i in newcomers]},
            {"op": "Add", "path": "members", "value": [{"value": ids[7]}]},  # a member already
            {"op": "Remove", "path": "members", "value": [{"value": i} for i in leavers[:4]]},
            {"op": "remove", "path": f'members[value eq "{leavers[4]}"]'},
            {"op": "remove", "path": f'members[value eq "{newcomers[0]}"]'},  # added, then not
        ),
    )
    assert response.status_code == 204, response.text
    monkeypatch.undo()

    expected = (set(ids[:MEMBERS]) | set(newcomers[1:])) - set(leavers)
    assert _members(db, group_id) == expected
    after = client.get(url, headers=scim)
    assert {m["value"] for m in after.json()["members"]} == expected
    assert after.headers["ETag"] != old_version
    # The version the batch replaced no longer matches.
    stale = client.patch(
        url,
        headers={**scim, "If-Match": old_version},
        json=_patch({"op": "Add", "path": "members", "value": [{"value": ids[0]}]}),
    )
    assert scim_error(stale) == (412, None)


def test_a_batch_sent_again_changes_nothing(
    client: TestClient, db: Database, scim: dict[str, str], big_group: tuple[str, list[str]]
) -> None:
    group_id, ids = big_group
    url = f"/scim/v2/Groups/{group_id}"
    batch = _patch(
        {"op": "Add", "path": "members", "value": [{"value": i} for i in ids[MEMBERS:]]},
        {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]},
    )
    assert client.patch(url, headers=scim, json=batch).status_code == 204
    version, counts = client.get(url, headers=scim).headers["ETag"], row_counts(db)
    assert client.patch(url, headers=scim, json=batch).status_code == 204
    assert row_counts(db) == counts
    assert client.get(url, headers=scim).headers["ETag"] == version


def test_an_unknown_member_writes_nothing(
    client: TestClient, db: Database, scim: dict[str, str], big_group: tuple[str, list[str]]
) -> None:
    group_id, ids = big_group
    counts = row_counts(db)
    response = client.patch(
        f"/scim/v2/Groups/{group_id}",
        headers=scim,
        json=_patch(
            {"op": "Add", "path": "members", "value": [{"value": ids[-1]}]},
            {
                "op": "Add",
                "path": "members",
                "value": [{"value": "6f0f7d3e-0000-4000-8000-000000000000"}],
            },
        ),
    )
    assert scim_error(response) == (400, "invalidValue")
    assert row_counts(db) == counts
    assert ids[-1] not in _members(db, group_id)


def test_if_match_or_a_wanted_answer_gets_the_whole_group(
    client: TestClient, scim: dict[str, str], big_group: tuple[str, list[str]]
) -> None:
    group_id, ids = big_group
    url = f"/scim/v2/Groups/{group_id}"
    version = client.get(url, headers=scim).headers["ETag"]
    add = _patch({"op": "Add", "path": "members", "value": [{"value": ids[-1]}]})
    answered = client.patch(url, headers={**scim, "If-Match": version}, json=add)
    assert answered.status_code == 200, answered.text
    assert len(answered.json()["members"]) == MEMBERS + 1
    assert answered.headers["ETag"] == answered.json()["meta"]["version"] != version
    remove = _patch({"op": "Remove", "path": "members", "value": [{"value": ids[-1]}]})
    projected = client.patch(f"{url}?attributes=displayName", headers=scim, json=remove)
    assert projected.status_code == 200, projected.text
    assert projected.json()["displayName"] == "Everyone"
    assert "members" not in projected.json()
