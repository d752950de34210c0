"""The audit log, filtered by activity, target and date."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services.reports.audit_log import activities, audit_page
from seatplan.web import csv_export, listing
from seatplan.web.auth import CurrentAdmin, DatabaseDep
from seatplan.web.errors import PortalRoute
from seatplan.web.forms import PAGE_SIZE, day, text
from seatplan.web.render import render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/audit")
def audit_log(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    params = request.query_params
    found = listing.read_listing(params, listing.AUDIT)
    filters = {name: text(params, name) for name in ("activity", "target", "from", "to")}
    errors: dict[str, str] = {}
    bounds = {}
    for name, end in (("from", False), ("to", True)):
        try:
            bounds[name] = day(filters[name], end=end)
        except ValueError:
            errors[name] = "Enter a date as YYYY-MM-DD."
            bounds[name] = None
    since, until = bounds["from"], bounds["to"]
    if since is not None and until is not None and since >= until:
        errors["to"] = (
            f"The To date ({filters['to']}) is before the From date ({filters['from']}): "
            "no event can match. Swap them, or clear one."
        )
    with db.reading() as session:
        names = activities(session)
        page = audit_page(
            session,
            activity=filters["activity"] or None,
            target=filters["target"] or None,
            since=bounds["from"],
            until=bounds["to"],
            offset=found.offset,
            limit=PAGE_SIZE,
            order=found.order,
        )
    return render(
        request,
        "audit.html",
        status=400 if errors else 200,
        events=page,
        activities=names,
        filters=filters,
        listing=found,
        errors=errors,
    )


@router.get("/audit/export")
def export_audit(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """The events the page's filters keep, in its order, as CSV."""
    found = listing.read_listing(request.query_params, listing.AUDIT)
    try:
        since, until = day(found.get("from")), day(found.get("to"), end=True)
    except ValueError:
        raise listing.BadListParameter("Enter dates as YYYY-MM-DD.") from None

    def read(session: Session, offset: int, limit: int) -> list[list[object]]:
        page = audit_page(
            session,
            activity=found.get("activity") or None,
            target=found.get("target") or None,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
            order=found.order,
        )
        return [
            [
                e.when.isoformat(),
                e.activity,
                e.category,
                "; ".join(e.targets),
                e.actor,
                e.result,
                e.reason,
                "; ".join(e.modified),
                e.correlation,
            ]
            for e in page.items
        ]

    header = [
        "Date (UTC)",
        "Activity",
        "Category",
        "Targets",
        "Initiated by",
        "Result",
        "Reason",
        "Changes",
        "Correlation id",
    ]
    return csv_export.download("audit-log.csv", csv_export.rows_of(db, header, read))
