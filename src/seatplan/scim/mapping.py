"""SCIM resources ↔ Seatplan's directory (the table in docs/scim.md).

`user_resource`/`group_resource` shape what is stored; `user_values`/`group_values` read
a client's resource into what `services.provisioning` writes, refusing (400 invalidValue)
what Seatplan cannot keep rather than dropping it.

Plain dictionaries rather than a SCIM model library's classes: a resource is built from one
row and read into `UserValues` attribute by attribute, with Graph's checks (lengths, e-mail
addresses, countries) and the providers' habits (any case of attribute names, booleans as
strings); validating it again through a second model would add a copy per request and
none of those checks. Compliance is checked from outside instead (docs/scim.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from seatplan.scim import schemas
from seatplan.scim.errors import bad_value
from seatplan.services.provisioning import UserValues
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import Group, User

Json = dict[str, Any]


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _content(value: Any) -> Any:
    """What a version covers: the values, not the URLs (`$ref`) of the host asked."""
    if isinstance(value, Mapping):
        return {key: _content(item) for key, item in value.items() if key not in ("$ref", "meta")}
    if isinstance(value, list):
        return [_content(item) for item in value]
    return value


def version(resource: Mapping[str, Any]) -> str:
    """A weak ETag of the resource's content (its meta aside): it changes with any value."""
    content = _content(resource)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode())
    return f'W/"{digest.hexdigest()[:20]}"'


def _meta(resource: Json, kind: str, created: datetime, location: str) -> Json:
    resource["meta"] = {
        "resourceType": kind,
        "created": _time(created),
        "lastModified": _time(created),
        "location": location,
        "version": version(resource),
    }
    return resource


def _drop_empty(values: Json) -> Json:
    return {key: value for key, value in values.items() if value not in (None, [], {})}


def user_resource(
    user: User,
    base: str,
    groups: Iterable[tuple[UUID, str]] = (),
    manager: tuple[UUID, str] | None = None,
) -> Json:
    """The SCIM User of `user`; `groups` are its direct groups (id, displayName)."""
    emails = []
    if user.mail:
        emails.append({"value": user.mail, "type": "work", "primary": True})
    emails += [{"value": mail, "type": "other"} for mail in user.other_mails or []]
    phones = [{"value": phone, "type": "work"} for phone in user.business_phones or []]
    if user.mobile_phone:
        phones.append({"value": user.mobile_phone, "type": "mobile"})
    address = _drop_empty(
        {
            "streetAddress": user.street_address,
            "locality": user.city,
            "region": user.state,
            "postalCode": user.postal_code,
            "country": user.country,
        }
    )
    name = _drop_empty({"givenName": user.given_name, "familyName": user.surname})
    if name:
        name["formatted"] = " ".join(
            part for part in (user.given_name, user.surname) if part is not None
        )
    enterprise = _drop_empty(
        {
            "department": user.department,
            "employeeNumber": user.employee_id,
            "organization": user.company_name,
            "costCenter": user.cost_center,
            "division": user.division,
            "manager": (
                {
                    "value": str(manager[0]),
                    "displayName": manager[1],
                    "$ref": f"{base}/Users/{manager[0]}",
                }
                if manager
                else None
            ),
        }
    )
    resource: Json = {
        "schemas": [schemas.USER, schemas.ENTERPRISE, schemas.SEATPLAN],
        "id": str(user.id),
        "externalId": user.external_id,
        "userName": user.user_principal_name,
        "name": name,
        "displayName": user.display_name,
        "active": user.account_enabled,
        "emails": emails,
        "phoneNumbers": phones,
        "addresses": [{"type": "work", "primary": True, **address}] if address else [],
        "title": user.job_title,
        "userType": user.user_type,
        "preferredLanguage": user.preferred_language,
        "groups": [
            {
                "value": str(group_id),
                "display": name,
                "$ref": f"{base}/Groups/{group_id}",
                "type": "direct",
            }
            for group_id, name in groups
        ],
        schemas.ENTERPRISE: enterprise,
        schemas.SEATPLAN: _drop_empty({"usageLocation": user.usage_location}),
    }
    resource = _drop_empty(resource)
    return _meta(resource, "User", user.created, f"{base}/Users/{user.id}")


def group_resource(
    group: Group, base: str, members: Iterable[tuple[UUID, str, str]] | None
) -> Json:
    """The SCIM Group of `group`; `members` are (id, display, "User" or "Group")."""
    resource: Json = {
        "schemas": [schemas.GROUP],
        "id": str(group.id),
        "externalId": group.external_id,
        "displayName": group.display_name,
        "members": [
            {
                "value": str(member_id),
                "display": display,
                "type": kind,
                "$ref": f"{base}/{kind}s/{member_id}",
            }
            for member_id, display, kind in members or ()
        ],
    }
    resource = _drop_empty(resource)
    if members is not None:
        resource.setdefault("members", [])
    return _meta(resource, "Group", group.created, f"{base}/Groups/{group.id}")


# Reading a client's resource. Attribute names are case-insensitive (RFC 7643 §2.1).


def get(values: Mapping[str, Any], name: str) -> Any:
    wanted = name.lower()
    for key, value in values.items():
        if key.lower() == wanted:
            return value
    return None


def _text(value: Any, attribute: str, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_value(f"Attribute '{attribute}' must be a string.")
    text = value.strip()
    if limit is not None and len(text) > limit:
        raise bad_value(f"Attribute '{attribute}' is longer than {limit} characters.")
    return text or None


def _limit(table: Any, column: str) -> int | None:
    length = getattr(table.c[column].type, "length", None)
    return int(length) if length else None


def _user_text(values: Mapping[str, Any], name: str, column: str) -> str | None:
    return _text(get(values, name), name, _limit(User.__table__, column))


def _complex(value: Any, attribute: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise bad_value(f"Attribute '{attribute}' must be an object.")
    return value


def _multi(value: Any, attribute: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise bad_value(f"Attribute '{attribute}' must be a list of objects.")
    return value


def boolean(value: Any, attribute: str) -> bool:
    # Entra sends "True"/"False" in PATCH: accepted wherever a boolean is.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_value(f"Attribute '{attribute}' must be a boolean.")


def _chosen(items: list[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    """The item a single Graph property keeps: the primary, else the first of `kind`."""
    for item in items:
        if get(item, "primary") in (True, "True", "true"):
            return item
    for item in items:
        if str(get(item, "type") or "").lower() == kind:
            return item
    return items[0] if items else None


def user_values(resource: Mapping[str, Any], *, replacing: User | None = None) -> UserValues:
    """What `services.provisioning.put_user` writes for a client's User resource."""
    user_name = _text(get(resource, "userName"), "userName", 256)
    if user_name is None:
        raise bad_value("Attribute 'userName' is required.")
    name = _complex(get(resource, "name"), "name")
    emails = _multi(get(resource, "emails"), "emails")
    primary_mail = _chosen(emails, "work")
    mail = _text(get(primary_mail, "value"), "emails.value", 256) if primary_mail else None
    other_mails = [
        text
        for item in emails
        if item is not primary_mail
        and (text := _text(get(item, "value"), "emails.value", 256)) is not None
    ]
    phones = _multi(get(resource, "phoneNumbers"), "phoneNumbers")
    mobile = next((p for p in phones if str(get(p, "type") or "").lower() == "mobile"), None)
    business = [
        text
        for item in phones
        if item is not mobile and (text := _text(get(item, "value"), "phoneNumbers.value", 64))
    ]
    addresses = _multi(get(resource, "addresses"), "addresses")
    if len(addresses) > 1:
        raise bad_value("Seatplan keeps one address per user (the work address): send one.")
    address = addresses[0] if addresses else {}
    enterprise = _complex(get(resource, schemas.ENTERPRISE), schemas.ENTERPRISE)
    seatplan = _complex(get(resource, schemas.SEATPLAN), schemas.SEATPLAN)
    active = get(resource, "active")
    if active is None:
        enabled = True if replacing is None else replacing.account_enabled
    else:
        enabled = boolean(active, "active")
    usage: str | Unset | None = UNSET
    if any(key.lower() == "usagelocation" for key in seatplan):
        usage = _text(get(seatplan, "usageLocation"), "usageLocation", 2)
    manager = _complex(get(enterprise, "manager"), "manager")
    manager_ref = _text(get(manager, "value"), "manager.value")
    manager_id = None
    if manager_ref is not None:
        try:
            manager_id = UUID(manager_ref)
        except ValueError:
            raise bad_value(f"Invalid manager '{manager_ref}': expected a user's id.") from None
    user_type = _text(get(resource, "userType"), "userType")
    properties: dict[str, Any] = {
        "given_name": _text(get(name, "givenName"), "name.givenName", 64),
        "surname": _text(get(name, "familyName"), "name.familyName", 64),
        "mail": mail,
        "other_mails": other_mails,
        "business_phones": business,
        "mobile_phone": _text(get(mobile, "value"), "phoneNumbers.value", 64) if mobile else None,
        "street_address": _text(get(address, "streetAddress"), "addresses.streetAddress", 1024),
        "city": _text(get(address, "locality"), "addresses.locality", 128),
        "state": _text(get(address, "region"), "addresses.region", 128),
        "postal_code": _text(get(address, "postalCode"), "addresses.postalCode", 40),
        "country": _text(get(address, "country"), "addresses.country", 128),
        "preferred_language": _user_text(resource, "preferredLanguage", "preferred_language"),
        "user_type": user_type or "Member",
        "employee_id": _text(get(enterprise, "employeeNumber"), "employeeNumber", 16),
        "company_name": _text(get(enterprise, "organization"), "organization", 64),
    }
    return UserValues(
        user_principal_name=user_name,
        display_name=_user_text(resource, "displayName", "display_name"),
        account_enabled=enabled,
        usage_location=usage,
        department=_text(get(enterprise, "department"), "department", 256),
        job_title=_user_text(resource, "title", "job_title"),
        external_id=_text(get(resource, "externalId"), "externalId", 256),
        cost_center=_text(get(enterprise, "costCenter"), "costCenter", 256),
        division=_text(get(enterprise, "division"), "division", 256),
        manager_id=manager_id,
        properties=properties,
    )


def group_values(resource: Mapping[str, Any]) -> tuple[str, str | None, list[UUID] | None]:
    """displayName, externalId and the members' ids (None when not sent) of a Group."""
    display_name = _text(get(resource, "displayName"), "displayName", 256)
    if display_name is None:
        raise bad_value("Attribute 'displayName' is required.")
    external_id = _text(get(resource, "externalId"), "externalId", 256)
    sent = get(resource, "members")
    if sent is None:
        return display_name, external_id, None
    members = []
    for item in _multi(sent, "members"):
        value = _text(get(item, "value"), "members.value")
        try:
            members.append(UUID(str(value)))
        except ValueError:
            raise bad_value(f"Invalid member '{value}': expected a user's or group's id.") from None
    return display_name, external_id, members
