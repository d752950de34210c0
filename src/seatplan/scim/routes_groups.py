"""`/scim/v2/Groups`: create, read, list with filters, replace and delete (PATCH:
routes_patch.py); one resource as `one_resource` reads and writes it.

Membership changes go through `services.membership` as Graph's do: licensing queued in
the same transaction, the change log, events and the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from seatplan.scim import common, one_resource, resources
from seatplan.scim.auth import ProvisioningApp
from seatplan.scim.common import BodyDep
from seatplan.scim.errors import ScimRoute
from seatplan.scim.queries import GROUP_COLUMNS
from seatplan.store.tables import Group

router = APIRouter(route_class=ScimRoute, tags=["SCIM"])


def _members_wanted(request: Request) -> bool:
    """Whether the answer shows members: reading them is skipped when it would not."""
    excluded = (request.query_params.get("excludedAttributes") or "").lower()
    attributes = (request.query_params.get("attributes") or "").lower()
    if "members" in {part.strip() for part in excluded.split(",")}:
        return False
    return not attributes or "members" in attributes


@router.post("/Groups", status_code=201, summary="SCIM: create a group")
def create_group(request: Request, body: BodyDep, caller: ProvisioningApp) -> Response:
    with common.writing(request, caller) as session:
        group = resources.replace_group(session, None, body)
        resource = resources.group_resource(session, group, common.base_url(request))
    return common.answer(request, resource, 201)


@router.get("/Groups", summary="SCIM: list groups")
def list_groups(request: Request, caller: ProvisioningApp) -> Response:
    base = common.base_url(request)
    members = _members_wanted(request)
    with common.database(request).reading() as session:
        return common.listing(
            request,
            session,
            select(Group),
            columns=GROUP_COLUMNS,
            order=Group.id,
            shape=lambda s, rows: resources.group_resources(s, rows, base, with_members=members),
        )


@router.get("/Groups/{group_id}", summary="SCIM: get a group")
def get_group(request: Request, group_id: str, caller: ProvisioningApp) -> Response:
    return one_resource.read_one(request, one_resource.GROUPS, group_id)


@router.put("/Groups/{group_id}", summary="SCIM: replace a group")
def replace_group(
    request: Request, group_id: str, body: BodyDep, caller: ProvisioningApp
) -> Response:
    return one_resource.replace_one(request, caller, one_resource.GROUPS, group_id, body)


@router.delete("/Groups/{group_id}", status_code=204, summary="SCIM: delete a group")
def delete_group(request: Request, group_id: str, caller: ProvisioningApp) -> Response:
    return one_resource.delete_one(request, caller, one_resource.GROUPS, group_id)
