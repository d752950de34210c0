"""`/scim/v2/Users`: create, read, list with filters, replace and delete (PATCH:
routes_patch.py); one resource as `one_resource` reads and writes it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from seatplan.scim import common, one_resource, resources
from seatplan.scim.auth import ProvisioningApp
from seatplan.scim.common import BodyDep
from seatplan.scim.errors import ScimRoute
from seatplan.scim.queries import USER_COLUMNS
from seatplan.store.tables import User

router = APIRouter(route_class=ScimRoute, tags=["SCIM"])


@router.post("/Users", status_code=201, summary="SCIM: create a user")
def create_user(request: Request, body: BodyDep, caller: ProvisioningApp) -> Response:
    with common.writing(request, caller) as session:
        user = resources.replace_user(session, None, body)
        resource = resources.user_resource(session, user, common.base_url(request))
    return common.answer(request, resource, 201)


@router.get("/Users", summary="SCIM: list users")
def list_users(request: Request, caller: ProvisioningApp) -> Response:
    base = common.base_url(request)
    with common.database(request).reading() as session:
        return common.listing(
            request,
            session,
            select(User),
            columns=USER_COLUMNS,
            order=User.id,
            shape=lambda s, rows: resources.user_resources(s, rows, base),
        )


@router.get("/Users/{user_id}", summary="SCIM: get a user")
def get_user(request: Request, user_id: str, caller: ProvisioningApp) -> Response:
    return one_resource.read_one(request, one_resource.USERS, user_id)


@router.put("/Users/{user_id}", summary="SCIM: replace a user")
def replace_user(
    request: Request, user_id: str, body: BodyDep, caller: ProvisioningApp
) -> Response:
    return one_resource.replace_one(request, caller, one_resource.USERS, user_id, body)


@router.delete("/Users/{user_id}", status_code=204, summary="SCIM: delete a user")
def delete_user(request: Request, user_id: str, caller: ProvisioningApp) -> Response:
    return one_resource.delete_one(request, caller, one_resource.USERS, user_id)
