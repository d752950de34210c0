"""Dynamic groups through Graph: create, change, refusals, and members kept by the rule."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.integration.api_support import (
    E3,
    buy,
    error_of,
    make_group,
    make_user,
    process,
    row_counts,
)

from seatplan.store.db import Database
from seatplan.store.tables import LicenseAssignment, Membership, QueuedUser

SALES = 'user.department -eq "Sales"'


def _dynamic(client: TestClient, admin: dict[str, str], rule: str = SALES, **extra: Any) -> Any:
    body = {
        "displayName": "Sales (dynamic)",
        "mailEnabled": False,
        "securityEnabled": True,
        "groupTypes": ["DynamicMembership"],
        "membershipRule": rule,
        "membershipRuleProcessingState": "On",
        **extra,
    }
    return client.post("/v1.0/groups", headers=admin, json=body)


def _members(db: Database, group_id: str) -> set[str]:
    with db.reading() as session:
        rows = session.scalars(
            select(Membership.user_id).where(Membership.group_id == _uuid(group_id))
        )
        return {str(user_id) for user_id in rows}


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


def _group(client: TestClient, admin: dict[str, str], group_id: str, select: str = "") -> Any:
    query = f"?$select={select}" if select else ""
    response = client.get(f"/v1.0/groups/{group_id}{query}", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_dynamic_group_gets_the_users_its_rule_selects(db, client, admin):
    alice = make_user(client, admin, "alice", department="Sales")
    make_user(client, admin, "bob", department="Finance")
    created = _dynamic(client, admin)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["groupTypes"] == ["DynamicMembership"]
    assert item["membershipRule"] == SALES
    assert item["membershipRuleProcessingState"] == "On"
    status = _group(client, admin, item["id"], "membershipRuleProcessingStatus")
    assert status["membershipRuleProcessingStatus"]["status"] == "NotStarted"

    process(db)

    assert _members(db, item["id"]) == {alice}
    done = _group(client, admin, item["id"], "id,membershipRuleProcessingStatus")
    assert done["membershipRuleProcessingStatus"]["status"] == "Succeeded"
    assert done["membershipRuleProcessingStatus"]["lastMembershipUpdated"] is not None
    listed = client.get(
        "/v1.0/groups?$filter=groupTypes/any(c:c eq 'DynamicMembership')", headers=admin
    )
    assert [g["id"] for g in listed.json()["value"]] == [item["id"]]
    make_group(client, admin, "Static")
    for query in (
        "membershipRuleProcessingState eq 'On'",
        "startswith(membershipRule, 'user.department')",
    ):
        found = client.get(f"/v1.0/groups?$filter={query}", headers=admin)
        assert found.status_code == 200, found.text
        assert [g["id"] for g in found.json()["value"]] == [item["id"]], query


def test_an_invalid_rule_is_refused_with_its_position_and_writes_nothing(db, client, admin):
    before = row_counts(db)
    response = _dynamic(client, admin, rule='user.department -eq "Sales" -and')
    status, code, message = error_of(response)
    assert (status, code) == (400, "Request_BadRequest")
    assert message.startswith("Invalid membership rule at position 33: ")
    assert row_counts(db) == before


def test_the_rule_and_the_type_go_together(db, client, admin):
    before = row_counts(db)
    no_rule = client.post(
        "/v1.0/groups",
        headers=admin,
        json={"displayName": "x", "groupTypes": ["DynamicMembership"]},
    )
    assert error_of(no_rule)[0] == 400
    assert "membershipRule" in error_of(no_rule)[2]
    not_dynamic = client.post(
        "/v1.0/groups", headers=admin, json={"displayName": "x", "membershipRule": SALES}
    )
    assert error_of(not_dynamic)[0] == 400
    bad_state = _dynamic(client, admin, membershipRuleProcessingState="Off")
    assert error_of(bad_state)[0] == 400
    assert row_counts(db) == before


def test_members_of_a_dynamic_group_are_not_changed_by_hand(db, client, admin):
    alice = make_user(client, admin, "alice", department="Sales")
    bob = make_user(client, admin, "bob", department="Finance")
    group_id = _dynamic(client, admin).json()["id"]
    process(db)
    before = row_counts(db)
    added = client.post(
        f"/v1.0/groups/{group_id}/members/$ref",
        headers=admin,
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{bob}"},
    )
    assert error_of(added)[:2] == (400, "Request_BadRequest")
    removed = client.delete(f"/v1.0/groups/{group_id}/members/{alice}/$ref", headers=admin)
    assert error_of(removed)[:2] == (400, "Request_BadRequest")
    bind = client.post(
        "/v1.0/groups",
        headers=admin,
        json={
            "displayName": "y",
            "groupTypes": ["DynamicMembership"],
            "membershipRule": SALES,
            "members@odata.bind": [f"https://graph.microsoft.com/v1.0/directoryObjects/{bob}"],
        },
    )
    assert error_of(bind)[0] == 400
    assert row_counts(db) == before
    assert _members(db, group_id) == {alice}


def test_a_user_change_moves_them_at_once_and_licensing_follows(db, client, admin):
    buy(db, units=5)
    alice = make_user(client, admin, "alice", department="Sales", usageLocation="US")
    bob = make_user(client, admin, "bob", department="Finance", usageLocation="US")
    group_id = _dynamic(client, admin).json()["id"]
    assigned = client.post(
        f"/v1.0/groups/{group_id}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": E3}], "removeLicenses": []},
    )
    assert assigned.status_code == 202, assigned.text
    process(db)
    assert _licensed(db) == {alice}

    moved = client.patch(f"/v1.0/users/{bob}", headers=admin, json={"department": "Sales"})
    assert moved.status_code == 204
    assert _members(db, group_id) == {alice, bob}  # in the change's own transaction
    assert str(_uuid(bob)) in _queued(db)
    left = client.patch(f"/v1.0/users/{alice}", headers=admin, json={"department": "Legal"})
    assert left.status_code == 204
    assert _members(db, group_id) == {bob}
    carol = make_user(client, admin, "carol", department="sales", usageLocation="US")
    assert _members(db, group_id) == {bob, carol}
    process(db)
    assert _licensed(db) == {bob, carol}

    assert client.delete(f"/v1.0/users/{carol}", headers=admin).status_code == 204
    assert _members(db, group_id) == {bob}


def test_a_changed_rule_static_again_and_paused(db, client, admin):
    alice = make_user(client, admin, "alice", department="Sales", city="Paris")
    bob = make_user(client, admin, "bob", department="Finance", city="Paris")
    group_id = _dynamic(client, admin).json()["id"]
    process(db)
    changed = client.patch(
        f"/v1.0/groups/{group_id}", headers=admin, json={"membershipRule": 'user.city -eq "Paris"'}
    )
    assert changed.status_code == 204, changed.text
    process(db)
    assert _members(db, group_id) == {alice, bob}

    paused = client.patch(
        f"/v1.0/groups/{group_id}", headers=admin, json={"membershipRuleProcessingState": "Paused"}
    )
    assert paused.status_code == 204
    client.patch(f"/v1.0/users/{bob}", headers=admin, json={"city": "Oslo"})
    carol = make_user(client, admin, "carol", city="Paris")
    process(db)
    assert _members(db, group_id) == {alice, bob}  # paused: nothing moves
    assert _group(client, admin, group_id)["membershipRuleProcessingState"] == "Paused"

    resumed = client.patch(
        f"/v1.0/groups/{group_id}", headers=admin, json={"membershipRuleProcessingState": "On"}
    )
    assert resumed.status_code == 204
    process(db)
    assert _members(db, group_id) == {alice, carol}

    static = client.patch(f"/v1.0/groups/{group_id}", headers=admin, json={"groupTypes": []})
    assert static.status_code == 204, static.text
    item = _group(client, admin, group_id)
    assert (item["groupTypes"], item["membershipRule"]) == ([], None)
    client.patch(f"/v1.0/users/{carol}", headers=admin, json={"city": "Rome"})
    process(db)
    assert _members(db, group_id) == {alice, carol}  # kept as they were

    dynamic = client.patch(
        f"/v1.0/groups/{group_id}",
        headers=admin,
        json={"groupTypes": ["DynamicMembership"], "membershipRule": 'user.city -eq "Oslo"'},
    )
    assert dynamic.status_code == 204, dynamic.text
    process(db)
    assert _members(db, group_id) == {bob}  # replaced by the rule's result


def test_a_static_group_cannot_take_a_rule_by_patch(db, client, admin):
    group_id = make_group(client, admin, "Static")
    response = client.patch(
        f"/v1.0/groups/{group_id}", headers=admin, json={"membershipRule": SALES}
    )
    assert error_of(response)[0] == 400
    assert _group(client, admin, group_id)["membershipRule"] is None


def _licensed(db: Database) -> set[str]:
    with db.reading() as session:
        rows = session.scalars(
            select(LicenseAssignment.user_id).where(LicenseAssignment.state == "Active")
        )
        return {str(user_id) for user_id in rows}


def _queued(db: Database) -> set[str]:
    with db.reading() as session:
        return {str(user_id) for user_id in session.scalars(select(QueuedUser.user_id))}
