"""`PATCH /scim/v2/Users/{id}` and `/Groups/{id}` (RFC 7644 §3.5.2).

The operations are applied to the resource as GET answers it (patch.py), and the result is
written by the same function as PUT's, in one transaction: checked as a replace is, with
licensing queued for a change of `active` or of members, and nothing written on any error.

A group's member batches (patch_members.py) touch only the members they name, and are
answered 204 No Content: the group's version covers all its members, so an `If-Match`, or
`attributes`/`excludedAttributes` asking for the resource, takes the general way.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from seatplan.scim import common, one_resource, patch_members, resources
from seatplan.scim.auth import ProvisioningApp
from seatplan.scim.common import BodyDep
from seatplan.scim.errors import ScimRoute

router = APIRouter(route_class=ScimRoute, tags=["SCIM"])


@router.patch("/Users/{user_id}", summary="SCIM: change a user (PatchOp)")
def patch_user(request: Request, user_id: str, body: BodyDep, caller: ProvisioningApp) -> Response:
    return one_resource.patch_one(request, caller, one_resource.USERS, user_id, body)


@router.patch("/Groups/{group_id}", summary="SCIM: change a group (PatchOp)")
def patch_group(
    request: Request, group_id: str, body: BodyDep, caller: ProvisioningApp
) -> Response:
    wanted = patch_members.member_changes(body)
    if wanted is not None and not patch_members.answer_needed(request):
        with common.writing(request, caller) as session:
            resources.change_members(session, resources.find_group(session, group_id), wanted)
        return Response(status_code=204)
    return one_resource.patch_one(request, caller, one_resource.GROUPS, group_id, body)
