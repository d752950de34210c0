"""Every route's answer is exactly what /openapi.json documents (generated from the
shapes of `seatplan.shapes`): no property more, none missing that is required, every
value of the declared type and format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs
import pytest
from tests.integration.api_support import E3, buy, make_group, make_user, process
from webhook_receiver import Receiver

from seatplan.settings import get_settings

SIMULATE = {"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []}
CATALOG = """
[[plans]]
id = "11111111-2222-3333-4444-555555555555"
name = "SEATPLAN_DOC_PLAN"
friendly_name = "Doc plan"

[[products]]
sku_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
sku_part_number = "SEATPLAN_DOC"
display_name = "Seatplan documented product"
plans = ["SEATPLAN_DOC_PLAN"]
"""
#: A public address (no name to resolve): accepted without SEATPLAN_WEBHOOK_ALLOW_PRIVATE.
WEBHOOK = "https://93.184.215.14/seatplan"
USER_PROPERTIES = (
    "id,userPrincipalName,displayName,usageLocation,accountEnabled,department,jobTitle,"
    "assignedLicenses,licenseAssignmentStates,givenName,surname,mail,mailNickname,otherMails,"
    "proxyAddresses,businessPhones,mobilePhone,companyName,officeLocation,city,state,country,"
    "postalCode,streetAddress,employeeId,employeeType,userType,preferredLanguage,"
    "createdDateTime,onPremisesExtensionAttributes,onPremisesSyncEnabled,"
    "onPremisesImmutableId,signInActivity"
)
GROUP_PROPERTIES = (
    "id,displayName,description,securityEnabled,mailEnabled,assignedLicenses,licenseProcessingState,"
    "mail,mailNickname,groupTypes,createdDateTime,visibility"
)


def documented(document: dict[str, Any], method: str, template: str) -> tuple[int, Any]:
    """The success status the document gives the route, and a validator of its answer."""
    operation = document["paths"][template][method.lower()]
    [status] = [code for code in operation["responses"] if code.startswith("2")]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator(
        {**schema, "components": document["components"]}, validate_formats=True
    )
    return int(status), validator


def json_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    """Every documented route that answers JSON on success."""
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any(
            code.startswith("2") and "application/json" in answer.get("content", {})
            for code, answer in operation["responses"].items()
        )
    }


@pytest.fixture
def tenant(db, client, admin) -> dict[str, str]:
    buy(db, units=5)
    alice = make_user(client, admin, "alice", usageLocation="US", jobTitle="Analyst")
    bob = make_user(client, admin, "bob")
    group = make_group(client, admin, "Sales", alice, bob)
    nested = make_group(client, admin, "Sales EMEA", bob)
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/groups/{nested}"}
    client.post(f"/v1.0/groups/{group}/members/$ref", headers=admin, json=ref)
    client.post(f"/v1.0/groups/{group}/assignLicense", headers=admin, json=SIMULATE)
    process(db)
    org = client.get("/v1.0/organization", headers=admin).json()["value"][0]["id"]
    subscription = client.get("/admin/subscriptions", headers=admin).json()[0]["id"]
    return {
        "alice": alice,
        "bob": bob,
        "group": group,
        "nested": nested,
        "sku": f"{org}_{E3}",
        "subscription": subscription,
    }


def test_every_answer_has_its_documented_shape(client, admin, tenant, monkeypatch):
    monkeypatch.setenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", "true")  # the receiver is local
    get_settings.cache_clear()
    receiver = Receiver()
    document = client.get("/openapi.json").json()
    alice, group, nested = tenant["alice"], tenant["group"], tenant["nested"]
    hook = client.post("/admin/webhooks", headers=admin, json={"url": WEBHOOK, "events": ["*"]})
    hooks = f"/admin/webhooks/{hook.json()['id']}"
    watch = {
        "changeType": "updated",
        "notificationUrl": receiver.url(),
        "resource": "users",
        "expirationDateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    expires = watch["expirationDateTime"]
    watched = client.post("/v1.0/subscriptions", headers=admin, json=watch).json()["id"]
    audits = client.get("/v1.0/auditLogs/directoryAudits?$top=1", headers=admin).json()
    audit = audits["value"][0]["id"]
    sent = client.post(f"{hooks}/test", headers=admin).json()["id"]
    calls: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", "/v1.0/organization", "/v1.0/organization", {}),
        ("GET", "/v1.0/subscribedSkus", "/v1.0/subscribedSkus", {}),
        (
            "GET",
            "/v1.0/subscribedSkus/{sku_id}",
            f"/v1.0/subscribedSkus/{tenant['sku']}",
            {},
        ),
        ("GET", "/v1.0/users", f"/v1.0/users?$select={USER_PROPERTIES}&$count=true&$top=1", {}),
        ("GET", "/v1.0/users/{user_id}", f"/v1.0/users/{alice}", {}),
        ("GET", "/v1.0/users/{user_id}", f"/v1.0/users/{alice}?$select={USER_PROPERTIES}", {}),
        ("GET", "/v1.0/users/{user_id}/licenseDetails", f"/v1.0/users/{alice}/licenseDetails", {}),
        (
            "GET",
            "/v1.0/users/{user_id}/licenseDetails/{detail_id}",
            f"/v1.0/users/{alice}/licenseDetails/{alice}_{E3}",
            {},
        ),
        ("GET", "/v1.0/users/{user_id}/memberOf", f"/v1.0/users/{alice}/memberOf", {}),
        ("GET", "/v1.0/users/delta", f"/v1.0/users/delta?$select={USER_PROPERTIES}", {}),
        ("GET", "/v1.0/groups", f"/v1.0/groups?$select={GROUP_PROPERTIES}", {}),
        ("GET", "/v1.0/groups/delta", "/v1.0/groups/delta", {}),
        ("GET", "/v1.0/groups/{group_id}", f"/v1.0/groups/{group}", {}),
        ("GET", "/v1.0/groups/{group_id}", f"/v1.0/groups/{group}?$expand=members", {}),
        ("GET", "/v1.0/groups", f"/v1.0/groups?$expand=members($select={USER_PROPERTIES})", {}),
        ("GET", "/v1.0/users", f"/v1.0/users?$expand=memberOf($select={GROUP_PROPERTIES})", {}),
        ("GET", "/v1.0/users/{user_id}", f"/v1.0/users/{alice}?$expand=memberOf", {}),
        ("GET", "/v1.0/groups/{group_id}/members", f"/v1.0/groups/{group}/members", {}),
        (
            "GET",
            "/v1.0/groups/{group_id}/members/microsoft.graph.user",
            f"/v1.0/groups/{group}/members/microsoft.graph.user?$select={USER_PROPERTIES}",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/members/microsoft.graph.group",
            f"/v1.0/groups/{group}/members/microsoft.graph.group",
            {},
        ),
        (
            "GET",
            "/v1.0/users/{user_id}/memberOf/microsoft.graph.group",
            f"/v1.0/users/{alice}/memberOf/microsoft.graph.group",
            {},
        ),
        ("GET", "/v1.0/groups/{group_id}/memberOf", f"/v1.0/groups/{nested}/memberOf", {}),
        (
            "GET",
            "/v1.0/groups/{group_id}/memberOf/microsoft.graph.group",
            f"/v1.0/groups/{nested}/memberOf/microsoft.graph.group?$select={GROUP_PROPERTIES}",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/transitiveMemberOf",
            f"/v1.0/groups/{nested}/transitiveMemberOf",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/transitiveMemberOf/microsoft.graph.group",
            f"/v1.0/groups/{nested}/transitiveMemberOf/microsoft.graph.group",
            {},
        ),
        (
            "GET",
            "/v1.0/users/{user_id}/transitiveMemberOf",
            f"/v1.0/users/{tenant['bob']}/transitiveMemberOf?$select={GROUP_PROPERTIES}",
            {},
        ),
        (
            "GET",
            "/v1.0/users/{user_id}/transitiveMemberOf/microsoft.graph.group",
            f"/v1.0/users/{tenant['bob']}/transitiveMemberOf/microsoft.graph.group",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/transitiveMembers",
            f"/v1.0/groups/{group}/transitiveMembers",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/transitiveMembers/microsoft.graph.user",
            f"/v1.0/groups/{group}/transitiveMembers/microsoft.graph.user",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/transitiveMembers/microsoft.graph.group",
            f"/v1.0/groups/{group}/transitiveMembers/microsoft.graph.group",
            {},
        ),
        (
            "GET",
            "/v1.0/groups/{group_id}/membersWithLicenseErrors",
            f"/v1.0/groups/{group}/membersWithLicenseErrors?$select={USER_PROPERTIES}",
            {},
        ),
        ("GET", "/v1.0/auditLogs/directoryAudits", "/v1.0/auditLogs/directoryAudits", {}),
        (
            "GET",
            "/v1.0/auditLogs/directoryAudits/{audit_id}",
            f"/v1.0/auditLogs/directoryAudits/{audit}",
            {},
        ),
        (
            "GET",
            "/v1.0/auditLogs/directoryAudits/{audit_id}",
            f"/v1.0/auditLogs/directoryAudits/{audit}?$select=id,correlationId,targetResources",
            {},
        ),
        (
            "POST",
            "/v1.0/$batch",
            "/v1.0/$batch",
            {
                "json": {
                    "requests": [
                        {"id": "1", "method": "GET", "url": f"/users/{alice}"},
                        {"id": "2", "method": "DELETE", "url": "/groups/nothing"},
                    ]
                }
            },
        ),
        (
            "POST",
            "/v1.0/users",
            "/v1.0/users",
            {"json": {"userPrincipalName": "carol@contoso.com", "displayName": "Carol"}},
        ),
        (
            "POST",
            "/v1.0/users/{user_id}/assignLicense",
            f"/v1.0/users/{tenant['bob']}/assignLicense",
            {"json": {"addLicenses": [], "removeLicenses": []}},
        ),
        (
            "POST",
            "/v1.0/users/{user_id}/reprocessLicenseAssignment",
            f"/v1.0/users/{alice}/reprocessLicenseAssignment",
            {},
        ),
        (
            "POST",
            "/v1.0/groups",
            "/v1.0/groups",
            {"json": {"displayName": "New", "mailEnabled": False, "securityEnabled": True}},
        ),
        (
            "POST",
            "/v1.0/groups/{group_id}/assignLicense",
            f"/v1.0/groups/{group}/assignLicense",
            {"json": SIMULATE},
        ),
        ("GET", "/admin/catalog/products", "/admin/catalog/products?search=office", {}),
        ("GET", "/admin/catalog/products/{sku}", "/admin/catalog/products/ENTERPRISEPACK", {}),
        (
            "POST",
            "/admin/catalog/import",
            "/admin/catalog/import",
            {"content": CATALOG, "headers": {"Content-Type": "text/plain"}},
        ),
        ("GET", "/admin/subscriptions", "/admin/subscriptions", {}),
        (
            "POST",
            "/admin/subscriptions",
            "/admin/subscriptions",
            {"json": {"sku": "EMS", "enabledUnits": 2}},
        ),
        (
            "PATCH",
            "/admin/subscriptions/{subscription_id}",
            f"/admin/subscriptions/{tenant['subscription']}",
            {"json": {"enabledUnits": 6}},
        ),
        ("GET", "/admin/organization", "/admin/organization", {}),
        ("PATCH", "/admin/organization", "/admin/organization", {"json": {"displayName": "C"}}),
        (
            "POST",
            "/admin/groups/{group_id}/reprocess",
            f"/admin/groups/{group}/reprocess",
            {},
        ),
        (
            "POST",
            "/admin/groups/{group_id}/simulateAssignLicense",
            f"/admin/groups/{group}/simulateAssignLicense",
            {"json": {"addLicenses": [], "removeLicenses": [E3]}},
        ),
        (
            "POST",
            "/admin/groups/{group_id}/membershipRule/preview",
            f"/admin/groups/{group}/membershipRule/preview",
            {"json": {"membershipRule": 'user.department -ne "Sales"'}},
        ),
        (
            "POST",
            "/admin/membershipRule/preview",
            "/admin/membershipRule/preview",
            {"json": {"membershipRule": 'user.department -eq "Sales"'}},
        ),
        ("GET", "/admin/tokens", "/admin/tokens", {}),
        (
            "POST",
            "/admin/tokens",
            "/admin/tokens",
            {"json": {"name": "ci", "scopes": ["User.Read.All"]}},
        ),
        ("GET", "/admin/webhooks", "/admin/webhooks", {}),
        (
            "POST",
            "/admin/webhooks",
            "/admin/webhooks",
            {"json": {"url": WEBHOOK, "events": ["license.error"], "format": "teams"}},
        ),
        ("GET", "/admin/webhooks/{endpoint_id}", hooks, {}),
        ("PATCH", "/admin/webhooks/{endpoint_id}", hooks, {"json": {"sku": "EMS"}}),
        ("POST", "/admin/webhooks/{endpoint_id}/rotateSecret", f"{hooks}/rotateSecret", {}),
        ("GET", "/admin/webhooks/{endpoint_id}/deliveries", f"{hooks}/deliveries", {}),
        ("POST", "/admin/webhooks/{endpoint_id}/test", f"{hooks}/test", {}),
        (
            "POST",
            "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
            f"{hooks}/deliveries/{sent}/redeliver",
            {},
        ),
        ("PUT", "/admin/seatAlerts/{sku}", "/admin/seatAlerts/EMS", {"json": {"below": 3}}),
        ("GET", "/admin/seatAlerts", "/admin/seatAlerts", {}),
        ("POST", "/v1.0/subscriptions", "/v1.0/subscriptions", {"json": watch}),
        ("GET", "/v1.0/subscriptions", "/v1.0/subscriptions", {}),
        ("GET", "/v1.0/subscriptions/{subscription_id}", f"/v1.0/subscriptions/{watched}", {}),
        (
            "PATCH",
            "/v1.0/subscriptions/{subscription_id}",
            f"/v1.0/subscriptions/{watched}",
            {"json": {"expirationDateTime": expires}},
        ),
    ]
    for method, template, path, options in calls:
        headers = {**admin, **options.pop("headers", {})}
        answer = client.request(method, path, headers=headers, **options)
        status, validator = documented(document, method, template)
        assert answer.status_code == status, f"{method} {path}: {answer.text}"
        validator.validate(answer.json())
    assert json_routes(document) == {(method, template) for method, template, _, _ in calls}
    receiver.close()
    get_settings.cache_clear()


def test_a_property_the_documentation_does_not_name_is_refused(client, admin, tenant):
    document = client.get("/openapi.json").json()
    _, validator = documented(document, "GET", "/v1.0/users/{user_id}")
    user = client.get(f"/v1.0/users/{tenant['alice']}", headers=admin).json()
    validator.validate(user)
    assert not validator.is_valid({**user, "undocumented": 1})
    assert not validator.is_valid({**user, "id": 1})
    _, validator = documented(document, "GET", "/admin/tokens")
    [token] = client.get("/admin/tokens", headers=admin).json()
    validator.validate([token])
    assert not validator.is_valid([{key: v for key, v in token.items() if key != "name"}])
