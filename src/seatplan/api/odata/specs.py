"""The four collections taking OData options (docs/api.md), declared on `seatplan.store.tables`.

Statements built with these specs select from the table of the entity (`User`, `Group`,
`AuditEvent`; `Product` for subscribedSkus); the EXISTS conditions
correlate to that table.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ColumnElement, exists, func, select

from seatplan.api.odata.entity import EntitySpec, Field, Items, fields
from seatplan.engine.model import State
from seatplan.store.tables import (
    AuditEvent,
    AuditTarget,
    Group,
    GroupLicense,
    LicenseAssignment,
    Product,
    User,
)

_EQ = frozenset({"eq"})
_EQ_NE = frozenset({"eq", "ne"})
_EQUALITY = frozenset({"eq", "ne", "in"})
_STRING = frozenset({"eq", "ne", "in", "startswith"})
_RANGE = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})

#: The states in which a user really holds the plans of an assignment.
APPLIED_STATES: tuple[str, ...] = tuple(state.value for state in State if state.applied)


def user_has_license(sku_id: UUID) -> ColumnElement[bool]:
    """The user holds the SKU through an applied assignment, direct or inherited.

    Looked up in the user's own assignments (the key starts with the user): coalesce()
    keeps SQLite off the (sku, state) index, which would read every holder of the SKU
    for each user.
    """
    return exists().where(
        LicenseAssignment.user_id == User.id,
        LicenseAssignment.sku_id == sku_id,
        func.coalesce(LicenseAssignment.state, "").in_(APPLIED_STATES),
    )


def group_has_license(sku_id: UUID) -> ColumnElement[bool]:
    """The SKU is assigned to the group."""
    return exists().where(GroupLicense.group_id == Group.id, GroupLicense.sku_id == sku_id)


#: Graph's `hasMembersWithLicenseErrors`: some assignment inherited from the group is in error.
GROUP_HAS_MEMBERS_WITH_ERRORS: ColumnElement[bool] = exists(
    select(LicenseAssignment.user_id).where(
        LicenseAssignment.source_id == Group.id, LicenseAssignment.error.is_not(None)
    )
)

USERS = EntitySpec(
    name="users",
    fields=fields(
        Field("id", "guid", User.id, _EQUALITY),
        Field("userPrincipalName", "string", User.user_principal_name, _STRING),
        Field("displayName", "string", User.display_name, _STRING, orderable=True),
        Field("usageLocation", "string", User.usage_location, _EQUALITY),
        Field("accountEnabled", "bool", User.account_enabled, _EQ_NE),
        Field("department", "string", User.department, _STRING),
        Field("jobTitle", "string", User.job_title, _STRING),
        Field("assignedLicenses", "string"),
        Field("licenseAssignmentStates", "string"),
    ),
    default_order=(("displayName", False),),
    any_license=user_has_license,
)

GROUPS = EntitySpec(
    name="groups",
    fields=fields(
        Field("id", "guid", Group.id, _EQUALITY),
        Field("displayName", "string", Group.display_name, _STRING, orderable=True),
        Field("description", "string", Group.description, _STRING),
        Field("securityEnabled", "bool", Group.security_enabled, _EQ_NE),
        Field("mailEnabled", "bool", Group.mail_enabled, _EQ_NE),
        Field("assignedLicenses", "string"),
        Field("licenseProcessingState", "string"),
        # Graph never returns it: a filter only.
        Field(
            "hasMembersWithLicenseErrors",
            "bool",
            GROUP_HAS_MEMBERS_WITH_ERRORS,
            _EQ,
            selectable=False,
        ),
    ),
    default_order=(("displayName", False),),
    any_license=group_has_license,
)

#: Graph's subscribedSkus supports no `$filter`; Seatplan allows equality on the two ids.
SUBSCRIBED_SKUS = EntitySpec(
    name="subscribedSkus",
    fields=fields(
        Field("id", "string"),
        Field("skuId", "guid", Product.sku_id, _EQUALITY),
        Field("skuPartNumber", "string", Product.sku_part_number, _EQUALITY),
        Field("appliesTo", "string"),
        Field("capabilityStatus", "string"),
        Field("consumedUnits", "int"),
        Field("prepaidUnits", "string"),
        Field("servicePlans", "string"),
    ),
    default_order=(("skuPartNumber", False),),
    key="skuId",
)

_EQ_STARTSWITH = frozenset({"eq", "startswith"})
_EQ_GE_LE = frozenset({"eq", "ge", "le"})


def _targeted(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Some target of the event meets the condition (read by the targets' own indexes)."""
    return AuditEvent.id.in_(select(AuditTarget.event_id).where(condition))


#: Graph's list of directoryAudit filters (directoryaudit-list): exactly those operators.
#: `category` and `result` are not in that list but are accepted by Entra and used by
#: common scripts; they take `eq` only.
DIRECTORY_AUDITS = EntitySpec(
    name="directoryAudits",
    fields=fields(
        Field("id", "guid", AuditEvent.id, _EQ),
        Field(
            "activityDateTime", "datetime", AuditEvent.activity_date_time, _EQ_GE_LE, orderable=True
        ),
        Field("activityDisplayName", "string", AuditEvent.activity_display_name, _EQ_STARTSWITH),
        Field("additionalDetails", "string"),
        Field("category", "string", AuditEvent.category, _EQ),
        Field("correlationId", "guid", AuditEvent.correlation_id, _EQ),
        Field("initiatedBy", "string"),
        Field("loggedByService", "string", AuditEvent.logged_by_service, _EQ),
        Field("operationType", "string"),
        Field("result", "string", AuditEvent.result, _EQ),
        Field("resultReason", "string"),
        Field("targetResources", "string"),
        # Paths into initiatedBy: filters only.
        *(
            Field(name, "string", column, ops, selectable=False)
            for name, column, ops in (
                ("initiatedBy/user/id", AuditEvent.initiator_user_id, _EQ),
                ("initiatedBy/user/displayName", AuditEvent.initiator_user_name, _EQ),
                ("initiatedBy/user/userPrincipalName", AuditEvent.initiator_upn, _EQ_STARTSWITH),
                ("initiatedBy/app/appId", AuditEvent.initiator_app_id, _EQ),
                ("initiatedBy/app/displayName", AuditEvent.initiator_app_name, _EQ),
            )
        ),
    ),
    default_order=(("activityDateTime", True),),
    items={
        "targetResources": Items(
            name="targetResources",
            fields=fields(
                Field("id", "string", AuditTarget.target_id, _EQ),
                Field("displayName", "string", AuditTarget.display_name, _EQ_STARTSWITH),
            ),
            any=_targeted,
        )
    },
)

COLLECTIONS: dict[str, EntitySpec] = {
    spec.name: spec for spec in (USERS, GROUPS, SUBSCRIBED_SKUS, DIRECTORY_AUDITS)
}
