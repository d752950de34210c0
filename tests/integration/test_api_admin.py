"""The admin API (catalog, subscriptions, organization, reprocess), tenant reads, OpenAPI."""

from __future__ import annotations

import json

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

from seatplan.services import tokens
from seatplan.services.reports import audit_log
from seatplan.store.tables import AuditEvent

CUSTOM = """
[[plans]]
id = "11111111-2222-3333-4444-555555555555"
name = "SEATPLAN_TEST_PLAN"
friendly_name = "Test plan"

[[products]]
sku_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
sku_part_number = "SEATPLAN_TEST"
display_name = "Seatplan test product"
plans = ["SEATPLAN_TEST_PLAN"]
"""
CUSTOM_SKU = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def test_catalog_list_show_and_import(db, client, admin):
    listed = client.get("/admin/catalog/products?search=enterprisepack", headers=admin).json()
    assert listed[0]["skuPartNumber"] == "ENTERPRISEPACK"
    shown = client.get("/admin/catalog/products/ENTERPRISEPACK", headers=admin).json()
    assert shown["skuId"] == E3
    assert len(shown["servicePlans"]) == listed[0]["servicePlanCount"]

    before = row_counts(db)
    bad = client.post(
        "/admin/catalog/import",
        headers={**admin, "Content-Type": "application/toml"},
        content=CUSTOM.replace('plans = ["SEATPLAN_TEST_PLAN"]', 'plans = ["NOPE_1", "NOPE_2"]'),
    )
    status, code, message = error_of(bad)
    assert (status, code) == (400, "Request_BadRequest")
    assert "NOPE_1" in message
    assert "NOPE_2" in message
    assert row_counts(db) == before

    good = client.post(
        "/admin/catalog/import", headers={**admin, "Content-Type": "text/plain"}, content=CUSTOM
    )
    assert good.status_code == 200, good.text
    assert good.json()["products"] == 1
    shown = client.get("/admin/catalog/products/SEATPLAN_TEST", headers=admin).json()
    assert [p["servicePlanName"] for p in shown["servicePlans"]] == ["SEATPLAN_TEST_PLAN"]


def test_subscriptions_create_change_delete(db, client, admin):
    made = client.post(
        "/admin/subscriptions", headers=admin, json={"sku": "ENTERPRISEPACK", "enabledUnits": 3}
    )
    assert made.status_code == 201, made.text
    sub = made.json()
    assert (sub["skuId"], sub["enabledUnits"]) == (E3, 3)
    skus = client.get("/v1.0/subscribedSkus", headers=admin).json()["value"]
    assert [s["prepaidUnits"]["enabled"] for s in skus] == [3]
    org_id = client.get("/v1.0/organization", headers=admin).json()["value"][0]["id"]
    assert skus[0]["id"] == f"{org_id}_{E3}"
    one = client.get(
        f"/v1.0/subscribedSkus/{org_id}_{E3}?$select=skuId,consumedUnits", headers=admin
    )
    assert one.json() | {"@odata.context": ""} == {
        "@odata.context": "",
        "skuId": E3,
        "consumedUnits": 0,
    }

    changed = client.patch(
        f"/admin/subscriptions/{sub['id']}", headers=admin, json={"enabledUnits": 7}
    )
    assert changed.json()["enabledUnits"] == 7
    second = client.post("/admin/subscriptions", headers=admin, json={"sku": E3, "enabledUnits": 1})
    assert second.status_code == 201
    sku = client.get(f"/v1.0/subscribedSkus/{org_id}_{E3}", headers=admin).json()
    assert sku["prepaidUnits"]["enabled"] == 8
    assert client.delete(f"/admin/subscriptions/{sub['id']}", headers=admin).status_code == 204
    assert [
        s["enabledUnits"] for s in client.get("/admin/subscriptions", headers=admin).json()
    ] == [1]
    assert client.delete(f"/admin/subscriptions/{sub['id']}", headers=admin).status_code == 404


def test_organization_settings_and_group_reprocess(db, client, admin):
    changed = client.patch(
        "/admin/organization",
        headers=admin,
        json={
            "displayName": "Contoso",
            "countryLetterCode": "fr",
            "defaultUsageLocation": "DE",
            "autoOfferSeats": False,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() | {"id": None} == {
        "id": None,
        "displayName": "Contoso",
        "countryLetterCode": "FR",
        "defaultUsageLocation": "DE",
        "autoOfferSeats": False,
        "licenseNestedGroups": False,
    }
    org = client.get("/v1.0/organization", headers=admin).json()
    assert org["value"][0]["displayName"] == "Contoso"
    assert org["@odata.context"].endswith("/v1.0/$metadata#organization")

    buy(db, units=5)
    alice = make_user(client, admin, "alice", usageLocation="US")
    group = make_group(client, admin, "Sales", alice)
    client.post(
        f"/v1.0/groups/{group}/assignLicense", headers=admin, json={"addLicenses": [{"skuId": E3}]}
    )
    process(db)
    again = client.post(f"/admin/groups/{group}/reprocess", headers=admin)
    assert again.status_code == 202
    assert again.json()["licenseProcessingState"] == "QueuedForProcessing"


def test_audit_logs_newest_first_with_filters(db, client, admin):
    make_user(client, admin, "alice")
    make_group(client, admin, "Sales")
    audits = client.get("/v1.0/auditLogs/directoryAudits", headers=admin).json()["value"]
    times = [a["activityDateTime"] for a in audits]
    assert times == sorted(times, reverse=True)
    assert audits[0]["activityDisplayName"] == "Add group"
    only = client.get(
        "/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Add user'", headers=admin
    ).json()["value"]
    assert [a["targetResources"][0]["displayName"] for a in only] == ["alice@contoso.com"]
    later = client.get(
        f"/v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge {times[-2]}", headers=admin
    ).json()["value"]
    assert len(later) == len(times) - 1


def test_audit_names_who_made_each_change(db, client):
    """A token's changes are the token's (an app, as Graph says); processing is the system's."""
    with db.writing() as session:
        _, secret = tokens.create(session, name="provisioning job", scopes=tokens.PERMISSIONS)
    caller = {"Authorization": f"Bearer {secret}"}
    buy(db)
    user = make_user(client, caller, "alice")
    group = make_group(client, caller, "Sales", user)
    assigned = client.post(
        f"/v1.0/groups/{group}/assignLicense",
        headers=caller,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert assigned.status_code == 202, assigned.text
    process(db)

    audits = client.get("/v1.0/auditLogs/directoryAudits", headers=caller).json()["value"]
    by_activity = {a["activityDisplayName"]: a["initiatedBy"] for a in audits}
    for activity in ("Add user", "Add group", "Add member to group", "Set group license"):
        assert by_activity[activity]["app"]["displayName"] == "provisioning job", activity
        assert by_activity[activity]["user"] is None
    finished = by_activity["Finish applying group based license to users"]
    assert finished["app"]["displayName"] == "Group-based licensing"


def test_a_license_change_audits_the_licenses_before_and_after(db, client, admin):
    buy(db)
    group = make_group(client, admin, "Sales")
    client.post(
        f"/v1.0/groups/{group}/assignLicense", headers=admin, json={"addLicenses": [{"skuId": E3}]}
    )
    with db.reading() as session:
        stored = session.scalars(
            select(AuditEvent.modified_properties).where(
                AuditEvent.activity_display_name == "Set group license"
            )
        ).one()
    assert stored == [
        {
            "displayName": "AssignedLicense",
            "oldValue": "[]",
            "newValue": json.dumps([f"[SkuName=ENTERPRISEPACK, SkuId={E3}, DisabledPlans=[]]"]),
        }
    ]


def test_audit_rows_with_empty_placeholders_read_without_them(db, client, admin):
    """Older versions wrote `{}` for the empty side of a license change; readers skip it."""
    added = {"displayName": "AssignedLicense", "oldValue": None, "newValue": "ENTERPRISEPACK"}
    with db.writing() as session:
        session.add(
            AuditEvent(
                activity_display_name="Set group license",
                category="GroupManagement",
                initiated_by={"app": {"appId": None, "displayName": "old"}},
                target_resources=[{"id": "g", "type": "Group", "displayName": "Sales"}],
                modified_properties=[added, {}],
            )
        )
    audits = client.get("/v1.0/auditLogs/directoryAudits", headers=admin).json()["value"]
    assert audits[0]["targetResources"][0]["modifiedProperties"] == [added]
    with db.reading() as session:
        page = audit_log.audit_page(session, activity="Set group license")
    assert [row.modified for row in page.items] == [("AssignedLicense: - → ENTERPRISEPACK",)]


def test_openapi_documents_every_route(client):
    schema = client.get("/openapi.json").json()
    assert "/v1.0/users/{user_id}/licenseDetails" in schema["paths"]
    assert "/admin/catalog/import" in schema["paths"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, f"{method} {path}"
    assert client.get("/docs").status_code == 200


def test_license_details_follow_a_catalog_import(db, client, admin):
    """The hot read's catalog is the one in force: read before an import, it is not kept after."""
    user = make_user(client, admin, "ivy", usageLocation="US")
    buy(db)
    e3 = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}
    assert client.post(f"/v1.0/users/{user}/assignLicense", headers=admin, json=e3).is_success
    before = client.get(f"/v1.0/users/{user}/licenseDetails", headers=admin).json()["value"]
    assert [d["skuPartNumber"] for d in before] == ["ENTERPRISEPACK"]  # the catalog is read
    imported = client.post(
        "/admin/catalog/import", headers={**admin, "Content-Type": "text/plain"}, content=CUSTOM
    )
    assert imported.status_code == 200, imported.text
    buy(db, sku="SEATPLAN_TEST", units=1)
    assigned = client.post(
        f"/v1.0/users/{user}/assignLicense",
        headers=admin,
        json={"addLicenses": [{"skuId": CUSTOM_SKU, "disabledPlans": []}], "removeLicenses": []},
    )
    assert assigned.status_code == 200, assigned.text
    after = client.get(f"/v1.0/users/{user}/licenseDetails", headers=admin).json()["value"]
    [detail] = [d for d in after if d["skuId"] == CUSTOM_SKU]
    assert detail["skuPartNumber"] == "SEATPLAN_TEST"
    assert [p["servicePlanName"] for p in detail["servicePlans"]] == ["SEATPLAN_TEST_PLAN"]
