"""Users → Bulk import (an Entra bulk create or update CSV, checked, then written) and
Users → Export (every user as a CSV download), docs/bulk-import.md."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from seatplan.services import bulk_export, bulk_import, bulk_report
from seatplan.services.errors import ServiceError
from seatplan.store import deadline
from seatplan.web.auth import CurrentAdmin, DatabaseDep, UploadForm
from seatplan.web.errors import PortalRoute
from seatplan.web.render import render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

#: About 100,000 rows of Entra's template; larger files are for `seatplan users import`.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
#: Bad rows shown on the page (the count says how many there are).
SHOWN_PROBLEMS = 500


@router.get("/users/import")
def import_page(request: Request, admin: CurrentAdmin) -> Response:
    return render(request, "users_import.html", report=None, update=False)


@router.post("/users/import")
def import_file(request: Request, form: UploadForm, db: DatabaseDep) -> Response:
    update = form.get("update") == "on"
    dry_run = form.get("action") != "import"
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, update, error="Choose a CSV file.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        with path.open("wb") as target:
            shutil.copyfileobj(upload.file, target)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            return _page(
                request, update, error="The file is over 32 MB: use `seatplan users import`."
            )
        # An import is one explicit long operation: its chunks commit one by one, so it
        # runs without the request's time limit (a stopped one resumes when sent again).
        try:
            with deadline.time_limit(None):
                report = bulk_import.import_users(
                    db,
                    path,
                    update=update,
                    dry_run=dry_run,
                    actor=request.state.portal_admin.actor,
                )
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


def _unlimited(pieces: Iterator[str]) -> Iterator[bytes]:
    """Each page of the export read without the request's time limit: a big directory
    takes longer than one request may, but each page is a short read of its own."""
    while True:
        with deadline.time_limit(None):
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece.encode("utf-8")


@router.get("/users/export")
def export(admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return StreamingResponse(
        _unlimited(bulk_export.export_users(db)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="users.csv"'},
    )
