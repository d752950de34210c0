"""licenseNestedGroups: off, a group's licenses go to its direct members only (Entra);
on, to every transitive member, from the group that holds the license. Changing the
setting, or the nesting while it is on, queues exactly the users it affects, and
`doctor` finds nothing wrong afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from tests.integration.api_support import E3, buy, make_group, make_user, process

from seatplan.services import doctor
from seatplan.store.tables import Organization, QueuedUser

ADD_E3 = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}


def nest(client, admin, parent: str, child: str) -> None:
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/groups/{child}"}
    answer = client.post(f"/v1.0/groups/{parent}/members/$ref", headers=admin, json=ref)
    assert answer.status_code == 204, answer.text


def set_nested(client, admin, value: bool) -> None:
    answer = client.patch("/admin/organization", headers=admin, json={"licenseNestedGroups": value})
    assert answer.status_code == 200, answer.text
    assert answer.json()["licenseNestedGroups"] is value


def queued(db) -> set[str]:
    with db.reading() as session:
        return {str(user_id) for user_id in session.scalars(select(QueuedUser.user_id))}


def sources(client, admin, user_id: str) -> list[tuple[str | None, str]]:
    body = client.get(
        f"/v1.0/users/{user_id}?$select=licenseAssignmentStates", headers=admin
    ).json()
    return sorted((s["assignedByGroup"], s["state"]) for s in body["licenseAssignmentStates"])


def assert_doctor_clean(db) -> None:
    with db.reading() as session:
        report = doctor.check(session)
    assert report.problems == []


@pytest.fixture
def tenant(db, client, admin) -> dict[str, str]:
    """Licensed ⊃ {Middle ⊃ {Leaf}}; ann in Licensed, max in Middle, lea in Leaf and in
    Other (unlicensed, outside); E3 on Licensed."""
    buy(db, units=10)
    ann = make_user(client, admin, "ann", usageLocation="US")
    max_ = make_user(client, admin, "max", usageLocation="US")
    lea = make_user(client, admin, "lea", usageLocation="US")
    out = make_user(client, admin, "out", usageLocation="US")
    licensed = make_group(client, admin, "Licensed", ann)
    middle = make_group(client, admin, "Middle", max_)
    leaf = make_group(client, admin, "Leaf", lea)
    make_group(client, admin, "Other", lea, out)
    nest(client, admin, licensed, middle)
    nest(client, admin, middle, leaf)
    answer = client.post(f"/v1.0/groups/{licensed}/assignLicense", headers=admin, json=ADD_E3)
    assert answer.status_code == 202, answer.text
    process(db)
    return {
        "ann": ann,
        "max": max_,
        "lea": lea,
        "out": out,
        "licensed": licensed,
        "middle": middle,
        "leaf": leaf,
    }


def test_off_by_default_direct_members_only(db, client, admin, tenant):
    assert client.get("/admin/organization", headers=admin).json()["licenseNestedGroups"] is False
    assert sources(client, admin, tenant["ann"]) == [(tenant["licensed"], "Active")]
    assert sources(client, admin, tenant["max"]) == []
    assert sources(client, admin, tenant["lea"]) == []
    assert_doctor_clean(db)


def test_toggled_both_ways_queues_exactly_the_affected_users(db, client, admin, tenant):
    set_nested(client, admin, True)
    assert queued(db) == {tenant["max"], tenant["lea"]}
    process(db)
    for name in ("ann", "max", "lea"):
        assert sources(client, admin, tenant[name]) == [(tenant["licensed"], "Active")]
    assert sources(client, admin, tenant["out"]) == []
    assert_doctor_clean(db)
    group = client.get(
        f"/v1.0/groups/{tenant['licensed']}?$select=licenseProcessingState", headers=admin
    ).json()
    assert group["licenseProcessingState"]["state"] == "ProcessingComplete"

    set_nested(client, admin, False)
    assert queued(db) == {tenant["max"], tenant["lea"]}
    process(db)
    assert sources(client, admin, tenant["ann"]) == [(tenant["licensed"], "Active")]
    assert sources(client, admin, tenant["max"]) == []
    assert sources(client, admin, tenant["lea"]) == []
    assert_doctor_clean(db)


def test_setting_unchanged_queues_nobody(db, client, admin, tenant):
    set_nested(client, admin, False)
    assert queued(db) == set()


def test_removing_and_adding_a_nested_group_while_on(db, client, admin, tenant):
    set_nested(client, admin, True)
    process(db)
    removed = client.delete(
        f"/v1.0/groups/{tenant['middle']}/members/{tenant['leaf']}/$ref", headers=admin
    )
    assert removed.status_code == 204
    assert queued(db) == {tenant["lea"]}
    process(db)
    assert sources(client, admin, tenant["lea"]) == []
    assert sources(client, admin, tenant["max"]) == [(tenant["licensed"], "Active")]
    assert_doctor_clean(db)

    nest(client, admin, tenant["licensed"], tenant["leaf"])
    assert queued(db) == {tenant["lea"]}
    process(db)
    assert sources(client, admin, tenant["lea"]) == [(tenant["licensed"], "Active")]
    assert_doctor_clean(db)


def test_a_user_added_to_a_nested_group_while_on(db, client, admin, tenant):
    set_nested(client, admin, True)
    process(db)
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/users/{tenant['out']}"}
    client.post(f"/v1.0/groups/{tenant['leaf']}/members/$ref", headers=admin, json=ref)
    assert queued(db) == {tenant["out"]}
    process(db)
    assert sources(client, admin, tenant["out"]) == [(tenant["licensed"], "Active")]
    client.delete(f"/v1.0/groups/{tenant['leaf']}/members/{tenant['out']}/$ref", headers=admin)
    assert queued(db) == {tenant["out"]}
    process(db)
    assert sources(client, admin, tenant["out"]) == []
    assert_doctor_clean(db)


def test_deleting_a_nested_group_while_on(db, client, admin, tenant):
    set_nested(client, admin, True)
    process(db)
    assert client.delete(f"/v1.0/groups/{tenant['middle']}", headers=admin).status_code == 204
    assert queued(db) == {tenant["max"], tenant["lea"]}
    process(db)
    assert sources(client, admin, tenant["max"]) == []
    assert sources(client, admin, tenant["lea"]) == []
    assert sources(client, admin, tenant["ann"]) == [(tenant["licensed"], "Active")]
    assert_doctor_clean(db)


def test_a_user_reached_twice_holds_one_assignment(db, client, admin, tenant):
    """A diamond: lea is in Leaf, which is in Middle and directly in Licensed too."""
    nest(client, admin, tenant["licensed"], tenant["leaf"])
    set_nested(client, admin, True)
    process(db)
    assert sources(client, admin, tenant["lea"]) == [(tenant["licensed"], "Active")]
    assert_doctor_clean(db)


def test_doctor_finds_a_nested_license_after_the_setting_is_off_behind_its_back(
    db, client, admin, tenant
):
    """With the setting off, an assignment that came through nesting has no intent."""
    set_nested(client, admin, True)
    process(db)
    with db.writing() as session:
        session.execute(update(Organization).values(license_nested_groups=False))
    with db.reading() as session:
        report = doctor.check(session)
    assert {(p.check, str(p.user_id)) for p in report.problems} == {
        ("intent gone", tenant["max"]),
        ("intent gone", tenant["lea"]),
    }
