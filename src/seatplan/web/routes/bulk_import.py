"""Users → Bulk import (an Entra bulk create or update CSV, checked, then written) and
Users → Export (every user as a CSV download), docs/bulk-import.md."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import bulk_export, bulk_import, bulk_report
from seatplan.services.errors import ServiceError
from seatplan.store import deadline
from seatplan.web import csv_export, listing
from seatplan.web.auth import CurrentAdmin, DatabaseDep, UploadForm
from seatplan.web.errors import PortalRoute
from seatplan.web.render import render
from seatplan.web.uploads import SHOWN_PROBLEMS, UploadRefused, saved_csv

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/users/import")
def import_page(request: Request, admin: CurrentAdmin) -> Response:
    return render(request, "users_import.html", report=None, update=False)


@router.post("/users/import")
def import_file(request: Request, form: UploadForm, db: DatabaseDep) -> Response:
    update = form.get("update") == "on"
    dry_run = form.get("action") != "import"
    try:
        # An import is one explicit long operation: its chunks commit one by one, so
        # it runs without the request's time limit (a stopped one resumes when sent again).
        with saved_csv(form, "seatplan users import") as path, deadline.time_limit(None):
            report = bulk_import.import_users(
                db,
                path,
                update=update,
                dry_run=dry_run,
                actor=request.state.portal_admin.actor,
            )
    except UploadRefused as refused:
        return _page(request, update, error=refused.message)
    except bulk_report.ImportStopped as stop:
        return _page(
            request,
            update,
            report=stop.report,
            error=f"Stopped at line {stop.problem.line}: {stop.problem.message} "
            "The chunks before it are written; send the file again to resume.",
        )
    except (ServiceError, UnicodeDecodeError) as error:
        message = error.message if isinstance(error, ServiceError) else "Not UTF-8 text."
        return _page(request, update, error=message)
    return _page(request, update, report=report, dry_run=dry_run)


def _page(
    request: Request,
    update: bool,
    *,
    report: bulk_report.Report | None = None,
    dry_run: bool = False,
    error: str | None = None,
) -> Response:
    bad = error is not None or (report is not None and bool(report.problems))
    return render(
        request,
        "users_import.html",
        status=400 if bad else 200,
        report=report,
        problems=report.problems[:SHOWN_PROBLEMS] if report else [],
        dry_run=dry_run,
        update=update,
        errors={"file": error} if error else None,
    )


@router.get("/users/export")
def export(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    """Users as bulk create's CSV (so that an export imports again), with the list's filters,
    by userPrincipalName."""
    found = listing.read_listing(request.query_params, listing.USERS)
    where = found.user_filter().conditions()
    return csv_export.download("users.csv", bulk_export.export_users(db, where=where))
