"""The SCIM 2.0 service provider at `/scim/v2` (RFC 7643, RFC 7644): a face beside the
API and the portal, over the same services (docs/scim.md)."""

from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from seatplan.scim import discovery, routes_groups, routes_patch, routes_users
from seatplan.scim.common import PREFIX
from seatplan.scim.errors import ScimError, ScimRoute

ROUTERS: list[APIRouter] = [
    routes_users.router,
    routes_groups.router,
    routes_patch.router,
    discovery.router,
]


#: The endpoints served, whatever the method: another method there is 405, not 404.
_ENDPOINTS = re.compile(r"(ServiceProviderConfig|(ResourceTypes|Schemas|Users|Groups)(/[^/]+)?)/?")


def _unknown(request: Request, rest: str) -> Response:
    if _ENDPOINTS.fullmatch(rest):
        raise ScimError(405, f"{request.method} is not supported on {PREFIX}/{rest}.")
    raise ScimError(404, f"No SCIM endpoint {PREFIX}/{rest}.")


def mount_scim(app: FastAPI) -> None:
    """Add the SCIM routes to `app`; an unknown path under `/scim/v2` answers in SCIM's shape."""
    # Out of /openapi.json: SCIM describes itself (ServiceProviderConfig, Schemas).
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX, include_in_schema=False)
    fallback = APIRouter(route_class=ScimRoute, include_in_schema=False)
    fallback.add_api_route(
        "/{rest:path}", _unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
    )
    app.include_router(fallback, prefix=PREFIX)
