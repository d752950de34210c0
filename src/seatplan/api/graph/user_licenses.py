"""A user's licenses: assignLicense, licenseDetails, reprocessLicenseAssignment, memberOf."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, PlainTextResponse

from seatplan.api import odata
from seatplan.api.answers import collection, selectable
from seatplan.api.deps import DatabaseDep, SecretDep, SessionDep, WriteSessionDep, read
from seatplan.api.graph import listing
from seatplan.api.graph.bodies import AssignLicense
from seatplan.api.graph.common import (
    CAST_NAMESPACES,
    GROUP_READ,
    GROUP_TYPE,
    LICENSE_WRITE,
    USER_READ,
    USER_WRITE,
    UserRef,
    count_responses,
    group_items,
    project,
    require,
    responses,
    user_items,
)
from seatplan.services import directory, hot_reads, licenses, lookup
from seatplan.services.errors import NotFound
from seatplan.shapes.groups import Group
from seatplan.shapes.users import LicenseDetail, User, license_detail
from seatplan.store.prepared import Reader

router = APIRouter(tags=["users"])
UserPath = Annotated[str, UserRef]
DetailPath = Annotated[str, Path(description="`{userId}_{skuId}`.", max_length=128)]


@router.post(
    "/users/{user_id}/assignLicense",
    dependencies=[require(LICENSE_WRITE, USER_WRITE)],
    responses=responses(selectable(User)),
    summary="Assign or remove a user's direct licenses",
)
def assign_license(
    request: Request, user_id: UserPath, body: AssignLicense, session: WriteSessionDep
) -> JSONResponse:
    """Every change of the request or none: a refusal answers 400 with Graph's message."""
    user = lookup.user(session, user_id)
    add = {item.sku_id: frozenset(item.disabled_plans) for item in body.add_licenses}
    licenses.assign_to_user(session, user=user, add=add, remove=body.remove_licenses)
    return listing.entity(request, "users/$entity", user_items(session, [user], None)[0])


@router.post(
    "/users/{user_id}/reprocessLicenseAssignment",
    dependencies=[require(LICENSE_WRITE, USER_WRITE)],
    responses=responses(selectable(User)),
    summary="Evaluate a user's licenses again",
)
def reprocess(request: Request, user_id: UserPath, session: WriteSessionDep) -> JSONResponse:
    """Queues the user; the worker applies what the rules now allow."""
    user = lookup.user(session, user_id)
    licenses.reprocess_user(session, user=user)
    return listing.entity(request, "users/$entity", user_items(session, [user], None)[0])


@router.get(
    "/users/{user_id}/licenseDetails",
    dependencies=[require(USER_READ)],
    responses=responses(collection(selectable(LicenseDetail))),
    summary="The products a user has, with each service plan's status",
)
async def license_details(
    request: Request, user_id: UserPath, database: DatabaseDep
) -> JSONResponse:
    """`$select` chooses the properties; no other option applies to a user's few products."""
    select = listing.select_of_list(request, odata.LICENSE_DETAILS)
    found, items = await read(database, _license_details, user_id)
    context = listing.context_url(
        request, listing.with_select(f"users('{found}')/licenseDetails", select)
    )
    value = items if select is None else [project(item, select, ()) for item in items]
    return JSONResponse({"@odata.context": context, "value": value})


@router.get(
    "/users/{user_id}/licenseDetails/{detail_id}",
    dependencies=[require(USER_READ)],
    responses=responses(selectable(LicenseDetail)),
    summary="One of a user's products, with each service plan's status",
)
async def license_detail_by_id(
    request: Request, user_id: UserPath, detail_id: DetailPath, database: DatabaseDep
) -> JSONResponse:
    """The id is the list's: `{userId}_{skuId}` (a bare skuId is taken too)."""
    select = listing.select_only(request, odata.LICENSE_DETAILS)
    found, items = await read(database, _license_details, user_id)
    user_part, _, sku_part = detail_id.rpartition("_")
    sku = lookup.as_uuid(sku_part)
    if user_part and lookup.as_uuid(user_part) != found:
        sku = None
    item = next((item for item in items if sku is not None and item["skuId"] == str(sku)), None)
    if item is None:
        raise NotFound("LicenseDetails", detail_id)
    fragment = listing.with_select(f"users('{found}')/licenseDetails", select)
    return listing.entity(request, f"{fragment}/$entity", project(item, select, list(item)))


def _license_details(reader: Reader, ref: str) -> tuple[UUID, list[LicenseDetail]]:
    """The user's id and licenseDetails items, as prepared reads (a busiest route)."""
    user = hot_reads.user_row(reader, ref)
    held = directory.effective_licenses(hot_reads.assignment_rows(reader, user.id))
    if not held:
        return user.id, []
    catalog = hot_reads.catalog_in_force(reader)
    return user.id, [license_detail(user.id, item, catalog) for item in held]


@router.get(
    "/users/{user_id}/memberOf",
    dependencies=[require(GROUP_READ)],
    responses=responses(collection(selectable(Group))),
    summary="The groups a user is a direct member of",
)
def member_of(
    request: Request, user_id: UserPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    return _groups_page(request, user_id, session, secret, cast=False)


def member_of_groups(
    request: Request, user_id: UserPath, session: SessionDep, secret: SecretDep
) -> JSONResponse:
    """memberOf cast to groups: every membership (Seatplan's are all groups)."""
    return _groups_page(request, user_id, session, secret, cast=True)


for _namespace in CAST_NAMESPACES:
    router.add_api_route(
        f"/users/{{user_id}}/memberOf/{_namespace}group",
        member_of_groups,
        methods=["GET"],
        dependencies=[require(GROUP_READ)],
        responses=responses(collection(selectable(Group))),
        summary="The groups a user is a direct member of (an OData cast)",
        # The alias spelling answers the same, undocumented (one operation per cast).
        include_in_schema=_namespace == CAST_NAMESPACES[0],
        operation_id=f"member_of_groups_{_namespace.rstrip('.').replace('.', '_')}",
    )


def count_member_of_groups(
    request: Request, user_id: UserPath, session: SessionDep
) -> PlainTextResponse:
    user = lookup.user(session, user_id)
    statement = directory.groups_of(user.id)
    return listing.count(session, request, spec=odata.GROUPS, statement=statement)


for _namespace in CAST_NAMESPACES:
    router.add_api_route(
        f"/users/{{user_id}}/memberOf/{_namespace}group/$count",
        count_member_of_groups,
        methods=["GET"],
        response_class=PlainTextResponse,
        dependencies=[require(GROUP_READ)],
        responses=count_responses(),
        summary="Count the groups a user is a direct member of (an OData cast)",
        include_in_schema=_namespace == CAST_NAMESPACES[0],
        operation_id=f"count_member_of_groups_{_namespace.rstrip('.').replace('.', '_')}",
    )


def _groups_page(
    request: Request, user_ref: str, session: Session, secret: bytes, *, cast: bool
) -> JSONResponse:
    """A user's groups in a directoryObject collection (each with its `@odata.type`), or
    cast to groups (a groups collection)."""
    user = lookup.user(session, user_ref)
    return listing.page(
        session,
        request,
        spec=odata.GROUPS,
        statement=directory.groups_of(user.id),
        secret=secret,
        context="groups" if cast else "directoryObjects",
        shape=lambda rows, select: group_items(session, rows, select),
        odata_type=None if cast else GROUP_TYPE,
    )


@router.get(
    "/users/{user_id}/memberOf/$count",
    response_class=PlainTextResponse,
    dependencies=[require(GROUP_READ)],
    responses=count_responses(),
    summary="Count the groups a user is a direct member of",
)
def count_member_of(request: Request, user_id: UserPath, session: SessionDep) -> PlainTextResponse:
    user = lookup.user(session, user_id)
    statement = directory.groups_of(user.id)
    return listing.count(session, request, spec=odata.GROUPS, statement=statement)
