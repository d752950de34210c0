"""Groups: the list with error badges, a group's Licenses page, its members in error."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from seatplan.services import organization, reports
from seatplan.services.reports.conflicts import conflicts
from seatplan.services.reports.paged import errors_page, groups_page, members_page
from seatplan.web import listing
from seatplan.web.auth import CurrentAdmin, DatabaseDep
from seatplan.web.errors import PortalRoute
from seatplan.web.fixes import actions
from seatplan.web.forms import PAGE_SIZE, uuid_of
from seatplan.web.render import render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/groups")
def group_list(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    found = listing.read_listing(request.query_params, listing.GROUPS)
    with db.reading() as session:
        page = groups_page(
            session,
            search=found.get("search"),
            in_error=found.get("errors") == "1",
            sku_id=found.product,
            order=found.order,
            offset=found.offset,
            limit=PAGE_SIZE,
        )
        skus = reports.sku_summaries(session)
    return render(
        request, "groups.html", groups=page, search=found.get("search"), listing=found, skus=skus
    )


def group_page(
    request: Request,
    db: DatabaseDep,
    group_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """The group's Licenses page (also shown again with a refused change's error)."""
    found = listing.read_listing(request.query_params, listing.MEMBERS)
    search = found.get("search")
    with db.reading() as session:
        group = reports.group_detail(session, group_id=group_id)
        members = members_page(
            session,
            group_id=group_id,
            search=search,
            in_error=found.get("errors") == "1",
            order=found.order,
            offset=found.offset,
            limit=PAGE_SIZE,
        )
        skus = reports.sku_summaries(session)
        member_groups = reports.member_groups(session, group_id=group_id)
        parent_groups = reports.parent_groups(session, group_id=group_id)
        organization_nested = organization.get(session).license_nested_groups
    return render(
        request,
        "group.html",
        member_groups=member_groups,
        parent_groups=parent_groups,
        organization_nested=organization_nested,
        status=400 if errors else 200,
        group=group,
        members=members,
        search=search,
        listing=found,
        skus=skus,
        errors=errors,
        typed=typed,
    )


@router.get("/groups/{group}")
def group_licenses(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return group_page(request, db, uuid_of(group))


@router.get("/groups/{group}/state")
def group_state(group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """The processing state the Licenses page follows while processing runs."""
    with db.reading() as session:
        found = reports.group_detail(session, group_id=uuid_of(group))
    return JSONResponse({"state": found.processing_state, "usersInError": found.users_in_error})


@router.get("/groups/{group}/errors")
def group_errors(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    found = listing.read_listing(request.query_params, listing.GROUP_ERRORS)
    with db.reading() as session:
        detail = reports.group_detail(session, group_id=group_id)
        page = errors_page(
            session,
            group_id=group_id,
            error=found.get("error") or None,
            sku_id=found.product,
            order=found.order,
            offset=found.offset,
            limit=PAGE_SIZE,
        )
        clashes = conflicts(session, page.items)
        skus = reports.sku_summaries(session)
    return render(
        request,
        "group_errors.html",
        group=detail,
        errors_page=page,
        clashes=clashes,
        actions=actions,
        listing=found,
        skus=skus,
        kinds=listing.ERROR_KINDS,
    )


@router.get("/errors")
def every_error(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """Every user in error, whatever the group (Entra's Licenses overview)."""
    found = listing.read_listing(request.query_params, listing.ERRORS)
    with db.reading() as session:
        page = errors_page(
            session,
            error=found.get("error") or None,
            sku_id=found.product,
            order=found.order,
            offset=found.offset,
            limit=PAGE_SIZE,
        )
        clashes = conflicts(session, page.items)
        skus = reports.sku_summaries(session)
    return render(
        request,
        "errors.html",
        errors_page=page,
        clashes=clashes,
        actions=actions,
        listing=found,
        skus=skus,
        kinds=listing.ERROR_KINDS,
    )
