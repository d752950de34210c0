"""Users: create, change, delete. Changes that can alter licensing queue the user."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.services import (
    assignment_rows,
    audit,
    catalog,
    changes,
    dynamic_groups,
    queue,
    subscriptions,
)
from seatplan.services import organization as org_service
from seatplan.services.errors import BadRequest, Conflict
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import Membership, QueuedUser, User
from seatplan.store.types import utcnow


def _upn(value: str) -> str:
    upn = value.strip()
    if upn.count("@") != 1 or upn.startswith("@") or upn.endswith("@") or " " in upn:
        raise BadRequest(f"Invalid userPrincipalName '{value}': expected name@domain.")
    return upn


#: Graph's standard user properties a client writes, by attribute, with the name the audit
#: log gives a change of each (department and jobTitle have their own parameters).
STANDARD: Mapping[str, str] = MappingProxyType(
    {
        "given_name": "GivenName",
        "surname": "Surname",
        "mail": "Mail",
        "mail_nickname": "MailNickname",
        "other_mails": "OtherMails",
        "business_phones": "BusinessPhones",
        "mobile_phone": "MobilePhone",
        "company_name": "CompanyName",
        "office_location": "OfficeLocation",
        "city": "City",
        "state": "State",
        "country": "Country",
        "postal_code": "PostalCode",
        "street_address": "StreetAddress",
        "employee_id": "EmployeeId",
        "employee_type": "EmployeeType",
        "user_type": "UserType",
        "preferred_language": "PreferredLanguage",
        "extension_attributes": "OnPremisesExtensionAttributes",
        "on_premises_immutable_id": "OnPremisesImmutableId",
    }
)
USER_TYPES = ("Member", "Guest")
#: Columns only an identity provider sets (SCIM: `services.provisioning`), written with
#: the user's first INSERT.
PROVISIONED = frozenset({"external_id", "cost_center", "division", "manager_id"})
_LISTS = frozenset({"other_mails", "business_phones"})


def _invalid(name: str) -> BadRequest:
    """Graph's answer to a value it refuses for a property."""
    graph = name[0].lower() + name[1:]
    return BadRequest(f"Invalid value specified for property '{graph}' of resource 'User'.")


def _address(value: str) -> bool:
    """An SMTP address as Graph takes one: name@domain, no spaces."""
    name, at, domain = value.partition("@")
    return (
        bool(at and name and domain)
        and "@" not in domain
        and not any(char.isspace() for char in value)
    )


def _valid(name: str, value: Any) -> bool:
    """Graph's checks of a standard property's value (lengths are the API body's)."""
    if name == "user_type":
        return value in USER_TYPES
    if name == "mail":
        return value is None or _address(value)
    if name == "other_mails":
        return all(_address(item) for item in value)
    if name == "on_premises_immutable_id":
        # Graph: "The $ and _ characters cannot be used when specifying this property."
        return value is None or not ("$" in value or "_" in value)
    return True


def _set_standard(
    user: User, properties: Mapping[str, Any], *, audited: bool = True
) -> list[dict[str, Any]]:
    """Set Graph's standard properties on `user`; the audit log's modified properties
    (none when not `audited`: a new user's "Add user" event lists none, so its values
    are not encoded for nothing).

    `extension_attributes` holds the attributes sent: each set, or cleared by None, the
    others kept (as Graph's PATCH of onPremisesExtensionAttributes does). Setting `mail`
    makes it the primary SMTP address of proxyAddresses, as in Graph.
    """
    modified: list[dict[str, Any]] = []
    for name, value in properties.items():
        label = STANDARD[name]
        if name in _LISTS:
            value = list(value or [])
        if name == "extension_attributes":
            merged = {**(user.extension_attributes or {}), **(value or {})}
            value = {key: text for key, text in sorted(merged.items()) if text is not None}
        elif not _valid(name, value):
            raise _invalid(label)
        if audited:
            modified.append(audit.changed(label, getattr(user, name), value))
        setattr(user, name, value)
        if name == "mail" and value is not None:
            old = list(user.proxy_addresses or [])
            user.proxy_addresses = _with_primary(old, value)
            if audited:
                modified.append(audit.changed("ProxyAddresses", old, user.proxy_addresses))
    return modified


def _with_primary(addresses: list[str], mail: str) -> list[str]:
    """`SMTP:mail` first; any other primary SMTP address becomes a secondary one."""
    primary = f"SMTP:{mail}"
    others = [
        "smtp:" + address[5:] if address.startswith("SMTP:") else address
        for address in addresses
        if address.lower() != primary.lower()
    ]
    return [primary, *others]


def create(
    session: Session,
    *,
    user_principal_name: str,
    display_name: str | None = None,
    usage_location: str | None = None,
    account_enabled: bool = True,
    department: str | None = None,
    job_title: str | None = None,
    user_id: UUID | None = None,
    properties: Mapping[str, Any] | None = None,
    provisioned: Mapping[str, Any] | None = None,
) -> User:
    """A new user; `properties` are Graph's standard ones (`STANDARD`) by attribute,
    `provisioned` the columns of `PROVISIONED` (checked by the caller)."""
    upn = _upn(user_principal_name)
    if session.scalar(select(User.id).where(User.upn_key == upn.lower())):
        raise Conflict(f"A user with userPrincipalName '{upn}' already exists.")
    user = User(
        user_principal_name=upn,
        upn_key=upn.lower(),
        display_name=(display_name or upn.split("@")[0]).strip(),
        usage_location=org_service.country(usage_location, "usage location"),
        account_enabled=account_enabled,
        department=department,
        job_title=job_title,
    )
    if user_id is not None:
        user.id = user_id
    _set_standard(user, properties or {}, audited=False)
    for name, value in (provisioned or {}).items():
        if name not in PROVISIONED:
            raise ValueError(f"{name} is not a provisioned column")
        setattr(user, name, value)
    session.add(user)
    session.flush()
    audit.record(
        session,
        activity=audit.Activity.ADD_USER,
        category="UserManagement",
        targets=[audit.target("User", user.id, user.user_principal_name)],
    )
    dynamic_groups.user_changed(session, user=user, before=None)
    return user


def update(
    session: Session,
    *,
    user: User,
    display_name: str | None = None,
    usage_location: str | Unset | None = UNSET,
    account_enabled: bool | None = None,
    department: str | Unset | None = UNSET,
    job_title: str | Unset | None = UNSET,
    properties: Mapping[str, Any] | None = None,
    user_principal_name: str | None = None,
) -> User:
    """Change a user. A new usage location must suit the user's direct licenses.

    `properties` are Graph's standard ones (`STANDARD`) by attribute.
    """
    before = dynamic_groups.subject(user)
    modified = _set_standard(user, properties or {})
    if display_name is not None:
        if not display_name.strip():
            raise BadRequest("displayName cannot be empty.")
        modified.append(audit.changed("DisplayName", user.display_name, display_name.strip()))
        user.display_name = display_name.strip()
    if usage_location is not UNSET:
        code = org_service.country(usage_location, "usage location")
        if code != user.usage_location:
            # Direct licenses are judged at the user's own location, never the organization's
            # (as when they were assigned), so clearing it while holding one is refused.
            try:
                engine.check_location_change(
                    catalog.rulebook(session), assignment_rows.held(session, user.id), code
                )
            except engine.LicenseRefused as refused:
                raise BadRequest(refused.message) from refused
            modified.append(audit.changed("UsageLocation", user.usage_location, code))
            user.usage_location = code
            queue.enqueue_users(session, [user.id])
    if account_enabled is not None and account_enabled != user.account_enabled:
        modified.append(audit.changed("AccountEnabled", user.account_enabled, account_enabled))
        user.account_enabled = account_enabled
        # A disabled account holds no license (`processing.loader`); enabled again, it
        # gets its groups' back.
        queue.enqueue_users(session, [user.id])
    if user_principal_name is not None and user_principal_name != user.user_principal_name:
        upn = _upn(user_principal_name)
        if upn.lower() != user.upn_key and session.scalar(
            select(User.id).where(User.upn_key == upn.lower())
        ):
            raise Conflict(f"A user with userPrincipalName '{upn}' already exists.")
        modified.append(audit.changed("UserPrincipalName", user.user_principal_name, upn))
        user.user_principal_name = upn
        user.upn_key = upn.lower()
    if department is not UNSET:
        modified.append(audit.changed("Department", user.department, department))
        user.department = department
    if job_title is not UNSET:
        modified.append(audit.changed("JobTitle", user.job_title, job_title))
        user.job_title = job_title
    session.flush()
    audit.record_update(
        session,
        activity=audit.Activity.UPDATE_USER,
        category="UserManagement",
        target=audit.target("User", user.id, user.user_principal_name),
        modified=modified,
    )
    dynamic_groups.user_changed(session, user=user, before=before)
    return user


def delete_user(session: Session, *, user: User) -> None:
    """Delete a user: their seats are freed and offered to users waiting for one."""
    rows = assignment_rows.held(session, user.id)
    skus = sorted({row.sku_id for row in rows if row.state.applied})
    subscriptions.lock_usage(session, skus)
    subscriptions.adjust_seats(session, dict.fromkeys(skus, -1))
    # Through the rows' one writer, which records their license.removed events.
    removed = assignment_rows.Changes(utcnow())
    for row in rows:
        removed.delete(user.id, row)
    assignment_rows.write(session, removed)
    changes.memberships_ending(session, Membership.user_id == user.id)
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    session.execute(delete(QueuedUser).where(QueuedUser.user_id == user.id))
    audit.record(
        session,
        activity=audit.Activity.DELETE_USER,
        category="UserManagement",
        targets=[audit.target("User", user.id, user.user_principal_name)],
    )
    session.delete(user)
    session.flush()
    subscriptions.offer_freed_seats(session, dict.fromkeys(skus, 1))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def principal_name(value: str) -> str:
    """`value` stripped if it is a valid userPrincipalName (Graph's check), else BadRequest."""
    return _upn(value)
