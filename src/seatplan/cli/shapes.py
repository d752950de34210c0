"""JSON shapes of the reports: camelCase keys, Graph's names where Graph has one."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic.alias_generators import to_camel

from seatplan.processing.simulation import Simulation
from seatplan.services import reports
from seatplan.services.subscriptions import SkuSummary
from seatplan.store.tables import Organization

Json = dict[str, Any]


def group_ref(ref: reports.GroupRef | None) -> Json | None:
    return None if ref is None else {"id": ref.id, "displayName": ref.display_name}


def organization(org: Organization) -> Json:
    return {
        "id": org.id,
        "displayName": org.display_name,
        "countryLetterCode": org.country_letter_code,
        "defaultUsageLocation": org.default_usage_location,
        "autoOfferSeats": org.auto_offer_seats,
    }


def sku(item: SkuSummary) -> Json:
    return {
        "skuId": item.sku_id,
        "skuPartNumber": item.sku_part_number,
        "displayName": item.display_name,
        "consumedUnits": item.consumed_units,
        "prepaidUnits": {"enabled": item.enabled_units},
        "availableUnits": item.available,
    }


def license_state(view: reports.LicenseView) -> Json:
    """Graph's licenseAssignmentState, plus names for people."""
    return {
        "skuId": view.sku_id,
        "skuPartNumber": view.sku_part_number,
        "assignedByGroup": None if view.group is None else view.group.id,
        "source": view.source,
        "state": view.state,
        "error": view.error or "None",
        "disabledPlans": sorted(map(str, view.disabled_plans)),
        "disabledPlanNames": list(view.disabled_plan_names),
        "enabledPlanNames": list(view.enabled_plan_names),
        "lastUpdatedDateTime": view.updated,
    }


def user_summary(item: reports.UserSummary) -> Json:
    return {
        "id": item.id,
        "userPrincipalName": item.user_principal_name,
        "displayName": item.display_name,
        "usageLocation": item.usage_location,
        "accountEnabled": item.account_enabled,
        "products": list(item.products),
        "licenseErrors": item.errors,
    }


def user_detail(item: reports.UserDetail) -> Json:
    return {
        "id": item.id,
        "userPrincipalName": item.user_principal_name,
        "displayName": item.display_name,
        "usageLocation": item.usage_location,
        "effectiveUsageLocation": item.effective_usage_location,
        "accountEnabled": item.account_enabled,
        "department": item.department,
        "jobTitle": item.job_title,
        "createdDateTime": item.created,
        "licenseAssignmentStates": [license_state(v) for v in item.licenses],
        "memberOf": [group_ref(g) for g in item.groups],
    }


def group(item: reports.GroupSummary) -> Json:
    return {
        "id": item.id,
        "displayName": item.display_name,
        "description": item.description,
        "securityEnabled": item.security_enabled,
        "mailEnabled": item.mail_enabled,
        "assignedLicenses": [
            {
                "skuId": p.sku_id,
                "skuPartNumber": p.sku_part_number,
                "disabledPlans": sorted(map(str, p.disabled_plans)),
                "disabledPlanNames": list(p.disabled_plan_names),
            }
            for p in item.products
        ],
        "licenseProcessingState": {"state": item.processing_state},
        "memberCount": item.member_count,
        "membersWithLicenseErrorsCount": item.users_in_error,
    }


def assignment_error(item: reports.AssignmentError) -> Json:
    help_ = item.help
    return {
        "id": item.user_id,
        "userPrincipalName": item.user_principal_name,
        "displayName": item.display_name,
        "skuId": item.sku_id,
        "skuPartNumber": item.sku_part_number,
        "assignedByGroup": group_ref(item.group),
        "isMember": item.is_member,
        "state": item.state,
        "error": item.error,
        "explanation": help_.explanation if help_ else None,
        "fixes": list(help_.fixes) if help_ else [],
    }


def simulation(item: Simulation) -> Json:
    """The admin API's simulateAssignLicense answer: the same fields, camelCased the same."""
    shaped: Json = _camel(dataclasses.asdict(item))
    return shaped


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {to_camel(key): _camel(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_camel(item) for item in value]
    return value
