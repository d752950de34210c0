"""What SCIM PATCH knows of the User and Group schemas: enough to resolve paths and
type-check values (RFC 7643 §4), and PATCH's error."""

from __future__ import annotations

from dataclasses import dataclass, field

from seatplan.scim import schemas
from seatplan.scim.errors import ScimError

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = schemas.USER
GROUP_SCHEMA = schemas.GROUP
ENTERPRISE_SCHEMA = schemas.ENTERPRISE
SEATPLAN_SCHEMA = schemas.SEATPLAN


class PatchError(ScimError):
    """A PATCH the service refuses: SCIM's `scimType` (RFC 7644 gives each 400)."""

    def __init__(self, scim_type: str, detail: str) -> None:
        super().__init__(400, detail, scim_type)


@dataclass(frozen=True)
class Attribute:
    name: str
    multi: bool = False
    boolean: bool = False
    read_only: bool = False
    #: Sub-attributes by lower-case name; empty for a simple attribute.
    subs: dict[str, Attribute] = field(default_factory=dict)


@dataclass(frozen=True)
class Schema:
    """Just enough of a resource type's schemas to resolve and type-check PATCH paths."""

    core: str
    required: str
    #: Lower-case attribute name → attribute, by schema URN (core first).
    attributes: dict[str, dict[str, Attribute]]

    def find(self, urn: str, name: str) -> Attribute | None:
        return self.attributes[urn].get(name.lower())


def _complex(name: str, *subs: str, multi: bool = False, read_only: bool = False) -> Attribute:
    parts = {s.lower(): Attribute(s, boolean=s == "primary", read_only=read_only) for s in subs}
    return Attribute(name, multi=multi, read_only=read_only, subs=parts)


def _by_name(*attributes: Attribute) -> dict[str, Attribute]:
    return {a.name.lower(): a for a in attributes}


_MULTI_SUBS = ("value", "display", "type", "primary", "$ref")
_META = _complex(
    "meta", "resourceType", "created", "lastModified", "location", "version", read_only=True
)

USER = Schema(
    core=USER_SCHEMA,
    required="userName",
    attributes={
        USER_SCHEMA: _by_name(
            Attribute("id", read_only=True),
            Attribute("externalId"),
            _META,
            Attribute("userName"),
            _complex(
                "name",
                "formatted",
                "familyName",
                "givenName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix",
            ),
            *(
                Attribute(n)
                for n in (
                    "displayName",
                    "nickName",
                    "profileUrl",
                    "title",
                    "userType",
                    "preferredLanguage",
                    "locale",
                    "timezone",
                    "password",
                )
            ),
            Attribute("active", boolean=True),
            *(
                _complex(n, *_MULTI_SUBS, multi=True)
                for n in (
                    "emails",
                    "phoneNumbers",
                    "ims",
                    "photos",
                    "entitlements",
                    "roles",
                    "x509Certificates",
                )
            ),
            _complex(
                "addresses",
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
                "primary",
                multi=True,
            ),
            _complex("groups", *_MULTI_SUBS, multi=True, read_only=True),
        ),
        ENTERPRISE_SCHEMA: _by_name(
            *(
                Attribute(n)
                for n in ("employeeNumber", "costCenter", "organization", "division", "department")
            ),
            _complex("manager", "value", "$ref", "displayName"),
        ),
        SEATPLAN_SCHEMA: _by_name(Attribute("usageLocation")),
    },
)

GROUP = Schema(
    core=GROUP_SCHEMA,
    required="displayName",
    attributes={
        GROUP_SCHEMA: _by_name(
            Attribute("id", read_only=True),
            Attribute("externalId"),
            _META,
            Attribute("displayName"),
            _complex("members", *_MULTI_SUBS, multi=True),
        ),
    },
)
