"""`/v1.0/groups`: list, create, read, change, delete groups and assign them licenses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from seatplan.api import odata
from seatplan.api.answers import collection, expandable, selectable
from seatplan.api.deps import SecretDep, SessionDep, WriteSessionDep
from seatplan.api.graph import expansion, listing
from seatplan.api.graph.bodies import AssignLicense, GroupCreate, GroupUpdate
from seatplan.api.graph.common import (
    GROUP_READ,
    GROUP_WRITE,
    LICENSE_WRITE,
    GroupId,
    count_responses,
    group_by_id,
    group_items,
    require,
    responses,
)
from seatplan.services import directory, licenses
from seatplan.services import groups as group_service
from seatplan.shapes.groups import Group
from seatplan.shapes.users import User

router = APIRouter(tags=["groups"])
GroupPath = Annotated[str, GroupId]


@router.get(
    "/groups",
    dependencies=[require(GROUP_READ)],
    responses=responses(collection(expandable(Group, "members", User))),
    summary="List groups",
)
def list_groups(request: Request, session: SessionDep, secret: SecretDep) -> JSONResponse:
    """Groups; `$filter=hasMembersWithLicenseErrors eq true` finds those with errors."""
    return listing.page(
        session,
        request,
        spec=odata.GROUPS,
        statement=directory.groups(),
        secret=secret,
        context="groups",
        shape=lambda rows, select: group_items(session, rows, select),
        expandable=True,
    )


@router.get(
    "/groups/$count",
    response_class=PlainTextResponse,
    dependencies=[require(GROUP_READ)],
    responses=count_responses(),
    summary="Count groups",
)
def count_groups(request: Request, session: SessionDep) -> PlainTextResponse:
    """Needs `ConsistencyLevel: eventual`; takes `$filter` and `$search`."""
    return listing.count(session, request, spec=odata.GROUPS, statement=directory.groups())


@router.post(
    "/groups",
    status_code=201,
    dependencies=[require(GROUP_WRITE)],
    responses=responses(selectable(Group), 201, "Created"),
    summary="Create a security group",
)
def create_group(request: Request, body: GroupCreate, session: WriteSessionDep) -> JSONResponse:
    group = group_service.create(
        session,
        display_name=body.display_name,
        description=body.description,
        security_enabled=body.security_enabled,
        mail_enabled=body.mail_enabled,
        mail_nickname=body.mail_nickname,
        group_types=body.group_types,
        visibility=body.visibility,
        membership_rule=body.membership_rule,
        membership_rule_processing_state=body.membership_rule_processing_state,
    )
    item = group_items(session, [group], None)[0]
    return listing.entity(request, "groups/$entity", item, status=201)


@router.get(
    "/groups/{group_id}",
    dependencies=[require(GROUP_READ)],
    responses=responses(expandable(Group, "members", User)),
    summary="Get a group",
)
def get_group(request: Request, group_id: GroupPath, session: SessionDep) -> JSONResponse:
    """A group; `$select=assignedLicenses,licenseProcessingState` shows its licensing,
    `$expand=members` its first 20 members."""
    select, expand = listing.select_and_expand(request, odata.GROUPS)
    group = group_by_id(session, group_id)
    items = group_items(session, [group], select)
    if expand is not None:
        expansion.add(session, expand, [group], items)
    context = f"{listing.with_select('groups', select, expand)}/$entity"
    return listing.entity(request, context, items[0])


@router.patch(
    "/groups/{group_id}",
    status_code=204,
    response_class=Response,
    dependencies=[require(GROUP_WRITE)],
    responses=responses(status=204, description="Updated"),
    summary="Update a group",
)
def update_group(group_id: GroupPath, body: GroupUpdate, session: WriteSessionDep) -> Response:
    """`groupTypes` may add or drop DynamicMembership: a dynamic group's members are
    replaced by its rule's result (in the background); a group made static keeps them."""
    group = group_by_id(session, group_id)
    changes = body.changes()
    if (types := changes.pop("group_types", None)) is not None:
        changes["dynamic"] = group_service.dynamic_in(group, types)
    group_service.update(session, group=group, **changes)
    return Response(status_code=204)


@router.delete(
    "/groups/{group_id}",
    status_code=204,
    response_class=Response,
    dependencies=[require(GROUP_WRITE)],
    responses=responses(status=204, description="Deleted"),
    summary="Delete a group",
)
def delete_group(group_id: GroupPath, session: WriteSessionDep) -> Response:
    """A group that assigns licenses must lose them first (400 otherwise)."""
    group_service.delete_group(session, group=group_by_id(session, group_id))
    return Response(status_code=204)


@router.post(
    "/groups/{group_id}/assignLicense",
    status_code=202,
    dependencies=[require(LICENSE_WRITE, GROUP_WRITE)],
    responses=responses(
        selectable(Group), 202, "Accepted: members are processed in the background"
    ),
    summary="Assign or remove a group's licenses",
)
def assign_license(
    request: Request, group_id: GroupPath, body: AssignLicense, session: WriteSessionDep
) -> JSONResponse:
    """Checks the group's own products at once, then queues its members (202)."""
    group = group_by_id(session, group_id)
    add = {item.sku_id: frozenset(item.disabled_plans) for item in body.add_licenses}
    licenses.assign_to_group(session, group=group, add=add, remove=body.remove_licenses)
    session.refresh(group)
    item = group_items(session, [group], ("id", "displayName", "assignedLicenses"))[0]
    response = listing.entity(request, "groups/$entity", item)
    response.status_code = 202
    return response
