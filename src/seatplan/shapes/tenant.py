"""Graph's organization, subscribedSku and directoryAudit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from pydantic import with_config
from typing_extensions import TypedDict

from seatplan.catalog import Catalog
from seatplan.services.directory import SkuTotals
from seatplan.shapes.users import ServicePlanStatus, service_plans
from seatplan.shapes.values import EXACT, DateTime, Guid, when
from seatplan.store.tables import AuditEvent, Product
from seatplan.store.tables import Organization as OrganizationRow


@with_config(EXACT)
class Organization(TypedDict):
    id: Guid
    businessPhones: list[str]
    countryLetterCode: str | None
    createdDateTime: DateTime
    displayName: str
    verifiedDomains: list[str]


@with_config(EXACT)
class PrepaidUnits(TypedDict):
    enabled: int
    lockedOut: int
    suspended: int
    warning: int


@with_config(EXACT)
class SubscribedSku(TypedDict):
    """`prepaidUnits` adds up every subscription of the SKU."""

    id: str
    accountId: Guid
    accountName: str
    appliesTo: str
    capabilityStatus: str
    consumedUnits: int
    prepaidUnits: PrepaidUnits
    servicePlans: list[ServicePlanStatus]
    skuId: Guid
    skuPartNumber: str
    subscriptionIds: list[Guid]


@with_config(EXACT)
class ModifiedProperty(TypedDict):
    displayName: str
    oldValue: str | None
    newValue: str | None


@with_config(EXACT)
class TargetResource(TypedDict):
    """`userPrincipalName` on users, `groupType` on groups; null elsewhere, as Graph."""

    id: str | None
    type: str
    displayName: str | None
    userPrincipalName: str | None
    groupType: str | None
    modifiedProperties: list[ModifiedProperty]


@with_config(EXACT)
class KeyValue(TypedDict):
    key: str | None
    value: str | None


@with_config(EXACT)
class AppIdentity(TypedDict):
    appId: str | None
    displayName: str


@with_config(EXACT)
class UserIdentity(TypedDict):
    id: str | None
    displayName: str
    userPrincipalName: str | None


@with_config(EXACT)
class InitiatedBy(TypedDict):
    """An app (an API token, background processing) or a user (a portal or CLI admin)."""

    app: AppIdentity | None
    user: UserIdentity | None


@with_config(EXACT)
class DirectoryAudit(TypedDict):
    id: Guid
    activityDateTime: DateTime
    activityDisplayName: str
    additionalDetails: list[KeyValue]
    category: str
    correlationId: Guid
    initiatedBy: InitiatedBy
    loggedByService: str
    operationType: str
    result: str
    resultReason: str
    targetResources: list[TargetResource]


def organization(org: OrganizationRow) -> Organization:
    return {
        "id": str(org.id),
        "businessPhones": [],
        "countryLetterCode": org.country_letter_code,
        "createdDateTime": when(org.created),
        "displayName": org.display_name,
        "verifiedDomains": [],
    }


def subscribed_sku(
    org: OrganizationRow,
    row: Product,
    totals: SkuTotals,
    catalog: Catalog,
    subscription_ids: Sequence[UUID],
) -> SubscribedSku:
    """`accountId` and `accountName` are the organization's, `subscriptionIds` those of
    the SKU's subscriptions (Seatplan's ids, oldest first)."""
    return {
        "id": f"{org.id}_{row.sku_id}",
        "accountId": str(org.id),
        "accountName": org.display_name,
        "appliesTo": "User",
        "capabilityStatus": "Enabled" if totals.enabled > 0 else "Suspended",
        "consumedUnits": totals.consumed,
        "prepaidUnits": {
            "enabled": totals.enabled,
            "lockedOut": totals.locked_out,
            "suspended": totals.suspended,
            "warning": totals.warning,
        },
        "servicePlans": service_plans(catalog, row.sku_id),
        "skuId": str(row.sku_id),
        "skuPartNumber": row.sku_part_number,
        "subscriptionIds": [str(value) for value in subscription_ids],
    }


def directory_audit(row: AuditEvent) -> DirectoryAudit:
    return {
        "id": str(row.id),
        "activityDateTime": when(row.activity_date_time),
        "activityDisplayName": row.activity_display_name,
        "additionalDetails": [
            {"key": item.get("key"), "value": item.get("value")}
            for item in row.additional_details or []
        ],
        "category": row.category,
        "correlationId": str(row.correlation_id),
        "initiatedBy": _initiated_by(row.initiated_by or {}),
        "loggedByService": row.logged_by_service,
        "operationType": row.operation_type,
        "result": row.result,
        "resultReason": row.result_reason,
        "targetResources": [
            _target(target, row.modified_properties if index == 0 else [])
            for index, target in enumerate(row.target_resources)
        ],
    }


def _initiated_by(stored: dict[str, Any]) -> InitiatedBy:
    """As `audit.Actor.initiated_by` stored it."""
    app, user = stored.get("app"), stored.get("user")
    return {
        "app": None
        if app is None
        else {"appId": app.get("appId"), "displayName": app["displayName"]},
        "user": None
        if user is None
        else {
            "id": user.get("id"),
            "displayName": user["displayName"],
            "userPrincipalName": user.get("userPrincipalName"),
        },
    }


def _target(stored: dict[str, Any], modified: list[dict[str, Any]]) -> TargetResource:
    """As `audit.target` stored it; the event's changed properties go to its first target."""
    return {
        "id": stored.get("id"),
        "type": stored["type"],
        "displayName": stored.get("displayName"),
        "userPrincipalName": stored.get("userPrincipalName"),
        "groupType": stored.get("groupType"),
        "modifiedProperties": [
            {
                "displayName": p["displayName"],
                "oldValue": p.get("oldValue"),
                "newValue": p.get("newValue"),
            }
            for p in modified
            if p
        ],
    }
