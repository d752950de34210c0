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
    mail: str | None
    mailEnabled: bool
    mailNickname: str | None
    securityEnabled: bool
    visibility: str | None
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
        "groupTypes": list(row.group_types),
        "mail": row.mail,
        "mailEnabled": row.mail_enabled,
        "mailNickname": row.mail_nickname,
        "securityEnabled": row.security_enabled,
        "visibility": row.visibility,
        "licenseProcessingState": {"state": row.processing_state},
    }
    if licenses is not None:
        item["assignedLicenses"] = [assigned_license(x) for x in licenses]
    return item
