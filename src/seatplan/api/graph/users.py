"""`/v1.0/users`: list, create, read, change and delete users (by id or userPrincipalName)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, PlainTextResponse, Response

from seatplan.api import odata
from seatplan.api.answers import collection, expandable, selectable
from seatplan.api.deps import DatabaseDep, SecretDep, SessionDep, WriteSessionDep, read
from seatplan.api.graph import expansion, listing
from seatplan.api.graph.bodies import UserCreate, UserUpdate
from seatplan.api.graph.common import (
    USER_READ,
    USER_WRITE,
    Json,
    UserRef,
    check_user_select,
    count_responses,
    require,
    responses,
    user_item,
    user_items,
)
from seatplan.api.odata.expand import Expand
from seatplan.services import directory, lookup
from seatplan.services import users as user_service
from seatplan.shapes.groups import Group
from seatplan.shapes.users import User
from seatplan.store.db import Database

router = APIRouter(tags=["users"])
UserPath = Annotated[str, UserRef]


@router.get(
    "/users",
    dependencies=[require(USER_READ)],
    responses=responses(collection(expandable(User, "memberOf", Group))),
    summary="List users",
)
def list_users(request: Request, session: SessionDep, secret: SecretDep) -> JSONResponse:
    """Users, with `$select`, `$filter`, `$top`, `$count`, `$orderby` and paging."""
    return listing.page(
        session,
        request,
        spec=odata.USERS,
        statement=directory.users(),
        secret=secret,
        context="users",
        shape=lambda rows, select: user_items(session, rows, check_user_select(request, select)),
        expandable=True,
    )


@router.get(
    "/users/$count",
    response_class=PlainTextResponse,
    dependencies=[require(USER_READ)],
    responses=count_responses(),
    summary="Count users",
)
def count_users(request: Request, session: SessionDep) -> PlainTextResponse:
    """Needs `ConsistencyLevel: eventual`; takes `$filter` and `$search`."""
    return listing.count(session, request, spec=odata.USERS, statement=directory.users())


@router.post(
    "/users",
    status_code=201,
    dependencies=[require(USER_WRITE)],
    responses=responses(selectable(User), 201, "Created"),
    summary="Create a user",
)
def create_user(request: Request, body: UserCreate, session: WriteSessionDep) -> JSONResponse:
    user = user_service.create(
        session,
        user_principal_name=body.user_principal_name,
        display_name=body.display_name,
        usage_location=body.usage_location,
        account_enabled=body.account_enabled,
        department=body.department,
        job_title=body.job_title,
        properties=body.standard(),
    )
    item = user_items(session, [user], None)[0]
    return listing.entity(request, "users/$entity", item, status=201)


@router.get(
    "/users/{user_id}",
    dependencies=[require(USER_READ)],
    responses=responses(expandable(User, "memberOf", Group)),
    summary="Get a user",
)
async def get_user(request: Request, user_id: UserPath, database: DatabaseDep) -> JSONResponse:
    """A user by id or userPrincipalName; `$select` chooses the properties,
    `$expand=memberOf` adds the user's first 20 groups."""
    select, expand = listing.select_and_expand(request, odata.USERS)
    check_user_select(request, select)
    if expand is None:
        item = await read(database, user_item, user_id, select)
    else:
        item = await run_in_threadpool(_expanded_user, database, user_id, select, expand)
    context = f"{listing.with_select('users', select, expand)}/$entity"
    return listing.entity(request, context, item)


def _expanded_user(
    database: Database, ref: str, select: tuple[str, ...] | None, expand: Expand
) -> Json:
    with database.reading() as session:
        user = lookup.user(session, ref)
        items = user_items(session, [user], select)
        expansion.add(session, expand, [user], items)
        return items[0]


@router.patch(
    "/users/{user_id}",
    status_code=204,
    response_class=Response,
    dependencies=[require(USER_WRITE)],
    responses=responses(status=204, description="Updated"),
    summary="Update a user",
)
def update_user(user_id: UserPath, body: UserUpdate, session: WriteSessionDep) -> Response:
    """Change a user; a new usageLocation must suit the user's direct licenses."""
    user = lookup.user(session, user_id)
    changes = body.changes()
    if "account_enabled" in changes and changes["account_enabled"] is None:
        del changes["account_enabled"]
    user_service.update(session, user=user, properties=body.standard(), **changes)
    return Response(status_code=204)


@router.delete(
    "/users/{user_id}",
    status_code=204,
    response_class=Response,
    dependencies=[require(USER_WRITE)],
    responses=responses(status=204, description="Deleted"),
    summary="Delete a user",
)
def delete_user(user_id: UserPath, session: WriteSessionDep) -> Response:
    user_service.delete_user(session, user=lookup.user(session, user_id))
    return Response(status_code=204)
