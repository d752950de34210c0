"""`ServiceProviderConfig`, `ResourceTypes` and `Schemas` (RFC 7644 §4, RFC 7643 §5-7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from seatplan.scim import common, schemas
from seatplan.scim.auth import ProvisioningApp
from seatplan.scim.errors import ScimError, ScimRoute, scim_json

router = APIRouter(route_class=ScimRoute, tags=["SCIM"])
Json = dict[str, Any]


def _attribute(
    name: str,
    kind: str = "string",
    *,
    multi: bool = False,
    required: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    case_exact: bool = False,
    sub: list[Json] | None = None,
    description: str = "",
) -> Json:
    found: Json = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub is not None:
        found["subAttributes"] = sub
    return found


def _multi(name: str, kinds: list[str], extra: list[Json] | None = None) -> Json:
    items = [
        _attribute("value"),
        _attribute("type"),
        _attribute("primary", "boolean"),
        *(extra or []),
    ]
    items[1]["canonicalValues"] = kinds
    return _attribute(name, "complex", multi=True, sub=items)


USER_ATTRIBUTES = [
    _attribute("userName", required=True, uniqueness="server", description="userPrincipalName"),
    _attribute(
        "name",
        "complex",
        sub=[
            _attribute("formatted", mutability="readOnly"),
            _attribute("givenName"),
            _attribute("familyName"),
        ],
    ),
    _attribute("displayName"),
    _attribute("title"),
    {
        **_attribute("userType", description="Member or Guest"),
        "canonicalValues": ["Member", "Guest"],
    },
    _attribute("preferredLanguage"),
    _attribute("active", "boolean", description="accountEnabled; false frees every license"),
    _multi("emails", ["work", "other"]),
    _multi("phoneNumbers", ["work", "mobile"]),
    _attribute(
        "addresses",
        "complex",
        multi=True,
        sub=[
            *(
                _attribute(name)
                for name in ("type", "streetAddress", "locality", "region", "postalCode", "country")
            ),
            _attribute("primary", "boolean"),
        ],
    ),
    _attribute(
        "groups",
        "complex",
        multi=True,
        mutability="readOnly",
        sub=[
            _attribute("value", mutability="readOnly"),
            _attribute("display", mutability="readOnly"),
        ],
    ),
]
ENTERPRISE_ATTRIBUTES = [
    _attribute("employeeNumber"),
    _attribute("costCenter"),
    _attribute("organization"),
    _attribute("division"),
    _attribute("department"),
    _attribute(
        "manager",
        "complex",
        sub=[
            _attribute("value"),
            {**_attribute("$ref", "reference"), "referenceTypes": ["User"]},
            _attribute("displayName", mutability="readOnly"),
        ],
    ),
]
SEATPLAN_ATTRIBUTES = [
    _attribute(
        "usageLocation",
        description="ISO 3166-1 alpha-2 country licensing is judged at (Graph's usageLocation)",
    )
]
GROUP_ATTRIBUTES = [
    _attribute("displayName", required=True),
    _attribute(
        "members",
        "complex",
        multi=True,
        sub=[
            _attribute("value", mutability="immutable"),
            {
                **_attribute("$ref", "reference", mutability="immutable"),
                "referenceTypes": ["User", "Group"],
            },
            _attribute("display", mutability="readOnly"),
            {**_attribute("type", mutability="immutable"), "canonicalValues": ["User", "Group"]},
        ],
    ),
]
SCHEMAS: dict[str, tuple[str, str, list[Json]]] = {
    schemas.USER: ("User", "User Account", USER_ATTRIBUTES),
    schemas.GROUP: ("Group", "Group", GROUP_ATTRIBUTES),
    schemas.ENTERPRISE: ("EnterpriseUser", "Enterprise User", ENTERPRISE_ATTRIBUTES),
    schemas.SEATPLAN: ("SeatplanUser", "Seatplan's licensing attributes", SEATPLAN_ATTRIBUTES),
}


def _schema(base: str, urn: str) -> Json:
    name, description, attributes = SCHEMAS[urn]
    return {
        "schemas": [schemas.SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
    }


def _resource_types(base: str) -> list[Json]:
    return [
        {
            "schemas": [schemas.RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": schemas.USER,
            "schemaExtensions": [
                {"schema": schemas.ENTERPRISE, "required": False},
                {"schema": schemas.SEATPLAN, "required": False},
            ],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
        },
        {
            "schemas": [schemas.RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Group",
            "schema": schemas.GROUP,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"},
        },
    ]


@router.get("/ServiceProviderConfig", summary="SCIM: what this service supports")
def service_provider_config(request: Request, caller: ProvisioningApp) -> Response:
    base = common.base_url(request)
    return scim_json(
        {
            "schemas": [schemas.SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": common.MAX_RESULTS},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": True},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "A Seatplan token with the Seatplan.Provisioning permission.",
                    "primary": True,
                }
            ],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": f"{base}/ServiceProviderConfig",
            },
        }
    )


@router.get("/ResourceTypes", summary="SCIM: resource types")
def resource_types(request: Request, caller: ProvisioningApp) -> Response:
    found = _resource_types(common.base_url(request))
    return scim_json(common.list_response(found, len(found), 1))


@router.get("/ResourceTypes/{name}", summary="SCIM: a resource type")
def resource_type(request: Request, name: str, caller: ProvisioningApp) -> Response:
    for found in _resource_types(common.base_url(request)):
        if found["id"] == name:
            return scim_json(found)
    raise ScimError(404, f"Resource type {name} not found.")


@router.get("/Schemas", summary="SCIM: schemas")
def schema_list(request: Request, caller: ProvisioningApp) -> Response:
    base = common.base_url(request)
    found = [_schema(base, urn) for urn in SCHEMAS]
    return scim_json(common.list_response(found, len(found), 1))


@router.get("/Schemas/{urn}", summary="SCIM: a schema")
def schema(request: Request, urn: str, caller: ProvisioningApp) -> Response:
    if urn not in SCHEMAS:
        raise ScimError(404, f"Schema {urn} not found.")
    return scim_json(_schema(common.base_url(request), urn))
