"""Graph's user, its licenseAssignmentStates, assignedLicenses and licenseDetails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast
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


#: onPremisesExtensionAttributes' keys, in Graph's order.
EXTENSION_ATTRIBUTES = tuple(f"extensionAttribute{n}" for n in range(1, 16))


@with_config(EXACT)
class OnPremisesExtensionAttributes(TypedDict):
    extensionAttribute1: str | None
    extensionAttribute2: str | None
    extensionAttribute3: str | None
    extensionAttribute4: str | None
    extensionAttribute5: str | None
    extensionAttribute6: str | None
    extensionAttribute7: str | None
    extensionAttribute8: str | None
    extensionAttribute9: str | None
    extensionAttribute10: str | None
    extensionAttribute11: str | None
    extensionAttribute12: str | None
    extensionAttribute13: str | None
    extensionAttribute14: str | None
    extensionAttribute15: str | None


@with_config(EXACT)
class SignInActivity(TypedDict):
    lastSignInDateTime: DateTime | None
    lastSignInRequestId: str | None
    lastNonInteractiveSignInDateTime: DateTime | None
    lastNonInteractiveSignInRequestId: str | None
    lastSuccessfulSignInDateTime: DateTime | None
    lastSuccessfulSignInRequestId: str | None


@with_config(EXACT)
class User(TypedDict):
    """Every property Seatplan knows of a user; Graph's others are not offered."""

    id: Guid
    businessPhones: list[str]
    displayName: str
    givenName: str | None
    jobTitle: str | None
    mail: str | None
    mobilePhone: str | None
    officeLocation: str | None
    preferredLanguage: str | None
    surname: str | None
    userPrincipalName: str
    accountEnabled: bool
    city: str | None
    companyName: str | None
    country: str | None
    createdDateTime: DateTime
    department: str | None
    employeeId: str | None
    employeeType: str | None
    mailNickname: str | None
    onPremisesExtensionAttributes: OnPremisesExtensionAttributes
    onPremisesImmutableId: str | None
    onPremisesSyncEnabled: bool | None
    otherMails: list[str]
    postalCode: str | None
    proxyAddresses: list[str]
    state: str | None
    streetAddress: str | None
    usageLocation: str | None
    userType: str
    #: Seatplan records no sign-in of a user: always null (with AuditLog.Read.All only).
    signInActivity: SignInActivity | None
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
        "businessPhones": list(row.business_phones),
        "displayName": row.display_name,
        "givenName": row.given_name,
        "jobTitle": row.job_title,
        "mail": row.mail,
        "mobilePhone": row.mobile_phone,
        "officeLocation": row.office_location,
        "preferredLanguage": row.preferred_language,
        "surname": row.surname,
        "userPrincipalName": row.user_principal_name,
        "accountEnabled": row.account_enabled,
        "city": row.city,
        "companyName": row.company_name,
        "country": row.country,
        "createdDateTime": when(row.created),
        "department": row.department,
        "employeeId": row.employee_id,
        "employeeType": row.employee_type,
        "mailNickname": row.mail_nickname,
        "onPremisesExtensionAttributes": extension_attributes(row.extension_attributes),
        "onPremisesImmutableId": row.on_premises_immutable_id,
        "onPremisesSyncEnabled": row.on_premises_sync_enabled,
        "otherMails": list(row.other_mails),
        "postalCode": row.postal_code,
        "proxyAddresses": list(row.proxy_addresses),
        "state": row.state,
        "streetAddress": row.street_address,
        "usageLocation": row.usage_location,
        "userType": row.user_type,
        "signInActivity": None,
    }
    if licenses is not None:
        item["assignedLicenses"] = [assigned_license(x) for x in effective_licenses(licenses)]
        item["licenseAssignmentStates"] = [_state_of(x) for x in licenses]
    return item


def extension_attributes(stored: Mapping[str, Any] | None) -> OnPremisesExtensionAttributes:
    """All 15, null when not set (only the set ones are stored)."""
    stored = stored or {}
    return cast(
        OnPremisesExtensionAttributes, {key: stored.get(key) for key in EXTENSION_ATTRIBUTES}
    )


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
