"""Graph's JSON shapes of users, groups, licenses, SKUs, the organization and audit events.

Each function returns every property Seatplan knows; `project` keeps what `$select` asks
for, or Graph's default set when it asks for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from seatplan.catalog import Catalog
from seatplan.services.directory import (
    AssignmentRow,
    EffectiveLicense,
    SkuTotals,
    UserRow,
    effective_licenses,
)
from seatplan.store.tables import AuditEvent, Group, GroupLicense, Organization, Product

Json = dict[str, Any]

#: What Graph returns without `$select`.
USER_DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
GROUP_DEFAULT = (
    "id",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
)


def when(value: datetime | None) -> str | None:
    """Graph's datetime: UTC, ISO 8601 with a Z."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def project(item: Json, select: Sequence[str] | None, default: Sequence[str]) -> Json:
    keys = select if select is not None else default
    return {key: item[key] for key in keys if key in item}


def guids(values: Iterable[UUID]) -> list[str]:
    return sorted(str(value) for value in values)


def assigned_license(item: EffectiveLicense | GroupLicense) -> Json:
    return {"disabledPlans": guids(item.disabled_plans), "skuId": str(item.sku_id)}


def license_state(row: AssignmentRow) -> Json:
    return {
        "assignedByGroup": None if row.source_id is None else str(row.source_id),
        "disabledPlans": guids(row.disabled_plans),
        "error": row.error or "None",
        "lastUpdatedDateTime": when(row.updated),
        "skuId": str(row.sku_id),
        "state": row.state,
    }


def user(row: UserRow, licenses: Sequence[AssignmentRow] | None = None) -> Json:
    item: Json = {
        "id": str(row.id),
        "businessPhones": [],
        "displayName": row.display_name,
        "givenName": None,
        "jobTitle": row.job_title,
        "mail": None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": None,
        "userPrincipalName": row.user_principal_name,
        "accountEnabled": row.account_enabled,
        "department": row.department,
        "usageLocation": row.usage_location,
        "createdDateTime": when(row.created),
    }
    if licenses is not None:
        item["assignedLicenses"] = [assigned_license(x) for x in effective_licenses(licenses)]
        item["licenseAssignmentStates"] = [license_state(x) for x in licenses]
    return item


def group(row: Group, licenses: Sequence[GroupLicense] | None = None) -> Json:
    item: Json = {
        "id": str(row.id),
        "createdDateTime": when(row.created),
        "description": row.description,
        "displayName": row.display_name,
        "groupTypes": [],
        "mail": None,
        "mailEnabled": row.mail_enabled,
        "mailNickname": None,
        "securityEnabled": row.security_enabled,
        "licenseProcessingState": {"state": row.processing_state},
    }
    if licenses is not None:
        item["assignedLicenses"] = [assigned_license(x) for x in licenses]
    return item


def license_detail(user_id: UUID, item: EffectiveLicense, catalog: Catalog) -> Json:
    product = catalog.product(item.sku_id)
    return {
        "id": f"{user_id}_{item.sku_id}",
        "skuId": str(item.sku_id),
        "skuPartNumber": product.sku_part_number if product else str(item.sku_id),
        "servicePlans": _service_plans.of(catalog, item),
    }


class _ServicePlans:
    """licenseDetails' `servicePlans` per product and disabled plans, built once.

    Every user with a product in the same configuration shows the same list, and building
    it (a dict and two GUID strings per plan) was a fifth of a `licenseDetails` request.
    The lists are shared between answers: never change one.
    """

    _LIMIT = 4096

    def __init__(self) -> None:
        # One tuple, replaced whole, so that a thread never pairs a new catalog with the
        # lists of the previous one.
        self._state: tuple[Catalog | None, dict[EffectiveLicense, list[Json]]] = (None, {})

    def of(self, catalog: Catalog, item: EffectiveLicense) -> list[Json]:
        seen, lists = self._state
        if seen is not catalog or len(lists) >= self._LIMIT:
            lists = {}
            self._state = (catalog, lists)
        found = lists.get(item)
        if found is None:
            found = lists[item] = _build_service_plans(catalog, item)
        return found


def _build_service_plans(catalog: Catalog, item: EffectiveLicense) -> list[Json]:
    product = catalog.product(item.sku_id)
    plans = []
    for plan_id in product.plan_ids if product else ():
        plan = catalog.plan(plan_id)
        plans.append(
            {
                "appliesTo": "User",
                "provisioningStatus": "Disabled" if plan_id in item.disabled_plans else "Success",
                "servicePlanId": str(plan_id),
                "servicePlanName": plan.name if plan else str(plan_id),
            }
        )
    return plans


_service_plans = _ServicePlans()


def subscribed_sku(org_id: UUID, row: Product, totals: SkuTotals, catalog: Catalog) -> Json:
    product = catalog.product(row.sku_id)
    plans = [
        {
            "appliesTo": "User",
            "provisioningStatus": "Success",
            "servicePlanId": str(plan_id),
            "servicePlanName": plan.name if (plan := catalog.plan(plan_id)) else str(plan_id),
        }
        for plan_id in (product.plan_ids if product else ())
    ]
    return {
        "id": f"{org_id}_{row.sku_id}",
        "accountId": str(org_id),
        "appliesTo": "User",
        "capabilityStatus": "Enabled" if totals.enabled > 0 else "Suspended",
        "consumedUnits": totals.consumed,
        "prepaidUnits": {
            "enabled": totals.enabled,
            "lockedOut": totals.locked_out,
            "suspended": totals.suspended,
            "warning": totals.warning,
        },
        "servicePlans": plans,
        "skuId": str(row.sku_id),
        "skuPartNumber": row.sku_part_number,
    }


def organization(org: Organization) -> Json:
    return {
        "id": str(org.id),
        "businessPhones": [],
        "countryLetterCode": org.country_letter_code,
        "createdDateTime": when(org.created),
        "displayName": org.display_name,
        "verifiedDomains": [],
    }


def directory_audit(row: AuditEvent) -> Json:
    targets = [dict(target) for target in row.target_resources]
    for index, target in enumerate(targets):
        target.setdefault("userPrincipalName", None)
        target["modifiedProperties"] = list(row.modified_properties) if index == 0 else []
        target["modifiedProperties"] = [p for p in target["modifiedProperties"] if p]
    initiated = row.initiated_by or {}
    return {
        "id": str(row.id),
        "activityDateTime": when(row.activity_date_time),
        "activityDisplayName": row.activity_display_name,
        "additionalDetails": [],
        "category": row.category,
        "correlationId": str(row.id),
        "initiatedBy": {"app": initiated.get("app"), "user": initiated.get("user")},
        "loggedByService": "Core Directory",
        "operationType": _operation(row.activity_display_name),
        "result": row.result,
        "resultReason": row.result_reason,
        "targetResources": targets,
    }


def _operation(activity: str) -> str:
    first = activity.split(" ", 1)[0].lower()
    return {"add": "Add", "delete": "Delete", "remove": "Delete"}.get(first, "Update")
