"""Graph's user, its licenseAssignmentStates, assignedLicenses and licenseDetails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pydantic import with_config
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 - pydantic needs these on 3.11

from seatplan.catalog import Catalog
from seatplan.services.directory import (
    AssignmentRecord,
    EffectiveLicense,
    UserRecord,
    effective_licenses,
)
from seatplan.shapes.values import EXACT, DateTime, Guid, guids, when
from seatplan.store.tables import GroupLicense

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


@with_config(EXACT)
class AssignedLicense(TypedDict):
    disabledPlans: list[Guid]
    skuId: Guid


@with_config(EXACT)
class LicenseAssignmentState(TypedDict):
    """One per SKU and source; `assignedByGroup` is null for a direct assignment."""

    assignedByGroup: Guid | None
    disabledPlans: list[Guid]
    error: str
    lastUpdatedDateTime: DateTime
    skuId: Guid
    state: str


@with_config(EXACT)
class User(TypedDict):
    """Every property Seatplan knows of a user (Graph's others are always empty)."""

    id: Guid
    businessPhones: list[str]
    displayName: str
    givenName: None
    jobTitle: str | None
    mail: None
    mobilePhone: None
    officeLocation: None
    preferredLanguage: None
    surname: None
    userPrincipalName: str
    accountEnabled: bool
    department: str | None
    usageLocation: str | None
    #: With `$select` only (they cost a query).
    assignedLicenses: NotRequired[list[AssignedLicense]]
    licenseAssignmentStates: NotRequired[list[LicenseAssignmentState]]


@with_config(EXACT)
class ServicePlanStatus(TypedDict):
    appliesTo: str
    provisioningStatus: str
    servicePlanId: Guid
    servicePlanName: str


@with_config(EXACT)
class LicenseDetail(TypedDict):
    id: str
    skuId: Guid
    skuPartNumber: str
    servicePlans: list[ServicePlanStatus]


def assigned_license(item: EffectiveLicense | GroupLicense) -> AssignedLicense:
    return {"disabledPlans": guids(item.disabled_plans), "skuId": str(item.sku_id)}


def license_state(
    *,
    sku_id: UUID,
    group_id: UUID | None,
    disabled_plans: frozenset[UUID],
    state: str,
    error: str | None,
    updated: datetime,
) -> LicenseAssignmentState:
    """Graph's licenseAssignmentState (the command line's adds names to it)."""
    return {
        "assignedByGroup": None if group_id is None else str(group_id),
        "disabledPlans": guids(disabled_plans),
        "error": error or "None",
        "lastUpdatedDateTime": when(updated),
        "skuId": str(sku_id),
        "state": state,
    }


def _state_of(row: AssignmentRecord) -> LicenseAssignmentState:
    return license_state(
        sku_id=row.sku_id,
        group_id=row.source_id,
        disabled_plans=row.disabled_plans,
        state=row.state,
        error=row.error,
        updated=row.updated,
    )


def user(row: UserRecord, licenses: Sequence[AssignmentRecord] | None = None) -> User:
    """Every property; `licenses` (all of the user's assignments) adds the license ones."""
    item: User = {
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
    }
    if licenses is not None:
        item["assignedLicenses"] = [assigned_license(x) for x in effective_licenses(licenses)]
        item["licenseAssignmentStates"] = [_state_of(x) for x in licenses]
    return item


def license_detail(user_id: UUID, item: EffectiveLicense, catalog: Catalog) -> LicenseDetail:
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
        self._state: tuple[Catalog | None, dict[EffectiveLicense, list[ServicePlanStatus]]] = (
            None,
            {},
        )

    def of(self, catalog: Catalog, item: EffectiveLicense) -> list[ServicePlanStatus]:
        seen, lists = self._state
        if seen is not catalog or len(lists) >= self._LIMIT:
            lists = {}
            self._state = (catalog, lists)
        found = lists.get(item)
        if found is None:
            found = lists[item] = service_plans(catalog, item.sku_id, item.disabled_plans)
        return found


def service_plans(
    catalog: Catalog, sku_id: UUID, disabled: frozenset[UUID] = frozenset()
) -> list[ServicePlanStatus]:
    """A product's plans, `Disabled` when in `disabled` (subscribedSkus: none is)."""
    product = catalog.product(sku_id)
    plans: list[ServicePlanStatus] = []
    for plan_id in product.plan_ids if product else ():
        plan = catalog.plan(plan_id)
        plans.append(
            {
                "appliesTo": "User",
                "provisioningStatus": "Disabled" if plan_id in disabled else "Success",
                "servicePlanId": str(plan_id),
                "servicePlanName": plan.name if plan else str(plan_id),
            }
        )
    return plans


_service_plans = _ServicePlans()
