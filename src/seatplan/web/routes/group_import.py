"""A group's Import members page: Entra's bulk add members CSV, checked (every bad row
by line, nothing written), then added a chunk at a time (docs/bulk-import.md)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import bulk_members, bulk_report, reports
from seatplan.services.errors import ServiceError
from seatplan.store import deadline
from seatplan.store.db import Database
from seatplan.web.auth import CurrentAdmin, DatabaseDep, UploadForm
from seatplan.web.errors import PortalRoute
from seatplan.web.forms import uuid_of
from seatplan.web.render import render
from seatplan.web.uploads import SHOWN_PROBLEMS, UploadRefused, saved_csv

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/groups/{group}/import-members")
def import_page(request: Request, group: str, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _page(request, db, uuid_of(group))


@router.post("/groups/{group}/import-members")
def import_file(request: Request, group: str, form: UploadForm, db: DatabaseDep) -> Response:
    group_id = uuid_of(group)
    dry_run = form.get("action") != "import"
    try:
        # Chunks commit one by one, so the import runs without the request's time limit
        # (a stopped one resumes when sent again), as the users' Bulk import.
        with saved_csv(form, "seatplan groups import-members") as path, deadline.time_limit(None):
            report = bulk_members.import_members(
                db,
                str(group_id),
                path,
                dry_run=dry_run,
                actor=request.state.portal_admin.actor,
            )
    except UploadRefused as refused:
        return _page(request, db, group_id, error=refused.message)
    except bulk_report.ImportStopped as stop:
        return _page(
            request,
            db,
            group_id,
            report=stop.report,
            error=f"Stopped at line {stop.problem.line}: {stop.problem.message} "
            "The chunks before it are written; send the file again to resume.",
        )
    except (ServiceError, UnicodeDecodeError) as error:
        message = error.message if isinstance(error, ServiceError) else "Not UTF-8 text."
        return _page(request, db, group_id, error=message)
    return _page(request, db, group_id, report=report, dry_run=dry_run)


def _page(
    request: Request,
    db: Database,
    group_id: UUID,
    *,
    report: bulk_report.Report | None = None,
    dry_run: bool = False,
    error: str | None = None,
) -> Response:
    with db.reading() as session:
        group = reports.group_detail(session, group_id=group_id)
    bad = error is not None or (report is not None and bool(report.problems))
    return render(
        request,
        "group_import.html",
        status=400 if bad else 200,
        group=group,
        report=report,
        problems=report.problems[:SHOWN_PROBLEMS] if report else [],
        dry_run=dry_run,
        errors={"file": error} if error else None,
    )
