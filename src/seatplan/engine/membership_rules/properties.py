"""The user properties rules may read: Entra's names in rules, Graph's in subjects.

A *subject* is what a rule reads of one user: a mapping from the canonical name (Graph's
camelCase property name, without `user.`) to its value, a missing key meaning null.
Rules name properties as Entra does, which differs from Graph for a few (`mobile` is
`mobilePhone`, `objectId` is `id`, ...); `lookup` maps one to the other.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Kind = Literal["string", "bool", "strings"]
#: How a rule reads a subject's value: as stored, or the first item of a collection
#: (`telephoneNumber` is the first of Graph's `businessPhones`).
Reading = Literal["value", "first"]

EXTENSION_PREFIX = "onPremisesExtensionAttributes."


@dataclass(frozen=True, slots=True)
class RuleProperty:
    """A property as a rule names it (`name`, Entra's spelling) and where it reads."""

    name: str
    canonical: str
    kind: Kind
    reading: Reading = "value"

    @property
    def multi_valued(self) -> bool:
        return self.kind == "strings" and self.reading == "value"


def _extension_names() -> dict[str, Kind]:
    return {f"{EXTENSION_PREFIX}extensionAttribute{n}": "string" for n in range(1, 16)}


#: Canonical name -> kind of the subject's value ("strings" is a list of str).
RULE_PROPERTIES: Mapping[str, Kind] = MappingProxyType(
    {
        "accountEnabled": "bool",
        "businessPhones": "strings",
        "city": "string",
        "companyName": "string",
        "country": "string",
        "department": "string",
        "displayName": "string",
        "employeeId": "string",
        "employeeType": "string",
        "givenName": "string",
        "id": "string",
        "jobTitle": "string",
        "mail": "string",
        "mailNickname": "string",
        "mobilePhone": "string",
        "officeLocation": "string",
        "onPremisesImmutableId": "string",
        "onPremisesSyncEnabled": "bool",
        "otherMails": "strings",
        "postalCode": "string",
        "preferredLanguage": "string",
        "proxyAddresses": "strings",
        "state": "string",
        "streetAddress": "string",
        "surname": "string",
        "usageLocation": "string",
        "userPrincipalName": "string",
        "userType": "string",
        **_extension_names(),
    }
)

#: Entra's name in rules -> canonical name, where they differ.
_ENTRA_NAMES: dict[str, str] = {
    "dirSyncEnabled": "onPremisesSyncEnabled",
    "mobile": "mobilePhone",
    "objectId": "id",
    "physicalDeliveryOfficeName": "officeLocation",
    "telephoneNumber": "businessPhones",
}
#: Graph names that a rule names otherwise (the hint says which name to use instead).
_GRAPH_ONLY = {"mobilePhone", "id", "officeLocation", "businessPhones"}


def _rule_properties() -> dict[str, RuleProperty]:
    found: dict[str, RuleProperty] = {}
    for canonical, kind in RULE_PROPERTIES.items():
        if canonical in _GRAPH_ONLY:
            continue
        found[canonical.lower()] = RuleProperty(canonical, canonical, kind)
        if canonical.startswith(EXTENSION_PREFIX):
            short = canonical.removeprefix(EXTENSION_PREFIX)  # Entra's user.extensionAttributeN
            found[short.lower()] = RuleProperty(short, canonical, kind)
    for entra, canonical in _ENTRA_NAMES.items():
        if entra == "telephoneNumber":
            found[entra.lower()] = RuleProperty(entra, canonical, "string", "first")
        else:
            found[entra.lower()] = RuleProperty(entra, canonical, RULE_PROPERTIES[canonical])
    return found


#: Lower-cased name as a rule spells it (without `user.`) -> the property.
_BY_RULE_NAME = _rule_properties()

#: Properties Entra allows in rules that Seatplan does not keep, and why.
_NOT_STORED = {
    "assignedplans": "Seatplan does not keep assignedPlans: licenses follow membership, so "
    "a rule that read them would make membership depend on licensing",
    "memberof": "memberOf rules are not supported: use nested groups instead",
    "manager": "Seatplan does not keep managers",
    "directreports": "Seatplan does not keep managers",
    "employeehiredate": "Seatplan does not keep employeeHireDate",
    "employeeorgdata": "Seatplan does not keep employeeOrgData",
    "facsimiletelephonenumber": "Seatplan does not keep facsimileTelephoneNumber",
    "onpremisesdistinguishedname": "Seatplan does not keep onPremisesDistinguishedName",
    "onpremisessamaccountname": "Seatplan does not keep onPremisesSamAccountName",
    "onpremisessecurityidentifier": "Seatplan does not keep onPremisesSecurityIdentifier",
    "passwordpolicies": "Seatplan does not keep passwordPolicies",
    "sipproxyaddress": "Seatplan does not keep sipProxyAddress",
}
_INSTEAD = {
    "mobilephone": "user.mobile",
    "id": "user.objectId",
    "officelocation": "user.physicalDeliveryOfficeName",
    "businessphones": "user.telephoneNumber",
}


def lookup(path: str) -> RuleProperty:
    """The property a rule names by `path` (`user.department`); ValueError says why not.

    Property names are matched whatever their case: Entra's own examples mix
    `mailNickName` and `mailNickname`, `employeeHireDate` and `employeehiredate`.
    """
    head, _, name = path.partition(".")
    head = head.lower()
    if head == "device":
        raise ValueError(f"'{path}': Seatplan groups hold users only, not devices")
    if head != "user" or not name:
        raise ValueError(f"unknown property '{path}' (properties are named user.<name>)")
    key = name.lower()
    found = _BY_RULE_NAME.get(key)
    if found is not None:
        return found
    if key in _NOT_STORED:
        raise ValueError(f"'{path}': {_NOT_STORED[key]}")
    if key in _INSTEAD:
        raise ValueError(f"unknown property '{path}' (rules name it {_INSTEAD[key]})")
    if key.startswith("extension_"):
        raise ValueError(f"'{path}': Seatplan does not keep directory extension properties")
    guess = difflib.get_close_matches(key, _BY_RULE_NAME, n=1, cutoff=0.8)
    hint = f" (did you mean user.{_BY_RULE_NAME[guess[0]].name}?)" if guess else ""
    return _raise_unknown(path, hint)


def _raise_unknown(path: str, hint: str) -> RuleProperty:
    raise ValueError(f"unknown property '{path}'{hint}")


def rule_names() -> list[RuleProperty]:
    """One name per property, Entra's (the shortest where a rule may spell it two ways)."""
    chosen: dict[str, RuleProperty] = {}
    for found in _BY_RULE_NAME.values():
        kept = chosen.get(found.canonical)
        if kept is None or len(found.name) < len(kept.name):
            chosen[found.canonical] = found
    return sorted(chosen.values(), key=lambda p: p.name.lower())
