"""Graph's group."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import with_config
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 - pydantic needs these on 3.11

from seatplan.shapes.users import AssignedLicense, assigned_license
from seatplan.shapes.values import EXACT, DateTime, Guid, when
from seatplan.store.tables import Group as GroupRow
from seatplan.store.tables import GroupLicense

#: What Graph returns without `$select`.
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
    "visibility",
    "membershipRule",
    "membershipRuleProcessingState",
)


@with_config(EXACT)
class LicenseProcessingState(TypedDict):
    state: str


@with_config(EXACT)
class MembershipRuleProcessingStatus(TypedDict):
    """Graph beta's status of a dynamic group's rule (a Seatplan addition on v1.0)."""

    status: str | None
    lastMembershipUpdated: DateTime | None
    errorMessage: str | None


@with_config(EXACT)
class Group(TypedDict):
    id: Guid
    createdDateTime: DateTime
    description: str | None
    displayName: str
    groupTypes: list[str]
    mail: str | None
    mailEnabled: bool
    mailNickname: str | None
    securityEnabled: bool
    visibility: str | None
    licenseProcessingState: LicenseProcessingState
    membershipRule: str | None
    membershipRuleProcessingState: str | None
    #: With `$select` only; null for a group whose members are kept by hand.
    membershipRuleProcessingStatus: MembershipRuleProcessingStatus | None
    #: With `$select` only (it costs a query).
    assignedLicenses: NotRequired[list[AssignedLicense]]


def group(row: GroupRow, licenses: Sequence[GroupLicense] | None = None) -> Group:
    """Every property; `licenses` (the group's products) adds `assignedLicenses`."""
    item: Group = {
        "id": str(row.id),
        "createdDateTime": when(row.created),
        "description": row.description,
        "displayName": row.display_name,
        "groupTypes": list(row.group_types),
        "mail": row.mail,
        "mailEnabled": row.mail_enabled,
        "mailNickname": row.mail_nickname,
        "securityEnabled": row.security_enabled,
        "visibility": row.visibility,
        "licenseProcessingState": {"state": row.processing_state},
        "membershipRule": row.membership_rule,
        "membershipRuleProcessingState": row.membership_rule_processing_state,
        "membershipRuleProcessingStatus": _rule_status(row),
    }
    if licenses is not None:
        item["assignedLicenses"] = [assigned_license(x) for x in licenses]
    return item


def _rule_status(row: GroupRow) -> MembershipRuleProcessingStatus | None:
    if row.membership_rule_processing_state is None:
        return None
    return {
        "status": row.rule_status,
        "lastMembershipUpdated": None if row.rule_updated is None else when(row.rule_updated),
        "errorMessage": row.rule_error,
    }
