"""Previewing a group's assignLicense: the worker's outcome, and nothing written."""

from __future__ import annotations

from sqlalchemy import func, select
from tests.integration.api_support import (
    E3,
    buy,
    error_of,
    make_group,
    make_user,
    process,
    row_counts,
)

from seatplan.store.tables import AuditEvent

ADD_E3 = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}


def simulate(client, admin, group, body):
    return client.post(f"/admin/groups/{group}/simulateAssignLicense", headers=admin, json=body)


def test_preview_counts_what_the_worker_would_do_and_writes_nothing(db, client, admin):
    buy(db, units=2)
    members = [make_user(client, admin, name) for name in ("ann", "ben", "cat")]
    group = make_group(client, admin, "Staff", *members)
    before = row_counts(db)

    preview = simulate(client, admin, group, ADD_E3)

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["usersEvaluated"] == 3
    assert [(o["state"], o["error"], o["users"]) for o in body["outcomes"]] == [
        ("Active", None, 2),
        ("Error", "CountViolation", 1),
    ]
    assert body["seats"] == [
        {"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "availableNow": 2, "availableAfter": 0}
    ]
    # Oldest intent first, then user id: the last of the three by id waits for a seat.
    assert [e["userId"] for e in body["examples"]] == [max(members)]
    assert row_counts(db) == before
    group_page = client.get(f"/v1.0/groups/{group}?$select=assignedLicenses", headers=admin)
    assert group_page.json()["assignedLicenses"] == []

    # The worker does what the preview said.
    client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=ADD_E3)
    process(db)
    errors = client.get(f"/v1.0/groups/{group}/membersWithLicenseErrors", headers=admin)
    assert [u["id"] for u in errors.json()["value"]] == [max(members)]


def test_preview_of_a_removal_counts_who_loses_the_product(db, client, admin):
    buy(db, units=5)
    members = [make_user(client, admin, name) for name in ("ann", "ben")]
    group = make_group(client, admin, "Staff", *members)
    client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=ADD_E3)
    process(db)
    before = row_counts(db)

    body = simulate(client, admin, group, {"addLicenses": [], "removeLicenses": [E3]}).json()

    assert body["outcomes"] == []
    assert body["removed"] == [{"skuPartNumber": "ENTERPRISEPACK", "users": 2}]
    assert body["seats"][0]["availableNow"] == 3
    assert body["seats"][0]["availableAfter"] == 5
    assert row_counts(db) == before


def test_a_bad_preview_answers_like_the_real_call_and_changes_nothing(db, client, admin):
    buy(db)
    group = make_group(client, admin, "Staff", make_user(client, admin, "ann"))
    before = row_counts(db)
    unknown = "00000000-0000-0000-0000-00000000abcd"
    body = {"addLicenses": [{"skuId": unknown, "disabledPlans": []}], "removeLicenses": []}

    previewed = error_of(simulate(client, admin, group, body))

    real = client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=body)
    assert previewed == error_of(real)
    assert unknown in previewed[2]
    assert row_counts(db) == before
    with db.reading() as session:
        assert not session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.activity_display_name == "Set group license")
        )
