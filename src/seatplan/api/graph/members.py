"""Group membership (`members`, `members/$ref`) and `membersWithLicenseErrors`."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, PlainTextResponse, Response

from seatplan.api import odata
from seatplan.api.answers import collection, directory_objects, selectable
from seatplan.api.deps import SecretDep, SessionDep, WriteSessionDep
from seatplan.api.graph import listing, mixed
from seatplan.api.graph.bodies import MemberRef
from seatplan.api.graph.common import (
    CAST_NAMESPACES,
    GROUP_READ,
    MEMBER_WRITE,
    USER_TYPE,
    GroupId,
    UserRef,
    check_user_select,
    count_responses,
    group_by_id,
    group_items,
    require,
    responses,
    user_items,
)
from seatplan.services import directory, lookup, nesting
from seatplan.services import groups as group_service
from seatplan.services.errors import BadRequest, NotFound
from seatplan.shapes.groups import Group
from seatplan.shapes.users import User

router = APIRouter(tags=["groups"])
GroupPath = Annotated[str, GroupId]
UserPath = Annotated[str, UserRef]


def _users_page(
    request: Request,
    session: Session,
    secret: bytes,
    statement: Select[Any],
    *,
    cast: bool = False,
) -> JSONResponse:
    """Users in a directoryObject collection (each with its `@odata.type`), or in the
    same collection cast to users (`…/microsoft.graph.user`: a users collection)."""
    return listing.page(
        session,
        request,
        spec=odata.USERS,
        statement=statement,
        secret=secret,
        context="users" if cast else "directoryObjects",
        shape=lambda rows, select: user_items(session, rows, check_user_select(request, select)),
        odata_type=None if cast else USER_TYPE,
    )


@router.get(
    "/groups/{group_id}/members",
    dependencies=[require(GROUP_READ)],
    responses=responses(directory_objects(selectable(User), selectable(Group))),
    summary="The group's direct members (users and groups)",
)
def members(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    """Users, then groups (`api.graph.mixed`)."""
    group = group_by_id(session, group_id)
    return mixed.page(
        session,
        request,
        secret=secret,
        users=directory.members_of(session, group.id),
        groups=nesting.member_groups(group.id),
    )


def members_as_users(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    group = group_by_id(session, group_id)
    statement = directory.members_of(session, group.id)
    return _users_page(request, session, secret, statement, cast=True)


def members_as_groups(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    """The groups nested in the group."""
    group = group_by_id(session, group_id)
    return listing.page(
        session,
        request,
        spec=odata.GROUPS,
        statement=nesting.member_groups(group.id),
        secret=secret,
        context="groups",
        shape=lambda rows, select: group_items(session, rows, select),
    )


for _namespace in CAST_NAMESPACES:
    # The alias spelling answers the same, undocumented (one operation per cast).
    _documented = _namespace == CAST_NAMESPACES[0]
    router.add_api_route(
        f"/groups/{{group_id}}/members/{_namespace}user",
        members_as_users,
        methods=["GET"],
        dependencies=[require(GROUP_READ)],
        responses=responses(collection(selectable(User))),
        summary="The group's members that are users (an OData cast)",
        include_in_schema=_documented,
        operation_id=f"members_as_users_{_namespace.rstrip('.').replace('.', '_')}",
    )
    router.add_api_route(
        f"/groups/{{group_id}}/members/{_namespace}group",
        members_as_groups,
        methods=["GET"],
        dependencies=[require(GROUP_READ)],
        responses=responses(collection(selectable(Group))),
        summary="The group's members that are groups (an OData cast)",
        include_in_schema=_documented,
        operation_id=f"members_as_groups_{_namespace.rstrip('.').replace('.', '_')}",
    )


def count_members_as_users(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    group = group_by_id(session, group_id)
    statement = directory.members_of(session, group.id)
    return listing.count(session, request, spec=odata.USERS, statement=statement)


def count_members_as_groups(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    group = group_by_id(session, group_id)
    statement = nesting.member_groups(group.id)
    return listing.count(session, request, spec=odata.GROUPS, statement=statement)


for _namespace in CAST_NAMESPACES:
    for _type, _count in (("user", count_members_as_users), ("group", count_members_as_groups)):
        router.add_api_route(
            f"/groups/{{group_id}}/members/{_namespace}{_type}/$count",
            _count,
            methods=["GET"],
            response_class=PlainTextResponse,
            dependencies=[require(GROUP_READ)],
            responses=count_responses(),
            summary=f"Count the group's members that are {_type}s (an OData cast)",
            include_in_schema=_namespace == CAST_NAMESPACES[0],
            operation_id=f"count_members_as_{_type}_{_namespace.rstrip('.').replace('.', '_')}",
        )


@router.get(
    "/groups/{group_id}/membersWithLicenseErrors",
    dependencies=[require(GROUP_READ)],
    responses=responses(collection(selectable(User))),
    summary="Users with a license error from this group",
)
def members_with_license_errors(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    """Includes users who left the group but keep its license in error (as in Entra)."""
    group = group_by_id(session, group_id)
    return _users_page(request, session, secret, directory.members_with_errors(group.id))


@router.get(
    "/groups/{group_id}/members/$count",
    response_class=PlainTextResponse,
    dependencies=[require(GROUP_READ)],
    responses=count_responses(),
    summary="Count the group's direct members",
)
def count_members(request: Request, group_id: GroupPath, session: SessionDep) -> PlainTextResponse:
    group = group_by_id(session, group_id)
    return mixed.count(
        session,
        request,
        users=directory.members_of(session, group.id),
        groups=nesting.member_groups(group.id),
    )


@router.get(
    "/groups/{group_id}/membersWithLicenseErrors/$count",
    response_class=PlainTextResponse,
    dependencies=[require(GROUP_READ)],
    responses=count_responses(),
    summary="Count the users with a license error from this group",
)
def count_members_with_license_errors(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    group = group_by_id(session, group_id)
    statement = directory.members_with_errors(group.id)
    return listing.count(session, request, spec=odata.USERS, statement=statement)


#: The @odata.id forms Graph takes for a member: `…/directoryObjects/{id}`, `…/users/{id}`,
#: `…/groups/{id}`, or the same with `(id)` / `('id')`.
_REF_KINDS = ("directoryObjects", "users", "groups")


def _referenced(reference: str) -> tuple[str, UUID]:
    """The kind ('directoryObjects', 'users' or 'groups') and id an @odata.id names."""
    path = reference.rstrip("/")
    tail = path.rsplit("/", 1)[-1]
    kind = path.rsplit("/", 2)[-2] if path.count("/") >= 1 else ""
    if "(" in tail and tail.endswith(")"):
        kind, tail = tail.split("(", 1)[0], tail.split("(", 1)[1][:-1].strip("'")
    found = lookup.as_uuid(tail)
    if found is None or (kind not in _REF_KINDS and "/" in path):
        raise BadRequest(
            f"Invalid @odata.id '{reference}': expected https://…/v1.0/directoryObjects/{{id}}."
        )
    return kind, found


@router.post(
    "/groups/{group_id}/members/$ref",
    status_code=204,
    response_class=Response,
    dependencies=[require(MEMBER_WRITE)],
    responses=responses(status=204, description="Added"),
    summary="Add a member (a user or a group)",
)
def add_member(group_id: GroupPath, body: MemberRef, session: WriteSessionDep) -> Response:
    group = group_by_id(session, group_id)
    kind, member_id = _referenced(body.odata_id)
    nested = None if kind == "users" else lookup.group_by_id(session, member_id)
    if nested is not None:
        group_service.add_group_member(session, group=group, member=nested)
    elif kind == "groups":
        raise NotFound("Group", member_id)
    else:
        user = lookup.user(session, member_id)
        group_service.add_member(session, group=group, user=user)
    return Response(status_code=204)


@router.delete(
    "/groups/{group_id}/members/{user_id}/$ref",
    status_code=204,
    response_class=Response,
    dependencies=[require(MEMBER_WRITE)],
    responses=responses(status=204, description="Removed"),
    summary="Remove a member (a user or a group)",
)
def remove_member(group_id: GroupPath, user_id: UserPath, session: WriteSessionDep) -> Response:
    group = group_by_id(session, group_id)
    member_id = lookup.as_uuid(user_id)
    nested = lookup.group_by_id(session, member_id)
    if nested is not None:
        group_service.remove_group_member(session, group=group, member=nested)
    else:
        group_service.remove_member(session, group=group, user=lookup.user(session, user_id))
    return Response(status_code=204)
