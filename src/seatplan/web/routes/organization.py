"""The organization's page: its settings, and licenseNestedGroups with a confirmation
that says how many users the change will queue."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from seatplan.services import organization
from seatplan.web.auth import CurrentAdmin, DatabaseDep, OrganizationForm
from seatplan.web.errors import PortalRoute, attempt
from seatplan.web.forms import text
from seatplan.web.render import redirect, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _page(
    request: Request,
    db: DatabaseDep,
    *,
    confirm: bool | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """The page; with `confirm`, the question before licenseNestedGroups becomes it."""
    with db.reading() as session:
        org = organization.get(session)
        queues = organization.nested_setting_reach(session) if confirm is not None else 0
    return render(
        request,
        "organization.html",
        status=400 if errors else 200,
        org=org,
        confirm=confirm,
        queues=queues,
        errors=errors,
    )


@router.get("/organization")
def organization_page(request: Request, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    return _page(request, db)


@router.post("/organization/license-nested-groups")
def license_nested_groups(request: Request, form: OrganizationForm, db: DatabaseDep) -> Response:
    wanted = text(form, "value") == "on"
    if text(form, "confirmed") != "yes":
        return _page(request, db, confirm=wanted)
    message = attempt(request, db, lambda s: organization.update(s, license_nested_groups=wanted))
    if message:
        return _page(request, db, errors={"nested": message})
    return redirect("/organization", "organization-saved")
