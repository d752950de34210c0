"""The four collections taking OData options (docs/api.md), declared on `seatplan.store.tables`.

Statements built with these specs select from the table of the entity (`User`, `Group`,
`AuditEvent`; `Product` for subscribedSkus); the EXISTS conditions
correlate to that table.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, exists, func, not_, select

from seatplan.api.odata.entity import NULL, EntitySpec, Field, Items, fields
from seatplan.engine.model import State
from seatplan.store.dialects import JsonItems
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

# Graph's operators per property, and those it takes only in advanced queries (its
# "advanced query capabilities" tables and the user and group resource pages): `ne`, and
# comparing with null, always need them; some properties need them for everything.
_NULL = frozenset({NULL})
_NE = frozenset({"ne"})
_NE_NULL = _NE | _NULL
#: What is advanced on every string property: ne, null, and endswith where it exists.
_NEGATIVE = _NE_NULL | {"endswith"}
#: A string property with Graph's usual operators, the negative ones advanced.
_TEXT = _STRING | _NULL
#: Created dates: eq, ne, ge, le and in, all advanced.
_CREATED = frozenset({"eq", "ne", "ge", "le", "in"})


def _text(name: str, column: Any, *, advanced: bool = False, **kw: Any) -> Field:
    """A string property with eq, ne, in, startswith and null (all advanced if `advanced`,
    else only `_NEGATIVE`)."""
    ops = kw.pop("ops", _TEXT)
    return Field(
        name, "string", column, ops, advanced_only_ops=ops if advanced else ops & _NEGATIVE, **kw
    )


def _strings(name: str, column: Any, ops: frozenset[str]) -> Items:
    """A string collection (a JSON list): `name/any(x:x eq 'v')` looks at each item.

    Graph takes these lambdas by default, `endswith` only in advanced queries.
    """
    values = JsonItems(column).table_valued("value", name=f"{name}_item")
    item = Field("", "string", values.c.value, ops, advanced_only_ops=ops & {"endswith"})
    return Items(
        name=name,
        fields=fields(item),
        any=lambda condition: exists(select(1).select_from(values).where(condition)),
    )


def _items(*collections: Items) -> dict[str, Items]:
    return {items.name: items for items in collections}


def _extension_attribute(number: int) -> Field:
    """`onPremisesExtensionAttributes/extensionAttributeN`: filtered in advanced queries,
    never selected alone (Graph returns the 15 together)."""
    key = f"extensionAttribute{number}"
    ops = _EQUALITY | _NULL
    return Field(
        f"onPremisesExtensionAttributes/{key}",
        "string",
        User.extension_attributes[key].as_string(),
        ops,
        selectable=False,
        advanced_only_ops=ops,
    )


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


def _applied_licenses() -> ColumnElement[bool]:
    """The user holds some SKU (as `user_has_license`, whatever the SKU)."""
    return exists().where(
        LicenseAssignment.user_id == User.id,
        func.coalesce(LicenseAssignment.state, "").in_(APPLIED_STATES),
    )


def user_license_count(op: str, count: int) -> ColumnElement[bool]:
    """`assignedLicenses/$count op count` (count 0 or 1): SKUs the user really holds."""
    if count == 0:
        return not_(_applied_licenses()) if op == "eq" else _applied_licenses()
    held = (
        select(func.count(func.distinct(LicenseAssignment.sku_id)))
        .where(
            LicenseAssignment.user_id == User.id,
            func.coalesce(LicenseAssignment.state, "").in_(APPLIED_STATES),
        )
        .scalar_subquery()
    )
    return held == count if op == "eq" else held != count


def group_license_count(op: str, count: int) -> ColumnElement[bool]:
    """`assignedLicenses/$count op count` (count 0 or 1) on a group's products."""
    if count == 0:
        assigned = exists().where(GroupLicense.group_id == Group.id)
        return not_(assigned) if op == "eq" else assigned
    held = (
        select(func.count())
        .select_from(GroupLicense)
        .where(GroupLicense.group_id == Group.id)
        .scalar_subquery()
    )
    return held == count if op == "eq" else held != count


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
        Field("id", "guid", User.id, _EQUALITY, advanced_only_ops=_NE),
        _text(
            "userPrincipalName",
            User.user_principal_name,
            ops=_STRING | {"endswith"},
        ),
        _text(
            "displayName",
            User.display_name,
            orderable=True,
            search_column=User.display_name_words,
        ),
        _text("givenName", User.given_name),
        _text("surname", User.surname),
        _text("mail", User.mail, ops=_TEXT | {"endswith"}),
        _text("mailNickname", User.mail_nickname),
        Field("otherMails", "string"),
        Field("proxyAddresses", "string"),
        Field("businessPhones", "string"),
        _text("mobilePhone", User.mobile_phone, advanced=True),
        _text("jobTitle", User.job_title),
        _text("department", User.department),
        _text("companyName", User.company_name, advanced=True),
        _text("officeLocation", User.office_location, advanced=True),
        _text("city", User.city),
        _text("state", User.state),
        _text("country", User.country),
        _text("postalCode", User.postal_code, advanced=True),
        _text("streetAddress", User.street_address, advanced=True),
        _text("employeeId", User.employee_id),
        _text("employeeType", User.employee_type, ops=_STRING, advanced=True),
        _text("userType", User.user_type, ops=_EQUALITY | _NULL),
        _text("preferredLanguage", User.preferred_language, advanced=True),
        _text("usageLocation", User.usage_location),
        Field("accountEnabled", "bool", User.account_enabled, _EQ_NE, advanced_only_ops=_NE),
        Field("createdDateTime", "datetime", User.created, _CREATED, advanced_only_ops=_CREATED),
        Field("onPremisesExtensionAttributes", "string"),
        *(_extension_attribute(number) for number in range(1, 16)),
        Field(
            "onPremisesSyncEnabled",
            "bool",
            User.on_premises_sync_enabled,
            _EQ_NE | _NULL,
            advanced_only_ops=_NE_NULL,
        ),
        _text("onPremisesImmutableId", User.on_premises_immutable_id, ops=_EQUALITY),
        # Needs AuditLog.Read.All (`api.graph.common`); Seatplan records no user sign-ins.
        Field("signInActivity", "string"),
        Field("assignedLicenses", "string"),
        Field("licenseAssignmentStates", "string"),
    ),
    default_order=(("displayName", False),),
    any_license=user_has_license,
    license_count=user_license_count,
    advanced_queries=True,
    resource="User",
    items=_items(
        _strings("otherMails", User.other_mails, frozenset({"eq", "startswith", "endswith"})),
        _strings(
            "proxyAddresses", User.proxy_addresses, frozenset({"eq", "startswith", "endswith"})
        ),
        _strings("businessPhones", User.business_phones, _EQ),
    ),
)

GROUPS = EntitySpec(
    name="groups",
    fields=fields(
        Field("id", "guid", Group.id, _EQUALITY, advanced_only_ops=_NE),
        _text(
            "displayName",
            Group.display_name,
            orderable=True,
            search_column=Group.display_name_words,
        ),
        # Graph: eq, ne and startswith, in advanced queries only; never null.
        _text(
            "description",
            Group.description,
            ops=_EQ_NE | {"startswith"},
            advanced=True,
            search_column=Group.description_words,
        ),
        _text("mail", Group.mail),
        _text("mailNickname", Group.mail_nickname),
        Field("mailEnabled", "bool", Group.mail_enabled, _EQ_NE, advanced_only_ops=_NE),
        Field("securityEnabled", "bool", Group.security_enabled, _EQ_NE, advanced_only_ops=_NE),
        Field("groupTypes", "string"),
        Field("createdDateTime", "datetime", Group.created, _CREATED, advanced_only_ops=_CREATED),
        Field("visibility", "string"),
        Field("assignedLicenses", "string"),
        Field("licenseProcessingState", "string"),
        _text("membershipRule", Group.membership_rule),
        Field(
            "membershipRuleProcessingState",
            "string",
            Group.membership_rule_processing_state,
            _EQ_NE,
            advanced_only_ops=_NE,
        ),
        # A Seatplan addition (Graph beta's): with $select only.
        Field("membershipRuleProcessingStatus", "string"),
        # Graph never returns it: a filter only, and refused in an advanced query.
        Field(
            "hasMembersWithLicenseErrors",
            "bool",
            GROUP_HAS_MEMBERS_WITH_ERRORS,
            _EQ,
            selectable=False,
            in_advanced=False,
        ),
    ),
    default_order=(("displayName", False),),
    any_license=group_has_license,
    license_count=group_license_count,
    advanced_queries=True,
    resource="Group",
    items=_items(_strings("groupTypes", Group.group_types, _EQ)),
)

#: A user's licenseDetails: `$select` only (the list is a user's few products).
LICENSE_DETAILS = EntitySpec(
    name="licenseDetails",
    fields=fields(
        Field("id", "string"),
        Field("skuId", "guid", LicenseAssignment.sku_id),
        Field("skuPartNumber", "string"),
        Field("servicePlans", "string"),
    ),
    default_order=(),
    key="skuId",
)

#: Graph's subscribedSkus supports no `$filter`; Seatplan allows equality on the two ids.
SUBSCRIBED_SKUS = EntitySpec(
    name="subscribedSkus",
    fields=fields(
        Field("id", "string"),
        Field("skuId", "guid", Product.sku_id, _EQUALITY),
        Field("skuPartNumber", "string", Product.sku_part_number, _EQUALITY),
        Field("accountId", "string"),
        Field("accountName", "string"),
        Field("appliesTo", "string"),
        Field("capabilityStatus", "string"),
        Field("consumedUnits", "int"),
        Field("prepaidUnits", "string"),
        Field("servicePlans", "string"),
        Field("subscriptionIds", "string"),
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
