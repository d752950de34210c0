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
)


@with_config(EXACT)
class LicenseProcessingState(TypedDict):
    state: str


@with_config(EXACT)
class Group(TypedDict):
    id: Guid
    createdDateTime: DateTime
    description: str | None
    displayName: str
    groupTypes: list[str]
    mail: None
    mailEnabled: bool
    mailNickname: None
    securityEnabled: bool
    licenseProcessingState: LicenseProcessingState
    #: With `$select` only (it costs a query).
    assignedLicenses: NotRequired[list[AssignedLicense]]


def group(row: GroupRow, licenses: Sequence[GroupLicense] | None = None) -> Group:
    """Every property; `licenses` (the group's products) adds `assignedLicenses`."""
    item: Group = {
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
