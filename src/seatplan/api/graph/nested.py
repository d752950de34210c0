"""Nested groups' reads: a group's `memberOf`, `transitiveMembers`, `transitiveMemberOf`
and a user's `transitiveMemberOf`, each with its casts and `/$count` segments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, PlainTextResponse

from seatplan.api import odata
from seatplan.api.answers import collection, directory_objects, selectable
from seatplan.api.deps import SecretDep, SessionDep
from seatplan.api.graph import listing, mixed
from seatplan.api.graph.common import (
    CAST_NAMESPACES,
    GROUP_READ,
    GROUP_TYPE,
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
from seatplan.services import lookup, nesting
from seatplan.shapes.groups import Group
from seatplan.shapes.users import User

router = APIRouter(tags=["groups"])
GroupPath = Annotated[str, GroupId]
UserPath = Annotated[str, UserRef]


def _groups_page(
    request: Request, session: Session, secret: bytes, statement: Select[Any], *, cast: bool
) -> JSONResponse:
    return listing.page(
        session,
        request,
        spec=odata.GROUPS,
        statement=statement,
        secret=secret,
        context="groups" if cast else "directoryObjects",
        shape=lambda rows, select: group_items(session, rows, select),
        odata_type=None if cast else GROUP_TYPE,
    )


def _group_member_of(session: Session, ref: str) -> Select[Any]:
    return nesting.parent_groups(group_by_id(session, ref).id)


def _group_transitive_member_of(session: Session, ref: str) -> Select[Any]:
    return nesting.transitive_groups_of_group(group_by_id(session, ref).id)


def _user_transitive_member_of(session: Session, ref: str) -> Select[Any]:
    return nesting.transitive_groups_of_user(lookup.user(session, ref).id)


# One set of routes per list of groups: the list, its cast to groups (both spellings),
# and the /$count of each. Endpoints are module-level functions (FastAPI keeps them).


def group_member_of(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    statement = _group_member_of(session, group_id)
    return _groups_page(request, session, secret, statement, cast=False)


def group_member_of_groups(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    statement = _group_member_of(session, group_id)
    return _groups_page(request, session, secret, statement, cast=True)


def count_group_member_of(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    statement = _group_member_of(session, group_id)
    return listing.count(session, request, spec=odata.GROUPS, statement=statement)


def group_transitive_member_of(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    statement = _group_transitive_member_of(session, group_id)
    return _groups_page(request, session, secret, statement, cast=False)


def group_transitive_member_of_groups(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    statement = _group_transitive_member_of(session, group_id)
    return _groups_page(request, session, secret, statement, cast=True)


def count_group_transitive_member_of(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    statement = _group_transitive_member_of(session, group_id)
    return listing.count(session, request, spec=odata.GROUPS, statement=statement)


def user_transitive_member_of(
    request: Request, user_id: UserPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    statement = _user_transitive_member_of(session, user_id)
    return _groups_page(request, session, secret, statement, cast=False)


def user_transitive_member_of_groups(
    request: Request, user_id: UserPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    statement = _user_transitive_member_of(session, user_id)
    return _groups_page(request, session, secret, statement, cast=True)


def count_user_transitive_member_of(
    request: Request, user_id: UserPath, session: SessionDep
) -> PlainTextResponse:
    statement = _user_transitive_member_of(session, user_id)
    return listing.count(session, request, spec=odata.GROUPS, statement=statement)


def _operation(name: str, namespace: str) -> str:
    return f"{name}_{namespace.rstrip('.').replace('.', '_')}"


def _add_group_lists(
    path: str,
    what: str,
    listed: Callable[..., JSONResponse],
    cast: Callable[..., JSONResponse],
    counted: Callable[..., PlainTextResponse],
) -> None:
    router.add_api_route(
        path,
        listed,
        methods=["GET"],
        dependencies=[require(GROUP_READ)],
        responses=responses(collection(selectable(Group))),
        summary=what,
    )
    router.add_api_route(
        f"{path}/$count",
        counted,
        methods=["GET"],
        response_class=PlainTextResponse,
        dependencies=[require(GROUP_READ)],
        responses=count_responses(),
        summary=f"Count {what[0].lower()}{what[1:]}",
        operation_id=_operation(counted.__name__, "all"),
    )
    for namespace in CAST_NAMESPACES:
        documented = namespace == CAST_NAMESPACES[0]
        router.add_api_route(
            f"{path}/{namespace}group",
            cast,
            methods=["GET"],
            dependencies=[require(GROUP_READ)],
            responses=responses(collection(selectable(Group))),
            summary=f"{what} (an OData cast)",
            include_in_schema=documented,
            operation_id=_operation(cast.__name__, namespace),
        )
        router.add_api_route(
            f"{path}/{namespace}group/$count",
            counted,
            methods=["GET"],
            response_class=PlainTextResponse,
            dependencies=[require(GROUP_READ)],
            responses=count_responses(),
            summary=f"Count {what[0].lower()}{what[1:]} (an OData cast)",
            include_in_schema=documented,
            operation_id=_operation(f"{counted.__name__}_groups", namespace),
        )


_add_group_lists(
    "/groups/{group_id}/memberOf",
    "The groups a group is a direct member of",
    group_member_of,
    group_member_of_groups,
    count_group_member_of,
)
_add_group_lists(
    "/groups/{group_id}/transitiveMemberOf",
    "The groups a group is a member of, directly or through nested groups",
    group_transitive_member_of,
    group_transitive_member_of_groups,
    count_group_transitive_member_of,
)
_add_group_lists(
    "/users/{user_id}/transitiveMemberOf",
    "The groups a user is a member of, directly or through nested groups",
    user_transitive_member_of,
    user_transitive_member_of_groups,
    count_user_transitive_member_of,
)


# -- transitiveMembers: users and groups ------------------------------------------------


def _transitive(session: Session, ref: str) -> tuple[Select[Any], Select[Any]]:
    group = group_by_id(session, ref)
    return nesting.transitive_member_users(group.id), nesting.transitive_member_groups(group.id)


@router.get(
    "/groups/{group_id}/transitiveMembers",
    dependencies=[require(GROUP_READ)],
    responses=responses(directory_objects(selectable(User), selectable(Group))),
    summary="The group's members and those of the groups in it, at any depth",
)
def transitive_members(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    """Users, then groups (`api.graph.mixed`)."""
    users, groups = _transitive(session, group_id)
    return mixed.page(session, request, secret=secret, users=users, groups=groups)


@router.get(
    "/groups/{group_id}/transitiveMembers/$count",
    response_class=PlainTextResponse,
    dependencies=[require(GROUP_READ)],
    responses=count_responses(),
    summary="Count the group's transitive members",
)
def count_transitive_members(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    users, groups = _transitive(session, group_id)
    return mixed.count(session, request, users=users, groups=groups)


def transitive_members_as_users(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    users, _ = _transitive(session, group_id)
    return listing.page(
        session,
        request,
        spec=odata.USERS,
        statement=users,
        secret=secret,
        context="users",
        shape=lambda rows, select: user_items(session, rows, check_user_select(request, select)),
    )


def transitive_members_as_groups(
    request: Request, group_id: GroupPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    _, groups = _transitive(session, group_id)
    return _groups_page(request, session, secret, groups, cast=True)


def count_transitive_members_as_users(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    users, _ = _transitive(session, group_id)
    return listing.count(session, request, spec=odata.USERS, statement=users)


def count_transitive_members_as_groups(
    request: Request, group_id: GroupPath, session: SessionDep
) -> PlainTextResponse:
    _, groups = _transitive(session, group_id)
    return listing.count(session, request, spec=odata.GROUPS, statement=groups)


for _namespace in CAST_NAMESPACES:
    _documented = _namespace == CAST_NAMESPACES[0]
    for _type, _list, _count, _shape in (
        ("user", transitive_members_as_users, count_transitive_members_as_users, User),
        ("group", transitive_members_as_groups, count_transitive_members_as_groups, Group),
    ):
        router.add_api_route(
            f"/groups/{{group_id}}/transitiveMembers/{_namespace}{_type}",
            _list,
            methods=["GET"],
            dependencies=[require(GROUP_READ)],
            responses=responses(collection(selectable(_shape))),
            summary=f"The group's transitive members that are {_type}s (an OData cast)",
            include_in_schema=_documented,
            operation_id=_operation(_list.__name__, _namespace),
        )
        router.add_api_route(
            f"/groups/{{group_id}}/transitiveMembers/{_namespace}{_type}/$count",
            _count,
            methods=["GET"],
            response_class=PlainTextResponse,
            dependencies=[require(GROUP_READ)],
            responses=count_responses(),
            summary=f"Count the group's transitive members that are {_type}s (an OData cast)",
            include_in_schema=_documented,
            operation_id=_operation(_count.__name__, _namespace),
        )
