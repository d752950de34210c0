"""Previewing a membership rule: joiners, leavers, what licensing would do, nothing written,
and what the preview said is what happens once the rule is saved and processed."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from sqlalchemy import select
from tests.integration.api_support import (
    E3,
    bearer,
    buy,
    error_of,
    make_group,
    make_user,
    process,
    row_counts,
)

from seatplan.processing import rule_preview
from seatplan.services import catalog, groups, lookup, transaction
from seatplan.store.tables import LicenseAssignment, Membership

EXCHANGE_STANDARD = "4b9405b0-7788-4568-add1-99614e613b69"  # EXCHANGESTANDARD
SALES = 'user.department -eq "Sales"'


def add_e3(client, admin, group):
    body = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}
    answer = client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=body)
    assert answer.status_code == 202, answer.text


def preview(client, admin, group, rule):
    path = (
        f"/admin/groups/{group}/membershipRule/preview"
        if group
        else "/admin/membershipRule/preview"
    )
    return client.post(path, headers=admin, json={"membershipRule": rule})


def save_rule(client, admin, db, group, rule):
    """Save the rule as Graph would (the group becomes dynamic), and let the worker
    evaluate it over the directory and process the licensing it queues."""
    body = {"groupTypes": ["DynamicMembership"], "membershipRule": rule}
    saved = client.patch(f"/v1.0/groups/{group}", headers=admin, json=body)
    assert saved.status_code == 204, saved.text
    process(db)


def members_of(db, group):
    with db.reading() as session:
        found = session.scalars(
            select(Membership.user_id).where(Membership.group_id == UUID(group))
        )
        return {str(user_id) for user_id in found}


def sales_tenant(client, admin, db):
    """E3 for 3 seats; Staff (with E3) holds dan (HR) and eve (Sales); ann, ben and cat
    are in Sales and not members, ann with a direct Exchange license that clashes with E3."""
    buy(db, units=3)
    buy(db, sku="EXCHANGESTANDARD", units=5)
    users = {
        name: make_user(client, admin, name, department=dept, usageLocation="US")
        for name, dept in (
            ("ann", "Sales"),
            ("ben", "Sales"),
            ("cat", "Sales"),
            ("dan", "HR"),
            ("eve", "Sales"),
        )
    }
    direct = {
        "addLicenses": [{"skuId": EXCHANGE_STANDARD, "disabledPlans": []}],
        "removeLicenses": [],
    }
    answer = client.post(f"/v1.0/users/{users['ann']}/assignLicense", headers=admin, json=direct)
    assert answer.status_code == 200, answer.text
    group = make_group(client, admin, "Staff", users["dan"], users["eve"])
    add_e3(client, admin, group)
    process(db)
    return users, group


def group_rows(db, group, user_ids):
    with db.reading() as session:
        rows = session.execute(
            select(
                LicenseAssignment.user_id, LicenseAssignment.state, LicenseAssignment.error
            ).where(LicenseAssignment.source_id == UUID(group))
        ).all()
    return [(str(u), state, error) for u, state, error in rows if str(u) in user_ids]


def test_the_preview_is_what_saving_the_rule_then_does(db, client, admin):
    users, group = sales_tenant(client, admin, db)
    before = row_counts(db)

    answer = preview(client, admin, group, SALES)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert row_counts(db) == before
    assert (body["usersMatching"], body["joining"], body["leaving"]) == (4, 3, 1)
    assert [u["displayName"] for u in body["joiners"]] == ["Ann", "Ben", "Cat"]
    assert [u["userPrincipalName"] for u in body["leavers"]] == ["dan@contoso.com"]
    licensing = body["licensing"]
    assert licensing["usersEvaluated"] == 4
    # One seat free, dan's freed: two joiners get E3, ann's Exchange clashes with it.
    assert licensing["seats"] == [
        {"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "availableNow": 1, "availableAfter": 0}
    ]
    assert licensing["removed"] == [{"skuPartNumber": "ENTERPRISEPACK", "users": 1}]
    [clash] = licensing["examples"]
    assert (clash["userId"], clash["error"]) == (users["ann"], "MutuallyExclusiveViolation")
    assert "EXCHANGE_S_STANDARD" in clash["servicePlans"]
    assert "EXCHANGE_S_ENTERPRISE" in clash["servicePlans"]

    joiners = [u["id"] for u in body["joiners"]]
    leavers = [u["id"] for u in body["leavers"]]
    members = members_of(db, group)
    save_rule(client, admin, db, group, SALES)
    assert members_of(db, group) == (members | set(joiners)) - set(leavers)

    changed = set(joiners) | set(leavers)
    after = group_rows(db, group, changed)
    counted = Counter((state, error) for _, state, error in after)
    assert counted == Counter({(o["state"], o["error"]): o["users"] for o in licensing["outcomes"]})
    [removed] = licensing["removed"]
    assert len(leavers) - len([u for u, _, _ in after if u in leavers]) == removed["users"]
    in_error = sorted(u for u, _, error in after if error)
    assert in_error == sorted(e["userId"] for e in licensing["examples"])
    skus = client.get("/v1.0/subscribedSkus", headers=admin).json()["value"]
    [e3] = [s for s in skus if s["skuId"] == E3]
    assert (
        e3["prepaidUnits"]["enabled"] - e3["consumedUnits"]
        == licensing["seats"][0]["availableAfter"]
    )
    assert members_of(db, group) == {users["ann"], users["ben"], users["cat"], users["eve"]}


def test_seats_short_the_preview_names_who_waits(db, client, admin):
    buy(db, units=1)
    ids = [make_user(client, admin, name, department="Sales") for name in ("ann", "ben", "cat")]
    group = make_group(client, admin, "Staff")
    add_e3(client, admin, group)
    process(db)

    licensing = preview(client, admin, group, SALES).json()["licensing"]

    assert [(o["state"], o["error"], o["users"]) for o in licensing["outcomes"]] == [
        ("Active", None, 1),
        ("Error", "CountViolation", 2),
    ]
    waiting = sorted(e["userId"] for e in licensing["examples"])
    assert all(e["servicePlans"] == [] for e in licensing["examples"])
    save_rule(client, admin, db, group, SALES)
    after = group_rows(db, group, set(ids))
    assert sorted(u for u, _, error in after if error == "CountViolation") == waiting


def test_a_group_without_products_previews_memberships_only(db, client, admin):
    make_user(client, admin, "ann", department="Sales")
    group = make_group(client, admin, "Staff")

    body = preview(client, admin, group, SALES).json()

    assert (body["joining"], body["leaving"], body["licensing"]) == (1, 0, None)
    assert body["groupId"] == group


def test_a_rule_for_a_group_not_created_yet(db, client, admin):
    make_user(client, admin, "ann", department="Sales")
    make_user(client, admin, "bob", department="HR")
    before = row_counts(db)

    body = preview(client, admin, None, SALES).json()

    assert body["groupId"] is None
    assert [u["userPrincipalName"] for u in body["joiners"]] == ["ann@contoso.com"]
    assert (body["usersMatching"], body["joining"], body["leaving"]) == (1, 1, 0)
    assert body["licensing"] is None
    assert row_counts(db) == before


def test_an_invalid_rule_is_refused_with_its_position_and_reason(db, client, admin):
    group = make_group(client, admin, "Staff")
    before = row_counts(db)

    for target in (group, None):
        status, code, message = error_of(preview(client, admin, target, "user.department -eq"))
        assert status == 400
        assert code == "Request_BadRequest"
        assert message.startswith("Invalid membership rule at position ")
    assert row_counts(db) == before


def test_previews_need_the_admin_permission_and_a_real_group(db, client, admin):
    reader = bearer(db, "Group.Read.All")
    group = make_group(client, admin, "Staff")
    assert preview(client, reader, group, SALES).status_code == 403
    assert preview(client, reader, None, SALES).status_code == 403
    unknown = "00000000-0000-0000-0000-00000000abcd"
    assert preview(client, admin, unknown, SALES).status_code == 404


def test_a_preview_runs_beside_a_writer(db, client, admin):
    """Only reads: it neither waits for the write lock nor takes it."""
    make_user(client, admin, "ann", department="Sales")
    group = make_group(client, admin, "Staff")
    with transaction.writing(db) as writer:
        groups.create(writer, display_name="Held while previewing")
        with db.reading() as session:
            found = rule_preview.preview_rule(
                session, group=lookup.group(session, UUID(group)), rule_text=SALES, batch_size=10
            )
    assert found.joining == 1


def test_a_joiner_where_a_plan_is_not_sold_is_named_with_the_plan(db, client, admin):
    """The calling plan of MCOPSTN1 is not sold in Brazil (as in the demo tenant)."""
    buy(db, sku="MCOPSTN1", units=5)
    with db.reading() as session:
        calling = str(catalog.find_product(session, "MCOPSTN1").sku_id)
    bruno = make_user(client, admin, "bruno", department="Sales", usageLocation="BR")
    joni = make_user(client, admin, "joni", department="Sales", usageLocation="US")
    group = make_group(client, admin, "Phone users")
    body = {"addLicenses": [{"skuId": calling, "disabledPlans": []}], "removeLicenses": []}
    answer = client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=body)
    assert answer.status_code == 202, answer.text

    licensing = preview(client, admin, group, SALES).json()["licensing"]

    [refused] = licensing["examples"]
    assert (refused["userId"], refused["error"]) == (bruno, "ProhibitedInUsageLocationViolation")
    assert refused["servicePlans"]  # the plans not sold there, by name
    save_rule(client, admin, db, group, SALES)
    after = group_rows(db, group, {bruno, joni})
    assert sorted((u, error) for u, _, error in after) == sorted(
        [(bruno, "ProhibitedInUsageLocationViolation"), (joni, None)]
    )


def test_changing_a_dynamic_groups_rule_previews_the_swap(db, client, admin):
    buy(db, units=2)
    sales = [make_user(client, admin, n, department="Sales") for n in ("ann", "ben")]
    hr = [make_user(client, admin, n, department="HR") for n in ("cat", "dan", "eve")]
    group = make_group(client, admin, "Staff")
    add_e3(client, admin, group)
    save_rule(client, admin, db, group, SALES)
    assert members_of(db, group) == set(sales)
    before = row_counts(db)

    body = preview(client, admin, group, 'user.department -eq "HR"').json()

    assert row_counts(db) == before
    assert (body["joining"], body["leaving"]) == (3, 2)
    licensing = body["licensing"]
    # The two seats the Sales people give back go to two of the three: the third waits.
    assert [(o["state"], o["error"], o["users"]) for o in licensing["outcomes"]] == [
        ("Active", None, 2),
        ("Error", "CountViolation", 1),
    ]
    save_rule(client, admin, db, group, 'user.department -eq "HR"')
    assert members_of(db, group) == set(hr)
    after = group_rows(db, group, set(hr) | set(sales))
    assert sorted(u for u, _, error in after if error) == sorted(
        e["userId"] for e in licensing["examples"]
    )
    assert not [u for u, _, _ in after if u in sales]


def test_a_disabled_joiner_is_previewed_without_a_license_as_saving_then_does(db, client, admin):
    buy(db, units=1)
    ann = make_user(client, admin, "ann", department="Sales", accountEnabled=False)
    ben = make_user(client, admin, "ben", department="Sales")
    group = make_group(client, admin, "Staff")
    add_e3(client, admin, group)
    process(db)

    licensing = preview(client, admin, group, SALES).json()["licensing"]

    # Ben alone takes the one seat: nobody waits for it.
    assert [(o["state"], o["error"], o["users"]) for o in licensing["outcomes"]] == [
        ("Active", None, 1)
    ]
    save_rule(client, admin, db, group, SALES)
    assert {user for user, _, _ in group_rows(db, group, {ann, ben})} == {ben}
