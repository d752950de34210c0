"""Groups: the list with error badges, a group's Licenses page, its members in error."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from seatplan.services import organization, queue, reports
from seatplan.services.reports.conflicts import conflicts
from seatplan.services.reports.paged import Page, errors_page, groups_page, members_page
from seatplan.services.reports.people import find_people
from seatplan.services.reports.problems import AssignmentError
from seatplan.web import csv_export, listing
from seatplan.web.auth import CurrentAdmin, DatabaseDep
from seatplan.web.errors import PortalRoute
from seatplan.web.fixes import actions
from seatplan.web.forms import PAGE_SIZE, text, uuid_of
from seatplan.web.render import notice_of, render

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


@router.get("/groups/export")
def export_groups(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    found = listing.read_listing(request.query_params, listing.GROUPS)

    def read(session: Session, offset: int, limit: int) -> list[list[object]]:
        page = groups_page(
            session,
            search=found.get("search"),
            in_error=found.get("errors") == "1",
            sku_id=found.product,
            order=found.order,
            offset=offset,
            limit=limit,
        )
        return [
            [
                g.id,
                g.display_name,
                g.member_count,
                " ".join(p.sku_part_number for p in g.products),
                g.processing_state,
                g.users_in_error,
            ]
            for g in page.items
        ]

    header = ["Id", "Name", "Members", "Products", "Processing", "Users in error"]
    return csv_export.download("groups.csv", csv_export.rows_of(db, header, read))


def group_page(
    request: Request,
    db: DatabaseDep,
    group_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    picked: str = "",
) -> Response:
    """The group's Licenses page (also shown again with a refused change's error).

    `picked`: what the people picker searched (the picker without script), with its
    results."""
    found = listing.read_listing(request.query_params, listing.MEMBERS)
    search = found.get("search")
    picked = picked or (typed or {}).get("member", "")
    with db.reading() as session:
        people = find_people(session, text=picked, group_id=group_id)
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
        pending = queue.queued_in_error(session, group_id)
        former = queue.former_members_in_error(session, group_id)
    busy = _busy(group, pending)
    return render(
        request,
        "group.html",
        pending=pending,
        former=former,
        busy=busy,
        done=request.query_params.get("done", ""),
        notice=notice_of(request, busy=busy),
        member_groups=member_groups,
        parent_groups=parent_groups,
        organization_nested=organization_nested,
        status=400 if errors else 200,
        group=group,
        members=members,
        search=search,
        listing=found,
        skus=skus,
        picked=picked,
        people=people,
        errors=errors,
        typed=typed,
    )


@router.get("/groups/{group}")
def group_licenses(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return group_page(request, db, uuid_of(group))


@router.get("/groups/{group}/people")
def people_picker(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """The people picker's results: a fragment for htmx as the administrator types, or,
    without script, the group's page with them."""
    group_id, picked = uuid_of(group), text(request.query_params, "q", limit=128)
    if request.headers.get("HX-Request") != "true":
        return group_page(request, db, group_id, picked=picked)
    with db.reading() as session:
        found = reports.group_detail(session, group_id=group_id)
        people = find_people(session, text=picked, group_id=group_id)
    return render(request, "people_results.html", group=found, picked=picked, people=people)


@router.get("/groups/{group}/state")
def group_state(group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """The processing state the Licenses page follows while processing runs."""
    with db.reading() as session:
        found = reports.group_detail(session, group_id=uuid_of(group))
    return JSONResponse({"state": found.processing_state, "usersInError": found.users_in_error})


def _busy(group: reports.GroupSummary, pending: int) -> bool:
    return group.processing_state != queue.COMPLETE or pending > 0


@router.get("/groups/{group}/live")
def group_live(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """The part of the Licenses page that changes while processing runs (htmx polls it
    while the work is not done; the answer without a poll ends the polling)."""
    group_id = uuid_of(group)
    with db.reading() as session:
        detail = reports.group_detail(session, group_id=group_id)
        pending = queue.queued_in_error(session, group_id)
        former = queue.former_members_in_error(session, group_id)
    busy = _busy(detail, pending)
    return render(
        request,
        "group_live.html",
        group=detail,
        pending=pending,
        former=former,
        busy=busy,
        done=request.query_params.get("done", ""),
        finished=None if busy else notice_of(request, busy=False),
    )


@router.get("/groups/{group}/errors")
def group_errors(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    found = listing.read_listing(request.query_params, listing.GROUP_ERRORS)
    with db.reading() as session:
        detail = reports.group_detail(session, group_id=group_id)
        context = _errors_context(session, found, group_id)
    return render(request, "group_errors.html", group=detail, **context)


ERROR_HEADER = [
    "User id",
    "Name",
    "Principal name",
    "Product",
    "Source",
    "State",
    "Error",
    "Member of the source",
]


def _error_rows(page: Page[AssignmentError]) -> list[list[object]]:
    return [
        [
            e.user_id,
            e.display_name,
            e.user_principal_name,
            e.sku_part_number,
            e.group.display_name if e.group else "Direct",
            e.state,
            e.error,
            "" if e.group is None else ("Yes" if e.is_member else "No"),
        ]
        for e in page.items
    ]


def _export_errors(
    request: Request, db: DatabaseDep, group_id: UUID | None, filename: str
) -> Response:
    found = listing.read_listing(
        request.query_params, listing.GROUP_ERRORS if group_id else listing.ERRORS
    )

    def read(session: Session, offset: int, limit: int) -> list[list[object]]:
        page = errors_page(
            session,
            group_id=group_id,
            error=found.get("error") or None,
            sku_id=found.product,
            order=found.order,
            offset=offset,
            limit=limit,
        )
        return _error_rows(page)

    return csv_export.download(filename, csv_export.rows_of(db, ERROR_HEADER, read))


@router.get("/groups/{group}/errors/export")
def export_group_errors(
    request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep
) -> Response:
    group_id = uuid_of(group)
    with db.reading() as session:
        reports.group_detail(session, group_id=group_id)  # a missing group is a 404 page
    return _export_errors(request, db, group_id, "group-license-errors.csv")


@router.get("/groups/{group}/members/export")
def export_members(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    found = listing.read_listing(request.query_params, listing.MEMBERS)
    with db.reading() as session:
        reports.group_detail(session, group_id=group_id)

    def read(
        session: Session, after: UUID | None, limit: int
    ) -> tuple[list[list[object]], UUID | None]:
        page = members_page(
            session,
            group_id=group_id,
            search=found.get("search"),
            in_error=found.get("errors") == "1",
            order=found.order,
            offset=0,
            limit=limit,
            after=after,
        )
        rows: list[list[object]] = [
            [
                m.id,
                m.display_name,
                m.user_principal_name,
                m.since.isoformat(),
                "; ".join(
                    f"{sku} {state}{f' ({error})' if error else ''}"
                    for sku, state, error in m.licenses
                ),
            ]
            for m in page.items
        ]
        return rows, page.items[-1].id if page.items else None

    header = ["User id", "Name", "Principal name", "Member since", "This group's licenses"]
    return csv_export.download("group-members.csv", csv_export.rows_after(db, header, read))


@router.get("/errors/export")
def export_every_error(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _export_errors(request, db, None, "license-errors.csv")


@router.get("/errors")
def every_error(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """Every user in error, whatever the group (Entra's Licenses overview)."""
    found = listing.read_listing(request.query_params, listing.ERRORS)
    with db.reading() as session:
        context = _errors_context(session, found, None)
    return render(request, "errors.html", **context)


def _errors_context(
    session: Session, found: listing.Listing, group_id: UUID | None
) -> dict[str, Any]:
    """What the error table (`error_table.html`) shows: one page of errors, one group's or all."""
    page = errors_page(
        session,
        group_id=group_id,
        error=found.get("error") or None,
        sku_id=found.product,
        order=found.order,
        offset=found.offset,
        limit=PAGE_SIZE,
    )
    return {
        "errors_page": page,
        "clashes": conflicts(session, page.items),
        "actions": actions,
        "listing": found,
        "skus": reports.sku_summaries(session),
        "kinds": listing.ERROR_KINDS,
    }
