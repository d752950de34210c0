"""The command line's reports: camelCase keys, Graph's names and shapes where Graph has one."""

from __future__ import annotations

from pydantic import with_config
from typing_extensions import TypedDict

from seatplan.services import reports
from seatplan.services.subscriptions import SkuSummary
from seatplan.shapes.groups import LicenseProcessingState
from seatplan.shapes.users import LicenseAssignmentState, license_state
from seatplan.shapes.values import EXACT, DateTime, Guid, guids, maybe_when, when


@with_config(EXACT)
class GroupRef(TypedDict):
    id: Guid
    displayName: str


@with_config(EXACT)
class PrepaidUnits(TypedDict):
    enabled: int


@with_config(EXACT)
class SkuSeats(TypedDict):
    skuId: Guid
    skuPartNumber: str
    displayName: str
    consumedUnits: int
    prepaidUnits: PrepaidUnits
    availableUnits: int


@with_config(EXACT)
class NamedLicenseState(LicenseAssignmentState):
    """Graph's licenseAssignmentState, plus names for people."""

    skuPartNumber: str
    source: str
    disabledPlanNames: list[str]
    enabledPlanNames: list[str]


@with_config(EXACT)
class UserSummary(TypedDict):
    id: Guid
    userPrincipalName: str
    displayName: str
    usageLocation: str | None
    accountEnabled: bool
    products: list[str]
    licenseErrors: int


@with_config(EXACT)
class UserDetail(TypedDict):
    id: Guid
    userPrincipalName: str
    displayName: str
    usageLocation: str | None
    effectiveUsageLocation: str | None
    accountEnabled: bool
    department: str | None
    jobTitle: str | None
    createdDateTime: DateTime
    licenseAssignmentStates: list[NamedLicenseState]
    memberOf: list[GroupRef]


@with_config(EXACT)
class NamedAssignedLicense(TypedDict):
    skuId: Guid
    skuPartNumber: str
    disabledPlans: list[Guid]
    disabledPlanNames: list[str]


@with_config(EXACT)
class GroupSummary(TypedDict):
    id: Guid
    displayName: str
    description: str | None
    securityEnabled: bool
    mailEnabled: bool
    assignedLicenses: list[NamedAssignedLicense]
    licenseProcessingState: LicenseProcessingState
    memberCount: int
    membersWithLicenseErrorsCount: int
    membershipRule: str | None
    membershipRuleProcessingState: str | None
    membershipRuleProcessingStatus: RuleStatus | None


@with_config(EXACT)
class RuleStatus(TypedDict):
    """A dynamic group's evaluation: Graph beta's status, with this run's joins and leaves."""

    status: str | None
    lastMembershipUpdated: DateTime | None
    errorMessage: str | None
    joined: int
    left: int


@with_config(EXACT)
class AssignmentError(TypedDict):
    id: Guid
    userPrincipalName: str
    displayName: str
    skuId: Guid
    skuPartNumber: str
    assignedByGroup: GroupRef | None
    isMember: bool
    state: str
    error: str
    explanation: str | None
    fixes: list[str]


def group_ref(ref: reports.GroupRef) -> GroupRef:
    return {"id": str(ref.id), "displayName": ref.display_name}


def sku(item: SkuSummary) -> SkuSeats:
    return {
        "skuId": str(item.sku_id),
        "skuPartNumber": item.sku_part_number,
        "displayName": item.display_name,
        "consumedUnits": item.consumed_units,
        "prepaidUnits": {"enabled": item.enabled_units},
        "availableUnits": item.available,
    }


def named_license_state(view: reports.LicenseView) -> NamedLicenseState:
    graph = license_state(
        sku_id=view.sku_id,
        group_id=None if view.group is None else view.group.id,
        disabled_plans=view.disabled_plans,
        state=view.state,
        error=view.error,
        updated=view.updated,
    )
    return {
        **graph,
        "skuPartNumber": view.sku_part_number,
        "source": view.source,
        "disabledPlanNames": list(view.disabled_plan_names),
        "enabledPlanNames": list(view.enabled_plan_names),
    }


def user_summary(item: reports.UserSummary) -> UserSummary:
    return {
        "id": str(item.id),
        "userPrincipalName": item.user_principal_name,
        "displayName": item.display_name,
        "usageLocation": item.usage_location,
        "accountEnabled": item.account_enabled,
        "products": list(item.products),
        "licenseErrors": item.errors,
    }


def user_detail(item: reports.UserDetail) -> UserDetail:
    return {
        "id": str(item.id),
        "userPrincipalName": item.user_principal_name,
        "displayName": item.display_name,
        "usageLocation": item.usage_location,
        "effectiveUsageLocation": item.effective_usage_location,
        "accountEnabled": item.account_enabled,
        "department": item.department,
        "jobTitle": item.job_title,
        "createdDateTime": when(item.created),
        "licenseAssignmentStates": [named_license_state(v) for v in item.licenses],
        "memberOf": [group_ref(g) for g in item.groups],
    }


def group(item: reports.GroupSummary) -> GroupSummary:
    return {
        "id": str(item.id),
        "displayName": item.display_name,
        "description": item.description,
        "securityEnabled": item.security_enabled,
        "mailEnabled": item.mail_enabled,
        "assignedLicenses": [
            {
                "skuId": str(p.sku_id),
                "skuPartNumber": p.sku_part_number,
                "disabledPlans": guids(p.disabled_plans),
                "disabledPlanNames": list(p.disabled_plan_names),
            }
            for p in item.products
        ],
        "licenseProcessingState": {"state": item.processing_state},
        "memberCount": item.member_count,
        "membersWithLicenseErrorsCount": item.users_in_error,
        "membershipRule": None if item.rule is None else item.rule.text,
        "membershipRuleProcessingState": None if item.rule is None else item.rule.state,
        "membershipRuleProcessingStatus": None if item.rule is None else rule_status(item.rule),
    }


def rule_status(rule: reports.RuleSummary) -> RuleStatus:
    return {
        "status": rule.status,
        "lastMembershipUpdated": maybe_when(rule.updated),
        "errorMessage": rule.error,
        "joined": rule.joined,
        "left": rule.left,
    }


def assignment_error(item: reports.AssignmentError) -> AssignmentError:
    help_ = item.help
    return {
        "id": str(item.user_id),
        "userPrincipalName": item.user_principal_name,
        "displayName": item.display_name,
        "skuId": str(item.sku_id),
        "skuPartNumber": item.sku_part_number,
        "assignedByGroup": None if item.group is None else group_ref(item.group),
        "isMember": item.is_member,
        "state": item.state,
        "error": item.error,
        "explanation": help_.explanation if help_ else None,
        "fixes": list(help_.fixes) if help_ else [],
    }
